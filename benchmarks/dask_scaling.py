"""Dask scaling: the same >= 1 M-point sweep on a LocalCluster of 1 and of 2 workers, side by side.

    python benchmarks/dask_scaling.py [--spec SPEC] [--workers 1,2]   # default sweeps/large_space.yaml

Each run is ``dse run SPEC --dask-workers N`` in a child process (workers evaluate and write their
own parts, one numba thread each); prints per run the wall time of the whole run, the evaluation
rate (manifest: points / time from cluster start to the last part) and the speed-up of each
worker count over the first. On a shared machine the figures are noisy; re-measure on a quiet one.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_once(spec: str, workers: int, out: Path) -> tuple[float, float, int]:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "dse.cli", "run", spec, "--out", str(out), "--no-progress",
                    "--dask-workers", str(workers)], cwd=ROOT, check=True)
    wall = time.perf_counter() - t0
    manifest = json.loads((out / "manifest.json").read_text())
    return wall, manifest["points_per_second"], manifest["rows"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spec", default=str(ROOT / "sweeps" / "large_space.yaml"))
    ap.add_argument("--workers", default="1,2")
    args = ap.parse_args()
    counts = [int(w) for w in args.workers.split(",")]
    tmp = Path(tempfile.mkdtemp(prefix="dse-dask-"))
    try:
        figures = {}
        for n in counts:
            figures[n] = run_once(args.spec, n, tmp / f"w{n}")
            wall, pps, rows = figures[n]
            print(f"{n} worker(s): {rows:,} points, wall {wall:.1f} s, evaluation {pps:,.0f} points/s", flush=True)
        base = figures[counts[0]]
        for n in counts[1:]:
            print(f"speed-up {n} vs {counts[0]} worker(s): evaluation {figures[n][1] / base[1]:.2f}x, "
                  f"whole run {base[0] / figures[n][0]:.2f}x")
        print("dask_eval_points_per_s " + " ".join(f"w{n}={figures[n][1]:.0f}" for n in counts))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
