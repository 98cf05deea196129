"""MRAM cell drive: the transistor that carries the write current, sized so that it can, and the cell area
that costs (vectorized over cell configurations).

A cell file (memory_models.cells) gives a nominal device width; nothing guarantees that this device, at the
chosen node, roadmap (hp / lop / lstp) and supply, delivers the MTJ's switching current I_c. We size it as
NVSim's cell model implies (NVSim takes the width and the cell area as inputs, MemCell.cpp
ReadCellFromFile "-AccessCMOSWidth" / "-CellArea", and sizes nothing itself): the width is
max(the cell's nominal width, the width that delivers I_c), and the cell grows with it.

Write current, with the device's on-resistance R_on = technology.r_on_ohm_um / W (the same R_on the array
model's read path uses, at the memory's supply by the alpha-power law):
  * STT 1T1MTJ: the bitline driver's V_dd drives I_c through the MTJ in its high-resistance state
    R_AP = R_P (1 + TMR) and the access device in series: V_dd / (R_AP + R_on / W) >= I_c, so
    W >= r_on_ohm_um / (F (V_dd / I_c - R_AP)). Where V_dd / I_c <= R_AP no width can write the cell.
    (Not modelled: the source degeneration of the direction that lifts the device's source by I_c R_MTJ.)
  * SOT 2T1MTJ: I_c flows along the heavy-metal strip through the separate write transistor from its own
    rail (memory_models.array: I R_strip plus headroom), its gate at V_dd: the device must carry I_c at its
    drive current, W_write >= I_c / (I_on(V_dd) F). (That an SOT cell's writability is set by its write
    transistor's drive, in fins at 7 nm, is the finding of imec's SOT-MRAM DTCO study, arXiv:2508.18250.)
  * SRAM: nothing to size.
Read: the read bias is clamped (Cell.read_voltage_v) and the read current is V_read / (R_P + R_on / W),
capped at read_disturb_margin x I_c (memory_models.array._lines): a wider device can only raise it up to
that cap, so the read-disturb rule holds at any width; SOT's read device is not resized (its read current
does not disturb the free layer and is not the write path).

Cell area: NVSim's MOS-accessed cell (Dong, Xu, Xie, Jouppi, "NVSim", IEEE TCAD 31(7) 2012, sec. III-A,
eq. 1: Area = 3 (W/L + 1) F^2, L = F) grows by AREA_F2_PER_WIDTH_F = 3 F^2 per F of device width; the
nominal cell keeps its file's area (NVSim's sample 54 F^2 at 8 F is twice that formula's 27 F^2: the MTJ
and its vias set the pitch there), and an upsized cell adds 3 F^2 per F beyond the nominal width. The
device's width runs along its gate, the wordline, so the cell grows along the wordline (its height, the
bitline pitch, stays). Cap: an MRAM cell may not exceed the 6T SRAM cell of the same node
(MAX_CELL_AREA_F2 = 146 F^2, memory_models.cells.SRAM_6T): beyond it the MRAM array has lost the density
it is chosen for (our design rule); a cell that needs more is refused with one error line.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from memory_models import Tech
from memory_models import technology as tk
from memory_models.cells import SRAM_6T, mtj_at_node
from memory_models.errors import CellDriveError

AREA_F2_PER_WIDTH_F = 3.0  # NVSim's MOS-accessed cell, 3 (W/L + 1) F^2 (module docstring)
MAX_CELL_AREA_F2 = SRAM_6T.area_f2  # an MRAM cell no larger than the 6T SRAM cell (module docstring)


@dataclass(frozen=True)
class Drive:
    """Per-configuration sized cell (arrays of the configuration shape)."""

    access_width_f: np.ndarray  # the access (read) device, F: STT's also writes
    write_width_f: np.ndarray  # the device carrying the write current, F (SRAM: its access device)
    area_f2: np.ndarray  # cell area, F^2
    upsized: np.ndarray  # bool: the write device is wider than the cell file's


def stt_write_width_f(vdd_v, r_on_ohm_um, node_nm, i_c_ua, r_ap_ohm) -> np.ndarray:
    """Narrowest access device (F) that passes ``i_c_ua`` through ``r_ap_ohm`` and itself from ``vdd_v``
    (its on-resistance ``r_on_ohm_um`` / width); inf where V_dd / I_c <= R_AP (module docstring)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        headroom_ohm = np.asarray(vdd_v, dtype=float) / (np.asarray(i_c_ua, dtype=float) * 1e-6) - r_ap_ohm
        return np.where(headroom_ohm > 0, r_on_ohm_um / (np.asarray(node_nm) * 1e-3 * headroom_ohm), np.inf)


def sot_write_width_f(i_on_ua_per_um, node_nm, i_c_ua) -> np.ndarray:
    """Narrowest SOT write transistor (F) whose drive current carries ``i_c_ua`` (module docstring)."""
    return np.asarray(i_c_ua, dtype=float) / (i_on_ua_per_um * np.asarray(node_nm) * 1e-3)


def size_cells(tech, cell: dict[str, np.ndarray], node_nm, roadmap: str = "hp", vdd_v=None) -> Drive:
    """The cells of integer ``tech`` (cell parameter arrays ``cell``, memory_models.cells.cell_arrays) at
    ``node_nm`` on ``roadmap`` at the supply ``vdd_v`` (V; None: the roadmap's); raises CellDriveError
    where no width delivers the write current within MAX_CELL_AREA_F2."""
    tech = np.asarray(tech, dtype=int)
    node = np.asarray(node_nm, dtype=float)
    vdd = tk.supply_v(node, roadmap, vdd_v)
    r_p, i_c_ua = mtj_at_node(cell, node)
    r_ap = r_p * (1.0 + cell["tmr"])
    stt, sot = tech == Tech.STT_MRAM, tech == Tech.SOT_MRAM
    r_on = tk.r_on_ohm_um(node, roadmap, vdd_v)
    w_stt = stt_write_width_f(vdd, r_on, node, np.where(stt, i_c_ua, 1.0), r_ap)
    w_sot = sot_write_width_f(tk.i_on_ua_per_um(node, roadmap, vdd_v), node, i_c_ua)
    need_f = np.where(stt, w_stt, np.where(sot, w_sot, 0.0))
    nominal_f = np.where(cell["write_width_f"] > 0, cell["write_width_f"], cell["access_width_f"])
    upsized = need_f > nominal_f
    write_f = np.where(upsized, need_f, nominal_f)
    grown_f2 = cell["area_f2"] + AREA_F2_PER_WIDTH_F * (write_f - nominal_f)
    area_f2 = np.where(upsized, grown_f2, cell["area_f2"])
    bad = upsized & ~(area_f2 <= MAX_CELL_AREA_F2)
    if np.any(bad):
        i = np.flatnonzero(bad.reshape(-1))[0]
        at = (lambda a: float(np.broadcast_to(a, bad.shape).reshape(-1)[i]))  # noqa: E731
        name = Tech(int(at(tech))).name.replace("_", "-")
        need = (f"a {at(need_f):.3g} F device, a {at(area_f2):.4g} F^2 cell" if np.isfinite(at(need_f)) else
                f"more than V_dd / I_c = {at(vdd) / at(i_c_ua) * 1e3:.3g} kohm allows: R_AP alone is "
                f"{at(r_ap) / 1e3:.3g} kohm, so no width")
        raise CellDriveError(
            f"vdd_v {at(vdd):.3g} V at {at(node):g} nm ({roadmap} roadmap) cannot write its {name} cells: "
            f"their I_c {at(i_c_ua):.3g} uA needs {need} (cap {MAX_CELL_AREA_F2:g} F^2, the 6T SRAM cell; "
            f"memory_models.drive); use a higher supply, another roadmap or node"
        )
    access_f = np.where(stt & upsized, write_f, cell["access_width_f"])
    return Drive(access_width_f=access_f, write_width_f=write_f, area_f2=area_f2, upsized=upsized)
