"""Candidate tables: the pruned count tables of every layer on the distinct geometries of a batch.

Points are grouped by geometry (``dse.dataflows.Geometry``: everything that fixes the legal mappings
and their action counts). A layer's table is built once per geometry: the candidate terms with
numpy once per distinct array geometry, the DRAM tiling once per GLB size and widths
(``dse.dataflows.factored_counts``), combined and pruned by a kernel (``dse.mapping.prune``).

Bit widths: each operand moves at its effective width (layer bits, or the PE's bits when the policy
makes the network follow the PE); scratchpad capacities are in words of the PE's width, so narrower
operands pack several per word. A layer wider than the PE is decomposed into
``ceil(w/pe_w) * ceil(a/pe_a)`` passes (bit-serial decomposition).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from dse import dataflows
from dse.actions import COUNTS
from dse.design import DesignBatch
from dse.hardware import HardwareCosts
from dse.params import GRAPH, SPACE
from dse.mapping.prune import gather_factored, skyline_factored
from workloads.layer import Layer


def effective_bits(layer: Layer, pe_w: np.ndarray, pe_a: np.ndarray, follow_pe: bool, kv_bits=None):
    """(w_bits, a_bits, o_bits, passes) arrays for this layer on each PE.

    The KV cache keeps its own width whatever the PE (``kv_bits`` per point, 0 or None: the layer's
    own): the cache operand of a ``kv_cache = read`` layer (its weight side) and the outputs of a
    ``kv_cache = write`` projection. A cache operand wider than the PE's weight port takes passes."""
    pe_w, pe_a = np.asarray(pe_w, float), np.asarray(pe_a, float)
    if follow_pe:
        w, a = pe_w.copy(), pe_a.copy()
        o = a.copy()
    else:
        w = np.full(pe_w.shape, float(layer.w_bits))
        a = np.full(pe_w.shape, float(layer.a_bits))
        o = np.full(pe_w.shape, float(layer.o_bits))
    kv = np.zeros(pe_w.shape) if kv_bits is None else np.asarray(kv_bits, float)
    if layer.kv_cache == "read":
        w = np.where(kv > 0, kv, float(layer.w_bits))
    elif layer.kv_cache == "write":
        o = np.where(kv > 0, kv, float(layer.o_bits))
    passes = np.ceil(w / pe_w) * np.ceil(a / pe_a)
    return w, a, o, passes


# The KV cache stays in the GLB across decode steps when it takes at most this share of the GLB; the
# rest holds the layers' double-buffered tiles (our choice: the DRAM tiling needs room for at least
# one weight tile pair, and a quarter of the GLB keeps every decode projection tileable at the GLB
# sizes of sweeps/llm_decode.yaml). Otherwise the cache streams from DRAM every step.
KV_RESIDENT_GLB_SHARE = 0.75


def kv_cache_bytes(layers: list[Layer], d: DesignBatch) -> np.ndarray:
    """(P,) bytes of KV cache one step reads, at each point's KV width (0 without a KV cache)."""
    total = np.zeros(len(d))
    for layer in layers:  # the cache-reading layers of the network, not a loop over points
        if layer.kv_cache == "read":
            w = np.where(d.kv_bits > 0, d.kv_bits, layer.w_bits)
            total += layer.weight_count * w / 8
    return total


def kv_resident_bytes(layers: list[Layer], d: DesignBatch) -> np.ndarray:
    """(P,) GLB bytes the KV cache occupies when it fits (KV_RESIDENT_GLB_SHARE), else 0."""
    kv = kv_cache_bytes(layers, d)
    return np.where(kv <= KV_RESIDENT_GLB_SHARE * d.glb_bytes, kv, 0.0)


# What a point's geometry is keyed on: the fields the schema's geometry parameters fix (dse.params,
# Param.geometry), DesignBatch or HardwareCosts fields.
GEOMETRY_FIELDS = tuple(dict.fromkeys(f for p in SPACE.values() for f in p.geometry if f != GRAPH))


@dataclass(frozen=True)
class Geometries:
    """Distinct geometries of a batch: one representative point each, and each point's index."""

    design: DesignBatch  # the G representative points
    hw: HardwareCosts  # their hardware costs (only geometry-determined fields are used)
    index: np.ndarray  # (P,) geometry of every point
    kv_resident_bytes: np.ndarray | None = None  # (G,) GLB bytes a resident KV cache holds; None: 0


def geometries(d: DesignBatch, hw: HardwareCosts, layers: list[Layer] = ()) -> Geometries:
    """Distinct geometries of the points; ``layers`` (the network) sets where a KV cache stays on chip."""
    has_kv = any(layer.kv_cache for layer in layers)
    first, inverse = dataflows.unique_rows([  # the KV width matters only to a network with a KV cache
        np.zeros(len(d)) if f == "kv_bits" and not has_kv else getattr(d if hasattr(d, f) else hw, f)
        for f in GEOMETRY_FIELDS])
    take = lambda x: np.asarray(x)[first]
    hw_g = HardwareCosts(**{k: take(v) for k, v in vars(hw).items()})
    rep = d.take(first)
    return Geometries(rep, hw_g, inverse, kv_resident_bytes(list(layers), rep))


def layer_geometry(layer: Layer, geo: Geometries, follow_pe: bool) -> dataflows.Geometry:
    d = geo.design
    w, a, o, passes = effective_bits(layer, d.pe_w_bits, d.pe_a_bits, follow_pe, d.kv_bits)
    col = lambda x: np.asarray(x, float)[:, None]
    kv_bytes = np.zeros(len(d)) if geo.kv_resident_bytes is None else geo.kv_resident_bytes
    resident = kv_bytes > 0
    # a resident KV cache takes its bytes out of every layer's tiling room; the cache-reading layers
    # find their weight-side operand already in the GLB
    return dataflows.Geometry(
        rows=col(d.pe_rows), cols=col(d.pe_cols), spad_ifmap_words=col(d.spad_ifmap_words),
        spad_filter_words=col(d.spad_filter_words), spad_psum_words=col(d.spad_psum_words),
        glb_bytes=col(d.glb_bytes - kv_bytes), pe_w_bits=col(d.pe_w_bits),
        pe_a_bits=col(d.pe_a_bits), acc_bits=col(geo.hw.acc_bits), multicast=col(d.noc_multicast),
        w_bits=col(w), a_bits=col(a), o_bits=col(o), passes=col(passes),
        w_resident=col(resident & (layer.kv_cache == "read")))


def layer_table(layer: Layer, geo: Geometries, follow_pe: bool) -> tuple[np.ndarray, np.ndarray]:
    """Pruned candidate counts of every geometry back to back (sum of n_keep, len(COUNTS)) and the
    number kept per geometry (G,): geometry g's are rows cumsum(n_keep)[g] - n_keep[g] onwards."""
    g = layer_geometry(layer, geo, follow_pe)
    G = len(g.rows)
    if not layer.is_compute:
        return dataflows.data_movement_counts(layer, g)[:, 0], np.ones(G, dtype=np.int64)
    parts = []
    for code in np.unique(geo.design.dataflow):
        sel = np.flatnonzero(geo.design.dataflow == code)
        sub = dataflows.Geometry(**{k: v[sel] for k, v in vars(g).items()})
        f = dataflows.factored_counts(layer, sub, dataflows.DATAFLOWS[code])
        parts.append((sel, f, *skyline_factored(f)))
    n_keep = np.zeros(G, dtype=np.int64)
    for sel, _, _, n in parts:
        n_keep[sel] = n
    first_row = np.cumsum(n_keep) - n_keep
    counts = np.empty((int(n_keep.sum()), len(COUNTS)))
    for sel, f, keep, n in parts:
        gather_factored(f, keep, n, counts, first_row[sel])
    return counts, n_keep


@dataclass(frozen=True)
class LayerTables:
    """Pruned count tables of all layers, back to back: the candidates of (layer i, geometry g)
    are rows ``offset[i, g] : offset[i, g] + n_valid[i, g]`` of ``counts`` (no padding)."""

    counts: np.ndarray  # (sum of n_valid, len(COUNTS))
    offset: np.ndarray  # (L, G)
    n_valid: np.ndarray  # (L, G)
    layer_macs: np.ndarray  # (L,)

    def rows(self, layer: np.ndarray, geometry: np.ndarray, candidate: np.ndarray) -> np.ndarray:
        """Count vectors of the given (layer, geometry, candidate) index arrays (broadcast)."""
        return self.counts[self.offset[layer, geometry] + candidate]


def stack_tables(tables: list[tuple[np.ndarray, np.ndarray]], layer_macs: list[float]) -> LayerTables:
    """One table from per-layer (kept counts back to back (sum of n, len(COUNTS)), n kept (G,)) pairs."""
    n_valid = np.stack([np.asarray(n, dtype=np.int64) for _, n in tables])
    offset = (np.cumsum(n_valid.ravel()) - n_valid.ravel()).reshape(n_valid.shape)
    counts = np.concatenate([np.asarray(c, dtype=float).reshape(-1, len(COUNTS)) for c, _ in tables])
    if len(counts) != n_valid.sum():
        raise ValueError(f"stack_tables: {len(counts)} count rows for {int(n_valid.sum())} kept candidates")
    return LayerTables(counts, offset, n_valid, np.asarray(layer_macs, dtype=float))


def network_tables(layers: list[Layer], geo: Geometries, follows_pe: Callable[[str], bool],
                   on_layer: Callable[[], None] | None = None) -> LayerTables:
    """Count tables of every layer, the one loop over layers (``follows_pe(name)``: does the layer
    run at the PE's precision; ``on_layer`` is called after each, for progress)."""
    tables = []
    for layer in layers:
        tables.append(layer_table(layer, geo, follows_pe(layer.name)))
        if on_layer:
            on_layer()
    return stack_tables(tables, [float(L.macs) for L in layers])


def chosen_counts(tables: LayerTables, geo_index: np.ndarray, choice: np.ndarray) -> np.ndarray:
    """Count vectors of the chosen mappings, (L, P, len(COUNTS)), from a per-layer search."""
    L = tables.n_valid.shape[0]
    return tables.rows(np.arange(L)[:, None], geo_index[None, :], choice)
