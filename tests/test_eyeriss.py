"""Eyeriss (Chen et al., IEEE JSSC 52(1) 2017) on AlexNet conv layers at batch 4 against its published figures.

Tolerance: 20% (issue 7 target) on frames/s, DRAM accesses per MAC and chip power (whole run and
per layer, Table V). The power breakdown (Fig. 16) is an image; its text (Sec. VI-A) says the ALUs
take < 10% of chip power, spads + GLB + NoC up to 45%, and "besides the clock network, the spads
dominate"; the figure's shares as relayed in text (clock 33-45 %, ALU 3-9 %, spads 33-42 %) are the
spec's validation.shares bands, each share tested within 10 points of its band (issue 12).
Accelergy's breakdown: Timeloop + Accelergy's shipped reference output for their Eyeriss-like
architecture (tests/data/timeloop_eyeriss_like.csv, source in its header), run by us on the same
layer and architecture: shares within 10 points, DRAM energy per MAC within 20 %.
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


_POWER_LOW = ("with every component priced on its own (16-bit accumulator PE, clock tree with its buffers, PE-local "
              "wires and the scratchpads' address counters), on-chip power is 202 mW against 278 mW (-27 %; CONV1-3 "
              "-26 %, -31 %, -27 %; CONV4-5 -19 %); not modelled: the PEs' FIFOs and other control registers "
              "(no published count), wire load inside the PE netlists (characterized unplaced), and placement "
              "density (our wires span our 3.3 mm2 of cells, the chip's core is 3.5 x 3.5 mm, JSSC 2017 Table IV)")


@needs_65nm
@pytest.mark.xfail(strict=True, reason=_POWER_LOW)
def test_power_matches_published(figures):
    _, df = figures
    assert abs(df.loc["power_mw", "rel_error"]) <= TOLERANCE, df.loc["power_mw"].to_dict()


@needs_65nm
@pytest.mark.parametrize("layer", [*(pytest.param(x, marks=pytest.mark.xfail(strict=True, reason=_POWER_LOW))
                                     for x in ("conv1", "conv2", "conv3")), "conv4", "conv5"])
def test_layer_power_matches_table_v(figures, layer):
    _, df = figures
    assert abs(df.loc[f"{layer}.power_mw", "rel_error"]) <= TOLERANCE, df.loc[f"{layer}.power_mw"].to_dict()


@pytest.fixture(scope="module")
def layers():
    spec = spec_mod.load(SPEC)
    return validation.per_layer(spec, sweep.prepare_workload(spec)).set_index("layer")


# Published share bands of chip power per layer: the spec's validation.shares (one declaration: the
# sources are in sweeps/validation/eyeriss_alexnet.yaml); within validation.SHARE_POINTS of each band.
SHARE_CASES = [(layer, part) for layer, bands in spec_mod.load(SPEC).validation.shares for part, _ in bands]


@needs_65nm
@pytest.mark.parametrize("layer, part", SHARE_CASES)
def test_component_share_within_10_points_of_fig16(layers, layer, part):
    spec = spec_mod.load(SPEC)
    row = validation.shares(spec, layers.reset_index()).set_index(["layer", "part"]).loc[(layer, part)]
    assert row["points_outside"] <= validation.SHARE_POINTS, (layer, part, round(row["ours"], 3))


@needs_65nm
@pytest.mark.parametrize("layer", ["conv1", "conv5"])
def test_data_movement_share_within_10_points_of_sec_vi_a(layers, layer):
    # Sec. VI-A: spads + GLB + NoC take "up to 45 %" of chip power
    row = layers.loc[layer]
    assert row["spad_share"] + row["glb_share"] + row["noc_share"] <= 0.45 + validation.SHARE_POINTS, row.to_dict()


_MAC_WIDE = ("our INT16 PE with Eyeriss's 16-bit accumulator (pe_models INT-narrow, characterized: product "
             "truncated to 16 bits, 16-bit adder and registers) costs 1.42 pJ per MAC at 65 nm, 1 V (the 40-bit "
             "accumulator PE 1.74 pJ); Eyeriss's < 10 % ALU share of ~278 mW allows < 1.03 pJ. Of our figure 88 % "
             "is the multiplier + adder logic (IHP 130 nm: 4.89 of 5.56 pJ, characterization_narrow_raw.csv), "
             "the per-MAC PE energy the issue finds 2.7-4x above Horowitz at INT8 (an open pe_models item)")


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
    c = pe_models.evaluate(kind, w, a, 65.0, vdd_v=1.0, narrow_acc=True)
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
    parts = [c[: -len("_share")] for c in layers.columns if c.endswith("_share")]
    np.testing.assert_allclose(layers[[f"{p}_share" for p in parts]].sum(axis=1), 1.0, rtol=1e-12)
    shares = pd.read_csv(tmp_path / "out" / "validation_shares.csv")
    assert list(shares.columns) == ["layer", "part", "ours", "published_low", "published_high", "points_outside"]
    assert len(shares) == 6 and (shares["points_outside"] >= 0).all()


def test_unknown_validation_layer_is_one_line_error(tmp_path, capsys):
    spec = _spec_at_45nm(tmp_path, lambda t: t.replace("conv5: {latency_ms", "conv9: {latency_ms"))
    assert cli.main(["run", str(spec), "--out", str(tmp_path / "out"), "--no-progress"]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].endswith("validation.layers.conv9: no compute layer of that name"), err
    assert not (tmp_path / "out" / "validation.csv").exists()


TIMELOOP = Path(__file__).resolve().parent / "data" / "timeloop_eyeriss_like.csv"


@pytest.fixture(scope="module")
def timeloop_like(tmp_path_factory):
    """Our model on Timeloop's eyeriss_like architecture and default problem (tests/data/timeloop_eyeriss_like.csv
    header), and their fJ per compute."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    from dse import design, network

    d = tmp_path_factory.mktemp("timeloop")
    w = numpy_helper.from_array(np.zeros((32, 3, 3, 3), np.float32), "w")
    g = helper.make_graph([helper.make_node("Conv", ["x", "w"], ["y"], name="conv", pads=[1, 1, 1, 1], strides=[2, 2])],
                          "default_problem", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 224, 224])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 32, 112, 112])], initializer=[w])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), d / "conv.onnx")
    (d / "spec.yaml").write_text(f"""version: 1
name: timeloop_eyeriss_like
workload: {{onnx: {d / 'conv.onnx'}, batch: 1}}
precision: {{policy: pe}}
space: {{pe_type: INT8, pe_rows: 12, pe_cols: 14, spad_ifmap_words: 12, spad_filter_words: 192, spad_psum_words: 16,
         glb_kib: 128, glb_tech: SRAM, glb_banks: 32, dram_type: LPDDR4, node_nm: 65, dataflow: row_stationary,
         glb_bypass: "off"}}
mapping: {{objective: energy}}
""")
    spec = spec_mod.load(d / "spec.yaml")
    row = network.evaluate(design.batch(spec), sweep.prepare_workload(spec), spec.mapping_objective).iloc[0]
    assert row["mac_ops"] == 10838016  # Timeloop's "Computes"
    ours = {"mac": row["energy_mac_pj"], "spad": row.filter(regex=r"^energy_spad_").sum(),
            "glb": row.filter(regex=r"^energy_glb_").sum(), "dram": row.filter(regex=r"^energy_dram_").sum()}
    ref = pd.read_csv(TIMELOOP, comment="#").set_index("component")["fj_per_compute"]
    theirs = {"mac": ref["mac"], "spad": ref[["psum_spad", "weights_spad", "ifmap_spad"]].sum(),
              "glb": ref["shared_glb"], "dram": ref["DRAM"]}
    return ({k: v / row["mac_ops"] * 1e3 for k, v in ours.items()}, theirs)  # fJ per MAC


def _on_chip_shares(fj):
    # Accelergy's basis: MAC, spads, GLB (no clock, NoC or separate leakage in its figures)
    total = fj["mac"] + fj["spad"] + fj["glb"]
    return {k: fj[k] / total for k in ("mac", "spad", "glb")}


# Shares on Accelergy's basis: spads 73.2 % against 72.1 % pass; they passed for the MAC too (19.8 % against
# 9.9 %) only while two per-MAC energies were both high. The per-component energies are tested below.
_TL_MAC_SHARE = ("our MAC is 20.4 % of on-chip energy on Accelergy's basis against 9.9 %, 10.4 points: our MAC costs "
                 "2.9x Accelergy's (below) and our spads 1.43x; it passed (9.9 points) only while a filter / ifmap "
                 "spad read was priced as the mean of a read and a write (half a write's word-gating clock)")
_TL_GLB = ("our GLB costs 189 fJ per MAC against Accelergy's 375 fJ: 6.3 % of on-chip energy against 18.0 %, 11.8 "
           "points. Per 8-bit word 1.84 pJ (memory_models, LOP: 14.7 pJ per 64-bit access) against 2.22 pJ (CACTI), "
           "and our mapping reads each input from the GLB once (1.25 Mbit) where Timeloop's mapper's reads it 9x "
           "(1.35 M input reads of 150 k inputs)")


@pytest.mark.parametrize("part", [pytest.param("mac", marks=pytest.mark.xfail(strict=True, reason=_TL_MAC_SHARE)),
                                  "spad", pytest.param("glb", marks=pytest.mark.xfail(strict=True, reason=_TL_GLB))])
def test_on_chip_shares_within_10_points_of_accelergy(timeloop_like, part):
    ours, theirs = (_on_chip_shares(x) for x in timeloop_like)
    assert abs(ours[part] - theirs[part]) <= validation.SHARE_POINTS, (part, ours, theirs)


_TL_MAC_PJ = ("our INT8 PE costs 600 fJ per MAC at 65 nm (nominal 1.1 V) against Accelergy's 208 fJ (Aladdin table, "
              "8-bit multiplier + 16-bit adder): 2.9x, the per-MAC PE-energy gap the issue finds against Horowitz")
_TL_SPAD_PJ = ("our spads cost 2158 fJ per MAC against 1506 fJ (1.43x): psum 1356 against 387 fJ (our psum words are "
               "the 24-bit accumulator and each MAC writes one, clocking the word-gating tree), weights 574 against "
               "1007, ifmap 227 against 112")


@pytest.mark.parametrize("part", [pytest.param("mac", marks=pytest.mark.xfail(strict=True, reason=_TL_MAC_PJ)),
                                  pytest.param("spad", marks=pytest.mark.xfail(strict=True, reason=_TL_SPAD_PJ)),
                                  pytest.param("glb", marks=pytest.mark.xfail(strict=True, reason=_TL_GLB)), "dram"])
def test_energy_per_mac_within_20_percent_of_accelergy(timeloop_like, part):
    # DRAM: the same LPDDR4 energy per bit (memory_models.dram: Accelergy's figure) on our own DRAM traffic
    ours, theirs = timeloop_like
    assert ours[part] == pytest.approx(theirs[part], rel=TOLERANCE), (part, ours[part], theirs[part])


@pytest.mark.parametrize("edit, message", [
    (lambda t: t.replace("conv1: {alu: [0.03, 0.09]", "conv1: {alu: [0.09, 0.03]"),
     "validation.shares.conv1.alu: got [0.09, 0.03]; expected low <= high"),
    (lambda t: t.replace("conv5: {alu: [0.03, 0.09]", "conv5: {alu: 0.05"),
     "validation.shares.conv5.alu: got 0.05; expected [low, high], the published band of the share"),
    (lambda t: t.replace("conv5: {alu: [0.03, 0.09]", "conv9: {alu: [0.03, 0.09]"),
     "validation.shares.conv9: no compute layer of that name"),
])
def test_bad_share_band_is_one_line_error(tmp_path, capsys, edit, message):
    spec = _spec_at_45nm(tmp_path, edit)
    assert cli.main(["run", str(spec), "--out", str(tmp_path / "out"), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].endswith(message), err
    assert not (tmp_path / "out" / "validation_shares.csv").exists()
