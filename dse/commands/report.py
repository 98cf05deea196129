"""``dse report OUT``: rebuild the figures and report.html of a finished sweep from its results alone.

Reads ``OUT/manifest.json`` and the results (``OUT/results/`` or ``OUT/results.parquet``) in
bounded batches; the per-layer tables of the reported designs are re-evaluated from the spec the
manifest records (a few designs, cheap), after checking the workload is the one the run used.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from dse.errors import UserError


def register(sub) -> None:
    p = sub.add_parser("report", help="rebuild the plots and report.html of a finished sweep", description=__doc__)
    p.add_argument("out", type=Path, metavar="OUT", help="output folder of a finished 'dse run'")
    p.set_defaults(func=run)


def _manifest(out: Path) -> dict:
    path = out / "manifest.json"
    if not path.is_file():
        raise UserError(f"{path}: not found; expected the folder of a finished 'dse run' (the manifest is "
                        "written last)")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: not valid JSON ({exc})") from None
    for key in ("spec", "rows", "workload"):
        if not isinstance(manifest, dict) or key not in manifest:
            raise UserError(f"{path}: field {key!r} missing; expected a manifest written by 'dse run'")
    return manifest


def run(args: argparse.Namespace) -> int:
    from dse import report, summary, sweep
    from dse import spec as spec_mod

    out = args.out
    manifest = _manifest(out)
    s = summary.summarize_dataset(out)
    if s.rows != manifest["rows"]:
        raise UserError(f"{out}: the results hold {s.rows} rows but manifest.json records {manifest['rows']}; "
                        "expected the results of that run")
    spec = spec_mod.parse(manifest["spec"], str(manifest.get("spec_path", "<spec>")))
    wl = sweep.prepare_workload(spec)
    recorded = manifest["workload"].get("layer_table_sha256")
    if recorded and sweep.workload_digest(wl) != recorded:
        raise UserError(f"{out}/manifest.json: workload.layer_table_sha256: the workload {spec.workload.source!r} "
                        "no longer matches the one this run evaluated; expected the same network and precision")
    layers = report.layer_costs(spec, wl, report.layer_points(s))
    names = report.write_outputs(out, s, manifest, layers)
    print(f"{out}/: {len(names)} files from {s.rows:,} results ({len(s.front)} on the energy-latency-area "
          f"front): {', '.join(names)}", file=sys.stderr)
    return 0
