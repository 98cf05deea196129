"""The output folder of a run: who may write into it, and its outputs from bounded data on disk.

``claim`` decides what an existing folder's earlier run means for this one (same inputs: keep
its parts; a complete run of another spec: refused unless ``force``, which removes that run's
files; an unfinished run of other inputs: discarded) and records this run in ``run.json``.
``write_all`` writes the outputs from the results on disk, read batch by batch into the bounded
``dse.summary`` (front, sample, density, best rows), so its memory does not grow with the sweep;
``manifest.json`` goes last and marks the folder complete.
"""

from __future__ import annotations

import platform
import shutil
import sys
import time
from pathlib import Path

import yaml

from dse import __version__, results
from dse.errors import UserError
from dse.io import check_folder_path, make_folder, write_csv, write_json, write_parquet, write_text

MANIFEST = "manifest.json"
# Every file or folder a run of any dse version may have written (``--force`` removes these and
# whatever the earlier manifest lists; nothing else in the folder is touched).
RUN_FILES = (results.RESULTS_DIR, results.RUN_FILE, MANIFEST, "pareto.csv", "pareto.png", "perf_per_area.png",
             "report.html", "precision.json", "validation.csv", "validation_layers.csv", "validation_shares.csv", "decode.csv", "results.parquet",
             ".checkpoint")
FRONT_FILE = "pareto.csv"
check_out_path = check_folder_path  # --out must be a folder or a path that can become one


def _earlier_outputs(out_dir: Path) -> set[str]:
    import json

    try:
        listed = json.loads((out_dir / MANIFEST).read_text()).get("outputs", [])
    except (OSError, ValueError, AttributeError):
        listed = []
    names = {str(n).rstrip("/") for n in listed if isinstance(n, str)}
    return {n for n in names if n and "/" not in n and "\\" not in n and n not in {".", ".."}}


def remove_run_files(out_dir: Path) -> list[str]:
    """Remove an earlier run's files (``RUN_FILES`` and its manifest's outputs); returns their names."""
    from dse.report import output_names

    removed = []
    for name in sorted(set(RUN_FILES) | set(output_names()) | _earlier_outputs(out_dir)):
        p = out_dir / name
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p)
        elif p.exists() or p.is_symlink():
            p.unlink()
        else:
            continue
        removed.append(name)
    return removed


def claim(out_dir: Path, spec, fp: str, force: bool, objectives: tuple[str, ...]) -> None:
    """Make ``out_dir`` this run's (the caller holds its lock); refuse to mix two runs."""
    out_dir = make_folder(out_dir)
    info = results.run_info(out_dir)
    complete = (out_dir / MANIFEST).is_file()
    same = info.get("fingerprint") == fp
    if complete and not same and not force:
        what = (f"spec {info.get('spec_path', '?')} (sha256 {str(info.get('spec_sha256', '?'))[:12]})"
                if info else "an earlier dse version")
        raise UserError(f"{out_dir}: holds a complete run of {what}, not of {spec.path}; choose another "
                        "--out, or pass --force to remove that run's files and write this one")
    if force or not same:
        removed = remove_run_files(out_dir)
        if removed and (force or complete):
            print(f"dse: {out_dir}: removed the earlier run's {', '.join(removed)}", file=sys.stderr)
    else:
        (out_dir / MANIFEST).unlink(missing_ok=True)  # incomplete until this run finishes
    write_json(out_dir / results.RUN_FILE, {
        "spec_path": spec.path, "spec_sha256": spec.sha256, "spec_name": spec.name, "fingerprint": fp,
        "points": _points(spec), "objectives": list(objectives), "dse_version": __version__})


def _points(spec) -> int:
    search = getattr(spec, "search", None)
    return min(spec.n_points, search.budget) if search is not None else spec.n_points


class _Done:
    """A job run where it was submitted (no Dask): its result, already there."""

    def __init__(self, value) -> None:
        self.value = value

    def result(self):
        return self.value


def _here(fn, *args, draws: bool = False) -> _Done:
    return _Done(fn(*args))


def write_layer_mappings(spec, wl, point_ids, path: Path) -> Path:
    """``explain.LAYERS_FILE``: the chosen mapping of every layer of every front design (issue 13)."""
    from dse import explain

    return write_parquet(path, explain.layer_mappings(spec, wl, point_ids))


def write_all(spec, result, out_dir: Path, submit=None) -> dict:
    """Every output of a finished run, from the results on disk: the parts' stored summaries merged
    into the bounded ``dse.summary`` (the same that ``dse report`` rebuilds from); the manifest last.

    ``submit(fn, *args, draws=...)`` (a Dask run: ``dse.cluster.submitter``) runs the jobs that draw
    the figures and re-evaluate the few reported designs layer by layer on the workers, which write
    their files into ``out_dir``, while this process writes the rest; without it they run here, in
    turn. ``result.summary``, when the run merged its parts' summaries as they came
    (``dse.summary.merge_stored``), is used as it is: it is the same as the merge from disk."""
    import numpy as np
    import pandas as pd

    from dse import decode_summary, explain, precision_export, report, summary
    from dse.sweep import input_checksums, points_per_second, workload_digest

    out_dir = Path(out_dir)
    jobs_dir = out_dir.resolve()  # where the jobs write, as a worker elsewhere sees the shared folder
    submit = submit or _here
    t_outputs = time.perf_counter()
    checks = None
    if spec.validation is not None:  # before any output, so a bad validation section writes nothing
        from dse import validation

        layers_v = validation.per_layer(spec, result.workload)
        checks = (layers_v, validation.compare(spec, result.workload, layers_v), validation.shares(spec, layers_v))
    bounded = result.summary  # front, sample, density, best rows: bounded
    if bounded is None or bounded.rows != result.rows:
        bounded = summary.summarize_dataset(out_dir)
    front = result.front if result.front is not None else results.front(out_dir, result.objectives)
    best = {label: int(row["point_id"]) for label, row in bounded.best.items()}
    shown = sorted(set(report.layer_points(bounded)) | set(best.values()))
    title = {"spec_name": spec.name, "workload": {"network": result.workload.graph.name}}
    # the longest jobs first (on Dask they spread over the workers in this order)
    figures = {name: submit(fn, *args, draws=True)
               for name, (fn, args) in report.figure_jobs(jobs_dir, bounded, title).items()}
    layers_job = submit(report.layer_costs, spec, result.workload, shown)
    mappings_job = submit(write_layer_mappings, spec, result.workload, front["point_id"].to_numpy(),
                          jobs_dir / explain.LAYERS_FILE)
    write_csv(out_dir / FRONT_FILE, front)

    best_table = pd.DataFrame(list(bounded.best.values())).drop_duplicates("point_id")
    layers = layers_job.result()
    precision_doc = precision_export.export(spec, result.workload, best_table, layers, best)
    write_json(out_dir / "precision.json", precision_doc)
    quantizer_files = precision_export.quantizer_files(spec, precision_doc)  # per design: YAML map, ORT overrides
    for name, obj in quantizer_files.items():
        if name.endswith(".json"):
            write_json(out_dir / name, obj)
        else:
            write_text(out_dir / name, yaml.safe_dump(obj, sort_keys=False))

    manifest = {
        "dse_version": __version__,
        "spec_name": spec.name,
        "spec_path": spec.path,
        "spec": spec.raw,
        "workload": {"source": spec.workload.source, "network": result.workload.graph.name,
                     "layers": len(result.workload.graph), "macs": result.workload.graph.total_macs,
                     "layer_table_sha256": workload_digest(result.workload)},
        "input_checksums": input_checksums(spec),
        "rows": bounded.rows,
        "results_parts": len(results.part_paths(out_dir)),
        "pareto_objectives": list(result.objectives),
        "pareto_rows": len(front),
        "wall_time_s": result.wall_s,
        "evaluated_points": result.evaluated_points,
        "points_per_second": points_per_second(result),
        "repaired_parts": list(result.repaired),
        "evaluation": result.evaluation,
        "best": _best_summary(best_table, best),
        "finished_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "outputs": [f"{results.RESULTS_DIR}/", FRONT_FILE, explain.LAYERS_FILE, *report.output_names(),
                    "precision.json", *quantizer_files],
    }
    if spec.validation is not None:
        # published figures next to ours (validation.csv) and our per-layer detail (validation_layers.csv)
        write_csv(out_dir / "validation_layers.csv", checks[0])
        write_csv(out_dir / "validation.csv", checks[1])
        manifest["outputs"] += ["validation.csv", "validation_layers.csv"]
        if spec.validation.shares:  # our share of on-chip power per part next to the published bands
            write_csv(out_dir / "validation_shares.csv", checks[2])
            manifest["outputs"].append("validation_shares.csv")
        manifest["validation_source"] = spec.validation.source
    decode = decode_summary.table(results.scan(out_dir), bounded.best.get("edp"))
    if decode is not None:  # decoder workloads: tokens/s and energy per token vs GLB technology and KV width
        write_csv(out_dir / "decode.csv", decode)
        manifest["outputs"].append("decode.csv")
        manifest["decode_design"] = decode_summary.reference_design(bounded.best["edp"])
    report.write_html(out_dir, bounded, manifest, layers, figures)  # rendered while the figures draw
    mappings_job.result()
    manifest["outputs_s"] = time.perf_counter() - t_outputs
    manifest["process_cpu_s"] = time.process_time()  # this process (with Dask: the client), every thread
    write_json(out_dir / MANIFEST, manifest)
    return manifest


BEST_FIELDS = ("pe_type", "pe_rows", "pe_cols", "glb_kib", "glb_tech", "dataflow", "energy_pj", "latency_s",
               "area_mm2", "edp_pj_s", "perf_per_area_gops_per_mm2")


def _best_summary(table, best: dict[str, int]) -> dict:
    """The best design per objective, a few fields each (the manifest's ``best``)."""
    by_id = table.set_index("point_id")
    plain = lambda v: v.item() if hasattr(v, "item") else v
    return {label: {"point_id": pid, **{k: plain(by_id.loc[pid, k]) for k in BEST_FIELDS}}
            for label, pid in best.items()}
