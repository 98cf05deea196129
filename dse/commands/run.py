"""``dse run [SPEC]``: run a sweep (the built-in quickstart when no spec is given)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("run", help="run a design-space sweep", description=__doc__)
    p.add_argument("spec", nargs="?", help="sweep spec YAML (default: the built-in quickstart)")
    p.add_argument("--out", type=Path, help="output folder (default: ./dse-out/<spec name>)")
    p.add_argument("--force", action="store_true",
                   help="replace a complete run of another spec in --out (its files are removed first)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--dask-scheduler", metavar="ADDRESS",
                   help="run chunks on this Dask scheduler (tcp://host:port)")
    p.add_argument("--dask-workers", type=int, default=0, metavar="N",
                   help="run chunks on a local Dask cluster of N worker processes")
    p.set_defaults(func=run, exit_at_once=True)  # dse.cli: no interpreter teardown after a finished run


def run(args: argparse.Namespace) -> int:
    from dse import api
    from dse import spec as spec_mod

    spec = spec_mod.load(args.spec)
    out_dir = args.out or Path("dse-out") / spec.name
    result = api.run(spec, out_dir, progress=not args.no_progress, dask_address=args.dask_scheduler,
                     dask_workers=args.dask_workers, force=args.force)
    manifest = result.manifest
    print(f"{spec.name}: {manifest['rows']:,} design points of {manifest['workload']['network']} in "
          f"{manifest['wall_time_s']:.1f} s ({manifest['points_per_second']:.0f} points/s evaluated); "
          f"Pareto front ({', '.join(spec.pareto_objectives)}) {manifest['pareto_rows']} points", file=sys.stderr)
    best = manifest["best"]["edp"]
    print(f"best EDP: {best['pe_type']} {best['pe_rows']}x{best['pe_cols']} PEs, GLB {best['glb_kib']:g} KiB "
          f"{best['glb_tech']}: {best['energy_pj'] / 1e9:.3f} mJ, {best['latency_s'] * 1e3:.3f} ms, "
          f"{best['area_mm2']:.3f} mm2", file=sys.stderr)
    if spec.validation is not None:
        import pandas as pd

        from dse import validation

        lines = validation.summary_lines(pd.read_csv(out_dir / "validation.csv"), spec.validation.tolerance)
        print(f"validation against {spec.validation.source}:", *lines, sep="\n", file=sys.stderr)
        if spec.validation.shares:
            lines = validation.share_lines(pd.read_csv(out_dir / "validation_shares.csv"))
            print(f"shares of on-chip power against {spec.validation.shares_source}:", *lines, sep="\n",
                  file=sys.stderr)
    if "decode_design" in manifest:  # decoder workloads: tokens/s and pJ/token of one design (decode.csv)
        import pandas as pd

        fixed = ", ".join(f"{k}={v}" for k, v in manifest["decode_design"].items())
        print(f"decode.csv, one design ({fixed}):", file=sys.stderr)
        print(pd.read_csv(out_dir / "decode.csv")[["kv_len", "glb_tech", "glb_kib", "kv_bits", "kv_resident",
                                                   "tokens_per_s", "energy_pj_per_token"]].to_string(index=False),
              file=sys.stderr)
    print(f"outputs in {out_dir}/", file=sys.stderr)
    return 0
