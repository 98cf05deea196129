"""The analytical latency agrees with a discrete-event simulation of the same mapping (tolerance 10%)."""

import numpy as np
import pytest

import workloads
from dse import actions, des, design, hardware, mapping
from dse import spec as spec_mod
from dse.actions import CI

TOLERANCE = 0.10  # issue 7: analytical latency within 10% of the simulated one

SPACE = """version: 1
name: des
workload: {network: resnet18}
space:
  pe_type: [INT4, INT8, INT16]
  pe_rows: [8, 12, 16, 32]
  pe_cols: [8, 14, 32]
  spad_filter_words: [64, 224]
  glb_kib: [32, 108, 512]
  glb_banks: [1, 4]
  dram_bw_gbps: [1, 4, 25.6]
  clock_mhz: [200, 1000]
  dataflow: [row_stationary, weight_stationary, output_stationary, input_stationary, weight_stationary_local]
mapping: {objective: edp}
"""


def random_pairs(n_pairs: int, seed: int = 11):
    rng = np.random.default_rng(seed)
    nets = [workloads.load(name) for name in ("resnet18", "mobilenetv2", "vgg16", "alexnet")]
    layers = [L for g in nets for L in g.compute_layers()]
    spec = spec_mod.parse(__import__("yaml").safe_load(SPACE), "des.yaml")
    ids = rng.choice(spec.n_points, size=n_pairs, replace=False)
    picks = rng.choice(len(layers), size=n_pairs, replace=False)
    return spec, ids, [layers[i] for i in picks]


def analytic_and_simulated(spec, ids, layers):
    d = design.points(spec, ids)
    hw = hardware.evaluate(d)
    geo = mapping.geometries(d, hw)
    e = actions.action_costs(hw)
    out = []
    for p, layer in enumerate(layers):  # one layer per design point
        one = mapping.Geometries(geo.design, geo.hw, geo.index[p:p + 1])
        tables = mapping.stack_tables([mapping.layer_table(layer, one, False)], [float(layer.macs)])
        res = mapping.search(tables, one.index, e[p:p + 1], spec.mapping_objective, per_layer=True)
        counts = mapping.chosen_counts(tables, one.index, res.layer_choice, res.layer_tiling)[0, 0]
        out.append((res.layer_latency_cycles[0, 0], des.simulate(des.tile_work(counts, e[p])), counts))
    return out


def test_analytical_latency_matches_simulation():
    spec, ids, layers = random_pairs(40)
    results = analytic_and_simulated(spec, ids, layers)
    rel = np.array([abs(a - s) / s for a, s, _ in results])
    worst = int(np.argmax(rel))
    assert rel.max() <= TOLERANCE, (f"worst pair: layer {layers[worst].name}, point {ids[worst]}: "
                                    f"analytic {results[worst][0]:.4g} vs simulated {results[worst][1]:.4g}")
    # the set must exercise both regimes, or the check says little
    ratio = np.array([a / c[CI["compute_cycles"]] for a, _, c in results])
    assert (ratio < 1.1).sum() >= 5 and (ratio > 1.5).sum() >= 5, ratio


def test_simulation_sees_bandwidth_limits():
    """Halving the DRAM bandwidth of a DRAM-bound tile schedule doubles the simulated time."""
    w = des.TileWork(tiles=8, compute_cycles=100.0, dram_read_bits=64_000.0, dram_write_bits=0.0,
                     glb_fill_bits=64_000.0, glb_array_read_bits=0.0, glb_array_write_bits=0.0,
                     dram_bits_per_cycle=64.0, glb_read_bits_per_cycle=1e6, glb_write_bits_per_cycle=1e6)
    t1 = des.simulate(w)
    t2 = des.simulate(des.TileWork(**{**vars(w), "dram_bits_per_cycle": 32.0}))
    assert t1 == pytest.approx(8 * 1000 + 100, rel=1e-4)  # loads back to back, last compute exposed
    assert t2 == pytest.approx(8 * 2000 + 100, rel=1e-4)
