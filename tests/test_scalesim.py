"""Systolic dataflows against SCALE-Sim v3 (cycle-accurate): per-layer compute cycles within 3%.

Reference: tests/data/scalesim_compute_cycles.csv, written by
``python benchmarks/compare_scalesim.py --write-reference`` (SCALE-Sim 3.0.0 in its own venv) for the
distinct layer shapes of ResNet-18, MobileNetV2 and BERT-base, weight / output / input stationary,
8 x 8 to 128 x 128 arrays (and 16 x 64). Tolerance 3% per layer (issue 13); what remains is SCALE-Sim
counting the last cycle's 0-based index (one cycle short per layer, per channel of a depthwise layer).
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import benchmark_modules

from dse import dataflows
from workloads.layer import Layer

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests" / "data" / "scalesim_compute_cycles.csv"
TOLERANCE = 0.03


def _compare_module():
    return benchmark_modules.load("compare_scalesim")


@pytest.fixture(scope="module")
def joined():
    return _compare_module().with_ours(pd.read_csv(REFERENCE, comment="#"))


def test_reference_covers_networks_dataflows_and_arrays(joined):
    assert set(joined["network"]) == {"resnet18", "mobilenetv2", "bert_base"}
    assert set(joined["dataflow"]) == {"ws", "os", "is"}
    assert {8, 16, 32, 64, 128} <= set(joined["rows"])
    assert (joined["groups"] > 1).any()  # depthwise layers are in
    assert len(joined) >= 300


@pytest.mark.parametrize("df", ["ws", "os", "is"])
def test_compute_cycles_within_3_percent_of_scalesim(joined, df):
    sel = joined[joined["dataflow"] == df]
    bad = sel[(sel["ratio"] - 1).abs() > TOLERANCE]
    assert bad.empty, bad[["layer", "rows", "cols", "scalesim_compute_cycles", "dse_compute_cycles"]]


def test_local_accumulation_is_kept_apart_and_faster_than_systolic():
    """weight_stationary_local accumulates in its psum spad, paying fill and drain once per weight tile
    rather than per fold: never slower than the systolic weight_stationary on the same array."""
    L = Layer("conv", "conv", k=128, c=128, oy=28, ox=28, fy=3, fx=3)
    g = dataflows.single_geometry(16, 16, spad_words=224)
    local = dataflows.candidates(L, g, "weight_stationary_local")
    systolic = dataflows.candidates(L, g, "weight_stationary")
    assert np.broadcast_to(local.compute_cycles, local.legal.shape)[local.legal].min() < systolic.compute_cycles.min()


def test_fold_formula_on_one_layer_by_hand():
    """A 3x3 conv, 64 -> 64 channels, 14 x 14 outputs on 16 x 16, weight stationary: 36 row folds x 4
    column folds x (2 x 16 + 16 + 196 - 2) cycles (SCALE-Sim v3 gives one less: 34,847)."""
    L = Layer("l1", "conv", k=64, c=64, oy=14, ox=14, fy=3, fx=3)
    arr = dataflows.candidates(L, dataflows.single_geometry(16, 16), "weight_stationary")
    assert arr.compute_cycles.item() == 36 * 4 * (2 * 16 + 16 + 196 - 2)
