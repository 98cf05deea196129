"""DRAM energy per bit and bandwidth: published figures (REFERENCES.md) and the sweep's encoding order."""

from __future__ import annotations

import numpy as np
import pytest

from memory_models import dram
from memory_models.errors import MemoryModelError


def test_published_energy_per_bit():
    # O'Connor et al. MICRO 2017: HBM2 3.9, GDDR5 14 pJ/bit; Malladi et al. ISCA 2012: DDR3 ~70 pJ/bit.
    assert dram.DRAM_TYPES["HBM2"].energy_pj_per_bit == 3.9
    assert dram.DRAM_TYPES["GDDR5"].energy_pj_per_bit == 14.0
    assert dram.DRAM_TYPES["DDR3"].energy_pj_per_bit == 70.0
    e = {n: t.energy_pj_per_bit for n, t in dram.DRAM_TYPES.items()}
    assert e["HBM2"] < e["LPDDR4"] < e["DDR4"] < e["DDR3"]  # stacked < mobile < commodity < old commodity


def test_encoding_order_is_stable():
    # DesignBatch.dram_type indexes this order; new types are appended only.
    assert list(dram.DRAM_TYPES)[:4] == ["HBM2", "LPDDR4", "DDR4", "GDDR5"]


def test_bandwidth_matches_interface_arithmetic():
    # peak GB/s = pins x Gb/s per pin / 8
    assert dram.DRAM_TYPES["HBM2"].bandwidth_gbps == 1024 * 2.0 / 8
    assert dram.DRAM_TYPES["DDR4"].bandwidth_gbps == 64 * 3.2 / 8
    assert dram.DRAM_TYPES["LPDDR4"].bandwidth_gbps == 32 * 3.2 / 8
    assert np.isclose(dram.transfer_time_ns("HBM2", 8 * 256e9 * 1e-9), 1.0)


def test_energy_and_errors():
    assert np.allclose(dram.access_energy_pj("HBM2", np.array([0, 64])), [0, 64 * 3.9])
    with pytest.raises(MemoryModelError, match="unknown DRAM type"):
        dram.access_energy_pj("SDRAM", 1)
    with pytest.raises(MemoryModelError, match="non-negative"):
        dram.access_energy_pj("HBM2", -1)
