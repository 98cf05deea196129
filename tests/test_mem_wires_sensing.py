"""MRAM current sensing and H-tree wire RC against NVSim RAM-mode runs and the CACTI 7 / NVSim cache runs.

References: tests/data/mem_reference_nvsim_ram.csv (NVSim buffers, 512-bit word, 22 nm; its header gives
the build, configuration and what NVSim charges an MRAM read) and mem_reference_nvsim_cacti.csv.
Tolerances and why:
  * STT-MRAM read energy in RAM mode within 20 % of NVSim with our default (repeated) H-tree (observed
    0.91-1.16): the same per-bit model (a fired current sense amplifier + cell and reference current for
    its sensing time). With our unrepeated H-tree within 35 % (observed 0.70-1.01): NVSim's global-layer
    wires charge more per um than our wire capacitance (0.2 fF/um) without repeater loads.
  * STT-MRAM read latency in RAM mode (both unrepeated H-trees) within 25 % (observed 1.05-1.19): ours adds
    the ~60 FO4 macro control path calibrated on the IHP macros (0.47 ns at 22 nm) that NVSim does not model.
  * SRAM read-latency growth from 1 to 8 MiB. With repeated H-tree wires (our default, CACTI 7's Global_30)
    within 15 % of CACTI 7's growth (1.85x at 22 nm, 1.62x at 32 nm). With unrepeated wires (NVSim's
    RepeatedNone, the setting of the NVSim references) within 30 % of NVSim's growth (4.16x / 3.59x;
    observed 0.73-0.75 of it: our fixed control path is a larger share of the 1 MiB latency), and at least
    1.4x our repeated growth: the distributed RC delay grows as the square of the H-tree length.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import memory_models as mm
from memory_models import TECH_NAMES, Tech
from memory_models.cells import NVSIM_CELLS

DATA = Path(__file__).parent / "data"
RAM = pd.read_csv(DATA / "mem_reference_nvsim_ram.csv", comment="#")
CACHE = pd.read_csv(DATA / "mem_reference_nvsim_cacti.csv", comment="#")


def _ram(tech: str, wire: str) -> pd.DataFrame:
    return RAM[(RAM.technology == tech) & (RAM.wire == wire)].sort_values("capacity_bytes")


def _buffer(ref: pd.DataFrame, htree: str) -> mm.MemoryCosts:
    tech = np.array([int(TECH_NAMES[t]) for t in ref.technology])
    return mm.buffer(tech, ref.capacity_bytes.to_numpy(), 512, 22.0, cells=NVSIM_CELLS, htree=htree)


def test_stt_read_in_ram_mode_matches_nvsim():
    ref = _ram("STT-MRAM", "none")
    for htree, tol in (("repeated", 0.20), ("unrepeated", 0.35)):
        ours = _buffer(ref, htree)
        r_e = np.asarray(ours.read_energy_pj) / ref.read_energy_pj.to_numpy()
        assert np.all(np.abs(r_e - 1) <= tol), (htree, r_e.round(3).tolist())
    r_t = np.asarray(_buffer(ref, "unrepeated").read_latency_ns) / ref.read_latency_ns.to_numpy()
    assert np.all(np.abs(r_t - 1) <= 0.25), r_t.round(3).tolist()


def _growth(latency: np.ndarray) -> float:
    return float(latency[-1] / latency[0])


@pytest.mark.parametrize("node", [22, 32])
def test_sram_latency_growth_from_wire_rc(node):
    sel = (CACHE.technology == "SRAM") & (CACHE.node_nm == node)
    caps = np.array([2**20, 8 * 2**20])
    ref = {
        tool: CACHE[sel & (CACHE.tool == tool)].set_index("capacity_bytes").loc[caps]
        for tool in ("CACTI7", "NVSim")
    }
    ours = {
        h: np.asarray(mm.cache(Tech.SRAM, caps, 64, float(node), cells=NVSIM_CELLS, htree=h).read_latency_ns)
        for h in ("repeated", "unrepeated")
    }
    rep = _growth(ours["repeated"]) / _growth(ref["CACTI7"].read_latency_ns.to_numpy())
    unrep = _growth(ours["unrepeated"]) / _growth(ref["NVSim"].read_latency_ns.to_numpy())
    assert abs(rep - 1) <= 0.15, rep
    assert abs(unrep - 1) <= 0.30, unrep
    assert _growth(ours["unrepeated"]) >= 1.4 * _growth(ours["repeated"])


def test_nvsim_own_repeater_setting_moves_growth_as_ours():
    """NVSim itself: its SRAM read latency grows 5.8x from 1 to 8 MiB without repeaters and 2.4x with
    Repeated30%Penalty; ours moves the same way (the stored runs are the evidence for which is which)."""
    none, rep = _ram("SRAM", "none"), _ram("SRAM", "repeated30")
    caps = rep.capacity_bytes.to_numpy()
    nv_none = _growth(none.set_index("capacity_bytes").loc[caps].read_latency_ns.to_numpy())
    nv_rep = _growth(rep.read_latency_ns.to_numpy())
    ours = {
        h: _growth(np.asarray(mm.buffer(Tech.SRAM, caps, 512, 22.0, cells=NVSIM_CELLS, htree=h).read_latency_ns))
        for h in ("repeated", "unrepeated")
    }
    assert nv_none > 2 * nv_rep
    assert ours["unrepeated"] > 1.4 * ours["repeated"]
    assert 1.5 <= ours["repeated"] <= nv_rep * 1.15


def test_bad_htree_is_refused():
    with pytest.raises(mm.errors.MemoryModelError, match="htree"):
        mm.buffer(Tech.SRAM, 2**20, 64, 22.0, htree="spiral")
