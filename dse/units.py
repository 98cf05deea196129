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
