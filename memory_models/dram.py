"""Off-chip DRAM: energy per bit and peak bandwidth per interface type."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DRAMType:
    name: str
    energy_pj_per_bit: float
    bandwidth_gbps: float  # peak GB/s of one typical channel/stack
    source: str


DRAM_TYPES: dict[str, DRAMType] = {
    d.name: d
    for d in (
        DRAMType("HBM2", 3.9, 256.0, "O'Connor et al., Fine-grained DRAM, MICRO 2017 (3.9 pJ/bit); 1 stack 256 GB/s"),
        DRAMType("LPDDR4", 8.0, 25.6, "vendor data as used by Accelergy's CACTI plug-in (~8 pJ/bit); x32 @3200 MT/s"),
        DRAMType("DDR4", 15.0, 25.6, "Micron DDR4 power calculator order (~15 pJ/bit incl. I/O); x64 @3200 MT/s"),
        DRAMType("GDDR5", 14.0, 32.0, "O'Connor et al., MICRO 2017 (14 pJ/bit)"),
    )
}
