"""``dse explain OUT --point ID``: the mapping every layer of one design point of a finished run got.

Per layer: spatial unrolling (what the array's rows and columns hold), the per-PE tile and the GLB
tile with the DRAM loop order, accesses per level and operand, energy per component, cycles and
stalls. The point is re-evaluated from the run's spec (``OUT/manifest.json``); ``--csv`` prints the
same rows as ``layers.parquet`` holds for the Pareto-front points.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from dse import spec as spec_mod
from dse import network
from dse.errors import UserError


def register(sub) -> None:
    p = sub.add_parser("explain", help="print the mapping each layer of a design point got", description=__doc__)
    p.add_argument("out", type=Path, help="output folder of a finished `dse run`")
    p.add_argument("--point", type=int, required=True, metavar="ID", help="point_id (a results.parquet column)")
    p.add_argument("--csv", action="store_true", help="print the per-layer rows as CSV")
    p.set_defaults(func=run)


def load_run(out: Path) -> spec_mod.Spec:
    """The spec of the finished run in ``out``."""
    manifest = out / "manifest.json"
    if not manifest.is_file():
        raise UserError(f"{manifest}: not found; expected the output folder of a finished `dse run`")
    try:
        doc = json.loads(manifest.read_text())
        raw = doc["spec"]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise UserError(f"{manifest}: not a dse manifest (expected a JSON object with a 'spec' field)") from exc
    return spec_mod.parse(raw, str(manifest))


def run(args: argparse.Namespace) -> int:
    from dse import explain

    spec = load_run(args.out)
    if not 0 <= args.point < spec.n_points:
        raise UserError(f"--point {args.point}: expected a point_id in 0..{spec.n_points - 1} of {spec.name}")
    rows = explain.layer_mappings(spec, network.prepare_workload(spec), [args.point])
    if args.csv:
        rows.to_csv(sys.stdout, index=False)
        return 0
    print(f"{spec.name}: point {args.point}, mapping objective {spec.mapping_objective}")
    print(explain.format_point(rows))
    print(f"total: {rows['energy_pj'].sum():.4g} pJ, {rows['latency_cycles'].sum():.4g} cycles")
    return 0
