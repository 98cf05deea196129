"""``dse inspect NETWORK|MODEL.onnx``: the layer table of a zoo network or an ONNX model."""

from __future__ import annotations

import argparse
import csv
import sys

import workloads

CSV_COLUMNS = ("name", "op", "macs", "w_bits", "a_bits", "weight_count")


def register(sub) -> None:
    p = sub.add_parser("inspect", help="print a network's layer table", description=__doc__)
    p.add_argument("model", help="zoo network name (see `dse zoo`) or path to an .onnx file")
    p.add_argument("--batch", type=int, default=1, help="batch size bound to symbolic batch dimensions")
    p.add_argument("--format", choices=("table", "csv"), default="table")
    p.add_argument("--all", action="store_true", help="table format: also list non-compute layers")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    graph = workloads.load(args.model, batch=args.batch)
    if args.format == "csv":
        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(CSV_COLUMNS)
        for layer in graph.compute_layers():
            w.writerow([layer.name, layer.op, layer.macs, layer.w_bits, layer.a_bits, layer.param_count])
        return 0
    layers = graph.layers() if args.all else graph.compute_layers()
    width = max([len(layer.name) for layer in layers] + [4])
    print(f"{'name':<{width}}  {'op':<14}{'N':>4}{'K':>6}{'C':>6}{'G':>5}{'OYxOX':>10}{'FYxFX':>7}{'s':>3}"
          f"{'MACs':>14}{'weights':>11}{'W':>4}{'A':>4}")
    for layer in layers:
        print(f"{layer.name:<{width}}  {layer.op:<14}{layer.n:>4}{layer.k:>6}{layer.c:>6}{layer.groups:>5}"
              f"{f'{layer.oy}x{layer.ox}':>10}{f'{layer.fy}x{layer.fx}':>7}{layer.stride_y:>3}"
              f"{layer.macs:>14,}{layer.param_count:>11,}{layer.w_bits:>4}{layer.a_bits:>4}")
    print(f"{graph.name}: {len(graph)} layers, {len(graph.compute_layers())} compute, "
          f"{graph.total_macs / 1e9:.3f} GMAC, {graph.total_weights / 1e6:.2f} M weights")
    return 0
