"""On-chip memory (SRAM, STT-MRAM, SOT-MRAM) and DRAM models, vectorized over configurations.

costs = memory_models.buffer(tech, capacity_bytes, word_bits, node_nm)   # arrays broadcast
costs.read_energy_pj, costs.write_energy_pj, costs.read_latency_ns, costs.write_latency_ns,
costs.leakage_mw, costs.area_mm2                                          # per access of word_bits
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

__all__ = ["CELL_FIELDS", "COST_FIELDS", "SPAD_KINDS", "TECH_NAMES", "MemoryCosts", "Tech", "buffer", "cache",
           "regfile", "tech_codes"]


class Tech(IntEnum):
    SRAM = 0
    STT_MRAM = 1
    SOT_MRAM = 2


TECH_NAMES: dict[str, Tech] = {"SRAM": Tech.SRAM, "STT-MRAM": Tech.STT_MRAM, "SOT-MRAM": Tech.SOT_MRAM}
# How a per-PE scratchpad is built (code = index): a latch register file (``regfile``) or a one-bank SRAM
# macro (``buffer``, SRAM cells), which is denser but costs more per access at a few hundred bytes.
SPAD_KINDS = ("regfile", "sram")


def tech_codes(names: np.ndarray) -> np.ndarray:
    names = np.asarray(names)
    uniq, inverse = np.unique(names, return_inverse=True)
    unknown = [str(u) for u in uniq if str(u) not in TECH_NAMES]
    if unknown:
        raise ValueError(f"unknown memory technology {unknown}; expected one of {list(TECH_NAMES)}")
    return np.array([TECH_NAMES[str(u)] for u in uniq])[inverse.reshape(-1)]


@dataclass(frozen=True)
class MemoryCosts:
    """Costs of one memory configuration per element; energies per access of ``word_bits``."""

    read_energy_pj: np.ndarray
    write_energy_pj: np.ndarray
    read_latency_ns: np.ndarray
    write_latency_ns: np.ndarray
    leakage_mw: np.ndarray
    area_mm2: np.ndarray
    # the cell as sized for its write current (memory_models.drive): the write device's width in F (STT:
    # the access device; SOT: the write transistor; SRAM: the access device; register file: its port
    # device), the cell area in F^2, and whether the write device had to exceed the cell file's width
    access_width_f: np.ndarray
    cell_area_f2: np.ndarray
    access_upsized: np.ndarray


# The MemoryCosts fields in the order tables report them (dse mem's CSV columns, the reference tests).
COST_FIELDS = (
    "read_latency_ns",
    "write_latency_ns",
    "read_energy_pj",
    "write_energy_pj",
    "leakage_mw",
    "area_mm2",
)
# The sized cell's MemoryCosts fields (dse mem's columns after COST_FIELDS).
CELL_FIELDS = ("access_width_f", "cell_area_f2", "access_upsized")

def buffer(
    tech, capacity_bytes, word_bits, node_nm=45.0, banks=1, target="read_edp", cells=None, roadmap="hp",
    htree="repeated", vdd_v=None,
) -> MemoryCosts:
    """A scratchpad / global buffer (no tags) of ``capacity_bytes`` accessed ``word_bits`` at a time.

    ``target`` is the organisation search objective (memory_models.array.TARGETS); ``cells`` overrides
    the cell parameter sets (default memory_models.cells.CELLS); ``roadmap`` is the CMOS device roadmap
    ("hp" as NVSim/CACTI by default, "lop", "lstp"; memory_models.technology); ``htree`` the H-tree wiring
    ("repeated", the default, or "unrepeated"; memory_models.array.HTREES); ``vdd_v`` the memory's supply in V
    (default the roadmap's; memory_models.technology says how drive, energy and leakage follow it)."""
    from memory_models import model

    return model.buffer(
        tech, capacity_bytes, word_bits, node_nm, banks, target=target, cells=cells, roadmap=roadmap,
        htree=htree, vdd_v=vdd_v,
    )


def cache(
    tech, capacity_bytes, line_bytes=64, node_nm=45.0, banks=1, target="read_edp", cells=None, roadmap="hp",
    htree="repeated", vdd_v=None, sensed_ways=None,
) -> MemoryCosts:
    """A 16-way cache (tag + data, normal access) returning one ``line_bytes`` line per access; its data
    array senses several ways per read (``sensed_ways``, default memory_models.model.ways_sensed)."""
    from memory_models import model

    return model.cache(
        tech, capacity_bytes, line_bytes, node_nm, banks, target=target, cells=cells, roadmap=roadmap,
        htree=htree, vdd_v=vdd_v, sensed_ways=sensed_ways,
    )


def regfile(capacity_bytes, word_bits, node_nm=45.0, roadmap="hp", vdd_v=None) -> MemoryCosts:
    """A small per-PE register-file scratchpad (latch based)."""
    from memory_models import model

    return model.regfile(capacity_bytes, word_bits, node_nm, roadmap=roadmap, vdd_v=vdd_v)
