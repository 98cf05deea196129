"""The PE and memory model interfaces take and return whole arrays, with units in the names."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import memory_models
import pe_models
from memory_models import Tech
from pe_models import PEKind


def test_pe_evaluate_broadcasts_arrays():
    kind = np.array([PEKind.INT, PEKind.INT, PEKind.LIGHTPE1, PEKind.LIGHTPE2, PEKind.FP16])
    c = pe_models.evaluate(kind, np.array([2, 8, 4, 8, 16]), np.array([2, 8, 8, 8, 16]), 45.0)
    for field in ("energy_pj_per_mac", "area_um2", "leakage_uw", "fmax_mhz"):
        v = getattr(c, field)
        assert v.shape == (5,) and np.all(np.isfinite(v)) and np.all(v > 0)


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 15), st.integers(2, 15))
def test_int_pe_cost_grows_with_width(w, a):
    k = np.array([PEKind.INT] * 3)
    c = pe_models.evaluate(k, np.array([w, w + 1, w]), np.array([a, a, a + 1]), 45.0)
    assert c.energy_pj_per_mac[1] > c.energy_pj_per_mac[0] and c.energy_pj_per_mac[2] > c.energy_pj_per_mac[0]
    assert c.area_um2[1] > c.area_um2[0] and c.area_um2[2] > c.area_um2[0]


def test_memory_buffer_broadcasts_arrays():
    tech = np.array([Tech.SRAM, Tech.STT_MRAM, Tech.SOT_MRAM])
    m = memory_models.buffer(tech, np.array([65536] * 3), 64, 45.0)
    for field in ("read_energy_pj", "write_energy_pj", "read_latency_ns", "write_latency_ns", "leakage_mw",
                  "area_mm2"):
        v = getattr(m, field)
        assert v.shape == (3,) and np.all(v > 0)
    assert m.write_energy_pj[1] > m.read_energy_pj[1]  # MRAM writes cost more than reads


@settings(max_examples=40, deadline=None)
@given(st.integers(10, 22), st.sampled_from(list(Tech)))
def test_memory_cost_grows_with_capacity(log2_bytes, tech):
    m = memory_models.buffer(np.array([tech, tech]), np.array([2**log2_bytes, 2 ** (log2_bytes + 1)]), 64, 45.0)
    for field in ("read_energy_pj", "read_latency_ns", "area_mm2", "leakage_mw"):
        v = getattr(m, field)
        assert v[1] >= v[0], field


def test_unknown_tech_name():
    with pytest.raises(ValueError, match="unknown memory technology"):
        memory_models.tech_codes(np.array(["SRAM", "FeRAM"]))


def test_accumulator_bits_match_the_characterized_rtl():
    """The cost model's psum width equals the accumulator the characterized RTL builds."""
    import pandas as pd

    from pe_models.catalog import PE_TYPES, accumulator_bits
    from pe_models.characterize import variants

    expected = {"INT2": variants.int_variant(2, 2), "INT8": variants.int_variant(8, 8),
                "INT16": variants.int_variant(16, 16), "LightPE-1": variants.lightpe_variant(1, 3, 8),
                "LightPE-2": variants.lightpe_variant(2, 3, 8)}
    for name, v in expected.items():
        t = PE_TYPES[name]
        assert (t.w_bits, t.a_bits) == (v.w_bits, v.a_bits), name
        assert int(accumulator_bits(t.kind, t.w_bits, t.a_bits)) == v.acc_bits, name
    assert pd.notna(accumulator_bits(PE_TYPES["FP16"].kind, 16, 16))
