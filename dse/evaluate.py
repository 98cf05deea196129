"""Whole-network evaluation of a batch of design points: the one loop is over layers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from dse import cost, hardware, mapping, units
from dse.design import DesignBatch
from dse.mapping import ACCESSES, BREAKDOWN, STALLS
from workloads.layer import LayerGraph

# Results columns that split energy_pj into its parts (they sum to it).
ENERGY_PARTS = tuple(f"energy_{name}_pj" for name in BREAKDOWN) + ("energy_clock_pj",)


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
    geo = cost.geometries(d, hw)
    layers = wl.graph.layers()
    tables = cost.network_tables(layers, geo, wl.follows_pe, on_layer)  # the only loop over layers
    res = mapping.search(tables, geo.index, cost.action_costs(hw), objective, per_layer)
    total_macs = float(wl.graph.total_macs)
    energy, latency, accesses = res.energy_pj, res.latency_cycles, res.accesses
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
    acc = dict(zip(ACCESSES, accesses))
    dram_read = acc["dram_read_weight_bits"] + acc["dram_read_ifmap_bits"]
    # 16-bit words, reads + writes (the unit Eyeriss reports, Chen et al. JSSC 2017)
    table["dram_accesses_per_mac"] = (dram_read + acc["dram_write_psum_bits"]) / 16 / total_macs
    for name, col in zip(BREAKDOWN, res.breakdown_pj):
        table[f"energy_{name}_pj"] = col
    # The kernel prices leakage and the clock network together per cycle of latency; split them.
    leak, clk = cost.leakage_pj_per_cycle(hw), hw.clock_pj_per_cycle
    every_cycle = table["energy_leakage_pj"].to_numpy()
    table["energy_leakage_pj"] = every_cycle * leak / (leak + clk)
    table["energy_clock_pj"] = every_cycle * clk / (leak + clk)
    for name, col in acc.items():
        table[name] = col
    table["dram_read_bits"] = dram_read
    table["dram_write_bits"] = acc["dram_write_psum_bits"]
    table["glb_read_bits"] = sum(acc[f"glb_read_{op}_bits"] for op in ("weight", "ifmap", "psum"))
    table["glb_write_bits"] = sum(acc[f"glb_write_{op}_bits"] for op in ("weight", "ifmap", "psum"))
    for part in ("pe", "spad", "noc", "glb"):
        table[f"area_{part}_mm2"] = getattr(hw, f"area_{part}_mm2")
    if not per_layer:
        return table
    rows = []
    for i, layer in enumerate(layers):
        w, a, _, passes = cost.effective_bits(layer, d.pe_w_bits, d.pe_a_bits, wl.follows_pe(layer.name))
        rows.append(pd.DataFrame({
            "point_id": d.point_id, "layer": layer.name, "op": layer.op, "macs": layer.macs,
            "w_bits": w.astype(int) if layer.is_compute else 0, "a_bits": a.astype(int),
            "passes": passes.astype(int) if layer.is_compute else 1,
            "energy_pj": res.layer_energy_pj[i], "latency_cycles": res.layer_latency_cycles[i],
            "utilization": res.layer_utilization[i],
        }))
    return table, pd.concat(rows, ignore_index=True)
