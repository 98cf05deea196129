"""MRAM cache read energy component by component against NVSim's own breakdown, and the STT/SRAM read ratio.

References: tests/data/mem_reference_nvsim_breakdown.csv (NVSim's per-array, per-component read energy of the
22 nm 16-way 1 and 8 MiB caches of mem_reference_nvsim_cacti.csv; its header gives the build and inputs) and
mem_reference_nvsim_cacti.csv. Ours: memory_models.model.cache_read_parts_pj with NVSim's cells and its
unrepeated H-tree (RepeatedNone), unless stated.

What was low (session 8): a normal-access cache reads its data row before the hit is known, so its data
array senses several ways and the output muxes after the amplifiers pick one. NVSim puts 4 of the 16 ways
after the amplifiers (memory_models.model.ways_sensed): 2048 fired current sense amplifiers per 512-bit line,
308 pJ at 22 nm. We sensed the line only (512 amplifiers, 77 pJ): that was most of our STT cache read being
0.52-0.77x NVSim's. Tolerances and why:
  * data-array sense amplifiers within 5 % of NVSim (observed 0.999 at 1 and 8 MiB: the same count and
    NVSim's own 150 fJ I-V converter);
  * data-array cell read: ours charges every fired amplifier's cell and reference current for its sensing
    time, NVSim only the output bits' (SubArray.cpp: cellReadEnergy x numColumn / muxSenseAmp /
    muxOutputLev1 / muxOutputLev2, while its senseamp energy counts numColumn / muxSenseAmp amplifiers):
    ours / NVSim = 4 ways x the per-bit ratio, and that per-bit ratio within 25 % (observed 1.19: our
    ohmic V_dd I_read, 0.8 V x 44.7 uA, against the cell file's ReadPower 30 uW);
  * tag array (every tag bit of the set sensed, both tools) within 20 % (observed 0.87-0.92);
  * H-tree: left alone, ours 0.35-0.49 of NVSim's unrepeated H-tree for both technologies (SRAM
    0.42-0.44): tested to lie in 0.3-0.6 for both, so the STT/SRAM ratio is not made by it;
  * STT/SRAM cache read-energy ratio at 22 / 32 nm, 1-8 MiB, over NVSim's ratio: with our default cells
    (the issue's audit table, `dse mem --node-nm 22 --capacity 1MiB,2MiB,4MiB,8MiB --roadmap hp --kind
    cache`) within 20 % (observed 1.04-1.17 at 22 nm, 0.91-1.07 at 32 nm; before: 0.54-0.68 at 22 nm);
    with NVSim's cells 1.0-1.5x, ours above (observed 1.30-1.46 at 22 nm, 1.09-1.28 at 32 nm): the cell
    current of the 3 sensed ways NVSim does not charge (+159 pJ of our 1 MiB line read) and our SRAM
    cache at 0.78-1.06x NVSim's.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import memory_models as mm
from memory_models import array, model
from memory_models.cells import CELLS, NVSIM_CELLS

DATA = Path(__file__).parent / "data"
PARTS = pd.read_csv(DATA / "mem_reference_nvsim_breakdown.csv", comment="#")
CACHES = pd.read_csv(DATA / "mem_reference_nvsim_cacti.csv", comment="#")
TECH = {"SRAM": 0, "STT-MRAM": 1}


def _ours(row) -> dict[str, float]:
    parts = model.cache_read_parts_pj(TECH[row.technology], float(row.capacity_bytes), 64, 22.0,
                                      cells=NVSIM_CELLS, htree="unrepeated")[row["array"]]
    return {k: float(v) for k, v in parts.items()}


def _rows(tech: str, arr: str) -> pd.DataFrame:
    rows = PARTS[(PARTS.technology == tech) & (PARTS["array"] == arr)]
    assert len(rows) == 2
    return rows


def test_ways_sensed_is_nvsims_way_split():
    assert model.ways_sensed([1, 2, 4, 8, 16, 32, 64]).tolist() == [1, 1, 1, 4, 4, 4, 16]


def test_parts_sum_to_the_read_energy():
    for tech in (0, 1, 2):
        caps = np.array([2.0**14, 2.0**20, 2.0**23])
        c = mm.cache(tech, caps, 64, 22.0)
        parts = model.cache_read_parts_pj(tech, caps, 64, 22.0)
        total = sum(p for arr in parts.values() for p in arr.values())
        np.testing.assert_allclose(total, c.read_energy_pj, rtol=1e-12)
        assert set(parts["data"]) == set(array.READ_PARTS)


def test_stt_data_sense_amplifiers_are_nvsims():
    for _, row in _rows("STT-MRAM", "data").iterrows():
        assert _ours(row)["sense_amp"] == pytest.approx(row.senseamp_pj, rel=0.05)


def test_stt_data_cell_read_per_fired_amplifier():
    k = float(model.ways_sensed(16))
    for _, row in _rows("STT-MRAM", "data").iterrows():
        per_bit_ratio = _ours(row)["cell_read"] / (k * row.bitline_cell_pj)
        assert per_bit_ratio == pytest.approx(1.0, abs=0.25), per_bit_ratio


def test_stt_tag_array_is_nvsims():
    for _, row in _rows("STT-MRAM", "tag").iterrows():
        assert sum(_ours(row).values()) == pytest.approx(row.read_energy_pj, rel=0.20)


@pytest.mark.parametrize("tech", ["SRAM", "STT-MRAM"])
def test_data_htree_gap_is_shared(tech):
    for _, row in _rows(tech, "data").iterrows():
        r = _ours(row)["htree"] / row.htree_pj
        assert 0.3 <= r <= 0.6, r


@pytest.mark.parametrize("cells, lo, hi", [(CELLS, 0.8, 1.2), (NVSIM_CELLS, 1.0, 1.5)], ids=["default", "nvsim"])
def test_stt_over_sram_read_energy_ratio_vs_nvsim(cells, lo, hi):
    nv = CACHES[CACHES.tool == "NVSim"]
    for node in (22, 32):
        at = nv[nv.node_nm == node]
        s, m = (at[at.technology == t].sort_values("capacity_bytes") for t in ("SRAM", "STT-MRAM"))
        caps = s.capacity_bytes.to_numpy(dtype=float)
        assert caps.tolist() == m.capacity_bytes.tolist() and len(caps) == 4
        ours = [np.asarray(mm.cache(t, caps, 64, float(node), cells=cells).read_energy_pj) for t in (0, 1)]
        r = (ours[1] / ours[0]) / (m.read_energy_pj.to_numpy() / s.read_energy_pj.to_numpy())
        assert np.all((r >= lo) & (r <= hi)), (node, r.round(2).tolist())
