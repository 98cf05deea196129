"""A slow exhaustive mapper over the same mapspace as the sweep's search (tests and benchmarks only).

The mapspace of a (layer, design point): every legal candidate of the point's dataflow (spatial
unrolling x per-PE tile x GLB loop order, ``dse.dataflows.candidates``) crossed with every GLB tiling
that fits (tile sizes from all divisors and halvings x DRAM loop orders, ``dataflows.dram_tilings``).
Each pair's count vector is written out by name (``reference_counts.compute_counts`` with that
tiling's DRAM traffic and tile count) and priced with the search kernel's own formulas
(``dse.mapping.price``); nothing is pruned. The sweep's fast search (``dse.mapping``) prunes
candidates by dominance and takes the least-traffic GLB tiling; ``compare`` reports how often its
choice is the exhaustive optimum under the mapping objective.
"""

from __future__ import annotations

import numpy as np
import reference_counts

from dse import actions, dataflows, design, hardware, mapping
from dse.actions import CI


def _score(energy: np.ndarray, latency: np.ndarray, objective: str) -> np.ndarray:
    return {"energy": energy, "latency": latency, "edp": energy * latency}[objective]


def exhaustive(layer, g: dataflows.Geometry, dataflow: str, costs: np.ndarray, objective: str) -> float:
    """The least objective over every (candidate, GLB tiling) pair of one geometry (``g``, G = 1)."""
    counts, legal = reference_counts.compute_counts(layer, g, dataflow)
    cand = counts[0][legal[0]]  # (M, COUNTS), each with the least-traffic tiling
    t = dataflows.dram_tilings(layer, g)
    fits = t["fits"][0]
    w_streams = dataflows.dram_tiling(layer, g)["w_streams"][0, 0] == 1
    best = np.inf
    for c in cand:
        rows = c[None, :].repeat(max(1, int(fits.sum())), axis=0)
        if fits.any():  # otherwise operands stream past the GLB: the one row as counted
            w, i = t["w_bits"][0][fits], t["i_bits"][0][fits]
            # array reads of the weight-side operand (bits): GLB reads, or DRAM reads where the
            # reference already sent a single-use operand past the GLB
            w_rd = c[CI["glb_read_weight_bits"]] or c[CI["dram_read_weight_bits"]]
            past = w_streams & (w_rd <= w)  # as dataflows.dram_tiling's w_streams, for this tiling
            for name, value in (("dram_read_weight_bits", np.where(past, w_rd, w)),
                                ("glb_write_weight_bits", np.where(past, 0.0, w)),
                                ("glb_read_weight_bits", np.where(past, 0.0, w_rd)),
                                ("dram_read_ifmap_bits", i), ("glb_write_ifmap_bits", i),
                                ("tiles", t["tiles"][0][fits])):
                rows[:, CI[name]] = value
        energy, latency = mapping.price(rows, costs)
        best = min(best, float(_score(energy.sum(axis=1), latency, objective).min()))
    return best


def fast(layer, geo: mapping.Geometries, p: int, costs: np.ndarray, objective: str) -> float:
    """The sweep's choice for point ``p`` of ``geo`` (pruned table, compiled search), as test_des does."""
    one = mapping.Geometries(geo.design, geo.hw, geo.index[p:p + 1])
    tables = mapping.stack_tables([mapping.layer_table(layer, one, False)], [float(layer.macs)])
    res = mapping.search(tables, one.index, costs[p:p + 1], objective, per_layer=True)
    return float(_score(res.layer_energy_pj[0, 0], res.layer_latency_cycles[0, 0], objective))


def compare(spec, point_ids: np.ndarray, layers: list) -> np.ndarray:
    """(fast / exhaustive objective) per (point, layer) pair, one layer per point."""
    d = design.points(spec, np.asarray(point_ids))
    hw = hardware.evaluate(d)
    geo = mapping.geometries(d, hw)
    costs = actions.action_costs(hw)
    out = []
    for p, layer in enumerate(layers):
        g_all = mapping.layer_geometry(layer, geo, False)
        gi = geo.index[p]
        g = dataflows.Geometry(**{k: v[gi:gi + 1] for k, v in vars(g_all).items()})
        df = dataflows.DATAFLOWS[geo.design.dataflow[gi]]
        ex = exhaustive(layer, g, df, costs[p:p + 1], spec.mapping_objective)
        out.append(fast(layer, geo, p, costs, spec.mapping_objective) / ex)
    return np.array(out)
