"""Stillmaker & Baas node/voltage scaling: sanity against physics, the paper's own table, and
our real libraries (IHP SG13G2 130 nm scaled to GF180MCU 180 nm and ASAP7 7 nm)."""

import numpy as np
import pandas as pd
import pytest

from pe_models import scaling
from pe_models.characterize import RAW_CSV

NODES = [180.0, 130.0, 90.0, 65.0, 45.0, 32.0, 28.0, 22.0, 20.0, 16.0, 14.0, 10.0, 7.0]


def test_energy_area_delay_shrink_with_node_at_nominal_supply():
    vdd = scaling.nominal_vdd_v(np.array(NODES))
    e = scaling.energy_factor(45.0, 1.0, np.array(NODES), vdd)
    a = scaling.area_factor(45.0, np.array(NODES))
    d = scaling.delay_factor(45.0, 1.0, np.array(NODES), vdd)
    assert np.all(np.diff(e) < 0) and np.all(np.diff(a) < 0)
    # delay: monotone except the 32 -> 28/22/20 nm step, where the paper's ITRS 20 nm HP
    # device at the same 0.9 V is faster than a planar 32 nm one; check the end points.
    assert d[NODES.index(7.0)] < d[NODES.index(45.0)] < d[NODES.index(180.0)]


def test_area_matches_the_papers_table_and_classical_scaling():
    # the paper's 45 nm -> 7 nm area factor is 0.059 (its area table); 130 -> 45 nm is ~0.16
    assert scaling.area_factor(45.0, 7.0) == pytest.approx(0.059)
    assert scaling.area_factor(130.0, 45.0) == pytest.approx(1 / 6.4)
    # one full node (45 -> 32 nm) is close to classical (32/45)^2 = 0.51: within 15 %
    assert scaling.area_factor(45.0, 32.0) == pytest.approx((32 / 45) ** 2, rel=0.15)


@pytest.mark.parametrize("node", [130.0, 45.0, 16.0, 7.0])
def test_dynamic_energy_is_close_to_cv2_within_a_node(node):
    """At a fixed node the fitted energy follows C V^2 within 20 % over -20 %..+0 % of nominal
    (the fit includes short-circuit and leakage effects, hence not exact)."""
    v0 = float(scaling.nominal_vdd_v(node))
    v = np.array([0.8, 0.9]) * v0
    assert scaling.energy_factor(node, v0, node, v) == pytest.approx((v / v0) ** 2, rel=0.2)


def test_28_and_22nm_are_interpolated_between_32_and_20nm():
    v = 0.9
    e32, e28, e22, e20 = scaling.energy_factor(45.0, 1.0, np.array([32.0, 28.0, 22.0, 20.0]), v)
    assert e32 > e28 > e22 > e20
    assert e28 == pytest.approx(e32 + (e20 - e32) * 4 / 12)


def test_bad_node_and_supply_are_rejected_with_a_clear_message():
    with pytest.raises(ValueError, match="node_nm .*40.*not supported"):
        scaling.nominal_vdd_v(np.array([45.0, 40.0]))
    with pytest.raises(ValueError, match="vdd_v 2.0 outside .* of the 45.0 nm node"):
        scaling.resolve_vdd(45.0, 2.0)


# Measured / predicted, where "predicted" is the IHP 130 nm characterization scaled with
# pe_models.scaling to the other library's node and supply, and "measured" that library's own
# characterization of the same RTL (median [min-max] over the 11 'check' variants):
#   GF180MCU 180 nm, 1.8 V: energy 0.45 [0.39-0.50], area 0.54 [0.48-0.58],
#                           fmax 0.26 [0.22-0.28], leakage 0.045
#   ASAP7 7 nm, 0.7 V:      energy 3.6 [3.0-4.0], area 0.80 [0.74-0.82],
#                           fmax 0.68 [0.53-0.72], leakage 0.80 (anchored, see scaling.py)
# Stillmaker & Baas' 180 -> 130 nm energy step (5.1x at these supplies) is 2.2x what the two
# real libraries show, and their 130 -> 7 nm step (108x) is 3.6x more optimistic than ASAP7
# (30x). GF180MCU's 7-track cells use thick-oxide 5 V-capable devices: slow and low-leakage
# compared with the paper's PTM 180 nm logic device. The bands are +-25 % around the measured
# spread: the test guards the chain (characterization + scaling) against regressions and
# states how far real libraries sit from the published equations.
CROSS_NODE_BANDS = {  # node: {metric: (low, high) of measured / predicted}
    180.0: {
        "energy_pj_per_mac": (0.3, 0.62),
        "area_um2": (0.38, 0.72),
        "fmax_mhz": (0.17, 0.35),
        "leakage_uw": (0.034, 0.057),
    },
    7.0: {
        "energy_pj_per_mac": (2.2, 5.0),
        "area_um2": (0.56, 1.03),
        "fmax_mhz": (0.4, 0.9),
        "leakage_uw": (0.57, 1.04),
    },
}


def _predict_from_ihp(ihp: pd.DataFrame, node: float, vdd: float) -> pd.DataFrame:
    v0 = ihp["vdd_v"].to_numpy()
    return pd.DataFrame(
        {
            "energy_pj_per_mac": ihp["energy_pj_per_mac"] * scaling.energy_factor(130.0, v0, node, vdd),
            "area_um2": ihp["area_um2"] * scaling.area_factor(130.0, node),
            "fmax_mhz": ihp["fmax_mhz"] / scaling.delay_factor(130.0, v0, node, vdd),
            "leakage_uw": ihp["leakage_uw"] * scaling.leakage_factor(130.0, v0, node, vdd),
        },
        index=ihp.index,
    )


@pytest.mark.parametrize("node", sorted(CROSS_NODE_BANDS))
def test_scaling_from_130nm_against_our_other_real_libraries(node):
    raw = pd.read_csv(RAW_CSV, comment="#")
    other = raw[raw["node_nm"] == node].set_index("variant")
    ihp = raw[raw["node_nm"] == 130.0].set_index("variant")
    common = other.index.intersection(ihp.index)
    assert len(common) >= 10
    other, ihp = other.loc[common], ihp.loc[common]
    pred = _predict_from_ihp(ihp, node, float(other["vdd_v"].iloc[0]))
    for metric, (lo, hi) in CROSS_NODE_BANDS[node].items():
        ratio = other[metric] / pred[metric]
        assert np.all((ratio > lo) & (ratio < hi)), (metric, ratio.round(3).to_dict())
        # the ranking of variants by cost is preserved across libraries
        if metric in ("energy_pj_per_mac", "area_um2"):
            assert np.corrcoef(np.log(other[metric]), np.log(ihp[metric]))[0, 1] > 0.98, metric


@pytest.mark.parametrize("node", sorted(CROSS_NODE_BANDS))
def test_register_clock_scales_like_the_datapath_and_gate_equivalents_predict_area(node):
    """The PE registers' clock (characterized apart from the datapath) moves between real libraries with
    the same optimism of Stillmaker & Baas as the datapath (measured/predicted: GF180MCU 0.42, ASAP7 2.5;
    bands +-25 %), the register count is the RTL's in every library, and area counted in gate
    equivalents (area / the library's smallest NAND2; how the 45 nm table is derived) predicts the other
    libraries' netlists within 20 % (measured 0.95-1.14 GF180MCU, 0.85-0.94 ASAP7)."""
    raw = pd.read_csv(RAW_CSV, comment="#")
    other = raw[raw["node_nm"] == node].set_index("variant")
    ihp = raw[raw["node_nm"] == 130.0].set_index("variant")
    common = other.index.intersection(ihp.index)
    other, ihp = other.loc[common], ihp.loc[common]
    vdd = float(other["vdd_v"].iloc[0])
    clock = other["reg_clock_energy_pj_per_op"] / (
        ihp["reg_clock_energy_pj_per_op"] * scaling.energy_factor(130.0, ihp["vdd_v"].to_numpy(), node, vdd))
    lo, hi = {180.0: (0.42 / 1.25, 0.42 * 1.25), 7.0: (2.52 / 1.25, 2.52 * 1.25)}[node]
    assert np.all((clock > lo) & (clock < hi)), clock.round(3).to_dict()
    assert (other["reg_bits"] == ihp["reg_bits"]).all()
    ge = (other["area_um2"] / other["nand2_area_um2"]) / (ihp["area_um2"] / ihp["nand2_area_um2"])
    assert np.all((ge > 0.8) & (ge < 1.2)), ge.round(3).to_dict()
