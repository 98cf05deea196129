"""Eyeriss (Chen et al., IEEE JSSC 52(1) 2017) on AlexNet conv layers at batch 4 against its published figures.

Tolerance: 20% (issue 7 target) on frames/s and DRAM accesses per MAC. Chip power is compared too,
but our per-access energies and leakage come from memory_models / pe_models; see the xfail reason.
"""

from pathlib import Path

import numpy as np
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


@needs_65nm
def test_dse_run_writes_validation_csv(tmp_path):
    assert cli.main(["run", str(SPEC), "--out", str(tmp_path), "--no-progress"]) == 0
    import pandas as pd

    df = pd.read_csv(tmp_path / "validation.csv")
    assert list(df.columns) == ["metric", "ours", "published", "rel_error"]
    assert {"frames_per_s", "power_mw", "dram_accesses_per_mac"} <= set(df["metric"])
    np.testing.assert_allclose(df["rel_error"], (df["ours"] - df["published"]) / df["published"])
    assert (tmp_path / "validation_layers.csv").is_file()
