"""Exact dominance pruning of each layer's mapspace: GLB tilings, then (candidate, bypass mode) rows.

A mapping is an array candidate (``dse.dataflows.candidates``), a GLB bypass mode
(``dataflows.BYPASS``) and a GLB tiling with its DRAM loop order (``dataflows.tiling_space``). Its
cost is a non-negative sum over count groups and a latency non-decreasing in every group and in
1 / tiles, and a tiling enters a row's counts only through its DRAM reads into the GLB and its tile
count. So, exactly, under any non-negative per-action energies and bandwidths:

- a tiling that reads no less, holds no less of each operand in the GLB and has no more tiles (and no
  more channel tiles) than another is never needed (``tiling_skyline``: per layer shape, for every
  geometry and mode at once);
- per geometry and mode only the staircase of least reads against most tiles remains
  (``staircases``);
- a row dominated in every pre-tiling coordinate (``dse.mapping.kernels.reduce_one``) by a row whose
  mode's staircase also dominates its own is never needed (``dse.mapping.kernels.table_factored``).

The search (``dse.mapping.kernels.search``) then walks the rows and their staircases with exact
bounds. The full (geometries x candidates x modes x tilings) table never exists.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from dse import dataflows
from dse.actions import COUNTS
from dse.dataflows import BYPASS, FactoredCounts, Geometry
from dse.mapping import kernels
from workloads.layer import Layer


def tiling_skyline(L: Layer) -> np.ndarray:
    """Indices into ``dataflows.tiling_space(L)`` of the tilings no other dominates in (weight fetches,
    ifmap fetches, 1 / tiles, GLB elements held of each operand, not one channel tile): for every
    geometry and bypass mode such a tiling fits wherever the dominated one does, reads no more and
    has no fewer tiles."""
    return _tiling_skyline(dataflows.layer_shape(L))


@functools.lru_cache(maxsize=1024)
def _tiling_skyline(shape: tuple) -> np.ndarray:
    s = dataflows.tiling_space_of(shape)
    red = np.ascontiguousarray(np.stack([s["w_fetch"], s["i_fetch"], 1.0 / s["tiles"], s["w_need"], s["i_need"],
                                         s["p_need"], 1.0 - s["one_c"]], axis=1))
    keep = np.empty(len(red), dtype=np.int64)
    n = kernels.skyline_one(red, np.ones(len(red), dtype=np.bool_), keep)
    out = np.sort(keep[:n])  # enumeration order, so ties on the staircase go to the same tiling
    out.setflags(write=False)
    return out


@dataclass(frozen=True)
class Staircases:
    """Per distinct tiling geometry (``index``: of each of the G geometries) and bypass mode, the
    staircase of GLB tilings (``dse.mapping.kernels.staircases``): ``length`` (Gd, modes) entries,
    each with its DRAM reads into the GLB of weights ``dw`` and ifmaps ``di``, ``tiles`` and ``tiling``
    (index into ``dataflows.tiling_space``, -1: operands stream, no tiling fits); ``dom`` (Gd, modes,
    modes): mode a's staircase dominates mode b's."""

    index: np.ndarray  # (G,)
    length: np.ndarray  # (Gd, NM)
    dw: np.ndarray  # (Gd, NM, S)
    di: np.ndarray
    tiles: np.ndarray
    tiling: np.ndarray
    dom: np.ndarray  # (Gd, NM, NM)


def staircases(L: Layer, g: Geometry) -> Staircases:
    first, index = dataflows.distinct(g, dataflows.DRAM_KEY)
    gd = dataflows.take(g, first)
    s = dataflows.tiling_space(L)
    sky = tiling_skyline(L)
    col = lambda name: np.ascontiguousarray(s[name][sky], dtype=float)
    Gd, NM, S = len(first), len(BYPASS), len(sky)
    geo = np.ascontiguousarray(np.hstack([np.asarray(x, float).reshape(-1, 1) for x in (
        gd.w_bits, gd.a_bits, gd.acc_bits, gd.glb_bytes * 8, gd.w_resident, gd.bypass)]))
    idx = np.zeros((Gd, NM, S), dtype=np.int64)
    d, n = np.zeros((Gd, NM, S)), np.zeros((Gd, NM, S))
    length = np.zeros((Gd, NM), dtype=np.int64)
    dom = np.zeros((Gd, NM, NM), dtype=np.bool_)
    kernels.staircases(col("w_fetch"), col("i_fetch"), col("tiles"), col("w_need"), col("i_need"), col("p_need"),
                       col("one_c"), geo, dataflows.fallback_mode(gd),
                       np.ascontiguousarray(dataflows.stream_tiles(L, gd).reshape(-1)), idx, d, n, length, dom)
    valid = np.arange(S) < length[:, :, None]
    tiling = np.where(valid & (idx >= 0), sky[np.maximum(idx, 0)], -1)
    bw = np.array([m[0] for m in BYPASS], float)[None, :, None]
    bi = np.array([m[1] for m in BYPASS], float)[None, :, None]
    t = np.maximum(tiling, 0)
    streamed = tiling < 0
    per = lambda x: np.asarray(x, float).reshape(-1, 1, 1)
    dw = np.where(streamed | (bw == 1), 0.0, s["w_fetch"][t] * per(gd.w_bits) * (1.0 - per(gd.w_resident)))
    di = np.where(streamed | (bi == 1), 0.0, s["i_fetch"][t] * per(gd.a_bits))
    return Staircases(index.astype(np.int64), length, np.where(valid, dw, 0.0), np.where(valid, di, 0.0),
                      np.where(valid, n, 0.0), tiling, dom)


def table_factored(f: FactoredCounts, st: Staircases) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(kept candidate indices (G, M), the bit masks of their kept bypass modes (G, M), number kept
    (G,)) of a factored table crossed with the bypass modes, pruned one geometry at a time in a
    stable order."""
    G, M = len(f.array_index), f.legal.shape[1]
    keep_m = np.zeros((G, M), dtype=np.int64)
    keep_mask = np.zeros((G, M), dtype=np.int64)
    n_keep = np.zeros(G, dtype=np.int64)
    kernels.table_factored(f.terms, f.legal, f.array_index, f.per_geometry, st.index, st.length, st.dom,
                           f.macs, f.output_count, keep_m, keep_mask, n_keep)
    return keep_m, keep_mask, n_keep


def gather_factored(f: FactoredCounts, keep_m: np.ndarray, n_keep: np.ndarray, out: np.ndarray,
                    first_row: np.ndarray) -> None:
    """Write the mode-0 base counts (``kernels.base_counts``) of geometry g's kept candidates to rows
    ``first_row[g]:first_row[g] + n_keep[g]`` of ``out``."""
    kernels.gather_factored(f.terms, f.array_index, f.per_geometry, f.macs, f.output_count, keep_m, n_keep,
                            np.ascontiguousarray(first_row, dtype=np.int64), out)


def prune_factored(f: FactoredCounts, st: Staircases) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(kept base counts of every geometry back to back (sum of n_keep, len(COUNTS)), their candidate
    indices, their mode masks, number kept (G,))."""
    keep_m, keep_mask, n_keep = table_factored(f, st)
    out = np.empty((int(n_keep.sum()), len(COUNTS)))
    gather_factored(f, keep_m, n_keep, out, np.cumsum(n_keep) - n_keep)
    valid = np.arange(keep_m.shape[1]) < n_keep[:, None]
    return out, keep_m[valid], keep_mask[valid], n_keep
