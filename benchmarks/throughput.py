"""Throughput of the cost model with mapping optimisation on ResNet-18 (printed, not a timed test).

    python benchmarks/throughput.py [--points N] [--chunk N]

Evaluates the first N points of a ~1.5M-point ResNet-18 space (all three dataflows, NoC
multicast on/off, 6 PE types, ...) in chunks, exactly as `dse run` does (hardware costs, count
tables per geometry, pruned mapping search, results table), after one warm-up chunk that
compiles the numba kernels. Prints points/s, (point x layer) evaluations/s and, last,
``resnet18_points_per_minute=<number>``.
"""

from __future__ import annotations

import argparse
import os
import time

import numba
import yaml

from dse import design, sweep
from dse import spec as spec_mod
from dse.evaluate import evaluate

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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--chunk", type=int, default=250_000)
    args = ap.parse_args()
    spec = spec_mod.parse(yaml.safe_load(yaml.safe_dump(SPACE)), "throughput.yaml")
    wl = sweep.prepare_workload(spec)
    n = min(args.points, spec.n_points)
    n_layers = len(wl.graph)
    evaluate(design.batch(spec, 0, 5_000), wl, "edp")  # warm-up: numba compilation / cache load
    t0 = time.perf_counter()
    for start in range(0, n, args.chunk):
        table = evaluate(design.batch(spec, start, min(n, start + args.chunk)), wl, "edp")
        assert len(table) == min(n, start + args.chunk) - start
    wall = time.perf_counter() - t0
    pps = n / wall
    print(f"space: {spec.n_points:,} ResNet-18 points ({n_layers} layers, {len(wl.graph.compute_layers())} compute)")
    print(f"cores: {os.cpu_count()} (numba threads {numba.get_num_threads()})")
    print(f"evaluated {n:,} design points in {wall:.2f} s")
    print(f"design points per second: {pps:,.0f}")
    print(f"(design point x layer) evaluations per second: {pps * n_layers:,.0f}")
    print(f"resnet18_points_per_minute={pps * 60:.0f}")


if __name__ == "__main__":
    main()
