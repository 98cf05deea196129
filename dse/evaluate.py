"""Whole-network evaluation of a batch of design points: the one loop is over layers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dse import cost, hardware
from dse.cost import ACCESSES, BREAKDOWN, OBJECTIVE_CODES
from dse.design import DesignBatch
from workloads.layer import LayerGraph


@dataclass(frozen=True)
class Workload:
    """A layer graph plus how the sweep treats its precision."""

    graph: LayerGraph
    follow_pe: bool  # policy 'pe': unpinned layers run at the PE's precision
    pinned: frozenset[str]  # layers that keep their own bits whatever the PE

    def follows_pe(self, layer_name: str) -> bool:
        return self.follow_pe and layer_name not in self.pinned


def evaluate(d: DesignBatch, wl: Workload, objective: str = "edp",
             on_layer: Callable[[], None] | None = None, per_layer: bool = False):
    """Results table (one row per point); with ``per_layer`` also a long per-layer table."""
    hw = hardware.evaluate(d)
    P = len(d)
    energy, latency, compute = np.zeros(P), np.zeros(P), np.zeros(P)
    breakdown, accesses = np.zeros((len(BREAKDOWN), P)), np.zeros((len(ACCESSES), P))
    mac_util = np.zeros(P)
    total_macs = float(wl.graph.total_macs)
    rows = []
    for layer in wl.graph.layers():
        lc = cost.layer_cost(
            layer, hw, d.pe_rows, d.pe_cols, d.spad_ifmap_words, d.spad_filter_words, d.spad_psum_words,
            d.pe_w_bits, d.pe_a_bits, d.glb_bytes, OBJECTIVE_CODES[objective], wl.follows_pe(layer.name),
        )
        energy += lc.energy_pj
        latency += lc.latency_cycles
        compute += lc.compute_cycles
        breakdown += lc.breakdown_pj
        accesses += lc.accesses
        mac_util += lc.utilization * layer.macs
        if per_layer:
            rows.append(pd.DataFrame({
                "point_id": d.point_id, "layer": layer.name, "op": layer.op, "macs": layer.macs,
                "w_bits": lc.w_bits.astype(int), "a_bits": lc.a_bits.astype(int), "passes": lc.passes.astype(int),
                "energy_pj": lc.energy_pj, "latency_cycles": lc.latency_cycles,
                "utilization": lc.utilization,
            }))
        if on_layer:
            on_layer()

    latency_s = latency / (hw.clock_mhz * 1e6)
    area = hw.area_mm2
    gops = 2 * total_macs / latency_s / 1e9
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
    table["utilization"] = mac_util / total_macs
    table["compute_bound_fraction"] = compute / latency
    table["dram_accesses_per_mac"] = accesses[ACCESSES.index("dram_read_bits")] / 16 / total_macs
    for name, col in zip(BREAKDOWN, breakdown):
        table[f"energy_{name}_pj"] = col
    for name, col in zip(ACCESSES, accesses):
        table[name] = col
    for part in ("pe", "spad", "noc", "glb"):
        table[f"area_{part}_mm2"] = getattr(hw, f"area_{part}_mm2")
    if per_layer:
        return table, pd.concat(rows, ignore_index=True)
    return table
