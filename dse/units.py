"""Unit conversions, in one place.

Every quantity carries its unit in its name (``energy_pj``, ``clock_mhz``, ``area_mm2``); these
are the only factors that convert between such names.
"""

from __future__ import annotations

import numpy as np

HZ_PER_MHZ = 1e6
NS_PER_S = 1e9
MS_PER_S = 1e3
PJ_PER_MJ = 1e9  # millijoule
PJ_PER_MW_S = 1e9  # 1 mW for 1 s = 1 mJ
MW_PER_UW = 1e-3
UM2_PER_MM2 = 1e6
BITS_PER_BYTE = 8
BYTES_PER_KIB = 1024
BYTES_PER_MB = 1e6  # decimal megabyte, as chips report DRAM traffic (Eyeriss JSSC 2017)
BYTES_PER_GB = 1e9  # DRAM bandwidth is quoted in decimal GB/s
OPS_PER_GOP = 1e9


def cycles_to_s(cycles, clock_mhz) -> np.ndarray:
    return np.asarray(cycles) / (np.asarray(clock_mhz) * HZ_PER_MHZ)


def cycle_ns(clock_mhz) -> np.ndarray:
    return NS_PER_S / HZ_PER_MHZ / np.asarray(clock_mhz)


def bytes_per_cycle(bandwidth_gbps, clock_mhz) -> np.ndarray:
    return np.asarray(bandwidth_gbps) * (BYTES_PER_GB / HZ_PER_MHZ) / np.asarray(clock_mhz)


def power_mw(energy_pj, seconds) -> np.ndarray:
    return np.asarray(energy_pj) / np.asarray(seconds) / PJ_PER_MW_S


# Human-readable display units, chosen per quantity from the column-name suffix. Each entry lists
# (base units per display unit, display label), smallest first; ``human`` picks the largest unit in
# which the magnitude is at least 1. The base unit is the one the suffix names.
DISPLAY_UNITS: dict[str, tuple[tuple[float, str], ...]] = {
    "_pj": ((1.0, "pJ"), (1e3, "nJ"), (1e6, "µJ"), (PJ_PER_MJ, "mJ"), (1e12, "J")),
    "_s": ((1 / NS_PER_S, "ns"), (1e-6, "µs"), (1 / MS_PER_S, "ms"), (1.0, "s")),
    "_pj_s": ((1.0, "pJ·s"), (1e3, "nJ·s"), (1e6, "µJ·s"), (PJ_PER_MJ, "mJ·s"), (1e12, "J·s")),
    "_mm2": ((1.0, "mm²"),),
    "_um2": ((1.0, "µm²"), (UM2_PER_MM2, "mm²")),
    "_mw": ((1e-3, "µW"), (1.0, "mW"), (1e3, "W")),
    "_cycles": ((1.0, "cycles"), (1e3, "k cycles"), (1e6, "M cycles"), (1e9, "G cycles")),
    "_bits": ((1.0, "bit"), (BITS_PER_BYTE * BYTES_PER_KIB, "KiB"), (BITS_PER_BYTE * BYTES_PER_KIB ** 2, "MiB"),
              (BITS_PER_BYTE * BYTES_PER_KIB ** 3, "GiB")),
    "_kib": ((1.0, "KiB"), (BYTES_PER_KIB, "MiB")),
    "_mhz": ((1.0, "MHz"), (1e3, "GHz")),
    "_gbps": ((1.0, "GB/s"),),
    "_gops": ((1.0, "GOPS"), (1e3, "TOPS")),
    "_gops_per_mm2": ((1.0, "GOPS/mm²"),),
}


def display_unit(column: str) -> tuple[tuple[float, str], ...] | None:
    """The display units of a column named ``<quantity>_<unit>`` (longest matching suffix), or None."""
    for suffix in sorted(DISPLAY_UNITS, key=len, reverse=True):
        if column.endswith(suffix):
            return DISPLAY_UNITS[suffix]
    return None


def display_factor(values, column: str) -> tuple[float, str]:
    """(base units per display unit, label) for showing ``values`` of the quantity ``column`` names.

    The unit is the largest in which the median magnitude is >= 1, e.g. mJ for 5.3e9 pJ; a column
    with no known unit suffix gets (1, '').
    """
    v = np.abs(np.asarray(values, dtype=float).reshape(-1))
    v = v[np.isfinite(v) & (v > 0)]
    mag = float(np.median(v)) if len(v) else 1.0
    units = display_unit(column) or ((1.0, ""),)
    chosen = units[0]
    for f, label in units:
        if mag / f >= 1:
            chosen = (f, label)
    return chosen


def human(values, column: str, digits: int = 4) -> tuple[list[str], str]:
    """Format ``values`` of the quantity ``column`` names in one display unit chosen for all of them.

    ``human([5.3e9, 1.2e10], 'energy_pj') == (['5.3', '12'], 'mJ')``: a table column reads in one
    unit (``display_factor``), ``digits`` significant digits, no scientific notation below 1e6 of the
    chosen unit; non-finite values print as ``-``. This is the one number formatter of the report.
    """
    factor, label = display_factor(values, column)
    v = np.asarray(values, dtype=float).reshape(-1)
    return [_number(x / factor, digits) for x in v], label


def human_one(value, column: str, digits: int = 4) -> str:
    """One value with its unit, e.g. ``human_one(5.3e9, 'energy_pj') == '5.3 mJ'``."""
    (text,), label = human([value], column, digits)
    return text if text == "-" else f"{text} {label}".strip()


def _number(x: float, digits: int) -> str:
    if not np.isfinite(x):
        return "-"
    if x == 0:
        return "0"
    if abs(x) >= 10 ** digits and abs(x) < 1e6:
        return f"{x:.0f}"
    return f"{x:.{digits}g}"
