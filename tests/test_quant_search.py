"""Mixed-precision search: the ILP against brute force, the vectorized Lagrangian against the ILP,
policy: search sweeps end to end, dse mixed-precision, and the one-line errors of bad inputs."""

from __future__ import annotations

import json

import numpy as np
import onnx
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import onnx_builders
from dse import cli, design, results, sweep
from dse import spec as spec_mod
from dse.quant import policy, search, sensitivity


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 4), st.integers(2, 4), st.floats(0.2, 3.0))
def test_ilp_equals_brute_force_and_lagrangian_is_feasible(seed, L, C, budget):
    rng = np.random.default_rng(seed)
    cost, err = rng.uniform(1, 10, (L, C)), rng.uniform(0, 1, (L, C))
    valid = rng.uniform(size=(L, C)) > 0.2
    valid[:, 0] = True
    value = lambda ch: cost[np.arange(L), ch].sum()
    for obj, cons in (((cost, [(err, budget)])), ((err, [(cost, budget * 4 * L)]))):  # both HAWQ-V3 forms
        bf, x = search.brute_force(obj, cons, valid), search.ilp(obj, cons, valid)
        assert (bf is None) == (x is None)
        if bf is not None:
            assert obj[np.arange(L), x].sum() == pytest.approx(obj[np.arange(L), bf].sum(), rel=1e-9)
            assert valid[np.arange(L), x].all()
    ch, ok = search.lagrangian(cost[None], err[None], np.array([budget]), valid[None])
    bf = search.brute_force(cost, [(err, budget)], valid)
    assert ok[0] == (bf is not None)
    if bf is not None:  # feasible, valid, and never better than the optimum
        assert err[np.arange(L), ch[0]].sum() <= budget * (1 + 1e-9)
        assert valid[np.arange(L), ch[0]].all()
        assert value(ch[0]) >= value(bf) * (1 - 1e-12)


def test_lagrangian_is_vectorized_over_points():
    rng = np.random.default_rng(3)
    P, L, C = 500, 8, 6
    cost, err = rng.uniform(1, 10, (P, L, C)), rng.uniform(0, 1, (L, C))
    budget = rng.uniform(1, 4, P)
    ch, ok = search.lagrangian(cost, err, budget)
    one = [search.lagrangian(cost[p:p + 1], err, budget[p:p + 1])[0][0] for p in range(0, P, 50)]
    assert (ch[::50] == np.array(one)).all()
    assert (err[np.arange(L), ch].sum(axis=1)[ok] <= budget[ok] * (1 + 1e-9)).all()


@pytest.fixture(scope="module")
def cnn(tmp_path_factory):
    """A small float CNN (6 compute layers, grouped/depthwise/transposed) and its sensitivity table."""
    import os

    folder = tmp_path_factory.mktemp("quant_search")
    os.environ["DSE_CACHE_DIR"] = str(folder / "cache")
    model = onnx_builders.float_cnn(folder / "cnn.onnx")
    df = sensitivity.measure(model, sensitivity.Options(bits=(2, 4, 8), a_bits=(4, 8), samples=2), progress=False)
    df.to_csv(folder / "sens.csv", index=False)
    return folder, model


def _spec(folder, model, **precision):
    raw = {"version": 1, "name": "qs", "workload": {"onnx": str(model)},
           "precision": {"policy": "search", "bits": {"w": [2, 4, 8], "a": [4, 8]},
                         "sensitivity": str(folder / "sens.csv"), "max_error": [0.02, 0.1, 0.5], **precision},
           "space": {"pe_type": ["INT2", "INT4", "INT8", "LightPE-2"], "pe_rows": [8, 16]},  # 24 points
           "mapping": {"objective": "energy"}}
    path = folder / "spec.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def test_search_sweep_front_spans_error_levels_and_reports_milp(cnn, capsys):
    folder, model = cnn
    out = folder / "out"
    assert cli.main(["run", str(_spec(folder, model)), "--out", str(out), "--no-progress"]) == 0
    df = pd.concat([pd.read_parquet(p) for p in results.part_paths(out)]).sort_values("point_id")
    assert len(df) == 4 * 2 * 3 and set(df["max_error"]) == {0.02, 0.1, 0.5}
    ok = df[df["within_budget"]]
    assert (ok["quant_error"] <= ok["max_error"] * (1 + 1e-9)).all()
    # a looser budget never costs more on the same design
    e = df.pivot_table(index=["pe_type", "pe_rows"], columns="max_error", values="energy_pj")
    assert (e[0.5] <= e[0.1] * (1 + 1e-9)).all() and (e[0.1] <= e[0.02] * (1 + 1e-9)).all()
    front = pd.read_csv(out / "pareto.csv")
    assert front["quant_error"].round(6).nunique() >= 3
    doc = json.loads((out / "precision.json").read_text())
    spec = spec_mod.load(out / "spec.yaml") if (out / "spec.yaml").exists() else spec_mod.load(folder / "spec.yaml")
    wl = sweep.prepare_workload(spec)
    for label, entry in doc["objectives"].items():
        s = entry["search"]
        assert s["objective_milp"] <= s["objective_lagrangian"] * (1 + 1e-9)
        assert entry["quant_error"] <= entry["max_error"] * (1 + 1e-9)
        # the exact choice re-derived here equals what precision.json reports
        d = design.points(spec, np.array([entry["point_id"]]))
        x, _ = policy.solve_design(d, wl, "energy", max_error=entry["max_error"])
        assert [wl.search.cands[k][1:] for k in x] == [(v["w_bits"], v["a_bits"]) for v in entry["layers"].values()]
        bits = yaml.safe_load((out / f"precision_{label}.yaml").read_text())
        assert {k: (v["w_bits"], v["a_bits"]) for k, v in bits.items()} == {
            k: (v["w_bits"], v["a_bits"]) for k, v in entry["layers"].items()}
    # a front design's precision quantizes and reads back with its bits
    q = folder / "q.onnx"
    assert cli.main(["quantize", str(model), "--precision", str(out / "precision.json"), "--objective", "energy",
                     "--samples", "2", "--out", str(q)]) == 0
    assert cli.main(["inspect", str(q), "--format", "csv"]) == 0
    table = pd.read_csv(pd.io.common.StringIO(capsys.readouterr().out))
    assert dict(zip(table["name"], zip(table["w_bits"], table["a_bits"]))) == {
        k: (v["w_bits"], v["a_bits"]) for k, v in doc["objectives"]["energy"]["layers"].items()}


def test_mixed_precision_cli_matches_brute_force(cnn, capsys):
    folder, model = cnn
    (folder / "design.yaml").write_text("pe_type: INT4\npe_rows: 8\n")
    spec = spec_mod.load(_spec(folder, model))
    spec = spec_mod.parse({**spec.raw, "space": {"pe_type": "INT4", "pe_rows": 8}}, spec.path)
    wl = sweep.prepare_workload(spec)
    d = design.points(spec, np.array([0]))
    E, _ = policy._layer_costs(d, wl, "energy", None)
    E = E[0]
    valid = np.broadcast_to(wl.search.kind[None, :] == d.pe_kind[0], E.shape)
    for budget in (0.05, 0.2):
        ref = search.brute_force(E, [(wl.search.error, budget)], valid)
        out = folder / f"mp_{budget}.yaml"
        assert cli.main(["mixed-precision", "--model", str(model), "--sensitivity", str(folder / "sens.csv"),
                         "--design", str(folder / "design.yaml"), "--bits", "2,4,8", "--a-bits", "4,8",
                         "--max-error", str(budget), "--out", str(out)]) == 0
        got = yaml.safe_load(out.read_text())
        assert [(v["w_bits"], v["a_bits"]) for v in got.values()] == [wl.search.cands[k][1:] for k in ref]
    capsys.readouterr()
    assert cli.main(["mixed-precision", "--model", str(model), "--sensitivity", str(folder / "sens.csv"),
                     "--design", str(folder / "design.yaml"), "--bits", "2,4,8", "--a-bits", "4,8",
                     "--budget", "energy_pj=1"]) == 2
    assert "meets energy_pj <= 1" in capsys.readouterr().err


def test_bad_search_inputs_one_line(cnn, tmp_path, capsys):
    folder, model = cnn
    other = onnx_builders.float_cnn(tmp_path / "other.onnx")
    m = onnx.load(str(other))  # the same network with one weight changed: another sha256
    m.graph.initializer[0].float_data[:] = []
    m.graph.initializer[0].raw_data = bytes(len(m.graph.initializer[0].raw_data))
    onnx.save(m, str(other))
    sens = pd.read_csv(folder / "sens.csv")
    sens[sens["layer"] != "fc"].to_csv(tmp_path / "missing.csv", index=False)
    cases = [
        ({"workload": {"onnx": str(other)}}, "measured on another model"),
        ({"precision": {"sensitivity": str(tmp_path / "missing.csv")}}, "no rows for compute layer 'fc'"),
        ({"precision": {"bits": {"w": [32], "a": [8]}}}, "no PE type runs 32-bit"),
        ({"precision": {"bits": {"w": [3], "a": [8]}}}, "no row for layer"),
        ({"precision": {"max_error": [1e-9]}}, "is below the smallest error"),
    ]
    for patch, msg in cases:
        raw = yaml.safe_load(_spec(folder, model).read_text())
        for k, v in patch.items():
            raw[k] = {**raw[k], **v}
        path = tmp_path / "bad.yaml"
        path.write_text(yaml.safe_dump(raw))
        assert cli.main(["run", str(path), "--out", str(tmp_path / "o"), "--no-progress"]) == 2, msg
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and msg in err[0], (msg, err)
