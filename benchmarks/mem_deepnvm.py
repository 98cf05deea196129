"""Our iso-capacity / iso-area figures next to DeepNVM++'s published ratios (16 nm GPU LLC).

    /work/venv/bin/python benchmarks/mem_deepnvm.py [profile]

Profiles and the EDP definition: memory_models/study.py. "up to" = maximum over 1-16 MiB.
"""

from __future__ import annotations

import sys

import numpy as np

from memory_models import TECH_NAMES, Tech, study

NAMES = {t: n for n, t in TECH_NAMES.items() if t != Tech.SRAM}  # the technologies compared with SRAM


def main(profile_name: str = "gpu-llc-inference") -> None:
    p = study.PROFILES[profile_name]
    caps = [2**20 * m for m in (1, 2, 4, 8, 16)]
    iso_c = [study.iso_capacity(c, p, 16.0) for c in caps]
    iso_a = [study.iso_area(c, p, 16.0) for c in caps]
    print(
        f"profile {p.name}: {p.note}; {p.reads:.3g} reads, {p.writes:.3g} writes, "
        f"{p.runtime_s:.3g} s; 16 nm, hp"
    )
    print(
        f"{'MiB':>4} {'tech':>9} {'isoC EDP red.':>14} {'isoC area red.':>15} "
        f"{'isoA cap.':>10} {'isoA EDP red.':>14}"
    )
    for cap, c, a in zip(caps, iso_c, iso_a):
        for t, name in NAMES.items():
            print(
                f"{cap / 2**20:>4.0f} {name:>9} {c.ratio_vs_sram('edp_js')[t]:>14.2f} "
                f"{c.ratio_vs_sram('area_mm2')[t]:>15.2f} {a.capacity_bytes[t] / cap:>10.2f} "
                f"{a.ratio_vs_sram('edp_js')[t]:>14.2f}"
            )
    pub = study.DEEPNVM_PUBLISHED
    print("\nup to (ours / DeepNVM++ TCAD 2022):")
    rows = [
        (
            "iso-capacity EDP reduction",
            np.max([c.ratio_vs_sram("edp_js") for c in iso_c], axis=0),
            pub["iso_capacity_edp_reduction"],
        ),
        (
            "iso-capacity area reduction",
            np.max([c.ratio_vs_sram("area_mm2") for c in iso_c], axis=0),
            pub["iso_capacity_area_reduction"],
        ),
        (
            "iso-area EDP reduction",
            np.max([a.ratio_vs_sram("edp_js") for a in iso_a], axis=0),
            pub["iso_area_edp_reduction"],
        ),
        (
            "iso-area capacity",
            np.max([a.capacity_bytes / a.capacity_bytes[0] for a in iso_a], axis=0),
            pub["iso_area_capacity_gain"],
        ),
    ]
    for label, ours, published in rows:
        print(f"  {label:<28} " + "   ".join(f"{NAMES[t]} {ours[t]:.2f} / {published[t]:.1f}" for t in NAMES))


if __name__ == "__main__":
    main(*sys.argv[1:])
