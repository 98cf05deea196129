"""``dse pe``: PE costs from the characterized, fitted models at a technology node.

dse pe --node-nm 45                 table of every PE type at its supported widths
dse pe --node-nm 7 --format csv     the same, machine-readable
dse pe --node-nm 65 --vdd-v 1.0 --psum-width activation
                                    INT PEs accumulating in the activation width (Eyeriss's 16-bit psums)
dse pe --fit-report                 held-out fit quality (R^2, max relative error)
dse pe --compare                    INT2/4/8/16 and LightPE-1/2 relative to INT16 (QUIDAM-style)
"""

from __future__ import annotations

import argparse
import csv
import sys

import numpy as np

import pe_models
from dse.errors import UserError
from dse.params import PSUM_WIDTHS
from pe_models import fit, scaling
from pe_models.catalog import FAMILY_NAMES, PEKind, pe_type_arrays
from pe_models.model import LIGHTPE_W_BITS

CSV_COLUMNS = (
    "pe_type",
    "w_bits",
    "a_bits",
    "node_nm",
    "energy_pj_per_mac",
    "clock_pj_per_cycle",
    "reg_bits",
    "area_um2",
    "area_reg_um2",
    "area_logic_um2",
    "leakage_uw",
    "fmax_mhz",
)
SQUARE_BITS = (2, 3, 4, 5, 6, 8, 10, 12, 16)
# Mixed-precision pairs in common use (weights narrower than activations, and the reverse).
COMMON_PAIRS = ((2, 4), (2, 8), (4, 8), (8, 4), (4, 16), (8, 16))
LIGHTPE_A_BITS = (4, 8, 16)
COMPARE_TYPES = ("INT2", "INT4", "INT8", "INT16", "LightPE-1", "LightPE-2", "FP16")
# QUIDAM (Inci et al., ACM TECS 2023, arXiv 2206.15463, abstract): lightweight shift-based PEs
# reach up to 5.7x better performance per area and energy than the best INT16 design
# (QAPPA, the workshop version: up to 4.9x).
QUIDAM_LIGHTPE_GAIN_VS_INT16 = 5.7
QAPPA_LIGHTPE_GAIN_VS_INT16 = 4.9


def register(sub) -> None:
    p = sub.add_parser(
        "pe",
        help="PE energy/area/leakage/fmax from the characterized models",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--node-nm",
        type=float,
        default=45.0,
        help=f"technology node, one of {', '.join(f'{n:g}' for n in scaling.SUPPORTED_NODES_NM)}",
    )
    p.add_argument("--vdd-v", type=float, default=None, help="supply voltage (default: the node's nominal)")
    p.add_argument("--format", choices=("table", "csv"), default="table")
    p.add_argument("--psum-width", choices=PSUM_WIDTHS, default=PSUM_WIDTHS[0],
                   help="the psum_width design parameter: activation makes the INT PEs truncate the product and "
                        "accumulate in A bits (pe_models INT-narrow)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument(
        "--fit-report", action="store_true", help="held-out fit quality of the regression models"
    )
    mode.add_argument(
        "--compare", action="store_true", help="named PE types relative to INT16, next to QUIDAM"
    )
    p.set_defaults(func=run)


def grid() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(kind, w_bits, a_bits) of every PE type at every supported width listed by ``dse pe``."""
    rows = [(PEKind.INT, b, b) for b in SQUARE_BITS] + [(PEKind.INT, w, a) for w, a in COMMON_PAIRS]
    rows += [(k, w, a) for k, ws in LIGHTPE_W_BITS.items() for w in ws for a in LIGHTPE_A_BITS]
    rows.append((PEKind.FP16, 16, 16))
    arr = np.array(rows, dtype=int)
    return arr[:, 0], arr[:, 1], arr[:, 2]


def _print_table(args) -> None:
    kind, w, a = grid()
    c = pe_models.evaluate(kind, w, a, np.full(len(kind), args.node_nm), vdd_v=args.vdd_v,
                           narrow_acc=args.psum_width == "activation")
    names = [FAMILY_NAMES[PEKind(int(k))] for k in kind]
    if args.format == "csv":
        out = csv.writer(sys.stdout, lineterminator="\n")
        out.writerow(CSV_COLUMNS)
        for i in range(len(kind)):
            out.writerow(
                [
                    names[i],
                    int(w[i]),
                    int(a[i]),
                    f"{args.node_nm:g}",
                    f"{c.energy_pj_per_mac[i]:.6g}",
                    f"{c.clock_pj_per_cycle[i]:.6g}",
                    int(c.reg_bits[i]),
                    f"{c.area_um2[i]:.6g}",
                    f"{c.area_reg_um2[i]:.6g}",
                    f"{c.area_logic_um2[i]:.6g}",
                    f"{c.leakage_uw[i]:.6g}",
                    f"{c.fmax_mhz[i]:.6g}",
                ]
            )
        return
    vdd = float(scaling.resolve_vdd(args.node_nm, args.vdd_v))
    print(
        f"PE costs at {args.node_nm:g} nm, {vdd:g} V (fitted to our gate-level characterization, "
        f"scaled with Stillmaker & Baas 2017); psum_width {args.psum_width}"
        + (" (INT PEs accumulate in A bits)" if args.psum_width == "activation" else "")
    )
    print("pJ/MAC: datapath + register data; clk_pJ: the PE's reg_bits flip-flops' clock per active cycle "
          "(dse.clock prices it per MAC; idle PEs are gated)")
    print("area_um2 = reg_um2 (the reg_bits flip-flops, one 45 nm DFF_X1 each, scaled) + logic_um2 (datapath, muxes)")
    print(f"{'pe_type':<10}{'W':>3}{'A':>3}{'pJ/MAC':>9}{'clk_pJ':>8}{'regs':>5}{'area_um2':>10}{'reg_um2':>9}"
          f"{'logic_um2':>10}{'leak_uW':>9}{'fmax_MHz':>9}")
    for i in range(len(kind)):
        print(
            f"{names[i]:<10}{int(w[i]):>3}{int(a[i]):>3}{c.energy_pj_per_mac[i]:>9.4f}{c.clock_pj_per_cycle[i]:>8.4f}"
            f"{int(c.reg_bits[i]):>5}{c.area_um2[i]:>10.1f}{c.area_reg_um2[i]:>9.1f}"
            f"{c.area_logic_um2[i]:>10.1f}{c.leakage_uw[i]:>9.3f}{c.fmax_mhz[i]:>9.0f}"
        )


def compare(node_nm: float = 45.0, vdd_v: float | None = None) -> dict[str, dict[str, float]]:
    """Per named PE type: costs and ratios relative to INT16 (perf = one MAC per cycle at fmax)."""
    kind, w, a = pe_type_arrays(np.array(COMPARE_TYPES))
    c = pe_models.evaluate(kind, w, a, np.full(len(kind), node_nm), vdd_v=vdd_v)
    ref = COMPARE_TYPES.index("INT16")
    perf_per_area = c.fmax_mhz / c.area_um2
    total = c.energy_pj_per_mac + c.clock_pj_per_cycle  # an active PE also clocks its registers
    out = {}
    for i, name in enumerate(COMPARE_TYPES):
        out[name] = {
            "energy_pj_per_mac": float(total[i]),
            "area_um2": float(c.area_um2[i]),
            "fmax_mhz": float(c.fmax_mhz[i]),
            "energy_rel_int16": float(total[i] / total[ref]),
            "area_rel_int16": float(c.area_um2[i] / c.area_um2[ref]),
            "perf_per_area_gain": float(perf_per_area[i] / perf_per_area[ref]),
            "energy_gain": float(total[ref] / total[i]),
        }
    return out


def _print_compare(args) -> None:
    rows = compare(args.node_nm, args.vdd_v)
    print(f"PE types relative to INT16 at {args.node_nm:g} nm (one MAC per cycle at fmax; native widths; "
          "pJ/MAC includes the PE registers' clock)")
    print(
        f"{'pe_type':<10}{'pJ/MAC':>8}{'area_um2':>10}{'fmax_MHz':>9}{'E/E16':>7}{'A/A16':>7}"
        f"{'perf/area x':>12}{'energy x':>9}"
    )
    for name, r in rows.items():
        print(
            f"{name:<10}{r['energy_pj_per_mac']:>8.3f}{r['area_um2']:>10.1f}{r['fmax_mhz']:>9.0f}"
            f"{r['energy_rel_int16']:>7.3f}{r['area_rel_int16']:>7.3f}{r['perf_per_area_gain']:>12.2f}"
            f"{r['energy_gain']:>9.2f}"
        )
    best = max(rows["LightPE-1"]["perf_per_area_gain"], rows["LightPE-2"]["perf_per_area_gain"])
    best_e = max(rows["LightPE-1"]["energy_gain"], rows["LightPE-2"]["energy_gain"])
    print(f"ours, best LightPE vs INT16: {best:.2f}x perf/area, {best_e:.2f}x energy per MAC (PE alone)")
    print(
        f"published: QUIDAM (Inci et al., TECS 2023) up to {QUIDAM_LIGHTPE_GAIN_VS_INT16}x perf/area and energy "
        f"vs the best INT16 design (whole accelerator incl. memories); QAPPA up to {QAPPA_LIGHTPE_GAIN_VS_INT16}x"
    )


def run(args: argparse.Namespace) -> int:
    if args.node_nm not in scaling.SUPPORTED_NODES_NM:
        raise UserError(
            f"dse pe: --node-nm {args.node_nm:g} not supported; expected one of "
            f"{', '.join(f'{n:g}' for n in scaling.SUPPORTED_NODES_NM)}"
        )
    try:  # bad inputs and a missing/malformed table (fit.TableError) are ValueErrors
        if args.fit_report:
            print(fit.format_report(fit.quality(fit.load_tables())))
        elif args.compare:
            _print_compare(args)
        else:
            _print_table(args)
    except ValueError as exc:
        raise UserError(f"dse pe: {exc}") from None
    return 0
