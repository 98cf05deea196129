"""``dse sensitivity MODEL.onnx --out sens.csv``: per-layer quantization sensitivity, measured with
onnxruntime (each compute layer fake-quantized alone, at every candidate weight format and width)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dse.errors import UserError
from dse.io import write_csv
from dse.quant import formats, sensitivity


def bits_list(text: str) -> tuple[int, ...]:
    try:
        out = tuple(int(b) for b in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated bit widths like 2,4,8, got {text!r}") from None
    if not out or any(not 2 <= b <= 16 for b in out):
        raise argparse.ArgumentTypeError(f"expected bit widths in 2..16, got {text!r}")
    return tuple(sorted(set(out)))


def register(sub) -> None:
    p = sub.add_parser("sensitivity", help="per-layer quantization sensitivity of a float ONNX model",
                       description=__doc__)
    p.add_argument("model", type=Path, help="float ONNX model")
    p.add_argument("--data", type=Path, help=".npz of calibration/evaluation inputs keyed by the model's "
                   "input names (default: random inputs of the declared shapes; a proxy)")
    p.add_argument("--labels", type=Path, help=".npy of integer class labels: adds top1_accuracy")
    p.add_argument("--bits", type=bits_list, default=(2, 4, 8), help="INT weight widths (default 2,4,8)")
    p.add_argument("--a-bits", type=bits_list, help="activation widths (default: as --bits)")
    p.add_argument("--formats", default=",".join(formats.W_FORMATS),
                   help=f"weight formats to measure (default {','.join(formats.W_FORMATS)})")
    p.add_argument("--samples", type=int, default=8, help="samples to run (default 8)")
    p.add_argument("--out", type=Path, required=True, help="output CSV")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    fmts = tuple(f for f in args.formats.split(",") if f)
    bad = [f for f in fmts if f not in formats.W_FORMATS]
    if bad or not fmts:
        raise UserError(f"--formats: got {args.formats!r}; expected a comma-separated subset of "
                        f"{list(formats.W_FORMATS)}")
    if args.samples < 1:
        raise UserError(f"--samples: got {args.samples}; expected a positive integer")
    opts = sensitivity.Options(bits=args.bits, a_bits=args.a_bits or args.bits, w_formats=fmts,
                               samples=args.samples)
    if args.data is None:
        print("dse: warning: no --data: inputs are drawn from the model's declared shapes (standard normal); "
              "the sensitivity figures are a proxy", file=sys.stderr)
    df = sensitivity.measure(args.model, opts, args.data, args.labels, progress=not args.no_progress)
    write_csv(args.out, df)
    add = sensitivity.additivity(df)
    layers = df[df["scope"] == "layer"]
    print(f"{args.model}: {layers['layer'].nunique()} compute layers x {len(opts.candidates())} candidates, "
          f"{int(df['samples'].iloc[0])} samples{' (cached)' if df.attrs.get('cached') else ''} -> {args.out}",
          file=sys.stderr)
    for r in add.itertuples():
        print(f"  all layers {r.w_format} w{r.w_bits}a{r.a_bits}: measured error {r.measured_error:.3g}, "
              f"sum of per-layer errors {r.predicted_error:.3g} (ratio {r.ratio:.2f})", file=sys.stderr)
    return 0
