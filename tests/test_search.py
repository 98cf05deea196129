"""NSGA-II search (`search:`): budget kept, every point_id once, resume, and front quality against
the exhaustive front of a space small enough to enumerate."""

import dataclasses
import json

import numpy as np
import pytest
import yaml

from dse import cli, design, results, search, sweep
from dse import spec as spec_mod
from dse.network import evaluate
from dse.pareto import front_mask, hypervolume_ratio, objective_matrix

SPACE = """version: 1
name: {name}
workload: {{network: resnet18}}
space:
  pe_type: [INT2, INT4, INT8, INT16, LightPE-1, LightPE-2]
  pe_rows: [8, 12, 16, 24, 32]
  pe_cols: [8, 14, 16, 24, 32]
  glb_kib: [64, 128, 256, 512]
  glb_banks: [1, 4, 8]
  dram_bw_gbps: [6.4, 12.8, 25.6]
  clock_mhz: [200, 400]
  dataflow: [row_stationary, weight_stationary, output_stationary]
run: {{chunk_points: 50000}}
"""  # 32,400 points
OBJECTIVES = ("energy_pj", "latency_s", "area_mm2")  # a 3-D front: 77 designs here (main 3a3c951), not a trivial one


@pytest.mark.slow
def test_one_percent_of_the_evaluations_reaches_98_percent_of_the_exhaustive_hypervolume(tmp_path, monkeypatch):
    monkeypatch.setattr(sweep, "front_objectives", lambda spec: OBJECTIVES)
    spec = spec_mod.parse(yaml.safe_load(SPACE.format(name="hv")), "hv.yaml")
    wl = sweep.prepare_workload(spec)
    every = evaluate(design.batch(spec), wl, spec.mapping_objective)  # exhaustive, in memory (small space)
    exhaustive = objective_matrix(every, OBJECTIVES)
    exhaustive = exhaustive[front_mask(exhaustive)]
    budget = spec.n_points // 100
    # mean over seeds 0-7: one seed's ratio varies by ~0.01-0.04, so a single seed's 0.98 is a coin
    # toss. Measured with this test's search.run loop on main 3a3c951: SBX / PM distribution indices
    # 15 / 20 (pymoo's continuous defaults) 0.975 .962 .997 .999 .964 .990 .986 .993 (mean 0.983;
    # seeds 0-31 mean 0.982, min 0.934); 10 / 10 (dse.search.ETA_*) 0.996 .977 .998 .996 .997 .994
    # .995 .970 (mean 0.990; seeds 0-31 mean 0.989, min 0.968).
    ratios = []
    for seed in range(8):
        spec = dataclasses.replace(spec, search=search.SearchSpec("nsga2", budget, search.default_population(budget),
                                                                  seed))
        out = tmp_path / f"out{seed}"
        out.mkdir()
        front, evaluated, _, _ = search.run(spec, wl, out, "fp", progress=False)
        assert evaluated <= budget and results.rows(out) == evaluated
        assert pd_unique(out)
        ratios.append(hypervolume_ratio(objective_matrix(front, OBJECTIVES), exhaustive))
    assert np.mean(ratios) >= 0.98, ratios


def pd_unique(out) -> bool:
    return results.load(out, ["point_id"])["point_id"].is_unique


def test_search_run_resumes_and_refuses_nothing_it_should_not(tmp_path, capsys):
    text = SPACE.format(name="s").replace("run: {chunk_points: 50000}", "search: {method: nsga2, budget: 40, "
                                                                        "population: 10}")
    spec_file = tmp_path / "s.yaml"
    spec_file.write_text(text)
    out = tmp_path / "out"
    assert cli.main(["run", str(spec_file), "--out", str(out), "--no-progress"]) == 0
    first = results.load(out)
    manifest = json.loads((out / "manifest.json").read_text())
    assert first["point_id"].is_unique and len(first) == manifest["rows"] <= 40
    part = results.results_dir(out) / results.part_name(results.ledger_indices(out)[1])
    part.write_bytes(part.read_bytes()[:100])  # truncated: found, evaluated again, same search
    assert cli.main(["run", str(spec_file), "--out", str(out), "--no-progress"]) == 0
    assert sum("re-evaluating" in ln for ln in capsys.readouterr().err.splitlines()) == 1
    again = results.load(out)
    np.testing.assert_array_equal(again["point_id"], first["point_id"])  # the same points, each once
    assert json.loads((out / "manifest.json").read_text())["evaluated_points"] < len(first)


def test_search_section_errors_are_one_line(tmp_path):
    base = SPACE.format(name="e").replace("run: {chunk_points: 50000}", "search: {}")
    for bad, where in (("search: {}", "search"), ("search: {method: random, budget: 10}", "search.method"),
                       ("search: {budget: 0}", "search.budget"), ("search: {budget: 10, population: 50}",
                                                                  "search.population")):
        with pytest.raises(Exception, match=where.replace(".", r"\.")):
            spec_mod.parse(yaml.safe_load(base.replace("search: {}", bad)), "e.yaml")


def test_decode_reaches_every_point_of_a_huge_space():
    spec = spec_mod.parse({"version": 1, "name": "h", "workload": {"network": "resnet18"},
                           "space": {"pe_rows": list(range(1, 1001)), "pe_cols": list(range(1, 1001)),
                                     "spad_filter_words": list(range(1, 1001)), "glb_banks": list(range(1, 1001)),
                                     "clock_mhz": [10.0 * i for i in range(1, 1001)]},
                           "search": {"budget": 1000}})
    assert spec.n_points == 10**15
    X = np.array([[0, 0, 0, 0, 0], [999, 999, 999, 999, 999], [1, 2, 3, 4, 5]])
    ids = search.decode(spec, X)
    assert ids[0] == 0 and ids[1] == 10**15 - 1
    d = design.points(spec, ids)
    assert d.pe_rows.tolist() == [1, 1000, 2] and d.clock_mhz.tolist() == [10.0, 10000.0, 60.0]
