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
from dse.actions import CI, COUNTS
from dse.dataflows import BYPASS
from dse.design import DesignBatch
from dse.hardware import HardwareCosts
from dse.params import GRAPH, SPACE
from dse.mapping import kernels, prune
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
        w_resident=col(resident & (layer.kv_cache == "read")), bypass=col(d.glb_bypass),
        inner_order=col(d.pe_inner_order))


@dataclass(frozen=True)
class LayerTable:
    """One layer's pruned mapspace on G geometries: base count rows (``kernels.base_counts`` in mode 0)
    of every geometry back to back (geometry g's are rows cumsum(n_keep)[g] - n_keep[g] onwards), each
    with its dataflow candidate index and, per bypass mode b, its GLB tiling staircase: entries
    ``stair_first[r, b] : + stair_len[r, b]`` (0: mode b not searched for the row) of ``stair`` (dw,
    di, tiles: ``kernels.compose``), ``stair_mode`` (b) and ``stair_tiling`` (index into
    ``dataflows.tiling_space``, -1: none, the row is complete)."""

    counts: np.ndarray  # (N, len(COUNTS))
    n_keep: np.ndarray  # (G,)
    row_candidate: np.ndarray  # (N,)
    stair_first: np.ndarray  # (N, len(BYPASS))
    stair_len: np.ndarray  # (N, len(BYPASS))
    stair: np.ndarray  # (S, 3)
    stair_mode: np.ndarray  # (S,)
    stair_tiling: np.ndarray  # (S,)


def complete_rows(counts: np.ndarray, n_keep: np.ndarray) -> LayerTable:
    """A table of complete count vectors (their own DRAM reads and tiles): each row its one entry."""
    counts = np.ascontiguousarray(counts, dtype=float).reshape(-1, len(COUNTS))
    N = len(counts)
    stair = np.zeros((N, 3))
    stair[:, 2] = counts[:, CI["tiles"]]
    first = np.zeros((N, len(BYPASS)), dtype=np.int64)
    first[:, 0] = np.arange(N)
    length = np.zeros((N, len(BYPASS)), dtype=np.int64)
    length[:, 0] = 1
    return LayerTable(counts, np.asarray(n_keep, dtype=np.int64), np.zeros(N, dtype=np.int64), first, length,
                      stair, np.zeros(N, dtype=np.int64), np.full(N, -1, dtype=np.int64))


def _flat_staircases(st: prune.Staircases) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(stair (S, 3), stair_mode (S,), stair_tiling (S,), first (Gd, NM), length (Gd, NM)) of
    per-geometry staircases."""
    valid = np.arange(st.dw.shape[2]) < st.length[:, :, None]
    stair = np.stack([st.dw[valid], st.di[valid], st.tiles[valid]], axis=1)
    mode = np.broadcast_to(np.arange(len(BYPASS))[None, :, None], valid.shape)[valid]
    first = (np.cumsum(st.length.ravel()) - st.length.ravel()).reshape(st.length.shape)
    return np.ascontiguousarray(stair), mode.astype(np.int64), st.tiling[valid], first, st.length


def rows_of(st: prune.Staircases, first: np.ndarray, length: np.ndarray, row_geometry: np.ndarray,
            mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(stair_first, stair_len) (N, NM) of rows on geometries ``row_geometry`` with mode bit masks."""
    gd = st.index[row_geometry]
    on = (mask[:, None] >> np.arange(len(BYPASS))[None, :]) & 1 == 1
    return first[gd], np.where(on, length[gd], 0)


def layer_table(layer: Layer, geo: Geometries, follow_pe: bool) -> LayerTable:
    """The pruned mapspace of one layer on every geometry of ``geo``."""
    g = layer_geometry(layer, geo, follow_pe)
    G = len(g.rows)
    if not layer.is_compute:  # one mapping: inputs stream through the GLB, its tiles as counted
        return complete_rows(dataflows.data_movement_counts(layer, g)[:, 0], np.ones(G, dtype=np.int64))
    st = prune.staircases(layer, g)
    stair, stair_mode, stair_tiling, first, length = _flat_staircases(st)
    parts = []
    for code in np.unique(geo.design.dataflow):
        sel = np.flatnonzero(geo.design.dataflow == code)
        sub = dataflows.take(g, sel)
        f = dataflows.factored_counts(layer, sub, dataflows.DATAFLOWS[code])
        sub_st = prune.Staircases(st.index[sel], st.length, st.dw, st.di, st.tiles, st.tiling, st.dom)
        parts.append((sel, f, *prune.table_factored(f, sub_st)))
    n_keep = np.zeros(G, dtype=np.int64)
    for sel, _, _, _, n in parts:
        n_keep[sel] = n
    first_row = np.cumsum(n_keep) - n_keep
    N = int(n_keep.sum())
    counts = np.empty((N, len(COUNTS)))
    row_mask, row_candidate = np.empty(N, dtype=np.int64), np.empty(N, dtype=np.int64)
    for sel, f, keep_m, keep_mask, n in parts:
        prune.gather_factored(f, keep_m, n, counts, first_row[sel])
        valid = np.arange(keep_m.shape[1]) < n[:, None]
        rows = np.repeat(first_row[sel], n) + (np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n))
        row_mask[rows], row_candidate[rows] = keep_mask[valid], keep_m[valid]
    row_first, row_len = rows_of(st, first, length, np.repeat(np.arange(G), n_keep), row_mask)
    return LayerTable(counts, n_keep, row_candidate, row_first, row_len, stair, stair_mode, stair_tiling)


@dataclass(frozen=True)
class LayerTables:
    """Pruned mapspaces of all layers, back to back (``LayerTable``s): the rows of (layer i, geometry
    g) are ``offset[i, g] : offset[i, g] + n_valid[i, g]`` of ``counts`` (no padding)."""

    counts: np.ndarray  # (sum of n_valid, len(COUNTS)) base counts
    offset: np.ndarray  # (L, G)
    n_valid: np.ndarray  # (L, G)
    layer_macs: np.ndarray  # (L,)
    row_candidate: np.ndarray  # (sum of n_valid,)
    stair_first: np.ndarray  # (sum of n_valid, len(BYPASS))
    stair_len: np.ndarray
    stair: np.ndarray  # (S, 3) dw, di, tiles
    stair_mode: np.ndarray  # (S,)
    stair_tiling: np.ndarray  # (S,)


def stack_tables(tables: list[LayerTable | tuple[np.ndarray, np.ndarray]], layer_macs: list[float]) -> LayerTables:
    """One table from per-layer tables (or (complete count rows, number per geometry) pairs)."""
    tables = [t if isinstance(t, LayerTable) else complete_rows(*t) for t in tables]
    n_valid = np.stack([np.asarray(t.n_keep, dtype=np.int64) for t in tables])
    offset = (np.cumsum(n_valid.ravel()) - n_valid.ravel()).reshape(n_valid.shape)
    counts = np.concatenate([np.asarray(t.counts, dtype=float).reshape(-1, len(COUNTS)) for t in tables])
    if len(counts) != n_valid.sum():
        raise ValueError(f"stack_tables: {len(counts)} count rows for {int(n_valid.sum())} kept candidates")
    stair_start = np.cumsum([0] + [len(t.stair) for t in tables[:-1]])
    cat = lambda name: np.concatenate([getattr(t, name) for t in tables])
    return LayerTables(
        counts, offset, n_valid, np.asarray(layer_macs, dtype=float), cat("row_candidate"),
        np.concatenate([t.stair_first + s0 for t, s0 in zip(tables, stair_start)]), cat("stair_len"),
        np.ascontiguousarray(cat("stair")), cat("stair_mode"), cat("stair_tiling"))


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


def chosen_counts(tables: LayerTables, geo_index: np.ndarray, choice: np.ndarray, tiling: np.ndarray) -> np.ndarray:
    """Count vectors of the chosen mappings, (L, P, len(COUNTS)), from a per-layer search (the chosen
    row and staircase entry of each layer and point)."""
    out = np.empty(choice.shape + (len(COUNTS),))
    kernels.chosen(tables.counts, tables.offset, tables.stair, tables.stair_mode,
                   np.ascontiguousarray(geo_index, dtype=np.int64),
                   np.ascontiguousarray(choice, dtype=np.int64), np.ascontiguousarray(tiling, dtype=np.int64), out)
    return out
