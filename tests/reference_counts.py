"""Numpy reference paths of the compiled cost model, written out by name (independent of the action
table's generated positions): the full (geometries x candidates x bypass modes x GLB tilings x counts)
table of a dataflow, its pruning coordinates and plain pruning, and the price of one count vector. The kernels
(``dse.mapping``) must equal these bit for bit (tests/test_cost_speed_equivalence.py) and pick what
an exhaustive argmin over them picks (tests/test_cost_model.py)."""

import numpy as np

from dse import dataflows
from dse.actions import CI, COST_COLUMNS, COUNTS
from dse.dataflows import BYPASS, Geometry
from dse.mapping import kernels
from workloads.layer import Layer


def base_counts(L: Layer, g: Geometry, dataflow: str, every_tile: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(counts (G, M, len(BYPASS), len(COUNTS)), legal (G, M, len(BYPASS))) of ``dataflow``'s
    candidates in every GLB bypass mode, before a tiling adds its DRAM reads into the GLB (``with_tiling``)
    and with one tile; outputs bypass only where a candidate spills no partial sums. ``every_tile``:
    every integer per-PE tile size that fits, not the sweep's exactly reduced set."""
    arr = dataflows.candidates(L, g, dataflow, every_tile)
    shape = np.broadcast_shapes(arr.legal.shape, arr.compute_cycles.shape, g.rows.shape)
    w, a, acc = g.w_bits, g.a_bits, g.acc_bits
    # without multicast every destination PE is served by its own GLB read
    w_rd = arr.w_reads * np.where(g.multicast == 1, 1.0, arr.w_fanout)
    i_rd = arr.i_reads * np.where(g.multicast == 1, 1.0, arr.i_fanout)
    psum = arr.psum_rw / 2 * acc + L.output_count * g.o_bits
    out = np.zeros(shape + (len(BYPASS), len(COUNTS)))
    legal = np.zeros(shape + (len(BYPASS),), dtype=bool)
    m_ops = L.macs * g.passes
    for mode, (bw, bi, bo) in enumerate(BYPASS):
        c = {
            "mac_ops": m_ops, "clock_active_pe_pe_cycles": m_ops, "spad_read_weight_accesses": arr.spad_w_read,
            "spad_write_weight_accesses": arr.spad_w_fill, "spad_read_ifmap_accesses": arr.spad_i_read,
            "spad_write_ifmap_accesses": arr.spad_i_fill, "spad_read_psum_accesses": arr.spad_p_read,
            "spad_write_psum_accesses": arr.spad_p_write,
            "noc_weight_bit_hops": arr.noc_w, "noc_ifmap_bit_hops": arr.noc_i, "noc_psum_bit_hops": arr.noc_p,
            # a bypassed operand goes DRAM -> array at every array read; bypassed outputs array -> DRAM
            "glb_read_weight_bits": 0.0 if bw else w_rd * w,
            "glb_read_ifmap_bits": 0.0 if bi else i_rd * a,
            "glb_read_psum_bits": 0.0 if bo else psum,
            "glb_write_weight_bits": 0.0, "glb_write_ifmap_bits": 0.0,
            "glb_write_psum_bits": 0.0 if bo else psum,
            "dram_read_weight_bits": w_rd * w if bw else 0.0, "dram_read_ifmap_bits": i_rd * a if bi else 0.0,
            "dram_write_psum_bits": L.output_count * g.o_bits,
            "compute_cycles": arr.compute_cycles, "tiles": 1.0,
            "utilization": m_ops / (arr.compute_cycles * g.rows * g.cols),
        }
        for name, value in c.items():
            out[..., mode, CI[name]] = np.broadcast_to(value, shape)
        legal[..., mode] = np.broadcast_to(arr.legal & ((bo == 0) | (arr.psum_rw == 0)), shape)
    return out, legal


def tilings(L: Layer, g: Geometry, reduce: bool = True) -> list[list[np.ndarray]]:
    """Per geometry and bypass mode, the GLB tilings as (K, 4) rows (DRAM reads into the GLB of weights,
    of ifmaps, tiles, index into ``dataflows.tiling_space`` or -1): every tiling that fits, or
    (``reduce``) only the staircase of least reads against most tiles (of equal reads the first with
    the most tiles); where no mode that keeps partial sums in the GLB has any, the fallback mode gets one
    streamed row (no reads, stream tiles)."""
    t = dataflows.dram_tilings(L, g)
    fallback = dataflows.fallback_mode(g)
    stream = dataflows.stream_tiles(L, g).reshape(-1)
    out = []
    for gi in range(len(g.rows)):
        spills_fit = t["fits"][gi, [m for m, b in enumerate(BYPASS) if not b[2]]].any()
        per_mode = []
        for mode, (bw, bi, _) in enumerate(BYPASS):
            idx = np.flatnonzero(t["fits"][gi, mode])
            dw, di = (1 - bw) * t["w_bits"][gi, idx], (1 - bi) * t["i_bits"][gi, idx]
            n = t["tiles"][idx]
            rows = np.stack([dw, di, n, idx.astype(float)], axis=1)
            if reduce and len(idx):
                order = np.lexsort((idx, -n, dw + di))
                best, keep = -1.0, []
                for j in order:
                    if n[j] > best:
                        keep.append(j)
                        best = n[j]
                rows = rows[keep]
            if not spills_fit and mode == fallback[gi]:
                rows = np.array([[0.0, 0.0, stream[gi], -1.0]])
            per_mode.append(rows)
        out.append(per_mode)
    return out


def with_tiling(base: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Count vectors (..., COUNTS) of base rows under tilings (..., 4) (``tilings``)."""
    shape = np.broadcast_shapes(base.shape[:-1], t.shape[:-1]) + base.shape[-1:]
    c = np.array(np.broadcast_to(base, shape), dtype=float, copy=True)
    for name in ("glb_write_weight_bits", "dram_read_weight_bits"):
        c[..., CI[name]] += t[..., 0]
    for name in ("glb_write_ifmap_bits", "dram_read_ifmap_bits"):
        c[..., CI[name]] += t[..., 1]
    c[..., CI["tiles"]] = t[..., 2]
    return c


def compute_counts(L: Layer, g: Geometry, dataflow: str, reduce: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(counts (G, X, len(COUNTS)), legal (G, X)) of every mapping of ``dataflow``: candidate x bypass
    mode x GLB tiling (the staircase with ``reduce``, else every tiling that fits), padded per geometry."""
    base, legal = base_counts(L, g, dataflow)
    G, M = legal.shape[:2]
    stairs = tilings(L, g, reduce)
    S = max(1, max(len(r) for per in stairs for r in per))
    counts = np.zeros((G, M, len(BYPASS), S, len(COUNTS)))
    counts[..., CI["tiles"]] = 1.0  # padding (not legal)
    ok = np.zeros((G, M, len(BYPASS), S), dtype=bool)
    for gi in range(G):
        for mode in range(len(BYPASS)):
            rows = stairs[gi][mode]
            k = len(rows)
            if k:
                counts[gi, :, mode, :k] = with_tiling(base[gi, :, mode, None, :], rows[None, :, :])
                ok[gi, :, mode, :k] = legal[gi, :, mode, None]
    return counts.reshape(G, -1, len(COUNTS)), ok.reshape(G, -1)


def reduced(counts: np.ndarray) -> np.ndarray:
    """The cost-relevant coordinates used for exact dominance pruning, (..., 13): each spad's word
    reads and writes, NoC bit-hops, GLB read bits, GLB write bits, DRAM bits, compute cycles, DRAM bits per
    tile, 1 / tiles."""
    c = lambda name: counts[..., CI[name]]
    dram = c("dram_read_weight_bits") + c("dram_read_ifmap_bits") + c("dram_write_psum_bits")
    return np.stack([
        c("spad_read_weight_accesses"), c("spad_write_weight_accesses"), c("spad_read_ifmap_accesses"),
        c("spad_write_ifmap_accesses"), c("spad_read_psum_accesses"), c("spad_write_psum_accesses"),
        c("noc_weight_bit_hops") + c("noc_ifmap_bit_hops") + c("noc_psum_bit_hops"),
        c("glb_read_weight_bits") + c("glb_read_ifmap_bits") + c("glb_read_psum_bits"),
        c("glb_write_weight_bits") + c("glb_write_ifmap_bits") + c("glb_write_psum_bits"),
        dram, c("compute_cycles"), dram / c("tiles"), 1.0 / c("tiles"),
    ], axis=-1)


def prune(counts: np.ndarray, legal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(kept counts of every geometry back to back (sum of n_keep, len(COUNTS)), number kept per
    geometry (G,)) of a full candidate table (G, M, len(COUNTS))."""
    G, M, _ = counts.shape
    keep = np.zeros((G, M), dtype=np.int64)
    n_keep = np.zeros(G, dtype=np.int64)
    kernels.skyline(np.ascontiguousarray(reduced(counts)), np.ascontiguousarray(legal), keep, n_keep)
    valid = np.arange(M) < n_keep[:, None]
    return counts[np.repeat(np.arange(G), n_keep), keep[valid]], n_keep


def price(c: np.ndarray, e: np.ndarray) -> tuple[float, float]:
    """(energy_pj, latency_cycles) of one count vector under one point's costs, by name."""
    n = lambda name: c[CI[name]]
    k = lambda name: e[COST_COLUMNS.index(name)]
    glb_rd = n("glb_read_weight_bits") + n("glb_read_ifmap_bits") + n("glb_read_psum_bits")
    glb_wr = n("glb_write_weight_bits") + n("glb_write_ifmap_bits") + n("glb_write_psum_bits")
    dram = n("dram_read_weight_bits") + n("dram_read_ifmap_bits") + n("dram_write_psum_bits")
    x = max(n("compute_cycles"), glb_rd / k("glb_read_bits_per_cycle") + glb_wr / k("glb_write_bits_per_cycle"))
    d = dram / k("dram_bits_per_cycle")
    lat = max(x + d / n("tiles"), d + x / n("tiles"))
    noc = n("noc_weight_bit_hops") + n("noc_ifmap_bit_hops") + n("noc_psum_bit_hops")
    energy = (n("mac_ops") * k("mac_energy_pj") + n("clock_active_pe_pe_cycles") * k("clock_pj_per_mac")
              + n("spad_read_weight_accesses") * k("spad_filter_read_pj")
              + n("spad_write_weight_accesses") * k("spad_filter_write_pj")
              + n("spad_read_ifmap_accesses") * k("spad_ifmap_read_pj")
              + n("spad_write_ifmap_accesses") * k("spad_ifmap_write_pj")
              + n("spad_read_psum_accesses") * k("spad_psum_read_pj")
              + n("spad_write_psum_accesses") * k("spad_psum_write_pj")
              + noc * k("noc_pj_per_bit_hop") + glb_rd * k("glb_read_pj_per_bit")
              + glb_wr * k("glb_write_pj_per_bit") + dram * k("dram_pj_per_bit")
              + lat * (k("leakage_pj_per_cycle") + k("clock_pj_per_cycle")))
    return energy, lat
