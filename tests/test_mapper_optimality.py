"""The fast search (pruned candidates, compiled argmin) against an exhaustive mapper over the same mapspace.

``tests/exhaustive_mapper.py`` prices every (candidate, GLB tiling) pair of a (layer, design) with the
search kernel's formulas; the sweep's search must never beat it (it searches a subset) and must find
its optimum on at least 99% of the sampled pairs and be within 1% on the rest (issue 13). Sampled:
layers of five networks on random points of a space over all dataflows, array shapes, scratchpads,
GLB sizes and bandwidths (a full figure over more pairs: benchmarks/mapper_optimality.py).
"""

import numpy as np
import yaml
from exhaustive_mapper import compare

import workloads
from dse import spec as spec_mod

NETWORKS = ("resnet18", "mobilenetv2", "vgg16", "alexnet", "bert_base")
SPACE = """version: 1
name: optimality
workload: {network: resnet18}
space:
  pe_type: [INT4, INT8, INT16]
  pe_rows: [8, 12, 16, 32]
  pe_cols: [8, 14, 32]
  spad_filter_words: [16, 64, 224]
  spad_psum_words: [4, 24]
  glb_kib: [16, 108, 512]
  glb_banks: [1, 4]
  dram_bw_gbps: [1, 25.6]
  clock_mhz: [200, 1000]
  dataflow: [row_stationary, weight_stationary, output_stationary, input_stationary, weight_stationary_local]
mapping: {objective: edp}
"""


def sample(n_pairs: int, seed: int):
    rng = np.random.default_rng(seed)
    layers = [L for net in NETWORKS for L in workloads.load(net).compute_layers()]
    spec = spec_mod.parse(yaml.safe_load(SPACE), "optimality.yaml")
    ids = rng.choice(spec.n_points, size=n_pairs, replace=False)
    picks = rng.choice(len(layers), size=n_pairs, replace=n_pairs > len(layers))
    return spec, ids, [layers[i] for i in picks]


def test_fast_search_finds_the_exhaustive_optimum():
    spec, ids, layers = sample(40, seed=13)
    ratio = compare(spec, ids, layers)
    assert ratio.min() >= 1 - 1e-9, "the fast search beat the exhaustive one: the mapspaces differ"
    missed = [(layers[i].name, int(ids[i]), float(ratio[i])) for i in np.flatnonzero(ratio > 1 + 1e-9)]
    # the search is exact (dominance pruning and bounds that hold for any non-negative costs), so it
    # should be optimal on every pair; issue 13's bounds are asserted, the misses named
    assert len(missed) <= 0.01 * len(ratio), missed
    assert ratio.max() <= 1.01, missed


def test_glb_bypass_is_searched_and_only_ever_helps():
    """With ``glb_bypass: on`` the mapspace holds every mapping of ``off`` and more, so no layer's
    objective is worse; on these layers some operand does skip the GLB (single-use FC weights, a
    systolic OS array's complete outputs), and ``dse explain`` names it."""
    from dse import design, explain, network

    specs = [spec_mod.parse(yaml.safe_load(SPACE.replace("mapping: {objective: edp}",
                                                         f"  glb_bypass: \"{v}\"\nmapping: {{objective: edp}}")),
                            f"bypass_{v}.yaml") for v in ("off", "on")]
    wl = network.prepare_workload(specs[0])
    ids = np.random.default_rng(5).choice(specs[0].n_points, size=12, replace=False)
    res = [network.search_network(design.points(s, ids), wl.graph.layers(), wl.follows_pe, "edp", per_layer=True).result
           for s in specs]
    off, on = (r.layer_energy_pj * r.layer_latency_cycles for r in res)
    assert np.all(on <= off * (1 + 1e-12))
    assert np.any(on < off * (1 - 1e-6))
    spec = specs[1]
    rows = explain.layer_mappings(spec, wl, ids)
    assert (rows["glb_bypass"].str.contains("weights|ifmaps|outputs")).any()
    off = explain.layer_mappings(specs[0], wl, ids)
    assert set(off.loc[off["dataflow"] != "data movement", "glb_bypass"]) <= {"none", "weights, ifmaps (no tile fits the GLB)"}


def test_every_per_pe_tile_size_is_matched_by_a_kept_candidate():
    """The per-PE tile reduction (``dataflows._tile_family``) is exact: every candidate with any integer
    tile size that fits (``every_tile``, what the exhaustive mapper enumerates) is matched, term by term
    (counts, array reads with and without multicast, spilled partial sums), by a candidate the search
    keeps; and the kept tiles are not only powers of two."""
    from dse import dataflows

    rng = np.random.default_rng(3)
    layers = [L for net in NETWORKS for L in workloads.load(net).compute_layers()][::7]
    non_pow2 = 0
    for L in layers:
        rows, cols, fw, iw, pw, bits, pe_bits = (rng.choice(x) for x in (
            [3, 8, 12, 16, 32], [5, 8, 14, 32], [16, 64, 224], [4, 12, 24], [1, 4, 16, 24], [4, 8], [8, 16]))
        f = lambda x: np.full((1, 1), float(x))
        g = dataflows.Geometry(**{**vars(dataflows.single_geometry(rows, cols, bits=bits)), "pe_w_bits": f(pe_bits),
                                  "pe_a_bits": f(pe_bits), "spad_filter_words": f(fw), "spad_ifmap_words": f(iw),
                                  "spad_psum_words": f(pw)})
        for name, tiles in (("row_stationary", ("pe.K", "pe.C")), ("weight_stationary_local", ("pe.K", "pe.C_folds"))):
            kept, every = dataflows.candidates(L, g, name), dataflows.candidates(L, g, name, every_tile=True)

            def coords(a):
                t = [np.broadcast_to(getattr(a, n), a.legal.shape)[0] for n in dataflows.TERMS]
                t += [t[1] * t[4], t[2] * t[5]]  # GLB reads without multicast
                return np.stack(t, axis=1)[a.legal[0]]

            ck = coords(kept)
            for x in coords(every):
                assert np.all(ck <= x * (1 + 1e-12), axis=1).any(), (L.name, name, x)
            sizes = np.concatenate([np.broadcast_to(kept.mapping[t], kept.legal.shape)[kept.legal] for t in tiles])
            non_pow2 += int(np.any(np.log2(sizes) % 1 != 0))
    assert non_pow2 > 0


def test_every_glb_tile_size_is_matched_by_a_tiling_in_the_space():
    """The GLB tile sizes (``dataflows.tile_sizes``: ceil(bound / j)) lose nothing: every tiling with
    any integer tile sizes is matched by one of the space in everything the search reads of a tiling
    (DRAM fetches, GLB elements held, tiles, one channel tile; ``prune.tiling_skyline``'s coordinates),
    on small convolutions with halo, stride 2, a 1x1 stride-2 downsample and groups."""
    from dse import dataflows
    from workloads.layer import Layer

    def coords(t):
        return np.stack([t["w_fetch"], t["i_fetch"], 1.0 / t["tiles"], t["w_need"], t["i_need"], t["p_need"],
                         1.0 - t["one_c"]], axis=1)

    for kw in ({"k": 10, "c": 6, "oy": 7, "fy": 3}, {"k": 9, "c": 5, "oy": 6, "fy": 3, "stride": 2},
               {"k": 12, "c": 6, "oy": 5, "fy": 1, "stride": 2}, {"k": 12, "c": 8, "oy": 6, "fy": 3, "groups": 4}):
        stride, fy, oy = kw.get("stride", 1), kw["fy"], kw["oy"]
        L = Layer(name="t", op="conv", n=2, k=kw["k"], c=kw["c"], oy=oy, ox=oy, fy=fy, fx=fy, stride_y=stride,
                  stride_x=stride, groups=kw.get("groups", 1))
        space = coords(dataflows.tiling_space(L))
        every = coords(dataflows.tilings_of(dataflows.layer_shape(L), lambda b: np.arange(1.0, b + 1)))
        assert len(every) > len(space)
        for chunk in np.array_split(every, 8):
            assert np.all(space[None, :, :] <= chunk[:, None, :] * (1 + 1e-12), axis=2).any(axis=1).all(), kw
