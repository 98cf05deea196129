"""How often the sweep's fast mapping search finds the exhaustive optimum (issue 13), over many pairs.

    python benchmarks/mapper_optimality.py [--pairs 300] [--seed 1]

Samples (layer, design point) pairs from five networks (ResNet-18, MobileNetV2, VGG-16, AlexNet,
BERT-base) on the space of tests/test_mapper_optimality.py and compares the fast search's objective
with the exhaustive mapper's (tests/exhaustive_mapper.py: every candidate x bypass mode x GLB tiling, no
pruning). Prints the share of pairs where the fast search is optimal and the worst ratio.
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from exhaustive_mapper import compare  # noqa: E402
from test_mapper_optimality import sample  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    spec, ids, layers = sample(args.pairs, args.seed)
    t0 = time.perf_counter()
    ratio = compare(spec, ids, layers)
    optimal = ratio <= 1 + 1e-9
    print(f"{len(ratio)} (layer, design) pairs, objective {spec.mapping_objective}, {time.perf_counter() - t0:.0f} s")
    print(f"fast search optimal on {optimal.mean():.1%} of pairs; worst fast / exhaustive {ratio.max():.6f}; "
          f"never better than exhaustive: {bool(ratio.min() >= 1 - 1e-9)}")
    for i in np.flatnonzero(~optimal):
        print(f"  not optimal: {layers[i].name} on point {ids[i]}: {ratio[i]:.6f}")


if __name__ == "__main__":
    main()
