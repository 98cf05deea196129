"""``dse inspect NETWORK|MODEL.onnx``: the layer table of a zoo network or an ONNX model."""

from __future__ import annotations

import argparse
import csv
import sys

import workloads
from workloads.precision import BitsOverride, PrecisionOverrides
from workloads.zoo import PHASES

CSV_COLUMNS = ("name", "op", "macs", "w_bits", "a_bits", "weight_count")


def register(sub) -> None:
    p = sub.add_parser("inspect", help="print a network's layer table", description=__doc__)
    p.add_argument("model", help="zoo network name (see `dse zoo`) or path to an .onnx file")
    p.add_argument("--batch", type=int, default=1, help="batch size bound to symbolic batch dimensions")
    p.add_argument("--phase", choices=PHASES, help="decoder networks: prefill (the prompt, matrix-matrix) or "
                   "decode (one token, matrix-vector)")
    p.add_argument("--seq-len", type=int, help="decoder networks: new tokens in this step")
    p.add_argument("--kv-len", type=int, help="decoder networks: tokens already in the KV cache")
    for key, what in (("w", "weight"), ("a", "activation"), ("kv", "KV-cache")):
        p.add_argument(f"--{key}-bits", type=int, metavar="BITS",
                       help=f"{what} bit width of every compute layer (precision.default.{key})")
    p.add_argument("--format", choices=("table", "csv"), default="table")
    p.add_argument("--all", action="store_true", help="table format: also list non-compute layers")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    graph = workloads.load(args.model, batch=args.batch, phase=args.phase, seq_len=args.seq_len,
                           kv_len=args.kv_len)
    bits = {k: v for k, v in (("w", args.w_bits), ("a", args.a_bits), ("kv", args.kv_bits)) if v is not None}
    if bits:
        graph = PrecisionOverrides(BitsOverride.parse(bits, "--w-bits/--a-bits/--kv-bits")).apply(graph)
    if args.format == "csv":
        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(CSV_COLUMNS)
        for layer in graph.compute_layers():
            w.writerow([layer.name, layer.op, layer.macs, layer.w_bits, layer.a_bits, layer.param_count])
        return 0
    layers = graph.layers() if args.all else graph.compute_layers()
    width = max([len(layer.name) for layer in layers] + [4])
    print(f"{'name':<{width}}  {'op':<14}{'N':>4}{'K':>7}{'C':>7}{'G':>5}{'OYxOX':>10}{'FYxFX':>7}{'s':>3}"
          f"{'MACs':>15}{'weights':>12}{'KV':>7}{'O':>4}{'W':>4}{'A':>4}")
    for layer in layers:
        print(f"{layer.name:<{width}}  {layer.op:<14}{layer.n:>4}{layer.k:>7}{layer.c:>7}{layer.groups:>5}"
              f"{f'{layer.oy}x{layer.ox}':>10}{f'{layer.fy}x{layer.fx}':>7}{layer.stride_y:>3}"
              f"{layer.macs:>15,}{layer.param_count:>12,}{layer.kv_cache or '-':>7}{layer.o_bits:>4}"
              f"{layer.w_bits:>4}{layer.a_bits:>4}")
    print(f"{graph.name}: {len(graph)} layers, {len(graph.compute_layers())} compute, "
          f"{graph.total_macs / 1e9:.3f} GMAC, {graph.total_weights / 1e6:.2f} M weights")
    compute = graph.compute_layers()
    if any(layer.kv_cache for layer in compute):
        weight_mb = sum(layer.weight_bytes for layer in compute) / 1e6
        cache_mb = sum(layer.weight_count * layer.w_bits / 8 for layer in compute if layer.kv_cache == "read") / 1e6
        print(f"KV = read: W is the KV-cache operand's precision (K in scores, V in context); KV = write: O is "
              f"the precision the K/V projection stores in the cache. Per step: {weight_mb:.2f} MB of weights, "
              f"{cache_mb:.2f} MB of KV cache read")
    return 0
