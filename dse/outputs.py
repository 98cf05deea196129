"""Write a finished sweep's outputs; ``manifest.json`` goes last and marks the folder complete."""

from __future__ import annotations

import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd

from dse import __version__, precision_export, report, summary
from dse.io import write_csv, write_json, write_parquet
from dse.pareto import front_mask
from dse.spec import Spec
from dse.sweep import SweepResult, input_checksums, points_per_second, workload_digest

FRONT_OBJECTIVES = ("energy_pj", "latency_s")


def write_all(spec: Spec, result: SweepResult, out_dir: Path) -> dict:
    out_dir = Path(out_dir)
    checks = None
    if spec.validation is not None:  # before any output, so a bad validation section writes nothing
        from dse import validation

        layers_v = validation.per_layer(spec, result.workload)
        checks = (layers_v, validation.compare(spec, result.workload, layers_v))
    df = result.results.copy()
    df["pareto_energy_latency"] = front_mask(df[list(FRONT_OBJECTIVES)].to_numpy())
    df["pareto_energy_latency_area"] = front_mask(df[["energy_pj", "latency_s", "area_mm2"]].to_numpy())
    front = df[df["pareto_energy_latency"]].sort_values("latency_s")

    write_parquet(out_dir / "results.parquet", df)
    write_csv(out_dir / "pareto.csv", front)
    bounded = summary.summarize([df])  # what plots and report read (the same as `dse report` builds from disk)

    best = precision_export.best_points(df)
    layers = report.layer_costs(spec, result.workload, sorted(set(report.layer_points(bounded)) | set(best.values())))
    write_json(out_dir / "precision.json", precision_export.export(spec, result.workload, df, layers, best))

    manifest = {
        "dse_version": __version__,
        "spec_name": spec.name,
        "spec_path": spec.path,
        "spec": spec.raw,
        "workload": {"source": spec.workload.source, "network": result.workload.graph.name,
                     "layers": len(result.workload.graph), "macs": result.workload.graph.total_macs,
                     "layer_table_sha256": workload_digest(result.workload)},
        "input_checksums": input_checksums(spec),
        "rows": len(df),
        "pareto_rows": len(front),
        "wall_time_s": result.wall_s,
        "evaluated_points": result.evaluated_points,
        "points_per_second": points_per_second(result),
        "finished_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "outputs": ["results.parquet", "pareto.csv", *report.output_names(), "precision.json"],
    }
    if spec.validation is not None:
        # published figures next to ours (validation.csv) and our per-layer detail (validation_layers.csv)
        write_csv(out_dir / "validation_layers.csv", checks[0])
        write_csv(out_dir / "validation.csv", checks[1])
        manifest["outputs"] += ["validation.csv", "validation_layers.csv"]
        manifest["validation_source"] = spec.validation.source
    report.write_outputs(out_dir, bounded, manifest, layers)
    write_json(out_dir / "manifest.json", manifest)
    return manifest
