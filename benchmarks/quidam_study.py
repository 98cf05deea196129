"""The QUIDAM PE-type study (sweeps/quidam_pe_types.yaml) next to the published figures.

    python benchmarks/quidam_study.py [--out DIR]      # runs `dse run` on the spec (about 10 s)

Published (Inci et al., "QUIDAM", ACM TECS 2023, arXiv 2206.15463, abstract and Sec. 6):
across the design space performance per area varies by more than 5x and energy by more than
35x; the best lightweight (shift-based) PE design is up to 5.7x better than the best INT16
design in performance per area and in energy (QAPPA, the workshop version: up to 4.9x).

What differs from QUIDAM (so the ratios are not expected to match exactly): QUIDAM synthesizes
its PEs with a commercial 45 nm flow and models memories with CACTI; it reports "up to" over
its own networks and sweep ranges. Ours: PEs from our IHP 130 nm characterization scaled to
45 nm, the memory models of memory_models, ResNet-18 at batch 1, the spec's ranges; "best" is
the minimum energy per inference and the maximum perf/area over each PE type's designs.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dse import cli, results  # noqa: E402

SPEC = ROOT / "sweeps" / "quidam_pe_types.yaml"
PUBLISHED = {  # QUIDAM (TECS 2023) abstract
    "energy spread (max/min over all designs)": (">= 35", 35.0),
    "perf/area spread (max/min over all designs)": (">= 5", 5.0),
    "best LightPE vs best INT16, perf/area": ("up to 5.7", 5.7),
    "best LightPE vs best INT16, energy": ("up to 5.7", 5.7),
}
LIGHT = ("LightPE-1", "LightPE-2")


def figures(df: pd.DataFrame) -> dict[str, float]:
    """The study's four headline ratios from a results table."""
    by = df.groupby("pe_type")
    best_e, best_pa = by["energy_pj"].min(), by["perf_per_area_gops_per_mm2"].max()
    return {
        "energy spread (max/min over all designs)": df["energy_pj"].max() / df["energy_pj"].min(),
        "perf/area spread (max/min over all designs)": df["perf_per_area_gops_per_mm2"].max()
        / df["perf_per_area_gops_per_mm2"].min(),
        "best LightPE vs best INT16, perf/area": best_pa[list(LIGHT)].max() / best_pa["INT16"],
        "best LightPE vs best INT16, energy": best_e["INT16"] / best_e[list(LIGHT)].min(),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=None, help="output folder of the run (default: temporary)")
    args = ap.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="quidam_"))
    if cli.main(["run", str(SPEC), "--out", str(out), "--no-progress"]) != 0:
        return 1
    df = results.load(out, columns=["pe_type", "energy_pj", "perf_per_area_gops_per_mm2"])
    by = df.groupby("pe_type")
    print("\nper PE type: best energy per inference (uJ) and best perf/area (GOPS/mm2)")
    print(pd.DataFrame({"best_energy_uj": by["energy_pj"].min() / 1e6,
                        "best_perf_per_area": by["perf_per_area_gops_per_mm2"].max()}).round(3).to_string())
    print(f"\n{'figure':48s} {'ours':>8s} {'published':>12s} {'ours/published':>15s}")
    for name, value in figures(df).items():
        text, ref = PUBLISHED[name]
        print(f"{name:48s} {value:8.2f} {text:>12s} {value / ref:15.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
