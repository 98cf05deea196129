"""Off-chip DRAM: access energy per bit and peak bandwidth per interface type.

Energy per bit is the whole access as seen by the accelerator (activation/precharge share, array read,
on-die data path and the interface I/O) at a typical row-buffer locality for streaming DNN tensors.
The order of DRAM_TYPES is part of the sweep's encoding (DesignBatch.dram_type indexes it): append new
types, never reorder.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from memory_models.errors import MemoryModelError


@dataclass(frozen=True)
class DRAMType:
    name: str
    energy_pj_per_bit: float
    bandwidth_gbps: float  # peak GB/s of the unit named in `unit`
    unit: str
    source: str


DRAM_TYPES: dict[str, DRAMType] = {
    d.name: d
    for d in (
        DRAMType(
            "HBM2",
            3.9,
            256.0,
            "one stack, 1024-bit at 2.0 Gb/s/pin (JEDEC JESD235A)",
            "O'Connor, Chatterjee et al., 'Fine-grained DRAM', MICRO 2017: HBM2 3.9 pJ/bit",
        ),
        DRAMType(
            "LPDDR4",
            8.0,
            12.8,
            "one x32 channel pair at 3200 MT/s (JEDEC JESD209-4)",
            "~8 pJ/bit: vendor (Micron LPDDR4 power calculator order) data as used by Accelergy's "
            "CACTI plug-in; REFERENCES.md",
        ),
        DRAMType(
            "DDR4",
            15.0,
            25.6,
            "one x64 DIMM channel at 3200 MT/s (JEDEC JESD79-4)",
            "~15 pJ/bit incl. I/O and termination: our estimate of the Micron DDR4 system-power "
            "calculator's order; between GDDR5 (MICRO 2017) and DDR3 (ISCA 2012)",
        ),
        DRAMType(
            "GDDR5",
            14.0,
            32.0,
            "one x32 device at 8 Gb/s/pin",
            "O'Connor, Chatterjee et al., MICRO 2017: GDDR5 14 pJ/bit",
        ),
        DRAMType(
            "DDR3",
            70.0,
            12.8,
            "one x64 channel at 1600 MT/s (JEDEC JESD79-3)",
            "Malladi et al., 'Towards energy-proportional datacenter memory with mobile DRAM', ISCA 2012: "
            "~70 pJ/bit for server DDR3 at typical utilisation (REFERENCES.md)",
        ),
    )
}


def dram_type(name: str) -> DRAMType:
    try:
        return DRAM_TYPES[name]
    except KeyError:
        raise MemoryModelError(f"unknown DRAM type {name!r}; expected one of {list(DRAM_TYPES)}") from None


def access_energy_pj(name: str, bits) -> np.ndarray:
    """Energy of moving ``bits`` to or from DRAM of type ``name``."""
    bits = np.asarray(bits, dtype=float)
    if np.any(bits < 0):
        raise MemoryModelError("bits must be non-negative")
    return bits * dram_type(name).energy_pj_per_bit


def transfer_time_ns(name: str, bits, units=1) -> np.ndarray:
    """Time to move ``bits`` at the peak bandwidth of ``units`` channels/stacks of type ``name``."""
    bits, units = np.asarray(bits, dtype=float), np.asarray(units, dtype=float)
    if np.any(units <= 0):
        raise MemoryModelError("units must be positive")
    return bits / 8.0 / (dram_type(name).bandwidth_gbps * units)
