"""Mapping search: count tables per (layer, geometry), exact pruning, and a compiled argmin over points.

1. Points are grouped by geometry (``dse.dataflows.Geometry``): everything that fixes the legal
   mappings and their action counts. Count tables are built once per (layer, geometry): the
   candidate terms with numpy once per distinct array geometry, the DRAM tiling once per GLB size
   and widths (``dse.dataflows.factored_counts``); a compiled kernel combines them per geometry
   and prunes at once (``skyline_factored``), so the full (geometries x candidates x counts) table
   never exists. ``compute_counts`` + ``prune`` is the plain numpy path, kept as the reference
   (bit-identical, tests/test_cost_speed_equivalence.py).
2. Candidates dominated in every cost-relevant count (spad words per operand, NoC bit-hops, GLB
   read bits, GLB write bits, DRAM bits, compute cycles, pipeline fill, 1 / tiles) can never win
   under any non-negative per-action energies and bandwidths, so they are dropped exactly: the
   energy is a non-negative sum of counts and the latency non-decreasing in each of them.
3. A numba kernel loops over design points (in parallel) and, inside, over layers and surviving
   candidates, turning counts into energy and latency with the point's own per-action costs and
   keeping the best under the objective (energy, latency or EDP).

Latency of one layer: the GLB tiles are double buffered, so with ``X = max(compute, GLB cycles)``
and ``D`` the DRAM cycles over ``n`` tiles it is ``max(X + D / n, D + X / n)``: compute-bound
layers add the first tile's load and last tile's store, DRAM-bound ones the last tile's compute.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numba
import numpy as np

from dse.dataflows import (
    CI,
    COUNTS,
    PER_GEOMETRY,
    TERMS,
    FactoredCounts,
    unique_rows,  # noqa: F401  (re-exported)
)


def _cache_available() -> bool:
    """Can numba cache this module's kernels (next to this file, else in the user's cache directory
    or NUMBA_CACHE_DIR)? Where none is writable (read-only install, no home) numba raises at
    decoration, so the kernels then compile on every run instead, with one warning."""
    def probe() -> int:
        return 0
    try:
        numba.njit(cache=True)(probe)
    except RuntimeError as exc:
        if "no locator available" not in str(exc):
            raise
        warnings.warn(f"no writable numba cache directory for {__file__} (set NUMBA_CACHE_DIR): "
                      "the cost-model kernels compile on every run", stacklevel=2)
        return False
    return True


_CACHE = _cache_available()

# Per-point action costs, columns of the (P, len(ACTION_COSTS)) matrix the kernel reads.
ACTION_COSTS = ("mac_pj", "spad_weight_pj", "spad_ifmap_pj", "spad_psum_pj", "noc_pj_per_bit_hop",
                "glb_read_pj_per_bit", "glb_write_pj_per_bit", "dram_pj_per_bit", "leakage_pj_per_cycle",
                "dram_bits_per_cycle", "glb_read_bits_per_cycle", "glb_write_bits_per_cycle")
BREAKDOWN = ("mac", "spad_weight", "spad_ifmap", "spad_psum", "noc_weight", "noc_ifmap", "noc_psum",
             "glb_weight", "glb_ifmap", "glb_psum", "dram_weight", "dram_ifmap", "dram_psum", "leakage")
# Network totals of every action count per (level, operand), with the unit in the name: spad word
# accesses (reads + fills), NoC bit-hops, GLB reads / writes (fills and psum spills) and DRAM bits.
ACCESSES = ("spad_weight_accesses", "spad_ifmap_accesses", "spad_psum_accesses", "noc_weight_bit_hops",
            "noc_ifmap_bit_hops", "noc_psum_bit_hops", "glb_read_weight_bits", "glb_read_ifmap_bits",
            "glb_read_psum_bits", "glb_write_weight_bits", "glb_write_ifmap_bits", "glb_write_psum_bits",
            "dram_read_weight_bits", "dram_read_ifmap_bits", "dram_write_psum_bits")
STALLS = ("stall_glb_cycles", "stall_dram_cycles", "fill_drain_cycles")
OBJECTIVE_CODES = {"energy": 0, "latency": 1, "edp": 2}


N_REDUCED = 10  # cost-relevant coordinates of a count vector


def _reduced(counts: np.ndarray) -> np.ndarray:
    """The cost-relevant coordinates used for exact dominance pruning, (..., 10)."""
    c = lambda name: counts[..., CI[name]]
    dram = c("dram_rd_weight") + c("dram_rd_ifmap") + c("dram_wr_psum")
    return np.stack([
        c("spad_weight"), c("spad_ifmap"), c("spad_psum"),
        c("noc_weight") + c("noc_ifmap") + c("noc_psum"),
        c("glb_rd_weight") + c("glb_rd_ifmap") + c("glb_rd_psum"),
        c("glb_wr_weight") + c("glb_wr_ifmap") + c("glb_wr_psum"),
        dram, c("compute_cycles"), dram / c("tiles"), 1.0 / c("tiles"),
    ], axis=-1)


@numba.njit(cache=_CACHE)
def _skyline_one(red: np.ndarray, legal: np.ndarray, keep: np.ndarray) -> int:
    """Indices (into ``keep``, returns how many) of the legal candidates of one geometry that no
    other dominates, ``red`` (M, D), in increasing order of their scaled coordinate sum."""
    M, D = red.shape
    scale = np.ones(D)
    for d in range(D):
        mx = 0.0
        for m in range(M):
            if legal[m] and red[m, d] > mx:
                mx = red[m, d]
        if mx > 0:
            scale[d] = mx
    key = np.full(M, np.inf)
    for m in range(M):
        if legal[m]:
            s = 0.0
            for d in range(D):
                s += red[m, d] / scale[d]
            key[m] = s
    order = np.argsort(key, kind="mergesort")
    n = 0
    for m in order:
        if not legal[m]:
            break
        dominated = False
        for j in range(n):
            o = keep[j]
            dom = True
            for d in range(D):
                if red[o, d] > red[m, d]:
                    dom = False
                    break
            if dom:
                dominated = True
                break
        if not dominated:
            keep[n] = m
            n += 1
    return n


@numba.njit(cache=_CACHE)
def _skyline(red: np.ndarray, legal: np.ndarray, keep: np.ndarray, n_keep: np.ndarray) -> None:
    """Per geometry, indices (into keep[g, :n_keep[g]]) of legal candidates no other dominates."""
    for g in range(red.shape[0]):
        n_keep[g] = _skyline_one(red[g], legal[g], keep[g])


def prune(counts: np.ndarray, legal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(kept counts of every geometry back to back (sum of n_keep, len(COUNTS)), number kept per
    geometry (G,)) of a full candidate table (G, M, len(COUNTS))."""
    G, M, _ = counts.shape
    keep = np.zeros((G, M), dtype=np.int64)
    n_keep = np.zeros(G, dtype=np.int64)
    _skyline(np.ascontiguousarray(_reduced(counts)), np.ascontiguousarray(legal), keep, n_keep)
    valid = np.arange(M) < n_keep[:, None]
    return counts[np.repeat(np.arange(G), n_keep), keep[valid]], n_keep


# Positions of the factored terms (``dse.dataflows.TERMS`` / ``PER_GEOMETRY``) as the kernels read
# them. Literal here, and asserted at the end of this module, because numba's cache of a kernel only
# watches this file: everything a cached kernel inlines lives here.
(_T_COMPUTE, _T_W_READS, _T_I_READS, _T_PSUM_RW, _T_W_FAN, _T_I_FAN, _T_SPAD_W, _T_SPAD_I, _T_SPAD_P,
 _T_NOC_W, _T_NOC_I, _T_NOC_P) = range(12)
(_G_W, _G_A, _G_ACC, _G_O, _G_PASSES, _G_ROWS, _G_COLS, _G_MULTICAST, _G_DRAM_W, _G_DRAM_I, _G_TILES,
 _G_STREAMS) = range(12)


@numba.njit(cache=_CACHE, inline="always")
def _term(x: np.ndarray, a: int, m: int) -> float:
    """x[a, m] of a term broadcast from shape (A or 1, M or 1)."""
    return x[a if x.shape[0] > 1 else 0, m if x.shape[1] > 1 else 0]


@numba.njit(cache=_CACHE, inline="always")
def _count_vector(terms, a: int, m: int, q: np.ndarray, macs: float, output_count: float,
                 out: np.ndarray) -> None:
    """Counts (``out``, len(COUNTS)) of candidate ``m`` of array geometry ``a`` on the geometry whose
    per-geometry terms are ``q``, operation for operation as in ``dataflows.compute_counts``
    (bit-identical)."""
    compute = _term(terms[_T_COMPUTE], a, m)
    w, act, acc = q[_G_W], q[_G_A], q[_G_ACC]
    m_ops = macs * q[_G_PASSES]
    w_rd = _term(terms[_T_W_READS], a, m) * (1.0 if q[_G_MULTICAST] == 1 else _term(terms[_T_W_FAN], a, m))
    i_rd = _term(terms[_T_I_READS], a, m) * (1.0 if q[_G_MULTICAST] == 1 else _term(terms[_T_I_FAN], a, m))
    streams = q[_G_STREAMS] == 1
    dram_w = w_rd * w if streams else q[_G_DRAM_W]
    dram_i = i_rd * act if streams else q[_G_DRAM_I]
    psum = _term(terms[_T_PSUM_RW], a, m) / 2 * acc + output_count * q[_G_O]
    out[0] = m_ops
    out[1] = _term(terms[_T_SPAD_W], a, m)
    out[2] = _term(terms[_T_SPAD_I], a, m)
    out[3] = _term(terms[_T_SPAD_P], a, m)
    out[4] = _term(terms[_T_NOC_W], a, m)
    out[5] = _term(terms[_T_NOC_I], a, m)
    out[6] = _term(terms[_T_NOC_P], a, m)
    out[7] = 0.0 if streams else w_rd * w
    out[8] = 0.0 if streams else i_rd * act
    out[9] = psum
    out[10] = 0.0 if streams else dram_w
    out[11] = 0.0 if streams else dram_i
    out[12] = psum
    out[13] = dram_w
    out[14] = dram_i
    out[15] = output_count * q[_G_O]
    out[16] = compute
    out[17] = q[_G_TILES]
    out[18] = m_ops / (compute * q[_G_ROWS] * q[_G_COLS])


@numba.njit(cache=_CACHE, inline="always")
def _reduce_one(c: np.ndarray, red: np.ndarray) -> None:
    """``_reduced`` of one count vector, same operations in the same order."""
    dram = c[13] + c[14] + c[15]
    red[0], red[1], red[2] = c[1], c[2], c[3]
    red[3] = c[4] + c[5] + c[6]
    red[4] = c[7] + c[8] + c[9]
    red[5] = c[10] + c[11] + c[12]
    red[6], red[7], red[8], red[9] = dram, c[16], dram / c[17], 1.0 / c[17]


@numba.njit(cache=_CACHE)
def _skyline_factored(terms, legal, array_index, per_geometry, macs, output_count, keep, n_keep):
    """Per geometry, ``_skyline`` of its legal candidates only: in the same (stable) order, so the
    kept candidates and their order equal ``prune``'s on the full table. Serial: a parallel
    version compiles ~3x slower (first run) for little gain next to the numpy work around it."""
    M = legal.shape[1]
    red = np.empty((M, N_REDUCED))  # scratch, reused by every geometry
    c = np.empty(len(COUNTS))
    legal_m = np.empty(M, dtype=np.int64)
    kept = np.empty(M, dtype=np.int64)
    all_legal = np.ones(M, dtype=np.bool_)
    for g in range(per_geometry.shape[0]):
        a = array_index[g]
        n = 0
        for m in range(M):
            if legal[a, m]:
                legal_m[n] = m
                n += 1
        for j in range(n):
            _count_vector(terms, a, legal_m[j], per_geometry[g], macs, output_count, c)
            _reduce_one(c, red[j])
        n_keep[g] = _skyline_one(red[:n], all_legal[:n], kept)
        for j in range(n_keep[g]):
            keep[g, j] = legal_m[kept[j]]


@numba.njit(cache=_CACHE)
def _gather_factored(terms, array_index, per_geometry, macs, output_count, keep, n_keep, first_row, out):
    for g in range(per_geometry.shape[0]):  # a few kept candidates per geometry: not worth threads
        for j in range(n_keep[g]):
            _count_vector(terms, array_index[g], keep[g, j], per_geometry[g], macs, output_count,
                         out[first_row[g] + j])


def skyline_factored(f: FactoredCounts) -> tuple[np.ndarray, np.ndarray]:
    """(kept candidate indices (G, M), number kept (G,)) of a factored table: candidates are counted,
    reduced and pruned one geometry at a time, so the (G, M, len(COUNTS)) table never exists; the
    kept candidates and their order are ``prune``'s."""
    G, M = len(f.array_index), f.legal.shape[1]
    keep = np.zeros((G, M), dtype=np.int64)
    n_keep = np.zeros(G, dtype=np.int64)
    _skyline_factored(f.terms, f.legal, f.array_index, f.per_geometry, f.macs, f.output_count, keep, n_keep)
    return keep, n_keep


def gather_factored(f: FactoredCounts, keep: np.ndarray, n_keep: np.ndarray, out: np.ndarray,
                    first_row: np.ndarray) -> None:
    """Write the counts of geometry g's kept candidates to rows ``first_row[g]:first_row[g] + n_keep[g]``
    of ``out``."""
    _gather_factored(f.terms, f.array_index, f.per_geometry, f.macs, f.output_count, keep, n_keep,
                     np.ascontiguousarray(first_row, dtype=np.int64), out)


def prune_factored(f: FactoredCounts) -> tuple[np.ndarray, np.ndarray]:
    """``prune(*compute_counts(...))`` of a factored table."""
    keep, n_keep = skyline_factored(f)
    out = np.empty((int(n_keep.sum()), len(COUNTS)))
    gather_factored(f, keep, n_keep, out, np.cumsum(n_keep) - n_keep)
    return out, n_keep


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
    assert len(counts) == n_valid.sum(), "each layer's table holds exactly its kept candidates"
    return LayerTables(counts, offset, n_valid, np.asarray(layer_macs, dtype=float))


@numba.njit(cache=_CACHE, inline="always")
def _cost(c, e):
    """(energy_pj, latency_cycles) of one count vector ``c`` under per-point action costs ``e``."""
    glb_rd = c[7] + c[8] + c[9]
    glb_wr = c[10] + c[11] + c[12]
    dram = c[13] + c[14] + c[15]
    x = max(c[16], glb_rd / e[10] + glb_wr / e[11])
    d = dram / e[9]
    lat = max(x + d / c[17], d + x / c[17])
    energy = (c[0] * e[0] + c[1] * e[1] + c[2] * e[2] + c[3] * e[3] + (c[4] + c[5] + c[6]) * e[4]
              + glb_rd * e[5] + glb_wr * e[6] + dram * e[7] + lat * e[8])
    return energy, lat


@numba.njit(parallel=True, cache=_CACHE)
def _search(counts, offset, n_valid, layer_macs, geo, e_all, objective, per_layer,
            breakdown, accesses, latency, compute, mac_util, stalls, layer_energy, layer_latency, layer_util,
            layer_choice):
    L = layer_macs.shape[0]
    P = geo.shape[0]
    for p in numba.prange(P):
        g = geo[p]
        e = e_all[p]
        for i in range(L):
            best, best_m, best_lat = np.inf, 0, 0.0
            first = offset[i, g]
            for m in range(n_valid[i, g]):
                energy, lat = _cost(counts[first + m], e)
                score = energy if objective == 0 else (lat if objective == 1 else energy * lat)
                if score < best:
                    best, best_m, best_lat = score, m, lat
            c = counts[first + best_m]
            lat = best_lat
            parts = (c[0] * e[0], c[1] * e[1], c[2] * e[2], c[3] * e[3], c[4] * e[4], c[5] * e[4], c[6] * e[4],
                     c[7] * e[5] + c[10] * e[6], c[8] * e[5] + c[11] * e[6], c[9] * e[5] + c[12] * e[6],
                     c[13] * e[7], c[14] * e[7], c[15] * e[7], lat * e[8])
            total = 0.0
            for j in range(14):
                breakdown[j, p] += parts[j]
                total += parts[j]
            glb_rd = c[7] + c[8] + c[9]
            glb_wr = c[10] + c[11] + c[12]
            for j in range(15):
                accesses[j, p] += c[j + 1]
            latency[p] += lat
            compute[p] += c[16]
            mac_util[p] += c[18] * layer_macs[i]
            x = max(c[16], glb_rd / e[10] + glb_wr / e[11])
            d = (c[13] + c[14] + c[15]) / e[9]
            stalls[0, p] += x - c[16]
            stalls[1, p] += max(0.0, d - x)
            stalls[2, p] += lat - max(x, d)
            if per_layer:
                layer_energy[i, p] = total
                layer_latency[i, p] = lat
                layer_util[i, p] = c[18]
                layer_choice[i, p] = best_m


@dataclass(frozen=True)
class SearchResult:
    """Whole-network totals per point; per-layer arrays (L, P) when requested, else empty."""

    breakdown_pj: np.ndarray  # (len(BREAKDOWN), P)
    accesses: np.ndarray  # (len(ACCESSES), P)
    latency_cycles: np.ndarray
    compute_cycles: np.ndarray
    mac_util: np.ndarray  # sum over layers of utilization x MACs
    stalls: np.ndarray  # (len(STALLS), P)
    layer_energy_pj: np.ndarray
    layer_latency_cycles: np.ndarray
    layer_utilization: np.ndarray
    layer_choice: np.ndarray  # index of the chosen candidate in the pruned table

    @property
    def energy_pj(self) -> np.ndarray:
        return self.breakdown_pj.sum(axis=0)


def search(tables: LayerTables, geo: np.ndarray, action_costs: np.ndarray, objective: str,
           per_layer: bool = False) -> SearchResult:
    """Best mapping of every layer on every point (``geo``: geometry index per point)."""
    P, L = len(geo), len(tables.layer_macs)
    z = lambda *s: np.zeros(s)
    lp = (L, P) if per_layer else (0, 0)
    out = SearchResult(z(len(BREAKDOWN), P), z(len(ACCESSES), P), z(P), z(P), z(P), z(len(STALLS), P),
                       z(*lp), z(*lp), z(*lp), np.zeros(lp, dtype=np.int64))
    _search(tables.counts, tables.offset, tables.n_valid, tables.layer_macs,
            np.ascontiguousarray(geo, dtype=np.int64),
            np.ascontiguousarray(action_costs, dtype=float), OBJECTIVE_CODES[objective], per_layer,
            out.breakdown_pj, out.accesses, out.latency_cycles, out.compute_cycles, out.mac_util, out.stalls,
            out.layer_energy_pj, out.layer_latency_cycles, out.layer_utilization, out.layer_choice)
    return out


# the kernels index count vectors, factored terms and per-geometry terms by position
assert COUNTS == ("mac_ops", "spad_weight", "spad_ifmap", "spad_psum", "noc_weight", "noc_ifmap", "noc_psum",
                  "glb_rd_weight", "glb_rd_ifmap", "glb_rd_psum", "glb_wr_weight", "glb_wr_ifmap", "glb_wr_psum",
                  "dram_rd_weight", "dram_rd_ifmap", "dram_wr_psum", "compute_cycles", "tiles", "utilization")
assert TERMS == ("compute_cycles", "w_reads", "i_reads", "psum_rw", "w_fanout", "i_fanout", "spad_w",
                 "spad_i", "spad_p", "noc_w", "noc_i", "noc_p")
assert PER_GEOMETRY == ("w_bits", "a_bits", "acc_bits", "o_bits", "passes", "rows", "cols", "multicast",
                        "dram_w_bits", "dram_i_bits", "tiles", "streams")
