"""A slow exhaustive mapper over the same mapspace as the sweep's search (tests and benchmarks only).

The mapspace of a (layer, design point): every legal candidate of the point's dataflow (spatial
unrolling x per-PE tile x GLB loop order, with every integer per-PE tile size that fits the
scratchpads: ``dse.dataflows`` with ``every_tile``, where the sweep starts from the set that
``dataflows._tile_family`` reduces it to) in every GLB bypass mode
(``dataflows.BYPASS``: weights, ifmaps and outputs each through the GLB or past it) crossed with every
GLB tiling that fits that mode (tile sizes ceil(bound / j) for every tile count j, which match every
integer size: tests/test_mapper_optimality.py; x DRAM loop orders,
``dataflows.dram_tilings``). Each triple's count vector is written out by name
(``reference_counts.base_counts`` + ``reference_counts.with_tiling``) and priced with the search
kernel's own formulas (``dse.mapping.price``). Nothing is pruned: tilings with identical (DRAM reads,
tiles) give identical count vectors, so each such group is priced once. The sweep's fast search
(``dse.mapping``) prunes by dominance and bounds; ``compare`` reports how often its choice is the
exhaustive optimum under the mapping objective.
"""

from __future__ import annotations

import numpy as np
import reference_counts

from dse import actions, dataflows, design, hardware, mapping


def _score(energy: np.ndarray, latency: np.ndarray, objective: str) -> np.ndarray:
    return {"energy": energy, "latency": latency, "edp": energy * latency}[objective]


def exhaustive(layer, g: dataflows.Geometry, dataflow: str, costs: np.ndarray, objective: str) -> float:
    """The least objective over every (candidate, bypass mode, GLB tiling) of one geometry (G = 1)."""
    base, legal = reference_counts.base_counts(layer, g, dataflow, every_tile=True)
    tilings = reference_counts.tilings(layer, g, reduce=False)[0]
    best = np.inf
    for mode in range(len(dataflows.BYPASS)):
        rows = tilings[mode]
        if not len(rows) or not legal[0, :, mode].any():
            continue
        rows = np.unique(rows[:, :3], axis=0)  # identical count vectors: one price each
        cands = base[0, legal[0, :, mode], mode]
        step = max(1, 400_000 // len(rows))  # candidates per batch of count vectors
        for j in range(0, len(cands), step):
            counts = reference_counts.with_tiling(cands[j:j + step, None, :], rows[None, :, :])
            energy, latency = mapping.price(counts.reshape(-1, counts.shape[-1]), costs)
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
        g = dataflows.take(g_all, np.array([gi]))
        df = dataflows.DATAFLOWS[geo.design.dataflow[gi]]
        ex = exhaustive(layer, g, df, costs[p:p + 1], spec.mapping_objective)
        out.append(fast(layer, geo, p, costs, spec.mapping_objective) / ex)
    return np.array(out)
