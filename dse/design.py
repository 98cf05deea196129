"""Design points as a struct of arrays, generated from the spec's cartesian space by index range.

Point ``i`` of a space is ``np.unravel_index(i, shape)`` over the parameters in ``dse.params.SPACE``
order, so any chunk ``[start, stop)`` can be built (and re-built on resume) without the others.
``DesignBatch`` has one array field per parameter (``Param.batch_field``, its codes), plus
``point_id`` and the PE type's kind and native widths (``DERIVED``); it is generated from the schema.
"""

from __future__ import annotations

from dataclasses import fields, make_dataclass

import numpy as np

from dse.params import SPACE
from dse.spec import Spec
from pe_models import scaling
from pe_models.catalog import PE_NAMES, pe_type_arrays

# Fields that are not parameters: the point's index in the space, and what the PE type implies.
DERIVED = {
    "point_id": "int64 index in the space",
    "pe_kind": "PEKind code of the PE type",
    "pe_w_bits": "the PE's native weight width",
    "pe_a_bits": "the PE's native activation width",
}


def supply_v(vdd_v: np.ndarray, node_nm: np.ndarray) -> np.ndarray:
    """The logic supply: ``vdd_v`` where given, else (encoded as 0) the node's nominal supply."""
    vdd_v = np.asarray(vdd_v, dtype=float)
    return np.where(vdd_v > 0, vdd_v, scaling.nominal_vdd_v(node_nm))


# memory_vdd_v may stray this far from its roadmap's supply (dse.params: memory_vdd_v's bound)
MEMORY_VDD_RANGE_REL = (0.5, 1.5)


def roadmap_vdd_v(node_nm: np.ndarray, roadmap: np.ndarray) -> np.ndarray:
    """The memory devices' own supply at each point's node and roadmap code (memory_models.technology)."""
    from memory_models import technology

    node, code = np.broadcast_arrays(np.asarray(node_nm, float), np.asarray(roadmap, int))
    out = np.empty(node.shape)
    for r in np.unique(code):  # at most len(ROADMAPS) groups, not a loop over points
        out[code == r] = technology.vdd_v(node[code == r], technology.ROADMAPS[int(r)])
    return out


def memory_supply_v(memory_vdd_v: np.ndarray, node_nm: np.ndarray, roadmap: np.ndarray) -> np.ndarray:
    """The memories' supply: ``memory_vdd_v`` where given, else (encoded as 0) their roadmap's; raises
    ValueError naming the first value outside MEMORY_VDD_RANGE_REL x the roadmap's supply or too close to its
    devices' threshold (memory_models.technology.supply_v)."""
    nominal = roadmap_vdd_v(node_nm, roadmap)
    v = np.broadcast_to(np.asarray(memory_vdd_v, dtype=float), nominal.shape)
    out = np.where(v > 0, v, nominal)
    bad = (out < MEMORY_VDD_RANGE_REL[0] * nominal) | (out > MEMORY_VDD_RANGE_REL[1] * nominal)
    if bad.any():
        i = np.flatnonzero(bad.reshape(-1))[0]
        raise ValueError(f"memory_vdd_v {out.reshape(-1)[i]:g} outside {MEMORY_VDD_RANGE_REL[0]}-"
                         f"{MEMORY_VDD_RANGE_REL[1]} x the {nominal.reshape(-1)[i]:g} V of the memory roadmap at "
                         f"{np.broadcast_to(node_nm, nominal.shape).reshape(-1)[i]:g} nm")
    from memory_models import technology

    for r in np.unique(np.broadcast_to(np.asarray(roadmap, int), out.shape)):  # a few roadmaps, not points
        sel = np.broadcast_to(np.asarray(roadmap, int), out.shape) == r
        technology.supply_v(np.broadcast_to(node_nm, out.shape)[sel], technology.ROADMAPS[int(r)], out[sel],
                            name="memory_vdd_v")  # the devices' strong-inversion bound
    return out


def _len(self) -> int:
    return len(self.point_id)


def _supply_v(self) -> np.ndarray:
    return supply_v(self.vdd_v, self.node_nm)


def _memory_supply_v(self) -> np.ndarray:
    return memory_supply_v(self.memory_vdd_v, self.node_nm, self.memory_roadmap)


def _take(self, idx: np.ndarray):
    return type(self)(**{f.name: getattr(self, f.name)[idx] for f in fields(self)})


def _columns(self) -> dict[str, np.ndarray]:
    """User-facing parameter columns (names as in the spec), in the schema's order."""
    return {"point_id": self.point_id, **{name: p.values_column(self) for name, p in SPACE.items()}}


DesignBatch = make_dataclass(
    "DesignBatch", [(name, np.ndarray) for name in (*DERIVED, *(p.batch_field for p in SPACE.values()))],
    frozen=True,
    namespace={"__module__": __name__, "__len__": _len, "supply_v": property(_supply_v),
               "memory_supply_v": property(_memory_supply_v), "take": _take, "columns": _columns,
               "__doc__": "P design points; every field is an array of length P (dse.params.SPACE fields, "
                          "codes; plus " + ", ".join(DERIVED) + ")."})


def encode(name: str, values: tuple) -> np.ndarray:
    """Spec values of one parameter as the numeric codes the models take."""
    return SPACE[name].codes(values)


def glb_capacity_bytes(glb_bytes, area_mm2, tech, node_nm, banks, roadmap, memory_vdd_v=0.0) -> np.ndarray:
    """The GLB capacity of each point: ``glb_bytes``, or where an area budget is set (> 0) the largest
    capacity of the point's technology within it at the memories' supply (iso-area; memory_models.study;
    the supply sizes an MRAM cell, memory_models.drive)."""
    from dse.hardware import GLB_BANK_WORD_BITS
    from memory_models.study import buffer_capacity_for_area
    from memory_models.technology import ROADMAPS

    out = np.asarray(glb_bytes, dtype=np.int64).copy()
    for r in np.unique(roadmap[area_mm2 > 0]):  # at most len(ROADMAPS) groups
        sel = (area_mm2 > 0) & (roadmap == r)
        vdd = memory_supply_v(np.broadcast_to(memory_vdd_v, sel.shape)[sel], node_nm[sel], roadmap[sel])
        out[sel] = buffer_capacity_for_area(tech[sel], area_mm2[sel], GLB_BANK_WORD_BITS, node_nm[sel],
                                            banks[sel], roadmap=ROADMAPS[r], vdd_v=vdd).astype(np.int64)
    return out


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
    # (a space may end in dimensions that are not design parameters, e.g. policy: search's error budget)
    cols = {SPACE[name].batch_field: SPACE[name].codes(values)[i] for (name, values), i in zip(space, idx)
            if name in SPACE}
    kind, w, a = pe_type_arrays(np.asarray(PE_NAMES)[cols["pe_type"]])
    cols["glb_bytes"] = glb_capacity_bytes(cols["glb_bytes"], cols["glb_area_mm2"], cols["glb_tech"],
                                           cols["node_nm"], cols["glb_banks"], cols["memory_roadmap"],
                                           cols["memory_vdd_v"])
    return DesignBatch(point_id=ids, pe_kind=kind, pe_w_bits=w, pe_a_bits=a, **cols)
