"""The 10 M-point sweep (sweeps/scale_10m.yaml) end to end: wall time, points/s, peak RSS.

    python benchmarks/scale_10m.py [--spec SPEC] [--dask-workers N] [--out DIR]

Runs ``dse run SPEC`` in a child process exactly as a user would (streamed results, outputs
from bounded data), then prints the wall time, points per second over the whole run and over
the evaluation (manifest), the peak RSS of the run (``getrusage(RUSAGE_CHILDREN).ru_maxrss``: the
largest process; with Dask that is the largest of client and workers, each measured alone) and
the CPU time. On a shared machine every figure is noisy; re-measure on a quiet one.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spec", default=str(ROOT / "sweeps" / "scale_10m.yaml"))
    ap.add_argument("--dask-workers", type=int, default=0)
    ap.add_argument("--out", type=Path, help="output folder (default: a temporary folder, removed after)")
    args = ap.parse_args()
    tmp = None if args.out else Path(tempfile.mkdtemp(prefix="dse-scale-"))
    out = args.out or tmp / "out"
    cmd = [sys.executable, "-m", "dse.cli", "run", args.spec, "--out", str(out), "--no-progress"]
    if args.dask_workers:
        cmd += ["--dask-workers", str(args.dask_workers)]
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True)
    wall = time.perf_counter() - t0
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    manifest = json.loads((out / "manifest.json").read_text())
    size = sum(p.stat().st_size for p in (out / "results").rglob("*") if p.is_file())
    print(f"spec: {args.spec} ({manifest['rows']:,} points, {manifest['results_parts']} parts, "
          f"{size / 1e9:.2f} GB on disk), dask workers: {args.dask_workers or 'none'}")
    print(f"wall time: {wall:.1f} s; evaluation {manifest['points_per_second']:,.0f} points/s; "
          f"whole run {manifest['rows'] / wall:,.0f} points/s")
    print(f"peak RSS: {ru.ru_maxrss / 1024**2:.2f} GB; CPU {ru.ru_utime + ru.ru_stime:.0f} s")
    print(f"scale_wall_s={wall:.1f} scale_points_per_s={manifest['rows'] / wall:.0f} "
          f"scale_peak_rss_gb={ru.ru_maxrss / 1024**2:.2f}")
    if tmp is not None:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
