"""Per-layer analytical cost model of the row-stationary accelerator, vectorized over design points.

Levels: DRAM -> global buffer (GLB) -> NoC (multicast buses, PE-to-PE psum links) -> per-PE
scratchpads (filter / ifmap / psum) -> MAC. For one layer and P design points we

1. choose the DRAM tiling (output-channel tile ``kt`` x output-row tile ``yt`` that fits the GLB)
   minimising DRAM traffic, per distinct (GLB size, operand widths) — ``dram_tiling``;
2. enumerate row-stationary array mappings (Eyeriss, Chen et al. ISCA 2016 / JSSC 2017):
   a logical PE set of FY rows x OY columns folded onto the physical array, replicated
   vertically over output channels K or input channels C, p filters and q channels per PE,
   and two GLB loop orders; evaluate all of them as a (P, candidates) array and keep the
   best per point under the mapping objective — ``layer_cost``.

Bit widths: each operand moves at its effective width (layer bits, or the PE's bits when the
policy makes the network follow the PE); scratchpad capacities are in words of the PE's
width, so narrower operands pack several per word. A layer wider than the PE is decomposed
into ``ceil(w/pe_w) * ceil(a/pe_a)`` passes (bit-serial decomposition).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dse.hardware import HardwareCosts
from workloads.layer import Layer

PJ_PER_MW_S = 1e9  # 1 mW for 1 s = 1 mJ = 1e9 pJ
OBJECTIVE_CODES = {"energy": 0, "latency": 1, "edp": 2}

# Breakdown columns: (level, operand) energies plus MAC and leakage.
LEVELS = ("spad", "noc", "glb", "dram")
OPERANDS = ("weight", "ifmap", "psum")
BREAKDOWN = ("mac",) + tuple(f"{lv}_{op}" for lv in LEVELS for op in OPERANDS) + ("leakage",)
ACCESSES = ("dram_read_bits", "dram_write_bits", "glb_read_bits", "glb_write_bits", "spad_accesses",
            "noc_bit_hops")

_P_CAND = np.array([1, 2, 4, 8, 16, 32])  # filters per PE
_Q_CAND = np.array([1, 2, 4, 8, 16, 32])  # input channels per PE
_TILE_DIV = 2 ** np.arange(0, 8)  # DRAM tiles: K / 2^i and OY / 2^j


@dataclass(frozen=True)
class LayerCost:
    """Cost of one layer on P design points (arrays of length P; breakdown is (len(BREAKDOWN), P))."""

    energy_pj: np.ndarray
    latency_cycles: np.ndarray
    compute_cycles: np.ndarray
    utilization: np.ndarray
    breakdown_pj: np.ndarray
    accesses: np.ndarray  # (len(ACCESSES), P)
    w_bits: np.ndarray  # effective widths the layer ran at
    a_bits: np.ndarray
    passes: np.ndarray


def effective_bits(layer: Layer, pe_w: np.ndarray, pe_a: np.ndarray, follow_pe: bool):
    """(w_bits, a_bits, o_bits, passes) arrays for this layer on each PE."""
    if follow_pe:
        w, a = pe_w.astype(float), pe_a.astype(float)
        o = a.copy()
    else:
        w = np.full(pe_w.shape, float(layer.w_bits))
        a = np.full(pe_w.shape, float(layer.a_bits))
        o = np.full(pe_w.shape, float(layer.o_bits))
    passes = np.ceil(w / pe_w) * np.ceil(a / pe_a)
    return w, a, o, passes


def dram_tiling(layer: Layer, glb_bytes, w, a, o, acc) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(weight_read_bits, ifmap_read_bits, write_bits) from DRAM for the best GLB tiling, per point.

    Tiles keep all input channels resident (partial sums never leave the chip). Two loop
    orders: K tiles outer (weights read once, ifmap once per K tile) or row tiles outer
    (ifmap once, weights once per row tile). Where even the smallest tile does not fit, the
    reads are ``inf`` and the caller streams operands straight from DRAM.
    """
    L = layer
    kt = np.ceil(L.k / _TILE_DIV)[:, None]  # (T, 1)
    yt = np.ceil(L.oy / _TILE_DIV)[None, :]  # (1, T)
    n_kt, n_yt = np.ceil(L.k / kt), np.ceil(L.oy / yt)
    in_rows = (np.minimum(yt, L.oy) - 1) * L.stride_y + L.fy  # input rows per row tile
    c_tile = np.minimum(L.c, kt * L.c_per_group)  # input channels a K tile needs
    w_, a_, acc_, cap = (np.asarray(v, float)[:, None, None] for v in (w, a, acc, glb_bytes))
    need_bits = (kt * L.c_per_group * L.fy * L.fx * w_ + L.n * c_tile * L.input_x * in_rows * a_
                 + L.n * kt * yt * L.ox * acc_)
    fits = need_bits <= cap * 8
    in_elems = L.n * L.c * L.input_x * np.maximum(L.input_y, n_yt * in_rows)  # halo rows re-read
    w_once, i_once = L.weight_count * w_, in_elems * a_
    k_outer = w_once + i_once * n_kt
    y_outer = w_once * n_yt + i_once
    use_k = k_outer <= y_outer
    total = np.where(fits, np.minimum(k_outer, y_outer), np.inf).reshape(len(cap), -1)
    best = np.argmin(total, axis=1)
    flat = lambda x: np.broadcast_to(x, fits.shape).reshape(len(cap), -1)[np.arange(len(cap)), best]  # noqa: E731
    feasible = np.isfinite(total[np.arange(len(cap)), best])
    w_reads = np.where(feasible, flat(np.where(use_k, w_once, w_once * n_yt)), np.inf)
    i_reads = np.where(feasible, flat(np.where(use_k, i_once * n_kt, i_once)), np.inf)
    return w_reads, i_reads, L.output_count * np.asarray(o, float)


@dataclass(frozen=True)
class _Grid:
    """Candidate array mappings as broadcastable (1, M) arrays."""

    p: np.ndarray
    q: np.ndarray
    vert_k: np.ndarray  # 1: vertical replicas over K, 0: over C
    order_w: np.ndarray  # 1: weights stationary at GLB level (k, c outer), 0: ifmap stationary


def _grid() -> _Grid:
    p, q, v, o = np.meshgrid(_P_CAND, _Q_CAND, [1, 0], [1, 0], indexing="ij")
    return _Grid(*(x.reshape(1, -1).astype(float) for x in (p, q, v, o)))


_GRID = _grid()


def layer_cost(layer: Layer, hw: HardwareCosts, rows, cols, spad_i_words, spad_f_words, spad_p_words,
               pe_w, pe_a, glb_bytes, objective: int, follow_pe: bool = True) -> LayerCost:
    """Cost of ``layer`` on every design point (all point arguments are arrays of length P)."""
    if not layer.is_compute:
        return _data_movement_cost(layer, hw, pe_a, follow_pe)
    L, g = layer, _GRID
    w, a, o, passes = effective_bits(L, pe_w, pe_a, follow_pe)
    col = lambda x: np.asarray(x, float)[:, None]  # noqa: E731  (P,) -> (P, 1)
    R, C, Wb, Ab, Ob, acc = col(rows), col(cols), col(w), col(a), col(o), col(hw.acc_bits)
    k_per_group = L.k // L.groups
    macs = float(L.macs)

    # --- spatial: logical PE set FY x OY folded onto R x C, replicated -------------------------
    fy_fold = np.ceil(L.fy / R)  # filter rows split over passes when FY > R
    rows_set = np.ceil(L.fy / fy_fold)
    cols_set = np.minimum(L.oy, C)
    strips = np.ceil(L.oy / cols_set)
    rep_v = np.floor(R / rows_set)
    rep_h = np.floor(C / cols_set)  # horizontal replicas (OY < C) go over K
    u_k = np.minimum(np.where(g.vert_k == 1, rep_v, 1.0) * rep_h, L.k)
    u_c = np.minimum(np.where(g.vert_k == 1, 1.0, rep_v), L.c_per_group)
    # --- per PE: p filters x q channels of FX taps in the scratchpads ---------------------------
    p = np.minimum(g.p, np.ceil(L.k / u_k))
    q = np.minimum(g.q, np.ceil(L.c_per_group / u_c))
    legal = ((p * q * L.fx * Wb <= col(spad_f_words) * col(pe_w))
             & (q * L.fx * Ab <= col(spad_i_words) * col(pe_a))
             & (p <= col(spad_p_words))
             & (g.p <= np.maximum(p, 1)) & (g.q <= np.maximum(q, 1)))  # drop duplicate clipped candidates
    legal |= (g.p == 1) & (g.q == 1)  # p = q = 1 always runs (operands stream through the spads)
    n_k = np.ceil(L.k / (p * u_k))
    n_c = np.ceil(L.c_per_group / (q * u_c))
    # --- compute cycles: every pass runs p*q*FX*OX MACs per PE, per filter-row fold and image ----
    pass_cycles = p * q * L.fx * L.ox * col(passes)
    compute = n_k * n_c * strips * fy_fold * L.n * pass_cycles
    util = macs * col(passes) / (compute * R * C)

    # --- GLB <-> array traffic (elements) ------------------------------------------------------
    in_rows_total = strips * ((cols_set - 1) * L.stride_y + L.fy)
    ifmap_once = L.n * L.c * L.input_x * np.maximum(in_rows_total, 0)
    # ifmap is shared by output channels of the same group only (none for depthwise).
    ifmap_k_reuse = np.where(k_per_group > 1, n_k, np.ceil(n_k / np.maximum(1, L.k / L.groups)))
    w_reads = np.where(g.order_w == 1, L.weight_count, L.weight_count * L.n * strips)
    i_reads = np.where(g.order_w == 1, ifmap_once * ifmap_k_reuse, ifmap_once)
    psum_rw = L.output_count * 2 * (n_c * fy_fold - 1)  # spilled partial sums (read + write)
    # --- NoC: multicast fills and PE-to-PE psum accumulation -----------------------------------
    w_fills = w_reads * cols_set  # a filter row is used by every PE of its set row
    i_fills = i_reads * np.minimum(L.fy, rows_set) * np.where(g.vert_k == 1, rep_v, 1.0)
    psum_hops = L.output_count * n_c * fy_fold * (rows_set * u_c - 1)
    m_ops = macs * col(passes)
    noc_w = w_reads * Wb * C  # a row bus spans the array width
    noc_i = i_reads * Ab * (R + C) / 2  # diagonal multicast
    noc_p = psum_hops * acc
    e_hop = col(hw.noc_pj_per_bit_hop)

    dram_wt, dram_in, dram_w = (col(x) for x in dram_tiling(L, glb_bytes, w, a, o, hw.acc_bits))
    streams = ~np.isfinite(dram_wt)  # no tile fits the GLB: operands stream from DRAM, no GLB reuse
    dram_wt = np.where(streams, w_reads * Wb, dram_wt)
    dram_in = np.where(streams, i_reads * Ab, dram_in)
    fill = np.where(streams, 0.0, dram_wt + dram_in)  # every DRAM read is written into the GLB
    dram_r = dram_wt + dram_in
    glb_r = (np.where(streams, 0.0, w_reads * Wb + i_reads * Ab)  # streamed operands bypass the GLB
             + psum_rw / 2 * acc + L.output_count * Ob)  # outputs drain to DRAM through the GLB
    glb_w = fill + psum_rw / 2 * acc + L.output_count * Ob

    e = {
        "mac": m_ops * col(hw.mac_energy_pj),
        "spad_weight": (m_ops + w_fills) * col(hw.spad_filter_pj),
        "spad_ifmap": (m_ops + i_fills) * col(hw.spad_ifmap_pj),
        "spad_psum": 2 * m_ops * col(hw.spad_psum_pj),
        "noc_weight": noc_w * e_hop,
        "noc_ifmap": noc_i * e_hop,
        "noc_psum": noc_p * e_hop,
    }
    rd, wr = col(hw.glb_read_pj_per_bit), col(hw.glb_write_pj_per_bit)
    e["glb_weight"] = w_reads * Wb * rd + np.where(streams, 0.0, dram_wt) * wr
    e["glb_ifmap"] = i_reads * Ab * rd + np.where(streams, 0.0, dram_in) * wr
    e["glb_psum"] = psum_rw / 2 * acc * (rd + wr) + L.output_count * Ob * (rd + wr)
    dram_pj = col(hw.dram_pj_per_bit)
    e["dram_weight"] = dram_wt * dram_pj
    e["dram_ifmap"] = dram_in * dram_pj
    e["dram_psum"] = dram_w * dram_pj

    # --- latency: compute overlapped with double-buffered transfers -------------------------------
    dram_cycles = (dram_r + dram_w) / 8 / col(hw.dram_bytes_per_cycle)
    glb_cycles = glb_r / col(hw.glb_read_bits_per_cycle) + glb_w / col(hw.glb_write_bits_per_cycle)
    latency = np.maximum(compute, np.maximum(dram_cycles, glb_cycles))
    e["leakage"] = col(hw.leakage_mw) * latency / (col(hw.clock_mhz) * 1e6) * PJ_PER_MW_S
    energy = sum(e.values())

    score = np.stack([energy, latency, energy * latency])[objective]
    score = np.where(legal, score, np.inf)
    best = np.argmin(score, axis=1)
    pick = lambda x: np.take_along_axis(np.broadcast_to(x, score.shape), best[:, None], 1)[:, 0]  # noqa: E731
    breakdown = np.stack([pick(e[name]) for name in BREAKDOWN])
    accesses = np.stack([
        pick(dram_r), pick(dram_w), pick(glb_r), pick(glb_w),
        pick(m_ops * 4 + w_fills + i_fills), pick((noc_w + noc_i + noc_p)),
    ])
    return LayerCost(
        energy_pj=breakdown.sum(axis=0),
        latency_cycles=pick(latency),
        compute_cycles=pick(compute),
        utilization=pick(util),
        breakdown_pj=breakdown,
        accesses=accesses,
        w_bits=w,
        a_bits=a,
        passes=passes,
    )


def _data_movement_cost(layer: Layer, hw: HardwareCosts, pe_a, follow_pe: bool) -> LayerCost:
    """Pooling / elementwise / reshape: stream inputs from DRAM through the GLB and back."""
    P = len(pe_a)
    a = pe_a.astype(float) if follow_pe else np.full(P, float(layer.a_bits))
    in_bits, out_bits = layer.input_count * a, layer.output_count * a
    e = dict.fromkeys(BREAKDOWN, np.zeros(P))
    e["glb_ifmap"] = in_bits * (hw.glb_write_pj_per_bit + hw.glb_read_pj_per_bit)
    e["glb_psum"] = out_bits * (hw.glb_write_pj_per_bit + hw.glb_read_pj_per_bit)
    e["dram_ifmap"] = in_bits * hw.dram_pj_per_bit
    e["dram_psum"] = out_bits * hw.dram_pj_per_bit
    latency = np.maximum((in_bits + out_bits) / 8 / hw.dram_bytes_per_cycle,
                         (in_bits + out_bits) / hw.glb_read_bits_per_cycle)
    e["leakage"] = hw.leakage_mw * latency / (hw.clock_mhz * 1e6) * PJ_PER_MW_S
    breakdown = np.stack([e[name] for name in BREAKDOWN])
    zeros = np.zeros(P)
    return LayerCost(
        energy_pj=breakdown.sum(axis=0), latency_cycles=latency, compute_cycles=zeros, utilization=zeros,
        breakdown_pj=breakdown,
        accesses=np.stack([in_bits, out_bits, in_bits + out_bits, in_bits + out_bits, zeros, zeros]),
        w_bits=np.zeros(P), a_bits=a, passes=np.ones(P),
    )
