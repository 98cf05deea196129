"""Clock-network energy: the clock pins that toggle and the tree wire to them, with clock gating.

Three parts, priced on different actions (the model's access rates are the cost model's counts):

- **per cycle** (every cycle of latency, like leakage): the H-tree from the root to one clock
  gate per PE, and that PE-level integrated clock gate (ICG) itself. Everything below a PE's gate
  stops when the PE is idle (Eyeriss gates unused PEs: Chen et al., ISSCC 2016, "unused PEs are
  clock gated"), so idle PEs and stall cycles cost only this part.
- **per active PE-cycle**, i.e. per MAC (one MAC per PE per cycle): what the PE's gate feeds every cycle:
  (a) the PE's registers that load every MAC: accumulator, product pipeline and clear flops, measured by
      our gate-level characterization (``pe_models`` ``clock_pj_per_cycle`` / ``reg_bits`` per flop: CLK-net
      charge + CLK-pin internal energy; pe_models/rtl: w_q, a_q, clr_q, p_q, acc_q), so a 4-bit PE
      clocks fewer flops than a 16-bit one;
  (b) one integrated clock-gating cell (ICG, ``ICG_CELL``) per load-enabled register bank: synthesis
      gates a register with a load enable by one ICG per bank (automatic clock-gating insertion, standard
      in commercial flows), so the bank's flops clock only on the cycles it loads and the ICG every
      cycle. The banks: each register-file scratchpad's write enable (the root of its word-gating tree);
      the NoC router's port registers (``NOC_REG_STAGES`` per operand port, ``NOC_PORTS`` ports); each
      scratchpad's read and write address counter (``pointer_words``: ceil(log2 N) bits each,
      ``spad_pointer_bits``; Accelergy's Eyeriss-like scratchpad, timeloop-accelergy-exercises
      04_eyeriss_like components/smartbuffer_RF.yaml: address_generators[0..1], width log(memory_depth)),
      SRAM-macro scratchpads included; the PE's weight and ifmap operand registers (``held_bits``), held
      while the PE's inner loop holds the operand (dse.dataflows.INNER_ORDERS);
  (c) the PE's own clock wire: an H-tree over the PE's area reaching (a)'s flops and (b)'s ICGs (the
      short nets from an ICG to its bank's flops are left out, a lower bound).
- **per load**, priced with the action that loads the register, at the counts the cost model has
  (dse.hardware): a NoC bit-hop (``pj_per_noc_bit_hop``) loads ``NOC_REG_STAGES`` port flops; a scratchpad
  read (``pj_per_spad_read``) advances its read pointer and loads the operand register it feeds; a
  scratchpad write (``pj_per_spad_write``) advances its write pointer and, behind the enable gate, clocks
  a two-level gating tree, ceil(sqrt(N)) group ICGs and the ceil(N / groups) word ICGs of the enabled
  group. A read of a latch/flip-flop register file is a mux tree and clocks no word; the written word's
  own cells are in the register file's write energy. A cycle in which nothing loads costs the ICGs
  alone, whatever the width. (Gating pairs or quadruples of narrow words behind one ICG would save
  < 10 % of a write's clock at the QUIDAM spad sizes, 2-bit words in 12-64 entries: not modelled.) The
  per-load clock is priced inside its action's energy (the mapping search sees one energy per action)
  and reported in the clock columns ``energy_clock_spad_pj`` / ``energy_clock_noc_pj``
  (``dse.actions.report_gated_clock``; ``HardwareCosts.*_clock_pj`` hold these per-load prices).

All three carry the clock tree's buffers: a tree of ``CLOCK_BUFFER_CELL`` each loaded to the 0.1 ns
output slew the characterization assumes at every clock pin adds ``CLOCK_BUFFER_OVERHEAD`` x the
C V^2 of the load it drives (sink pins + wire; ``buffer_overhead`` derives it from the Liberty
file). The GLB's SRAM macros clock only on an access (in their access energy). Gating a bank is
always applied, even where its ICG costs more than its flops would ungated (a 2-bit bank loading
every cycle); synthesis tools skip gating narrow banks (a minimum bit width), which is not modelled. The wires (the
array's tree and each PE's own) span the array as placed, ``array_area_mm2`` = its cells' area /
``placement_density`` (dse.hardware; at the default 1 they are laid over the cells alone, a lower
bound). Not modelled: the PEs' FIFOs and other control registers (no published depth or count; the
published gate count leaves them at most ~2,000 NAND2-equivalents per PE: tests/test_eyeriss.py
``test_priced_logic_within_the_published_gate_count``), the address counters' data toggles, the ICGs' enable logic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pe_models import scaling

# Characterization library: IHP SG13G2 stdcell typ, 130 nm, 1.20 V, 25 C (pe_models/data/LIBRARIES.md).
LIBERTY_NODE_NM = 130.0
LIBERTY_VDD_V = 1.2
# Energy per clock cycle (rise + fall) with the data held, at the 0.1 ns input slew the PE
# characterization reads (pe_models.characterize.flow.SLEW_NS): CLK internal energy (mean over the
# pin's internal_power tables) + CLK pin capacitance x V^2. Re-derived from the Liberty file in
# tests/test_clock_model.py (``ff_clock_pj_per_cycle``; command: `pytest tests/test_clock_model.py -k
# cell_clock_energy`). The ICG is the library's latch-based gate (sg13g2_slgcp_1 is its scan variant; the
# repo holds no GF180 / ASAP7 Liberty, so no cross-node ICG check):
FF_CLOCK_PJ_PER_CYCLE = 0.03054  # sg13g2_dfrbp_1 (D flip-flop): 2 x 0.01326 internal + 2.796 fF x 1.2^2
ICG_CLOCK_PJ_PER_CYCLE = 0.02258  # sg13g2_lgcp_1 (latch clock gate): 2 x 0.00773 internal + 4.939 fF x 1.2^2
FF_CELL = "sg13g2_dfrbp_1"
ICG_CELL = "sg13g2_lgcp_1"
# Their CLK pin capacitances (the C V^2 part of the constants above; the load a clock buffer drives):
FF_CLOCK_PIN_PF = 0.002796
ICG_CLOCK_PIN_PF = 0.004939
# Clock-tree buffers: energy added per unit of driven load C V^2 by a buffer tree, each buffer
# loaded until its output transition reaches the 0.1 ns slew, levels summed geometrically
# (``buffer_overhead``): sg13g2_buf_4 has the least of IHP's buf_1..16 (0.32 to 0.43); re-derived
# from the Liberty file in tests/test_clock_model.py. A dimensionless ratio of capacitances and
# energies of one library, used at every node (all of them scale together).
CLOCK_BUFFER_CELL = "sg13g2_buf_4"
CLOCK_BUFFER_OVERHEAD = 0.3205
# On-chip wire capacitance ~0.2 fF/um, roughly node independent (Weste & Harris, CMOS VLSI Design,
# 4th ed., Sec. 6.2: typical wire capacitance; the same value hardware.py assumes for NoC wires).
WIRE_CAP_PF_PER_MM = 0.2
# H-tree to N = 4^k sinks in a square of side D: level j has 4^(j-1) H shapes of 3 segments of
# D / 2^j, total sum_j 3 D 2^j / 4 = 1.5 D (sqrt(N) - 1) (geometry; tests/test_clock_model.py).
H_TREE_LENGTH_FACTOR = 1.5
# Operand ports of a PE's NoC router: weight, ifmap and psum (dse.actions: the NoC's three operands).
NOC_PORTS = 3


@dataclass(frozen=True)
class ClockCosts:
    """Clock energy of each design point (pJ): every cycle, and per active PE-cycle (= per MAC)."""

    pj_per_cycle: np.ndarray  # tree to the PE gates + the PE gates
    pj_per_mac: np.ndarray  # behind an active PE's gate: its registers, spad enable gates, NoC registers
    pj_per_spad_write: tuple[np.ndarray, ...]  # each scratchpad's word-gating tree + write pointer, per word written
    pj_per_spad_read: tuple[np.ndarray, ...]  # each scratchpad's read pointer + the operand register it loads, per read
    pj_per_noc_bit_hop: np.ndarray  # the NoC port registers loaded by one bit moving one hop


def h_tree_length_mm(area_mm2, sinks) -> np.ndarray:
    """Wire length of an H-tree reaching ``sinks`` points spread evenly over a square of ``area_mm2``."""
    return H_TREE_LENGTH_FACTOR * np.sqrt(np.asarray(area_mm2, float)) * np.maximum(np.sqrt(sinks) - 1.0, 0.0)


def ff_clock_pj_per_cycle(cell) -> float:
    """Clock energy per cycle of one Liberty cell (``pe_models.characterize.liberty.Cell``) at 0.1 ns slew."""
    from pe_models.characterize.flow import SLEW_NS

    pin = cell.pins["CLK"]
    internal_pj = 2.0 * float(np.mean([t.at(SLEW_NS, 0.0) for t in pin.energy]))
    return internal_pj + pin.capacitance_pf * LIBERTY_VDD_V**2


def buffer_overhead(cell, vdd_v: float = LIBERTY_VDD_V) -> float:
    """Energy a tree of ``cell`` buffers adds per unit of driven load C V^2 (see CLOCK_BUFFER_OVERHEAD).

    Each buffer drives the load ``c_max`` at which its output transition, with a 0.1 ns input slew,
    is 0.1 ns; per cycle it costs two transitions of internal energy at that load plus its input
    pin's C V^2, so a level costs ``r = (e_int + c_in V^2) / (c_max V^2)`` of its load; the next
    level up drives the buffers' inputs, ``c_in / c_max`` of it, and so on: ``r / (1 - c_in / c_max)``.
    """
    from pe_models.characterize.flow import SLEW_NS

    out, inp = cell.outputs[0], cell.inputs[0]
    loads_pf = np.geomspace(1e-4, 10.0, 4001)
    slews = np.array([np.mean([t.at(SLEW_NS, c) for t in out.transition]) for c in loads_pf])
    c_max = float(np.interp(SLEW_NS, slews, loads_pf))  # the transition grows with the load
    e_int = 2.0 * float(np.mean([t.at(SLEW_NS, c_max) for t in out.energy]))
    r = (e_int + inp.capacitance_pf * vdd_v**2) / (c_max * vdd_v**2)
    return r / (1.0 - inp.capacitance_pf / c_max)


def spad_pointer_bits(words) -> np.ndarray:
    """Address-counter flip-flops of a scratchpad of ``words`` words: a read and a write pointer of
    ceil(log2 N) bits each (a 1-word scratchpad needs none)."""
    return 2.0 * np.ceil(np.log2(np.maximum(np.asarray(words, float), 1.0)))


def gated_word_icgs(words) -> np.ndarray:
    """Clock gates toggling per active cycle in a scratchpad of ``words`` words behind a two-level
    gating tree: ceil(sqrt(N)) group gates plus the ceil(N / groups) word gates of the enabled group
    (0 words: a scratchpad without word gates, e.g. an SRAM macro)."""
    n = np.asarray(words, float)
    groups = np.ceil(np.sqrt(np.maximum(n, 1.0)))
    return np.where(n > 0, groups + np.ceil(n / groups), 0.0)


def clock_costs(n_pe: np.ndarray, pe_clock_pj_per_cycle: np.ndarray, pe_reg_bits: np.ndarray,
                spad_words: tuple[np.ndarray, ...], noc_reg_stages: np.ndarray, array_area_mm2: np.ndarray,
                node_nm: np.ndarray, vdd_v: np.ndarray | None = None,
                pointer_words: tuple[np.ndarray, ...] = (), held_bits: tuple[np.ndarray, ...] = (),
                register_gating: np.ndarray | None = None, noc_port_bits: np.ndarray | None = None) -> ClockCosts:
    """Clock energy of whole design points at ``vdd_v`` (default: nominal). ``pe_clock_pj_per_cycle``
    is the clock energy of the PE's ``pe_reg_bits`` registers already at the node and supply
    (pe_models); ``spad_words`` the word counts of each of the PE's word-gated scratchpads (0: none,
    e.g. an SRAM macro); ``noc_reg_stages`` the register stages of each of the PE's ``NOC_PORTS``
    operand ports; ``pointer_words`` the word counts of the scratchpads whose address counters
    clock with the PE (every scratchpad, SRAM macros included; none by default); ``held_bits`` the
    PE operand-register bits each scratchpad's read loads (the weight register behind the filter
    spad, ...; none by default: every PE register clocks each active cycle). ``pointer_words`` and
    ``held_bits`` are in the order of ``spad_words`` and price ``pj_per_spad_read`` / ``_write``.
    ``register_gating`` (per point, default all): where false, only the PE-level gate exists and every
    register behind it clocks each active cycle (``ungated_per_mac``: the PE's ``pe_reg_bits``, the NoC
    port registers, ``noc_reg_stages`` x ``noc_port_bits`` flops, and the address counters), so nothing
    is priced per load but the write's word-gating tree."""
    node = np.asarray(node_nm, float)
    vdd = scaling.nominal_vdd_v(node) if vdd_v is None else np.asarray(vdd_v, float)
    to_node = scaling.energy_factor(LIBERTY_NODE_NM, LIBERTY_VDD_V, node, vdd)
    n_pe = np.asarray(n_pe, float)
    pin_v2 = LIBERTY_VDD_V**2 * to_node
    # one load of one flop behind its bank's ICG: its clock pin and the buffers' share of it
    ff_load_pj = FF_CLOCK_PJ_PER_CYCLE * to_node + CLOCK_BUFFER_OVERHEAD * FF_CLOCK_PIN_PF * pin_v2
    pe_bits = np.asarray(pe_reg_bits, float)
    pe_ff_pj = np.asarray(pe_clock_pj_per_cycle, float) / np.maximum(pe_bits, 1.0)  # characterized, per flop
    held = tuple(np.asarray(h, float) for h in held_bits)
    pointers = tuple(spad_pointer_bits(w) / 2.0 for w in pointer_words)  # one counter: ceil(log2 N)
    stages = np.asarray(noc_reg_stages, float)
    # ICGs clocked every active cycle: each word-gated spad's write-enable gate, one per NoC port
    # register bank, one per address counter, one per held operand register
    enable_gates = sum(np.where(np.asarray(w, float) > 0, 1.0, 0.0) for w in spad_words)
    icgs = (enable_gates + NOC_PORTS * stages + sum(2.0 * (b > 0) for b in pointers)
            + sum(1.0 * (h > 0) for h in held))
    always_bits = pe_bits - sum(held)  # accumulator, product pipeline, clear: loaded every MAC
    per_mac = always_bits * pe_ff_pj + icgs * ICG_CLOCK_PJ_PER_CYCLE * to_node
    # the PE's clock wire reaches its ungated flops and its ICGs (the short nets from an ICG to its
    # bank's flops are left out, a lower bound); the buffers add their share of every load they drive
    pe_wire_pj = WIRE_CAP_PF_PER_MM * h_tree_length_mm(np.asarray(array_area_mm2, float) / n_pe,
                                                       always_bits + icgs) * vdd**2
    per_mac = per_mac + pe_wire_pj + CLOCK_BUFFER_OVERHEAD * (
        (always_bits * FF_CLOCK_PIN_PF + icgs * ICG_CLOCK_PIN_PF) * pin_v2 + pe_wire_pj)
    zero = np.zeros_like(per_mac)
    n_spads = max(len(spad_words), len(pointers), len(held))
    spad_words, ptr, held = ((*t, *(zero,) * (n_spads - len(t))) for t in (tuple(spad_words), pointers, held))
    # behind an enable gate, on a write only: the tree's gates and the buffers' share of their pins;
    # and the write pointer advancing
    # one toggle of one ICG behind the enable gate: its own clock energy and the buffers' share of its pin
    icg_load_pj = ICG_CLOCK_PJ_PER_CYCLE * to_node + CLOCK_BUFFER_OVERHEAD * ICG_CLOCK_PIN_PF * pin_v2
    tree_write = tuple(gated_word_icgs(w) * icg_load_pj for w in spad_words)
    per_write = tuple(t + b * ff_load_pj for t, b in zip(tree_write, ptr))
    # a read advances the read pointer and loads the operand register it feeds (characterized flops)
    per_read = tuple(b * ff_load_pj + h * (pe_ff_pj + CLOCK_BUFFER_OVERHEAD * FF_CLOCK_PIN_PF * pin_v2)
                     for b, h in zip(ptr, held))
    tree_pj = WIRE_CAP_PF_PER_MM * h_tree_length_mm(array_area_mm2, n_pe) * vdd**2
    per_cycle = (n_pe * ICG_CLOCK_PJ_PER_CYCLE * to_node + tree_pj
                 + CLOCK_BUFFER_OVERHEAD * (n_pe * ICG_CLOCK_PIN_PF * pin_v2 + tree_pj))
    per_noc_hop = stages * ff_load_pj
    if register_gating is not None:
        gate = np.asarray(register_gating, bool)
        ungated = ungated_per_mac(pe_clock_pj_per_cycle, pe_bits, spad_words, stages * np.asarray(noc_port_bits, float),
                                  pointer_words, np.asarray(array_area_mm2, float) / n_pe, to_node, vdd)
        per_mac = np.where(gate, per_mac, ungated)
        per_write = tuple(np.where(gate, g, u) for g, u in zip(per_write, tree_write))
        per_read = tuple(np.where(gate, r, 0.0) for r in per_read)
        per_noc_hop = np.where(gate, per_noc_hop, 0.0)
    return ClockCosts(per_cycle, per_mac, per_write, per_read, per_noc_hop)


def ungated_per_mac(pe_clock_pj_per_cycle, pe_bits, spad_words, noc_reg_bits, pointer_words, pe_area_mm2,
                    to_node, vdd) -> np.ndarray:
    """Clock energy per active PE-cycle of a PE whose only clock gate is its own (``register_gating`` off):
    its characterized registers, the NoC port registers and the address counters clock every active
    cycle, plus one write-enable gate per word-gated scratchpad, the PE's clock wire to all of their pins
    and the buffers' share (the model before load-enabled registers were gated, kept as the design choice
    of a flow without automatic clock-gating insertion)."""
    pin_v2 = LIBERTY_VDD_V**2 * to_node
    enable_gates = sum(np.where(np.asarray(w, float) > 0, 1.0, 0.0) for w in spad_words)
    other_ff = np.asarray(noc_reg_bits, float) + sum(spad_pointer_bits(w) for w in pointer_words)
    ff_bits = np.asarray(pe_bits, float) + other_ff
    per_mac = (np.asarray(pe_clock_pj_per_cycle, float)
               + (enable_gates * ICG_CLOCK_PJ_PER_CYCLE + other_ff * FF_CLOCK_PJ_PER_CYCLE) * to_node)
    wire_pj = WIRE_CAP_PF_PER_MM * h_tree_length_mm(pe_area_mm2, ff_bits + enable_gates) * vdd**2
    return per_mac + wire_pj + CLOCK_BUFFER_OVERHEAD * (
        (ff_bits * FF_CLOCK_PIN_PF + enable_gates * ICG_CLOCK_PIN_PF) * pin_v2 + wire_pj)
