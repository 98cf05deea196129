"""First-version memory model: published anchor points with power-law capacity scaling.

SRAM read energy (Horowitz, ISSCC 2014, Fig. 1.1.9, 45 nm): a 64-bit read costs 10 pJ from
8 KB, 20 pJ from 32 KB and 100 pJ from 1 MB. A power law through 8 KB and 1 MB,
E = 10 pJ * (C / 8 KiB)^0.475, reproduces 32 KB within 4 %.
MRAM relative to SRAM at iso-capacity (DeepNVM++, Inci et al., TCAD 2022, 16 nm LLC
figures as ratios): read energy ~1.0x / 0.9x, write energy ~3x / 1.5x, area 1/2.4 and 1/2.8,
leakage ~1/5 (peripherals only), write latency ~ +5 ns / +1 ns over the read.
"""

from __future__ import annotations

import numpy as np

from memory_models import MemoryCosts, Tech

_E64_8KIB_PJ = 10.0
_E_EXP = np.log(100.0 / 10.0) / np.log(1024.0 / 8.0)
# 6T SRAM cell at 45 nm: 0.346 um2 (Intel 45 nm, Mistry et al., IEDM 2007), array efficiency 70 %.
_SRAM_CELL_UM2_45NM, _ARRAY_EFFICIENCY = 0.346, 0.7
# Read latency: ~0.8 ns for 8 KiB at 45 nm (CACTI 6.5, 45 nm itrs-hp, 1 bank), ~sqrt(capacity) wire growth.
_LAT_8KIB_NS, _LAT_EXP = 0.8, 0.35
# Leakage: ~20 nW per bit incl. peripherals at 45 nm hp (CACTI 6.5 order of magnitude).
_SRAM_LEAK_MW_PER_BIT = 2e-5

# tech -> (read E, write E, area, leakage) ratios vs SRAM; write latency adder ns.
_RATIOS = np.array(
    [
        [1.0, 1.0, 1.0, 1.0],
        [1.0, 3.0, 1 / 2.4, 0.2],
        [0.9, 1.5, 1 / 2.8, 0.2],
    ]
)
_WRITE_EXTRA_NS = np.array([0.0, 5.0, 1.0])
_READ_EXTRA_NS = np.array([0.0, 1.0, 0.5])  # MTJ sensing is slower than an SRAM bitline swing


def _check(node_nm) -> None:
    if not np.all(np.asarray(node_nm) == 45.0):
        raise ValueError("memory model v1: only node_nm=45 is supported")


def buffer(tech, capacity_bytes, word_bits, node_nm=45.0, banks=1) -> MemoryCosts:
    _check(node_nm)
    tech, cap, w, banks = np.broadcast_arrays(np.asarray(tech), np.asarray(capacity_bytes, float),
                                              np.asarray(word_bits, float), np.asarray(banks, float))
    ratios = _RATIOS[tech]
    bank_cap = cap / banks
    e_read_sram = _E64_8KIB_PJ * (bank_cap / 8192.0) ** _E_EXP * (w / 64.0)
    lat = _LAT_8KIB_NS * (bank_cap / 8192.0) ** _LAT_EXP
    area = cap * 8 * _SRAM_CELL_UM2_45NM / _ARRAY_EFFICIENCY * 1e-6
    return MemoryCosts(
        read_energy_pj=e_read_sram * ratios[..., 0],
        write_energy_pj=e_read_sram * ratios[..., 1],
        read_latency_ns=lat + _READ_EXTRA_NS[tech],
        write_latency_ns=lat + _WRITE_EXTRA_NS[tech],
        leakage_mw=cap * 8 * _SRAM_LEAK_MW_PER_BIT * ratios[..., 3],
        area_mm2=area * ratios[..., 2],
    )


def cache(tech, capacity_bytes, line_bytes=64, node_nm=45.0, banks=1) -> MemoryCosts:
    # Tags add ~10 % of the data array for 64 B lines and 40-bit addresses (CACTI convention).
    c = buffer(tech, capacity_bytes, np.asarray(line_bytes) * 8, node_nm, banks)
    return MemoryCosts(*(np.asarray(v) * 1.1 for v in (c.read_energy_pj, c.write_energy_pj)),
                       c.read_latency_ns, c.write_latency_ns, c.leakage_mw * 1.1, c.area_mm2 * 1.1)


def regfile(capacity_bytes, word_bits, node_nm=45.0) -> MemoryCosts:
    # Small register files follow the same power law below 8 KiB; Eyeriss (Chen et al., ISCA 2016)
    # reports RF access ~1x a 16-bit MAC at 65 nm, which this gives within ~20 % at 0.5 KiB.
    return buffer(Tech.SRAM, capacity_bytes, word_bits, node_nm)
