"""CMOS technology parameters per node (180 nm down to 7 nm), interpolated for any node in between.

22-180 nm: ITRS high-performance (HP) device projections at 350 K, as tabulated in CACTI 7's
``tech_params/<node>nm.dat`` (Vdd, I_on_n, I_off_n at 50 K above 300 K, C_g_ideal + C_fringe);
130 nm is not tabulated there: Vdd 1.2 V (ITRS 2001 HP), other columns log-interpolated 90-180 nm.
Below 22 nm (FinFET nodes, which neither CACTI 7 nor NVSim cover), our stated scaling:
  * Vdd: foundry nominal core voltages (16/14 nm 0.8 V, 10 nm 0.75 V, 7 nm 0.7 V);
  * drive current and off current per um of effective width held at the 22 nm HP value
    (FinFETs trade width for fin height; per-um figures stay within ~1.3x across 16-7 nm);
  * gate capacitance per um scales with F (constant field), wire capacitance per um is constant
    and wire resistance per um grows as 1/F^2 (fixed aspect-ratio copper, no size effect).
Wire capacitance ~0.2 fF/um for minimum-pitch local/semi-global copper (ITRS interconnect tables,
~0.18-0.22 fF/um from 90 nm to 22 nm); local-wire resistance per um scales as 1/F^2 anchored at
~20 ohm/um at 22 nm (our estimate for a ~32 nm half-pitch copper line with barrier, the order of ITRS
interconnect projections).
Repeated semi-global wire delay: we
compute it from the wire R, C and the FO4 gate delay (Ho, Mai, Horowitz, Proc. IEEE 2001: optimally
repeated wire delay = 2 sqrt(FO4 * R_wire * C_wire) per unit length, within ~20 %).

Device roadmaps (``roadmap``): "hp" (high performance, the NVSim/CACTI default and ours), "lop" (low
operating power) and "lstp" (low standby power), from the same CACTI 7 tables (ITRS columns). LOP/LSTP
have no 130/180 nm or sub-22 nm entries there: 130/180 nm take the 90 nm values and sub-22 nm the 22 nm
values (our assumption). Their FO4 is the HP FO4 scaled by (Vdd / I_on) relative to HP at the node.
Accelerators are usually built on low-power processes: a 108 KB HP SRAM at 65 nm leaks ~0.5 W at 350 K,
an LOP one ~20x less.

Supply (``vdd_v``, default the roadmap's own V_0): a memory may run its devices at another supply V
(dse's memory_vdd_v). Every function taking ``vdd_v`` gives its figure at V:
  * drive current: the alpha-power law (T. Sakurai, A. R. Newton, "Alpha-power law MOSFET model and its
    applications to CMOS inverter delay and other formulas", IEEE JSSC 25(2):584-594, 1990):
    I_on(V) = I_on(V_0) ((V - V_th) / (V_0 - V_th))^alpha, with V_th each roadmap's threshold (CACTI 7
    tech_params "-Vth (V)" column, the same ITRS devices as I_on) and alpha = ALPHA_POWER;
  * on-resistance V / I_on(V), hence FO4 and every gate-driven delay ~ V / (V - V_th)^alpha (the paper's
    inverter delay), repeated-wire delay ~ sqrt(FO4);
  * off current: held at the table's I_off(V_0). The tables give I_off only at V_0 and no DIBL
    coefficient, so leakage power I_off V is linear in V: below V_0 an upper bound, above it a lower bound
    (DIBL raises I_off with the drain voltage).
"""

from __future__ import annotations

import numpy as np

from memory_models.errors import MemoryModelError

# Node tables, ascending by node. Columns: node_nm, vdd_v, i_on_ua_per_um, i_off_na_per_um (350 K),
# vth_v, c_gate_ff_per_um. Sources: see module docstring (CACTI 7 tech_params, ITRS columns hp / lop / lstp).
_CG_22NM = 0.327 + 0.060
_CG = {
    7.0: _CG_22NM * 7 / 22,  # below 22 nm: scales with F (module docstring)
    10.0: _CG_22NM * 10 / 22,
    14.0: _CG_22NM * 14 / 22,
    16.0: _CG_22NM * 16 / 22,
    22.0: _CG_22NM,
    32.0: 0.534 + 0.040,
    45.0: 0.678 + 0.050,
    65.0: 0.469 + 0.077,
    90.0: 0.664 + 0.080,
    130.0: 1.07,
    180.0: 1.328 + 0.160,
}
_TABLES = {
    "hp": [  # node vdd Ion(uA/um) Ioff(nA/um) Vth(V); sub-22 nm Vth held at 22 nm's, as I_on and I_off
        (7.0, 0.70, 2626.4, 215.2, 0.13950),
        (10.0, 0.75, 2626.4, 215.2, 0.13950),
        (14.0, 0.80, 2626.4, 215.2, 0.13950),
        (16.0, 0.80, 2626.4, 215.2, 0.13950),
        (22.0, 0.80, 2626.4, 215.2, 0.13950),
        (32.0, 0.90, 2211.7, 269.0, 0.21835),
        (45.0, 1.00, 2046.6, 569.0, 0.18035),
        (65.0, 1.10, 1197.2, 395.0, 0.19491),
        (90.0, 1.20, 1076.9, 83.8, 0.23707),
        (130.0, 1.20, 898.0, 11.6, 0.34509),  # Vdd: ITRS 2001 HP 130 nm 1.2 V; rest log-interpolated 90-180
        (180.0, 1.50, 750.0, 1.6, 0.44070),
    ],
    # LOP / LSTP: CACTI 7 tabulates 22-90 nm only; _interp holds the end rows outside that range
    # (sub-22 nm takes the 22 nm values, 130/180 nm the 90 nm values: our assumption, module docstring).
    "lop": [
        (22.0, 0.60, 916.1, 399.0, 0.23150),
        (32.0, 0.60, 827.8, 143.0, 0.24227),
        (45.0, 0.70, 748.9, 10.8, 0.22599),
        (65.0, 0.80, 573.1, 17.1, 0.28512),
        (90.0, 0.90, 386.6, 82.7, 0.30764),
    ],
    "lstp": [
        (22.0, 0.80, 727.6, 0.773, 0.40126),
        (32.0, 1.00, 683.6, 0.169, 0.51300),
        (45.0, 1.10, 666.2, 0.0902, 0.50245),
        (65.0, 1.20, 519.2, 0.0805, 0.52354),
        (90.0, 1.30, 503.6, 0.0294, 0.48203),
    ],
}
ROADMAPS = tuple(_TABLES)
_NODE_TABLE = {r: np.array([row + (_CG[row[0]],) for row in rows]) for r, rows in _TABLES.items()}
MIN_NODE_NM, MAX_NODE_NM = 7.0, 180.0
WIRE_C_FF_PER_UM = 0.20
WIRE_R_OHM_PER_UM_22NM = 20.0
# Alpha-power law exponent (Sakurai & Newton 1990, module docstring): 2 for long-channel square-law
# devices, falling towards 1 under full velocity saturation. 1.3 is the short-channel value in common use
# (e.g. Weste & Harris, CMOS VLSI Design, 4th ed., sec. 2.4.4, for a 65 nm process); it is not fitted to
# the tables here, and one value serves every node and roadmap (our simplification). Sensitivity: at
# 0.8 V_0 on 65 nm HP, alpha 1.1 / 1.3 / 1.6 make a gate 1.09x / 1.15x / 1.25x slower than at V_0.
ALPHA_POWER = 1.3
# The alpha-power law describes strong inversion only: a supply must leave this much gate overdrive above
# V_th (~4 n kT/q at 350 K with n ~ 1.3: below it subthreshold conduction dominates).
MIN_OVERDRIVE_V = 0.15
# Effective switching resistance multiplier of an NMOS relative to Vdd/I_on (CACTI 7 22nm.dat:
# nmos_effective_resistance_multiplier 1.45 at HP; ~1.5 at other nodes).
_R_EFF_MULT = 1.5


def check_node(node_nm: np.ndarray) -> np.ndarray:
    node = np.asarray(node_nm, dtype=float)
    bad = (node < MIN_NODE_NM) | (node > MAX_NODE_NM) | ~np.isfinite(node)
    if np.any(bad):
        raise MemoryModelError(
            f"node_nm {np.unique(node[bad]).tolist()} is outside the modelled range "
            f"{MIN_NODE_NM:g}-{MAX_NODE_NM:g} nm"
        )
    return node


def _table(roadmap: str) -> np.ndarray:
    try:
        return _NODE_TABLE[roadmap]
    except KeyError:
        raise MemoryModelError(f"roadmap {roadmap!r} is not one of {ROADMAPS}") from None


def _interp(node: np.ndarray, column: int, roadmap: str = "hp", log_y: bool = False) -> np.ndarray:
    """Column ``column`` of the roadmap's table, log-log (or log-linear) interpolated in the node;
    nodes beyond the first/last row take that row's value (np.interp holds the end values)."""
    table = _table(roadmap)
    x = np.log(table[:, 0])
    y = table[:, column]
    if log_y:
        return np.exp(np.interp(np.log(node), x, np.log(y)))
    return np.interp(np.log(node), x, y)


def vdd_v(node_nm, roadmap: str = "hp") -> np.ndarray:
    return _interp(check_node(node_nm), 1, roadmap)


def i_on_ua_per_um(node_nm, roadmap: str = "hp", vdd=None) -> np.ndarray:
    """On-current per um of width at ``vdd`` (default the roadmap's supply, the table's own figure)."""
    return _interp(check_node(node_nm), 2, roadmap, log_y=True) * _drive_factor(node_nm, roadmap, vdd)


def i_off_na_per_um(node_nm, roadmap: str = "hp") -> np.ndarray:
    return _interp(check_node(node_nm), 3, roadmap, log_y=True)


def vth_v(node_nm, roadmap: str = "hp") -> np.ndarray:
    return _interp(check_node(node_nm), 4, roadmap)


def c_gate_ff_per_um(node_nm) -> np.ndarray:
    return _interp(check_node(node_nm), 5, "hp", log_y=True)


def supply_v(node_nm, roadmap: str = "hp", vdd=None, name: str = "vdd_v") -> np.ndarray:
    """The devices' supply: ``vdd`` (V, broadcast against the nodes) or, where None, the roadmap's own;
    raises MemoryModelError (naming the input ``name``) where it leaves less than MIN_OVERDRIVE_V above the
    roadmap's threshold."""
    node = check_node(node_nm)
    nominal = vdd_v(node, roadmap)
    if vdd is None:
        return nominal
    v = np.asarray(vdd, dtype=float)
    node_b, v = np.broadcast_arrays(node, v)
    low = vth_v(node_b, roadmap) + MIN_OVERDRIVE_V
    bad = ~(v >= low) | ~np.isfinite(v)
    if np.any(bad):
        i = np.flatnonzero(bad.reshape(-1))[0]
        raise MemoryModelError(
            f"{name} {v.reshape(-1)[i]:g} is below {low.reshape(-1)[i]:.3g} V, the {roadmap} roadmap's "
            f"threshold at {node_b.reshape(-1)[i]:g} nm plus {MIN_OVERDRIVE_V:g} V (the drive model needs "
            f"strong inversion)"
        )
    return v


def _drive_factor(node_nm, roadmap: str = "hp", vdd=None) -> np.ndarray:
    """I_on at ``vdd`` over I_on at the roadmap's supply (alpha-power law; 1 where ``vdd`` is None)."""
    node = check_node(node_nm)
    if vdd is None:
        return np.ones_like(node)
    v, vt = supply_v(node, roadmap, vdd), vth_v(node, roadmap)
    return ((v - vt) / (vdd_v(node, roadmap) - vt)) ** ALPHA_POWER


def r_on_ohm_um(node_nm, roadmap: str = "hp", vdd=None) -> np.ndarray:
    """Effective on-resistance of a 1 um wide NMOS (ohm * um) at ``vdd`` (default the roadmap's)."""
    return _R_EFF_MULT * supply_v(node_nm, roadmap, vdd) / (i_on_ua_per_um(node_nm, roadmap, vdd) * 1e-6)


def fo4_ps(node_nm, roadmap: str = "hp", vdd=None) -> np.ndarray:
    """Fan-out-of-4 inverter delay. 22 nm and above: the 360 ps per um of drawn gate length rule
    (Ho, Mai, Horowitz, Proc. IEEE 89(4) 2001, typical corner); below 22 nm FinFETs improve more
    slowly, FO4 ~ F^0.6 from the 22 nm value (our assumption, matching the ~0.5x 22->7 nm delay
    factor of Stillmaker & Baas 2017). At another supply it scales with the on-resistance (module
    docstring: V / (V - V_th)^alpha)."""
    node = check_node(node_nm)
    fo4_hp = np.where(node >= 22.0, 0.36 * node, 0.36 * 22.0 * (node / 22.0) ** 0.6)
    return fo4_hp * r_on_ohm_um(node, roadmap, vdd) / r_on_ohm_um(node, "hp")


def wire_r_ohm_per_um(node_nm) -> np.ndarray:
    node = check_node(node_nm)
    return WIRE_R_OHM_PER_UM_22NM * (22.0 / node) ** 2


def repeated_wire_delay_ps_per_mm(
    node_nm, pitch_factor: float = 4.0, roadmap: str = "hp", vdd=None
) -> np.ndarray:
    """Optimally repeated wire (Ho-Mai-Horowitz): 2 sqrt(FO4 * r * c) per mm.

    ``pitch_factor`` widens the wire relative to minimum pitch (semi-global/global routing layers
    are 2-8x minimum width), dividing its resistance.
    """
    r_per_mm = wire_r_ohm_per_um(node_nm) * 1e3 / pitch_factor
    c_per_mm_f = WIRE_C_FF_PER_UM * 1e3 * 1e-15
    return 2.0 * np.sqrt(fo4_ps(node_nm, roadmap, vdd) * 1e-12 * r_per_mm * c_per_mm_f) * 1e12
