"""Runs that are killed, corrupted, collide or are too large: nothing lost, nothing stale, one line."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dse import cli, design, hardware, io, mapping, results, summary, sweep
from dse import spec as spec_mod
from dse.pareto import front_mask

ROOT = Path(__file__).resolve().parents[1]
SPEC = """version: 1
name: {name}
workload: {{network: resnet18}}
space:
  pe_type: [INT4, LightPE-1]
  pe_rows: [8, 12]
  glb_kib: [64, 128]
  glb_tech: [SRAM, SOT-MRAM]
  dataflow: [row_stationary, weight_stationary]
run: {{chunk_points: {chunk}}}
"""  # 32 points, 4 parts


def write_spec(path: Path, name="scale", chunk=8, **replace) -> Path:
    text = SPEC.format(name=name, chunk=chunk)
    for old, new in replace.items():
        text = text.replace(old, new)
    path.write_text(text)
    return path


def run_cli(spec_file, out, *extra):
    return cli.main(["run", str(spec_file), "--out", str(out), "--no-progress", *extra])


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("dse: error: ") and "Traceback" not in err[0], err
    return err[0]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """One complete run of the spec, the reference every other run is compared with row for row."""
    tmp = tmp_path_factory.mktemp("ref")
    spec_file = write_spec(tmp / "scale.yaml")
    assert run_cli(spec_file, tmp / "out") == 0
    return spec_file, results.load(tmp / "out")


def assert_same_rows(out: Path, ref: pd.DataFrame) -> None:
    got = pd.read_parquet(out / "results")  # the dataset as any Parquet reader sees it
    assert got["point_id"].is_unique and len(got) == len(ref)  # every point exactly once
    pd.testing.assert_frame_equal(got.sort_values("point_id", ignore_index=True), ref)


def test_corrupted_and_truncated_parts_are_detected_and_reevaluated(reference, tmp_path, capsys):
    spec_file, ref = reference
    out = tmp_path / "out"
    assert run_cli(spec_file, out) == 0
    flipped, cut = results.results_dir(out) / results.part_name(1), results.results_dir(out) / results.part_name(3)
    data = bytearray(flipped.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte in the middle of the column data
    flipped.write_bytes(bytes(data))
    cut.write_bytes(cut.read_bytes()[: cut.stat().st_size // 3])
    capsys.readouterr()
    assert run_cli(spec_file, out) == 0
    lines = [ln for ln in capsys.readouterr().err.splitlines() if "re-evaluating" in ln]
    assert len(lines) == 2 and "part-000001" in lines[0] and "part-000003" in lines[1]
    assert all("checksum mismatch" in ln for ln in lines)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["evaluated_points"] == 16 and len(manifest["repaired_parts"]) == 2
    assert_same_rows(out, ref)


def test_second_run_into_a_locked_folder_is_refused(reference, tmp_path, capsys):
    spec_file, _ = reference
    out = tmp_path / "out"
    with io.folder_lock(out):  # a run in progress holds the folder
        assert run_cli(spec_file, out) == 2
    line = one_error_line(capsys)
    assert f"pid {os.getpid()}" in line and "another dse run" in line
    assert not (out / "results").exists()
    (out / io.LOCK_FILE).write_text("999999999\n")  # left by a killed run: the kernel dropped its lock
    assert run_cli(spec_file, out) == 0


def test_other_spec_into_a_complete_folder_is_refused_unless_force(reference, tmp_path, capsys):
    spec_file, ref = reference
    out = tmp_path / "out"
    assert run_cli(ROOT / "sweeps" / "validation" / "eyeriss_alexnet.yaml", out) == 0
    assert (out / "validation.csv").is_file() and (out / "validation_layers.csv").is_file()
    (out / "notes.txt").write_text("mine")  # the user's own file in the folder
    capsys.readouterr()
    assert run_cli(spec_file, out) == 2
    line = one_error_line(capsys)
    assert "complete run" in line and "--force" in line and "eyeriss_alexnet.yaml" in line
    assert (out / "validation.csv").is_file()  # untouched
    assert run_cli(spec_file, out, "--force") == 0
    assert not (out / "validation.csv").exists() and not (out / "validation_layers.csv").exists()
    assert (out / "notes.txt").read_text() == "mine"
    assert_same_rows(out, ref)
    assert run_cli(spec_file, out) == 0  # the same spec again: the parts are kept, nothing re-evaluated
    assert json.loads((out / "manifest.json").read_text())["evaluated_points"] == 0


@pytest.mark.parametrize("where", ["file", "below-file"])
def test_out_naming_a_file_is_one_line(reference, tmp_path, capsys, where):
    spec_file, _ = reference
    f = tmp_path / "taken"
    f.write_text("x")
    out = f if where == "file" else f / "sub" / "out"
    assert run_cli(spec_file, out) == 2
    assert "expected a folder" in one_error_line(capsys)
    assert f.read_text() == "x"


def test_space_too_large_is_refused_before_anything_exists(tmp_path, capsys):
    values = lambda n, start: "[" + ", ".join(str(start + i) for i in range(n)) + "]"
    spec_file = write_spec(tmp_path / "huge.yaml", **{
        "pe_rows: [8, 12]": f"pe_rows: {values(100, 1)}\n  pe_cols: {values(100, 1)}",
        "glb_tech: [SRAM, SOT-MRAM]": f"glb_tech: [SRAM, SOT-MRAM]\n  spad_filter_words: {values(1000, 1)}\n"
                                      f"  spad_ifmap_words: {values(1000, 1)}\n  glb_banks: {values(50, 1)}"})
    n = spec_mod.load(spec_file).n_points
    assert n > sweep.MAX_ENUMERATED_POINTS
    t = time.perf_counter()
    assert run_cli(spec_file, tmp_path / "out") == 2
    line = one_error_line(capsys)
    assert f"{n:,}" in line and "search:" in line and time.perf_counter() - t < 5
    assert not (tmp_path / "out").exists()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=3, max_size=3), st.integers(1, 40))
def test_chunks_partition_the_space_in_geometry_major_order(sizes, chunk):
    raw = {"version": 1, "name": "p", "workload": {"network": "resnet18"}, "run": {"chunk_points": chunk},
           "space": {"pe_rows": list(range(8, 8 + sizes[0])), "glb_banks": list(range(1, 1 + sizes[1])),
                     "clock_mhz": [100.0 * (i + 1) for i in range(sizes[2])], "dataflow": ["row_stationary",
                                                                                             "weight_stationary"]}}
    spec = spec_mod.parse(raw)
    ids = np.concatenate([sweep.chunk_ids(spec, i) for i in range(sweep.n_chunks(spec))])
    assert sorted(ids.tolist()) == list(range(spec.n_points))  # every point exactly once
    d = design.points(spec, ids)
    geo = mapping.geometries(d, hardware.evaluate(d)).index
    # geometry-major: each geometry's points are contiguous in chunk order
    changes = int(np.count_nonzero(np.diff(geo))) + 1
    assert changes == len(np.unique(geo)) == sizes[0] * 2


def test_iso_area_glb_technology_is_geometry_major():
    """Under a GLB area budget the technology (and banks, node, roadmap) sets each point's capacity,
    a geometry field: enumerated slowest with the geometry parameters, so each geometry's points stay
    contiguous; without a budget they vary fastest. Both orders partition the space."""
    raw = {"version": 1, "name": "iso", "workload": {"network": "resnet18"}, "run": {"chunk_points": 5},
           "space": {"pe_rows": [8, 12], "glb_tech": ["SRAM", "STT-MRAM", "SOT-MRAM"], "glb_banks": [1, 4],
                     "clock_mhz": [200, 400], "glb_area_mm2": [0.5]}}
    spec = spec_mod.parse(raw)
    varied = lambda sp: [n for n in sweep.geometry_params(sp) if len(sp.space_dict[n]) > 1]
    assert varied(spec) == ["pe_rows", "glb_tech", "glb_banks"] and "node_nm" in sweep.geometry_params(spec)
    ids = np.concatenate([sweep.chunk_ids(spec, i) for i in range(sweep.n_chunks(spec))])
    assert sorted(ids.tolist()) == list(range(spec.n_points))
    d = design.points(spec, ids)
    geo = mapping.geometries(d, hardware.evaluate(d)).index
    assert len(np.unique(d.glb_bytes)) > 1  # the technologies buy different capacities in the area
    assert int(np.count_nonzero(np.diff(geo))) + 1 == len(np.unique(geo))  # contiguous
    off = spec_mod.parse({**raw, "space": {**raw["space"], "glb_area_mm2": "off", "glb_kib": [64]}})
    assert varied(off) == ["pe_rows"] and "glb_tech" not in sweep.geometry_params(off)


def test_only_geometry_params_change_the_geometry():
    """GEOMETRY_PARAMS lists every parameter dse.mapping.geometries depends on: varying all the others
    leaves one geometry (else chunks would split points that could share a count table)."""
    others = {"glb_tech": ["SRAM", "STT-MRAM"], "glb_banks": [1, 4], "dram_type": ["LPDDR4", "HBM2"],
              "dram_bw_gbps": [6.4, 25.6], "clock_mhz": [200, 800], "node_nm": [45, 22], "vdd_v": ["nominal", 0.9],
              "noc_pj_per_bit_mm": [0.1, 0.2], "memory_roadmap": ["lop", "hp"],
              "spad_filter_kind": ["regfile", "sram"], "memory_vdd_v": ["nominal", 0.8],
              "placement_density": [1.0, 0.5], "register_clock_gating": ["on", "off"]}
    assert set(others) | set(sweep.GEOMETRY_PARAMS) == set(spec_mod.PARAMS)
    spec = spec_mod.parse({"version": 1, "name": "g", "workload": {"network": "resnet18"}, "space": others})
    d = design.batch(spec)
    assert len(np.unique(mapping.geometries(d, hardware.evaluate(d)).index)) == 1


def _start(spec_file, out) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "dse.cli", "run", str(spec_file), "--out", str(out), "--no-progress"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _kill_when(proc: subprocess.Popen, ready, timeout_s=120.0) -> None:
    t = time.perf_counter()
    while not ready():
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.perf_counter() - t < timeout_s
        time.sleep(0.002)
    proc.send_signal(signal.SIGKILL)
    proc.wait()


@pytest.mark.xdist_group("processes")  # starts and kills processes: one such test at a time
@pytest.mark.slow
def test_kill9_during_evaluation_and_during_final_writes_then_resume(reference, tmp_path):
    spec_file, ref = reference
    n_parts = sweep.n_chunks(spec_mod.load(spec_file))
    # 1. kill -9 while chunks are being evaluated (after the second part is recorded)
    out = tmp_path / "eval"
    ledger = results.results_dir(out) / results.LEDGER_DIR
    _kill_when(_start(spec_file, out), lambda: len(list(ledger.glob("part-*.json"))) >= 2)
    done = len(list(ledger.glob("part-*.json")))
    assert 2 <= done < n_parts and not (out / "manifest.json").exists()
    assert run_cli(spec_file, out) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["evaluated_points"] <= 32 - 8 * done  # the recorded parts were kept
    assert_same_rows(out, ref)
    # 2. kill -9 during the final writes (the front is written, plots and report are not yet)
    out = tmp_path / "final"
    _kill_when(_start(spec_file, out), lambda: (out / "pareto.csv").exists())
    assert not (out / "manifest.json").exists()  # a folder killed while writing never looks complete
    assert run_cli(spec_file, out) == 0
    assert json.loads((out / "manifest.json").read_text())["evaluated_points"] == 0  # nothing evaluated again
    assert_same_rows(out, ref)


@pytest.mark.xdist_group("processes")  # starts and kills processes: one such test at a time
@pytest.mark.slow
def test_dask_worker_killed_mid_sweep_is_retried_with_identical_rows(reference, tmp_path, monkeypatch):
    import dask_faults

    spec_file, ref = reference
    monkeypatch.setenv("DSE_TEST_KILL_CHUNK", "3")  # the workers inherit it
    monkeypatch.setattr(sweep, "evaluate_part", dask_faults.kill_once)
    out = tmp_path / "out"
    assert run_cli(spec_file, out, "--dask-workers", "2") == 0
    assert (tmp_path / "killed-3").exists()  # a worker did die on chunk 3
    assert_same_rows(out, ref)


def _worker_environment():
    import os

    import numba
    import pyarrow

    return os.environ.get("MALLOC_TRIM_THRESHOLD_"), numba.get_num_threads(), pyarrow.cpu_count()


@pytest.mark.xdist_group("processes")  # starts and kills processes: one such test at a time
def test_dask_workers_are_one_core_each_and_share_the_chunks(reference, tmp_path):
    """The structure 2-worker scaling rests on (benchmarks/dask_scaling.py measures the speed): each
    worker evaluates its share of the chunks with one numba and one Arrow thread (numba's count is per
    thread, so it is checked in the task thread), no worker runs under Dask's MALLOC_TRIM_THRESHOLD_
    (it made every large array a fresh mmap: 11x page faults, 45-60% more CPU per chunk), and the
    client only merges the small records."""
    from dse import cluster

    spec_file, ref = reference
    out = tmp_path / "out"
    assert run_cli(spec_file, out, "--dask-workers", "2") == 0
    assert_same_rows(out, ref)
    ev = json.loads((out / "manifest.json").read_text())["evaluation"]
    workers = list(ev["workers"].values())
    assert len(workers) == 2 and all(w["parts"] >= 1 for w in workers)  # 4 parts over 2 workers
    assert sum(w["parts"] for w in workers) == 4 and sum(w["rows"] for w in workers) == 32
    assert all(w["numba_threads"] == [1] and w["arrow_threads"] == [1] for w in workers)
    assert all(0 < w["task_cpu_s"] <= w["process_cpu_s"] for w in workers)
    client, local = cluster.connect(None, 1)
    try:
        assert client.submit(cluster.on_worker, _worker_environment, pure=False).result() == (None, 1, 1)
    finally:
        client.close()
        local.close()


def _same_summary(got, want) -> None:
    assert got.rows == want.rows
    for name in ("front", "sample", "best_per_pe"):
        assert sorted(getattr(got, name)["point_id"]) == sorted(getattr(want, name)["point_id"]), name
    assert {k: int(r["point_id"]) for k, r in got.best.items()} == {k: int(r["point_id"]) for k, r in want.best.items()}
    assert set(got.density) == set(want.density) == set(summary.PLANES)
    for plane in summary.PLANES:
        np.testing.assert_array_equal(got.density[plane][0], want.density[plane][0])  # bins
        np.testing.assert_array_equal(got.density[plane][1], want.density[plane][1])  # counts, exact


def test_stored_part_summaries_merge_to_the_summary_of_every_row(reference, tmp_path, monkeypatch):
    """The outputs merge the summaries the evaluating process stored beside each part (dse.summary
    .part_tables) instead of re-reading every row: the merge must equal the summary of all rows at
    once (front and density counts exact, the sample the same bounded bottom-k of real rows)."""
    spec_file, ref = reference
    monkeypatch.setattr(summary, "SAMPLE_PER_GROUP", 3)  # 16 points per PE type: the sample must be cut
    out = tmp_path / "out"
    assert run_cli(spec_file, out) == 0
    assert len(list((results.results_dir(out) / results.SUMMARY_DIR).glob("part-*.parquet"))) == 4
    want = summary.summarize([ref])  # every row in one batch
    monkeypatch.setattr(summary, "_scan", lambda *a: pytest.fail("a part was read instead of its summary"))
    got = summary.summarize_dataset(out)
    _same_summary(got, want)
    assert got.rows == 32 and len(got.front) >= 1
    counts = got.sample.groupby("pe_type").size()
    assert len(counts) == 2 and (counts == 3).all()  # bounded, per PE type
    real = ref.set_index("point_id").loc[got.sample["point_id"]].reset_index()  # drawn only from real rows
    pd.testing.assert_frame_equal(got.sample.sort_values("point_id", ignore_index=True)[real.columns],
                                  real.sort_values("point_id", ignore_index=True), check_dtype=False)
    full_front = ref.iloc[np.flatnonzero(front_mask(ref[list(summary.FRONT_COLUMNS)].to_numpy(float)))]
    assert sorted(got.front["point_id"]) == sorted(full_front["point_id"])


def test_corrupted_part_summary_is_detected_on_resume_and_by_report(reference, tmp_path, capsys, monkeypatch):
    spec_file, ref = reference
    out = tmp_path / "out"
    assert run_cli(spec_file, out) == 0
    d = results.results_dir(out)
    for sub, index in ((results.SUMMARY_DIR, 1), (results.DENSITY_DIR, 2)):
        f = d / sub / results.part_name(index)
        data = bytearray(f.read_bytes())
        data[len(data) // 2] ^= 0xFF
        f.write_bytes(bytes(data))
    # dse report reads the two parts themselves (their summaries fail the ledger checksum): same outputs
    want = summary.summarize_dataset(out, stored=False)
    _same_summary(summary.summarize_dataset(out), want)
    capsys.readouterr()
    assert cli.main(["report", str(out)]) == 0
    # a resume re-evaluates both parts, one line each
    capsys.readouterr()
    assert run_cli(spec_file, out) == 0
    lines = [ln for ln in capsys.readouterr().err.splitlines() if "re-evaluating" in ln]
    assert len(lines) == 2 and "part-000001" in lines[0] and "part-000002" in lines[1], lines
    assert "checksum mismatch of _summary/part-000001" in lines[0]
    assert "checksum mismatch of _density/part-000002" in lines[1]
    assert json.loads((out / "manifest.json").read_text())["evaluated_points"] == 16
    assert_same_rows(out, ref)
    monkeypatch.setattr(summary, "_scan", lambda *a: pytest.fail("a part was read instead of its summary"))
    _same_summary(summary.summarize_dataset(out), want)
