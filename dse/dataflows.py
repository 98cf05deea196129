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
- ``weight_stationary``, ``output_stationary``, ``input_stationary``: systolic arrays as SCALE-Sim
  v3 models them (Samajdar et al. ISPASS 2020; TPU-like, Jouppi et al. ISCA 2017): one operand
  stays in a one-word register per PE, the other streams in skewed from the left edge, partial
  sums (WS, IS) flow down and leave at the bottom edge, outputs (OS) drain after the fold. The
  layer is its im2col GEMM: window = C/G x FY x FX, pixels = N x OY x OX, K/G filters, per group.
  Spatial / temporal dimensions (rows <- , cols <- , streamed): WS window, K, pixels; OS pixels,
  K, window; IS window, pixels, K. A fold (one array-sized tile of the two spatial dimensions)
  takes ``2R + C + T - 2`` cycles for WS and IS (R cycles to load the stationary operand, T to
  stream, R - 1 of skew, C - 1 to drain) and ``T + R + C - 2`` for OS (SCALE-Sim v3
  systolic_compute_{ws,is,os}.py demand matrices; matched per layer in
  benchmarks/compare_scalesim.py, tests/test_scalesim.py).
- ``weight_stationary_local`` (local accumulation): rows <- input channels (or channels x filter
  taps, im2col), columns <- output channels; each PE keeps several weights and accumulates
  partial sums in its psum spad, so fill and drain are paid once per weight tile.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass, field

import numpy as np

from dse.actions import CI, COUNTS
from workloads.layer import Layer

DATAFLOWS = ("row_stationary", "weight_stationary", "output_stationary", "input_stationary",
             "weight_stationary_local")
SYSTOLIC = ("weight_stationary", "output_stationary", "input_stationary")  # PE-to-PE forwarding, no multicast


# The PE's innermost temporal loop (row_stationary and weight_stationary_local; a mapping choice as
# Timeloop's and ZigZag's innermost loop permutation, or pinned by the spec's ``pe_inner_order``). The
# operand the innermost loop does not index stays in its operand register for the run (Timeloop's
# permutation semantics: a loop irrelevant to an operand, innermost, re-reads nothing), so its spad is
# read once per run, not once per MAC:
# - "psum": the reduction (channels x filter taps per PE, and the bit-serial passes) innermost: the partial
#   sum stays in the accumulator for the whole run and the psum spad is written once per run (read once per
#   run that continues a partial sum from an earlier run); weights and ifmaps are read every MAC;
# - "ifmap": the PE's filters innermost: one ifmap spad read serves a run over the filters that share it
#   (Eyeriss's ifmap reuse in the PE, Chen et al. ISCA 2016 Sec. V-B); the psum spad is read-modify-written
#   every MAC.
# In every order the first contribution to a partial sum in a PE starts from zero in the accumulator: it is
# written without a read (Chen et al. ISCA 2016's analysis counts accumulating d partial sums in the RF as
# 2 (d - 1) accesses per output, 2abc(d - 1) for abc outputs; Timeloop's eyeriss_like reads its psum spad 0.67x and writes it
# 1x per MAC, tests/test_eyeriss.py). The operand registers themselves are clocked every MAC either way
# (dse.clock: the PE's characterized registers); only spad accesses change with the order.
# - "none": no operand held (every MAC reads its weight and ifmap words and read-modify-writes its partial
#   sum): never searched (the psum order reads no more of anything), only pinned, for comparisons with
#   tools whose lowest memory feeds the MAC every cycle (ZigZag 3.9.1's register files: benchmarks/
#   compare_zigzag.py).
# Not modelled: output pixels innermost (a weight held over a run of pixels). Its run is bounded by the psum
# and ifmap spads' room per filter and channel tile, so it grows as the per-PE tile shrinks, and the exact
# per-PE tile reduction (``_tile_family``: every count non-increasing in the tile size) would no longer hold.
INNER_ORDERS = ("psum", "ifmap", "none")

RS_PSUM_ADD_CYCLES = 1.0  # row stationary: one accumulation cycle per partial sum received from a neighbour
SYSTOLIC_SKEW = 1.0  # weight_stationary_local pays rows + cols cycles of skew per weight tile


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
    w_resident: np.ndarray | None = None  # 1: the weight-side operand is already in the GLB (a
    # resident KV cache); None: nowhere (zeros)
    bypass: np.ndarray | None = None  # 1: operands may skip the GLB (``BYPASS``); 0: only where nothing
    # fits; None: ones
    inner_order: np.ndarray | None = None  # 0: the PE's innermost loop is searched; 1 + i: pinned to
    # INNER_ORDERS[i]; None: zeros

    def __post_init__(self) -> None:
        if self.w_resident is None:
            object.__setattr__(self, "w_resident", np.zeros_like(np.asarray(self.rows, float)))
        if self.bypass is None:
            object.__setattr__(self, "bypass", np.ones_like(np.asarray(self.rows, float)))
        if self.inner_order is None:
            object.__setattr__(self, "inner_order", np.zeros_like(np.asarray(self.rows, float)))


def single_geometry(rows: int, cols: int, bits: int = 8, spad_words: int = 1, glb_bytes: float = 2.0**30,
                    acc_bits: int = 24) -> Geometry:
    """One geometry: a rows x cols array of ``bits``-wide PEs and operands, ``spad_words`` per spad,
    NoC multicast on (for benchmarks and tests that look at one array)."""
    f = lambda x: np.full((1, 1), float(x))
    return Geometry(rows=f(rows), cols=f(cols), spad_ifmap_words=f(spad_words), spad_filter_words=f(spad_words),
                    spad_psum_words=f(spad_words), glb_bytes=f(glb_bytes), pe_w_bits=f(bits), pe_a_bits=f(bits),
                    acc_bits=f(acc_bits), multicast=f(1), w_bits=f(bits), a_bits=f(bits), o_bits=f(bits), passes=f(1))


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


def lane_runs(d, lanes, per_tile):
    """Non-empty (tile, lane) slots of a loop of ``d`` items dealt to ``lanes`` parallel lanes (item i to
    lane i mod lanes, fold i // lanes) whose folds a PE takes ``per_tile`` at a time: the runs of the
    held operand over that loop, or the partial-sum chains a lane starts. Tile j fills
    min(lanes, d - j x per_tile x lanes) lanes: all of them in the first floor((d - lanes) / B) + 1
    tiles (B = per_tile x lanes), the rest in at most one last tile (``lanes`` <= ``d``)."""
    d, lanes, per_tile = (np.asarray(x, float) for x in (d, lanes, per_tile))
    block = per_tile * lanes
    tiles = np.ceil(d / block)
    full = np.floor((d - lanes) / block) + 1
    return full * lanes + (tiles - full) * (d - full * block)


def held_runs(inner, run_i, pin):
    """Legal (inner order, candidate) pairs: searched (``pin`` 0) where the held ifmap's mean run is longer
    than one MAC (a run of one reads as the psum order does, with more psum accesses: dominated, pruned
    here before the kernels), or the pinned one (whatever its run). Every count of either order is
    non-increasing in the per-PE tile sizes, so the exact tile reduction (``_tile_family``) still holds."""
    return ((pin == 0) & ((inner == 0) | ((inner == 1) & (run_i > 1)))) | (pin == inner + 1)


@functools.lru_cache(maxsize=4096)
def tile_sizes(n: int) -> np.ndarray:
    """Tile sizes of a loop of ``n`` iterations that can be needed, ascending: ceil(n / j) for every
    number of tiles j, the smallest tile that needs j (every divisor of n: perfect tiles; the others
    pad a last partial tile). Where counts depend on a tile size only through its number of tiles,
    its padded extent j x t and how much it holds (GLB tiles, per-PE tiles), every other size t is
    matched by ceil(n / ceil(n / t)): as many tiles, no more padding, no more held."""
    return np.array(sorted({-(-n // j) for j in range(1, n + 1)}), dtype=float)


# --- Per-PE tile factors -------------------------------------------------------------------------
# A per-PE loop of d iterations (filters or channel folds a PE holds per pass) tiled by t runs
# ceil(d / t) passes. In row stationary and weight_stationary_local every count depends on t only
# through the passes, the padded extent passes x t (compute cycles, partial-sum hops: a last partial
# pass is padded to the full tile, as the counts are written), for the spad capacities t itself
# (smaller fits more) and, for weight_stationary_local's pixel blocks, floor(psum words / t). So of all
# sizes 1..d only ``tile_sizes(d)`` can be needed, and of those, under a capacity bound, only the ones
# that no larger fitting size matches in passes, padding (and pixel blocks): the staircase of
# ``_tile_family``'s ``nxt``. tests/exhaustive_mapper.py enumerates every integer size (``every_tile``)
# to check both reductions.


@functools.lru_cache(maxsize=65536)
def _tile_family(d: int, top: int, every_tile: bool = False, psum_words: int = 0,
                 npix: int = 0, lane_low: int = 0, reduction: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(tile sizes t <= top of a per-PE loop of d iterations, ascending; for each, the least larger
    one of them with no more passes, no larger padded extent and, with ``psum_words`` > 0, no more
    pixel blocks ceil(npix / floor(psum_words / t)) (inf: none)). A tile is needed under a
    capacity bound ``cap`` only if ``t <= cap < nxt``. ``every_tile``: 1..min(d, top), nxt inf.
    ``lane_low`` > 0: the loop's items are dealt to lanes of d or ``lane_low`` folds (``lane_runs``): its
    held-operand runs count through ceil(lane_low / t) too (fewer with a larger tile), so the sizes
    ceil(lane_low / j) join. ``reduction``: the loop is a reduction, whose partial-sum chains (fewer with a
    larger tile: fewer psum writes held in the accumulator, but more psum reads per MAC) count the same way,
    so a larger size matches only with as many passes and chains.
    """
    top = min(d, top)
    if every_tile:
        vals = np.arange(1, top + 1, dtype=float)
        return vals, np.full(len(vals), np.inf)
    vals = tile_sizes(d)
    if lane_low:
        vals = np.union1d(vals, tile_sizes(lane_low))
    vals = vals[vals <= top]
    passes = np.ceil(d / vals)
    extent = passes * vals
    blocks = np.ceil(npix / np.floor(psum_words / vals)) if psum_words else np.zeros(len(vals))
    chains = np.ceil(lane_low / vals) if lane_low and reduction else np.zeros(len(vals))
    nxt = np.full(len(vals), np.inf)
    for i in range(len(vals)):
        better = np.flatnonzero((vals > vals[i]) & (passes <= passes[i]) & (extent <= extent[i]) & (blocks <= blocks[i])
                                & (chains == chains[i]) & ((passes == passes[i]) | (chains == 0)))
        if len(better):
            nxt[i] = vals[better[0]]
    return vals, nxt


def tile_choices(d: np.ndarray, top: np.ndarray, every_tile: bool = False, psum_words=None,
                 npix: int = 0, lane_low=None, reduction: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``_tile_family`` of every element of ``d`` (with ``top``, ``psum_words``, ``lane_low`` broadcast
    against it), stacked on a new last axis padded with nan (values) and inf (nxt)."""
    pw = np.zeros(1) if psum_words is None else psum_words
    lo = np.zeros(1) if lane_low is None else lane_low
    d, top, pw, lo = np.broadcast_arrays(np.asarray(d, float), np.asarray(top, float), np.asarray(pw, float),
                                         np.asarray(lo, float))
    keys = np.stack([d.ravel(), np.maximum(top.ravel(), 1), pw.ravel(), lo.ravel()], axis=1).astype(np.int64)
    uniq, inv = np.unique(keys, axis=0, return_inverse=True)
    fams = [_tile_family(int(a), int(b), every_tile, int(c), npix, int(e), reduction) for a, b, c, e in uniq]
    J = max(len(v) for v, _ in fams)
    vals, nxt = np.full((len(uniq), J), np.nan), np.full((len(uniq), J), np.inf)
    for i, (v, n) in enumerate(fams):
        vals[i, :len(v)], nxt[i, :len(v)] = v, n
    inv = inv.reshape(-1)
    return vals[inv].reshape(d.shape + (J,)), nxt[inv].reshape(d.shape + (J,))


def compact(keep: np.ndarray, **grids: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The kept entries of (A, ...) grids (each broadcastable to ``keep``'s shape), each row's in grid
    order, as (A, M) arrays (M: the most kept in a row; the returned mask marks the padding). A row's
    candidate order does not depend on the other rows (``dse explain`` re-derives a chosen candidate
    from its index on a sub-batch)."""
    A = keep.shape[0]
    flat = keep.reshape(A, -1)
    count = flat.sum(axis=1)
    M = max(1, int(count.max()))
    _, col = np.nonzero(flat)  # row-major: each row's kept entries in grid order
    order = np.zeros((A, M), dtype=np.int64)  # padding: entry 0, not valid
    valid = np.arange(M)[None, :] < count[:, None]
    order[valid] = col
    idx = np.unravel_index(order, keep.shape[1:])
    rows = np.arange(A)[:, None]

    def pick(x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        x = x.reshape((1,) * (keep.ndim - x.ndim) + x.shape)
        out = x[(rows if x.shape[0] > 1 else 0,) + tuple(i if n > 1 else 0 for i, n in zip(idx, x.shape[1:]))]
        return np.broadcast_to(out, (A, M))

    return valid, {k: pick(v) for k, v in grids.items()}


def orders_on_distinct(columns: list[np.ndarray], grid) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """``on_distinct`` of ``grid(rows, reduction)`` for each PE inner order (``INNER_ORDERS``), side by side:
    (keep, grids, inner order of each entry). The psum order's counts are non-increasing in every per-PE
    tile size, so its tiles come from the plain family; the ifmap and none orders read a partial sum at
    every MAC but the first of its chain, more with a larger reduction tile, so theirs come from the family
    that keeps as many chains (``_tile_family``'s ``reduction``)."""
    parts = []
    for reduction, orders in ((False, ("psum",)), (True, ("ifmap", "none"))):
        keep, grids = on_distinct(columns, functools.partial(grid, reduction=reduction))
        parts += [(keep, grids, INNER_ORDERS.index(o)) for o in orders]
    keep = np.concatenate([k for k, _, _ in parts], axis=1)
    grids = {name: np.concatenate([np.broadcast_to(g[name], k.shape) for k, g, _ in parts], axis=1)
             for name in parts[0][1]}
    return keep, grids, np.concatenate([np.full(k.shape, float(o)) for k, _, o in parts], axis=1)


def on_distinct(columns: list[np.ndarray], fn) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """``fn(rows)`` (a ``compact`` result) on one representative row of each distinct combination of
    ``columns`` (the geometry fields a candidate grid depends on), expanded back to every row."""
    first, inverse = unique_rows(columns)
    keep, grids = fn(first)
    return keep[inverse], {k: v[inverse] for k, v in grids.items()}


# DRAM-level loop orders over the tile loops of batch (n), output channels (k) and output rows (y),
# outer to inner; the input-channel tile loop (c) is innermost, so partial sums stay in the GLB.
DRAM_ORDERS = tuple("".join(p) for p in itertools.permutations("nky"))
# GLB bypass modes: which of (weights, ifmaps, outputs) skip the GLB, one mode per combination (mode 0:
# none). A bypassed weight or ifmap goes DRAM -> array at every array read (no GLB copy, no tile of it
# in the GLB); bypassed outputs leave the array complete and are written straight to DRAM, which needs
# a candidate that spills no partial sums and a tiling with one input-channel tile (no GLB tile of
# them either). ``dse.mapping`` searches every mode with every tiling that fits it.
BYPASS = tuple(itertools.product((0, 1), repeat=3))
BYPASS_OPERANDS = ("weights", "ifmaps", "outputs")
STREAM_MODE = BYPASS.index((1, 1, 0))  # where no tiling fits at all, weights and ifmaps stream (as before)


def _refetch(order: str, trips: dict[str, np.ndarray], relevant: str) -> np.ndarray:
    """How often each tile of an operand is fetched: the trip counts of the loops it does not depend on
    that sit outside its innermost loop it does depend on (inner irrelevant loops reuse the tile)."""
    inner = max((i for i, d in enumerate(order) if d in relevant), default=-1)
    f = np.ones_like(trips["k"])
    for d in order[:inner]:
        if d not in relevant:
            f = f * trips[d]
    return f


TILING_FIELDS = ("w_fetch", "i_fetch", "tiles", "w_need", "i_need", "p_need", "one_c", "kt", "yt", "nt", "ct", "order")


def tiling_space(L: Layer) -> dict[str, np.ndarray]:
    """Every GLB tiling of the DRAM-level mapspace as geometry-independent element counts, (T,) arrays
    over T = tile-size combinations x ``DRAM_ORDERS`` (cached per layer shape).

    A tile is (batch nt x output channels kt x output rows yt) of outputs whose partial sums stay
    in the GLB (they never go to DRAM) while input-channel tiles ct stream through. Tile sizes are
    ceil(bound / j) for every number of tiles j of each loop (``tile_sizes``: every divisor, and for
    the other counts the least padded tile; no other size can be needed, since the counts below depend
    on a size only through its tiles, its padded extent and what it holds); the three outer tile
    loops take each of the ``DRAM_ORDERS``. An operand is re-fetched by the loops it does not depend
    on outside its innermost loop it does (``_refetch``); weights depend on k (and c), ifmaps on n, y
    (and c, and k for grouped convolutions); with several channel tiles the innermost c loop makes
    every outer loop re-fetch both. The operand that the innermost loop does not touch is held once,
    the others double buffered. ``w_fetch`` / ``i_fetch``: elements read from DRAM; ``w_need`` /
    ``i_need`` / ``p_need``: GLB elements held (buffers included); ``one_c``: one channel tile.
    A geometry turns them into bits (``dram_tilings``)."""
    return tiling_space_of(layer_shape(L))


def layer_shape(L: Layer) -> tuple[int, ...]:
    """What the GLB tilings of a layer depend on (the cache key of ``tiling_space``)."""
    return (L.n, L.k, L.c, L.groups, L.oy, L.ox, L.fy, L.fx, L.stride_y, L.stride_x, L.input_y, L.input_x)


@functools.lru_cache(maxsize=1024)
def tiling_space_of(shape: tuple[int, ...]) -> dict[str, np.ndarray]:
    return tilings_of(shape, tile_sizes)


def tilings_of(shape: tuple[int, ...], sizes) -> dict[str, np.ndarray]:
    """``tiling_space_of`` with the tile sizes ``sizes(bound)`` of each loop (tests: every integer)."""
    n, k, c, groups, oy, ox, fy, fx, sy, sx, input_y, input_x = shape
    kg, cg = k // groups, c // groups
    kt, yt, nt, ct = np.meshgrid(sizes(k), sizes(oy), sizes(n), sizes(cg), indexing="ij")
    kt, yt, nt, ct = (x.reshape(-1) for x in (kt, yt, nt, ct))
    n_kt, n_yt, n_nt, n_ct = np.ceil(k / kt), np.ceil(oy / yt), np.ceil(n / nt), np.ceil(cg / ct)
    # input rows / columns a tile reads: a window wider than the stride reads them all (with halo), a
    # narrower one (a 1x1 stride-2 downsample) only F of every S
    in_rows = (yt - 1) * sy + fy if fy >= sy else yt * fy
    used_y = input_y if fy >= sy else oy * fy
    used_x = input_x if fx >= sx else ox * fx
    groups_spanned = np.ceil(kt / kg)  # a K tile of a grouped conv needs the channels of its groups
    w_tile = kt * ct * fy * fx
    i_tile = nt * ct * groups_spanned * used_x * in_rows
    one_c = n_ct == 1
    grouped = groups > 1
    c_share = np.minimum(1.0, groups_spanned * cg / c)  # share of all input channels one K tile reads
    in_elems = n * c * used_x * np.maximum(used_y, n_yt * in_rows)  # halo rows re-read
    w_once, i_once = float(k * cg * fy * fx), in_elems * (n_kt * c_share if grouped else 1.0)
    trips = {"n": n_nt, "k": n_kt, "y": n_yt}
    rel_w, rel_i = "k", ("nyk" if grouped else "ny")
    parts = {name: [] for name in ("w_fetch", "i_fetch", "w_need", "i_need", "order")}
    for o, seq in enumerate(DRAM_ORDERS):
        w_f = np.where(one_c, _refetch(seq, trips, rel_w), n_nt * n_yt)
        i_f = np.where(one_c, _refetch(seq, trips, rel_i), 1.0 if grouped else n_kt)
        parts["w_need"].append(np.where(one_c & (seq[-1] not in rel_w), 1.0, 2.0) * w_tile)
        parts["i_need"].append(np.where(one_c & (seq[-1] not in rel_i), 1.0, 2.0) * i_tile)
        parts["w_fetch"].append(w_once * w_f)
        parts["i_fetch"].append(i_once * i_f)
        parts["order"].append(np.full(kt.shape, float(o)))
    out = {key: np.concatenate(v) for key, v in parts.items()}
    rep = lambda x: np.tile(np.asarray(x, float), len(DRAM_ORDERS))
    out.update(tiles=rep(n_kt * n_yt * n_nt * n_ct), p_need=rep(nt * kt * yt * ox), one_c=rep(one_c),
               kt=rep(kt), yt=rep(yt), nt=rep(nt), ct=rep(ct))
    for v in out.values():
        v.setflags(write=False)
    return out


def dram_tilings(L: Layer, g: Geometry) -> dict[str, np.ndarray]:
    """Every tiling of ``tiling_space`` on G geometries: DRAM reads ``w_bits`` / ``i_bits`` (G, T) and
    ``fits`` (G, len(BYPASS), T): the tiles of the operands that do not bypass the GLB fit it (and, with
    outputs bypassing, one input-channel tile; bypass modes only where the geometry allows them). A resident weight-side operand (``w_resident``: a KV
    cache held in the GLB across decode steps, its bytes already taken out of ``glb_bytes``) is neither
    read from DRAM nor tiled, and cannot bypass the GLB it lives in. The float operations are the
    staircase kernel's (``dse.mapping.kernels.staircases``), in the same order."""
    s = tiling_space(L)
    from_dram = 1.0 - g.w_resident
    w_bits, i_bits = s["w_fetch"] * g.w_bits * from_dram, s["i_fetch"] * g.a_bits
    need = (s["w_need"] * g.w_bits * from_dram, s["i_need"] * g.a_bits, s["p_need"] * g.acc_bits)
    fits = np.zeros((len(g.rows), len(BYPASS), len(s["tiles"])), dtype=bool)
    for mode, (bw, bi, bo) in enumerate(BYPASS):
        held = (1 - bw) * need[0] + (1 - bi) * need[1] + (1 - bo) * need[2]
        ok = held <= g.glb_bytes * 8
        if bo:
            ok = ok & (s["one_c"] == 1)
        if bw:
            ok = ok & (g.w_resident == 0)
        if mode:
            ok = ok & (g.bypass == 1)
        fits[:, mode] = ok
    return {"w_bits": w_bits, "i_bits": i_bits, "fits": fits, **{k: s[k] for k in ("tiles", "kt", "yt", "nt", "ct", "order")}}


def stream_tiles(L: Layer, g: Geometry) -> np.ndarray:
    """(G, 1) tiles of a layer whose operands stream past a GLB that no tiling fits: the GLB, half of it
    per buffer, stages the layer's traffic."""
    out_bits = L.output_count * g.o_bits
    return np.maximum(1.0, np.ceil((L.weight_count * g.w_bits * (1.0 - g.w_resident) + L.input_count * g.a_bits
                                    + out_bits) / (g.glb_bytes * 8 / 2)))


def fallback_mode(g: Geometry) -> np.ndarray:
    """(G,) bypass mode that streams where no tiling fits any mode that keeps partial sums in the GLB:
    weights and ifmaps (ifmaps alone past a resident weight-side operand)."""
    return np.where(np.ravel(g.w_resident) == 1, BYPASS.index((0, 1, 0)), STREAM_MODE).astype(np.int64)


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
    # scratchpad words written (fills from the NoC)
    spad_w_fill: np.ndarray
    spad_i_fill: np.ndarray
    # scratchpad word reads per candidate, from the PE's temporal loop nest and its innermost loop
    # (``INNER_ORDERS``); the systolic dataflows' one-word registers are read every MAC
    spad_w_read: np.ndarray
    spad_i_read: np.ndarray
    spad_p_read: np.ndarray  # a partial sum read back to add a MAC's (or a run's) contribution to it
    spad_p_write: np.ndarray  # a partial sum written (once per MAC, or once per run held in the accumulator)
    noc_w: np.ndarray  # bit-hops
    noc_i: np.ndarray
    noc_p: np.ndarray
    # what each candidate is, for ``dse explain``: "<where>.<loop dims>" -> factor, where is rows / cols
    # (spatial unrolling), pe (per-PE temporal tile), glb (GLB-level loop order flags), stream (the
    # dimension streamed through a systolic fold), folds.rows / folds.cols (array-sized folds)
    mapping: dict[str, np.ndarray] = field(default_factory=dict, compare=False)


def _row_stationary(L: Layer, g: Geometry, every_tile: bool = False) -> _Array:
    """Eyeriss's row stationary (module docstring); ``p`` filters x ``q`` channels per PE pass.

    GLB-level loop order (``ow_``): the passes loop over batch, OY strips, K passes and C passes in
    any of 24 orders. Weights depend on (K, C), ifmaps on (N, strips, C), and partial sums spill
    between C passes whatever the order (a PE holds one pass's psums), so an order re-reads weights
    by the N / strip loops outside their innermost (K, C) loop and ifmaps by the K loop outside their
    innermost (N, strips, C) loop (``_refetch``). Only two classes are not dominated: weights once and
    ifmaps once per K pass (``ow_ = 1``, weights outer), or ifmaps once and weights once per image and
    strip (``ow_ = 0``); tests/test_cost_model.py enumerates the 24 orders.
    """
    R, C = g.rows, g.cols
    k_per_group = L.k // L.groups
    fy_fold = np.ceil(L.fy / R)  # filter rows split over passes when FY > R
    rows_set = np.ceil(L.fy / fy_fold)
    cols_set = np.minimum(L.oy, C)
    strips = np.ceil(L.oy / cols_set)
    rep_v = np.floor(R / rows_set)
    rep_h = np.floor(C / cols_set)  # horizontal replicas (OY < C) go over K
    # per-PE tiles (module notes above ``_tile_family``): p of the ceil(K / u_k) filters and q of the
    # ceil(C / u_c) channels a PE set covers, on a (A, vk, p, q) grid; counts depend on p only through
    # its K passes and padded extent, on q through its C passes and padded extent (compute, spilled and
    # hopping partial sums), and (p, q) fits when p <= psum words, q FX <= ifmap and p q FX <= filter
    vk = np.array([[1.0, 0.0]])
    uk = np.minimum(np.where(vk == 1, rep_v, 1.0) * rep_h, L.k)
    uc = np.minimum(np.where(vk == 1, 1.0, rep_v), L.c_per_group)
    cap_f = packed_capacity(g.spad_filter_words, g.pe_w_bits, g.w_bits)
    cap_q = np.floor(packed_capacity(g.spad_ifmap_words, g.pe_a_bits, g.a_bits) / L.fx)
    d_p, d_q, psum = np.ceil(L.k / uk), np.ceil(L.c_per_group / uc), g.spad_psum_words

    q_low = np.floor(L.c_per_group / uc)  # channel folds of the shorter lanes (``lane_runs``)
    p_low = np.floor(L.k / uk) if L.groups == 1 else np.zeros_like(uk)  # filter folds of the shorter lanes

    def grid(i: np.ndarray, reduction: bool) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        pv, pn = tile_choices(d_p[i], psum[i], every_tile, lane_low=p_low[i])
        qv, qn = tile_choices(d_q[i], cap_q[i], every_tile, lane_low=q_low[i], reduction=reduction)
        e4 = lambda x: x[i][:, :, None, None]
        pg, png, qg, qng = pv[:, :, :, None], pn[:, :, :, None], qv[:, :, None, :], qn[:, :, None, :]
        with np.errstate(invalid="ignore", divide="ignore"):
            p_max = np.minimum(e4(psum), np.floor(e4(cap_f) / (qg * L.fx)))  # for this q
            q_max = np.minimum(e4(cap_q), np.floor(e4(cap_f) / (pg * L.fx)))  # for this p
        fits = (pg <= p_max) & (qg <= q_max)
        # p = q = 1 always runs (operands stream through the spads); else a fitting (p, q) that a larger
        # fitting p (or q) matches in passes and padded extent is dominated (nxt, ``_tile_family``)
        keep = (fits & (p_max < png) & (q_max < qng)) | ((pg == 1) & (qg == 1))
        return compact(keep, p=pg, q=qg, vk=vk[:, :, None, None])

    keep, c, inner = orders_on_distinct([d_p[:, 0], d_p[:, 1], d_q[:, 0], d_q[:, 1], q_low[:, 0], q_low[:, 1],
                                         p_low[:, 0], p_low[:, 1], psum[:, 0], cap_f[:, 0], cap_q[:, 0]], grid)
    # each kept (vk, p, q, PE inner order) in both GLB-level orders
    legal, p, q, vk_, inner = (np.repeat(x, 2, axis=1) for x in (keep, np.nan_to_num(c["p"], nan=1.0),
                                                                np.nan_to_num(c["q"], nan=1.0), c["vk"], inner))
    ow_ = np.tile([[1.0, 0.0]], (1, keep.shape[1]))
    u_k = np.minimum(np.where(vk_ == 1, rep_v, 1.0) * rep_h, L.k)
    u_c = np.minimum(np.where(vk_ == 1, 1.0, rep_v), L.c_per_group)
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
    # The PE's loop nest in a pass (Eyeriss JSSC 2017 Sec. V-B: a PE runs the 1-D convolutions of p filter
    # rows x q channel rows over one ifmap row): OX output pixels x p filters x (q channels x FX taps x
    # bit-serial passes) MACs; p x q x FX weights in the filter spad, q x FX ifmaps (the sliding window) in
    # the ifmap spad, p partial sums in the psum spad. Per output, each of its FY filter rows and each of the
    # (pass, channel set) slots holding its channels (channel c in set c mod u_c, its q-channel tiles per
    # pass: ``lane_runs``) is one PE's partial-sum chain of up to q x FX x passes contributions, started
    # from zero (written without a read): Chen ISCA 2016's 2abc(d - 1) accumulation accesses, not 2abcd.
    kg = float(k_per_group)
    chains = L.output_count * L.fy * lane_runs(L.c_per_group, u_c, q)
    # "ifmap": one ifmap read per run over the PE's p filters: runs per filter-independent MAC (filter k in set
    # k mod u_k). Grouped convolutions: not modelled (a PE's p filters may span groups, whose ifmaps differ),
    # every MAC reads its ifmap, so the order is the psum order's reads with more psum accesses (pruned)
    i_runs = lane_runs(L.k, u_k, p) if L.groups == 1 else kg + 0 * p
    legal = legal & held_runs(inner, kg / i_runs, g.inner_order)
    spad_p_write = np.where(inner == 0, chains, m_ops)  # "psum": one write per chain (its whole run)
    return _Array(
        legal=legal, compute_cycles=compute, w_reads=w_reads, i_reads=i_reads,
        psum_rw=L.output_count * 2 * (n_c * fy_fold - 1), w_fanout=w_fan + 0 * p, i_fanout=i_fan + 0 * p,
        spad_w_fill=w_reads * w_fan, spad_i_fill=i_reads * i_fan,
        spad_w_read=m_ops + 0 * p,
        spad_i_read=np.where(inner == 1, m_ops / kg * i_runs, m_ops + 0 * p),
        spad_p_read=spad_p_write - chains, spad_p_write=spad_p_write,
        noc_w=w_reads * g.w_bits * C,  # a row bus spans the array width
        noc_i=i_reads * g.a_bits * (R + C) / 2,  # diagonal multicast
        noc_p=L.output_count * n_c * fy_fold * (rows_set * u_c - 1) * g.acc_bits,
        mapping={"rows.FY": rows_set + 0 * p, "rows.K": np.where(vk_ == 1, rep_v, 1.0) + 0 * p, "rows.C": u_c + 0 * p,
                 "cols.OY": cols_set + 0 * p, "cols.K": rep_h + 0 * p, "pe.K": p, "pe.C": q, "pe.FX": L.fx + 0 * p,
                 "glb.weights_outer": ow_ + 0 * p, "pe.inner": inner + 0 * p},
    )


def _weight_stationary_local(L: Layer, g: Geometry, every_tile: bool = False) -> _Array:
    """Rows <- input channels (v = 0) or channels x taps (v = 1, im2col); columns <- output channels.

    Per PE: ``h_k`` filters x ``h_c`` channel folds x ``h_t`` taps of weights stay in the filter
    spad; for every output pixel the PE runs those h_c x h_t MACs per filter, accumulating locally
    in the psum spad, so partial sums leave the array only once per (channel-fold x tap) tile.
    With a whole filter row per PE and room for the window in the ifmap spad, consecutive pixels
    share FX - stride inputs (sliding window).

    GLB-level loop order (``pb_``): the loops over K tiles, channel folds x taps and pixels take six
    orders, in two count classes. Pixels inside the weight tiles (``pb_ = 0``): each weight is loaded
    once and partial sums spill to the GLB between channel folds and taps. Pixel blocks outside the
    channel folds (``pb_ = 1``): a block of ``floor(psum words / h_k)`` pixels keeps its partial sums
    in the psum spad across every fold and tap, so none spill, and every weight tile is loaded (with
    its fill) once per block. Ifmaps stream once per weight tile either way (no array-side buffer
    holds them across tiles), so the order of the K-tile loop does not change any count.
    """
    R, C = g.rows, g.cols
    kg, cg, taps = L.k // L.groups, L.c_per_group, L.fy * L.fx
    npix = L.n * L.oy * L.ox
    u_k = np.minimum(kg, C)
    cap_f = packed_capacity(g.spad_filter_words, g.pe_w_bits, g.w_bits)
    cap_i = packed_capacity(g.spad_ifmap_words, g.pe_a_bits, g.a_bits)
    psum = g.spad_psum_words
    # lines of the grid (A, v, ht, pb, h_k, h_c): v im2col or not, ht taps per PE (1, FX, FY FX), pb
    # pixel blocks outer; per-PE tiles (module notes above ``_tile_family``): h_k of the ceil(K / u_k)
    # filters (counts through its K passes, padded extent and, with pb, pixel blocks) and h_c of the
    # n_r row folds (through its passes and padded extent, and the sliding window it leaves room for)
    v = np.array([0.0, 1.0])[None, :, None, None]
    ht = np.array([0.0, 1.0, 2.0])[None, None, :, None]
    pb = np.array([0.0, 1.0])[None, None, None, :]
    h_t = np.where(v == 1, 1.0, np.choose(ht.astype(int), [1.0, float(L.fx), float(taps)]))
    n_t = np.where(v == 1, 1.0, np.ceil(taps / h_t))
    rows_dim = cg * np.where(v[..., 0, 0] == 1, taps, 1.0)  # (1, 2): v = 1, im2col, rows take channels x taps
    n_r2 = np.ceil(rows_dim / np.minimum(rows_dim, R))  # (A, 2) row folds
    low_r = np.floor(rows_dim / np.minimum(rows_dim, R))  # row folds of the shorter lanes (``lane_runs``)
    d_k = np.ceil(kg / u_k)
    k_low = np.floor(kg / u_k)  # filter folds of the shorter columns (``lane_runs``)

    def grid(i: np.ndarray, reduction: bool) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        e6 = lambda x: x[:, :, None, None, None, None]  # (U, 1) -> (U, v, ht, pb, h_k, h_c)
        ps, cf, ci, nr = psum[i], cap_f[i], cap_i[i], n_r2[i]
        kv0, kn0 = tile_choices(d_k[i][:, 0], ps[:, 0], every_tile, lane_low=k_low[i][:, 0])
        kv1, kn1 = tile_choices(d_k[i][:, 0], ps[:, 0], every_tile, psum_words=ps[:, 0], npix=npix,
                                lane_low=k_low[i][:, 0])
        J = max(kv0.shape[-1], kv1.shape[-1])
        pad = lambda x, fill: np.concatenate([x, np.full(x.shape[:-1] + (J - x.shape[-1],), fill)], axis=-1)
        kv = np.stack([pad(kv0, np.nan), pad(kv1, np.nan)], axis=1)[:, None, None, :, :, None]
        kn = np.stack([pad(kn0, np.inf), pad(kn1, np.inf)], axis=1)[:, None, None, :, :, None]
        cv, cn = tile_choices(nr[:, :, None], np.floor(cf[:, :, None] / h_t[..., 0]), every_tile,
                              lane_low=low_r[i][:, :, None], reduction=reduction)  # (U, v, ht, Jc)
        cv, cn = cv[:, :, :, None, None, :], cn[:, :, :, None, None, :]
        line = lambda x: x[..., None, None]  # (1, v, ht, pb) -> (1, v, ht, pb, 1, 1)
        n_r = nr[:, :, None, None, None, None]
        with np.errstate(invalid="ignore", divide="ignore"):
            k_max = np.minimum(e6(ps), np.floor(e6(cf) / (cv * line(h_t))))
            c_max = np.floor(e6(cf) / (kv * line(h_t)))
        # with pixel blocks outer and one tap tile, a tile that takes every row fold spills nothing: it is
        # the pb = 0 mapping (not legal with pb)
        c_max = np.where(line((pb == 1) & (n_t == 1)), np.minimum(c_max, n_r - 1), c_max)
        window = line((v == 0) & (ht >= 1)) & (L.fx > 1) & (e6(ci) >= cv * L.fx)
        fits = line(~((v == 1) & (ht > 0)) & ~((ht == 1) & (L.fx == taps))) & (kv <= k_max) & (cv <= c_max)
        # a windowed h_c is matched only by a larger one that keeps the window
        c_dom = np.where(window, np.minimum(c_max, np.floor(e6(ci) / L.fx)), c_max)
        forced = ((kv == 1) & (cv == 1) & line(ht == 0)
                  & ~(line(pb == 1) & ((n_r * line(n_t) <= 1) | e6(ps < 1))))
        keep = (fits & (k_max < kn) & (c_dom < cn)) | forced
        return compact(keep, v=line(v), ht=line(ht), pb=line(pb), h_k=kv, h_c=cv, window=window)

    keep, c, inner = orders_on_distinct([d_k[:, 0], k_low[:, 0], n_r2[:, 0], n_r2[:, 1], low_r[:, 0], low_r[:, 1],
                                         psum[:, 0], cap_f[:, 0], cap_i[:, 0]], grid)
    legal, v_, ht_, pb_ = keep, c["v"], c["ht"], c["pb"]
    h_k, h_c = np.nan_to_num(c["h_k"], nan=1.0), np.nan_to_num(c["h_c"], nan=1.0)
    window = c["window"]
    rows_dim = cg * np.where(v_ == 1, taps, 1.0)
    u_r = np.minimum(rows_dim, R)
    n_r = np.ceil(rows_dim / u_r)
    h_t = np.where(v_ == 1, 1.0, np.choose(ht_.astype(int), [1.0, float(L.fx), float(taps)]))  # taps per PE
    n_k = np.ceil(kg / (u_k * h_k))
    n_rr = np.ceil(n_r / h_c)
    n_t = np.ceil(taps / h_t) * (v_ == 0) + (v_ == 1)
    block = np.floor(psum / h_k)  # pixels whose psums for h_k filters a PE's psum spad holds
    n_pb = np.where(pb_ == 1, np.ceil(npix / np.maximum(block, 1.0)), 1.0)
    tiles = L.groups * n_k * n_rr * n_t  # weight tiles loaded into the array (per pixel block)
    per_pe = h_k * h_c * h_t
    compute = tiles * (npix * per_pe * g.passes + n_pb * SYSTOLIC_SKEW * (R + C))
    m_ops = L.macs * g.passes
    w_reads = L.weight_count * n_pb + 0 * tiles
    reuse = np.where(window, L.fx / min(L.fx, L.stride_x), 1.0)  # sliding-window reuse in the ifmap spad
    i_reads = tiles * u_r * npix * h_c * h_t / reuse  # each array row streams its channels (and taps)
    # The PE's loop nest per weight tile (per pixel block with pb): pixels x h_k filters x (h_c channel folds
    # x h_t taps x bit-serial passes) MACs. A PE's partial sum of one output accumulates over its folds and
    # taps of a tile (pb = 0: a chain per tile, spilled between tiles) or of every tile of its pixel block
    # (pb = 1: one chain per PE row, a run per tile continuing it).
    runs_p = L.output_count * n_t * lane_runs(rows_dim, u_r, h_c)  # (PE row, tile) visits per output
    chains = np.where(pb_ == 1, L.output_count * u_r, runs_p)
    k_runs = lane_runs(kg, u_k, h_k)  # "ifmap": runs over a PE's h_k filters per filter-independent MAC
    legal = legal & held_runs(inner, kg / k_runs, g.inner_order)
    spad_p_write = np.where(inner == 0, runs_p, m_ops)
    return _Array(
        legal=legal, compute_cycles=compute, w_reads=w_reads, i_reads=i_reads,
        psum_rw=L.output_count * 2 * np.where(pb_ == 1, 0.0, n_rr * n_t - 1), w_fanout=1.0 + 0 * tiles,
        i_fanout=u_k + 0 * tiles,
        spad_w_fill=w_reads + 0 * tiles, spad_i_fill=i_reads * u_k,
        spad_w_read=m_ops + 0 * tiles,
        spad_i_read=np.where(inner == 1, m_ops / kg * k_runs, m_ops + 0 * tiles),
        spad_p_read=spad_p_write - chains, spad_p_write=spad_p_write,
        noc_w=w_reads * g.w_bits * R / 2,  # loaded down the columns
        noc_i=i_reads * g.a_bits * u_k,  # systolic hop per column
        noc_p=tiles * u_k * h_k * npix * u_r * g.acc_bits,  # one hop per row per psum
        mapping={"rows.C": np.where(v_ == 1, 1.0, u_r) + 0 * tiles, "rows.CxFYxFX": np.where(v_ == 1, u_r, 1.0) + 0 * tiles,
                 "cols.K": u_k + 0 * tiles, "pe.K": h_k + 0 * tiles, "pe.C_folds": h_c + 0 * tiles,
                 "pe.taps": h_t + 0 * tiles, "folds.weight_tiles": tiles, "glb.pixel_blocks": n_pb + 0 * tiles,
                 "glb.psums_in_pe": pb_ + 0 * tiles, "pe.inner": inner + 0 * tiles},
    )


def _systolic(L: Layer, g: Geometry, stationary: str) -> _Array:
    """A systolic array with ``stationary`` ('weight', 'output', 'input') held in the PEs.

    One mapping: the im2col GEMM of each group folded onto the array (module docstring). Operands
    enter at the array edge once per fold and hop PE to PE (no multicast: fanout 1); every MAC reads
    its two operand registers and reads + writes its partial-sum register.
    """
    window, pixels, kg = L.c_per_group * L.fy * L.fx, L.n * L.oy * L.ox, L.k // L.groups
    R, C = g.rows, g.cols
    spatial, streamed = {"weight": ((window, kg), pixels), "output": ((pixels, kg), window),
                         "input": ((window, pixels), kg)}[stationary]
    win, pix = "CxFYxFX", "NxOYxOX"
    names = {"weight": (win, "K", pix), "output": (pix, "K", win), "input": (win, pix, "K")}[stationary]
    n_r, n_c = np.ceil(spatial[0] / R), np.ceil(spatial[1] / C)
    folds = L.groups * n_r * n_c
    fill = 2 * R + C - 2 if stationary != "output" else R + C - 2
    compute = folds * (streamed * g.passes + fill)
    m_ops = L.macs * g.passes
    gemm_w = L.k * window  # im2col element counts (each ifmap element once per filter tap)
    gemm_i = L.groups * pixels * window
    # reads from the GLB: the stationary operand once per fold it is loaded in, the streamed ones
    # once per fold of the other spatial dimension
    w_reads, i_reads = {"weight": (gemm_w, gemm_i * n_c), "output": (gemm_w * n_r, gemm_i * n_c),
                        "input": (gemm_w * n_c, gemm_i)}[stationary]
    acc_folds = n_r if stationary != "output" else 1.0  # window folded over rows: psums leave per fold
    one = np.ones_like(compute)
    u_r, u_c = np.minimum(spatial[0], R), np.minimum(spatial[1], C)
    w_hops, i_hops = {"weight": (u_r / 2, u_c), "output": (u_r, u_c), "input": (u_c, u_r / 2)}[stationary]
    return _Array(
        legal=np.ones(compute.shape, dtype=bool), compute_cycles=compute, w_reads=w_reads * one,
        i_reads=i_reads * one, psum_rw=L.output_count * 2 * (acc_folds - 1) * one, w_fanout=one, i_fanout=one,
        spad_w_fill=w_reads * one, spad_i_fill=i_reads * one,
        # one-word registers: the stationary and the streamed operand registers feed every MAC; a partial sum
        # is read (the neighbour's psum entering a WS / IS PE, an OS PE's accumulator) and written every MAC
        # but its first, which starts from zero: the top row of each row fold (WS, IS), an output's first
        # MAC in its PE (OS)
        spad_w_read=m_ops * one, spad_i_read=m_ops * one, spad_p_read=(m_ops - L.output_count * acc_folds) * one,
        spad_p_write=m_ops * one,
        noc_w=w_reads * g.w_bits * w_hops, noc_i=i_reads * g.a_bits * i_hops,
        # partial sums hop down the rows (WS, IS); OS outputs drain across the rows
        noc_p=L.output_count * acc_folds * g.acc_bits * (u_r if stationary != "output" else u_r / 2) * one,
        mapping={f"rows.{names[0]}": u_r * one, f"cols.{names[1]}": u_c * one, f"stream.{names[2]}": streamed * one,
                 "folds.rows": n_r * one, "folds.cols": n_c * one, "folds.groups": L.groups * one},
    )


_ARRAY = {"row_stationary": _row_stationary, "weight_stationary_local": _weight_stationary_local,
          **{f"{op}_stationary": (lambda L, g, every_tile=False, op=op: _systolic(L, g, op))  # one mapping each
             for op in ("weight", "output", "input")}}
assert set(_ARRAY) == set(DATAFLOWS)


def candidates(L: Layer, g: Geometry, dataflow: str, every_tile: bool = False) -> _Array:
    """The GLB <-> array terms, legality and description of ``dataflow``'s candidates for layer L
    (``every_tile``: with every integer per-PE tile size that fits, unreduced; tests only)."""
    return _ARRAY[dataflow](L, g, every_tile)


# --- Factored count tables: the (G, M, len(COUNTS)) candidate table without building it ---
# The candidate terms (``_Array``) do not depend on the GLB size or NoC multicast and the GLB tilings
# depend only on the GLB size and bit widths, so each is evaluated once per distinct value of what it
# depends on; ``dse.mapping`` (compiled) combines a candidate, a bypass mode and a tiling into one
# count vector on demand with the same floating-point operations, in the same order, as the reference
# table of the tests (tests/reference_counts.py). The kernels read TERMS and PER_GEOMETRY by name.
TERMS = ("compute_cycles", "w_reads", "i_reads", "psum_rw", "w_fanout", "i_fanout", "spad_w_fill", "spad_i_fill",
         "spad_w_read", "spad_i_read", "spad_p_read", "spad_p_write", "noc_w", "noc_i", "noc_p")
# what the _Array functions read (everything but the GLB size and multicast)
_ARRAY_KEY = ("rows", "cols", "spad_ifmap_words", "spad_filter_words", "spad_psum_words", "pe_w_bits",
              "pe_a_bits", "acc_bits", "w_bits", "a_bits", "o_bits", "passes", "inner_order")
DRAM_KEY = ("glb_bytes", "w_bits", "a_bits", "acc_bits", "o_bits", "w_resident", "bypass")  # what the tilings read
PER_GEOMETRY = ("w_bits", "a_bits", "acc_bits", "o_bits", "passes", "rows", "cols", "multicast")


@dataclass(frozen=True)
class FactoredCounts:
    """The candidate terms of one layer and dataflow over G geometries and M candidates, factored."""

    terms: tuple[np.ndarray, ...]  # TERMS of the A distinct array geometries, each (A or 1, M or 1)
    legal: np.ndarray  # (A, M)
    array_index: np.ndarray  # (G,) array geometry of each geometry
    per_geometry: np.ndarray  # (G, len(PER_GEOMETRY)) widths, array size, multicast
    macs: float
    output_count: float
    mapping: dict[str, np.ndarray] = field(default_factory=dict)  # _Array.mapping, (A or 1, M or 1) each


def distinct(g: Geometry, fields: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """(first row of each distinct combination of ``fields``, inverse) over the G geometries."""
    return unique_rows([getattr(g, f).reshape(-1) for f in fields])


def take(g: Geometry, rows: np.ndarray) -> Geometry:
    return Geometry(**{k: v[rows] for k, v in vars(g).items()})


def factored_counts(L: Layer, g: Geometry, dataflow: str) -> FactoredCounts:
    """The candidate terms of ``dataflow`` per distinct array geometry and the per-geometry widths;
    ``dse.mapping`` crosses them with the bypass modes and GLB tilings and prunes."""
    a_first, a_index = distinct(g, _ARRAY_KEY)
    arr = _ARRAY[dataflow](L, take(g, a_first))
    shape = np.broadcast_shapes(arr.legal.shape, arr.compute_cycles.shape, (len(a_first), 1))
    terms = tuple(np.ascontiguousarray(np.atleast_2d(getattr(arr, name)), dtype=float) for name in TERMS)
    per_geometry = np.hstack([np.asarray(getattr(g, f), float).reshape(-1, 1) for f in PER_GEOMETRY])
    legal = np.ascontiguousarray(np.broadcast_to(arr.legal, shape))
    return FactoredCounts(terms, legal, a_index.astype(np.int64), per_geometry, float(L.macs),
                          float(L.output_count), arr.mapping)


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


if set(TERMS) | {"legal", "mapping"} != set(_Array.__dataclass_fields__):  # every candidate term is carried
    raise ValueError(f"dse.dataflows: TERMS {TERMS} must name every field of _Array but 'legal' and 'mapping'")
