"""Eyeriss (Chen et al., IEEE JSSC 52(1) 2017) on AlexNet conv layers at batch 4 against its published figures.

Tolerance: 20% (issue 7 target) on frames/s and DRAM accesses per MAC. Chip power is compared too,
but our per-access energies and leakage come from memory_models / pe_models; see the xfail reason.
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
@pytest.mark.xfail(strict=True, reason="memory_models leakage (108 KB SRAM GLB ~0.5 W, each PE register file "
                   "~0.7 mW) dominates; Eyeriss's whole chip draws 278 mW. Reported to the memory-model owner.")
def test_power_matches_published(figures):
    _, df = figures
    assert abs(df.loc["power_mw", "rel_error"]) <= TOLERANCE


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
