"""Mapping candidates per layer and dataflow on one array (issue 13: the per-PE tile factors).

    python benchmarks/mapspace_size.py [--network resnet18] [--rows 12 --cols 14] [--filter 224 --ifmap 12 --psum 24]

For each compute layer and each dataflow with per-PE tile factors (row stationary,
weight_stationary_local) prints the legal array candidates the sweep's search starts from and, where
this checkout has it, the size of the mapspace with every integer per-PE tile size that fits
(``every_tile``, what tests/exhaustive_mapper.py enumerates); the fast set is that space reduced
exactly (``dse.dataflows._tile_family``). The systolic dataflows have one candidate per layer. Run
it on another checkout (``PYTHONPATH=/path/to/it``) for its counts.
"""

import argparse
import inspect

import numpy as np

import workloads
from dse import dataflows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--network", default="resnet18")
    for name, default in (("rows", 12), ("cols", 14), ("filter", 224), ("ifmap", 12), ("psum", 24), ("bits", 8)):
        ap.add_argument(f"--{name}", type=int, default=default)
    args = ap.parse_args()
    g = dataflows.single_geometry(args.rows, args.cols, bits=args.bits)
    f = lambda x: np.full((1, 1), float(x))
    g = dataflows.Geometry(**{**vars(g), "spad_filter_words": f(args.filter), "spad_ifmap_words": f(args.ifmap),
                              "spad_psum_words": f(args.psum)})
    names = ("row_stationary", "weight_stationary_local")
    deep = "every_tile" in inspect.signature(dataflows.candidates).parameters
    print(f"{args.network} on {args.rows}x{args.cols}, spads filter {args.filter} / ifmap {args.ifmap} / psum "
          f"{args.psum} words, {args.bits}-bit: legal candidates" + (" (every tile size that fits)" if deep else ""))
    print("layer," + ",".join(f"{n}{',' + n + '_every_tile' if deep else ''}" for n in names))
    totals = np.zeros(4)
    for L in workloads.load(args.network).compute_layers():
        row = []
        for i, n in enumerate(names):
            row.append(int(dataflows.candidates(L, g, n).legal.sum()))
            if deep:
                row.append(int(dataflows.candidates(L, g, n, every_tile=True).legal.sum()))
        totals[:len(row)] += row
        print(L.name + "," + ",".join(map(str, row)))
    print("total," + ",".join(str(int(t)) for t in totals[:len(row)]))


if __name__ == "__main__":
    main()
