"""Eyeriss (Chen et al., IEEE JSSC 52(1) 2017) on AlexNet conv layers at batch 4 against its published figures.

Tolerance: 20% (issue 7 target) on frames/s, DRAM accesses per MAC and chip power (whole run and
per layer, Table V). The power breakdown (Fig. 16) is an image; its text (Sec. VI-A) says the ALUs
take < 10% of chip power, spads + GLB + NoC up to 45%, and "besides the clock network, the spads
dominate". Our total power matches, but partly by compensation: pe_models' 16-bit MAC at 65 nm is
~3x the energy the < 10% bound allows, our spads draw less than Eyeriss's (see the xfails).
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import pe_models
from dse import cli, sweep, validation
from dse import spec as spec_mod

SPEC = Path(__file__).resolve().parents[1] / "sweeps" / "validation" / "eyeriss_alexnet.yaml"
TOLERANCE = 0.20


def _pe_has_65nm() -> bool:
    kind, w, a = pe_models.pe_type_arrays(np.array(["INT16"]))
    try:
        pe_models.evaluate(kind, w, a, np.array([65.0]))
    except ValueError:
        return False
    return True


needs_65nm = pytest.mark.skipif(not _pe_has_65nm(), reason="pe_models has no 65 nm model yet (Eyeriss is 65 nm)")


@pytest.fixture(scope="module")
def figures():
    spec = spec_mod.load(SPEC)
    return spec, validation.compare(spec, sweep.prepare_workload(spec)).set_index("metric")


@needs_65nm
@pytest.mark.parametrize("metric", ["frames_per_s", "dram_accesses_per_mac"])
def test_throughput_and_dram_traffic_match_published(figures, metric):
    _, df = figures
    assert abs(df.loc[metric, "rel_error"]) <= TOLERANCE, df.loc[metric].to_dict()


@needs_65nm
def test_power_matches_published(figures):
    _, df = figures
    assert abs(df.loc["power_mw", "rel_error"]) <= TOLERANCE, df.loc["power_mw"].to_dict()


@needs_65nm
@pytest.mark.parametrize("layer", ["conv1", "conv2", "conv3", "conv4", "conv5"])
def test_layer_power_matches_table_v(figures, layer):
    _, df = figures
    assert abs(df.loc[f"{layer}.power_mw", "rel_error"]) <= TOLERANCE, df.loc[f"{layer}.power_mw"].to_dict()


@pytest.fixture(scope="module")
def layers():
    spec = spec_mod.load(SPEC)
    return validation.per_layer(spec, sweep.prepare_workload(spec)).set_index("layer")


@needs_65nm
def test_clock_network_power_in_fig16_band(layers):
    # Fig. 16 shares relayed by a secondary source (not read from the figure, an image): clock network
    # 32.9-45.0% of chip power in CONV1 / CONV5. Band on the 278 mW chip, widened by the 20% tolerance.
    clock_mw = (layers["clock_power_mw"] * layers["latency_ms"]).sum() / layers["latency_ms"].sum()
    assert 0.329 * 278 * (1 - TOLERANCE) <= clock_mw <= 0.45 * 278 * (1 + TOLERANCE), clock_mw


@needs_65nm
def test_data_movement_share_within_published_bound(layers):
    # Sec. VI-A: spads, GLB and NoC "account for up to 45%" of chip power
    share = layers[["spad_power_mw", "glb_power_mw", "noc_power_mw"]].sum(axis=1) / layers["power_mw"]
    assert (share <= 0.45).all(), share.to_dict()


_MAC_TOO_HIGH = ("pe_models' 16-bit MAC at 65 nm (nominal 1.1 V; Eyeriss runs 1 V) costs 5.4 pJ: 150 mW of "
                 "our 369 mW in CONV1 (41%); Eyeriss's < 10% bound allows < 1.7 pJ. Reported to the PE-model owner.")


@needs_65nm
@pytest.mark.parametrize("layer", [pytest.param("conv1", marks=pytest.mark.xfail(strict=True, reason=_MAC_TOO_HIGH)),
                                   pytest.param("conv5", marks=pytest.mark.xfail(strict=True, reason=_MAC_TOO_HIGH))])
def test_alu_share_below_published_bound(layers, layer):
    # Sec. VI-A: "the ALUs only account for less than 10% of the total power" (Fig. 16: CONV1, CONV5)
    assert layers.loc[layer, "alu_power_mw"] < 0.10 * layers.loc[layer, "power_mw"]


@needs_65nm
@pytest.mark.parametrize("layer", [pytest.param("conv1", marks=pytest.mark.xfail(strict=True, reason=_MAC_TOO_HIGH)),
                                   "conv5"])
def test_spads_dominate_besides_the_clock(layers, layer):
    # Sec. VI-A: "Besides the clock network, the spads dominate on-chip power consumption"
    row = layers.loc[layer]
    others = [row[f"{p}_power_mw"] for p in ("alu", "noc", "glb", "leakage")]
    assert row["clock_power_mw"] >= row["spad_power_mw"] >= max(others), row.to_dict()


def test_rlc_factor_follows_the_word_format():
    # three 21-bit (run, value) pairs per 64-bit word: 16-bit data with 75% zeros shrinks to 1/3
    assert validation.rlc_factor(0.75, 16.0) == pytest.approx(0.25 * 64 / 3 / 16)
    assert validation.rlc_factor(0.0, 16.0) == 1.0  # dense data bypasses the compression


def _spec_at_45nm(tmp_path, edit=lambda text: text) -> Path:
    """The Eyeriss spec moved to 45 nm: exercises the validation outputs, not the agreement."""
    p = tmp_path / "eyeriss45.yaml"
    p.write_text(edit(SPEC.read_text().replace("node_nm: 65 ", "node_nm: 45 ")))
    return p


def test_dse_run_writes_validation_csv(tmp_path):
    assert cli.main(["run", str(_spec_at_45nm(tmp_path)), "--out", str(tmp_path / "out"), "--no-progress"]) == 0
    df = pd.read_csv(tmp_path / "out" / "validation.csv")
    assert list(df.columns) == ["metric", "ours", "published", "rel_error"]
    assert {"frames_per_s", "power_mw", "dram_accesses_per_mac", "conv1.latency_ms"} <= set(df["metric"])
    np.testing.assert_allclose(df["rel_error"], (df["ours"] - df["published"]) / df["published"])
    layers = pd.read_csv(tmp_path / "out" / "validation_layers.csv")
    assert list(layers["layer"]) == ["conv1", "conv2", "conv3", "conv4", "conv5"]
    # zero gating and RLC only ever remove work
    assert (layers["dram_accesses_per_mac"] > 0).all() and (layers["utilization"] <= 1).all()


def test_unknown_validation_layer_is_one_line_error(tmp_path, capsys):
    spec = _spec_at_45nm(tmp_path, lambda t: t.replace("conv5: {latency_ms", "conv9: {latency_ms"))
    assert cli.main(["run", str(spec), "--out", str(tmp_path / "out"), "--no-progress"]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].endswith("validation.layers.conv9: no compute layer of that name"), err
    assert not (tmp_path / "out" / "validation.csv").exists()
