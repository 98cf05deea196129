"""The mapping each layer got: spatial unrolling, tiles per level, loop orders, accesses, energy, cycles.

The search (``dse.mapping.search``) returns, per (point, layer), the chosen row of the layer's pruned
table and the chosen entry of its GLB tiling staircase. The table keeps each row's dataflow candidate
index and bypass mode and each entry's tiling index, so the candidate's description
(``dataflows.candidates``' ``_Array.mapping``), which operands bypass the GLB and the tiling's tile
sizes and DRAM loop order (``dataflows.tiling_space``) follow. Accesses are the chosen count
vector (``dse.actions.COUNT_COLUMNS``), energies are counts x energy per action (``dse.actions``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dse import actions, dataflows, design, hardware, mapping
from dse.network import Workload
from dse.mapping import STALLS
from dse.spec import Spec

LAYERS_FILE = "layers.parquet"  # written by `dse run`: layer_mappings of the Pareto-front designs
DESCRIPTION = ("dataflow", "spatial_rows", "spatial_cols", "pe_tile", "pe_inner_loop", "streamed", "folds",
               "glb_loop_order", "dram_tile", "dram_loop_order", "dram_tiles", "glb_bypass")
INNER = "pe.inner"  # the candidate's PE innermost loop (dataflows.INNER_ORDERS), its own column


def _factors(desc: dict[str, float], where: str) -> str:
    parts = [f"{k.split('.', 1)[1]} {v:g}" for k, v in desc.items() if k.startswith(where + ".") and k != INNER
             and not (where not in ("folds", "stream") and v == 1)]
    return " x ".join(parts) or "-"


def _describe(desc: dict[str, float], tiling: dict[str, float], mode: int, dataflow: str) -> dict[str, object]:
    """Text columns of one chosen mapping: candidate description, GLB tiling (``tiling``: its tile sizes
    and DRAM loop order, or empty where operands stream) and bypass mode."""
    streams = not tiling
    order = "-"
    if not streams:
        order = " > ".join(dataflows.DRAM_ORDERS[int(tiling["order"])]).replace("y", "oy") + " > c"
    glb = {"row_stationary": "weights outer" if desc.get("glb.weights_outer") == 1 else "ifmaps outer",
           "weight_stationary_local": (f"pixel blocks outer ({desc.get('glb.pixel_blocks', 1):g}), psums stay in the PE"
                                       if desc.get("glb.psums_in_pe") == 1 else "weight tiles outer, pixels inner")}
    bypass = [name for name, on in zip(dataflows.BYPASS_OPERANDS, dataflows.BYPASS[mode]) if on]
    return {
        "dataflow": dataflow,
        "spatial_rows": _factors(desc, "rows"), "spatial_cols": _factors(desc, "cols"),
        "pe_tile": _factors(desc, "pe"),
        "pe_inner_loop": (f"{dataflows.INNER_ORDERS[int(desc[INNER])]} held" if INNER in desc
                          else "one-word registers"),
        "streamed": _factors(desc, "stream"), "folds": _factors(desc, "folds"),
        "glb_loop_order": glb.get(dataflow, "-"),
        "dram_tile": "-" if streams else " x ".join(f"{d} {tiling[k]:g}" for d, k in
                                                   (("N", "nt"), ("K", "kt"), ("OY", "yt"), ("C", "ct"))),
        "dram_loop_order": order,
        "glb_bypass": (", ".join(bypass) or "none") + (" (no tile fits the GLB)" if streams else ""),
    }


def _chosen_candidates(layer, geo: mapping.Geometries, follow_pe: bool, tables: mapping.LayerTables, i: int,
                       choice: np.ndarray, tiling: np.ndarray) -> list[dict]:
    """Per point: the text description of layer ``i``'s chosen row ``choice[p]`` (an index into the
    pruned table) and staircase entry ``tiling[p]``: the row's dataflow candidate
    (``LayerTables.row_candidate``), the entry's bypass mode and tiling."""
    space = dataflows.tiling_space(layer)
    g = mapping.layer_geometry(layer, geo, follow_pe)
    out: list[dict] = [{} for _ in range(len(geo.index))]
    for code in np.unique(geo.design.dataflow):
        sel = np.flatnonzero(geo.design.dataflow == code)
        points = np.flatnonzero(np.isin(geo.index, sel))
        rows = tables.offset[i, geo.index[points]] + choice[points]
        arr = dataflows.candidates(layer, dataflows.take(g, geo.index[points]), dataflows.DATAFLOWS[code])
        m = tables.row_candidate[rows]
        pick = lambda v: np.asarray(v, float)[np.arange(len(points)) if v.shape[0] > 1 else 0, m if v.shape[1] > 1 else 0]
        desc = {k: np.broadcast_to(pick(v), points.shape) for k, v in arr.mapping.items()}
        for n, p in enumerate(points):  # text formatting of the few chosen rows
            t = int(tables.stair_tiling[tiling[p]])
            tile = {} if t < 0 else {k: float(space[k][t]) for k in ("nt", "kt", "yt", "ct", "order")}
            out[p] = _describe({k: v[n] for k, v in desc.items()}, tile, int(tables.stair_mode[tiling[p]]),
                               dataflows.DATAFLOWS[code])
    return out


def _stalls(counts: np.ndarray, costs: np.ndarray, latency: np.ndarray) -> dict[str, np.ndarray]:
    """The latency's parts (``dse.mapping``'s closed form): on-chip transfers beyond compute, DRAM beyond
    both, and the double-buffer pipeline fill / drain."""
    col = lambda name: costs[:, actions.COST_COLUMNS.index(name)]
    on = sum(counts[:, actions.CI[a.count]] / col(a.bandwidth) for a in actions.COUNTED if a.stage == actions.ON_CHIP)
    off = sum(counts[:, actions.CI[a.count]] / col(a.bandwidth) for a in actions.COUNTED if a.stage == actions.OFF_CHIP)
    compute = counts[:, actions.CI["compute_cycles"]]
    x = np.maximum(compute, on)
    return dict(zip(STALLS, (x - compute, np.maximum(0.0, off - x), latency - np.maximum(x, off))))


def layer_mappings(spec: Spec, wl: Workload, point_ids, hw: hardware.HardwareCosts | None = None) -> pd.DataFrame:
    """One row per (point, layer) of the given points: the chosen mapping, its accesses per level and
    operand, energy per component, cycles and stalls. ``hw``: the points' costs in place of the models'
    (benchmarks/compare_zigzag.py prices a peer's accelerator with the peer's per-access energies)."""
    ids = np.array(sorted(set(int(i) for i in point_ids)), dtype=np.int64)
    d = design.points(spec, ids)
    hw = hardware.evaluate(d) if hw is None else hw
    layers = wl.graph.layers()
    geo = mapping.geometries(d, hw, layers)  # the network sets where a KV cache stays on chip
    tables = mapping.network_tables(layers, geo, wl.follows_pe)
    costs = actions.action_costs(hw)
    res = mapping.search(tables, geo.index, costs, spec.mapping_objective, per_layer=True)
    chosen = mapping.chosen_counts(tables, geo.index, res.layer_choice, res.layer_tiling)  # (L, P, COUNTS)
    frames = []
    for i, layer in enumerate(layers):
        c = chosen[i]
        lat = res.layer_latency_cycles[i]
        frame = {"point_id": ids, "layer": layer.name, "op": layer.op, "macs": float(layer.macs)}
        if layer.is_compute:
            text = _chosen_candidates(layer, geo, wl.follows_pe(layer.name), tables, i, res.layer_choice[i], res.layer_tiling[i])
            for key in DESCRIPTION:
                if key != "dram_tiles":
                    frame[key] = [t[key] for t in text]
        else:
            frame.update({key: "-" for key in DESCRIPTION})
            frame["dataflow"] = "data movement"
        frame["dram_tiles"] = c[:, actions.CI["tiles"]]
        for name in actions.COUNT_COLUMNS:
            frame[name] = c[:, actions.CI[name]]
        parts = {}
        for a in actions.COUNTED:
            parts[a.breakdown] = parts.get(a.breakdown, 0.0) + c[:, actions.CI[a.count]] * costs[
                :, actions.COST_COLUMNS.index(a.energy)]
        for a in actions.PER_CYCLE:
            parts[a.breakdown] = parts.get(a.breakdown, 0.0) + lat * costs[:, actions.COST_COLUMNS.index(a.energy)]
        parts = actions.report_gated_clock(parts, lambda a: c[:, actions.CI[a.count]], hw)
        frame.update({name: parts[name] for name in actions.BREAKDOWN_COLUMNS})
        frame["energy_pj"] = res.layer_energy_pj[i]
        frame["latency_cycles"] = lat
        frame["compute_cycles"] = c[:, actions.CI["compute_cycles"]]
        frame.update(_stalls(c, costs, lat))
        frame["utilization"] = res.layer_utilization[i]
        frames.append(pd.DataFrame(frame))
    return pd.concat(frames, ignore_index=True)


def _si(x: float) -> str:
    for div, unit in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= div:
            return f"{x / div:.3g}{unit}"
    return f"{x:.3g}"


def format_point(rows: pd.DataFrame) -> str:
    """The text ``dse explain`` prints for one point's rows of ``layer_mappings``."""
    lines = []
    levels: dict[str, list] = {}  # "glb read" -> its actions, in table order
    for a in actions.COUNTED:
        if a.level != "mac":
            levels.setdefault(f"{a.level} {a.action}".strip(), []).append(a)
    energy_cols = actions.BREAKDOWN_COLUMNS
    for r in rows.itertuples(index=False):
        row = r._asdict()
        lines.append(f"{row['layer']} ({row['op']}, {_si(row['macs'])} MAC) - {row['dataflow']}")
        if row["dataflow"] != "data movement":
            lines.append(f"  spatial     rows {row['spatial_rows']} | cols {row['spatial_cols']}"
                         + (f" | streamed {row['streamed']}" if row["streamed"] != "-" else ""))
            lines.append(f"  per PE      {row['pe_tile']}   innermost {row['pe_inner_loop']}   folds {row['folds']}   "
                         f"GLB loops {row['glb_loop_order']}")
            lines.append(f"  GLB tile    {row['dram_tile']} ({row['dram_tiles']:g} tiles), DRAM loops "
                         f"{row['dram_loop_order']}, GLB bypass {row['glb_bypass']}")
        for label, acts in levels.items():
            ops = [(a.operand, row[a.count]) for a in acts if row[a.count]]
            if ops:
                lines.append(f"  {label:<11} " + ", ".join(f"{op} {_si(v)}" for op, v in ops)
                             + f" {acts[0].unit.replace('_', '-')}")
        parts = [(c[len("energy_"):-len("_pj")], row[c]) for c in energy_cols if row[c]]
        lines.append(f"  energy      {_si(row['energy_pj'])} pJ: " + ", ".join(f"{k} {_si(v)}" for k, v in parts))
        lines.append(f"  cycles      {_si(row['latency_cycles'])} (compute {_si(row['compute_cycles'])}, "
                     f"GLB stall {_si(row['stall_glb_cycles'])}, DRAM stall {_si(row['stall_dram_cycles'])}, "
                     f"fill/drain {_si(row['fill_drain_cycles'])}), utilization {row['utilization']:.1%}")
    return "\n".join(lines)
