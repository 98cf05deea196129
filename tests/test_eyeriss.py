"""Eyeriss (Chen et al., IEEE JSSC 52(1) 2017) on AlexNet conv layers at batch 4 against its published figures.

Tolerance: 20% (issue 7 target) on frames/s, DRAM accesses per MAC and chip power (whole run and
per layer, Table V). The power breakdown (Fig. 16) is an image; its text (Sec. VI-A) says the ALUs
take < 10% of chip power, spads + GLB + NoC up to 45%, and "besides the clock network, the spads
dominate"; each component share is tested within 10 points of those bands.
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


_POWER_LOW = ("with the MAC, clock and spads priced component by component (no compensation), on-chip power "
              "is 189 mW against 278 mW: the clock tree's buffers, the PEs' FIFOs/control and the wires of a "
              "placed design are not modelled yet (dse.clock, pe_models: unplaced netlists)")


@needs_65nm
@pytest.mark.xfail(strict=True, reason=_POWER_LOW)
def test_power_matches_published(figures):
    _, df = figures
    assert abs(df.loc["power_mw", "rel_error"]) <= TOLERANCE, df.loc["power_mw"].to_dict()


@needs_65nm
@pytest.mark.xfail(strict=True, reason=_POWER_LOW)
@pytest.mark.parametrize("layer", ["conv1", "conv2", "conv3", "conv4", "conv5"])
def test_layer_power_matches_table_v(figures, layer):
    _, df = figures
    assert abs(df.loc[f"{layer}.power_mw", "rel_error"]) <= TOLERANCE, df.loc[f"{layer}.power_mw"].to_dict()


@pytest.fixture(scope="module")
def layers():
    spec = spec_mod.load(SPEC)
    return validation.per_layer(spec, sweep.prepare_workload(spec)).set_index("layer")


# Published component shares of chip power (no DRAM), AlexNet CONV1 and CONV5 (JSSC 2017 Fig. 16 and
# Sec. VI-A). Fig. 16 is an image; we use what its text states and what a secondary source relays
# from the figure, as bands (low, high) of the share:
#   clock network 32.9 % (CONV1) - 45.0 % (CONV5) (secondary source, not read from the figure);
#   ALU "less than 10 %" (Sec. VI-A);
#   spads + GLB + NoC "up to 45 %" (Sec. VI-A), the spads dominating besides the clock.
# Accelergy's Eyeriss breakdown (Wu, Emer, Sze, ICCAD 2019, Fig. 9) could not be retrieved as numbers
# here; it is not used. Tolerance: 10 percentage points around each band (the target).
SHARE_BANDS = {"clock": (0.329, 0.450), "alu": (0.0, 0.10), "data_movement": (0.0, 0.45)}
POINTS = 0.10


def _shares(row):
    return {"clock": row["clock_power_mw"] / row["power_mw"], "alu": row["alu_power_mw"] / row["power_mw"],
            "data_movement": (row["spad_power_mw"] + row["glb_power_mw"] + row["noc_power_mw"]) / row["power_mw"]}


_MAC_WIDE = ("our INT16 PE accumulates into 40 bits (W + A + 8) through a 32-bit product register: 1.74 pJ per MAC "
             "at 65 nm, 1 V, in line with Horowitz's 16-bit multiply + add scaled to 65 nm; Eyeriss keeps 16-bit "
             "psums, and its < 10 % ALU share of 332 mW at CONV1 allows < 1.2 pJ. pe_models has no narrow-"
             "accumulator INT variant yet")


_CLOCK_LOW = ("the clock tree's buffers and the PEs' FIFO/control registers are not modelled (dse.clock gives a lower "
              "bound): 20.9 % at CONV1 against the 32.9 % - 10 points band")
_KNOWN = {("conv1", "alu"): _MAC_WIDE, ("conv1", "clock"): _CLOCK_LOW}


@needs_65nm
@pytest.mark.parametrize("layer, part", [
    pytest.param(layer, part, marks=pytest.mark.xfail(strict=True, reason=_KNOWN[(layer, part)]))
    if (layer, part) in _KNOWN else (layer, part)
    for layer in ("conv1", "conv5") for part in sorted(SHARE_BANDS)])
def test_component_share_within_10_points_of_fig16(layers, layer, part):
    lo, hi = SHARE_BANDS[part]
    share = _shares(layers.loc[layer])[part]
    assert lo - POINTS <= share <= hi + POINTS, (layer, part, round(share, 3))


_LEAKY = ("the spec's low-operating-power (ITRS LOP) memory devices leak 57 mW at 65 nm (168 filter SRAMs and the "
          "GLB), more than the spads draw at CONV5; TSMC 65 nm LP is a low-standby-power process, but the LSTP "
          "devices' 1.2 V supply would overstate the memories' dynamic energy at the chip's 1.0 V")


@needs_65nm
@pytest.mark.parametrize("layer", ["conv1", pytest.param("conv5", marks=pytest.mark.xfail(strict=True, reason=_LEAKY))])
def test_spads_dominate_besides_the_clock(layers, layer):
    # Sec. VI-A: "Besides the clock network, the spads dominate on-chip power consumption"
    row = layers.loc[layer]
    others = [row[f"{p}_power_mw"] for p in ("alu", "noc", "glb", "leakage")]
    assert row["spad_power_mw"] >= max(others), row.to_dict()


@needs_65nm
@pytest.mark.xfail(strict=True, reason=_MAC_WIDE)
def test_mac_energy_at_65nm_1v_is_below_the_alu_bound():
    # Eyeriss's ALUs take < 10 % of ~278 mW at ~27 GMAC/s (168 PEs at 200 MHz, ~80 % busy): < 1 pJ per MAC
    kind, w, a = pe_models.pe_type_arrays(np.array(["INT16"]))
    c = pe_models.evaluate(kind, w, a, 65.0, vdd_v=1.0)
    assert c.energy_pj_per_mac[0] < 0.1 * 278e-3 / (168 * 200e6 * 0.8) * 1e12, c.energy_pj_per_mac[0]


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
