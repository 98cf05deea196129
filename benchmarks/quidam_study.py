"""The QUIDAM PE-type study (sweeps/quidam_pe_types.yaml) next to the published figures, component by component.

    python benchmarks/quidam_study.py            # evaluates the spec's 201,600 points in memory (a few s)
    python benchmarks/quidam_study.py --out DIR  # the same through `dse run` (Parquet, plots, report in DIR)

Published (Inci et al., "QUIDAM", ACM TECS 2023, arXiv 2206.15463, abstract): across the design space
performance per area varies by more than 5x and energy by more than 35x; lightweight (shift-based) PEs
reach "up to 5.7x more performance per area and energy improvement when compared to the best INT16
based implementation" (QAPPA, the workshop version: up to 4.9x). The sentence can be read as one gain
for both metrics or as a joint figure; we compare each metric with 5.7x and print the joint reading
(best perf/area per unit energy) beside them. "best" is the minimum energy per inference and the
maximum perf/area over each PE type's designs.

What we compare is not like with like, and the printout says where:
- QUIDAM: what its abstracts (QUIDAM; QADAM, arXiv 2205.13045; QAPPA, arXiv 2205.08648) and a
  third-party summary of QAPPA's method state, all we could find (the full texts are not in the
  sources the library searches): an RTL spatial array, a 2-D array of PEs whose size per dimension is
  a parameter, each PE with scratchpads and a MAC unit, and a global buffer; design choices bit
  precision, PE type, PE scratchpad sizes, global buffer size, number of PEs and DNN configurations
  (QAPPA adds device bandwidth); pre-characterized power, performance and area models per PE from
  synthesis; results "up to" over that space. Its technology, ranges, dataflow, accumulator widths,
  memory and DRAM models and networks are not stated there, so what its energy includes beyond the
  PEs cannot be checked.
- Ours: PEs from our own gate-level characterization (IHP 130 nm, scaled to 45 nm with Stillmaker &
  Baas), register-file scratchpads (reads and writes priced apart), NoC, SRAM GLB and LPDDR4 DRAM from
  memory_models, the clock network of dse.clock, leakage; ResNet-18 at batch 1, the network quantized
  to each PE's widths; the spec sweeps QUIDAM's choices (one DNN) plus dataflow, GLB banks and a clock
  target (200 / 400 MHz caps, and 1200 MHz: every PE at its own fmax, as a per-PE performance model
  has it); every design's mapping searched per layer.
- The PE alone (`dse pe --compare`, the part QUIDAM's pre-characterized models cover for certain)
  gives the largest gains; the scratchpads, NoC registers and DRAM traffic scale with operand bits
  (W, A or the accumulator), not with W x A like the multiplier, so they dilute the gain of the whole
  accelerator. The component table below shows each one's ratio, and the "free PE" bound what the
  energy gain could be if the PE (datapath and its clock) cost nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dse import actions, cli, design, network, results  # noqa: E402
from dse import spec as spec_mod  # noqa: E402
from dse.commands import pe as pe_command  # noqa: E402
from pe_models.catalog import ACC_DEPTH_BITS, PE_TYPES, accumulator_bits  # noqa: E402

SPEC = ROOT / "sweeps" / "quidam_pe_types.yaml"
PUBLISHED = {  # QUIDAM (TECS 2023) abstract: (text, value)
    "energy spread (max/min over all designs)": (">= 35", 35.0),
    "perf/area spread (max/min over all designs)": (">= 5", 5.0),
    "best LightPE vs best INT16, perf/area": ("up to 5.7", 5.7),
    "best LightPE vs best INT16, energy": ("up to 5.7", 5.7),
}
# This study's figures at the session's start (main 41b9ad3, the spec with clock_mhz [200, 400]), and after
# each change of this session: scratchpad reads and writes priced apart (main 5fced77), then the clock target
# at every PE's fmax added to the spec (this tree). Earlier: main 626118d 19.00 / 300.81 / 2.97 / 2.44, the
# session before 12.75 / 126 / 3.14 / 2.44 on an older main.
BEFORE = {
    "energy spread (max/min over all designs)": 19.17,
    "perf/area spread (max/min over all designs)": 294.04,
    "best LightPE vs best INT16, perf/area": 2.96,
    "best LightPE vs best INT16, energy": 2.35,
}
SPLIT = {
    "energy spread (max/min over all designs)": 19.74,
    "perf/area spread (max/min over all designs)": 294.04,
    "best LightPE vs best INT16, perf/area": 2.96,
    "best LightPE vs best INT16, energy": 2.37,
}
LIGHT = ("LightPE-1", "LightPE-2")
# Component groups of the energy breakdown (dse.actions breakdown columns), in print order.
_LABELS = {"energy_mac_pj": "MAC datapath + register data", "energy_clock_pe_pj": "PE clock: regs, spad enables, NoC regs",
           "energy_clock_pj": "clock tree + PE gates", "energy_spad_weight_pj": "spad weight",
           "energy_spad_ifmap_pj": "spad ifmap", "energy_spad_psum_pj": "spad psum",
           "energy_clock_spad_pj": "spad clock: counters, operand regs, gating trees",
           "energy_clock_noc_pj": "NoC port-register clock", "energy_leakage_pj": "leakage"}
COMPONENTS = {label: [c] for c, label in _LABELS.items()}
for _level in ("noc", "glb", "dram"):
    COMPONENTS[_level] = [a.breakdown for a in actions.ACTIONS if a.level == _level]
COMPONENTS = {k: sorted(set(v)) for k, v in COMPONENTS.items()}
if sorted(c for v in COMPONENTS.values() for c in v) != sorted(actions.BREAKDOWN_COLUMNS):
    raise RuntimeError("quidam_study: COMPONENTS must cover dse.actions.BREAKDOWN_COLUMNS exactly")
AREAS = ("area_pe_mm2", "area_spad_mm2", "area_noc_mm2", "area_glb_mm2")


def evaluate(spec_path: Path = SPEC) -> pd.DataFrame:
    """Every design point of the spec, evaluated in memory (the table `dse run` writes)."""
    spec = spec_mod.load(spec_path)
    return network.evaluate(design.batch(spec), network.prepare_workload(spec), spec.mapping_objective)


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


def joint_gain(df: pd.DataFrame) -> float:
    """The abstract's other reading: best perf/area per unit energy (GOPS/mm2 per pJ) of a LightPE over INT16's."""
    best = (df["perf_per_area_gops_per_mm2"] / df["energy_pj"]).groupby(df["pe_type"]).max()
    return float(best[list(LIGHT)].max() / best["INT16"])


def clock_share(comp: pd.DataFrame) -> pd.DataFrame:
    """Each PE type's clock energy per MAC (pJ; every ``energy_clock_*`` column of ``components_pj_per_mac``: the
    tree, the PE's gate, the registers behind it and the gated registers its spad and NoC actions load) and its
    share (%) of the design's energy."""
    rows = [label for label, cols in COMPONENTS.items() if all(c.startswith("energy_clock") for c in cols)]
    clk = comp.loc[rows].sum()
    return pd.DataFrame({"clock_pj_per_mac": clk, "clock_share_pct": clk / comp.sum() * 100}).T


def free_pe_bound(comp: pd.DataFrame) -> float:
    """INT16's energy per MAC over the best LightPE's with its datapath and PE clock free (the
    minimum-energy designs of ``components_pj_per_mac``): the energy gain no PE could exceed here."""
    pe = ["MAC datapath + register data", "PE clock: regs, spad enables, NoC regs"]
    rest = comp[list(LIGHT)].drop(index=pe).sum()
    return float(comp["INT16"].sum() / rest.min())


def best_designs(df: pd.DataFrame, metric: str, lowest: bool) -> pd.DataFrame:
    """Each PE type's best design on ``metric`` (one row per PE type)."""
    idx = df.groupby("pe_type")[metric].idxmin() if lowest else df.groupby("pe_type")[metric].idxmax()
    return df.loc[idx].set_index("pe_type")


def components_pj_per_mac(df: pd.DataFrame) -> pd.DataFrame:
    """Energy per MAC (pJ) of each component in each PE type's minimum-energy design (rows: components)."""
    best = best_designs(df, "energy_pj", lowest=True)
    return pd.DataFrame({name: best[cols].sum(axis=1) / best["mac_ops"] for name, cols in COMPONENTS.items()}).T


def area_shares(df: pd.DataFrame) -> pd.DataFrame:
    """Area shares (%) of PEs, scratchpads, NoC registers and GLB in each PE type's best perf/area design."""
    best = best_designs(df, "perf_per_area_gops_per_mm2", lowest=False)
    out = best[list(AREAS)].div(best["area_mm2"], axis=0) * 100
    out["area_mm2"], out["gops"] = best["area_mm2"], best["perf_gops"]
    return out


def reduction_lengths(spec_path: Path = SPEC) -> pd.Series:
    """K = C/groups x FY x FX, the terms each output of a compute layer sums."""
    spec = spec_mod.load(spec_path)
    return pd.Series({L.name: L.c // L.groups * L.fy * L.fx for L in network.prepare_workload(spec).graph.compute_layers()})


def reduction_headroom_bits(spec_path: Path = SPEC) -> pd.Series:
    """ceil(log2 K) per compute layer, the headroom an exact accumulator needs above the W + A bit
    product (the products of a K-term reduction sum to at most K times the largest)."""
    return np.ceil(np.log2(reduction_lengths(spec_path).clip(lower=1))).astype(int)


def pe_clock_split_pj(df: pd.DataFrame, spec_path: Path = SPEC) -> pd.DataFrame:
    """The clock of the PE's registers, NoC port registers and scratchpads' address counters and gates
    (dse.clock), per MAC in each PE type's minimum-energy design. Load-enabled registers are clock gated:
    each part is its ICGs every active cycle plus its flops on the cycles they load, at the rates of that
    design's own counts (spad reads / writes and NoC bit-hops per MAC, summed over the network)."""
    from dse import clock, hardware

    best = best_designs(df, "energy_pj", lowest=True)
    d = design.points(spec_mod.load(spec_path), best["point_id"].to_numpy())
    hw = hardware.evaluate(d)
    n_pe = d.pe_rows * d.pe_cols
    # one PE alone, on its share of the placed array, so the per-cycle part (the tree to the PE gates) is apart
    args = hardware.clock_inputs(d, hardware.pe_costs(d), d.pe_w_bits + d.pe_a_bits + hw.acc_bits,
                                 (hw.area_pe_mm2 + hw.area_spad_mm2 + hw.area_noc_mm2) / d.placement_density / n_pe)
    args["n_pe"] = np.ones(len(d))
    zero = np.zeros(len(d))
    per = {c: best[c].to_numpy(float) / best["mac_ops"].to_numpy(float) for c in actions.COUNT_COLUMNS}

    def per_mac(stages_, gated_, pointers):
        c = clock.clock_costs(**{**args, "noc_reg_stages": stages_, "spad_words": gated_, "pointer_words": pointers})
        # the per-load parts at the design's counts, as the breakdown's clock columns price them
        loads = actions.gated_clock_pj(lambda a: per[a.count], SimpleNamespace(**hardware.clock_parts(c)))
        return c.pj_per_mac * per["clock_active_pe_pe_cycles"] + sum(loads.values())

    regs = per_mac(zero, (), ())  # with their clock wire and buffers
    return pd.DataFrame({"PE registers (+ wire, buffers)": regs,
                         "NoC port registers": per_mac(args["noc_reg_stages"], (), ()) - regs,
                         "spads: address counters": per_mac(zero, (), args["pointer_words"]) - regs,
                         "spads: enable gates, word-gating trees": per_mac(zero, args["spad_words"], ()) - regs,
                         "psum word bits": hw.acc_bits},
                        index=best.index).T


def _light_vs_int16(table: pd.DataFrame, higher_is_better: bool) -> pd.Series:
    light = table[list(LIGHT)]
    return (light.max(axis=1) / table["INT16"]) if higher_is_better else (table["INT16"] / light.min(axis=1))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=None, help="run `dse run` into this folder (default: in memory)")
    args = ap.parse_args(argv)
    if args.out is not None:
        if cli.main(["run", str(SPEC), "--out", str(args.out), "--no-progress"]) != 0:
            return 1
        df = results.load(args.out)
    else:
        df = evaluate()
    by = df.groupby("pe_type")
    pd.set_option("display.width", 200)
    print(f"QUIDAM PE-type study: {len(df):,} designs of {SPEC.relative_to(ROOT)}, ResNet-18 batch 1, 45 nm")
    print("\nper PE type: best energy per inference (uJ) and best perf/area (GOPS/mm2)")
    print(pd.DataFrame({"best_energy_uj": by["energy_pj"].min() / 1e6,
                        "best_perf_per_area": by["perf_per_area_gops_per_mm2"].max()}).round(3).to_string())

    comp = components_pj_per_mac(df)
    comp["INT16 / best LightPE"] = _light_vs_int16(comp, higher_is_better=False)
    comp["INT16 / INT2"] = comp["INT16"] / comp["INT2"]
    print("\nenergy per MAC (pJ) by component, each PE type's minimum-energy design; last columns: how much "
          "less the best LightPE and INT2 spend on it than INT16")
    print(comp.round(4).to_string())
    total = comp.drop(columns=["INT16 / best LightPE", "INT16 / INT2"]).sum()
    print("total pJ/MAC: " + ", ".join(f"{k} {v:.3f}" for k, v in total.items()))

    split = pe_clock_split_pj(df)
    split["INT16 / best LightPE"] = _light_vs_int16(split, higher_is_better=False)
    split["INT16 / INT2"] = split["INT16"] / split["INT2"]
    print("\nPE clock per MAC (pJ) split (dse.clock): the PE's flip-flops (pe_models characterization; the operand "
          "registers load per read of their spad), two NoC port-register stages (load per bit-hop), each spad's "
          "read / write address counters (advance per access), write-enable gate and word-gating tree (per write); "
          "each gated bank's ICG every active cycle; with their share of the PE's clock wire and buffers")
    print(split.round(4).to_string())
    print("the clock columns of the breakdown (clock tree + PE gates, PE clock, spad clock, NoC port-register clock):")
    print(clock_share(comp.drop(columns=["INT16 / best LightPE", "INT16 / INT2"])).round(4).to_string())

    area = area_shares(df)
    print("\narea shares (%) of each PE type's best perf/area design")
    print(area.round(1).to_string())

    pe_alone = pe_command.compare()
    print("\nthe PE alone (dse pe --compare: datapath + its registers' clock at fmax, no scratchpads, NoC, GLB, DRAM):"
          f" best LightPE vs INT16 {max(pe_alone[t]['perf_per_area_gain'] for t in LIGHT):.2f}x perf/area, "
          f"{max(pe_alone[t]['energy_gain'] for t in LIGHT):.2f}x energy per MAC")

    head = reduction_headroom_bits()
    acc = {name: int(accumulator_bits(t.kind, t.w_bits, t.a_bits)) for name, t in PE_TYPES.items()
           if name in comp.columns}
    print(f"\naccumulator / psum word: W + A + {ACC_DEPTH_BITS} bits as the RTL builds it (pe_models/rtl; 2^"
          f"{ACC_DEPTH_BITS} terms of worst-case headroom): " + ", ".join(f"{k} {v}" for k, v in acc.items()))
    k = reduction_lengths()
    print(f"exact accumulation of ResNet-18's reductions needs {head.min()}-{head.max()} bits of headroom "
          f"(K = C x FY x FX from {k.min()} to {k.max()}); {int((head > ACC_DEPTH_BITS).sum())} "
          f"of {len(head)} layers exceed {ACC_DEPTH_BITS}: an exact psum word would be wider, which cuts the "
          "low-precision gain further (the psum word is a larger share of a narrow PE's traffic)")

    spread = by["energy_pj"].max() / by["energy_pj"].min()
    best_e = by["energy_pj"].min()
    print("\nenergy spread within each PE type (max/min over its designs): "
          + ", ".join(f"{k} {v:.2f}" for k, v in spread.items())
          + f"; across types, best INT2 vs best FP16 {best_e['FP16'] / best_e['INT2']:.2f}")
    print(f"free PE bound: INT16's energy per MAC over the best LightPE's with the MAC datapath and the PE clock "
          f"at zero: {free_pe_bound(comp.drop(columns=['INT16 / best LightPE', 'INT16 / INT2'])):.2f}x (the energy "
          "gain cannot exceed it while scratchpads, NoC, GLB and DRAM are priced per bit moved)")

    print(f"\n{'figure':48s} {'start':>8s} {'r/w split':>9s} {'now':>8s} {'published':>12s} {'now/published':>14s}")
    for name, value in figures(df).items():
        text, ref = PUBLISHED[name]
        print(f"{name:48s} {BEFORE[name]:8.2f} {SPLIT[name]:9.2f} {value:8.2f} {text:>12s} {value / ref:14.2f}")
    print(f"{'joint reading: best LightPE vs best INT16, perf/area per energy':65s} {joint_gain(df):8.2f}")
    print("start: main 41b9ad3 (a scratchpad access priced as the mean of a read and a write, clock 200 / 400 MHz); "
          "r/w split: reads and writes priced apart, a write with its word-gating tree (main 5fced77); now: the spec "
          "also runs every PE at its own fmax (clock target 1200 MHz)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
