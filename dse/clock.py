"""Clock-network energy per cycle: the clock pins that toggle every cycle and the tree wire to them.

A clock toggles every cycle whether or not data moves, so this energy is priced per cycle of
latency (like leakage), not per action. Sinks clocked every cycle, per PE:

- one integrated clock gate (ICG) per scratchpad word. Register-file scratchpads are latch /
  flip-flop arrays (``memory_models.regfile``) with word-level clock gating: a word's storage
  cells are clocked only when it is written (priced in the register file's write energy), but
  its gate sees the clock every cycle;
- the NoC pipeline registers (``NOC_REG_STAGES`` per operand port), clocked without gating.

PE datapath registers are not counted here: the PE model's energy per MAC comes from a gate-level
simulation that toggles their clock (pe_models.characterize). The GLB's SRAM macros clock only on
an access (in their access energy). The tree is an H-tree over the PE-array area to all sinks.
Not modelled (the term is a lower bound for them): the tree's repeaters and their input
capacitance, control/FIFO registers, and no PE-level gating of idle PEs (clock gating factor 1).
"""

from __future__ import annotations

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


def h_tree_length_mm(area_mm2, sinks) -> np.ndarray:
    """Wire length of an H-tree reaching ``sinks`` points spread evenly over a square of ``area_mm2``."""
    return H_TREE_LENGTH_FACTOR * np.sqrt(np.asarray(area_mm2, float)) * np.maximum(np.sqrt(sinks) - 1.0, 0.0)


def ff_clock_pj_per_cycle(cell) -> float:
    """Clock energy per cycle of one Liberty cell (``pe_models.characterize.liberty.Cell``) at 0.1 ns slew."""
    from pe_models.characterize.flow import SLEW_NS

    pin = cell.pins["CLK"]
    internal_pj = 2.0 * float(np.mean([t.at(SLEW_NS, 0.0) for t in pin.energy]))
    return internal_pj + pin.capacitance_pf * LIBERTY_VDD_V**2


def clock_pj_per_cycle(n_pe: np.ndarray, spad_words_per_pe: np.ndarray, noc_reg_bits_per_pe: np.ndarray,
                       array_area_mm2: np.ndarray, node_nm: np.ndarray, vdd_v: np.ndarray | None = None
                       ) -> np.ndarray:
    """Clock-network energy per cycle (pJ) of whole design points at ``vdd_v`` (default: nominal)."""
    node = np.asarray(node_nm, float)
    vdd = scaling.nominal_vdd_v(node) if vdd_v is None else np.asarray(vdd_v, float)
    to_node = scaling.energy_factor(LIBERTY_NODE_NM, LIBERTY_VDD_V, node, vdd)
    icgs = n_pe * np.asarray(spad_words_per_pe, float)
    ffs = n_pe * np.asarray(noc_reg_bits_per_pe, float)
    pins_pj = (icgs * ICG_CLOCK_PJ_PER_CYCLE + ffs * FF_CLOCK_PJ_PER_CYCLE) * to_node
    # a clock wire charges and discharges once per cycle: C V^2
    return pins_pj + WIRE_CAP_PF_PER_MM * h_tree_length_mm(array_area_mm2, icgs + ffs) * vdd**2
