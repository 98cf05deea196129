"""The PE model API: vectorized evaluation, physical monotonicity, node/voltage scaling, errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pe_models
from pe_models import PEKind, scaling
from pe_models.catalog import PE_TYPES


@settings(max_examples=80, deadline=None)
@given(st.integers(2, 15), st.integers(2, 15), st.sampled_from([45.0, 28.0, 7.0]))
def test_int_cost_grows_with_each_width(w, a, node):
    k = np.full(3, PEKind.INT)
    c = pe_models.evaluate(k, np.array([w, w + 1, w]), np.array([a, a, a + 1]), node)
    for v in (c.energy_pj_per_mac, c.area_um2, c.leakage_uw):
        assert v[1] > v[0] and v[2] > v[0]
    # wider operands lengthen the carry chains: fmax falls
    assert c.fmax_mhz[1] < c.fmax_mhz[0] and c.fmax_mhz[2] < c.fmax_mhz[0] and np.all(c.fmax_mhz > 0)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from([PEKind.LIGHTPE1, PEKind.LIGHTPE2]), st.integers(2, 15), st.integers(0, 1))
def test_lightpe_cost_grows_with_activation_width_and_shift_range(kind, a, step):
    ws = {PEKind.LIGHTPE1: (3, 4, 5), PEKind.LIGHTPE2: (6, 8, 10)}[kind]
    k = np.full(3, kind)
    c = pe_models.evaluate(k, np.array([ws[step], ws[step], ws[step + 1]]), np.array([a, a + 1, a]), 45.0)
    for v in (c.energy_pj_per_mac, c.area_um2):
        assert v[1] > v[0] and v[2] > v[0]


def test_whole_arrays_equal_one_at_a_time():
    names = np.array(list(PE_TYPES) * 3)
    kind, w, a = pe_models.pe_type_arrays(names)
    node = np.repeat([45.0, 16.0, 7.0], len(PE_TYPES))
    batch = pe_models.evaluate(kind, w, a, node)
    for i in range(len(names)):
        one = pe_models.evaluate(kind[i : i + 1], w[i : i + 1], a[i : i + 1], node[i : i + 1])
        assert one.energy_pj_per_mac[0] == pytest.approx(batch.energy_pj_per_mac[i])
        assert one.fmax_mhz[0] == pytest.approx(batch.fmax_mhz[i])


def test_node_and_supply_scaling_applied():
    k, w, a = np.array([PEKind.INT]), np.array([8]), np.array([8])
    c45, c7 = pe_models.evaluate(k, w, a, 45.0), pe_models.evaluate(k, w, a, 7.0)
    assert c7.area_um2[0] == pytest.approx(c45.area_um2[0] * scaling.area_factor(45.0, 7.0))
    assert c7.energy_pj_per_mac[0] < c45.energy_pj_per_mac[0] and c7.fmax_mhz[0] > c45.fmax_mhz[0]
    low = pe_models.evaluate(k, w, a, 45.0, vdd_v=0.8)
    assert low.energy_pj_per_mac[0] < c45.energy_pj_per_mac[0] and low.fmax_mhz[0] < c45.fmax_mhz[0]
    assert low.area_um2[0] == pytest.approx(c45.area_um2[0])


@pytest.mark.parametrize(
    "kind, w, a, node, match",
    [
        (PEKind.INT, 1, 8, 45.0, "INT with w_bits=1"),
        (PEKind.INT, 8, 32, 45.0, "expected integer W and A in 2..16"),
        (PEKind.LIGHTPE1, 8, 8, 45.0, r"LIGHTPE1 .* expected W in \(3, 4, 5\)"),
        (PEKind.FP16, 8, 8, 45.0, "W = A = 16"),
        (PEKind.INT, 8, 8, 40.0, "node_nm .*40.* not supported"),
        (9, 8, 8, 45.0, "PE kind code 9 unknown"),
    ],
)
def test_bad_input_names_what_is_expected(kind, w, a, node, match):
    with pytest.raises(ValueError, match=match):
        pe_models.evaluate(np.array([kind]), np.array([w]), np.array([a]), node)


def test_supply_broadcasts_with_the_other_inputs():
    """vdd_v broadcasts together with kind/widths/node, as the other inputs do: one PE at two supplies."""
    c = pe_models.evaluate(
        np.array([PEKind.INT]), np.array([8]), np.array([8]), 45.0, vdd_v=np.array([0.8, 1.0])
    )
    assert c.energy_pj_per_mac.shape == (2,)
    low, nominal = pe_models.evaluate(
        np.full(2, PEKind.INT), np.full(2, 8), np.full(2, 8), 45.0, vdd_v=[0.8, 1.0]
    ).energy_pj_per_mac
    assert c.energy_pj_per_mac.tolist() == [low, nominal]
