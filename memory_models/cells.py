"""Memory cell parameter sets: SRAM 6T, STT-MRAM 1T1MTJ, SOT-MRAM 2T1MTJ.

Geometry is in units of the feature size F so a cell scales with the node. MTJ electrical figures are
given at the reference node ``ref_node_nm`` and used as they are at and above it (as NVSim does); below
it the array model shrinks the MTJ with the node down to half its reference diameter (resistance ~ 1/s^2,
switching current ~ s^write_current_scaling_exp; memory_models.array._lines).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np

from memory_models import Tech


@dataclass(frozen=True)
class Cell:
    name: str
    area_f2: float  # cell area in F^2
    aspect_ratio: float  # height / width
    access_width_f: float  # width of the (read) access transistor, in F
    volatile: bool  # SRAM leaks through its cross-coupled inverters; MTJ cells do not
    # MTJ electrical parameters (unused for SRAM)
    r_parallel_ohm: float = 0.0  # low-resistance state
    tmr: float = 0.0  # (R_AP - R_P) / R_P
    read_voltage_v: float = 0.0  # bias across the cell while sensing
    write_current_ua: float = 0.0  # at ref_node_nm
    write_pulse_ns: float = 0.0
    write_path_ohm: float = 0.0  # resistance of the write current path (SOT heavy metal); 0 -> Vdd drive
    # width of a separate write transistor (SOT's, in F); 0: the access device carries the write current (1T)
    write_width_f: float = 0.0
    # below ref_node_nm the switching current scales as s**exp with s the MTJ shrink. I_c0 ~ Delta kT
    # (alpha/eta) needs Delta ~ 60 for retention at any size, so it scales far slower than the MTJ area:
    # we use exp = 1 for both STT and SOT (SOT: current along the heavy-metal strip ~ its width).
    write_current_scaling_exp: float = 1.0
    # design rule: the read current may be at most this fraction of the switching current (read disturb)
    read_disturb_margin: float = 1.0
    ref_node_nm: float = 22.0
    source: str = ""


# 6T SRAM: 146 F^2, aspect 1.46, access/pull-down/pull-up widths 1.31/2.08/1.23 F -- the ITRS cell
# used as the default by both CACTI 7 (tech_params/*.dat "area_cell") and NVSim (SRAM.cell).
SRAM_6T = Cell(
    name="SRAM 6T",
    area_f2=146.0,
    aspect_ratio=1.46,
    access_width_f=1.31,
    volatile=True,
    source="ITRS 6T cell as in CACTI 7 tech_params and NVSim SRAM.cell (146 F^2, W_access 1.31 F)",
)

# STT-MRAM 1T1MTJ as shipped in NVSim's sample_STTRAM.cell (22 nm L3-cache cell): 54 F^2, R_P 3 kohm,
# R_AP 6 kohm (TMR 100 %), read 0.25 V current-mode, write 80 uA x 10 ns, access NMOS 8 F. Used to
# reproduce the NVSim reference runs (tests/data/mem_reference_nvsim_cacti.csv).
# Read disturb: its ohmic read current (~45 uA through 3 kohm + the 8 F access device) is 0.56 I_c,
# which the sample accepts: margin 0.6.
STT_NVSIM_SAMPLE = Cell(
    name="STT-MRAM 1T1MTJ (NVSim sample)",
    area_f2=54.0,
    aspect_ratio=0.54,
    access_width_f=8.0,
    volatile=False,
    r_parallel_ohm=3000.0,
    tmr=1.0,
    read_voltage_v=0.25,
    write_current_ua=80.0,
    write_pulse_ns=10.0,
    read_disturb_margin=0.6,
    ref_node_nm=22.0,
    source="NVSim sample_STTRAM.cell (SEAL-UCSB/NVSim)",
)

# Default STT-MRAM 1T1MTJ: the same MTJ stack with the faster write point annotated in that cell file
# ("WRITE PULSE: 5ns CURRENT: 40.82uA TRANSISTOR WIDTH: 8.5"), the operating point of a cache-grade
# STT cell at 16-22 nm (DeepNVM++ uses NVSim-style STT cells of this class). Read current capped at
# 0.4 I_c, the usual read-disturb rule for Delta ~ 60 cells (read-disturb rate ~ exp(-Delta (1 - I/I_c))).
STT_1T1MTJ = replace(
    STT_NVSIM_SAMPLE,
    name="STT-MRAM 1T1MTJ",
    access_width_f=8.5,
    write_current_ua=40.82,
    write_pulse_ns=5.0,
    read_disturb_margin=0.4,
    source="NVSim sample_STTRAM.cell annotated write point (5 ns, 40.82 uA, 8.5 F access)",
)

# SOT-MRAM 2T1MTJ: separate write path through a heavy-metal (beta-W / Ta) strip, so the write
# current does not cross the tunnel barrier and the pulse can be ~1 ns (Oboril, Bishnoi, Ebrahimi,
# Tahoori, TCAD 34(3) 2015: sub-ns to 1 ns SOT switching at a few hundred uA). Write: 200 uA for 1 ns
# through a ~2 kohm strip (I^2 R t plus the driver's 0.1 V headroom), an order below STT's Vdd*I*t.
# Two devices: a 4 F write transistor (write_width_f) and a 2 F read transistor (access_width_f).
# DeepNVM++ (Inci et al., TCAD 2022) reports SOT arrays denser than STT at 16 nm (2.8x vs 2.4x area
# reduction vs SRAM), which we reproduce with a 44 F^2 cell (assumption, between those ratios and the
# 54 F^2 1T1MTJ). The read current does not switch an SOT free layer, so no read-disturb cap applies
# (margin 1.0).
SOT_2T1MTJ = Cell(
    name="SOT-MRAM 2T1MTJ",
    area_f2=44.0,
    aspect_ratio=0.5,
    access_width_f=2.0,
    volatile=False,
    r_parallel_ohm=3000.0,
    tmr=1.0,
    read_voltage_v=0.25,
    write_current_ua=200.0,
    write_pulse_ns=1.0,
    write_path_ohm=2000.0,
    write_width_f=4.0,
    read_disturb_margin=1.0,
    ref_node_nm=22.0,
    source="Oboril et al., TCAD 2015 (SOT 2T1MTJ, ~1 ns, a few 100 uA); area: DeepNVM++ ordering (assumed)",
)

CELLS: dict[Tech, Cell] = {Tech.SRAM: SRAM_6T, Tech.STT_MRAM: STT_1T1MTJ, Tech.SOT_MRAM: SOT_2T1MTJ}
# The cell set NVSim's sample files describe (reference comparison only).
NVSIM_CELLS: dict[Tech, Cell] = {
    Tech.SRAM: SRAM_6T,
    Tech.STT_MRAM: STT_NVSIM_SAMPLE,
    Tech.SOT_MRAM: SOT_2T1MTJ,
}
# Every model parameter of a Cell (all fields but the descriptive name and source).
_FIELDS = tuple(f.name for f in fields(Cell) if f.name not in ("name", "source"))


def cell_arrays(tech: np.ndarray, cells: dict[Tech, Cell] | None = None) -> dict[str, np.ndarray]:
    """Per-element cell parameters for an integer ``tech`` array (struct of arrays)."""
    cells = cells or CELLS
    tech = np.asarray(tech, dtype=int)
    return {f: np.array([getattr(cells[t], f) for t in Tech])[tech] for f in _FIELDS}


def mtj_at_node(cell: dict[str, np.ndarray], node_nm) -> tuple[np.ndarray, np.ndarray]:
    """(R_P in ohm, switching current I_c in uA) of the cells' MTJs at ``node_nm``.

    Below the cell's reference node the MTJ's diameter follows F down to half its reference diameter, so
    its area goes as s^2, its resistance (constant R*A) as 1/s^2 and its switching current as
    s^write_current_scaling_exp (Cell.write_current_scaling_exp); at or above the reference node the cell
    file's figures are used as they are (as NVSim does)."""
    s = np.clip(np.asarray(node_nm, dtype=float) / cell["ref_node_nm"], 0.5, 1.0)
    return cell["r_parallel_ohm"] / s**2, cell["write_current_ua"] * s ** cell["write_current_scaling_exp"]
