"""Analytical memory-array model (NVSim/CACTI style), vectorized over configurations x organisations.

A bank of ``capacity / banks`` bytes is tiled into identical subarrays of ``rows x cols`` cells
with a ``mux``:1 column mux in front of each sense amplifier. An access activates
``word_bits / (cols / mux)`` subarrays; address and data travel an H-tree from the bank port to
the farthest subarray. For every configuration we evaluate all candidate (rows, cols, mux)
organisations at once (arrays of shape ``(n_unique_configs, n_candidates)``, duplicates evaluated once,
candidates that fit no configuration dropped) and keep, per configuration, the one that minimises the
optimisation target (like NVSim's -OptimizationTarget). No Python loop over configurations.

Components (each a closed-form first-order model, units in the names):
  * row decoder: log-depth predecode + NAND/driver stages (FO4 delays), wordline distributed RC;
  * bitline: SRAM small-swing discharge by the cell read current, MRAM current-mode sensing of the
    MTJ (bitline charged to the read bias, then a fixed sense time) -- Elmore RC on the line;
  * sense amplifiers, column mux, precharge; write drivers (SRAM full-swing, MRAM write pulse); a read
    may sense several words (``sensed_words``: a normal-access cache's ways, memory_models.model.ways_sensed)
    and keep one after the amplifiers: each sensed bit fires its amplifier (MRAM: I-V converter and cell +
    reference current), and the read activates enough subarrays to hold the sensed columns. The sensing
    does not wait for the hit (neither NVSim's nor CACTI's latency does);
  * H-tree: optimally repeated semi-global wires (technology.repeated_wire_delay_ps_per_mm);
  * leakage: SRAM cells + peripheral transistor width x I_off (MTJ cells do not leak);
  * area: cells + row/column periphery + H-tree wiring tracks.
The few lumped constants marked "calibrated" were set once by ``benchmarks/mem_calibration.py``
against NVSim/CACTI 22/32 nm caches and the IHP SG13G2 macros (tests/data/mem_reference_*.csv);
their tests state the agreement reached.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from memory_models import Tech
from memory_models import technology as tk
from memory_models.cells import Cell, cell_arrays, mtj_at_node
from memory_models.drive import Drive, size_cells
from memory_models.errors import MemoryModelError

# H-tree wires: "repeated" (optimally repeated semi-global wires at +30 % delay, as CACTI 7's default
# 'Global_30' and NVSim's Repeated30%Penalty) or "unrepeated" (one driver per wire, a distributed RC line:
# NVSim's RepeatedNone, the setting of its sample configurations and of our NVSim reference runs).
HTREES = ("repeated", "unrepeated")
TARGETS = ("read_latency", "write_latency", "read_energy", "write_energy", "read_edp", "area", "leakage")

# Candidate organisations: rows 4..2048 (4-8 rows only serve tiny tag arrays), columns 32..4096,
# column mux 1..64 (NVSim's own search ranges: rows/cols 2^k, senseamp mux 1..256).
_ROWS = 2.0 ** np.arange(2, 12)
_COLS = 2.0 ** np.arange(5, 13)
_MUX = 2.0 ** np.arange(0, 7)
CAND_ROWS, CAND_COLS, CAND_MUX = (a.ravel() for a in np.meshgrid(_ROWS, _COLS, _MUX, indexing="ij"))

# --- lumped constants -----------------------------------------------------------------------------
# Periphery per subarray, in F (our estimates; the IHP macro areas bound them):
_ROW_PERIPH_F = 60.0  # row decoder + wordline driver width beside each subarray
_COL_PERIPH_F = 60.0  # precharge/equalise + write driver + column mux height per subarray, in F
_SA_AREA_F2 = {Tech.SRAM: 600.0, Tech.STT_MRAM: 1500.0, Tech.SOT_MRAM: 1500.0}  # latch SA vs current SA
_WIRE_PITCH_F = 8.0  # semi-global routing pitch in F (2x minimum metal pitch of ~4 F)
_WLDRV_WIDTH_F = 20.0  # wordline driver NMOS width, F
_WD_WIDTH_F = 20.0  # write driver width, F
# Bitline differential needed by a latch sense amp, fraction of Vdd (CACTI 7: ~0.1 Vdd).
_SRAM_SWING_FRAC = 0.1
# Energy swing: the bitlines keep discharging until the wordline pulse ends, well past the sensing
# differential (calibrated: IHP SG13G2 macro read energy grows ~0.8 fJ per row per bit at 1.2 V,
# i.e. a near-full swing on the 2 muxed columns; 0.5 Vdd balances those and the 22/32 nm tools).
_SRAM_ENERGY_SWING_FRAC = 0.5
# SA switched gate width, F (latch SA; MRAM current SA bias energy is counted with the sense current)
_SA_ENERGY_WIDTH_F = {Tech.SRAM: 40.0, Tech.STT_MRAM: 60.0, Tech.SOT_MRAM: 60.0}
# Peripheral leakage ~ peripheral area x transistor-width density (dense logic ~0.2 F of width per F^2,
# ~9 um/um^2 at 22 nm), half of the devices off (calibrated: NVSim STT 22 nm periphery-only leakage).
_PERIPH_WIDTH_PER_F2 = 0.25
# Current-mode MRAM sensing (NVSim's model, SEAL-UCSB/NVSim commit 6334d00: SenseAmp.cpp, SubArray.cpp
# CalculatePower). Each fired current sense amplifier is an I-V converter followed by a voltage latch;
# NVSim's HSPICE figures for the converter, per amplifier and read (energy) and its sensing time:
#   node nm:    120    90    65    45    32    22 (and below; NVSim: "need calibration below 22nm")
#   energy fJ:  85.2  87.2  90.0 102.6 125.6 150.0
#   latency ns: 0.49  0.53  0.62  0.80  1.07  1.45
# Below 22 nm (no NVSim figure) the converter's energy scales as its C V^2 (C ~ F, the node's Vdd) and
# its latency, set by the sensing current into the bitline, is held (our assumption).
# and the cell and its reference cell draw the read power for that sensing time ("x2 is because of the
# reference cell"): 2 * Vdd * I_read * t_sense per sensed bit (MemCell::CalculateReadPower: Vdd * I_read).
_IV_NODE_NM = np.array([22.0, 32.0, 45.0, 65.0, 90.0, 120.0])
_IV_ENERGY_FJ = np.array([150.0, 125.6, 102.6, 90.0, 87.2, 85.2])
_IV_LATENCY_NS = np.array([1.45, 1.07, 0.80, 0.62, 0.53, 0.49])
_MRAM_CELL_AND_REFERENCE = 2.0
# Leaking width per 6T cell in F: the off pull-down, pull-up and access devices (~4.6 F drawn) x ~3.5 for
# gate + junction leakage and the 350 K corner; calibrated between CACTI 7 (35 nW/bit) and NVSim
# (141 nW/bit) at 22 nm HP, which disagree by 4x.
_SRAM_CELL_LEAK_WIDTH_F = 16.0
_REPEATER_ENERGY_FACTOR = 1.6  # repeated wire: repeater input/drain cap adds ~60 % (Ho et al. 2001)
_HTREE_PITCH_FACTOR = 2.0  # H-tree on semi-global layers (2x minimum width, CACTI 7 'semi-global')
_HTREE_DELAY_PENALTY = 1.3  # repeaters sized for energy at +30 % delay (CACTI 7 default 'Global_30')
_HTREE_ACTIVITY = 1.0  # NVSim and CACTI charge every H-tree wire per access; we follow them
# Unrepeated H-tree: a distributed RC line has a 50 % step delay of 0.38 r c L^2 (Elmore of a distributed
# line: r c L^2 / 2, x 0.76 for the 50 % point; Ho, Mai, Horowitz, Proc. IEEE 2001, eq. 1), plus its
# driver (2 FO4). Without repeaters the wires go on the wide global layers: 8x minimum width (ITRS global
# pitch ~4x the semi-global one, whose factor is _HTREE_PITCH_FACTOR = 2; NVSim 'GlobalAggressive').
_UNREPEATED_PITCH_FACTOR = 8.0
_UNREPEATED_DRIVER_FO4 = 2.0
# Macro control overhead (address/data latches, clock and self-timing, output drivers, IO columns), absent
# from NVSim/CACTI but dominant in KB-scale macros. Calibrated on the IHP SG13G2 130 nm macros: ~60 FO4 of
# clock-to-output before the array path, ~2.3 pF*V^2-equivalent fixed energy and ~20,000 F^2 per IO bit
# plus a ~400,000 F^2 control block.
_CTRL_DELAY_FO4 = 60.0
# A write needs the input latches, write-enable timing and completion, but not the sense/output path.
_CTRL_WRITE_DELAY_FO4 = 30.0
# SOT writes are driven from a dedicated low rail (I * R_strip + 0.1 V headroom) made by a regulator of
# this efficiency (our assumption; _energies_fj).
_SOT_WRITE_RAIL_EFFICIENCY = 0.8
_CTRL_ENERGY_GATE_F = 2.0e4  # switched gate width (F) per access, fixed
_IO_ENERGY_GATE_F = 1.5e3  # switched gate width (F) per word bit per access (latches, drivers)
_IO_AREA_F2_PER_BIT = 2.0e4
_CTRL_AREA_F2 = 4.0e5


@dataclass(frozen=True)
class ArrayCosts:
    """Per-configuration costs of the chosen organisation (arrays of the configuration shape)."""

    read_latency_ns: np.ndarray
    write_latency_ns: np.ndarray
    read_energy_pj: np.ndarray
    write_energy_pj: np.ndarray
    leakage_mw: np.ndarray
    area_mm2: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    mux: np.ndarray
    subarrays: np.ndarray
    # the sized cell (memory_models.drive): write device width (STT: the access device; SOT: its write
    # transistor; SRAM: the access device), cell area, and whether the write device exceeds the cell file's
    access_width_f: np.ndarray
    cell_area_f2: np.ndarray
    access_upsized: np.ndarray


def _c(x):
    return np.asarray(x, dtype=float)[..., None]  # configuration axis -> broadcast against candidates


def evaluate(
    tech,
    capacity_bytes,
    word_bits,
    node_nm,
    banks=1,
    target: str = "read_edp",
    cells: dict[Tech, Cell] | None = None,
    roadmap: str = "hp",
    htree: str = "repeated",
    vdd_v=None,
    sensed_words=1,
) -> ArrayCosts:
    """Costs of a RAM array (no tags) for broadcastable configuration arrays; ``htree`` is one of HTREES;
    ``vdd_v`` the periphery's and cells' supply in V (default the roadmap's; memory_models.technology's
    docstring says what it moves: drive, so every delay, and every C V^2, V I t and I_off V term);
    ``sensed_words`` the words a read senses in parallel before the output mux picks one (1 for a RAM; a
    normal-access cache's data array senses several ways before the hit is known: memory_models.model).

    Identical configurations are evaluated once, and candidate organisations that fit none of the
    configurations are dropped before the (configurations x candidates) evaluation."""
    if target not in TARGETS:
        raise MemoryModelError(f"optimisation target {target!r} is not one of {TARGETS}")
    if htree not in HTREES:
        raise MemoryModelError(f"htree {htree!r} is not one of {HTREES}")
    tech, cap_b, word_b, node, banks, vdd_in, sensed = np.broadcast_arrays(
        np.asarray(tech, dtype=int),
        np.asarray(capacity_bytes, dtype=float),
        np.asarray(word_bits, dtype=float),
        np.asarray(node_nm, dtype=float),
        np.asarray(banks, dtype=float),
        np.asarray(np.nan if vdd_v is None else vdd_v, dtype=float),
        np.asarray(sensed_words, dtype=float),
    )
    if np.any(~(sensed >= 1.0)):
        raise MemoryModelError(f"sensed_words must be >= 1, got {np.unique(sensed[~(sensed >= 1.0)]).tolist()[:4]}")
    shape = tech.shape
    tk.check_node(node)
    # the supply (validates the roadmap name and the supply's overdrive)
    vdd = tk.supply_v(node, roadmap, None if vdd_v is None else vdd_in)
    cols_in = np.stack([a.ravel().astype(float) for a in (tech, cap_b, word_b, node, banks, vdd, sensed)], axis=1)
    uniq, inverse = np.unique(cols_in, axis=0, return_inverse=True)
    u_tech, u_cap, u_word, u_node, u_banks, u_vdd, u_sensed = (uniq[:, i] for i in range(7))
    bits_bank = u_cap * 8.0 / u_banks
    n_sub = bits_bank[:, None] / (CAND_ROWS * CAND_COLS)
    out_bits = CAND_COLS / CAND_MUX
    n_act = np.maximum(u_word[:, None] / out_bits, 1.0)
    n_read = np.maximum(n_act, u_sensed[:, None] * u_word[:, None] / CAND_COLS)  # _geometry: n_read
    valid = (n_sub >= 1.0 - 1e-9) & (out_bits <= u_word[:, None]) & (n_read <= n_sub + 1e-9)
    if not np.all(valid.any(axis=1)):
        bad = ~valid.any(axis=1)
        raise MemoryModelError(
            f"no array organisation for capacity_bytes {np.unique(u_cap[bad]).tolist()[:4]} per "
            f"{np.unique(u_banks[bad]).tolist()[:2]} bank(s) with word_bits "
            f"{np.unique(u_word[bad]).tolist()[:4]}: "
            f"a bank needs at least one 4-row x 32-column subarray per accessed word"
        )
    keep = valid.any(axis=0)
    res = _evaluate_unique(
        u_tech.astype(int),
        u_cap,
        u_word,
        u_node,
        u_banks,
        u_vdd,
        u_sensed,
        target,
        cells,
        roadmap,
        htree,
        CAND_ROWS[keep],
        CAND_COLS[keep],
        CAND_MUX[keep],
        valid[:, keep],
    )
    inverse = inverse.reshape(-1)
    return ArrayCosts(**{k: np.asarray(v)[inverse].reshape(shape) for k, v in vars(res).items()})


@dataclass(frozen=True)
class _Env:
    """Per-configuration technology and cell figures, shaped (n_configs, 1) to broadcast over candidates."""

    is_sram: np.ndarray
    cell: dict[str, np.ndarray]  # the sized cell's (memory_models.drive: access_width_f, area_f2)
    drive: Drive
    sa_area_f2: np.ndarray
    sa_energy_width_f: np.ndarray
    f_um: np.ndarray
    vdd_v: np.ndarray
    fo4_ps: np.ndarray
    r_on_ohm_um: np.ndarray
    i_on_ua_per_um: np.ndarray
    i_off_na_per_um: np.ndarray
    cg_ff_per_um: np.ndarray
    r_wire_ohm_per_um: np.ndarray
    t_wire_ps_per_um: np.ndarray  # repeated H-tree, delay per um (0 when unrepeated)
    rc_wire_ps_per_um2: np.ndarray  # unrepeated H-tree, 0.38 r c (0 when repeated)
    htree_driver_ps: np.ndarray
    htree_energy_factor: float  # repeater input/drain capacitance over the wire's (1 when unrepeated)
    node_nm: np.ndarray
    iv_energy_fj: np.ndarray  # current-sense I-V converter, per fired amplifier (MRAM)
    iv_latency_ps: np.ndarray
    bits_bank: np.ndarray
    word_bits: np.ndarray
    banks: np.ndarray
    sensed_words: np.ndarray  # words sensed per read, one kept after the sense amplifiers


@dataclass(frozen=True)
class _Geometry:
    n_sub: np.ndarray
    n_act: np.ndarray
    n_read: np.ndarray  # subarrays a read activates: enough columns for the sensed words
    n_addr: np.ndarray
    cell_w_um: np.ndarray
    cell_h_um: np.ndarray
    bank_area_um2: np.ndarray
    total_area_um2: np.ndarray
    htree_len_um: np.ndarray


@dataclass(frozen=True)
class _Lines:
    """Wordline and bitline electricals of one subarray, and the MRAM cell currents."""

    c_wl_ff: np.ndarray
    r_wl_ohm: np.ndarray
    c_bl_ff: np.ndarray
    r_bl_ohm: np.ndarray
    i_read_ua: np.ndarray  # MRAM sensing current
    i_write_ua: np.ndarray  # MRAM switching current


def _iv_table(node_nm: np.ndarray, column: np.ndarray) -> np.ndarray:
    """NVSim's current-sense amplifier figure at ``node_nm``: its step table (each row holds from its node
    up to the next), log-interpolated between rows instead of stepped, held at the ends."""
    return np.interp(np.log(node_nm), np.log(_IV_NODE_NM), column)


def _iv_energy_fj(node_nm: np.ndarray, roadmap: str, vdd_v: np.ndarray | None = None) -> np.ndarray:
    """Current-sense amplifier energy per fired amplifier: NVSim's table (at each node's supply), C V^2-scaled
    below 22 nm and to the supply ``vdd_v`` (the converter's switched and bias charge drawn from it)."""
    below = np.minimum(node_nm / 22.0, 1.0) * (tk.vdd_v(node_nm, roadmap) / tk.vdd_v(22.0, roadmap)) ** 2
    at_v = (tk.supply_v(node_nm, roadmap, vdd_v) / tk.vdd_v(node_nm, roadmap)) ** 2
    return _iv_table(node_nm, _IV_ENERGY_FJ) * np.where(node_nm < 22.0, below, 1.0) * at_v


def _iv_latency_ps(node_nm: np.ndarray, roadmap: str, vdd_v: np.ndarray | None = None) -> np.ndarray:
    """Current-sense amplifier sensing time: NVSim's table (at each node's supply), scaled to the supply
    ``vdd_v`` as its transistors' on-resistance (technology.r_on_ohm_um: the converter's mirror and latch
    are gates; our assumption, NVSim's table has one supply per node)."""
    slow = tk.r_on_ohm_um(node_nm, roadmap, vdd_v) / tk.r_on_ohm_um(node_nm, roadmap)
    return _iv_table(node_nm, _IV_LATENCY_NS) * 1e3 * slow


def _environment(tech, cap_b, word_b, node, banks, vdd, cells, roadmap, htree, sensed=1.0) -> _Env:
    repeated = htree == "repeated"
    r_global_ohm_per_um = tk.wire_r_ohm_per_um(node) / _UNREPEATED_PITCH_FACTOR
    r_on = tk.r_on_ohm_um(node, roadmap, vdd)
    cell = cell_arrays(tech, cells)
    drive = size_cells(tech, cell, node, roadmap, vdd)
    cell["nominal_area_f2"] = cell["area_f2"]
    cell["access_width_f"], cell["area_f2"] = drive.access_width_f, drive.area_f2
    return _Env(
        is_sram=_c(tech == Tech.SRAM),
        cell={k: _c(v) for k, v in cell.items()},
        drive=Drive(**{k: _c(v) for k, v in vars(drive).items()}),
        sa_area_f2=_c(np.array([_SA_AREA_F2[t] for t in Tech])[tech]),
        sa_energy_width_f=_c(np.array([_SA_ENERGY_WIDTH_F[t] for t in Tech])[tech]),
        f_um=_c(node) * 1e-3,
        vdd_v=_c(vdd),
        fo4_ps=_c(tk.fo4_ps(node, roadmap, vdd)),
        r_on_ohm_um=_c(r_on),
        i_on_ua_per_um=_c(tk.i_on_ua_per_um(node, roadmap, vdd)),
        i_off_na_per_um=_c(tk.i_off_na_per_um(node, roadmap)),
        cg_ff_per_um=_c(tk.c_gate_ff_per_um(node)),
        r_wire_ohm_per_um=_c(tk.wire_r_ohm_per_um(node)),
        t_wire_ps_per_um=_c(tk.repeated_wire_delay_ps_per_mm(node, _HTREE_PITCH_FACTOR, roadmap, vdd))
        * 1e-3
        * _HTREE_DELAY_PENALTY
        * repeated,
        rc_wire_ps_per_um2=_c(0.38 * r_global_ohm_per_um * tk.WIRE_C_FF_PER_UM * 1e-3) * (not repeated),
        htree_driver_ps=_c(tk.fo4_ps(node, roadmap, vdd)) * _UNREPEATED_DRIVER_FO4 * (not repeated),
        htree_energy_factor=_REPEATER_ENERGY_FACTOR if repeated else 1.0,
        node_nm=_c(node),
        iv_energy_fj=_c(_iv_energy_fj(node, roadmap, vdd)),
        iv_latency_ps=_c(_iv_latency_ps(node, roadmap, vdd)),
        bits_bank=_c(cap_b) * 8.0 / _c(banks),
        word_bits=_c(word_b),
        banks=_c(banks),
        sensed_words=_c(np.broadcast_to(np.asarray(sensed, dtype=float), np.shape(tech))),
    )


def _geometry(e: _Env, rows, cols, mux) -> _Geometry:
    """Subarray tiling, bank area (cells + periphery + H-tree tracks + control/IO) and H-tree length (um)."""
    f, w = e.f_um, e.word_bits
    n_sub = e.bits_bank / (rows * cols)
    out_bits = cols / mux
    # an upsized cell (memory_models.drive) keeps its height (the bitline pitch) and grows along the wordline
    cell_h = np.sqrt(e.cell["nominal_area_f2"] * e.cell["aspect_ratio"]) * f
    cell_w = np.where(e.drive.upsized, e.cell["area_f2"] * f**2 / cell_h,
                      np.sqrt(e.cell["area_f2"] / e.cell["aspect_ratio"]) * f)
    sub_w = cols * cell_w + _ROW_PERIPH_F * f
    sa_h = out_bits * e.sa_area_f2 * f**2 / (cols * cell_w)
    sub_h = rows * cell_h + _COL_PERIPH_F * f + sa_h
    sub_area = sub_w * sub_h
    n_addr = np.log2(np.maximum(e.bits_bank / w, 2.0))
    route_area = (n_addr + w) * _WIRE_PITCH_F * f * np.sqrt(n_sub * sub_area) * np.sqrt(n_sub) * 0.5
    io_area = (w * _IO_AREA_F2_PER_BIT + _CTRL_AREA_F2) * f**2
    bank_area = n_sub * sub_area + route_area + io_area
    total_area = bank_area * e.banks
    global_len = np.where(e.banks > 1, np.sqrt(total_area) / 2.0, 0.0)
    return _Geometry(
        n_sub=n_sub,
        n_act=np.maximum(w / out_bits, 1.0),
        # the sensed words lie on the activated rows: a read activates enough subarrays for their columns
        n_read=np.maximum(np.maximum(w / out_bits, 1.0), e.sensed_words * w / cols),
        n_addr=n_addr,
        cell_w_um=cell_w,
        cell_h_um=cell_h,
        bank_area_um2=bank_area,
        total_area_um2=total_area,
        htree_len_um=np.sqrt(bank_area) + global_len,  # port at the edge centre to the farthest subarray
    )


def _lines(e: _Env, g: _Geometry, rows, cols) -> _Lines:
    f, cg, c_wire = e.f_um, e.cg_ff_per_um, tk.WIRE_C_FF_PER_UM
    access_gates = np.where(e.is_sram, 2.0, 1.0) * e.cell["access_width_f"] * f * cg
    r_access = e.r_on_ohm_um / (e.cell["access_width_f"] * f)
    r_mtj, i_w = mtj_at_node(e.cell, e.node_nm)  # scaled below the cell's reference node
    # read current: ohmic through MTJ + access device, capped by the read-disturb design rule
    i_r = np.minimum(
        e.cell["read_voltage_v"] / (r_mtj + r_access + 1e-9) * 1e6, e.cell["read_disturb_margin"] * i_w
    )
    return _Lines(
        c_wl_ff=cols * (c_wire * g.cell_w_um + access_gates),
        r_wl_ohm=e.r_wire_ohm_per_um * cols * g.cell_w_um,
        c_bl_ff=rows * (c_wire * g.cell_h_um + 0.5 * e.cell["access_width_f"] * f * cg),
        r_bl_ohm=e.r_wire_ohm_per_um * rows * g.cell_h_um,
        i_read_ua=i_r,
        i_write_ua=i_w,
    )


def _latencies_ps(e: _Env, g: _Geometry, ln: _Lines, rows, mux) -> tuple[np.ndarray, np.ndarray]:
    fo4 = e.fo4_ps
    r_wldrv = e.r_on_ohm_um / (_WLDRV_WIDTH_F * e.f_um)
    t_dec = fo4 * (2.0 + 0.5 * np.log2(rows) + 0.25 * np.log2(np.maximum(g.n_sub, 1.0)))
    t_wl = (0.38 * ln.r_wl_ohm * ln.c_wl_ff + 0.69 * r_wldrv * ln.c_wl_ff) * 1e-3
    rc_bl = 0.38 * ln.r_bl_ohm * ln.c_bl_ff * 1e-3
    i_cell_ua = e.i_on_ua_per_um * e.cell["access_width_f"] * e.f_um * 0.5  # stacked access + pull-down
    t_bl_sram = ln.c_bl_ff * _SRAM_SWING_FRAC * e.vdd_v / np.maximum(i_cell_ua, 1e-9) * 1e3 + rc_bl
    t_bl_mram = (
        ln.c_bl_ff * e.cell["read_voltage_v"] / np.maximum(ln.i_read_ua, 1e-9) * 1e3
        + rc_bl
        + e.iv_latency_ps
    )
    t_bl = np.where(e.is_sram, t_bl_sram, t_bl_mram)
    t_mux = 0.5 * fo4 * np.log2(mux * g.n_act * e.sensed_words)  # + the output mux after the SAs
    length = g.htree_len_um
    t_htree = e.t_wire_ps_per_um * length + e.rc_wire_ps_per_um2 * length**2 + e.htree_driver_ps
    read_ps = _CTRL_DELAY_FO4 * fo4 + 2.0 * t_htree + t_dec + t_wl + t_bl + 2.0 * fo4 + t_mux  # 2 FO4: SA
    # write: address + data in (one H-tree traversal), decode, drive the bitlines / pulse the cell
    i_wd_ua = e.i_on_ua_per_um * _WD_WIDTH_F * e.f_um
    t_wbl = ln.c_bl_ff * e.vdd_v / i_wd_ua * 1e3 + rc_bl
    pulse = np.where(e.is_sram, 0.0, e.cell["write_pulse_ns"] * 1e3)
    write_ps = _CTRL_WRITE_DELAY_FO4 * fo4 + t_htree + t_dec + t_wl + t_wbl + pulse
    return read_ps, write_ps


@dataclass(frozen=True)
class _ReadTerms:
    """The energy terms of an access (fJ), each declared once: _energies_fj sums them into the read and write
    energies, read_energy_parts_pj groups them as NVSim's breakdown."""

    htree: np.ndarray  # address + data bits over the H-tree
    ctrl_io: np.ndarray  # control and I/O (the macro overhead)
    row: np.ndarray  # one subarray's row decoder + wordline
    sense_latch: np.ndarray  # the latch amplifiers of every sensed bit
    swing: np.ndarray  # one SRAM column's small-swing discharge + precharge back
    sram_bitline: np.ndarray  # SRAM read: every column of each activated subarray swings
    mram_bitline_per_bit: np.ndarray  # MRAM: a sensed column's bias charge
    mram_iv_per_bit: np.ndarray  # MRAM: a sensed bit's I-V converter
    mram_cell_per_bit: np.ndarray  # MRAM: cell + reference current for the sensing time
    sensed_bits: np.ndarray  # bits a read senses (every sensed word fires its amplifiers)


def _read_terms(e: _Env, g: _Geometry, ln: _Lines, rows, cols) -> _ReadTerms:
    vdd_v, f, cg, w = e.vdd_v, e.f_um, e.cg_ff_per_um, e.word_bits
    e_wire_per_um_bit = tk.WIRE_C_FF_PER_UM * vdd_v**2 * e.htree_energy_factor * _HTREE_ACTIVITY
    # every sensed word fires its amplifiers (the output mux after them keeps one word)
    sensed_bits = w * e.sensed_words
    swing = ln.c_bl_ff * vdd_v * _SRAM_ENERGY_SWING_FRAC * vdd_v * 2.0  # discharge + precharge back
    # SRAM read: every column of each active subarray swings; MRAM: only the sensed columns are biased
    # and the cell + reference + SA bias currents flow for the sense time. The MRAM bias (the cell's read
    # voltage) is clamped by the sense amplifier, not V_dd: its bitline charge C V_read comes from V_dd (x V),
    # the sensing current I_read V_dd t_sense too (I_read through the access device's R_on at V, t_sense
    # the converter's at V: _iv_latency_ps).
    return _ReadTerms(
        htree=(g.n_addr + w) * g.htree_len_um * e_wire_per_um_bit,
        ctrl_io=(_CTRL_ENERGY_GATE_F + w * _IO_ENERGY_GATE_F) * f * cg * vdd_v**2,
        row=(np.log2(rows) * 16.0 * f * cg + ln.c_wl_ff) * vdd_v**2,
        sense_latch=sensed_bits * e.sa_energy_width_f * f * cg * vdd_v**2,
        swing=swing,
        sram_bitline=g.n_read * cols * swing,
        mram_bitline_per_bit=ln.c_bl_ff * e.cell["read_voltage_v"] * vdd_v,
        mram_iv_per_bit=e.iv_energy_fj,
        mram_cell_per_bit=_MRAM_CELL_AND_REFERENCE * ln.i_read_ua * 1e-6 * vdd_v * e.iv_latency_ps * 1e-12 * 1e15,
        sensed_bits=sensed_bits,
    )


def _energies_fj(e: _Env, g: _Geometry, ln: _Lines, rows, cols) -> tuple[np.ndarray, np.ndarray]:
    vdd_v, w = e.vdd_v, e.word_bits
    t = _read_terms(e, g, ln, rows, cols)
    common = t.ctrl_io + t.htree
    mram_read = t.sensed_bits * (t.mram_bitline_per_bit + t.mram_iv_per_bit + t.mram_cell_per_bit)
    read_fj = common + g.n_read * t.row + t.sense_latch + np.where(e.is_sram, t.sram_bitline, mram_read)
    # SRAM write: the written bitlines swing fully, the half-selected columns as in a read
    sram_write = w * ln.c_bl_ff * vdd_v**2 + np.maximum(g.n_act * cols - w, 0.0) * t.swing
    # STT drivers draw Vdd * I; SOT writes from a dedicated low rail just above I * R_strip (+0.1 V
    # driver headroom) generated at 80 % efficiency, which is what makes SOT writes cheap.
    # At another supply: the switching current I_c and the pulse are the MTJ's (I_c0 ~ Delta kT alpha / eta,
    # set by the free layer, not by V_dd), so an STT write draws the same charge I_c t_pulse from V_dd: its
    # cell energy is linear in V (the driver drops the excess); the SOT rail is set by I R_strip, so its cell
    # energy does not move with V_dd. The bitline charge and the periphery stay C V^2.
    v_write = np.where(
        e.cell["write_path_ohm"] > 0,
        (ln.i_write_ua * 1e-6 * e.cell["write_path_ohm"] + 0.1) / _SOT_WRITE_RAIL_EFFICIENCY,
        vdd_v,
    )
    e_cell_write_fj = ln.i_write_ua * 1e-6 * v_write * e.cell["write_pulse_ns"] * 1e-9 * 1e15
    mram_write = w * (ln.c_bl_ff * vdd_v**2 + e_cell_write_fj)
    write_fj = common + g.n_act * t.row + np.where(e.is_sram, sram_write, mram_write)
    return read_fj, write_fj


def _leakage_mw(e: _Env, g: _Geometry) -> np.ndarray:
    cell_area = e.bits_bank * e.cell["area_f2"] * e.f_um**2
    periph_width_um = np.maximum(g.bank_area_um2 - cell_area, 0.0) * _PERIPH_WIDTH_PER_F2 / e.f_um * 0.5
    cell_width_um = np.where(e.cell["volatile"], e.bits_bank * _SRAM_CELL_LEAK_WIDTH_F * e.f_um, 0.0)
    return (periph_width_um + cell_width_um) * e.i_off_na_per_um * 1e-9 * e.vdd_v * 1e3 * e.banks


def _evaluate_unique(
    tech, cap_b, word_b, node, banks, vdd, sensed, target, cells, roadmap, htree, rows, cols, mux, valid
) -> ArrayCosts:
    e = _environment(tech, cap_b, word_b, node, banks, vdd, cells, roadmap, htree, sensed)
    g = _geometry(e, rows, cols, mux)
    ln = _lines(e, g, rows, cols)
    read_ps, write_ps = _latencies_ps(e, g, ln, rows, mux)
    read_fj, write_fj = _energies_fj(e, g, ln, rows, cols)
    leak_mw = _leakage_mw(e, g)
    area_mm2 = g.total_area_um2 * 1e-6
    metric = {
        "read_latency": read_ps,
        "write_latency": write_ps,
        "read_energy": read_fj,
        "write_energy": write_fj,
        "read_edp": read_fj * read_ps,
        "area": area_mm2,
        "leakage": leak_mw,
    }[target]
    # ties (e.g. identical energy for several muxes) go to the smaller area, for a stable choice
    score = np.where(valid, metric * (1.0 + 1e-9 * area_mm2 / np.max(area_mm2)), np.inf)
    best = np.argmin(score, axis=-1)[..., None]

    def pick(a):
        return np.take_along_axis(np.broadcast_to(a, score.shape), best, axis=-1)[..., 0]

    return ArrayCosts(
        read_latency_ns=pick(read_ps) * 1e-3,
        write_latency_ns=pick(write_ps) * 1e-3,
        read_energy_pj=pick(read_fj) * 1e-3,
        write_energy_pj=pick(write_fj) * 1e-3,
        leakage_mw=pick(leak_mw),
        area_mm2=pick(area_mm2),
        rows=pick(rows),
        cols=pick(cols),
        mux=pick(mux),
        subarrays=pick(g.n_sub),
        access_width_f=e.drive.write_width_f[:, 0],
        cell_area_f2=e.drive.area_f2[:, 0],
        access_upsized=e.drive.upsized[:, 0] > 0,
    )


READ_PARTS = ("htree", "ctrl_io", "decoder_wordline", "bitline", "sense_amp", "cell_read")


def read_energy_parts_pj(
    tech, capacity_bytes, word_bits, node_nm, banks=1, target: str = "read_edp", cells=None,
    roadmap: str = "hp", htree: str = "repeated", vdd_v=None, sensed_words=1,
) -> dict[str, np.ndarray]:
    """The read energy of ``evaluate``'s chosen organisation by component (pJ, READ_PARTS; they sum to its
    read_energy_pj), named as NVSim's breakdown: H-tree; control/IO (ours only, the macro overhead);
    row decoder + wordline; bitline (SRAM swing, MRAM bias charge); sense amplifiers (latch, and MRAM's I-V
    converters); cell read (MRAM cell + reference current for the sensing time; SRAM: 0)."""
    c = evaluate(tech, capacity_bytes, word_bits, node_nm, banks, target=target, cells=cells, roadmap=roadmap,
                 htree=htree, vdd_v=vdd_v, sensed_words=sensed_words)
    shape = np.shape(c.rows)
    flat = [np.broadcast_to(np.asarray(x, dtype=float), shape).ravel()
            for x in (tech, capacity_bytes, word_bits, node_nm, banks, sensed_words)]
    tech_f, cap, word, node, nb, sensed = flat
    vdd = np.broadcast_to(tk.supply_v(node_nm, roadmap, vdd_v), shape).ravel()
    e = _environment(tech_f.astype(int), cap, word, node, nb, vdd, cells, roadmap, htree, sensed)
    rows, cols, mux = (np.asarray(x, dtype=float).reshape(-1, 1) for x in (c.rows, c.cols, c.mux))
    g = _geometry(e, rows, cols, mux)
    t = _read_terms(e, g, _lines(e, g, rows, cols), rows, cols)
    mram = 1.0 - np.asarray(e.is_sram, dtype=float)
    parts = {
        "htree": t.htree,
        "ctrl_io": t.ctrl_io,
        "decoder_wordline": g.n_read * t.row,
        "bitline": np.where(e.is_sram, t.sram_bitline, t.sensed_bits * t.mram_bitline_per_bit),
        "sense_amp": t.sense_latch + mram * t.sensed_bits * t.mram_iv_per_bit,
        "cell_read": mram * t.sensed_bits * t.mram_cell_per_bit,
    }
    return {k: (np.broadcast_to(p, rows.shape)[:, 0] * 1e-3).reshape(shape) for k, p in parts.items()}
