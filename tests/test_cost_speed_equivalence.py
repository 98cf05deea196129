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

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import workloads
import reference_counts
from dse import actions, dataflows, design, hardware, mapping, network, sweep
from dse import spec as spec_mod
from dse.actions import COUNTS
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


def _reference_layer_table(layer: Layer, geo: mapping.Geometries, follow_pe: bool) -> tuple[np.ndarray, np.ndarray]:
    """``mapping.layer_table`` via the full numpy count table and ``reference_counts.prune``, same rows."""
    g = mapping.layer_geometry(layer, geo, follow_pe)
    G = len(g.rows)
    if not layer.is_compute:
        return dataflows.data_movement_counts(layer, g)[:, 0], np.ones(G, dtype=np.int64)
    parts = []
    for code in np.unique(geo.design.dataflow):
        sel = np.flatnonzero(geo.design.dataflow == code)
        sub = Geometry(**{k: v[sel] for k, v in vars(g).items()})
        parts.append((sel, *reference_counts.prune(*reference_counts.compute_counts(layer, sub, DATAFLOWS[code]))))
    n_keep = np.zeros(G, dtype=np.int64)
    for sel, _, n in parts:
        n_keep[sel] = n
    first_row = np.cumsum(n_keep) - n_keep
    counts = np.full((int(n_keep.sum()), len(COUNTS)), np.nan)
    for sel, kept, n in parts:
        within = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
        counts[np.repeat(first_row[sel], n) + within] = kept
    return counts, n_keep


def _space_sample(n_points: int, seed: int):
    spec = spec_mod.parse(yaml.safe_load(SPACE), "diverse.yaml")
    rng = np.random.default_rng(seed)
    return spec, design.points(spec, rng.choice(spec.n_points, size=n_points, replace=False))


@pytest.mark.parametrize("follow_pe", [True, False])
def test_layer_tables_equal_reference_path(follow_pe):
    """Every layer of MobileNetV2 (pointwise, depthwise, strided, FC) on 300 diverse geometries."""
    _, d = _space_sample(300, seed=1)
    geo = mapping.geometries(d, hardware.evaluate(d))
    assert len(geo.design.pe_rows) > 200  # geometry-diverse: most points have their own geometry
    for layer in workloads.load("mobilenetv2").layers():
        fast, n_fast = mapping.layer_table(layer, geo, follow_pe)
        ref, n_ref = _reference_layer_table(layer, geo, follow_pe)
        np.testing.assert_array_equal(n_fast, n_ref, err_msg=layer.name)
        np.testing.assert_array_equal(fast, ref, err_msg=layer.name)


def test_evaluate_equals_reference_path(monkeypatch):
    """Whole results tables (totals, breakdowns, per-layer energy/latency) and the chosen mapping of
    every layer on every point are identical with the reference tables."""
    spec, d = _space_sample(200, seed=2)
    wl = sweep.prepare_workload(spec)
    fast, fast_layers = network.evaluate(d, wl, "edp", per_layer=True)
    hw = hardware.evaluate(d)
    geo = mapping.geometries(d, hw)
    layers = wl.graph.layers()
    choices = []
    for table_fn in (mapping.layer_table, _reference_layer_table):
        tables = mapping.stack_tables([table_fn(L, geo, wl.follows_pe(L.name)) for L in layers],
                                      [float(L.macs) for L in layers])
        res = mapping.search(tables, geo.index, actions.action_costs(hw), "edp", per_layer=True)
        choices.append((res.layer_choice, mapping.chosen_counts(tables, geo.index, res.layer_choice)))
    np.testing.assert_array_equal(choices[0][0], choices[1][0])
    np.testing.assert_array_equal(choices[0][1], choices[1][1])
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
    """Random layers (grouped, strided, batched) on random geometry sets, duplicates included."""
    cols = np.array(rows, dtype=float).T
    r, c, si, sf, sp, glb, pw, pa, acc, mc, bits = (x.reshape(-1, 1) for x in cols)
    passes = np.ceil(bits / pw) * np.ceil(bits / pa)
    g = Geometry(r, c, si, sf, sp, glb, pw, pa, acc, mc, bits, bits, bits, passes)
    kept, n = reference_counts.prune(*reference_counts.compute_counts(layer, g, dataflow))
    fast, n_fast = mapping.prune_factored(dataflows.factored_counts(layer, g, dataflow))
    np.testing.assert_array_equal(n_fast, n)
    np.testing.assert_array_equal(fast, kept)
