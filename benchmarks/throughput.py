"""Throughput of the cost model with mapping optimisation on ResNet-18 (printed, not a timed test).

    python benchmarks/throughput.py [--points N] [--chunk N] [--space shared|quidam|both]
    python benchmarks/throughput.py --space quidam --tree /path/to/other/checkout [--rounds 2]

``shared`` (default): the first N points of a ~1.5M-point ResNet-18 space (all three dataflows,
NoC multicast on/off, 6 PE types, ...) where ~216 design points share each geometry (the count
tables are built once per geometry). ``quidam``: the first N points of sweeps/quidam_pe_types.yaml
(201,600 points, ~12 per geometry: geometry-diverse, so building the count tables dominates).
Each is evaluated in chunks, exactly as `dse run` does (hardware costs, count tables per geometry,
pruned mapping search, results table), after one warm-up chunk that compiles the numba kernels
(or loads them from the cache), timed apart as the cold case (``cold_cpu_seconds``; with ``--space both`` only
the first space, quidam, is cold). Prints points/s, (point x layer) evaluations/s and, last,
``resnet18_points_per_minute=<number>`` (the shared space's figure whenever it ran). Each figure comes
with the process CPU seconds of the timed part (all threads) and the machine's load average, since a
shared machine makes wall-clock figures noisy.

``--tree PATH`` measures side by side: this script runs in a fresh process on PATH's ``dse`` package
and on this checkout's, alternating for ``--rounds`` rounds, and prints both (e.g. PATH a checkout
of main before a change: ``git archive <commit> | tar -x -C /tmp/before``).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numba
import yaml

from dse import design, sweep
from dse import spec as spec_mod
from dse.network import evaluate

SPACE = {
    "version": 1, "name": "throughput", "workload": {"network": "resnet18"},
    "precision": {"layers": {"conv1": {"w": 8, "a": 8}, "fc": {"w": 8, "a": 8}}},
    "space": {
        "pe_type": ["INT2", "INT4", "INT8", "INT16", "LightPE-1", "LightPE-2"],
        "pe_rows": [8, 12, 16, 32], "pe_cols": [8, 14, 16, 32],
        "spad_ifmap_words": [12, 24], "spad_filter_words": [112, 224], "spad_psum_words": [16, 24],
        "glb_kib": [64, 128, 256], "glb_tech": ["SRAM", "STT-MRAM", "SOT-MRAM"], "glb_banks": [1, 4],
        "dram_type": ["LPDDR4", "HBM2"], "dram_bw_gbps": [12.8, 25.6, 51.2], "clock_mhz": [200, 500, 1000],
        "dataflow": ["row_stationary", "weight_stationary", "output_stationary"],
        "noc_multicast": ["on", "off"],
    },
    "mapping": {"objective": "edp"},
}
QUIDAM_SPEC = Path(__file__).resolve().parents[1] / "sweeps" / "quidam_pe_types.yaml"


def measure(spec: spec_mod.Spec, points: int, chunk: int, cold: bool = True) -> float:
    """Points per second over the first ``points`` points of ``spec``; prints the figures. ``cold``: the
    process has evaluated nothing yet (its first chunk is then the cold case)."""
    wl = sweep.prepare_workload(spec)
    n = min(points, spec.n_points)
    n_layers = len(wl.graph)
    # the cold case: the first chunk of this fresh process (numba kernels loaded from the cache, or compiled, and
    # every first call), timed apart; it also warms the process for the timed chunks below
    first = min(5_000, n)
    t0, c0 = time.perf_counter(), time.process_time()
    evaluate(design.batch(spec, 0, first), wl, spec.mapping_objective)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    if cold:
        print(f"[{spec.name}] cold: the process's first {first:,} points in {wall:.2f} s, {cpu:.2f} CPU s "
              "(numba cache load or compile, first calls)")
        print(f"[{spec.name}] cold_cpu_seconds={cpu:.2f}")
    else:
        print(f"[{spec.name}] first {first:,} points in {wall:.2f} s, {cpu:.2f} CPU s (not cold: the kernels were "
              "loaded by the space before)")
    t0, c0 = time.perf_counter(), time.process_time()
    for start in range(0, n, chunk):
        table = evaluate(design.batch(spec, start, min(n, start + chunk)), wl, spec.mapping_objective)
        assert len(table) == min(n, start + chunk) - start
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    pps = n / wall
    print(f"[{spec.name}] space: {spec.n_points:,} {wl.graph.name} points ({n_layers} layers, "
          f"{len(wl.graph.compute_layers())} compute)")
    print(f"[{spec.name}] evaluated {n:,} design points in {wall:.2f} s, {cpu:.2f} CPU s "
          f"(load average {os.getloadavg()[0]:.2f})")
    print(f"[{spec.name}] cpu_seconds={cpu:.2f}")
    print(f"[{spec.name}] design points per second: {pps:,.0f}")
    print(f"[{spec.name}] (design point x layer) evaluations per second: {pps * n_layers:,.0f}")
    return pps


def side_by_side(args: argparse.Namespace) -> None:
    """This script on ``args.tree``'s dse and on this checkout's, alternating, in fresh processes."""
    here = Path(__file__).resolve().parents[1]
    trees = {"other": Path(args.tree).resolve(), "this": here}
    argv = [sys.executable, str(Path(__file__).resolve()), "--points", str(args.points), "--chunk", str(args.chunk),
            "--space", args.space]
    figures: dict[str, list[tuple[str, str, str, str]]] = {k: [] for k in trees}
    for r in range(args.rounds):
        for name, tree in trees.items():
            env = {**os.environ, "PYTHONPATH": str(tree)}
            out = subprocess.run(argv, cwd=tree, env=env, capture_output=True, text=True, check=True).stdout
            get = lambda key: re.findall(rf"\b{key}=([0-9.]+)", out)
            figures[name].append((",".join(get("quidam_points_per_second") + get("resnet18_points_per_minute")),
                                  ",".join(get("cpu_seconds")), ",".join(get("cold_cpu_seconds")),
                                  f"{os.getloadavg()[0]:.2f}"))
            pts, cpu, cold, load = figures[name][-1]
            print(f"round {r + 1} {name} ({tree}): points/s (quidam) or points/min (shared) {pts}, "
                  f"CPU s {cpu} (warm chunks), cold first chunk CPU s {cold}, load {load}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--chunk", type=int, default=250_000)
    ap.add_argument("--space", choices=("shared", "quidam", "both"), default="shared")
    ap.add_argument("--tree", help="another checkout to measure side by side with this one")
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    if args.tree:
        side_by_side(args)
        return
    print(f"cores: {os.cpu_count()} (numba threads {numba.get_num_threads()})")
    if args.space in ("quidam", "both"):
        quidam = spec_mod.parse(yaml.safe_load(QUIDAM_SPEC.read_text()), str(QUIDAM_SPEC))
        # dse run's own chunk size, so the figure is what `dse run` gets
        pps = measure(quidam, args.points, quidam.chunk_points)
        print(f"quidam_points_per_second={pps:.0f}")
    if args.space in ("shared", "both"):
        spec = spec_mod.parse(yaml.safe_load(yaml.safe_dump(SPACE)), "throughput.yaml")
        pps = measure(spec, args.points, args.chunk, cold=args.space == "shared")
        print(f"resnet18_points_per_minute={pps * 60:.0f}")


if __name__ == "__main__":
    main()
