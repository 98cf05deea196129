"""Technology-node and supply-voltage scaling of delay, energy, leakage power and area.

Source: A. Stillmaker, B. Baas, "Scaling equations for the accurate prediction of CMOS device
performance from 180 nm to 7 nm", Integration, the VLSI Journal 58:74-81, 2017. The paper
fits, per node, delay as a cubic and energy and power as quadratics in the supply voltage
(HSPICE on PTM models for 180-32 nm, ITRS HP data for 20-7 nm; R^2 > 0.95), and tabulates
area scaling factors between nodes. A value at (node_a, V_a) moves to (node_b, V_b) by the
ratio f(node_b, V_b) / f(node_a, V_a).

The coefficients below are the paper's fitted-coefficient tables (bulk 180-65 nm, high-
performance "HP" devices at 45/32 nm and 20-7 nm), as tabulated by the nodeScale tool (UCLA
NanoCAD Lab, MIT licence; its energy rows agree with a second public transcription).
The paper has no 22 or 28 nm point: those are interpolated linearly in the node size between
32 and 20 nm (at the same supply voltage), which we flag as our interpolation, not the paper's.
"""

from __future__ import annotations

import numpy as np

# node_nm: (delay d3, d2, d1, d0,  energy e2, e1, e0,  power p2, p1, p0)
_COEFFS = {
    180.0: (0.0, 97.09, -356.7, 406.5, 0.0, 24.64, -17.98, 0.0, 101000.0, -79720.0),
    130.0: (-76.65, 334.9, -493.4, 275.8, 7.171, -6.709, 2.904, 27020.0, -15450.0, 5630.0),
    90.0: (-60.34, 262.5, -384.2, 210.9, 4.762, -4.781, 2.092, 17320.0, -11230.0, 4328.0),
    65.0: (-53.3, 230.4, -333.9, 178.6, 3.755, -4.398, 1.975, 12890.0, -10510.0, 4362.0),
    45.0: (-501.6, 1567.0, -1619.0, 566.1, 1.018, -0.3107, 0.1539, 5462.0, -1760.0, 522.4),  # HP
    32.0: (-1047.0, 2982.0, -2797.0, 873.5, 0.8367, -0.4341, 0.1701, 4001.0, -1733.0, 533.6),  # HP
    20.0: (0.0, 34.63, -66.37, 41.15, 0.373, -0.1582, 0.04104, 2922.0, -1286.0, 299.9),  # HP
    16.0: (0.0, 24.8, -47.52, 28.87, 0.2958, -0.1241, 0.03024, 2133.0, -882.6, 197.7),  # HP
    14.0: (-40.66, 109.2, -100.6, 35.92, 0.2363, -0.09675, 0.02239, 1675.0, -711.0, 159.0),  # HP
    10.0: (-34.95, 93.65, -85.99, 30.4, 0.2068, -0.09311, 0.02375, 1456.0, -621.6, 143.8),  # HP
    7.0: (-28.58, 76.6, -70.26, 24.69, 0.1776, -0.09097, 0.02447, 1179.0, -515.7, 123.4),  # HP
}
# Area of a design at each node relative to 45 nm (the paper's area-scaling table, 45 nm row).
_AREA_REL_45 = {
    180.0: 19.0,
    130.0: 6.4,
    90.0: 2.8,
    65.0: 1.5,
    45.0: 1.0,
    32.0: 0.46,
    20.0: 0.21,
    16.0: 0.19,
    14.0: 0.17,
    10.0: 0.1,
    7.0: 0.059,
}
# Nominal supply of each node: PTM model cards (180-32 nm; e.g. PTM 45 nm HP: 1.0 V) and the
# ITRS HP supplies used by the paper for 20-7 nm.
_VDD_NOMINAL_V = {
    180.0: 1.8,
    130.0: 1.3,
    90.0: 1.2,
    65.0: 1.1,
    45.0: 1.0,
    32.0: 0.9,
    20.0: 0.9,
    16.0: 0.85,
    14.0: 0.8,
    10.0: 0.75,
    7.0: 0.7,
}
_INTERPOLATED = {28.0: (32.0, 20.0), 22.0: (32.0, 20.0)}  # our linear interpolation (see above)

SUPPORTED_NODES_NM: tuple[float, ...] = tuple(sorted(set(_COEFFS) | set(_INTERPOLATED), reverse=True))
# Supply-voltage range accepted, relative to the node's nominal supply: the fits were made over
# roughly this span around nominal; far outside it the polynomials are extrapolations.
VDD_RANGE_REL = (0.6, 1.2)


def _check_nodes(node_nm: np.ndarray) -> None:
    bad = ~np.isin(node_nm, SUPPORTED_NODES_NM)
    if bad.any():
        raise ValueError(
            f"node_nm {sorted(set(node_nm[bad].tolist()))} not supported; "
            f"expected one of {list(SUPPORTED_NODES_NM)}"
        )


def _per_node(node_nm: np.ndarray, table: dict[float, float | tuple]) -> np.ndarray:
    """Look up (interpolating 28/22 nm) a per-node entry for each element of node_nm."""
    node_nm = np.asarray(node_nm, dtype=float)
    _check_nodes(node_nm)
    first = next(iter(table.values()))
    width = len(first) if isinstance(first, tuple) else 1
    out = np.empty(node_nm.shape + (width,))
    for node in np.unique(node_nm):  # loop over distinct nodes (a handful), not design points
        if node in _INTERPOLATED:
            hi, lo = _INTERPOLATED[node]
            t = (hi - node) / (hi - lo)
            val = (1 - t) * np.atleast_1d(table[hi]) + t * np.atleast_1d(table[lo])
        else:
            val = np.atleast_1d(table[node])
        out[node_nm == node] = val
    return out if width > 1 else out[..., 0]


def nominal_vdd_v(node_nm: np.ndarray | float) -> np.ndarray:
    """Nominal supply voltage of each node."""
    return _per_node(node_nm, _VDD_NOMINAL_V)


def resolve_vdd(node_nm: np.ndarray | float, vdd_v: np.ndarray | float | None) -> np.ndarray:
    """The supply to use: nominal where ``vdd_v`` is None, else ``vdd_v`` checked against the range."""
    nominal = nominal_vdd_v(node_nm)
    if vdd_v is None:
        return nominal
    vdd = np.broadcast_to(np.asarray(vdd_v, dtype=float), nominal.shape)
    rel = vdd / nominal
    bad = (rel < VDD_RANGE_REL[0]) | (rel > VDD_RANGE_REL[1]) | ~np.isfinite(rel)
    if bad.any():
        i = np.flatnonzero(bad.reshape(-1))[0]
        node = np.broadcast_to(node_nm, nominal.shape).reshape(-1)[i]
        raise ValueError(
            f"vdd_v {vdd.reshape(-1)[i]} outside {VDD_RANGE_REL[0]}-{VDD_RANGE_REL[1]} x the "
            f"nominal {nominal.reshape(-1)[i]} V of the {node} nm node"
        )
    return vdd


def _factors(node_nm: np.ndarray, vdd_v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The paper's delay and energy polynomials at (node_nm, vdd_v). Its power polynomial (the
    p columns of _COEFFS) is not used: leakage is modelled below from our own characterization."""
    c = _per_node(node_nm, _COEFFS)
    v = np.asarray(vdd_v, dtype=float)
    delay = c[..., 0] * v**3 + c[..., 1] * v**2 + c[..., 2] * v + c[..., 3]
    energy = c[..., 4] * v**2 + c[..., 5] * v + c[..., 6]
    return delay, energy


def delay_factor(node_from, vdd_from, node_to, vdd_to) -> np.ndarray:
    """Multiply a delay at (node_from, vdd_from) by this to get it at (node_to, vdd_to)."""
    return (
        _factors(np.asarray(node_to, float), vdd_to)[0] / _factors(np.asarray(node_from, float), vdd_from)[0]
    )


def energy_factor(node_from, vdd_from, node_to, vdd_to) -> np.ndarray:
    """Multiply a dynamic energy at (node_from, vdd_from) by this to get it at (node_to, vdd_to)."""
    return (
        _factors(np.asarray(node_to, float), vdd_to)[1] / _factors(np.asarray(node_from, float), vdd_from)[1]
    )


# Leakage power density of standard-cell logic (nW/um2, typical corner, 25 C), measured by our
# characterization (python -m pe_models.characterize; medians over the 'check' variants in
# pe_models/data/characterization_raw.csv): IHP SG13G2 130 nm at 1.2 V 0.0117, ASAP7 RVT 7 nm
# at 0.7 V 0.434 (GF180MCU 180 nm at 1.8 V: 0.00093). Stillmaker & Baas fit no leakage, and their
# power polynomial (the p columns above) over their area factor moves the 130 nm density by 1.4x
# to 7 nm and 1.3x to 180 nm, where these libraries measure 37x and 0.079x (26x and 17x off),
# so leakage = area x density, with the density interpolated log-log in node size between the
# two logic-process anchors (IHP, ASAP7; extrapolated outside 7-130 nm) and linear in V
# (I_off x V; DIBL, which makes it steeper, is ignored).
_LEAK_ANCHORS = ((130.0, 1.2, 0.0117), (7.0, 0.7, 0.434))  # (node_nm, vdd_v, nW/um2)


def leakage_density_nw_per_um2(node_nm, vdd_v) -> np.ndarray:
    """Leakage power per um2 of logic at (node_nm, vdd_v)."""
    (n1, v1, d1), (n2, v2, d2) = _LEAK_ANCHORS
    _check_nodes(np.atleast_1d(np.asarray(node_nm, float)))
    per_volt_1, per_volt_2 = d1 / v1, d2 / v2
    slope = np.log(per_volt_2 / per_volt_1) / np.log(n2 / n1)
    return per_volt_1 * (np.asarray(node_nm, float) / n1) ** slope * np.asarray(vdd_v, float)


def leakage_factor(node_from, vdd_from, node_to, vdd_to) -> np.ndarray:
    """Multiply a leakage power at (node_from, vdd_from) by this to get it at (node_to, vdd_to)."""
    return area_factor(node_from, node_to) * (
        leakage_density_nw_per_um2(node_to, vdd_to) / leakage_density_nw_per_um2(node_from, vdd_from)
    )


def area_factor(node_from, node_to) -> np.ndarray:
    """Multiply an area at node_from by this to get it at node_to (voltage-independent)."""
    return _per_node(node_to, _AREA_REL_45) / _per_node(node_from, _AREA_REL_45)
