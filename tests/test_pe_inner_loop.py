"""The PE's inner loop (dse.dataflows.INNER_ORDERS): spad reads and psum accesses of every candidate against a
literal execution of the PE's loop nest, and the order as a mapping choice.

The reference below does not use the dataflows' closed forms (``lane_runs``, the chain counts): for each
candidate it deals the filters, channels (or channel x tap rows) and taps to the PE lanes and tiles the
candidate's mapping entries describe (item i to lane i mod lanes, fold i // lanes, a PE tile of
``pe.K`` / ``pe.C`` / ``pe.C_folds`` folds), runs every PE's MACs in the order's loop nest and counts, with
the register each order holds:
- a spad read of an operand at every MAC, except the held operand: once per run of the innermost loop;
- a psum spad write at every MAC, or (psum held) once per run; a psum spad read wherever a contribution
  continues a partial sum this PE has started in its chain (a pass of the PE, or with
  ``weight_stationary_local``'s pixel blocks every tile of the block), never for the first.
Exact equality is required (counts are integers in floats).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from dse import dataflows, design, mapping, network
from dse import spec as spec_mod
from dse.actions import COST_COLUMNS
from workloads.layer import Layer

PSUM, IFMAP, NONE = (dataflows.INNER_ORDERS.index(o) for o in ("psum", "ifmap", "none"))


def _lanes(n: int, lanes: int, per_tile: int) -> list[list[list[int]]]:
    """Per lane, its items cut into tiles of ``per_tile`` folds (item i: lane i mod lanes, fold i // lanes)."""
    out = []
    for lane in range(lanes):
        items = [i for i in range(n) if i % lanes == lane]
        out.append([items[j:j + per_tile] for j in range(0, len(items), per_tile)])
    return out


def _run(order: int, filters: list[int], x: int, run: int, started: set) -> tuple[int, int, int, int]:
    """(weight reads, ifmap reads, psum reads, psum writes) of ``run`` MACs into each of ``filters``'
    outputs at pixel ``x``, with the register ``order`` holds; ``started`` (updated): the PE's begun psums."""
    if order == PSUM:  # the psum in the accumulator over the run: one write per output, a read if it continues
        reads = sum((f, x) in started for f in filters)
        started.update((f, x) for f in filters)
        return run * len(filters), run * len(filters), reads, len(filters)
    w = i = pr = pw = 0
    for _ in range(run):
        i += 1 if order == IFMAP else len(filters)  # IFMAP: one read for the run over the filters
        for f in filters:
            w += 1
            pw += 1
            pr += (f, x) in started
            started.add((f, x))
    return w, i, pr, pw


def _add(acc: list[int], counts: tuple[int, int, int, int]) -> None:
    for j, c in enumerate(counts):
        acc[j] += c


def simulate_rs(L: Layer, desc: dict, passes: int) -> tuple[float, float, float, float]:
    """(weight reads, ifmap reads, psum reads, psum writes) of a row-stationary candidate, by execution."""
    u_k = int(min(desc["rows.K"] * desc["cols.K"], L.k))
    u_c, p, q, order = int(desc["rows.C"]), int(desc["pe.K"]), int(desc["pe.C"]), int(desc["pe.inner"])
    acc = [0, 0, 0, 0]
    for _fy, fl, cl in itertools.product(range(L.fy), _lanes(L.k, u_k, p), _lanes(L.c, u_c, q)):
        for filters, channels in itertools.product(fl, cl):  # one pass of this PE (per image row)
            started = set()
            for x in range(L.ox):  # a run: every (channel, tap, slice) of output (f, x)
                _add(acc, _run(order, filters, x, len(channels) * L.fx * passes, started))
    rows = L.n * L.oy  # every (image, output row) pass is the same
    return tuple(c * rows for c in acc)


def simulate_wsl(L: Layer, desc: dict, passes: int) -> tuple[float, float, float, float]:
    """The same for a weight_stationary_local candidate. With pb = 1 a PE keeps every pixel's partial sums
    across its tiles, so the pixel-block size does not change a count (only the order they are visited in)."""
    taps = L.fy * L.fx
    im2col = desc["rows.CxFYxFX"] > 1
    u_r = int(desc["rows.CxFYxFX"] if im2col else desc["rows.C"])
    u_k, h_k, h_c, h_t = int(desc["cols.K"]), int(desc["pe.K"]), int(desc["pe.C_folds"]), int(desc["pe.taps"])
    pb, order = desc["glb.psums_in_pe"] == 1, int(desc["pe.inner"])
    rows_dim = L.c * (taps if im2col else 1)
    tap_tiles = [[0]] if im2col else [list(range(t, min(t + h_t, taps))) for t in range(0, taps, h_t)]
    npix = L.n * L.oy * L.ox
    acc = [0, 0, 0, 0]
    for kl, rl in itertools.product(_lanes(L.k, u_k, h_k), _lanes(rows_dim, u_r, h_c)):
        started = set()  # this PE's partial sums: per tile (pb = 0), per pixel block across its tiles (pb = 1)
        for filters, rows_t in itertools.product(kl, rl):
            for tap_tile in tap_tiles:
                if not pb:
                    started = set()
                for x in range(npix):
                    _add(acc, _run(order, filters, x, len(rows_t) * len(tap_tile) * passes, started))
    return tuple(acc)


LAYERS = [
    Layer("a", "conv", n=1, k=5, c=3, oy=3, ox=3, fy=3, fx=3, stride_y=1, stride_x=1, iy=5, ix=5),
    Layer("b", "conv", n=2, k=7, c=5, oy=2, ox=3, fy=2, fx=2, stride_y=2, stride_x=2, iy=4, ix=6),
    Layer("c", "conv", n=1, k=6, c=4, oy=4, ox=2, fy=1, fx=1, stride_y=1, stride_x=1, iy=4, ix=2),
]
GEOMETRIES = [  # rows, cols, filter / ifmap / psum spad words, layer bits, PE bits (passes = (bits / PE bits)^2)
    (3, 2, 64, 12, 8, 8, 8), (4, 3, 24, 6, 3, 8, 4), (2, 4, 96, 24, 16, 8, 8), (6, 2, 32, 9, 5, 4, 4),
]


def _geometry(rows, cols, fw, iw, pw, bits, pe_bits, pin):
    f = lambda x: np.full((1, 1), float(x))
    g = dataflows.single_geometry(rows, cols, bits=bits)
    return dataflows.Geometry(**{**vars(g), "pe_w_bits": f(pe_bits), "pe_a_bits": f(pe_bits),
                                 "spad_filter_words": f(fw), "spad_ifmap_words": f(iw), "spad_psum_words": f(pw),
                                 "passes": f(math.ceil(bits / pe_bits) ** 2), "inner_order": f(pin)})


@pytest.mark.parametrize("dataflow", ["row_stationary", "weight_stationary_local"])
@pytest.mark.parametrize("pin", range(len(dataflows.INNER_ORDERS) + 1))  # 0: searched, 1 + i: pinned
def test_spad_counts_equal_an_execution_of_the_pe_loop_nest(dataflow, pin):
    checked = set()
    for L, geo in itertools.product(LAYERS, GEOMETRIES):
        g = _geometry(*geo, pin)
        passes = int(g.passes[0, 0])
        a = dataflows.candidates(L, g, dataflow)
        legal = np.broadcast_to(a.legal, a.legal.shape)[0]
        desc = {k: np.broadcast_to(v, a.legal.shape)[0] for k, v in a.mapping.items()}
        terms = {n: np.broadcast_to(getattr(a, n), a.legal.shape)[0]
                 for n in ("spad_w_read", "spad_i_read", "spad_p_read", "spad_p_write")}
        for m in np.flatnonzero(legal):
            d = {k: float(v[m]) for k, v in desc.items()}
            if dataflow == "row_stationary":
                want = simulate_rs(L, d, passes)
            else:
                want = simulate_wsl(L, d, passes)
            got = tuple(float(terms[n][m]) for n in ("spad_w_read", "spad_i_read", "spad_p_read", "spad_p_write"))
            assert got == want, (L.name, geo, d, got, want)
            checked.add(int(d["pe.inner"]))
    # searched: both held orders occur; pinned: exactly the pinned one
    assert checked == ({PSUM, IFMAP} if pin == 0 else {pin - 1})


def test_systolic_first_contribution_of_a_partial_sum_is_not_read():
    # a one-word psum register: read every MAC but the first of each output in its PE (OS) or of each row fold's
    # top row (WS, IS: the psum enters the fold as zero)
    L = LAYERS[1]
    g = dataflows.single_geometry(3, 4)
    window = L.c * L.fy * L.fx
    for df, chains in (("output_stationary", L.output_count),
                       ("weight_stationary", L.output_count * math.ceil(window / 3)),
                       ("input_stationary", L.output_count * math.ceil(window / 3))):
        a = dataflows.candidates(L, g, df)
        assert float(np.ravel(a.spad_p_read)[0]) == L.macs - chains
        assert float(np.ravel(a.spad_p_write)[0]) == float(np.ravel(a.spad_w_read)[0]) == L.macs


@pytest.mark.parametrize("dataflow, ifmap_read_scale", [("row_stationary", 4.6), ("weight_stationary_local", 5.0)])
def test_searched_order_is_the_cheaper_pinned_order_per_layer(dataflow, ifmap_read_scale):
    """The searched order keeps, per layer, the cheaper of the pinned orders (a brute-force min over pinned
    searches), on a point where each order wins some layers: the ifmap spad read priced ``ifmap_read_scale``
    times its own cost, found by scanning (psum wins every ResNet-18 layer at 4x, ifmap every one at 6x; 6.8x / 7.5x before dse.clock gated
    load-enabled registers, which moved clock onto the spad reads), so
    a search that lost either order's rows (pruned, merged or dropped) fails here."""
    spec = spec_mod.parse({"version": 1, "name": "orders", "workload": {"network": "resnet18"},
                           "precision": {"policy": "pe"},
                           "space": {"pe_type": "INT8", "pe_rows": 12, "pe_cols": 14, "dataflow": dataflow,
                                     "pe_inner_order": ["search", "psum", "ifmap"]}}, "orders.yaml")
    d = design.batch(spec)
    assert list(d.pe_inner_order) == [0, 1 + PSUM, 1 + IFMAP]
    wl = network.prepare_workload(spec)
    s = network.search_network(d, wl.graph.compute_layers(), wl.follows_pe, "energy")
    costs = s.costs.copy()
    costs[:, COST_COLUMNS.index("spad_ifmap_read_pj")] *= ifmap_read_scale
    e = mapping.search(s.tables, s.geo.index, costs, "energy", per_layer=True).layer_energy_pj
    np.testing.assert_array_equal(e[:, 0], np.minimum(e[:, 1], e[:, 2]))
    assert (e[:, 1] < e[:, 2]).sum() >= 2 and (e[:, 2] < e[:, 1]).sum() >= 2  # each order wins some layers
