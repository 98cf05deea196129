"""Mapping candidates of each dataflow as action counts, vectorized over (geometries, candidates).

A *geometry* is what fixes a layer's legal mappings and their action counts: array size,
scratchpad words, GLB bytes, PE and layer bit widths, dataflow, NoC multicast. For one layer
and G geometries each dataflow returns ``COUNTS`` arrays of shape (G, M) over its M mapping
candidates (spatial unrolling x per-PE temporal tile x GLB loop order); the DRAM tiling
(GLB-level temporal blocking) is shared by all dataflows. Per-point energies and bandwidths
turn counts into energy and latency later (``dse.mapping``; what is counted: ``dse.actions``), so a count table serves every
design point with the same geometry.

Dataflows (row / column of the R x C array):
- ``row_stationary`` (Eyeriss, Chen et al. ISCA 2016 / JSSC 2017): logical PE sets of FY rows x
  OY columns, filter rows and ifmap rows stay in the spads, psums accumulate PE to PE vertically.
- ``weight_stationary`` (TPU-like systolic, Jouppi et al. ISCA 2017): rows <- input channels
  (or channels x filter taps, im2col), columns <- output channels; weights stay, ifmaps flow
  right, psums flow down.
- ``output_stationary`` (ShiDianNao-like, Du et al. ISCA 2015): rows <- output channels, columns
  <- output pixels; psums stay, weights broadcast along rows, ifmaps along columns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dse.actions import CI, COUNTS
from workloads.layer import Layer

DATAFLOWS = ("row_stationary", "weight_stationary", "output_stationary")


_POW2 = np.array([1, 2, 4, 8, 16, 32], dtype=float)
_TILE_DIV = 2.0 ** np.arange(0, 8)  # DRAM tiles: K / 2^i and OY / 2^j
RS_PSUM_ADD_CYCLES = 1.0  # row stationary: one accumulation cycle per partial sum received from a neighbour
SYSTOLIC_SKEW = 1.0  # weight-stationary arrays pay rows + cols cycles of skew per weight tile


@dataclass(frozen=True)
class Geometry:
    """G geometries as (G, 1) float arrays, broadcastable against (1, M) candidate grids."""

    rows: np.ndarray
    cols: np.ndarray
    spad_ifmap_words: np.ndarray
    spad_filter_words: np.ndarray
    spad_psum_words: np.ndarray
    glb_bytes: np.ndarray
    pe_w_bits: np.ndarray
    pe_a_bits: np.ndarray
    acc_bits: np.ndarray
    multicast: np.ndarray  # 1: NoC multicast, 0: every destination PE gets its own GLB read
    w_bits: np.ndarray  # this layer's effective operand widths and bit-serial passes
    a_bits: np.ndarray
    o_bits: np.ndarray
    passes: np.ndarray


def unique_rows(columns: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(index of one representative per distinct row, inverse) of the stacked columns, in O(P log P)."""
    key = np.zeros(len(columns[0]), dtype=np.int64)
    for col in columns:
        _, inv = np.unique(np.asarray(col), return_inverse=True)
        card = int(inv.max()) + 1 if len(inv) else 1
        if len(key) and int(key.max()) >= (2**62) // card:  # re-number before the mixed-radix key overflows
            key = np.unique(key, return_inverse=True)[1].reshape(-1).astype(np.int64)
        key = key * card + inv.reshape(-1)
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    return first, inverse.reshape(-1)


def packed_capacity(words, pe_bits, bits):
    """Operands of ``bits`` that fit in ``words`` words of ``pe_bits``: narrower ones pack
    ``floor(pe_bits / bits)`` per word, wider ones take ``ceil(bits / pe_bits)`` words each."""
    per_word = np.floor(pe_bits / bits)
    return np.where(per_word >= 1, words * np.maximum(per_word, 1), np.floor(words / np.ceil(bits / pe_bits)))


def dram_tiling(L: Layer, g: Geometry) -> dict[str, np.ndarray]:
    """Best GLB tiling minimising DRAM traffic; arrays of shape (G, 1).

    A tile is (batch nt x output channels kt x output rows yt) of outputs whose partial sums stay
    in the GLB (they never go to DRAM) while input-channel tiles ct stream through; weight and
    ifmap tiles are double buffered. With one channel tile an operand can stay resident across
    output tiles: K tiles outer keeps weights (ifmap re-read per K tile), batch/row tiles outer
    keeps the ifmap (weights re-read per batch/row tile). With several channel tiles both are
    re-read. Where no tile fits, ``streams`` is 1 and operands stream from DRAM past the GLB.
    """
    kg, cg = L.k // L.groups, L.c_per_group
    div = lambda n: np.unique(np.ceil(n / _TILE_DIV))
    kt, yt, nt, ct = np.meshgrid(div(L.k), div(L.oy), div(L.n), div(cg), indexing="ij")
    kt, yt, nt, ct = (x.reshape(1, -1) for x in (kt, yt, nt, ct))  # (1, T)
    n_kt, n_yt, n_nt, n_ct = np.ceil(L.k / kt), np.ceil(L.oy / yt), np.ceil(L.n / nt), np.ceil(cg / ct)
    in_rows = (yt - 1) * L.stride_y + L.fy
    groups_spanned = np.ceil(kt / kg)  # a K tile of a grouped conv needs the channels of its groups
    w, a, acc, cap = g.w_bits, g.a_bits, g.acc_bits, g.glb_bytes
    w_tile = kt * ct * L.fy * L.fx * w
    i_tile = nt * ct * groups_spanned * L.input_x * in_rows * a
    psum_tile = nt * kt * yt * L.ox * acc
    one_c = n_ct == 1
    # the operand that stays resident is held once; the streamed one is double buffered
    fits_k = (np.where(one_c, 1.0, 2.0) * w_tile + 2 * i_tile + psum_tile) <= cap * 8
    fits_o = (2 * w_tile + np.where(one_c, 1.0, 2.0) * i_tile + psum_tile) <= cap * 8
    c_share = np.minimum(1.0, groups_spanned * cg / L.c)  # share of all input channels one K tile reads
    in_elems = L.n * L.c * L.input_x * np.maximum(L.input_y, n_yt * in_rows)  # halo rows re-read
    w_once, i_once = L.weight_count * w, in_elems * a
    k_outer = (w_once * np.where(one_c, 1.0, n_nt * n_yt), i_once * n_kt * c_share)
    o_outer = (w_once * n_nt * n_yt, i_once * np.where(one_c, 1.0, n_kt * c_share))
    tot_k = np.where(fits_k, k_outer[0] + k_outer[1], np.inf)
    tot_o = np.where(fits_o, o_outer[0] + o_outer[1], np.inf)
    use_k = tot_k <= tot_o
    w_bits = np.where(use_k, k_outer[0], o_outer[0])
    i_bits = np.where(use_k, k_outer[1], o_outer[1])
    total = np.minimum(tot_k, tot_o)
    G = total.shape[0]
    best = np.argmin(total, axis=1)
    rows = np.arange(G)
    pick = lambda x: np.broadcast_to(x, total.shape)[rows, best][:, None]
    feasible = np.isfinite(total[rows, best])[:, None]
    out_bits = L.output_count * g.o_bits
    stream_tiles = np.maximum(1.0, np.ceil((L.weight_count * g.w_bits + L.input_count * g.a_bits + out_bits)
                                           / (g.glb_bytes * 8 / 2)))
    return {
        "w_bits": np.where(feasible, pick(w_bits), np.nan),
        "i_bits": np.where(feasible, pick(i_bits), np.nan),
        "o_bits": out_bits,
        "tiles": np.where(feasible, pick(n_kt * n_yt * n_nt * n_ct), stream_tiles),
        "streams": (~feasible).astype(float),
    }


@dataclass(frozen=True)
class _Array:
    """GLB <-> array traffic and per-PE work of the candidates of one dataflow, (G, M) arrays."""

    legal: np.ndarray
    compute_cycles: np.ndarray
    w_reads: np.ndarray  # elements read from the GLB (once per multicast)
    i_reads: np.ndarray
    psum_rw: np.ndarray  # spilled partial sums: reads + writes, elements
    w_fanout: np.ndarray  # destination PEs per weight read (multicast width)
    i_fanout: np.ndarray
    spad_w: np.ndarray  # word accesses
    spad_i: np.ndarray
    spad_p: np.ndarray
    noc_w: np.ndarray  # bit-hops
    noc_i: np.ndarray
    noc_p: np.ndarray


def _row_stationary(L: Layer, g: Geometry) -> _Array:
    p_, q_, vk_, ow_ = (x.reshape(1, -1) for x in np.meshgrid(_POW2, _POW2, [1.0, 0.0], [1.0, 0.0], indexing="ij"))
    R, C = g.rows, g.cols
    k_per_group = L.k // L.groups
    fy_fold = np.ceil(L.fy / R)  # filter rows split over passes when FY > R
    rows_set = np.ceil(L.fy / fy_fold)
    cols_set = np.minimum(L.oy, C)
    strips = np.ceil(L.oy / cols_set)
    rep_v = np.floor(R / rows_set)
    rep_h = np.floor(C / cols_set)  # horizontal replicas (OY < C) go over K
    u_k = np.minimum(np.where(vk_ == 1, rep_v, 1.0) * rep_h, L.k)
    u_c = np.minimum(np.where(vk_ == 1, 1.0, rep_v), L.c_per_group)
    p = np.minimum(p_, np.ceil(L.k / u_k))
    q = np.minimum(q_, np.ceil(L.c_per_group / u_c))
    legal = ((p * q * L.fx <= packed_capacity(g.spad_filter_words, g.pe_w_bits, g.w_bits))
             & (q * L.fx <= packed_capacity(g.spad_ifmap_words, g.pe_a_bits, g.a_bits))
             & (p <= g.spad_psum_words)
             & (p_ <= np.maximum(p, 1)) & (q_ <= np.maximum(q, 1)))  # drop duplicate clipped candidates
    legal |= (p_ == 1) & (q_ == 1)  # p = q = 1 always runs (operands stream through the spads)
    n_k = np.ceil(L.k / (p * u_k))
    n_c = np.ceil(L.c_per_group / (q * u_c))
    # per pass a PE computes p x OX partial sums of q x FX MACs each, plus one cycle per partial sum
    # to add the one arriving from its neighbour (the PE's adder does it: Eyeriss JSSC 2017 Sec. V-B)
    compute = n_k * n_c * strips * fy_fold * L.n * p * L.ox * (q * L.fx * g.passes + RS_PSUM_ADD_CYCLES)
    in_rows_total = strips * ((cols_set - 1) * L.stride_y + L.fy)
    ifmap_once = L.n * L.c * L.input_x * in_rows_total
    # ifmap is shared by output channels of the same group only (none for depthwise)
    ifmap_k_reuse = np.where(k_per_group > 1, n_k, np.ceil(n_k / max(1.0, L.k / L.groups)))
    w_reads = np.where(ow_ == 1, L.weight_count, L.weight_count * L.n * strips)
    i_reads = np.where(ow_ == 1, ifmap_once * ifmap_k_reuse, ifmap_once)
    w_fan = cols_set  # a filter row is used by every PE of its set row
    i_fan = np.minimum(L.fy, rows_set) * np.where(vk_ == 1, rep_v, 1.0)
    m_ops = L.macs * g.passes
    return _Array(
        legal=legal, compute_cycles=compute, w_reads=w_reads, i_reads=i_reads,
        psum_rw=L.output_count * 2 * (n_c * fy_fold - 1), w_fanout=w_fan + 0 * p, i_fanout=i_fan + 0 * p,
        spad_w=m_ops + w_reads * w_fan, spad_i=m_ops + i_reads * i_fan, spad_p=2 * m_ops + 0 * p,
        noc_w=w_reads * g.w_bits * C,  # a row bus spans the array width
        noc_i=i_reads * g.a_bits * (R + C) / 2,  # diagonal multicast
        noc_p=L.output_count * n_c * fy_fold * (rows_set * u_c - 1) * g.acc_bits,
    )


def _weight_stationary(L: Layer, g: Geometry) -> _Array:
    """Rows <- input channels (v = 0) or channels x taps (v = 1, im2col); columns <- output channels.

    Per PE: ``h_k`` filters x ``h_c`` channel folds x ``h_t`` taps of weights stay in the filter
    spad; for every output pixel the PE runs those h_c x h_t MACs per filter, accumulating locally
    in the psum spad, so partial sums leave the array only once per (channel-fold x tap) tile.
    With a whole filter row per PE and room for the window in the ifmap spad, consecutive pixels
    share FX - stride inputs (sliding window).
    """
    v_, hk_, hc_, ht_ = (x.reshape(1, -1) for x in np.meshgrid([0.0, 1.0], _POW2, _POW2, [0.0, 1.0, 2.0],
                                                                indexing="ij"))
    R, C = g.rows, g.cols
    kg, cg, taps = L.k // L.groups, L.c_per_group, L.fy * L.fx
    rows_dim = cg * np.where(v_ == 1, taps, 1.0)  # v = 1: im2col, rows take channels x taps
    u_r = np.minimum(rows_dim, R)
    n_r = np.ceil(rows_dim / u_r)
    u_k = np.minimum(kg, C)
    h_k = np.minimum(hk_, np.ceil(kg / u_k))  # filters per PE
    h_c = np.minimum(hc_, n_r)  # row folds (channel groups) per PE
    h_t = np.where(v_ == 1, 1.0, np.choose(ht_.astype(int), [1.0, float(L.fx), float(taps)]))  # taps per PE
    n_k = np.ceil(kg / (u_k * h_k))
    n_rr = np.ceil(n_r / h_c)
    n_t = np.ceil(taps / h_t) * (v_ == 0) + (v_ == 1)
    cap_i = packed_capacity(g.spad_ifmap_words, g.pe_a_bits, g.a_bits)
    window = (v_ == 0) & (ht_ >= 1) & (L.fx > 1) & (cap_i >= h_c * L.fx)
    legal = ((h_k * h_c * h_t <= packed_capacity(g.spad_filter_words, g.pe_w_bits, g.w_bits))
             & (h_k <= g.spad_psum_words) & (h_c <= cap_i)
             & (hk_ <= np.maximum(h_k, 1)) & (hc_ <= np.maximum(h_c, 1))  # drop duplicates of clipped candidates
             & ~((v_ == 1) & (ht_ > 0)) & ~((ht_ == 1) & (L.fx == taps)))
    legal |= (hk_ == 1) & (hc_ == 1) & (ht_ == 0)
    npix = L.n * L.oy * L.ox
    tiles = L.groups * n_k * n_rr * n_t  # weight tiles loaded into the array
    per_pe = h_k * h_c * h_t
    compute = tiles * (npix * per_pe * g.passes + SYSTOLIC_SKEW * (R + C))
    m_ops = L.macs * g.passes
    w_reads = L.weight_count + 0 * tiles
    reuse = np.where(window, L.fx / min(L.fx, L.stride_x), 1.0)  # sliding-window reuse in the ifmap spad
    i_reads = tiles * u_r * npix * h_c * h_t / reuse  # each array row streams its channels (and taps)
    return _Array(
        legal=legal, compute_cycles=compute, w_reads=w_reads, i_reads=i_reads,
        psum_rw=L.output_count * 2 * (n_rr * n_t - 1), w_fanout=1.0 + 0 * tiles, i_fanout=u_k + 0 * tiles,
        spad_w=m_ops + w_reads, spad_i=m_ops + i_reads * u_k, spad_p=2 * m_ops + 0 * tiles,
        noc_w=w_reads * g.w_bits * R / 2,  # loaded down the columns
        noc_i=i_reads * g.a_bits * u_k,  # systolic hop per column
        noc_p=tiles * u_k * h_k * npix * u_r * g.acc_bits,  # one hop per row per psum
    )


def _output_stationary(L: Layer, g: Geometry) -> _Array:
    p_ = _POW2.reshape(1, -1)
    R, C = g.rows, g.cols
    kg = L.k // L.groups
    npix = L.n * L.oy * L.ox
    u_k = np.minimum(L.k, R)
    mc_i = np.minimum(u_k, kg)  # an ifmap element is shared by the output channels of its group
    u_x = np.minimum(npix, C)
    p = np.minimum(p_, np.ceil(L.k / u_k))  # output channels per PE (psums held in the spad)
    legal = ((p <= g.spad_psum_words) & (p <= packed_capacity(g.spad_filter_words, g.pe_w_bits, g.w_bits))
             & (p_ <= np.maximum(p, 1))) | (p_ == 1)
    n_k = np.ceil(L.k / (u_k * p))
    n_x = np.ceil(npix / u_x)
    compute = n_k * n_x * p * L.c_per_group * L.fy * L.fx * g.passes
    m_ops = L.macs * g.passes
    w_reads = L.weight_count * n_x  # weights re-broadcast for every pixel tile
    # neighbour forwarding shares ifmaps along x; input rows are re-read once per filter row step
    i_reads = np.ceil(kg / (mc_i * p)) * L.input_count * np.ceil(L.fy / L.stride_y)
    return _Array(
        legal=legal, compute_cycles=compute, w_reads=w_reads, i_reads=i_reads,
        psum_rw=0 * p, w_fanout=u_x + 0 * p, i_fanout=mc_i + 0 * p,
        spad_w=m_ops + w_reads * u_x, spad_i=m_ops + i_reads * mc_i * L.fx, spad_p=2 * m_ops + 0 * p,
        noc_w=w_reads * g.w_bits * C,  # row broadcast bus
        noc_i=i_reads * g.a_bits * R,  # column broadcast bus
        noc_p=L.output_count * g.acc_bits * C / 2 + 0 * p,  # drain to the array edge
    )


_ARRAY = {"row_stationary": _row_stationary, "weight_stationary": _weight_stationary,
          "output_stationary": _output_stationary}


# --- Factored count tables: the (G, M, len(COUNTS)) candidate table without building it ---
# The candidate terms (``_Array``) do not depend on the GLB size or NoC multicast and the DRAM tiling
# depends only on the GLB size and bit widths, so each is evaluated once per distinct value of what it
# depends on; ``dse.mapping`` (compiled) combines them into one candidate's counts on demand with the
# same floating-point operations, in the same order, as the reference table of the tests
# (tests/reference_counts.py). The kernels read TERMS and PER_GEOMETRY by name (dse.mapping.prune).
TERMS = ("compute_cycles", "w_reads", "i_reads", "psum_rw", "w_fanout", "i_fanout", "spad_w", "spad_i",
         "spad_p", "noc_w", "noc_i", "noc_p")
# what the _Array functions read (everything but the GLB size and multicast)
_ARRAY_KEY = ("rows", "cols", "spad_ifmap_words", "spad_filter_words", "spad_psum_words", "pe_w_bits",
              "pe_a_bits", "acc_bits", "w_bits", "a_bits", "o_bits", "passes")
_DRAM_KEY = ("glb_bytes", "w_bits", "a_bits", "acc_bits", "o_bits")  # what dram_tiling reads
PER_GEOMETRY = ("w_bits", "a_bits", "acc_bits", "o_bits", "passes", "rows", "cols", "multicast",
                "dram_w_bits", "dram_i_bits", "tiles", "streams")


@dataclass(frozen=True)
class FactoredCounts:
    """The count table of one layer and dataflow over G geometries and M candidates, factored."""

    terms: tuple[np.ndarray, ...]  # TERMS of the A distinct array geometries, each (A or 1, M or 1)
    legal: np.ndarray  # (A, M)
    array_index: np.ndarray  # (G,) array geometry of each geometry
    per_geometry: np.ndarray  # (G, len(PER_GEOMETRY)) widths, array size, multicast, DRAM tiling
    macs: float
    output_count: float


def _distinct(g: Geometry, fields: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """(first row of each distinct combination of ``fields``, inverse) over the G geometries."""
    return unique_rows([getattr(g, f).reshape(-1) for f in fields])


def _take(g: Geometry, rows: np.ndarray) -> Geometry:
    return Geometry(**{k: v[rows] for k, v in vars(g).items()})


def factored_counts(L: Layer, g: Geometry, dataflow: str) -> FactoredCounts:
    """The candidate counts of ``dataflow`` as candidate terms per distinct array geometry plus
    per-geometry DRAM tiling; ``dse.mapping.skyline_factored`` assembles and prunes it."""
    a_first, a_index = _distinct(g, _ARRAY_KEY)
    arr = _ARRAY[dataflow](L, _take(g, a_first))
    shape = np.broadcast_shapes(arr.legal.shape, arr.compute_cycles.shape, (len(a_first), 1))
    terms = tuple(np.ascontiguousarray(np.atleast_2d(getattr(arr, name)), dtype=float) for name in TERMS)
    d_first, d_index = _distinct(g, _DRAM_KEY)
    dram = {k: v[d_index] for k, v in dram_tiling(L, _take(g, d_first)).items()}
    src = {**vars(g), "dram_w_bits": dram["w_bits"], "dram_i_bits": dram["i_bits"], "tiles": dram["tiles"],
           "streams": dram["streams"]}
    per_geometry = np.hstack([np.asarray(src[f], float).reshape(-1, 1) for f in PER_GEOMETRY])
    legal = np.ascontiguousarray(np.broadcast_to(arr.legal, shape))
    return FactoredCounts(terms, legal, a_index.astype(np.int64), per_geometry, float(L.macs),
                          float(L.output_count))


def data_movement_counts(L: Layer, g: Geometry) -> np.ndarray:
    """Pooling / elementwise / reshape: inputs stream DRAM -> GLB -> DRAM; (G, 1, len(COUNTS))."""
    in_bits, out_bits = L.input_count * g.a_bits, L.output_count * g.a_bits
    out = np.zeros((len(g.rows), 1, len(COUNTS)))
    for name, value in {"glb_read_ifmap_bits": in_bits, "glb_write_ifmap_bits": in_bits,
                        "glb_read_psum_bits": out_bits, "glb_write_psum_bits": out_bits,
                        "dram_read_ifmap_bits": in_bits, "dram_write_psum_bits": out_bits,
                        "tiles": np.maximum(1.0, np.ceil((in_bits + out_bits) / (g.glb_bytes * 8 / 2)))}.items():
        out[:, 0, CI[name]] = np.ravel(value)
    return out


if set(TERMS) | {"legal"} != set(_Array.__dataclass_fields__):  # every candidate term is carried
    raise ValueError(f"dse.dataflows: TERMS {TERMS} must name every field of _Array but 'legal'")
