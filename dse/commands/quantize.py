"""``dse quantize MODEL.onnx --precision OUT/precision.json --objective edp --out q.onnx``: write the
quantized model of a reported design's per-layer precision (onnxruntime QDQ where it can express
the widths, QONNX Quant nodes where it cannot)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

from dse.errors import UserError
from dse.io import sha256_file
from dse.quant import writeback


def register(sub) -> None:
    p = sub.add_parser("quantize", help="write the quantized ONNX model of a precision choice", description=__doc__)
    p.add_argument("model", type=Path, help="float ONNX model")
    p.add_argument("--precision", type=Path, required=True,
                   help="precision.json of a sweep, or a per-layer YAML map {layer: {w_bits, a_bits}}")
    p.add_argument("--objective", default="edp", help="which reported design of precision.json (default edp)")
    p.add_argument("--data", type=Path, help=".npz of calibration inputs keyed by input names (default: random)")
    p.add_argument("--samples", type=int, default=64, help="calibration samples (default 64)")
    p.add_argument("--out", type=Path, required=True, help="quantized model to write")
    p.set_defaults(func=run)


def layers_of(path: Path, objective: str, model: Path) -> dict:
    """{layer: {w_bits, a_bits, ...}} from precision.json (one objective) or a per-layer YAML map."""
    if not path.is_file():
        raise UserError(f"{path}: no such file; expected precision.json of a sweep or a per-layer YAML map")
    try:
        doc = json.loads(path.read_text()) if path.suffix == ".json" else yaml.safe_load(path.read_text())
    except (json.JSONDecodeError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: not readable ({str(exc).splitlines()[0]})") from None
    if isinstance(doc, dict) and "objectives" in doc:
        objs = doc["objectives"]
        if objective not in objs:
            raise UserError(f"{path}: no reported design for objective {objective!r}; expected one of {sorted(objs)}")
        sha = doc.get("model_sha256")
        if sha and sha != sha256_file(model):
            raise UserError(f"{path}: written for another model (sha256 {sha[:12]}...), not {model}")
        return objs[objective]["layers"]
    if isinstance(doc, dict) and "layers" in doc and isinstance(doc["layers"], dict):
        return doc["layers"]
    if isinstance(doc, dict) and doc:
        return doc
    raise UserError(f"{path}: expected precision.json (objectives -> layers) or a map {{layer: {{w_bits, a_bits}}}}")


def run(args: argparse.Namespace) -> int:
    layers = layers_of(args.precision, args.objective, args.model)
    how = writeback.quantize(args.model, layers, args.out, args.data, args.samples, where=str(args.precision))
    n_qonnx = sum(v == "qonnx" for v in how.values())
    print(f"{args.out}: {len(how)} compute layers quantized ({len(how) - n_qonnx} onnxruntime QDQ, "
          f"{n_qonnx} QONNX Quant); check with `dse inspect {args.out}`", file=sys.stderr)
    return 0
