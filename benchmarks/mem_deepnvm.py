"""Our iso-capacity / iso-area figures next to DeepNVM++'s published ratios (16 nm GPU LLC).

    /work/venv/bin/python benchmarks/mem_deepnvm.py [profile]

Profiles and the EDP definition: memory_models/study.py; the iso-area hit-rate gain:
memory_models/llc_reuse.py. "up to" = maximum over 1-16 MiB.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # runs from a checkout without dse installed

import memory_models as mm  # noqa: E402
from memory_models import TECH_NAMES, Tech, dram, study  # noqa: E402
from memory_models.cells import NVSIM_CELLS  # noqa: E402
from memory_models.llc_reuse import llc_traffic  # noqa: E402
from workloads import zoo  # noqa: E402

LABELS = {t: n for n, t in TECH_NAMES.items()}
NAMES = {t: n for t, n in LABELS.items() if t != Tech.SRAM}  # the technologies compared with SRAM
CAPS = [2**20 * m for m in (1, 2, 4, 8, 16)]
# networks whose traffic may stand for the profile's (batch, bits): the hit-rate gain's sensitivity
REUSE_ALTERNATIVES = [("resnet18", 16, 32), ("resnet18", 64, 32), ("vgg16", 16, 32), ("alexnet", 64, 32),
                      ("mobilenetv2", 16, 32), ("resnet18", 1, 8)]
# DRAM for the what-if below: GDDR5 (a GTX 1080 Ti has GDDR5X; our table's nearest type)
WHATIF_DRAM = "GDDR5"


def _up_to(comparisons, field="edp_js"):
    return np.max([c.ratio_vs_sram(field) for c in comparisons], axis=0)


# DeepNVM++'s four "up to" figures (study.DEEPNVM_PUBLISHED's keys), in print order
HEADLINES = {
    "iso_capacity_edp_reduction": "iso-capacity EDP reduction",
    "iso_capacity_area_reduction": "iso-capacity area reduction",
    "iso_area_edp_reduction": "iso-area EDP reduction",
    "iso_area_capacity_gain": "iso-area capacity",
}


def comparisons(p: study.AccessProfile) -> tuple[list[study.Comparison], list[study.Comparison]]:
    """The iso-capacity and iso-area comparisons at 16 nm over CAPS under ``p``."""
    return [study.iso_capacity(c, p, 16.0) for c in CAPS], [study.iso_area(c, p, 16.0) for c in CAPS]


def headline_ratios(iso_c, iso_a) -> dict[str, np.ndarray]:
    """Ours for each of HEADLINES: the maximum over CAPS of each technology's ratio to SRAM (indexed by Tech)."""
    return {
        "iso_capacity_edp_reduction": _up_to(iso_c),
        "iso_capacity_area_reduction": _up_to(iso_c, "area_mm2"),
        "iso_area_edp_reduction": _up_to(iso_a),
        "iso_area_capacity_gain": np.max([a.capacity_bytes / a.capacity_bytes[0] for a in iso_a], axis=0),
    }


def _with_reuse(p: study.AccessProfile, reuse) -> study.AccessProfile:
    network, batch, bits = reuse
    return dataclasses.replace(p, reuse_network=network, reuse_batch=batch, reuse_bits=bits)


def _dram_whatif(p: study.AccessProfile, a: study.Comparison) -> np.ndarray:
    """EDP reduction at iso-area if DRAM energy were added to each technology's energy (delay kept):
    DRAM lines from the reuse model, in the profile's units (its writes at the SRAM capacity = the
    model's array writes there)."""
    builder = zoo.ZOO[p.reuse_network][0]
    t = llc_traffic(builder(n=p.reuse_batch, w_bits=p.reuse_bits, a_bits=p.reuse_bits), a.capacity_bytes)
    lines = t.dram_bytes * p.writes / t.array_write_bytes[0]
    energy = a.energy_j + dram.access_energy_pj(WHATIF_DRAM, lines * p.word_bits) * 1e-12
    edp = energy * a.delay_s
    return edp[0] / edp


DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
# NVSim 22 nm caches: 1-8 MiB (with the CACTI rows) and 16-64 MiB (session 7), the same build and inputs;
# and its STT caches with our default STT cell's write point (memory_models.cells.STT_1T1MTJ), 8-32 MiB
REF_NVSIM = (DATA / "mem_reference_nvsim_cacti.csv", DATA / "mem_reference_nvsim_large.csv")
REF_NVSIM_DEFAULT_STT = DATA / "mem_reference_nvsim_stt_default.csv"
# which cells: "sample" (NVSim's sample_STTRAM.cell, our NVSIM_CELLS) or "default" (our default cells,
# memory_models.cells.CELLS, given to NVSim as a cell file; SRAM runs are the same 6T cell in both)
NVSIM_CELL_SETS = ("sample", "default")


@dataclasses.dataclass(frozen=True)
class NvsimPair:
    """One technology's NVSim 22 nm cache runs and ours at the same capacities and cells, with the
    unrepeated H-tree of its runs (RepeatedNone), both under one access profile."""

    capacity_bytes: np.ndarray
    nvsim: mm.MemoryCosts
    ours: mm.MemoryCosts


def nvsim_pair(tech: Tech, max_bytes: float = 32 * 2**20, cell_set: str = "sample") -> NvsimPair:
    """NVSim's stored 22 nm runs of ``tech`` up to ``max_bytes`` with ``cell_set``'s cells
    (NVSIM_CELL_SETS) and ours at the same capacities with the same cells."""
    import pandas as pd

    from memory_models.cells import CELLS

    stt_default = cell_set == "default" and tech == Tech.STT_MRAM
    files = (REF_NVSIM_DEFAULT_STT,) if stt_default else REF_NVSIM
    ref = pd.concat([pd.read_csv(f, comment="#") for f in files], ignore_index=True)
    ref = ref[(ref.tool == "NVSim") & (ref.node_nm == 22) & (ref.technology == LABELS[tech])]
    ref = ref[ref.capacity_bytes <= max_bytes].sort_values("capacity_bytes")
    caps = ref.capacity_bytes.to_numpy(dtype=float)
    cells = {"sample": NVSIM_CELLS, "default": CELLS}[cell_set]
    ours = mm.cache(int(tech), caps, 64, 22.0, cells=cells, htree="unrepeated")
    cell = cells[tech]  # the cell NVSim's runs were given (its width and area are inputs)
    theirs = mm.MemoryCosts(**{f: ref[f].to_numpy(dtype=float) for f in mm.COST_FIELDS},
                            access_width_f=np.full(len(caps), cell.access_width_f),
                            cell_area_f2=np.full(len(caps), cell.area_f2),
                            access_upsized=np.zeros(len(caps), bool))
    return NvsimPair(caps, theirs, ours)


def _edp(costs, p: study.AccessProfile) -> np.ndarray:
    return study.workload_energy_delay(costs, p.reads, p.writes, p.runtime_s)[2]


def nvsim_stt_penalty(
    p: study.AccessProfile, cell_set: str = "sample"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The larger STT cache's own EDP penalty, EDP(2C) / EDP(C), at 22 nm for each C whose 2C NVSim's runs
    with ``cell_set``'s cells hold (sample: C = 1-16 MiB; default: 8-16 MiB), from those runs and from ours
    with the same cells and unrepeated H-tree, under ``p``'s access counts (held fixed); and the
    capacities C. (2C is the iso-area step on NVSim's cells: its STT at 2C takes 0.88-1.03x its SRAM's
    area at C.)"""
    s = nvsim_pair(Tech.STT_MRAM, cell_set=cell_set)
    step = lambda x: x[1:] / x[:-1]  # noqa: E731 (capacities double row to row)
    assert np.all(s.capacity_bytes[1:] == 2 * s.capacity_bytes[:-1])
    return step(_edp(s.nvsim, p)), step(_edp(s.ours, p)), s.capacity_bytes[:-1]


def nvsim_iso_ratios(p: study.AccessProfile, cell_set: str = "sample") -> dict[str, np.ndarray]:
    """NVSim's own SRAM-vs-STT EDP reductions at 22 nm under ``p``'s fixed counts, and ours at the same
    configurations and cells (``cell_set``): iso-capacity at each SRAM capacity C its STT runs hold, and
    iso-area for an SRAM of C against the STT-MRAM of 2C wherever NVSim's STT at 2C fits in NVSim's SRAM
    area at C (NVSim's cells hold 2x, not our 16 nm study's 2.4x: 54 F^2 against 146 F^2, with their
    periphery). Ratios NaN where a comparison does not exist."""
    sram, stt = nvsim_pair(Tech.SRAM), nvsim_pair(Tech.STT_MRAM, 64 * 2**20, cell_set)
    index = {c: i for i, c in enumerate(stt.capacity_bytes)}
    iso_c = np.array([index.get(c, -1) for c in sram.capacity_bytes])
    iso_a = np.array([index.get(2 * c, -1) for c in sram.capacity_bytes])
    fits = (iso_a >= 0) & (stt.nvsim.area_mm2[iso_a] <= sram.nvsim.area_mm2)
    out = {"capacity_bytes": sram.capacity_bytes, "same_capacity": iso_c >= 0, "area_fits": fits}
    for who in ("nvsim", "ours"):
        e_s, e_m = _edp(getattr(sram, who), p), _edp(getattr(stt, who), p)
        out[f"{who}_iso_capacity"] = np.where(iso_c >= 0, e_s / e_m[iso_c], np.nan)
        out[f"{who}_iso_area"] = np.where(fits, e_s / e_m[iso_a], np.nan)
    return out


def iso_area_chain(p: study.AccessProfile, capacity_bytes: float = 16 * 2**20) -> list[tuple[str, float]]:
    """The STT iso-area EDP reduction at ``capacity_bytes`` from NVSim's own (22 nm, our default STT cell,
    unrepeated H-tree, SRAM C against STT 2C) to this study's, one methodology step at a time (fixed counts
    unless stated): ours at NVSim's configuration; our default repeated H-tree; the largest STT capacity in
    the SRAM's area (study.iso_area) instead of 2C; 16 nm instead of 22 nm; the hit-rate gain."""
    nv = nvsim_iso_ratios(p, "default")
    i = int(np.flatnonzero(nv["capacity_bytes"] == capacity_bytes)[0])

    def two_c(node, htree):
        e = [_edp(mm.cache(t, c, 64, node, htree=htree), p) for t, c in ((0, capacity_bytes),
                                                                          (1, 2 * capacity_bytes))]
        return float(e[0] / e[1])

    def largest(node, hit_gain=False):
        return float(study.iso_area(capacity_bytes, p, node, hit_gain=hit_gain).ratio_vs_sram("edp_js")[1])

    return [
        ("NVSim, 22 nm, unrepeated H-tree, 2C", float(nv["nvsim_iso_area"][i])),
        ("ours at that configuration", two_c(22.0, "unrepeated")),
        ("ours, repeated H-tree (our default)", two_c(22.0, "repeated")),
        ("largest STT capacity in the SRAM area", largest(22.0)),
        ("16 nm (the study's node)", largest(16.0)),
        ("with the hit-rate gain (the study)", largest(16.0, hit_gain=True)),
    ]


def _terms(c, p: study.AccessProfile) -> dict[str, np.ndarray]:
    """The EDP's terms: leakage and dynamic energy (J) and busy time (s) under ``p``'s counts."""
    energy, delay, _ = study.workload_energy_delay(c, p.reads, p.writes, p.runtime_s)
    leak = np.asarray(c.leakage_mw) * 1e-3 * p.runtime_s
    return {"leak_j": leak, "dynamic_j": energy - leak, "delay_s": delay}


def main(profile_name: str = "gpu-llc-inference") -> None:
    p = study.PROFILES[profile_name]
    iso_c, iso_a = comparisons(p)
    iso_a_fixed = [study.iso_area(c, p, 16.0, hit_gain=False) for c in CAPS]
    print(
        f"profile {p.name}: {p.note}; {p.reads:.3g} reads, {p.writes:.3g} writes, "
        f"{p.runtime_s:.3g} s; 16 nm, hp"
    )
    print(
        f"{'MiB':>4} {'tech':>9} {'isoC EDP red.':>14} {'isoC area red.':>15} "
        f"{'isoA cap.':>10} {'isoA writes':>12} {'isoA EDP red.':>14} {'(fixed counts)':>15}"
    )
    for cap, c, a, f in zip(CAPS, iso_c, iso_a, iso_a_fixed):
        for t, name in NAMES.items():
            print(
                f"{cap / 2**20:>4.0f} {name:>9} {c.ratio_vs_sram('edp_js')[t]:>14.2f} "
                f"{c.ratio_vs_sram('area_mm2')[t]:>15.2f} {a.capacity_bytes[t] / cap:>10.2f} "
                f"{a.writes[t] / p.writes:>12.3f} {a.ratio_vs_sram('edp_js')[t]:>14.2f} "
                f"{f.ratio_vs_sram('edp_js')[t]:>15.2f}"
            )
    pub = study.DEEPNVM_PUBLISHED
    print("\nup to (ours / DeepNVM++; iso-area EDP: book chapter 2023 / TCAD 2022):")
    rows = [(HEADLINES[k], ours, pub[k]) for k, ours in headline_ratios(iso_c, iso_a).items()]
    for label, ours, published in rows:
        cells = []
        for t in NAMES:
            ref = f"{published[t]:.1f}"
            if label == "iso-area EDP reduction":
                ref += f" / {study.DEEPNVM_TCAD_ISO_AREA_EDP_REDUCTION[t]:.1f}"
            cells.append(f"{NAMES[t]} {ours[t]:.2f} / {ref}")
        print(f"  {label:<28} " + "   ".join(cells))
    theirs, ours, caps = nvsim_stt_penalty(p)
    s = nvsim_pair(Tech.STT_MRAM)
    tn, to = _terms(s.nvsim, p), _terms(s.ours, p)
    print("\nthe larger STT cache's own penalty EDP(2C) / EDP(C), 22 nm, NVSim's cells, fixed counts (NVSim "
          "runs in tests/data/mem_reference_nvsim_{cacti,large}.csv), and its terms at C, NVSim / ours:")
    head = ("C MiB", "penalty", "leakage W", "leak share", "dynamic J", "busy s")
    print("  " + " ".join(f"{h:>{w}}" for h, w in zip(head, (5, 13, 13, 11, 13, 13))))
    rows = zip(s.capacity_bytes, np.append(theirs, np.nan), np.append(ours, np.nan))
    for i, (c, t, o) in enumerate(rows):
        share = lambda d: d["leak_j"][i] / (d["leak_j"][i] + d["dynamic_j"][i])  # noqa: E731
        pen = f"{t:.2f} / {o:.2f}" if np.isfinite(t) else ""
        print(f"  {c / 2**20:>5.0f} {pen:>13} {tn['leak_j'][i]:>6.2f} / {to['leak_j'][i]:<4.2f} "
              f"{share(tn):>4.2f} / {share(to):<4.2f} "
              f"{tn['dynamic_j'][i]:>6.2f} / {to['dynamic_j'][i]:<4.2f} "
              f"{tn['delay_s'][i]:>6.2f} / {to['delay_s'][i]:<4.2f}")
    for cell_set in NVSIM_CELL_SETS:
        iso = nvsim_iso_ratios(p, cell_set)
        print(f"NVSim's own EDP reductions vs SRAM under this profile (22 nm, {cell_set} STT cell, fixed "
              "counts), NVSim / ours at the same configurations; iso-area: SRAM C against STT 2C in its "
              "area:")
        for i, c in enumerate(iso["capacity_bytes"]):
            if not (iso["same_capacity"][i] or iso["area_fits"][i]):
                continue
            pair = lambda k: (f"{iso['nvsim_' + k][i]:.2f} / {iso['ours_' + k][i]:.2f}"  # noqa: E731
                              if np.isfinite(iso["nvsim_" + k][i]) else "-")
            print(f"  C {c / 2**20:>2.0f} MiB: iso-capacity {pair('iso_capacity'):<13} "
                  f"iso-area {pair('iso_area')}")
    t_d, o_d, c_d = nvsim_stt_penalty(p, "default")
    print("  its penalty EDP(2C) / EDP(C), NVSim / ours: "
          + ", ".join(f"C {c / 2**20:.0f} MiB {t:.2f} / {o:.2f}" for c, t, o in zip(c_d, t_d, o_d)))
    chain = iso_area_chain(p)
    print("the STT iso-area EDP reduction at 16 MiB from NVSim's to this study's, one step at a time "
          "(fixed counts but the last):")
    for (label, value), (_, before) in zip(chain, [chain[0]] + chain[:-1]):
        print(f"  {label:<40} {value:5.2f}  (x{value / before:.2f})")
    big = CAPS[-1]
    c_t, a_t = (_terms(x.costs, dataclasses.replace(p, writes=w))
                for x, w in ((iso_c[-1], p.writes), (iso_a[-1], iso_a[-1].writes[Tech.STT_MRAM])))
    grow = {k: a_t[k][Tech.STT_MRAM] / c_t[k][Tech.STT_MRAM] for k in c_t}
    print(f"this study at {big / 2**20:.0f} MiB, 16 nm: the STT cache from iso-capacity to iso-area "
          f"({iso_a[-1].capacity_bytes[Tech.STT_MRAM] / big:.2f}x the capacity): "
          f"leakage {grow['leak_j']:.2f}x "
          f"(share {c_t['leak_j'][1] / (c_t['leak_j'][1] + c_t['dynamic_j'][1]):.2f}), dynamic "
          f"{grow['dynamic_j']:.2f}x, busy time {grow['delay_s']:.2f}x, EDP "
          f"{iso_a[-1].edp_js[1] / iso_c[-1].edp_js[1]:.2f}x")
    if p.reuse_network is None:
        return
    fixed, gain = _up_to(iso_a_fixed), _up_to(iso_a)
    print(f"\niso-area EDP reduction, up to: access counts fixed {fixed[1]:.2f} / {fixed[2]:.2f} "
          f"(STT / SOT); with the hit-rate gain ({p.reuse_network} batch {p.reuse_batch}, {p.reuse_bits} "
          f"bits) {gain[1]:.2f} / {gain[2]:.2f}")
    # bound: every write a fill and no miss left in the MRAM (its writes 0), SRAM's writes kept
    no_writes = dataclasses.replace(p, writes=0.0, reuse_network=None)
    bound_edp = []
    for a0, c in zip(iso_a_fixed, CAPS):
        edp = study.iso_area(c, no_writes, 16.0).edp_js
        edp[0] = a0.edp_js[0]
        bound_edp.append(edp[0] / edp)
    bmax = np.max(bound_edp, axis=0)
    print(f"  bound (every write a fill, no MRAM miss left, run time fixed): {bmax[1]:.2f} / {bmax[2]:.2f}")
    print("  the hit-rate gain with other networks standing for the profile's traffic:")
    for reuse in REUSE_ALTERNATIVES:
        alt = _with_reuse(p, reuse)
        r = _up_to([study.iso_area(c, alt, 16.0) for c in CAPS])
        print(f"    {reuse[0]:>12} batch {reuse[1]:>3} {reuse[2]:>2} bits: {r[1]:.2f} / {r[2]:.2f}")
    whatif = np.max([_dram_whatif(p, a) for a in iso_a], axis=0)
    print(f"  what-if, {WHATIF_DRAM} DRAM energy added to the EDP (not in the figures above): "
          f"{whatif[1]:.2f} / {whatif[2]:.2f}")


if __name__ == "__main__":
    main(*sys.argv[1:])
