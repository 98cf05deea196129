"""Cost model: exact pruning, legality and physical monotonicity of the dataflow count tables."""

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import workloads
import reference_counts
from dse import actions, dataflows, design, hardware, mapping
from dse import spec as spec_mod
from dse.actions import CI
from dse.dataflows import DATAFLOWS, Geometry
from dse.errors import UserError
from dse.network import evaluate
from workloads.layer import Layer

SPACE = """version: 1
name: cost
workload: {network: mobilenetv2}
space:
  pe_type: [INT4, INT8, INT16]
  pe_rows: [4, 12, 32]
  pe_cols: [6, 14, 32]
  spad_filter_words: [16, 224]
  glb_kib: [8, 108, 512]
  dram_bw_gbps: [1, 25.6]
  dataflow: [row_stationary, weight_stationary, output_stationary, input_stationary, weight_stationary_local]
  noc_multicast: ["on", "off"]
mapping: {objective: edp}
"""


# per-action costs of one point, by cost column (energies in pJ per count, bandwidths per cycle)
FIXED_COSTS = {"mac_energy_pj": 1.0, "spad_filter_read_pj": 0.05, "spad_filter_write_pj": 0.06,
               "spad_ifmap_read_pj": 0.05, "spad_ifmap_write_pj": 0.06, "spad_psum_read_pj": 0.1,
               "spad_psum_write_pj": 0.12,
               "noc_pj_per_bit_hop": 0.01, "glb_read_pj_per_bit": 0.2, "glb_write_pj_per_bit": 0.2,
               "dram_pj_per_bit": 15.0, "leakage_pj_per_cycle": 0.0, "clock_pj_per_cycle": 0.0, "clock_pj_per_mac": 0.3,
               "dram_bits_per_cycle": 64.0, "glb_read_bits_per_cycle": 256.0, "glb_write_bits_per_cycle": 256.0}


def fixed_costs() -> np.ndarray:
    return np.array([[FIXED_COSTS[name] for name in actions.COST_COLUMNS]])


def load_space(text=SPACE):
    return spec_mod.parse(yaml.safe_load(text), "cost.yaml")


def geometry(rows=12, cols=14, spad_i=12, spad_f=224, spad_p=24, glb_bytes=108 * 1024, pe_bits=8, bits=8,
             multicast=1, acc=24):
    a = lambda x: np.array([[float(x)]])
    return Geometry(a(rows), a(cols), a(spad_i), a(spad_f), a(spad_p), a(glb_bytes), a(pe_bits), a(pe_bits), a(acc),
                    a(multicast), a(bits), a(bits), a(bits), a(max(1.0, np.ceil(bits / pe_bits)) ** 2))


layers = st.builds(
    lambda k, c, oy, f, s, n, dw: Layer("l", "dwconv" if dw else "conv", n=n, k=c if dw else k, c=c, oy=oy, ox=oy,
                                        fy=f, fx=f, stride_y=s, stride_x=s, groups=c if dw else 1),
    st.sampled_from([1, 3, 16, 64, 96, 384]), st.sampled_from([1, 3, 16, 64, 256]), st.integers(1, 56),
    st.sampled_from([1, 3, 5, 7, 11]), st.sampled_from([1, 2, 4]), st.integers(1, 4), st.booleans())


def test_pruned_search_equals_brute_force():
    """The compiled search over pruned candidates picks what an exhaustive numpy argmin picks."""
    spec = load_space()
    rng = np.random.default_rng(3)
    d = design.points(spec, rng.choice(spec.n_points, size=60, replace=False))
    hw = hardware.evaluate(d)
    geo = mapping.geometries(d, hw)
    e = actions.action_costs(hw)
    for layer in workloads.load("mobilenetv2").compute_layers()[::6]:
        tables = mapping.stack_tables([mapping.layer_table(layer, geo, True)], [float(layer.macs)])
        res = {o: mapping.search(tables, geo.index, e, o, per_layer=True) for o in ("energy", "latency", "edp")}
        g = mapping.layer_geometry(layer, geo, True)
        for p in range(len(d)):
            sub = dataflows.take(g, geo.index[p:p + 1])
            counts, legal = reference_counts.compute_counts(layer, sub, DATAFLOWS[d.dataflow[p]])
            en, lat = mapping.price(counts[0][legal[0]], e[p])
            en = en.sum(axis=1)
            for objective, r in res.items():
                best = {"energy": en, "latency": lat, "edp": en * lat}[objective].min()
                got_en, got_lat = r.layer_energy_pj[0, p], r.layer_latency_cycles[0, p]
                got = {"energy": got_en, "latency": got_lat, "edp": got_en * got_lat}[objective]
                assert got == pytest.approx(best, rel=1e-9), (layer.name, objective, p)


@settings(max_examples=60, deadline=None)
@given(layers, st.sampled_from(DATAFLOWS), st.sampled_from([4, 8, 16, 32]), st.sampled_from([4, 14, 32]))
def test_utilization_at_most_one_and_counts_non_negative(layer, dataflow, rows, cols):
    counts, legal = reference_counts.compute_counts(layer, geometry(rows=rows, cols=cols), dataflow)
    assert legal.any()  # the one-weight-per-PE mapping always runs
    c = counts[legal]
    assert np.all(c >= 0) and np.all(np.isfinite(c))
    assert np.all(c[:, CI["utilization"]] <= 1 + 1e-12)
    # every MAC happens: compute cycles x PEs cover the MACs
    assert np.all(c[:, CI["compute_cycles"]] * rows * cols >= layer.macs * (1 - 1e-12))


@settings(max_examples=40, deadline=None)
@given(layers, st.sampled_from([8 * 1024, 32 * 1024, 108 * 1024, 1024 * 1024]))
def test_bigger_glb_never_adds_dram_traffic(layer, glb_bytes):
    """The least DRAM traffic of the tilings that fit the GLB (nothing bypassed) never grows with it."""
    def traffic(glb):
        t = dataflows.dram_tilings(layer, geometry(glb_bytes=glb))
        return np.where(t["fits"][0, 0], t["w_bits"][0] + t["i_bits"][0], np.inf).min()
    small, big = traffic(glb_bytes), traffic(2 * glb_bytes)
    assert big <= small
    # every operand element a window touches is read at least once (a 1x1 stride-2 layer skips 3 in 4)
    touched = lambda inp, o, f, s: inp if f >= s else o * f
    ideal = layer.weight_count * 8 + layer.n * layer.c * 8 * (touched(layer.input_x, layer.ox, layer.fx, layer.stride_x)
                                                              * touched(layer.input_y, layer.oy, layer.fy, layer.stride_y))
    assert small >= ideal * (1 - 1e-12)


@settings(max_examples=40, deadline=None)
@given(layers, st.sampled_from(DATAFLOWS))
def test_smaller_scratchpads_never_lower_energy_at_fixed_action_costs(layer, dataflow):
    """A smaller filter spad only removes legal mappings, so the best energy cannot drop."""
    e = fixed_costs()
    best = []
    for words in (224, 16):
        counts, legal = reference_counts.compute_counts(layer, geometry(spad_f=words), dataflow)
        kept, n = reference_counts.prune(counts, legal)
        res = mapping.search(mapping.stack_tables([(kept, n)], [float(layer.macs)]), np.array([0]), e, "energy")
        best.append(res.energy_pj[0])
    assert best[1] >= best[0] * (1 - 1e-12)


def test_narrow_operands_pack_into_words():
    np.testing.assert_array_equal(dataflows.packed_capacity(np.array([12.0]), 8.0, np.array([2.0, 4.0, 8.0, 16.0])),
                                  [48, 24, 12, 6])


def test_multicast_off_costs_glb_reads():
    layer = workloads.load("resnet18").compute_layers()[3]
    for dataflow in DATAFLOWS:
        on, _ = reference_counts.compute_counts(layer, geometry(multicast=1), dataflow)
        off, _ = reference_counts.compute_counts(layer, geometry(multicast=0), dataflow)
        reads = lambda c: c[..., CI["glb_read_weight_bits"]] + c[..., CI["glb_read_ifmap_bits"]]
        if dataflow in dataflows.SYSTOLIC:  # operands hop PE to PE: one GLB read either way
            np.testing.assert_array_equal(reads(off), reads(on), err_msg=dataflow)
        else:
            assert np.all(reads(off) >= reads(on)) and np.any(reads(off) > reads(on)), dataflow


def test_sweep_over_dataflows_is_finite_and_area_rolls_up():
    spec = load_space()
    d = design.points(spec, np.arange(0, spec.n_points, 7))
    table = evaluate(d, spec_wl(spec), "edp")
    num = table.select_dtypes("number")
    assert np.all(np.isfinite(num.to_numpy())), num.columns[~np.isfinite(num.to_numpy()).all(axis=0)].tolist()
    parts = table[["area_pe_mm2", "area_spad_mm2", "area_noc_mm2", "area_glb_mm2"]].sum(axis=1)
    np.testing.assert_allclose(parts, table["area_mm2"], rtol=1e-12)
    stalls = table[["stall_glb_cycles", "stall_dram_cycles", "fill_drain_cycles"]].sum(axis=1)
    np.testing.assert_allclose(table["compute_cycles"] + stalls, table["latency_cycles"], rtol=1e-9)
    assert set(table["dataflow"]) == set(DATAFLOWS)
    # the dataflow matters: the same hardware costs differently under each
    by_df = table.groupby("dataflow")["energy_pj"].median()
    assert by_df.max() / by_df.min() > 1.05


def spec_wl(spec):
    from dse import sweep

    return sweep.prepare_workload(spec)


def test_weight_stationary_is_poor_on_depthwise():
    """A TPU-like array cannot share ifmaps across output channels of a depthwise layer (1 per group)."""
    dw = next(L for L in workloads.load("mobilenetv2").compute_layers() if L.op == "dwconv")
    ws, legal = reference_counts.compute_counts(dw, geometry(rows=16, cols=16), "weight_stationary")
    rs, legal_rs = reference_counts.compute_counts(dw, geometry(rows=16, cols=16), "row_stationary")
    assert ws[legal][:, CI["utilization"]].max() <= 1 / 16 + 1e-12
    assert rs[legal_rs][:, CI["utilization"]].max() > 1 / 16


@pytest.mark.parametrize("field, value, message", [
    ("dataflow", "diagonal", "space.dataflow: got 'diagonal'; expected one of ['row_stationary'"),
    ("noc_multicast", "maybe", "space.noc_multicast: got 'maybe'; expected one of ['on', 'off']"),
    ("noc_pj_per_bit_mm", -1, "space.noc_pj_per_bit_mm: got -1; expected a number in [0, 10] pJ/bit/mm"),
    ("psum_width", 16, "space.psum_width: got 16; expected one of ['accumulator', 'activation']"),
])
def test_new_parameters_fail_in_one_line(field, value, message):
    with pytest.raises(UserError) as exc:
        spec_mod.parse({"name": "x", "workload": {"network": "resnet18"}, "space": {field: value}}, "s.yaml")
    assert str(exc.value).startswith(f"s.yaml: {message}") and "\n" not in str(exc.value)


def test_validation_section_errors_name_the_field():
    base = {"name": "x", "workload": {"network": "alexnet"}}
    with pytest.raises(UserError, match=r"^s.yaml: validation.metrics.fps: unknown key"):
        spec_mod.parse({**base, "validation": {"source": "paper", "metrics": {"fps": 3}}}, "s.yaml")
    with pytest.raises(UserError, match=r"^s.yaml: validation: a validation spec describes one design"):
        spec_mod.parse({**base, "space": {"pe_rows": [8, 12]},
                        "validation": {"source": "paper", "metrics": {"power_mw": 3}}}, "s.yaml")
    with pytest.raises(UserError, match=r"^s.yaml: validation.ifmap_zero_fraction.conv1: got 1"):
        spec_mod.parse({**base, "validation": {"source": "p", "metrics": {"power_mw": 3},
                                               "ifmap_zero_fraction": {"conv1": 1}}}, "s.yaml")


def test_unique_rows_groups_identical_rows_without_overflow():
    rng = np.random.default_rng(0)
    cols = [rng.integers(0, 1000, size=5000) for _ in range(8)]  # 1000^8 combinations > 2^63
    cols = [np.concatenate([c, c[:100]]) for c in cols]  # 100 repeated rows
    first, inverse = dataflows.unique_rows(cols)
    stacked = np.stack(cols, axis=1)
    assert len(first) == len(np.unique(stacked, axis=0)) == 5000
    np.testing.assert_array_equal(stacked[first][inverse], stacked)


@settings(max_examples=40, deadline=None)
@given(layers, st.sampled_from(DATAFLOWS), st.sampled_from(actions.BANDWIDTH_COSTS), st.floats(1.1, 8.0))
def test_more_bandwidth_never_slows_a_layer(layer, dataflow, bandwidth, factor):
    """Raising DRAM or GLB bandwidth cannot raise the best latency."""
    column = actions.COST_COLUMNS.index(bandwidth)
    e = fixed_costs()
    counts, legal = reference_counts.compute_counts(layer, geometry(), dataflow)
    tables = mapping.stack_tables([reference_counts.prune(counts, legal)], [float(layer.macs)])
    faster = e.copy()
    faster[0, column] *= factor
    slow, fast = (mapping.search(tables, np.array([0]), x, "latency").latency_cycles[0] for x in (e, faster))
    assert fast <= slow * (1 + 1e-12)


def test_row_stationary_glb_loop_orders_reduce_to_its_two_classes():
    """The 24 GLB-level orders of row stationary's passes (N, OY strips, K passes, C passes): their
    (weight, ifmap) re-fetch factors (``dataflows._refetch``, as at the DRAM level) are all dominated
    by the two the dataflow counts (weights outer: (1, K passes); ifmaps outer: (N x strips, 1))."""
    import itertools

    for n, s, k, c in itertools.product([1, 3], [1, 4], [1, 2, 5], [1, 3]):
        trips = {d: np.array([float(v)]) for d, v in zip("nskc", (n, s, k, c))}
        outcomes = {(float(dataflows._refetch(o, trips, "kc")[0]), float(dataflows._refetch(o, trips, "nsc")[0]))
                    for o in map("".join, itertools.permutations("nskc"))}
        modeled = {(1.0, float(k)), (float(n * s), 1.0)}
        assert modeled <= outcomes
        assert all(any(mw <= w and mi <= i for mw, mi in modeled) for w, i in outcomes), outcomes
