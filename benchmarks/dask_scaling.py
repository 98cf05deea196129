"""Dask scaling: the same >= 1 M-point sweep on a LocalCluster of 1 and of 2 workers, side by side.

    python benchmarks/dask_scaling.py [--spec SPEC] [--workers 1,2] [--local] [--rounds 2]
    # default sweeps/large_space.yaml (1,166,400 points); --local adds the no-Dask run as a column;
    # --spec sweeps/scale_10m.yaml for the 11.66 M-point sweep

Rounds run the worker counts in alternating order (1, 2 | 2, 1 | ...), so neither count always goes
first and pays a cold page cache or a first client start-up; each round prints its own table and
ratios, and the last line gives every round's ratios (the median over rounds where there are 3+).

Each run is ``dse run SPEC --dask-workers N`` in a child process (workers evaluate and write their
own parts with one numba and one Arrow thread each). From the run's ``manifest.json``
(``evaluation``: see ``dse.sweep.evaluation_figures``) it prints, per worker count: the wall time of
the whole run and of its phases (workers started and warm; evaluation, first chunk submitted to
last part back; outputs, whose figures and per-layer re-evaluation run on the workers with Dask;
the rest: the client's start-up and planning, the cluster's shutdown), points/s of the evaluation phase, CPU seconds of each worker process
(its chunks, and the whole process with its start-up) and of the client (in total, and outside the
evaluation phase: its serial part), the fraction of the
evaluation phase each worker was busy evaluating (and writing), the numba / Arrow threads the
chunks ran with, and the ratios of the second worker count over the first.

Wall-clock ratios need a quiet machine. On a shared one the CPU figures carry the structure: if
each of N workers is busy ~100% of the evaluation phase with 1/N of the chunk CPU, N workers are
N times faster once each has a core; ``cpu-bound ratio`` is that (chunk CPU of the first run over
the busiest worker's chunk CPU of the other). The load average is printed before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_once(spec: str, workers: int, out: Path) -> dict:
    t0 = time.perf_counter()
    extra = ["--dask-workers", str(workers)] if workers else []
    subprocess.run([sys.executable, "-m", "dse.cli", "run", spec, "--out", str(out), "--no-progress", *extra],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    end = time.time()
    manifest = json.loads((out / "manifest.json").read_text())
    # written last by the run: from then on the child closes its cluster and exits
    close_s = end - (out / "manifest.json").stat().st_mtime
    return {"wall_s": time.perf_counter() - t0, "close_s": close_s, **manifest}


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def figures_of(m: dict) -> dict:
    ev = m["evaluation"]
    ws = list(ev["workers"].values())
    return {
        "wall_s": m["wall_s"], "start_s": ev["start_s"], "evaluate_s": ev["evaluate_s"], "outputs_s": m["outputs_s"],
        "points_per_s": m["evaluated_points"] / ev["evaluate_s"], "rows": m["rows"],
        "workers": ws, "client_cpu_s": m["process_cpu_s"],
        # the client's CPU outside the evaluation phase: its start-up, planning, the cluster's start, the outputs
        "client_serial_cpu_s": m["process_cpu_s"] - ev["this_process_cpu_s"],
        "close_s": m["close_s"],
        # in dse.sweep.run before the evaluation: workload, preflight, folder claim, ledger check
        "planning_s": m["wall_time_s"] - ev["start_s"] - ev["evaluate_s"] - ev["stop_s"],
        # the interpreter's start, imports and spec, before dse.sweep.run
        "startup_s": m["wall_s"] - m["wall_time_s"] - m["outputs_s"] - m["close_s"],
        "chunk_cpu_s": sum(w["task_cpu_s"] for w in ws), "busiest_chunk_cpu_s": max(w["task_cpu_s"] for w in ws),
    }


def table(fig: dict, counts: list[int]) -> None:
    name = lambda n: f"{n} worker(s)" if n else "local (no Dask)"
    rows = [("points", lambda f: f"{f['rows']:,}"),
            ("wall time of the run, s", lambda f: f"{f['wall_s']:.1f}"),
            ("  workers start + warm, s", lambda f: f"{f['start_s']:.1f}"),
            ("  evaluation phase, s", lambda f: f"{f['evaluate_s']:.1f}"),
            ("  outputs (Dask: figures on the workers), s", lambda f: f"{f['outputs_s']:.1f}"),
            ("  client start-up (interpreter, imports, spec), s", lambda f: f"{f['startup_s']:.1f}"),
            ("  planning (workload, checks, ledger), s", lambda f: f"{f['planning_s']:.1f}"),
            ("  cluster shutdown and exit, s", lambda f: f"{f['close_s']:.1f}"),
            ("  serial: all but the evaluation phase, s", lambda f: f"{f['wall_s'] - f['evaluate_s']:.1f}"),
            ("evaluation points/s", lambda f: f"{f['points_per_s']:,.0f}"),
            ("CPU s of the client process", lambda f: f"{f['client_cpu_s']:.1f}"),
            ("  of which outside evaluation (serial)", lambda f: f"{f['client_serial_cpu_s']:.1f}")]
    for k in range(max(len(f["workers"]) for f in fig.values())):
        def cell(_, fmt, k=k):
            return lambda f: fmt(f["workers"][k], f) if k < len(f["workers"]) else "-"
        rows += [(f"worker {k + 1}: chunks / points", cell("", lambda w, f: f"{w['parts']} / {w['rows']:,}")),
                 (f"worker {k + 1}: CPU s of its chunks", cell("", lambda w, f: f"{w['task_cpu_s']:.1f}")),
                 (f"worker {k + 1}:   of which kernel (sys), s", cell("", lambda w, f: f"{w['task_sys_s']:.1f}")),
                 (f"worker {k + 1}:   page faults", cell("", lambda w, f: f"{w['task_page_faults']:,}")),
                 (f"worker {k + 1}: s summarising its chunks", cell("", lambda w, f: f"{w['summary_s']:.1f}")),
                 (f"worker {k + 1}: CPU s of the process", cell("", lambda w, f: f"{w['process_cpu_s']:.1f}")),
                 (f"worker {k + 1}: busy evaluating (+ summary, writing)",
                  cell("", lambda w, f: f"{w['eval_s'] / f['evaluate_s']:.0%} ({w['busy_fraction']:.0%})")),
                 (f"worker {k + 1}: numba / Arrow threads",
                  cell("", lambda w, f: f"{w['numba_threads']} / {w['arrow_threads']}"))]
    width = max(len(r[0]) for r in rows) + 2
    print("".ljust(width) + "".join(name(n).rjust(18) for n in counts))
    for label, cell in rows:
        print(label.ljust(width) + "".join(cell(fig[n]).rjust(18) for n in counts))


def ratios(fig: dict, first: int, n: int) -> dict:
    base, f = fig[first], fig[n]
    return {"evaluation": base["evaluate_s"] / f["evaluate_s"], "whole run": base["wall_s"] / f["wall_s"],
            "cpu-bound": base["chunk_cpu_s"] / f["busiest_chunk_cpu_s"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spec", default=str(ROOT / "sweeps" / "large_space.yaml"))
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--local", action="store_true", help="also run without Dask (worker count 0)")
    ap.add_argument("--rounds", type=int, default=2,
                    help="rounds, each running the counts in alternating order")
    args = ap.parse_args()
    counts = [int(w) for w in args.workers.split(",")] + ([0] if args.local else [])
    name = lambda n: f"{n} worker(s)" if n else "local (no Dask)"
    tmp = Path(tempfile.mkdtemp(prefix="dse-dask-"))
    print(f"spec {args.spec}; {args.rounds} round(s), worker counts in alternating order; "
          f"load average before: {_load()}", flush=True)
    got = []
    try:
        for r in range(args.rounds):
            order = counts if r % 2 == 0 else counts[::-1]
            fig = {}
            for n in order:
                fig[n] = figures_of(run_once(args.spec, n, tmp / f"w{n}"))
                shutil.rmtree(tmp / f"w{n}", ignore_errors=True)
                print(f"  round {r + 1}: {name(n)} done, load average {_load()}", flush=True)
            print(f"round {r + 1} (order {', '.join(name(n) for n in order)}):")
            table(fig, counts)
            for n in counts[1:]:
                q = ratios(fig, counts[0], n)
                print(f"round {r + 1}: {name(n)} vs {name(counts[0])}: evaluation phase "
                      f"{q['evaluation']:.2f}x, whole run {q['whole run']:.2f}x, cpu-bound ratio "
                      f"{q['cpu-bound']:.2f}x (chunk CPU {fig[counts[0]]['chunk_cpu_s']:.1f} s vs busiest "
                      f"worker {fig[n]['busiest_chunk_cpu_s']:.1f} s)")
            print(f"dask_eval_points_per_s round {r + 1} "
                  + " ".join(f"w{n}={fig[n]['points_per_s']:.0f}" for n in counts), flush=True)
            got.append(fig)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for n in counts[1:]:
        qs = [ratios(fig, counts[0], n) for fig in got]
        for key in ("evaluation", "whole run", "cpu-bound"):
            vals = [q[key] for q in qs]
            med = f"; median {statistics.median(vals):.2f}x" if len(vals) >= 3 else ""
            print(f"{name(n)} vs {name(counts[0])}, {key}: " + ", ".join(f"{v:.2f}x" for v in vals) + med)
    print(f"load average after: {_load()} (2 cores; wall-clock figures are only comparable on a quiet machine)")


if __name__ == "__main__":
    main()
