"""What the deeper tile sets buy: the fast search's objective with narrower per-PE / GLB tile sets.

    python benchmarks/tile_sets.py [--pairs 300] [--seed 1]

On the (layer, design) pairs of benchmarks/mapper_optimality.py (five networks, every dataflow), each
variant runs in its own process with one tile set narrowed and the rest as in dse:
- ``pe_pow2``: per-PE tiles min(2^i, d), i = 0..5 (dse before issue 13's divisors work);
- ``pe_divisors``: per-PE tiles that divide d only (no padded last pass);
- ``glb_halvings``: GLB tiles every divisor and ceil(bound / 2^i) (before);
and prints, per variant, the share of pairs where dse's own sets (every tile size, reduced exactly:
``dataflows.tile_sizes``, ``dataflows._tile_family``) reach a lower objective, the share where they are
worse (never, if the sets nest), the least ratio and the geometric mean, overall and per dataflow.
"""

import argparse
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
VARIANTS = ("dse", "pe_pow2", "pe_divisors", "glb_halvings")

CHILD = r'''
import functools, json, math, sys
import numpy as np
sys.path[:0] = [{root!r}, {root!r} + "/tests"]
from dse import actions, dataflows, design, hardware, mapping
variant = {variant!r}
full = dataflows._tile_family.__wrapped__

def narrowed(keep):
    @functools.lru_cache(maxsize=None)
    def fam(d, top, every_tile=False, psum_words=0, npix=0, lane_low=0, reduction=False):
        vals, _ = full(d, top, True, psum_words, npix, lane_low, reduction)  # every size 1..min(d, top)
        vals = vals[keep(d, vals)] if not every_tile else vals
        return vals, np.full(len(vals), np.inf)  # no staircase pruning: it only drops dominated tiles
    return fam

if variant == "pe_pow2":
    dataflows._tile_family = narrowed(lambda d, v: np.isin(v, [min(2 ** i, d) for i in range(6)]))
elif variant == "pe_divisors":
    dataflows._tile_family = narrowed(lambda d, v: d % v == 0)
elif variant == "glb_halvings":
    def halvings(n):
        small = [x for x in range(1, math.isqrt(n) + 1) if n % x == 0]
        return np.array(sorted(set(small) | {{n // x for x in small}} | {{math.ceil(n / 2 ** i) for i in range(n.bit_length() + 1)}}), float)
    dataflows.tiling_space_of = functools.lru_cache(maxsize=None)(lambda shape: dataflows.tilings_of(shape, halvings))
from exhaustive_mapper import fast
from test_mapper_optimality import sample
spec, ids, layers = sample({pairs}, {seed})
d = design.points(spec, np.asarray(ids))
hw = hardware.evaluate(d)
geo = mapping.geometries(d, hw)
costs = actions.action_costs(hw)
print("RESULT", json.dumps({{"objective": [fast(L, geo, p, costs, spec.mapping_objective) for p, L in enumerate(layers)],
                             "dataflow": [dataflows.DATAFLOWS[geo.design.dataflow[geo.index[p]]] for p in range(len(layers))]}}))
'''


def run(variant: str, pairs: int, seed: int) -> dict:
    code = CHILD.format(root=str(ROOT), variant=variant, pairs=pairs, seed=seed)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return json.loads(next(line for line in out.splitlines() if line.startswith("RESULT"))[len("RESULT "):])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    res = {v: run(v, args.pairs, args.seed) for v in VARIANTS}
    ours = np.array(res["dse"]["objective"])
    flows = np.array(res["dse"]["dataflow"])
    print(f"{len(ours)} (layer, design) pairs, mapping objective; ratio = dse's sets / the variant's")
    for v in VARIANTS[1:]:
        r = ours / np.array(res[v]["objective"])
        for name in ("all", *sorted(set(flows))):
            s = r if name == "all" else r[flows == name]
            if not len(s):
                continue
            print(f"{v:13s} {name:24s} n={len(s):3d} lower {np.mean(s < 1 - 1e-9):6.1%} higher {np.mean(s > 1 + 1e-9):5.1%} "
                  f"least {s.min():.4f} geo-mean {math.exp(np.log(s).mean()):.4f}")


if __name__ == "__main__":
    main()
