"""Print our memory model next to the NVSim / CACTI 7 / IHP SG13G2 reference figures (ratio ours/ref).

/work/venv/bin/python benchmarks/mem_calibration.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

import memory_models as mm
from memory_models import COST_FIELDS, TECH_NAMES
from memory_models.cells import NVSIM_CELLS

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"


def compare_caches() -> pd.DataFrame:
    ref = pd.read_csv(DATA / "mem_reference_nvsim_cacti.csv", comment="#")
    tech = np.array([TECH_NAMES[t] for t in ref.technology])
    ours = mm.cache(
        tech, ref.capacity_bytes.to_numpy(), 64, ref.node_nm.to_numpy().astype(float), cells=NVSIM_CELLS
    )
    out = ref[["tool", "technology", "node_nm", "capacity_bytes"]].copy()
    for f in COST_FIELDS:
        out[f] = np.asarray(getattr(ours, f)) / ref[f].to_numpy()
    return out


def compare_nvsim_ram() -> pd.DataFrame:
    """NVSim RAM-mode buffers (512-bit word, 22 nm) against ours with the same H-tree wiring."""
    ref = pd.read_csv(DATA / "mem_reference_nvsim_ram.csv", comment="#")
    out = ref[["technology", "capacity_bytes", "wire"]].copy()
    for wire, htree in (("none", "unrepeated"), ("repeated30", "repeated")):
        sel = (ref.wire == wire).to_numpy()
        tech = np.array([TECH_NAMES[t] for t in ref.technology[sel]])
        ours = mm.buffer(tech, ref.capacity_bytes[sel].to_numpy(), 512, 22.0, cells=NVSIM_CELLS, htree=htree)
        for f in COST_FIELDS:
            out.loc[sel, f] = np.asarray(getattr(ours, f)) / ref.loc[sel, f].to_numpy()
    return out


def compare_ihp() -> pd.DataFrame:
    ref = pd.read_csv(DATA / "mem_reference_ihp_sg13g2.csv", comment="#")
    ours = mm.buffer(mm.Tech.SRAM, ref.capacity_bytes.to_numpy(), ref.bits.to_numpy(), 130.0, target="area")
    out = ref[["words", "bits"]].copy()
    out["area"] = np.asarray(ours.area_mm2) * 1e6 / ref.area_um2
    out["read_latency"] = np.asarray(ours.read_latency_ns) / ref.read_latency_ns
    out["read_energy"] = np.asarray(ours.read_energy_pj) / ref.read_energy_pj
    out["write_energy"] = np.asarray(ours.write_energy_pj) / ref.write_energy_pj
    return out


if __name__ == "__main__":
    pd.set_option("display.width", 200)
    print("ours / reference, caches (16-way, 64 B lines):")
    print(compare_caches().round(2).to_string(index=False))
    print("\nours / reference, NVSim RAM-mode buffers (512-bit word, 22 nm; "
          "wire none = our unrepeated H-tree):")
    print(compare_nvsim_ram().round(2).to_string(index=False))
    print("\nours / reference, IHP SG13G2 130 nm SRAM macros:")
    print(compare_ihp().round(2).to_string(index=False))
