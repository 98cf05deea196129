"""Design points as a struct of arrays, generated from the spec's cartesian space by index range.

Point ``i`` of a space is ``np.unravel_index(i, shape)`` over the parameters in ``PARAMS`` order,
so any chunk ``[start, stop)`` can be built (and re-built on resume) without the others.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from dse.spec import DATAFLOWS, Spec
from dse.units import BYTES_PER_KIB
from memory_models import TECH_NAMES, tech_codes
from memory_models.dram import DRAM_TYPES
from memory_models.technology import ROADMAPS
from pe_models import scaling
from pe_models.catalog import PE_NAMES, pe_type_arrays


@dataclass(frozen=True)
class DesignBatch:
    """P design points; every field is an array of length P (names carry units)."""

    point_id: np.ndarray  # int64 index in the space
    pe_type: np.ndarray  # int16 index into PE_NAMES
    pe_kind: np.ndarray  # PEKind codes
    pe_w_bits: np.ndarray
    pe_a_bits: np.ndarray
    pe_rows: np.ndarray
    pe_cols: np.ndarray
    spad_ifmap_words: np.ndarray
    spad_filter_words: np.ndarray
    spad_psum_words: np.ndarray
    glb_bytes: np.ndarray
    glb_tech: np.ndarray  # memory_models.Tech codes
    glb_banks: np.ndarray
    dram_type: np.ndarray  # index into DRAM_TYPES
    dram_bw_gbps: np.ndarray
    clock_mhz: np.ndarray
    node_nm: np.ndarray
    dataflow: np.ndarray  # index into DATAFLOWS
    noc_multicast: np.ndarray  # 1 on, 0 off
    psum_activation: np.ndarray  # 1: psums truncated to the activation width, 0: full accumulator
    noc_pj_per_bit_mm: np.ndarray
    memory_roadmap: np.ndarray  # index into memory_models.technology.ROADMAPS
    vdd_v: np.ndarray  # logic supply; 0 = the node's nominal (see supply_v)

    def __len__(self) -> int:
        return len(self.point_id)

    @property
    def supply_v(self) -> np.ndarray:
        return supply_v(self.vdd_v, self.node_nm)

    def take(self, idx: np.ndarray) -> DesignBatch:
        return DesignBatch(**{f.name: getattr(self, f.name)[idx] for f in fields(self)})

    def columns(self) -> dict[str, np.ndarray]:
        """User-facing parameter columns (names as in the spec)."""
        return {
            "point_id": self.point_id,
            "pe_type": np.asarray(PE_NAMES, dtype=object)[self.pe_type],
            "pe_rows": self.pe_rows,
            "pe_cols": self.pe_cols,
            "spad_ifmap_words": self.spad_ifmap_words,
            "spad_filter_words": self.spad_filter_words,
            "spad_psum_words": self.spad_psum_words,
            "glb_kib": self.glb_bytes / BYTES_PER_KIB,
            "glb_tech": np.asarray(list(TECH_NAMES), dtype=object)[self.glb_tech],  # names in Tech code order
            "glb_banks": self.glb_banks,
            "dram_type": np.asarray(list(DRAM_TYPES), dtype=object)[self.dram_type],
            "dram_bw_gbps": self.dram_bw_gbps,
            "clock_mhz": self.clock_mhz,
            "node_nm": self.node_nm,
            "dataflow": np.asarray(DATAFLOWS, dtype=object)[self.dataflow],
            "psum_width": np.where(self.psum_activation == 1, "activation", "accumulator").astype(object),
            "noc_multicast": np.where(self.noc_multicast == 1, "on", "off").astype(object),
            "memory_roadmap": np.asarray(ROADMAPS, dtype=object)[self.memory_roadmap],
            "vdd_v": self.supply_v,
            "noc_pj_per_bit_mm": self.noc_pj_per_bit_mm,
        }




def supply_v(vdd_v: np.ndarray, node_nm: np.ndarray) -> np.ndarray:
    """The logic supply: ``vdd_v`` where given, else (encoded as 0) the node's nominal supply."""
    vdd_v = np.asarray(vdd_v, dtype=float)
    return np.where(vdd_v > 0, vdd_v, scaling.nominal_vdd_v(node_nm))


def encode(name: str, values: tuple) -> np.ndarray:
    """Spec values of one parameter as the numeric codes the models take."""
    if name == "pe_type":
        return np.array([PE_NAMES.index(v) for v in values], dtype=np.int16)
    if name == "glb_tech":
        return tech_codes(np.array(values)).astype(np.int8)
    if name == "dram_type":
        return np.array([list(DRAM_TYPES).index(v) for v in values], dtype=np.int8)
    if name == "dataflow":
        return np.array([DATAFLOWS.index(v) for v in values], dtype=np.int8)
    if name == "psum_width":
        return np.array([v == "activation" for v in values], dtype=np.int8)
    if name == "noc_multicast":
        return np.array([v == "on" for v in values], dtype=np.int8)
    if name == "vdd_v":  # 0 = the node's nominal supply, resolved in dse.hardware
        return np.array([0.0 if v == "nominal" else float(v) for v in values])
    if name == "memory_roadmap":
        return np.array([ROADMAPS.index(v) for v in values], dtype=np.int8)
    if name == "glb_kib":
        return np.round(np.array(values, dtype=float) * BYTES_PER_KIB).astype(np.int64)
    return np.array(values)


def batch(spec: Spec, start: int = 0, stop: int | None = None) -> DesignBatch:
    """Points ``[start, stop)`` of the spec's space."""
    stop = spec.n_points if stop is None else min(stop, spec.n_points)
    return points(spec, np.arange(start, stop, dtype=np.int64))


def points(spec: Spec, ids: np.ndarray) -> DesignBatch:
    """The design points with the given indices in the spec's space."""
    space = spec.space
    ids = np.asarray(ids, dtype=np.int64)
    shape = tuple(len(v) for _, v in space)
    idx = np.unravel_index(ids, shape)
    cols = {name: encode(name, values)[i] for (name, values), i in zip(space, idx)}
    kind, w, a = pe_type_arrays(np.asarray(PE_NAMES)[cols["pe_type"]])
    return DesignBatch(
        point_id=ids,
        pe_type=cols["pe_type"],
        pe_kind=kind,
        pe_w_bits=w,
        pe_a_bits=a,
        pe_rows=cols["pe_rows"].astype(np.int64),
        pe_cols=cols["pe_cols"].astype(np.int64),
        spad_ifmap_words=cols["spad_ifmap_words"].astype(np.int64),
        spad_filter_words=cols["spad_filter_words"].astype(np.int64),
        spad_psum_words=cols["spad_psum_words"].astype(np.int64),
        glb_bytes=cols["glb_kib"],
        glb_tech=cols["glb_tech"],
        glb_banks=cols["glb_banks"].astype(np.int64),
        dram_type=cols["dram_type"],
        dram_bw_gbps=cols["dram_bw_gbps"].astype(float),
        clock_mhz=cols["clock_mhz"].astype(float),
        node_nm=cols["node_nm"].astype(float),
        dataflow=cols["dataflow"],
        noc_multicast=cols["noc_multicast"],
        psum_activation=cols["psum_width"],
        noc_pj_per_bit_mm=cols["noc_pj_per_bit_mm"].astype(float),
        memory_roadmap=cols["memory_roadmap"],
        vdd_v=cols["vdd_v"].astype(float),
    )
