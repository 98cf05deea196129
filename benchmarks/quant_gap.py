"""Gap between the sweep's vectorized Lagrangian precision choice and the exact ILP (milp), per design
point of a policy: search sweep: relative excess of the Lagrangian's objective over the ILP optimum.

Usage: python benchmarks/quant_gap.py [SPEC.yaml]   (default: sweeps/precision_search.yaml)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    from dse import design, sweep
    from dse import spec as spec_mod
    from dse.quant import policy

    spec = spec_mod.load(sys.argv[1] if len(sys.argv) > 1 else ROOT / "sweeps" / "precision_search.yaml")
    wl = sweep.prepare_workload(spec)
    d = design.batch(spec)
    t = time.perf_counter()
    _, feasible, _, lag, _ = policy.choose(d, wl, spec.mapping_objective)
    t_lag = time.perf_counter() - t
    t = time.perf_counter()
    _, _, _, _, exact = policy.choose(d, wl, spec.mapping_objective, exact=True)
    t_ilp = time.perf_counter() - t
    gap = (lag[feasible] - exact[feasible]) / exact[feasible]
    print(f"{spec.name}: {len(d)} points ({int(feasible.sum())} within budget), objective "
          f"{spec.mapping_objective}: Lagrangian vs ILP gap mean {100 * gap.mean():.2f} %, median "
          f"{100 * np.median(gap):.2f} %, max {100 * gap.max():.2f} %, exact at {100 * np.mean(gap < 1e-9):.0f} % "
          f"of points; choice time {t_lag:.2f} s (Lagrangian, all points) vs {t_ilp:.2f} s (+ one milp per point)")


if __name__ == "__main__":
    main()
