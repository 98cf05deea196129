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

from memory_models import TECH_NAMES, Tech, dram, study  # noqa: E402
from memory_models.llc_reuse import llc_traffic  # noqa: E402
from workloads import zoo  # noqa: E402

NAMES = {t: n for n, t in TECH_NAMES.items() if t != Tech.SRAM}  # the technologies compared with SRAM
CAPS = [2**20 * m for m in (1, 2, 4, 8, 16)]
# networks whose traffic may stand for the profile's (batch, bits): the hit-rate gain's sensitivity
REUSE_ALTERNATIVES = [("resnet18", 16, 32), ("resnet18", 64, 32), ("vgg16", 16, 32), ("alexnet", 64, 32),
                      ("mobilenetv2", 16, 32), ("resnet18", 1, 8)]
# DRAM for the what-if below: GDDR5 (a GTX 1080 Ti has GDDR5X; our table's nearest type)
WHATIF_DRAM = "GDDR5"


def _up_to(comparisons, field="edp_js"):
    return np.max([c.ratio_vs_sram(field) for c in comparisons], axis=0)


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


REF_NVSIM = Path(__file__).resolve().parents[1] / "tests" / "data" / "mem_reference_nvsim_cacti.csv"


def nvsim_stt_penalty(p: study.AccessProfile) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The larger STT cache's own EDP penalty, EDP(2C) / EDP(C), for C = 1, 2, 4 MiB at 22 nm, from the
    stored NVSim cache runs and from ours with NVSim's cells and unrepeated H-tree (the same 2x step: NVSim's
    STT at 2C takes 0.94-1.03x the SRAM area at C), under ``p``'s access counts (held fixed); and the
    capacities C."""
    import pandas as pd

    import memory_models as mm
    from memory_models.cells import NVSIM_CELLS

    ref = pd.read_csv(REF_NVSIM, comment="#")
    ref = ref[(ref.tool == "NVSim") & (ref.node_nm == 22) & (ref.technology == "STT-MRAM")]
    ref = ref.sort_values("capacity_bytes")
    caps = ref.capacity_bytes.to_numpy(dtype=float)
    ours = mm.cache(int(Tech.STT_MRAM), caps, p.word_bits // 8, 22.0, cells=NVSIM_CELLS, htree="unrepeated")

    def edp(c):
        e, d, x = study.workload_energy_delay(c, p.reads, p.writes, p.runtime_s)
        return x

    cell = NVSIM_CELLS[Tech.STT_MRAM]  # the cell NVSim's runs were given (its width and area are inputs)
    theirs = mm.MemoryCosts(**{f: ref[f].to_numpy(dtype=float) for f in mm.COST_FIELDS},
                            access_width_f=np.full(len(caps), cell.access_width_f),
                            cell_area_f2=np.full(len(caps), cell.area_f2),
                            access_upsized=np.zeros(len(caps), bool))
    step = lambda x: x[1:] / x[:-1]  # noqa: E731 (capacities double row to row)
    return step(edp(theirs)), step(edp(ours)), caps[:-1]


def main(profile_name: str = "gpu-llc-inference") -> None:
    p = study.PROFILES[profile_name]
    iso_c = [study.iso_capacity(c, p, 16.0) for c in CAPS]
    iso_a = [study.iso_area(c, p, 16.0) for c in CAPS]
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
    rows = [
        ("iso-capacity EDP reduction", _up_to(iso_c), pub["iso_capacity_edp_reduction"]),
        ("iso-capacity area reduction", _up_to(iso_c, "area_mm2"), pub["iso_capacity_area_reduction"]),
        ("iso-area EDP reduction", _up_to(iso_a), pub["iso_area_edp_reduction"]),
        ("iso-area capacity", np.max([a.capacity_bytes / a.capacity_bytes[0] for a in iso_a], axis=0),
         pub["iso_area_capacity_gain"]),
    ]
    for label, ours, published in rows:
        cells = []
        for t in NAMES:
            ref = f"{published[t]:.1f}"
            if label == "iso-area EDP reduction":
                ref += f" / {study.DEEPNVM_TCAD_ISO_AREA_EDP_REDUCTION[t]:.1f}"
            cells.append(f"{NAMES[t]} {ours[t]:.2f} / {ref}")
        print(f"  {label:<28} " + "   ".join(cells))
    theirs, ours, caps = nvsim_stt_penalty(p)
    print("\nthe larger STT cache's own penalty EDP(2C) / EDP(C), 22 nm, NVSim's cells, fixed counts "
          "(NVSim runs in tests/data/mem_reference_nvsim_cacti.csv):")
    for c, t, o in zip(caps, theirs, ours):
        print(f"  C {c / 2**20:>2.0f} MiB: NVSim {t:.2f}  ours {o:.2f}")
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
