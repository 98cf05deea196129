"""Whole-network evaluation of a batch of design points: the one loop is over layers.

- ``prepare_workload(spec)``: the one place a spec's workload is loaded and its precision applied;
- ``evaluate(d, wl, objective)``: the results table (one row per point), optionally the per-layer one;
- ``search_network``: the same search, keeping what it was computed from (hardware costs, count
  tables, chosen mappings) for callers that re-price the chosen counts (``dse.validation``);
- ``layer_costs(d, layers, follows_pe, objective)``: each layer's energy and latency on each point
  (layers evaluated independently), e.g. one layer at several candidate bit widths (``dse.quant``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

import workloads
from dse import actions, hardware, mapping, units
from dse.design import DesignBatch
from dse.errors import UserError
from dse.hardware import HardwareCosts
from dse.mapping import STALLS
from workloads.layer import Layer, LayerGraph, WorkloadError

# Results columns that split energy_pj into its parts (they sum to it).
ENERGY_PARTS = actions.BREAKDOWN_COLUMNS
DRAM_WORD_BITS = 16  # dram_accesses_per_mac counts 16-bit words, reads + writes (the unit Eyeriss reports,
# Chen et al. JSSC 2017)


@dataclass(frozen=True)
class Workload:
    """A layer graph plus how the sweep treats its precision."""

    graph: LayerGraph
    follow_pe: bool  # policy 'pe': unpinned layers run at the PE's precision
    pinned: frozenset[str]  # layers that keep their own bits whatever the PE
    search: object = None  # policy 'search': a dse.quant.policy.SearchTable (each point chooses bits)
    # decoder workloads: the graph at another context length (the space's kv_len axis); None: fixed
    at_kv_len: Callable[[int], LayerGraph] | None = None

    def follows_pe(self, layer_name: str) -> bool:
        return self.follow_pe and layer_name not in self.pinned


def prepare_workload(spec) -> Workload:
    """The one place a spec's workload is prepared: load the network (zoo or ONNX), apply the spec's
    precision overrides and policy; errors name the spec field."""
    field = "workload.network" if spec.workload.network else "workload.onnx"
    try:
        graph = workloads.load(spec.workload.source, batch=spec.workload.batch, **spec.workload.params)
    except WorkloadError as exc:
        raise UserError(f"{spec.path}: {field}: {exc}") from None
    at_kv_len = None
    if any(v != "model" for v in spec.space_dict["kv_len"]):  # the space's context-length axis
        check_kv_len_axis(spec)
        at_kv_len = functools.partial(_graph_at_kv_len, spec)
        for kv in (v for v in spec.space_dict["kv_len"] if v != "model"):  # each must fit the context
            try:
                at_kv_len(kv)
            except WorkloadError as exc:
                raise UserError(f"{spec.path}: space.kv_len: {exc}") from None
    if not graph.compute_layers():
        raise UserError(f"{spec.path}: {field}: {spec.workload.source!r} has no compute layers")
    try:
        graph = spec.precision.overrides.apply(graph)
    except WorkloadError as exc:
        raise UserError(f"{spec.path}: {exc}") from None
    search = None
    if spec.precision.policy == "search":
        from dse.quant import policy

        search = policy.build(spec, graph)
    return Workload(graph, spec.precision.policy == "pe", spec.precision.overrides.pinned(graph), search,
                    at_kv_len)


def _graph_at_kv_len(spec, kv_len: int) -> LayerGraph:
    """The spec's decoder with its precision overrides at another context length (space.kv_len)."""
    graph = workloads.load(spec.workload.source, batch=spec.workload.batch,
                           **{**spec.workload.params, "kv_len": int(kv_len)})
    return spec.precision.overrides.apply(graph)


def check_kv_len_axis(spec) -> None:
    """space.kv_len needs a decoder network (its KV cache)."""
    from workloads.zoo import DECODERS

    if any(v != "model" for v in spec.space_dict["kv_len"]) and spec.workload.network not in DECODERS:
        raise UserError(f"{spec.path}: space.kv_len: {spec.workload.source!r} has no KV cache; expected a "
                        f"decoder network (one of {list(DECODERS)})")


@dataclass(frozen=True)
class NetworkSearch:
    """A searched batch: its hardware costs, count tables and chosen mappings."""

    hw: HardwareCosts
    costs: np.ndarray  # (P, len(actions.COST_COLUMNS))
    geo: mapping.Geometries
    tables: mapping.LayerTables
    result: mapping.SearchResult

    def chosen_counts(self) -> np.ndarray:
        """(L, P, len(actions.COUNTS)) count vectors of the chosen mappings (per-layer search only)."""
        return mapping.chosen_counts(self.tables, self.geo.index, self.result.layer_choice,
                                     self.result.layer_tiling)


def search_network(d: DesignBatch, layers: list[Layer], follows_pe: Callable[[str], bool], objective: str,
                   per_layer: bool = False, on_layer: Callable[[], None] | None = None) -> NetworkSearch:
    """Best mapping of every layer on every point under ``objective``."""
    hw = hardware.evaluate(d)
    geo = mapping.geometries(d, hw, layers)
    tables = mapping.network_tables(layers, geo, follows_pe, on_layer)  # the only loop over layers
    costs = actions.action_costs(hw)
    return NetworkSearch(hw, costs, geo, tables, mapping.search(tables, geo.index, costs, objective, per_layer))


def layer_costs(d: DesignBatch, layers: list[Layer], follows_pe: Callable[[str], bool],
                objective: str) -> tuple[np.ndarray, np.ndarray]:
    """(energy_pj (L, P), latency_cycles (L, P)) of each layer's best mapping on each point; layers are
    independent, so a list may hold one layer at several bit widths."""
    res = search_network(d, layers, follows_pe, objective, per_layer=True).result
    return res.layer_energy_pj, res.layer_latency_cycles


def evaluate(d: DesignBatch, wl: Workload, objective: str = "edp",
             on_layer: Callable[[], None] | None = None, per_layer: bool = False):
    """Results table (one row per point); with ``per_layer`` also a long per-layer table.

    Points of a decoder workload at several context lengths (``kv_len`` > 0) are evaluated once per
    distinct length, each on its own graph (a loop over a few workloads, not over points)."""
    if wl.search is not None:  # policy search: choose each point's bits, then evaluate them
        from dse.quant.policy import evaluate_search

        return evaluate_search(d, wl, objective, on_layer, per_layer)
    lengths = np.unique(d.kv_len[d.kv_len > 0]) if wl.at_kv_len is not None else ()
    if not len(lengths):
        return _evaluate(d, wl, objective, on_layer, per_layer)
    parts = []
    for kv in np.unique(d.kv_len):
        sel = np.flatnonzero(d.kv_len == kv)
        sub = wl if kv == 0 else replace(wl, graph=wl.at_kv_len(int(kv)))
        parts.append(_evaluate(d.take(sel), sub, objective, on_layer, per_layer))
    order = np.argsort(np.concatenate([np.flatnonzero(d.kv_len == kv) for kv in np.unique(d.kv_len)]),
                       kind="stable")
    if not per_layer:
        return pd.concat(parts, ignore_index=True).iloc[order].reset_index(drop=True)
    table = pd.concat([t for t, _ in parts], ignore_index=True).iloc[order].reset_index(drop=True)
    return table, pd.concat([lay for _, lay in parts], ignore_index=True)


def _evaluate(d: DesignBatch, wl: Workload, objective: str, on_layer, per_layer: bool):
    layers = wl.graph.layers()
    s = search_network(d, layers, wl.follows_pe, objective, per_layer, on_layer)
    hw, res = s.hw, s.result
    total_macs = float(wl.graph.total_macs)
    energy, latency = res.energy_pj, res.latency_cycles
    latency_s = units.cycles_to_s(latency, hw.clock_mhz)
    area = hw.area_mm2
    gops = 2 * total_macs / latency_s / units.OPS_PER_GOP
    table = pd.DataFrame(d.columns())
    table["clock_mhz_effective"] = hw.clock_mhz
    table["energy_pj"] = energy
    table["latency_cycles"] = latency
    table["latency_s"] = latency_s
    table["area_mm2"] = area
    table["edp_pj_s"] = energy * latency_s
    table["perf_gops"] = gops
    table["perf_per_area_gops_per_mm2"] = gops / area
    table["energy_per_mac_pj"] = energy / total_macs
    table["power_mw"] = units.power_mw(energy, latency_s)
    table["utilization"] = res.mac_util / total_macs
    table["compute_cycles"] = res.compute_cycles
    table["compute_bound_fraction"] = res.compute_cycles / latency
    for name, col in zip(STALLS, res.stalls):
        table[name] = col
    counts = dict(zip(actions.COUNT_COLUMNS, res.counts))
    dram = [counts[a.count] for a in actions.COUNTED if a.level == "dram"]
    table["dram_accesses_per_mac"] = sum(dram) / DRAM_WORD_BITS / total_macs
    parts = dict(zip(actions.COUNTED_BREAKDOWN, res.parts_pj))
    # the kernel prices every per-cycle action (leakage, clock network) together; split them
    parts.update(actions.split_per_cycle(res.parts_pj[-1], s.costs))
    # the clock priced inside spad and NoC actions, reported in the clock columns
    parts = actions.report_gated_clock(parts, lambda a: counts[a.count], hw)
    for name in actions.BREAKDOWN_COLUMNS:
        table[name] = parts[name]
    for name, col in counts.items():
        table[name] = col
    for name, col in _level_totals(counts).items():
        table[name] = col
    for part in ("pe", "spad", "noc", "glb"):
        table[f"area_{part}_mm2"] = getattr(hw, f"area_{part}_mm2")
    tokens = wl.graph.tokens_per_step
    if tokens:  # decoder workloads: one step produces batch x seq_len tokens
        table["tokens_per_s"] = tokens / latency_s
        table["energy_pj_per_token"] = energy / tokens
        table["kv_cache_bytes"] = mapping.kv_cache_bytes(layers, d)
        table["kv_resident"] = s.geo.kv_resident_bytes[s.geo.index] > 0
    if not per_layer:
        return table
    rows = []
    for i, layer in enumerate(layers):
        w, a, _, passes = mapping.effective_bits(layer, d.pe_w_bits, d.pe_a_bits, wl.follows_pe(layer.name),
                                                 d.kv_bits)
        rows.append(pd.DataFrame({
            "point_id": d.point_id, "layer": layer.name, "op": layer.op, "macs": layer.macs,
            "w_bits": w.astype(int) if layer.is_compute else 0, "a_bits": a.astype(int),
            "passes": passes.astype(int) if layer.is_compute else 1,
            "energy_pj": res.layer_energy_pj[i], "latency_cycles": res.layer_latency_cycles[i],
            "utilization": res.layer_utilization[i],
        }))
    return table, pd.concat(rows, ignore_index=True)


def _level_totals(counts: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``<level>_<action>_bits`` over operands (e.g. ``dram_read_bits``), for every bit-counted action."""
    out: dict[str, list] = {}
    for a in actions.COUNTED:
        if a.unit == "bits" and a.action:
            out.setdefault(f"{a.level}_{a.action}_bits", []).append(counts[a.count])
    return {name: sum(cols) for name, cols in out.items()}
