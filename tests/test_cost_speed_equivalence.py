"""The fast cost-model path equals the plain numpy reference path, bit for bit.

``mapping.layer_table`` builds each layer's pruned count table from factored terms (candidate terms per
distinct array geometry, DRAM tiling per GLB size and widths) in a compiled kernel
(``dataflows.factored_counts`` + ``mapping.skyline_factored``). The reference is the straightforward
path (tests/reference_counts.py): the full (geometries x candidates x counts) table from
``reference_counts.compute_counts``, pruned by ``reference_counts.prune``. Both must keep the same
candidates in the same order with identical counts
(tolerance: exact equality, since the kernel repeats numpy's floating-point operations in the same
order), so every design point gets the same mapping and the same energy and latency.
"""

import dataclasses

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import workloads
import reference_counts
from dse import actions, dataflows, design, hardware, mapping, network, sweep
from dse import spec as spec_mod
from dse.dataflows import DATAFLOWS, Geometry
from workloads.layer import Layer

# Geometry-diverse: few points per geometry, every dataflow, multicast on/off, a GLB too small for
# any DRAM tile (operands stream), PE widths below and above the layer's.
SPACE = """version: 1
name: diverse
workload: {network: mobilenetv2}
precision: {policy: pe, layers: {"features.0": {w: 8, a: 8}, "features.1.*": {w: 16, a: 4}}}
space:
  pe_type: [INT2, INT4, INT8, INT16, LightPE-1, FP16]
  pe_rows: [4, 12, 32]
  pe_cols: [6, 14, 32]
  spad_ifmap_words: [12, 24]
  spad_filter_words: [16, 224]
  spad_psum_words: [16, 24]
  glb_kib: [2, 108, 512]
  dataflow: [row_stationary, weight_stationary, output_stationary, input_stationary, weight_stationary_local]
  noc_multicast: ["on", "off"]
  psum_width: [activation, accumulator]
mapping: {objective: edp}
"""


def _reference_layer_table(layer: Layer, geo: mapping.Geometries, follow_pe: bool) -> mapping.LayerTable:
    """``mapping.layer_table`` via the full numpy table of complete mappings (candidate x bypass mode x
    staircase tiling, ``reference_counts.compute_counts``) pruned by ``reference_counts.prune``."""
    g = mapping.layer_geometry(layer, geo, follow_pe)
    G = len(g.rows)
    if not layer.is_compute:
        return mapping.complete_rows(dataflows.data_movement_counts(layer, g)[:, 0], np.ones(G, dtype=np.int64))
    kept, n_keep = [None] * G, np.zeros(G, dtype=np.int64)
    for gi in range(G):
        sub = dataflows.take(g, np.array([gi]))
        kept[gi], n = reference_counts.prune(*reference_counts.compute_counts(layer, sub, DATAFLOWS[geo.design.dataflow[gi]]))
        n_keep[gi] = n[0]
    return mapping.complete_rows(np.concatenate(kept), n_keep)


def _space_sample(n_points: int, seed: int):
    spec = spec_mod.parse(yaml.safe_load(SPACE), "diverse.yaml")
    rng = np.random.default_rng(seed)
    return spec, design.points(spec, rng.choice(spec.n_points, size=n_points, replace=False))


def _check_table(layer: Layer, g: Geometry, dataflow: str, table: mapping.LayerTable) -> None:
    """Every row of the fast table is its candidate's base counts, bit for bit, and in every mode it is
    searched in, the kernel's counts (``kernels.compose``, via ``chosen_counts``) are the reference's
    base counts of that mode plus each entry of the mode's staircase of GLB tilings, which is the
    reference's from every tiling."""
    base, legal = reference_counts.base_counts(layer, g, dataflow)
    stairs = reference_counts.tilings(layer, g)
    first = np.cumsum(table.n_keep) - table.n_keep
    stacked = mapping.stack_tables([table], [float(layer.macs)])
    for gi in range(len(g.rows)):
        assert table.n_keep[gi] >= 1
        for r in range(first[gi], first[gi] + table.n_keep[gi]):
            m = table.row_candidate[r]
            np.testing.assert_array_equal(table.counts[r], base[gi, m, 0])
            assert table.stair_len[r].any()
            for mode in np.flatnonzero(table.stair_len[r]):
                assert legal[gi, m, mode]
                s = np.arange(table.stair_first[r, mode], table.stair_first[r, mode] + table.stair_len[r, mode])
                np.testing.assert_array_equal(table.stair[s], stairs[gi][mode][:, :3])
                assert np.all(table.stair_mode[s] == mode)
                got = mapping.chosen_counts(stacked, np.full(len(s), gi), np.full((1, len(s)), r - first[gi]),
                                            s[None, :])[0]
                np.testing.assert_array_equal(got, reference_counts.with_tiling(base[gi, m, mode][None, :],
                                                                                stairs[gi][mode]))


@pytest.mark.parametrize("follow_pe", [True, False])
def test_layer_tables_equal_reference_path(follow_pe):
    """Every fourth layer of MobileNetV2 (pointwise, depthwise, strided, FC) on 60 diverse geometries: kept
    rows and their tiling staircases equal the reference's (the staircase from every tiling, not the
    pre-pruned set the kernel walks)."""
    _, d = _space_sample(60, seed=1)
    geo = mapping.geometries(d, hardware.evaluate(d))
    assert len(geo.design.pe_rows) > 50  # geometry-diverse: most points have their own geometry
    for layer in workloads.load("mobilenetv2").compute_layers()[::4]:
        g = mapping.layer_geometry(layer, geo, follow_pe)
        table = mapping.layer_table(layer, geo, follow_pe)
        offsets = np.cumsum(table.n_keep) - table.n_keep
        for code in np.unique(geo.design.dataflow):
            sel = np.flatnonzero(geo.design.dataflow == code)
            rows = np.concatenate([np.arange(offsets[i], offsets[i] + table.n_keep[i]) for i in sel])
            sub = mapping.LayerTable(table.counts[rows], table.n_keep[sel], table.row_candidate[rows],
                                     table.stair_first[rows], table.stair_len[rows], table.stair, table.stair_mode,
                                     table.stair_tiling)
            _check_table(layer, dataflows.take(g, sel), DATAFLOWS[code], sub)


def test_evaluate_equals_reference_path(monkeypatch):
    """Whole results tables (totals, breakdowns, per-layer energy/latency) are identical with the
    reference tables of complete mappings, pruned without the kernels' two stages and bounds."""
    spec, d = _space_sample(10, seed=2)
    wl = sweep.prepare_workload(spec)
    fast, fast_layers = network.evaluate(d, wl, "edp", per_layer=True)
    monkeypatch.setattr(mapping.tables, "layer_table", _reference_layer_table)
    ref, ref_layers = network.evaluate(d, wl, "edp", per_layer=True)
    for a, b in ((fast, ref), (fast_layers, ref_layers)):
        assert list(a.columns) == list(b.columns)
        for col in a.columns:
            np.testing.assert_array_equal(a[col].to_numpy(), b[col].to_numpy(), err_msg=col)


layers = st.builds(
    lambda k, c, oy, f, s, n, groups: Layer("l", "conv", n=n, k=k * groups, c=c * groups, oy=oy, ox=oy, fy=f, fx=f,
                                            stride_y=s, stride_x=s, groups=groups),
    st.sampled_from([1, 3, 16, 64, 384]), st.sampled_from([1, 3, 16, 256]), st.integers(1, 56),
    st.sampled_from([1, 3, 5, 7]), st.sampled_from([1, 2, 4]), st.integers(1, 4), st.sampled_from([1, 2, 32]))
geometry_rows = st.lists(st.tuples(
    st.sampled_from([2, 8, 12, 32]), st.sampled_from([3, 14, 64]), st.sampled_from([4, 12, 24]),
    st.sampled_from([8, 64, 224]), st.sampled_from([1, 16, 24]), st.sampled_from([512, 16 * 1024, 2**20]),
    st.sampled_from([1, 2, 4, 8, 16]), st.sampled_from([1, 2, 4, 8, 16]), st.sampled_from([8, 24, 32]),
    st.sampled_from([0, 1]), st.sampled_from([2, 4, 8, 16])), min_size=1, max_size=12)


@settings(max_examples=40, deadline=None)
@given(layers, st.sampled_from(DATAFLOWS), geometry_rows)
def test_factored_prune_equals_full_table_prune(layer, dataflow, rows):
    """Random layers (grouped, strided, batched) on random geometry sets, duplicates included: the
    kernels' rows and staircases are the reference's, and the search over them finds the least score
    of the reference's full (candidate x mode x staircase) table under random per-point costs."""
    cols = np.array(rows, dtype=float).T
    r, c, si, sf, sp, glb, pw, pa, acc, mc, bits = (x.reshape(-1, 1) for x in cols)
    passes = np.ceil(bits / pw) * np.ceil(bits / pa)
    g = Geometry(r, c, si, sf, sp, glb, pw, pa, acc, mc, bits, bits, bits, passes)
    f = dataflows.factored_counts(layer, g, dataflow)
    st_ = mapping.staircases(layer, g)
    base, keep_m, keep_mask, n_keep = mapping.prune_factored(f, st_)
    stair, stair_mode, stair_tiling, first, length = mapping.tables._flat_staircases(st_)
    row_first, row_len = mapping.tables.rows_of(st_, first, length, np.repeat(np.arange(len(n_keep)), n_keep),
                                                keep_mask)
    table = mapping.LayerTable(base, n_keep, keep_m, row_first, row_len, stair, stair_mode, stair_tiling)
    _check_table(layer, g, dataflow, table)
    costs = np.random.default_rng(len(rows)).uniform(0.01, 2.0, size=(len(n_keep), len(actions.COST_COLUMNS)))
    res = mapping.search(mapping.stack_tables([table], [float(layer.macs)]), np.arange(len(n_keep)), costs, "edp",
                         per_layer=True)
    counts, legal = reference_counts.compute_counts(layer, g, dataflow)
    for gi in range(len(n_keep)):
        e, lat = mapping.price(counts[gi][legal[gi]], costs[gi])
        assert res.layer_energy_pj[0, gi] * res.layer_latency_cycles[0, gi] == pytest.approx((e.sum(axis=1) * lat).min(),
                                                                                     rel=1e-12)



@pytest.mark.parametrize("dataflow", ["row_stationary", "weight_stationary_local", "output_stationary"])
def test_shared_second_stage_equals_each_geometry_alone(dataflow):
    """``kernels.table_factored`` reuses the second-stage result of an earlier geometry whose inputs are the
    same (array, per-geometry terms, which bypass modes have tilings, their dominance). Geometries with the same
    array and terms but a mode without tilings, or no dominance between modes, or the same inputs again,
    pruned in one batch, equal each pruned alone (where nothing is reused), row for row."""
    layer = workloads.load("resnet18").compute_layers()[5]
    g = dataflows.single_geometry(12, 14, spad_words=24, glb_bytes=108 * 1024.0)
    f, st_ = dataflows.factored_counts(layer, g, dataflow), mapping.staircases(layer, g)
    nm = st_.length.shape[1]
    no_mode = st_.length.copy()
    no_mode[0, np.flatnonzero(st_.length[0])[0]] = 0
    variants = [(st_.length, st_.dom), (no_mode, st_.dom), (st_.length, np.zeros((1, nm, nm), dtype=bool)),
                (st_.length, st_.dom), (no_mode, st_.dom)]
    stairs = lambda vs: mapping.Staircases(np.arange(len(vs)), np.concatenate([v[0] for v in vs]), st_.dw, st_.di,
                                           st_.tiles, st_.tiling, np.ascontiguousarray(np.concatenate([v[1] for v in vs])))
    many = lambda n: dataflows.FactoredCounts(f.terms, f.legal, np.zeros(n, dtype=np.int64),
                                              np.repeat(f.per_geometry, n, axis=0), f.macs, f.output_count)
    keep_m, keep_mask, n_keep = mapping.table_factored(many(len(variants)), stairs(variants))
    alone = [mapping.table_factored(many(1), stairs([v])) for v in variants]
    assert len({(int(n[0]), tuple(m[0, :n[0]]), tuple(k[0, :n[0]])) for k, m, n in alone}) >= 2  # inputs matter
    for gi, (k, m, n) in enumerate(alone):
        assert n_keep[gi] == n[0]
        np.testing.assert_array_equal(keep_m[gi, :n[0]], k[0, :n[0]])
        np.testing.assert_array_equal(keep_mask[gi, :n[0]], m[0, :n[0]])


@pytest.mark.parametrize("objective", ["energy", "latency", "edp"])
def test_search_in_blocks_equals_each_point_alone(objective):
    """``kernels.search`` bounds the points of one geometry in blocks (``kernels.BLOCK_POINTS``), a pair at a
    time across the block's costs. Points of three geometries, interleaved and more than two blocks of one,
    each with its own random costs (ties too: a repeated cost row), searched in one batch equal each searched
    alone, bit for bit, in every result and the chosen row and tiling."""
    net = workloads.load("resnet18").compute_layers()[4:7]
    one = dataflows.single_geometry(12, 14, spad_words=24, glb_bytes=108 * 1024.0)
    scale = {"rows": np.array([[1.0], [2.0], [1.0]]), "glb_bytes": np.array([[1.0], [2.0], [0.25]])}
    g = Geometry(**{f.name: np.asarray(getattr(one, f.name), float).reshape(1, 1) * scale.get(f.name, np.ones((3, 1)))
                    for f in dataclasses.fields(Geometry) if f.default is dataclasses.MISSING})
    tables = []
    for layer in net:
        f, st_ = dataflows.factored_counts(layer, g, "row_stationary"), mapping.staircases(layer, g)
        base, keep_m, keep_mask, n_keep = mapping.prune_factored(f, st_)
        stair, stair_mode, stair_tiling, first, length = mapping.tables._flat_staircases(st_)
        row_first, row_len = mapping.tables.rows_of(st_, first, length, np.repeat(np.arange(3), n_keep), keep_mask)
        tables.append(mapping.LayerTable(base, n_keep, keep_m, row_first, row_len, stair, stair_mode, stair_tiling))
    stacked = mapping.stack_tables(tables, [float(L.macs) for L in net])
    rng = np.random.default_rng(7)
    P = 3 * mapping.kernels.BLOCK_POINTS + 20
    geo = rng.choice(3, size=P, p=[0.8, 0.15, 0.05])
    costs = rng.uniform(0.01, 2.0, size=(P, len(actions.COST_COLUMNS)))
    costs[1] = costs[0]
    together = mapping.search(stacked, geo, costs, objective, per_layer=True)
    assert np.bincount(geo).max() > 2 * mapping.kernels.BLOCK_POINTS
    assert len({tuple(together.layer_choice[:, p]) + tuple(together.layer_tiling[:, p]) for p in range(P)}) >= 2
    for p in range(P):
        alone = mapping.search(stacked, geo[p:p + 1], costs[p:p + 1], objective, per_layer=True)
        for name in mapping.SearchResult.__dataclass_fields__:
            np.testing.assert_array_equal(getattr(together, name)[..., p], getattr(alone, name)[..., 0], err_msg=name)
