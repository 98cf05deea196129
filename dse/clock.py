"""Clock-network energy: the clock pins that toggle and the tree wire to them, with clock gating.

Two parts, priced on different actions:

- **per cycle** (every cycle of latency, like leakage): the H-tree from the root to one clock
  gate per PE, and that PE-level integrated clock gate (ICG) itself. Everything below a PE's gate
  stops when the PE is idle (Eyeriss gates unused PEs: Chen et al., ISSCC 2016, "unused PEs are
  clock gated"), so idle PEs and stall cycles cost only this part.
- **per active PE-cycle**, i.e. per MAC (one MAC per PE per cycle): what the PE's gate feeds:
  (a) the PE's own registers: operand, pipeline and accumulator flip-flops, measured by our gate-level
      characterization (``pe_models`` ``clock_pj_per_cycle``: CLK-net charge + CLK-pin internal energy
      of the reg_bits flops the synthesized PE has, so a 4-bit PE clocks fewer flops than a 16-bit one);
  (b) the scratchpads' word clock gates behind a two-level gating tree: sqrt(N) group ICGs, and only
      the enabled group's sqrt(N) word ICGs see the clock (unaccessed groups are gated); a word's
      storage cells clock only when written (priced in the register file's write energy);
  (c) the NoC router's pipeline registers (``NOC_REG_STAGES`` per operand port, dse.hardware).

The GLB's SRAM macros clock only on an access (in their access energy). Not modelled (the term is a
lower bound for them): clock buffers/repeaters and their input capacitance, control/FIFO registers.
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
# tests/test_clock_model.py (``ff_clock_pj_per_cycle``):
FF_CLOCK_PJ_PER_CYCLE = 0.03054  # sg13g2_dfrbp_1 (D flip-flop): 2 x 0.01326 internal + 2.796 fF x 1.2^2
ICG_CLOCK_PJ_PER_CYCLE = 0.02258  # sg13g2_lgcp_1 (latch clock gate): 2 x 0.00773 internal + 4.939 fF x 1.2^2
FF_CELL = "sg13g2_dfrbp_1"
ICG_CELL = "sg13g2_lgcp_1"
# On-chip wire capacitance ~0.2 fF/um, roughly node independent (Weste & Harris, CMOS VLSI Design,
# 4th ed., Sec. 6.2: typical wire capacitance; the same value hardware.py assumes for NoC wires).
WIRE_CAP_PF_PER_MM = 0.2
# H-tree to N = 4^k sinks in a square of side D: level j has 4^(j-1) H shapes of 3 segments of
# D / 2^j, total sum_j 3 D 2^j / 4 = 1.5 D (sqrt(N) - 1) (geometry; tests/test_clock_model.py).
H_TREE_LENGTH_FACTOR = 1.5


@dataclass(frozen=True)
class ClockCosts:
    """Clock energy of each design point (pJ): every cycle, and per active PE-cycle (= per MAC)."""

    pj_per_cycle: np.ndarray  # tree to the PE gates + the PE gates
    pj_per_mac: np.ndarray  # behind an active PE's gate: its registers, spad word gates, NoC registers


def h_tree_length_mm(area_mm2, sinks) -> np.ndarray:
    """Wire length of an H-tree reaching ``sinks`` points spread evenly over a square of ``area_mm2``."""
    return H_TREE_LENGTH_FACTOR * np.sqrt(np.asarray(area_mm2, float)) * np.maximum(np.sqrt(sinks) - 1.0, 0.0)


def ff_clock_pj_per_cycle(cell) -> float:
    """Clock energy per cycle of one Liberty cell (``pe_models.characterize.liberty.Cell``) at 0.1 ns slew."""
    from pe_models.characterize.flow import SLEW_NS

    pin = cell.pins["CLK"]
    internal_pj = 2.0 * float(np.mean([t.at(SLEW_NS, 0.0) for t in pin.energy]))
    return internal_pj + pin.capacitance_pf * LIBERTY_VDD_V**2


def gated_word_icgs(words) -> np.ndarray:
    """Clock gates toggling per active cycle in a scratchpad of ``words`` words behind a two-level
    gating tree: ceil(sqrt(N)) group gates plus the ceil(N / groups) word gates of the enabled group
    (0 words: a scratchpad without word gates, e.g. an SRAM macro)."""
    n = np.asarray(words, float)
    groups = np.ceil(np.sqrt(np.maximum(n, 1.0)))
    return np.where(n > 0, groups + np.ceil(n / groups), 0.0)


def clock_costs(n_pe: np.ndarray, pe_clock_pj_per_cycle: np.ndarray, spad_words: tuple[np.ndarray, ...],
                noc_reg_bits_per_pe: np.ndarray, array_area_mm2: np.ndarray, node_nm: np.ndarray,
                vdd_v: np.ndarray | None = None) -> ClockCosts:
    """Clock energy of whole design points at ``vdd_v`` (default: nominal). ``pe_clock_pj_per_cycle``
    is the PE registers' clock energy already at the node and supply (pe_models); ``spad_words`` the
    word counts of each of the PE's scratchpads."""
    node = np.asarray(node_nm, float)
    vdd = scaling.nominal_vdd_v(node) if vdd_v is None else np.asarray(vdd_v, float)
    to_node = scaling.energy_factor(LIBERTY_NODE_NM, LIBERTY_VDD_V, node, vdd)
    n_pe = np.asarray(n_pe, float)
    word_icgs = sum(gated_word_icgs(w) for w in spad_words)
    per_mac = (np.asarray(pe_clock_pj_per_cycle, float)
               + (word_icgs * ICG_CLOCK_PJ_PER_CYCLE + np.asarray(noc_reg_bits_per_pe, float) * FF_CLOCK_PJ_PER_CYCLE)
               * to_node)
    # a clock wire charges and discharges once per cycle: C V^2
    tree_pj = WIRE_CAP_PF_PER_MM * h_tree_length_mm(array_area_mm2, n_pe) * vdd**2
    return ClockCosts(n_pe * ICG_CLOCK_PJ_PER_CYCLE * to_node + tree_pj, per_mac)
