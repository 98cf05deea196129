"""NSGA-II with 1% of the evaluations against the exhaustive front of an enumerable space.

    python benchmarks/nsga_hypervolume.py [--spec SPEC] [--fraction 0.01] [--seeds 0,1,2,3,4]

Default space: sweeps/quidam_pe_types.yaml (201,600 points), front over energy, latency and area
(a 3-D front: the 2-D energy-latency front of these spaces has only a few points). The exhaustive
front is evaluated in memory; each seed's search runs through ``dse.search`` into a temporary
folder. Prints per seed the distinct points evaluated and the hypervolume ratio
(``dse.pareto.hypervolume_ratio``: log objectives normalised to the exhaustive front, reference
point 1.1), then the mean and minimum.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout: dse need not be installed

from dse import design, search, sweep
from dse import spec as spec_mod
from dse.network import evaluate
from dse.pareto import front_mask, hypervolume_ratio, objective_matrix

OBJECTIVES = ("energy_pj", "latency_s", "area_mm2")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spec", default=str(ROOT / "sweeps" / "quidam_pe_types.yaml"))
    ap.add_argument("--fraction", type=float, default=0.01)
    ap.add_argument("--seeds", default="0,1,2,3,4")
    args = ap.parse_args()
    sweep.front_objectives = lambda spec: OBJECTIVES  # the benchmark's front, whatever the spec says
    spec = spec_mod.load(args.spec)
    wl = sweep.prepare_workload(spec)
    t = time.perf_counter()
    fronts = []
    for start in range(0, spec.n_points, spec.chunk_points):  # exhaustive, chunk by chunk
        f = objective_matrix(evaluate(design.batch(spec, start, start + spec.chunk_points), wl,
                                      spec.mapping_objective), OBJECTIVES)
        fronts.append(f[front_mask(f)])
    exhaustive = np.concatenate(fronts)
    exhaustive = exhaustive[front_mask(exhaustive)]
    print(f"{spec.name}: {spec.n_points:,} points, exhaustive front {len(exhaustive)} designs "
          f"({time.perf_counter() - t:.0f} s)")
    budget = max(2, int(spec.n_points * args.fraction))
    ratios = []
    for seed in (int(s) for s in args.seeds.split(",")):
        s = dataclasses.replace(spec, search=search.SearchSpec("nsga2", budget, search.default_population(budget),
                                                               seed))
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            front, evaluated, _, _ = search.run(s, wl, Path(tmp), "bench", progress=False)
        ratios.append(hypervolume_ratio(objective_matrix(front, OBJECTIVES), exhaustive))
        print(f"seed {seed}: {evaluated:,} points evaluated ({100 * evaluated / spec.n_points:.2f}% of the space), "
              f"front {len(front)}, hypervolume ratio {ratios[-1]:.4f} ({time.perf_counter() - t:.0f} s)", flush=True)
    print(f"nsga2_hv_ratio mean={np.mean(ratios):.4f} min={np.min(ratios):.4f} budget={budget}")


if __name__ == "__main__":
    main()
