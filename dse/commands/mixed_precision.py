"""``dse mixed-precision --model m.onnx --sensitivity sens.csv --design design.yaml (--budget NAME=VALUE ... |
--max-error E)``: the per-layer precision of one fixed accelerator, exactly (an integer linear program,
scipy.optimize.milp / HiGHS, as in HAWQ-V3): minimise the summed quantization error under energy /
latency / weight-size budgets, or minimise the cost under an error budget."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import yaml

from dse import design, params, sweep
from dse import spec as spec_mod
from dse.errors import UserError
from dse.io import write_text
from dse.quant import policy
from dse.yaml_safe import load_file


def register(sub) -> None:
    p = sub.add_parser("mixed-precision", help="per-layer precision of one accelerator (exact ILP)",
                       description=__doc__)
    p.add_argument("--model", type=Path, required=True, help="float ONNX model (the one sens.csv measured)")
    p.add_argument("--sensitivity", type=Path, required=True, help="CSV from `dse sensitivity`")
    p.add_argument("--design", type=Path, required=True,
                   help="YAML mapping of design parameters, one value each (e.g. {pe_type: INT4, pe_rows: 16})")
    p.add_argument("--bits", default="2,4,8", help="candidate INT weight widths (default 2,4,8)")
    p.add_argument("--a-bits", help="candidate activation widths (default: as --bits)")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--budget", action="append", metavar="NAME=VALUE",
                   help=f"minimise error within a budget; NAME one of {', '.join(policy.BUDGETS)} (repeatable)")
    g.add_argument("--max-error", type=float, help="minimise --objective within this summed error")
    p.add_argument("--objective", choices=("energy", "latency", "edp"), default="energy",
                   help="cost minimised under --max-error, and the mapping objective (default energy)")
    p.add_argument("--out", type=Path, help="write the per-layer map {layer: {w_bits, a_bits}} (YAML, for "
                   "`dse quantize --precision`)")
    p.set_defaults(func=run)


def _budgets(items: list[str]) -> dict[str, float]:
    out = {}
    for item in items:
        name, _, value = item.partition("=")
        if name not in policy.BUDGETS:
            raise UserError(f"--budget {item!r}: expected NAME=VALUE with NAME one of {list(policy.BUDGETS)}")
        try:
            out[name] = float(value)
        except ValueError:
            raise UserError(f"--budget {item!r}: {value!r} is not a number") from None
        if not np.isfinite(out[name]) or out[name] <= 0:
            raise UserError(f"--budget {item!r}: expected a positive number")
    return out


def _ints(text: str, flag: str) -> list[int]:
    try:
        return [int(b) for b in text.split(",")]
    except ValueError:
        raise UserError(f"{flag}: expected comma-separated bit widths like 2,4,8, got {text!r}") from None


def run(args: argparse.Namespace) -> int:
    budgets = _budgets(args.budget) if args.budget else None
    if args.max_error is not None and not args.max_error > 0:
        raise UserError(f"--max-error: got {args.max_error}; expected a positive summed error")
    if not args.design.is_file():
        raise UserError(f"{args.design}: no such file; expected a YAML mapping of design parameters")
    point, _ = load_file(args.design, "design file")
    if not isinstance(point, dict):
        raise UserError(f"{args.design}: expected a mapping of design parameters, e.g. {{pe_type: INT4}}")
    w, a = _ints(args.bits, "--bits"), _ints(args.a_bits or args.bits, "--a-bits")
    raw = {"version": 1, "name": "mixed_precision", "workload": {"onnx": str(args.model)}, "space": point,
           "precision": {"policy": "search", "bits": {"w": w, "a": a}, "sensitivity": str(args.sensitivity),
                         "max_error": [args.max_error or params.MAX_ERROR.maximum]},
           "mapping": {"objective": args.objective}}
    spec = spec_mod.parse(raw, str(args.design))
    if spec.n_points != 1:
        raise UserError(f"{args.design}: expected one value per design parameter (one accelerator)")
    wl = sweep.prepare_workload(spec)
    d = design.points(spec, np.array([0]))
    choice, c = policy.solve_design(d, wl, args.objective, args.max_error, budgets)
    st = wl.search
    if choice is None:
        what = (f"summed error <= {args.max_error:g}" if budgets is None
                else ", ".join(f"{k} <= {v:g}" for k, v in budgets.items()))
        raise UserError(f"no per-layer precision of {spec.workload.onnx} on this design meets {what}; "
                        "loosen the budget")
    from dse.network import evaluate

    bits = {n: st.cands[k][1:] for n, k in zip(st.layers, choice)}
    total = evaluate(d, policy.pinned(wl, bits), args.objective).iloc[0]
    rows = np.arange(len(choice))
    print(f"{'layer':<24}{'format':>9}{'W':>4}{'A':>4}{'error':>11}{'energy_pj':>14}{'latency_cycles':>16}")
    for i, n in enumerate(st.layers):
        fmt, wb, ab = st.cands[choice[i]]
        print(f"{n:<24}{fmt:>9}{wb:>4}{ab:>4}{st.error[i, choice[i]]:>11.3g}{c['E'][i, choice[i]]:>14.4g}"
              f"{c['T'][i, choice[i]]:>16.4g}")
    q_err = float(st.error[rows, choice].sum())
    print(f"network: quant_error {q_err:.4g}, energy_pj {total['energy_pj']:.6g}, latency_cycles "
          f"{total['latency_cycles']:.6g}, weight_kib {float(c['size'][rows, choice].sum()):.4g}")
    if args.out:
        write_text(args.out, yaml.safe_dump({n: {"w_bits": int(v[0]), "a_bits": int(v[1])} for n, v in bits.items()},
                                            sort_keys=False))
        print(f"per-layer map -> {args.out} (dse quantize {args.model} --precision {args.out} ...)", file=sys.stderr)
    return 0
