"""The public Python API (dse.run / dse.load / dse.evaluate / DseError) and the examples/ script."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import dse
from dse import objectives

ROOT = Path(__file__).resolve().parents[1]
SPEC = {"version": 1, "name": "api", "workload": {"network": "alexnet"},
        "space": {"pe_type": ["INT4", "INT8"], "pe_rows": [8, 16], "glb_kib": [32, 128],
                  "dataflow": ["row_stationary", "output_stationary"]}}


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    return dse.run(SPEC, out=tmp_path_factory.mktemp("api") / "out")


def test_run_returns_the_results_of_the_sweep(sweep):
    df = sweep.results
    assert isinstance(df, pd.DataFrame) and len(df) == 16 and list(df["point_id"]) == list(range(16))
    assert np.all(df["energy_pj"] > 0)


def test_pareto_is_the_front_of_the_named_objectives(sweep):
    df = sweep.results
    for names in (["energy", "latency"], ["energy", "latency", "area"], ["edp", "perf_per_area"]):
        front = sweep.pareto(names)
        assert sorted(front["point_id"]) == sorted(df.loc[objectives.front(df, names), "point_id"])
    assert list(sweep.pareto()["point_id"]) == list(sweep.pareto(["energy", "latency"])["point_id"])
    with pytest.raises(dse.DseError, match="expected objectives among"):
        sweep.pareto(["speed"])


def test_layers_of_one_design_sum_to_its_totals(sweep):
    best = sweep.best("edp")
    assert best["edp_pj_s"] == sweep.results["edp_pj_s"].min()
    layers = sweep.layers(best["point_id"])
    assert list(layers["layer"]) == [L.name for L in sweep.workload.graph.layers()]
    np.testing.assert_allclose(layers["energy_pj"].sum(), best["energy_pj"], rtol=1e-12)
    np.testing.assert_allclose(layers["latency_cycles"].sum(), best["latency_cycles"], rtol=1e-12)
    with pytest.raises(dse.DseError, match="not in the space"):
        sweep.layers(99)


def test_load_reopens_the_same_sweep(sweep):
    again = dse.load(sweep.out)
    pd.testing.assert_frame_equal(again.results, sweep.results)
    assert again.spec.n_points == 16


def test_evaluate_one_design_equals_its_sweep_row(sweep):
    row = sweep.results.iloc[5]
    design = {k: row[k] for k in ("pe_type", "pe_rows", "glb_kib", "dataflow")}
    e = dse.evaluate({k: (v.item() if hasattr(v, "item") else v) for k, v in design.items()}, "alexnet")
    for col in ("energy_pj", "latency_s", "area_mm2", "energy_glb_weight_pj"):
        assert e.totals[col] == row[col], col
    np.testing.assert_allclose(e.layers["energy_pj"].sum(), row["energy_pj"], rtol=1e-12)


def test_evaluate_takes_a_graph(sweep):
    import workloads

    by_name = dse.evaluate({"pe_type": "INT8"}, "alexnet")
    by_graph = dse.evaluate({"pe_type": "INT8"}, workloads.load("alexnet"))
    assert by_graph.totals["energy_pj"] == by_name.totals["energy_pj"]


@pytest.mark.parametrize("call, message", [
    (lambda tmp: dse.evaluate({"clock_mhz": 1e-300}, "alexnet"), "space.clock_mhz: got 1e-300"),
    (lambda tmp: dse.evaluate({"pe_rows": [8, 16]}, "alexnet"), "design.pe_rows: got 2 values"),
    (lambda tmp: dse.evaluate({}, "no_such_net"), "unknown network"),
    (lambda tmp: dse.evaluate({}, str(tmp / "missing.onnx")), "missing.onnx"),  # the importer's own error
    (lambda tmp: dse.load(tmp), "no manifest.json"),
    (lambda tmp: dse.run(42), "expected a spec path, a dict"),
])
def test_input_errors_are_dse_errors(tmp_path, call, message):
    with pytest.raises(dse.DseError, match=message.replace("[", r"\[")):
        call(tmp_path)


def test_import_is_cheap():
    code = "import sys, dse; print(sorted(m for m in ('numba', 'pandas', 'numpy', 'pyarrow') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_example_script_runs(tmp_path):
    out = subprocess.run([sys.executable, str(ROOT / "examples" / "python_api.py"), str(tmp_path / "ex")],
                         cwd=ROOT, capture_output=True, text=True, timeout=600,
                         env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "Sweep(" in text and "108 design points" in text
    assert "Pareto front (energy, area):" in text and "same front: True" in text
    assert "refused: dse.evaluate: space.clock_mhz: got 1e-300" in text
