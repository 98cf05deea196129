"""Every shipped sweep spec loads, names a workload that loads, and the small ones run."""

from pathlib import Path

import pandas as pd
import pytest

from dse import cli, results, sweep
from dse import spec as spec_mod

SWEEPS = sorted((Path(__file__).parents[1] / "sweeps").rglob("*.yaml"))


@pytest.mark.parametrize("path", SWEEPS, ids=[p.stem for p in SWEEPS])
def test_spec_loads(path):
    spec = spec_mod.load(path)
    wl = sweep.prepare_workload(spec)
    assert spec.n_points >= 1 and wl.graph.compute_layers()


def test_mixed_precision_runs_with_layer_bits(tmp_path):
    path = next(p for p in SWEEPS if p.stem == "mixed_precision")
    assert cli.main(["run", str(path), "--out", str(tmp_path), "--no-progress"]) == 0
    df = results.load(tmp_path)
    assert len(df) == spec_mod.load(path).n_points
    # policy 'model': an INT2 PE runs the 4-bit default layers in 2 x 2 = 4 passes, so it cannot
    # be cheaper per MAC than INT4 on the same hardware
    key = ["pe_rows", "pe_cols", "glb_kib", "glb_tech", "dram_bw_gbps", "dataflow"]
    int2 = df[df.pe_type == "INT2"].set_index(key)["latency_cycles"]
    int4 = df[df.pe_type == "INT4"].set_index(key)["latency_cycles"]
    assert (int2 > int4.loc[int2.index]).all()
