"""Our cost model next to ZigZag (KU Leuven, PyPI ``zigzag-dse`` 3.9.1) on one hardware description.

    python benchmarks/compare_zigzag.py [--zigzag-python PATH] [--write-reference]

One description (``DESIGN`` below: a weight-stationary 16 x 16 INT8 array, per-PE scratchpads, a
GLB and DRAM) is evaluated by our model, and the same description, with our per-access energies,
memory sizes and bandwidths, is written as ZigZag accelerator / mapping / workload YAML into a
temporary folder and run by ZigZag (LOMA temporal mapping search, EDP objective, as ours) in its
own venv, for ResNet-18's conv and fc layers at 8-bit weights and activations. Printed per layer:
both energies and latencies; then totals and wall time per design point for both.

Matched on purpose: both models get the same fixed per-action energies and bandwidths
(``FIXED_COSTS``); ZigZag has no interconnect or leakage model, so both are zero on our side
here too (also inside our mapping objective); ZigZag charges one MAC energy whatever the operand
width, and so does ours here (INT8 layers on an INT8 PE).
ZigZag is optional: it is not a dependency of dse. Install it apart, e.g.
``python3 -m venv /work/peers/zigzag && /work/peers/zigzag/bin/pip install zigzag-dse==3.9.1 six``, and
point ``--zigzag-python`` or the ``ZIGZAG_PYTHON`` environment variable at its interpreter (else the
first interpreter on PATH that imports ``zigzag`` is used: ``zigzag_python``).
``--write-reference`` stores ZigZag's per-layer figures in tests/data/zigzag_resnet18.csv.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

import workloads
from dse import actions, dataflows, design, explain, hardware, mapping
from dse import spec as spec_mod
from dse.network import Workload, evaluate
from workloads.layer import LayerGraph

REFERENCE = Path(__file__).resolve().parents[1] / "tests" / "data" / "zigzag_resnet18.csv"
ZIGZAG_LPF_LIMIT = 6  # ZigZag's default loop-prime-factor limit for LOMA
DESIGN = {
    "version": 1, "name": "zigzag_match", "workload": {"network": "resnet18"},
    "precision": {"policy": "model", "default": {"w": 8, "a": 8}},
    "space": {
        "pe_type": "INT8", "pe_rows": 16, "pe_cols": 16, "spad_ifmap_words": 12, "spad_filter_words": 224,
        "spad_psum_words": 24, "glb_kib": 128, "glb_tech": "SRAM", "glb_banks": 4, "dram_type": "LPDDR4",
        "dram_bw_gbps": 3.2, "clock_mhz": 200, "node_nm": 45, "dataflow": "weight_stationary_local",
        "noc_multicast": "on", "noc_pj_per_bit_mm": 1e-9,  # ZigZag has no interconnect energy
        "glb_bypass": "off",  # every operand through the GLB, as the matched ZigZag hierarchies serve them
        # ZigZag 3.9.1's hierarchies have no operand register below their register files: the MAC reads its
        # operands from them every cycle, so our PE holds none either (dse.dataflows.INNER_ORDERS)
        "pe_inner_order": "none",
    },
    "mapping": {"objective": "edp"},
}


# Per-action costs of the compared design, fixed here (rounded from dse's models for DESIGN at 45 nm on
# 2026-11-23) so the stored ZigZag reference stays valid while pe_models / memory_models evolve.
FIXED_COSTS = {
    # the stored ZigZag run priced a register-file read and write alike (r_cost = w_cost), so do we here
    "mac_energy_pj": 0.438, "spad_filter_read_pj": 0.360, "spad_filter_write_pj": 0.360, "spad_ifmap_read_pj": 0.216,
    "spad_ifmap_write_pj": 0.216, "spad_psum_read_pj": 0.751, "spad_psum_write_pj": 0.751,
    "glb_read_pj_per_bit": 0.339, "glb_write_pj_per_bit": 0.338, "dram_pj_per_bit": 8.0,
    "glb_read_bits_per_cycle": 256.0, "glb_write_bits_per_cycle": 256.0,  # 4 banks x 64 bits, one access per cycle
    "dram_bytes_per_cycle": 16.0,  # 3.2 GB/s at 200 MHz
    "clock_mhz": 200.0,
    "leakage_mw": 0.0, "noc_pj_per_bit_hop": 0.0,  # ZigZag models neither leakage nor interconnect energy
    "clock_pj_per_mac": 0.0,  # nor a clock network (its per-cycle part is subtracted in our_layers)
}


# the fixed per-access energies replace ours whole: none of them carries a clock part (dse.actions Action.clock)
_NO_CLOCK_PARTS = {a.clock: 0.0 for a in actions.COUNTED if a.clock}


def fixed_hardware(spec: spec_mod.Spec) -> hardware.HardwareCosts:
    hw = hardware.evaluate(design.batch(spec))
    return dataclasses.replace(hw, **{k: np.full(1, v) for k, v in {**_NO_CLOCK_PARTS, **FIXED_COSTS}.items()})


def _compute_layers(spec: spec_mod.Spec):
    return spec.precision.overrides.apply(workloads.load("resnet18")).compute_layers()


def our_timing(spec: spec_mod.Spec) -> tuple[float, float]:
    """(seconds for the one design point alone, seconds per point inside a batch of 20,000)."""
    wl = Workload(LayerGraph.from_layers("resnet18_compute", _compute_layers(spec)), False, frozenset())
    d = design.batch(spec)
    evaluate(d, wl, spec.mapping_objective)  # warm-up (numba)
    t0 = time.perf_counter()
    evaluate(d, wl, spec.mapping_objective)
    single_s = time.perf_counter() - t0
    n_batch = 20_000  # the same point repeated: per-point cost inside a batch, as a sweep sees it
    many = design.points(spec, np.zeros(n_batch, dtype=np.int64))
    t0 = time.perf_counter()
    evaluate(many, wl, spec.mapping_objective)
    return single_s, (time.perf_counter() - t0) / n_batch


def our_layers(spec: spec_mod.Spec) -> pd.DataFrame:
    """Per compute layer: our energy without leakage (ZigZag has none) and latency."""
    layers = _compute_layers(spec)
    d = design.batch(spec)
    hw = fixed_hardware(spec)
    geo = mapping.geometries(d, hw)
    tables = mapping.network_tables(layers, geo, lambda name: False)  # layers keep their 8-bit widths
    e = actions.action_costs(hw)
    res = mapping.search(tables, geo.index, e, spec.mapping_objective, per_layer=True)
    every_cycle = sum(e[0, actions.COST_COLUMNS.index(a.energy)] for a in actions.PER_CYCLE)  # leakage + clock
    leak = res.layer_latency_cycles[:, 0] * every_cycle
    df = pd.DataFrame({"layer": [L.name for L in layers], "macs": [L.macs for L in layers],
                       "ours_energy_pj": res.layer_energy_pj[:, 0] - leak,
                       "ours_latency_cycles": res.layer_latency_cycles[:, 0]})
    return df


def _ports(bw_min: int, bw_max: int, reads: list[str], writes: list[str]) -> list[dict]:
    return [
        {"name": "r_port_1", "type": "read", "bandwidth_min": bw_min, "bandwidth_max": bw_max, "allocation": reads},
        {"name": "w_port_1", "type": "write", "bandwidth_min": bw_min, "bandwidth_max": bw_max, "allocation": writes},
    ]


def zigzag_inputs(spec: spec_mod.Spec) -> tuple[dict, list, list]:
    """(accelerator, mapping, workload) in ZigZag 3.9's YAML schema, from our description and costs."""
    d = design.batch(spec)
    hw = fixed_hardware(spec)
    s = spec.space_dict
    rows, cols = s["pe_rows"][0], s["pe_cols"][0]
    w_bits, a_bits, acc = int(d.pe_w_bits[0]), int(d.pe_a_bits[0]), int(hw.acc_bits[0])
    glb_bw = int(hw.glb_read_bits_per_cycle[0])
    dram_bw = round(float(hw.dram_bytes_per_cycle[0]) * 8)
    glb_word = hardware.GLB_BANK_WORD_BITS

    def rf(words: int, bits: int, r_pj: float, w_pj: float, operand: str, psum: bool = False) -> dict:
        reads = [f"{operand}, tl"] + ([f"{operand}, th"] if psum else [])
        writes = [f"{operand}, fh"] + ([f"{operand}, fl"] if psum else [])
        return {"size": words * bits, "r_cost": r_pj, "w_cost": w_pj, "area": 0, "latency": 1, "operands": [operand],
                "ports": _ports(bits, bits, reads, writes), "served_dimensions": []}

    def shared(size_bits: int, r_pj: float, w_pj: float, bw_min: int, bw_max: int) -> dict:
        """A memory holding all three operands behind one read/write port (GLB, DRAM)."""
        port = {"name": "rw_port_1", "type": "read_write", "bandwidth_min": bw_min, "bandwidth_max": bw_max,
                "allocation": ["I1, fh", "I1, tl", "I2, fh", "I2, tl", "O, fh", "O, tl", "O, fl", "O, th"]}
        return {"size": size_bits, "r_cost": r_pj, "w_cost": w_pj, "area": 0, "latency": 1,
                "operands": ["I1", "I2", "O"], "ports": [port], "served_dimensions": ["D1", "D2"]}

    memories = {
        "rf_w": rf(s["spad_filter_words"][0], w_bits, float(hw.spad_filter_read_pj[0]),
                   float(hw.spad_filter_write_pj[0]), "I2"),
        "rf_i": rf(s["spad_ifmap_words"][0], a_bits, float(hw.spad_ifmap_read_pj[0]), float(hw.spad_ifmap_write_pj[0]),
                   "I1"),
        "rf_o": rf(s["spad_psum_words"][0], acc, float(hw.spad_psum_read_pj[0]), float(hw.spad_psum_write_pj[0]), "O",
                   psum=True),
        # one port per bank, reads and writes share it (as dse.mapping charges GLB cycles)
        "glb": shared(int(d.glb_bytes[0]) * 8, float(hw.glb_read_pj_per_bit[0]) * glb_word,
                      float(hw.glb_write_pj_per_bit[0]) * glb_word, glb_word, glb_bw),
        "dram": shared(10**10, float(hw.dram_pj_per_bit[0]) * dram_bw, float(hw.dram_pj_per_bit[0]) * dram_bw,
                       dram_bw, dram_bw),
    }
    accelerator = {"name": "dse_weight_stationary", "memories": memories,
                   "operational_array": {"unit_energy": float(hw.mac_energy_pj[0]), "unit_area": 1,
                                         "dimensions": ["D1", "D2"], "sizes": [cols, rows]}}
    # weight stationary: columns <- output channels K, rows <- input channels C (dse.dataflows)
    links = {"O": "O", "W": "I2", "I": "I1"}
    mapping_yaml = [{"name": "default", "spatial_mapping": {"D1": [f"K, {cols}"], "D2": [f"C, {rows}"]},
                     "memory_operand_links": links}]
    graph = spec.precision.overrides.apply(workloads.load("resnet18"))
    for L in graph.compute_layers():
        if L.c_per_group < rows:  # our rows take channels x taps (im2col); ZigZag's closest: mix C and FX on D2
            fx = min(L.fx, rows // L.c_per_group)
            mapping_yaml.append({"name": L.name, "spatial_mapping": {
                "D1": [f"K, {cols}"], "D2": [f"C, {L.c_per_group}", f"FX, {fx}"]}, "memory_operand_links": links})
    layers = []
    for i, L in enumerate(graph.compute_layers()):
        pad_y = max(0, (L.oy - 1) * L.stride_y + L.fy - L.input_y)
        pad_x = max(0, (L.ox - 1) * L.stride_x + L.fx - L.input_x)
        layers.append({
            "id": i, "name": L.name, "operator_type": "Conv",
            "equation": "O[b][k][oy][ox]+=W[k][c][fy][fx]*I[b][c][iy][ix]",
            "dimension_relations": [f"ix={L.stride_x}*ox+1*fx", f"iy={L.stride_y}*oy+1*fy"],
            "loop_dims": ["B", "K", "C", "OY", "OX", "FY", "FX"],
            "loop_sizes": [L.n, L.k, L.c_per_group, L.oy, L.ox, L.fy, L.fx],
            "operand_precision": {"W": L.w_bits, "I": L.a_bits, "O": acc, "O_final": L.o_bits},
            "operand_source": {"I": i},
            "pr_loop_dims": ["IX", "IY"], "pr_loop_sizes": [L.input_x, L.input_y],
            "padding": [[pad_x // 2, pad_x - pad_x // 2], [pad_y // 2, pad_y - pad_y // 2]],
        })
    return accelerator, mapping_yaml, layers


# --- ZigZag's shipped accelerators (zigzag-dse 3.9.1, zigzag/inputs/hardware/*.yaml) and our equivalents ---
# ZigZag charges r_cost / w_cost per access of up to a port's bandwidth_max bits (its word_accesses
# output: layer1.0.conv1 on tpu_like reads 14,112 SRAM words of 2,048 bits for 6.17 uJ); ours are pJ
# per bit, so each is divided by bandwidth_max (the accesses of a full array row are that wide). ZigZag has no leakage or interconnect energy: both are zero here.
@dataclasses.dataclass(frozen=True)
class Accelerator:
    """One of ZigZag's shipped accelerators and the dse design that models it."""

    zigzag_hardware: str  # file stem in zigzag/inputs/hardware
    zigzag_mapping: str | None  # file stem in zigzag/inputs/mapping (None: only ``extra_mapping``)
    psum_bits: int  # ZigZag's partial-sum precision (what the output register file holds)
    space: dict  # our design
    costs: dict  # our per-action costs, from the ZigZag YAML
    differs: str  # what the two descriptions do not share
    extra_mapping: tuple = ()  # mapping entries added to (and overriding) ZigZag's file
    # ZigZag ships no mapping: each layer gets the spatial unrolling our dataflow chose (``our_spatial``),
    # so both tools price one spatial mapping and differ only in temporal mapping and memory model
    spatial_from_ours: bool = False


_LINKS = {"O": "O", "W": "I2", "I": "I1"}
# ZigZag ships no mapping for eyeriss_like: row stationary's columns <- output rows, rows <- filter rows
# x 4 channels; each layer then gets our row_stationary's choice (Accelerator.spatial_from_ours)
ZZ_EYERISS_MAPPING = ({"name": "default", "spatial_mapping": {"D1": ["OY, 14"], "D2": ["FY, 3", "C, 4"]},
                       "memory_operand_links": _LINKS},)
# conv1 has 3 input channels: unroll C x FX on the rows as our weight_stationary_local's im2col does
ZZ_TPU_CONV1 = ({"name": "conv1", "spatial_mapping": {"D1": ["K, 32"], "D2": ["C, 3", "FX, 7"]},
                 "memory_operand_links": _LINKS},)
# edge_tpu_like's shipped default puts C 8 on D2, where conv1 has 3 channels (3 / 8 of the array busy, a
# 326k-cycle layer): its filter columns FX 7 fill 7 / 8 instead, as our im2col fills our rows
ZZ_EDGE_CONV1 = ({"name": "conv1", "spatial_mapping": {"D1": ["K, 8"], "D2": ["FX, 7"], "D3": ["OX, 4"], "D4": ["OY, 4"]},
                  "memory_operand_links": _LINKS},)
_NO_EXTRAS = {"leakage_mw": 0.0}


def _spad(filter_r: float, filter_w: float, ifmap_r: float, ifmap_w: float, psum_r: float, psum_w: float) -> dict:
    """Scratchpad read / write energies (pJ per word) as ``HardwareCosts`` fields."""
    return {"spad_filter_read_pj": filter_r, "spad_filter_write_pj": filter_w, "spad_ifmap_read_pj": ifmap_r,
            "spad_ifmap_write_pj": ifmap_w, "spad_psum_read_pj": psum_r, "spad_psum_write_pj": psum_w}
ACCELERATORS = {
    # 32 x 32 MACs (K x C), per-PE 128 B weight RF and 2 B psum RF, a 2 MB SRAM for inputs and outputs
    # (weights bypass it, DRAM -> RF), DRAM 64 bits / cycle
    "tpu_like": Accelerator(
        "tpu_like", "tpu_like", 16,
        {"pe_type": "INT8", "pe_rows": 32, "pe_cols": 32, "spad_ifmap_words": 1, "spad_filter_words": 128,
         "spad_psum_words": 1, "glb_kib": 2048, "dataflow": "weight_stationary_local"},
        {"mac_energy_pj": 0.04, **_spad(0.095, 0.095, 0.0, 0.0, 0.021, 0.021),
         "glb_read_pj_per_bit": 416.16 / 2048, "glb_write_pj_per_bit": 378.4 / 2048, "dram_pj_per_bit": 700 / 64,
         "glb_read_bits_per_cycle": 2048.0, "glb_write_bits_per_cycle": 2048.0, "dram_bytes_per_cycle": 8.0,
         **_NO_EXTRAS},
        "ZigZag's SRAM holds no weights (they go DRAM -> RF); our GLB may hold them (or bypass: mapspace); "
        "inputs reach the PEs with no RF in ZigZag (our 1-word ifmap spad is priced at 0); one DRAM energy "
        "per bit for reads and writes (ZigZag: 700 / 750 pJ per 64 bits); conv1 unrolls C 3 x FX 7 on ZigZag's rows "
        "where ours takes C x FY x FX (im2col)", ZZ_TPU_CONV1),
    # 8 x 8 x 4 x 4 MACs (K x C x OX x OY): 1 B weight RF per 4 x 4 pixels, 2 B psum RF per 8 C; a 32 KB
    # weight SRAM, a 2 MB SRAM for inputs and outputs, DRAM 64 bits / cycle
    "edge_tpu_like": Accelerator(
        "edge_tpu_like", "edge_tpu_like", 16,
        {"pe_type": "INT8", "pe_rows": 32, "pe_cols": 32, "spad_ifmap_words": 1, "spad_filter_words": 1,
         "spad_psum_words": 1, "glb_kib": 2048, "dataflow": "weight_stationary_local"},
        {"mac_energy_pj": 0.04, **_spad(0.01, 0.01, 0.0, 0.0, 0.02, 0.02),
         "glb_read_pj_per_bit": 416.16 / 2048, "glb_write_pj_per_bit": 378.4 / 2048, "dram_pj_per_bit": 700 / 64,
         "glb_read_bits_per_cycle": 2048.0, "glb_write_bits_per_cycle": 2048.0, "dram_bytes_per_cycle": 8.0,
         **_NO_EXTRAS},
        "a 4-D array (K8 x C8 x OX4 x OY4) modelled as our 2-D 32 x 32 weight-stationary array (rows <- C, "
        "cols <- K); ZigZag's separate 32 KB weight SRAM (0.36 pJ/bit) is not modelled: weights use the 2 MB "
        "GLB or bypass it from DRAM; one DRAM energy per bit; conv1 unrolls FX 7 on ZigZag's D2 (its default: C 8)",
        ZZ_EDGE_CONV1),
    # 14 x 12 MACs (OY x FY.K), per-PE 64 B ifmap and weight RFs and a 16 B psum RF, an 8 KB psum SRAM, a
    # 64 KB weight SRAM, a 1 MB SRAM for inputs and outputs, DRAM 64 bits / cycle
    "eyeriss_like": Accelerator(
        "eyeriss_like", None, 24,
        {"pe_type": "INT8", "pe_rows": 12, "pe_cols": 14, "spad_ifmap_words": 64, "spad_filter_words": 64,
         "spad_psum_words": 5, "glb_kib": 1024, "dataflow": "row_stationary"},
        # ZigZag's RFs read at 1.0 (ifmap, weight) / 1.5 (psum) and write at 1.5 / 2.0 pJ, as ours price them
        {"mac_energy_pj": 0.5, **_spad(1.0, 1.5, 1.0, 1.5, 1.5, 2.0),
         "glb_read_pj_per_bit": 100 / 384, "glb_write_pj_per_bit": 130 / 384, "dram_pj_per_bit": 1000 / 64,
         "glb_read_bits_per_cycle": 384.0, "glb_write_bits_per_cycle": 384.0, "dram_bytes_per_cycle": 8.0,
         **_NO_EXTRAS},
        "ZigZag's 8 KB psum and 64 KB weight SRAMs (an extra level) are not modelled: all operands use the "
        "1 MB GLB; ZigZag gets our row stationary's spatial unrolling per layer (it ships no "
        "mapping for eyeriss_like)", ZZ_EYERISS_MAPPING, spatial_from_ours=True),
}


def accelerator_spec(name: str) -> spec_mod.Spec:
    acc = ACCELERATORS[name]
    space = {**DESIGN["space"], "glb_banks": 32, "dram_bw_gbps": 1.6, "clock_mhz": 200, **acc.space}
    return spec_mod.parse({**DESIGN, "name": name, "space": space}, f"compare_zigzag.ACCELERATORS[{name!r}]")


def accelerator_hardware(name: str, spec: spec_mod.Spec, n: int = 1) -> hardware.HardwareCosts:
    acc = ACCELERATORS[name]
    hw = hardware.evaluate(design.batch(spec))
    # ZigZag prices no clock network, leakage or interconnect: every such action of ours costs 0
    unpriced = {a.energy: 0.0 for a in actions.ACTIONS if a.level in ("clock", "noc") and hasattr(hw, a.energy)}
    fixed = {**unpriced, **_NO_CLOCK_PARTS, **acc.costs, "acc_bits": float(acc.psum_bits)}
    return dataclasses.replace(hw, **{k: np.full(n, v) for k, v in fixed.items()})


def zigzag_workload(psum_bits: int) -> list[dict]:
    """ResNet-18's conv and fc layers in ZigZag's workload YAML, 8-bit operands."""
    out = []
    for i, L in enumerate(workloads.load("resnet18").compute_layers()):
        pad_y = max(0, (L.oy - 1) * L.stride_y + L.fy - L.input_y)
        pad_x = max(0, (L.ox - 1) * L.stride_x + L.fx - L.input_x)
        out.append({
            "id": i, "name": L.name, "operator_type": "Conv",
            "equation": "O[b][k][oy][ox]+=W[k][c][fy][fx]*I[b][c][iy][ix]",
            "dimension_relations": [f"ix={L.stride_x}*ox+1*fx", f"iy={L.stride_y}*oy+1*fy"],
            "loop_dims": ["B", "K", "C", "OY", "OX", "FY", "FX"],
            "loop_sizes": [L.n, L.k, L.c_per_group, L.oy, L.ox, L.fy, L.fx],
            "operand_precision": {"W": 8, "I": 8, "O": psum_bits, "O_final": 8},
            "operand_source": {"I": i}, "pr_loop_dims": ["IX", "IY"], "pr_loop_sizes": [L.input_x, L.input_y],
            "padding": [[pad_x // 2, pad_x - pad_x // 2], [pad_y // 2, pad_y - pad_y // 2]],
        })
    return out


ACC_RUNNER = textwrap.dedent("""
    import collections, json, os, sys, time
    import zigzag
    from zigzag.stages.evaluation import cost_model_evaluation as cme_mod
    from zigzag.api import get_hardware_performance_zigzag
    counts = collections.Counter()  # cost-model evaluations (temporal x spatial mappings) per layer
    init = cme_mod.CostModelStage.__init__
    def counting(self, *a, **kw):
        init(self, *a, **kw); counts[self.layer.name] += 1
    cme_mod.CostModelStage.__init__ = counting
    hw, mp, wl, out = sys.argv[1:5]
    hwdir = os.path.join(os.path.dirname(zigzag.__file__), "inputs")
    hw = hw if os.path.isfile(hw) else f"{hwdir}/hardware/{hw}.yaml"
    t0 = time.process_time(); w0 = time.perf_counter()
    energy, latency, cmes = get_hardware_performance_zigzag(workload=wl, accelerator=hw, mapping=mp, opt="EDP",
        dump_folder=out, lpf_limit=int(sys.argv[5]), loma_show_progress_bar=False)
    cpu = time.process_time() - t0; wall = time.perf_counter() - w0
    def components(c):
        # energy per memory level and operand, word accesses per direction, MAC energy, latency parts
        out = {"mac_pj": float(c.mac_energy), "ideal_cycles": float(c.ideal_cycle),
               "ideal_temporal_cycles": float(c.ideal_temporal_cycle), "stall_cycles": float(c.stall_slack_comb),
               "onload_cycles": float(c.data_onloading_cycle), "offload_cycles": float(c.data_offloading_cycle),
               "drain_cycles": float(c.systolic_drain_cycle)}
        for op, parts in c.mem_energy_breakdown.items():
            levels = c.accelerator.memory_hierarchy.get_memory_levels(c.memory_operand_links.layer_to_mem_op(op))
            for lvl, e, acc in zip(levels, parts, c.memory_word_access[op]):
                out[f"{lvl.name}_{op}_pj"] = float(e)
                for direction in ("rd_out_to_low", "wr_in_by_low", "rd_out_to_high", "wr_in_by_high"):
                    out[f"{lvl.name}_{op}_{direction}_words"] = float(acc.get(direction))
        out["temporal_mapping"] = " ".join(str(c.mapping_int.temporal_mapping).split())
        out["spatial_mapping"] = str(c.layer.spatial_mapping)
        return out
    layers = [{"layer": c.layer.name, "energy_pj": float(c.energy_total), "latency_cycles": float(c.latency_total2),
               "mappings": counts[c.layer.name], **components(c)} for c, _ in cmes[0][1]]
    print("ZIGZAG_JSON" + json.dumps({"layers": layers, "cpu_s": cpu, "wall_s": wall}))
""")


@functools.cache
def explained(name: str) -> pd.DataFrame:
    """``dse explain``'s per-layer rows (chosen mapping, accesses, energy per component, stalls) of our
    equivalent of ``name``, priced with its ZigZag costs."""
    spec = accelerator_spec(name)
    wl = Workload(LayerGraph.from_layers("resnet18_compute", _compute_layers(spec)), False, frozenset())
    return explain.layer_mappings(spec, wl, [0], hw=accelerator_hardware(name, spec))


def _zigzag_dims(text: str) -> list[str]:
    """``dse explain``'s spatial text ("FY 3 x C 4") as ZigZag spatial-mapping entries (["FY, 3", "C, 4"])."""
    return [f"{dim}, {int(float(n))}" for dim, n in (f.split() for f in text.split(" x ")) if float(n) > 1]


def our_spatial(name: str) -> dict[str, dict[str, list[str]]]:
    """Per layer, our chosen spatial unrolling in ZigZag's terms: D1 <- our columns, D2 <- our rows."""
    return {r.layer: {"D1": _zigzag_dims(r.spatial_cols), "D2": _zigzag_dims(r.spatial_rows)}
            for r in explained(name).itertuples()}


def zigzag_mapping(python: str, acc: Accelerator, name: str) -> list[dict]:
    """ZigZag's shipped mapping file of ``acc`` (read in its venv) with our extra entries replacing theirs
    (and, with ``spatial_from_ours``, one entry per layer with our spatial unrolling)."""
    shipped = []
    if acc.zigzag_mapping:
        code = ("import os, sys, zigzag; print(open(os.path.join(os.path.dirname(zigzag.__file__), 'inputs', "
                f"'mapping', '{acc.zigzag_mapping}.yaml')).read())")
        shipped = yaml.safe_load(subprocess.run([python, "-c", code], capture_output=True, text=True,
                                                check=True).stdout)
    extra = list(acc.extra_mapping)
    if acc.spatial_from_ours:
        extra += [{"name": layer, "spatial_mapping": sm, "memory_operand_links": _LINKS}
                  for layer, sm in our_spatial(name).items()]
    names = {m["name"] for m in extra}
    return [m for m in shipped if m["name"] not in names and not m["name"].startswith("example")] + extra


def run_zigzag_accelerator(name: str, python: str, only: list[str] | None = None,
                           acc: Accelerator | None = None) -> tuple[pd.DataFrame, float, float]:
    """(per-layer ZigZag energy, latency, mappings evaluated and components, CPU s, wall s) on its shipped
    accelerator (``only``: these layers; ``acc``: another description of it, for experiments)."""
    acc = acc or ACCELERATORS[name]
    layers = zigzag_workload(acc.psum_bits)
    if only is not None:
        layers = [dict(L, id=i, operand_source={"I": i}) for i, L in enumerate(x for x in layers if x["name"] in only)]
    with tempfile.TemporaryDirectory(prefix="dse-zigzag-") as tmp:
        Path(tmp, "workload.yaml").write_text(yaml.safe_dump(layers, sort_keys=False))
        Path(tmp, "mapping.yaml").write_text(yaml.safe_dump(zigzag_mapping(python, acc, name), sort_keys=False))
        Path(tmp, "runner.py").write_text(ACC_RUNNER)
        env = {**os.environ, "PATH": f"{Path(python).parent}:{os.environ.get('PATH', '')}"}
        proc = subprocess.run([python, "runner.py", acc.zigzag_hardware, "mapping.yaml", "workload.yaml", "out",
                               str(ZIGZAG_LPF_LIMIT)], cwd=tmp, env=env, capture_output=True, text=True, check=False)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("ZIGZAG_JSON")), None)
    if proc.returncode != 0 or line is None:
        sys.exit(f"ZigZag failed on {name} (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    out = json.loads(line[len("ZIGZAG_JSON"):])
    df = pd.DataFrame(out["layers"]).rename(columns={"energy_pj": "zigzag_energy_pj",
                                                     "latency_cycles": "zigzag_latency_cycles",
                                                     "mappings": "zigzag_mappings"})
    return df, out["cpu_s"], out["wall_s"]


def our_accelerator(name: str) -> pd.DataFrame:
    """Per compute layer on our equivalent of ``name``: energy, latency, and the mapspace we search
    exactly (legal array candidates with every integer per-PE tile size x GLB tilings that fit) and the
    candidates priced after pruning."""
    spec = accelerator_spec(name)
    layers = _compute_layers(spec)
    d = design.batch(spec)
    hw = accelerator_hardware(name, spec)
    geo = mapping.geometries(d, hw)
    tables = mapping.network_tables(layers, geo, lambda n: False)
    res = mapping.search(tables, geo.index, actions.action_costs(hw), spec.mapping_objective, per_layer=True)
    df_name = dataflows.DATAFLOWS[int(d.dataflow[0])]
    space = []
    for L in layers:
        g = mapping.layer_geometry(L, geo, False)
        n_arr = int(dataflows.candidates(L, g, df_name, every_tile=True).legal.sum())
        space.append(n_arr * max(1, int(dataflows.dram_tilings(L, g)["fits"].sum())))  # x bypass modes
    return pd.DataFrame({"layer": [L.name for L in layers], "macs": [L.macs for L in layers],
                         "ours_energy_pj": res.layer_energy_pj[:, 0], "ours_latency_cycles": res.layer_latency_cycles[:, 0],
                         "ours_mapspace": space, "ours_priced": tables.n_valid[:, 0]})


FRESH = textwrap.dedent("""
    import sys
    sys.path.insert(0, sys.argv[1])
    import compare_zigzag as cz
    from dse import design
    from dse.network import Workload, evaluate
    from workloads.layer import LayerGraph
    spec = cz.accelerator_spec(sys.argv[2])
    wl = Workload(LayerGraph.from_layers("resnet18_compute", cz._compute_layers(spec)), False, frozenset())
    evaluate(design.batch(spec), wl, spec.mapping_objective)
""")


def _timed(fn) -> tuple[float, float]:
    """(wall s, CPU s of this process, all threads) of ``fn()``."""
    w0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w0, time.process_time() - c0


def our_point_timing(name: str, n_distinct: int = 2000) -> dict[str, float]:
    """Wall and CPU seconds per design point, ResNet-18's 21 conv / fc layers as ZigZag's run: one fresh
    process (interpreter start, imports, numba cache load, one point: wall and the child's CPU), one warm
    point (a point this process has not evaluated, after a warm-up on another), and a batch of distinct
    points (the accelerator with GLB size, banks, DRAM bandwidth, clock, filter spad and GLB technology
    varied: each point has its own hardware costs and most their own geometry)."""
    spec = accelerator_spec(name)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    w0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", FRESH, str(Path(__file__).parent), name], capture_output=True, text=True,
                   check=True, env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])})
    fresh_wall = time.perf_counter() - w0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    fresh_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    wl = Workload(LayerGraph.from_layers("resnet18_compute", _compute_layers(spec)), False, frozenset())
    s = spec.space_dict
    varied = {**{k: v[0] for k, v in s.items()}, "glb_kib": [256, 512, 1024, 2048, 4096], "glb_banks": [8, 16, 32, 64],
              "dram_bw_gbps": [0.8, 1.6, 3.2, 6.4], "clock_mhz": [100, 200, 400], "spad_filter_words": [64, 128, 256],
              "glb_tech": ["SRAM", "STT-MRAM", "SOT-MRAM"]}
    batch_spec = spec_mod.parse({**DESIGN, "name": f"{name}_batch", "space": varied}, "compare_zigzag batch")
    n = min(n_distinct, batch_spec.n_points - 1)
    evaluate(design.batch(spec), wl, spec.mapping_objective)  # warm-up (numba, imports) on the accelerator
    warm_wall, warm_cpu = _timed(lambda: evaluate(design.batch(batch_spec, n, n + 1), wl, spec.mapping_objective))
    batch = design.batch(batch_spec, 0, n)
    evaluate(design.batch(batch_spec, 0, 8), wl, spec.mapping_objective)  # warm-up of the batch path
    batch_wall, batch_cpu = _timed(lambda: evaluate(batch, wl, spec.mapping_objective))
    return {"fresh_s": fresh_wall, "fresh_cpu_s": fresh_cpu, "warm_s": warm_wall, "warm_cpu_s": warm_cpu,
            "batch_s_per_point": batch_wall / n, "batch_cpu_s_per_point": batch_cpu / n, "batch_points": n}


ACC_REFERENCE = REFERENCE.parent / "zigzag_accelerators.csv"
ZZ_OPERANDS = {"W": "weight", "I": "ifmap", "O": "psum"}  # ZigZag's layer operands -> ours


def _our_level(zz_memory: str) -> str:
    """Our level of one of ZigZag's memories: its register files are our spads, DRAM is DRAM, every SRAM
    is our GLB (the template has one SRAM level: ZigZag's extra weight / psum SRAMs land there too)."""
    return "spad" if zz_memory.startswith("rf") else "dram" if zz_memory == "dram" else "glb"


def zigzag_memories(zz: pd.DataFrame) -> dict[tuple[str, str], list[str]]:
    """(our level, our operand) -> ZigZag's energy columns (``<memory>_<W|I|O>_pj``) that it covers."""
    out: dict[tuple[str, str], list[str]] = {}
    for col in zz.columns:
        m = re.fullmatch(r"(.+)_([WIO])_pj", col)
        if m and zz[col].notna().any():
            out.setdefault((_our_level(m[1]), ZZ_OPERANDS[m[2]]), []).append(col)
    return out


def component_table(name: str, zz: pd.DataFrame) -> pd.DataFrame:
    """Network energy per (level, operand) and the latency's parts, ours next to ZigZag's, with each
    row's share of the total difference."""
    ours = explained(name).set_index("layer").loc[list(zz["layer"])]
    rows = [("energy", "mac", "", float(zz["mac_pj"].sum()), float(ours["energy_mac_pj"].sum()))]
    for (level, operand), cols in sorted(zigzag_memories(zz).items(), key=lambda kv: (
            ("spad", "glb", "dram").index(kv[0][0]), kv[0][1])):
        rows.append(("energy", f"{level} {operand}", " + ".join(c[:-len("_pj")] for c in cols),
                     float(zz[cols].sum().sum()), float(ours[f"energy_{level}_{operand}_pj"].sum())))
    covered = {f"energy_{lv}_{op}_pj" for (lv, op) in zigzag_memories(zz)} | {"energy_mac_pj"}
    rest = [c for c in actions.BREAKDOWN_COLUMNS if c not in covered and ours[c].abs().sum() > 0]
    for c in rest:  # what only we price (none here: ZigZag's accelerators are matched action for action)
        rows.append(("energy", c[len("energy_"):-len("_pj")].replace("_", " "), "-", 0.0, float(ours[c].sum())))
    acc = ACCELERATORS[name]
    pes = acc.space["pe_rows"] * acc.space["pe_cols"]
    ideal = np.ceil(ours["macs"] / pes).sum()
    # ZigZag's latency_total2 = ideal_temporal + stall + onloading + offloading + systolic drain; ours =
    # compute (the dataflow's cycles: spatial under-use, skew, psum adds) + GLB / DRAM stall + pipeline fill / drain
    lat = [("ideal", "MACs / PEs", float(zz["ideal_cycles"].sum()), float(ideal)),
           ("spatial under-use", "ideal_temporal - ideal (ours: compute - ideal)",
            float((zz["ideal_temporal_cycles"] - zz["ideal_cycles"]).sum()), float(ours["compute_cycles"].sum() - ideal)),
           ("memory stall", "stall (ours: GLB + DRAM stall)", float(zz["stall_cycles"].sum()),
            float((ours["stall_glb_cycles"] + ours["stall_dram_cycles"]).sum())),
           ("on/off-loading", "onload + offload + drain (ours: pipeline fill / drain)",
            float((zz["onload_cycles"] + zz["offload_cycles"] + zz["drain_cycles"]).sum()),
            float(ours["fill_drain_cycles"].sum()))]
    rows += [("latency", label, src, z, o) for label, src, z, o in lat]
    df = pd.DataFrame(rows, columns=["quantity", "component", "zigzag", "zigzag_value", "ours_value"])
    for q, total in (("energy", float(zz["zigzag_energy_pj"].sum())), ("latency", float(zz["zigzag_latency_cycles"].sum()))):
        sel = df["quantity"] == q
        df.loc[sel, "diff_of_total"] = (df.loc[sel, "ours_value"] - df.loc[sel, "zigzag_value"]) / total
    return df


def compare_accelerators(python: str | None, write: bool) -> None:
    """The three-accelerator table: ZigZag from ``python`` (or the stored reference) next to ours."""
    pd.set_option("display.width", 200)
    ref = pd.read_csv(ACC_REFERENCE, comment="#") if ACC_REFERENCE.is_file() and not write else None
    rows, stored = [], []
    for name, acc in ACCELERATORS.items():
        if ref is None:
            zz, cpu, wall = run_zigzag_accelerator(name, python)
            zz["accelerator"], zz["zigzag_cpu_s"], zz["zigzag_wall_s"] = name, cpu, wall
            stored.append(zz)
        else:
            zz = ref[ref["accelerator"] == name]
            cpu, wall = float(zz["zigzag_cpu_s"].iloc[0]), float(zz["zigzag_wall_s"].iloc[0])
        ours = our_accelerator(name)
        df = compare(ours, zz).merge(zz[["layer", "zigzag_mappings"]], on="layer")
        t = our_point_timing(name)
        print(f"\n== {name}: ZigZag's {acc.zigzag_hardware}.yaml vs our {acc.space['dataflow']} "
              f"{acc.space['pe_rows']}x{acc.space['pe_cols']} ==")
        print(f"differs: {acc.differs}")
        cols = ["layer", "zigzag_mappings", "ours_mapspace", "ours_priced", "ours_energy_pj", "zigzag_energy_pj",
                "energy_ratio", "ours_latency_cycles", "zigzag_latency_cycles", "latency_ratio"]
        print(df[cols].to_string(index=False, float_format=lambda x: f"{x:.4g}"))
        print("network energy (pJ) and latency (cycles) by component; diff_of_total: (ours - ZigZag) / ZigZag's total")
        print(component_table(name, zz).to_string(index=False, float_format=lambda x: f"{x:.4g}"))
        e = df["ours_energy_pj"].sum() / df["zigzag_energy_pj"].sum()
        lat = df["ours_latency_cycles"].sum() / df["zigzag_latency_cycles"].sum()
        n_zz, n_ours = df["zigzag_mappings"].sum(), df["ours_mapspace"].sum()
        print(f"total energy: ours {df['ours_energy_pj'].sum():.4g} pJ, ZigZag {df['zigzag_energy_pj'].sum():.4g} pJ "
              f"({e - 1:+.1%}); total latency: ours {df['ours_latency_cycles'].sum():.4g}, ZigZag "
              f"{df['zigzag_latency_cycles'].sum():.4g} cycles ({lat - 1:+.1%})")
        print(f"mappings per network: ZigZag {n_zz:,} evaluated, each in full ({cpu / n_zz * 1e3:.2f} ms CPU per "
              f"mapping: its whole run's CPU / mappings); ours {n_ours:,} in the mapspace, of which "
              f"{int(df['ours_priced'].sum()):,} are priced after exact pruning ({t['warm_cpu_s'] / n_ours * 1e9:.1f} ns "
              f"CPU per mapping of the mapspace, one warm point's CPU / mapspace)")
        print(f"per design point (CPU s; wall on the shared machine): ZigZag {cpu:.1f} s ({wall:.0f} s); ours one fresh "
              f"process {t['fresh_cpu_s']:.2f} s ({t['fresh_s']:.2f} s), one warm point {t['warm_cpu_s'] * 1e3:.1f} ms "
              f"({t['warm_s'] * 1e3:.1f} ms), {t['batch_cpu_s_per_point'] * 1e6:.1f} us ({t['batch_s_per_point'] * 1e6:.1f} "
              f"us) per point in a batch of {t['batch_points']:,} distinct points")
        rows.append((name, e - 1, lat - 1))
    if stored:
        header = (f"# {ZIGZAG_VERSION} (LOMA, lpf_limit {ZIGZAG_LPF_LIMIT}, EDP) on its shipped tpu_like, edge_tpu_like "
                  "and eyeriss_like accelerators (ResNet-18 conv/fc, 8-bit operands) with the mapping entries of "
                  "benchmarks/compare_zigzag.py ACCELERATORS (eyeriss_like: our row stationary's spatial unrolling "
                  "per layer); per layer: totals, mappings evaluated, energy per memory and operand "
                  "(<memory>_<W|I|O>_pj), word accesses per direction, latency parts, the mappings ZigZag chose; "
                  "CPU and wall seconds of each whole run (shared 2-core machine); written by "
                  "`python benchmarks/compare_zigzag.py --accelerators --write-reference`\n")
        ACC_REFERENCE.write_text(header + pd.concat(stored).to_csv(index=False))
        print(f"wrote {ACC_REFERENCE}")


RUNNER = textwrap.dedent("""
    import json, sys, time, logging
    from zigzag.api import get_hardware_performance_zigzag
    folder = sys.argv[1]
    t0 = time.process_time(); w0 = time.perf_counter()
    energy, latency, cmes = get_hardware_performance_zigzag(
        workload=f"{folder}/workload.yaml", accelerator=f"{folder}/accelerator.yaml",
        mapping=f"{folder}/mapping.yaml", opt="EDP", dump_folder=f"{folder}/out",
        lpf_limit=int(sys.argv[2]), loma_show_progress_bar=False)
    cpu = time.process_time() - t0; wall = time.perf_counter() - w0
    layers = [{"layer": c.layer.name, "energy_pj": float(c.energy_total), "latency_cycles": float(c.latency_total2),
               "mac_energy_pj": float(c.mac_energy), "mem_energy_pj": float(c.mem_energy)} for c, _ in cmes[0][1]]
    print("ZIGZAG_JSON" + json.dumps({"layers": layers, "cpu_s": cpu, "wall_s": wall}))
""")


def zigzag_python() -> str | None:
    """The interpreter to run ZigZag with: ``ZIGZAG_PYTHON`` when set, else the first of this
    interpreter, ``python3`` and ``python`` on PATH that can import ``zigzag``; None: none can."""
    if os.environ.get("ZIGZAG_PYTHON"):
        return os.environ["ZIGZAG_PYTHON"]
    probe = "import importlib.util, sys; sys.exit(importlib.util.find_spec('zigzag') is None)"
    for exe in dict.fromkeys(x for x in (sys.executable, shutil.which("python3"), shutil.which("python")) if x):
        if subprocess.run([exe, "-c", probe], capture_output=True, check=False).returncode == 0:
            return exe
    return None


def run_zigzag(spec: spec_mod.Spec, python: str, only: list[str] | None = None) -> tuple[pd.DataFrame, float, float]:
    """(per-layer ZigZag energy and latency, CPU seconds, wall seconds) for the design (``only``: these layers)."""
    accelerator, mapping_yaml, layers = zigzag_inputs(spec)
    if only is not None:
        layers = [dict(L, id=i, operand_source={"I": i}) for i, L in enumerate(x for x in layers if x["name"] in only)]
    with tempfile.TemporaryDirectory(prefix="dse-zigzag-") as tmp:
        for name, data in (("accelerator", accelerator), ("mapping", mapping_yaml), ("workload", layers)):
            Path(tmp, f"{name}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
        Path(tmp, "runner.py").write_text(RUNNER)
        env = {**os.environ, "PATH": f"{Path(python).parent}:{os.environ.get('PATH', '')}"}  # its CACTI calls `python`
        proc = subprocess.run([python, "runner.py", tmp, str(ZIGZAG_LPF_LIMIT)], cwd=tmp, env=env,
                              capture_output=True, text=True, check=False)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("ZIGZAG_JSON")), None)
    if proc.returncode != 0 or line is None:
        sys.exit(f"ZigZag failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    out = json.loads(line[len("ZIGZAG_JSON"):])
    df = pd.DataFrame(out["layers"]).rename(columns={"energy_pj": "zigzag_energy_pj",
                                                     "latency_cycles": "zigzag_latency_cycles"})
    return df, out["cpu_s"], out["wall_s"]


def compare(ours: pd.DataFrame, zz: pd.DataFrame) -> pd.DataFrame:
    df = ours.merge(zz[["layer", "zigzag_energy_pj", "zigzag_latency_cycles"]], on="layer", how="inner")
    df["energy_ratio"] = df["ours_energy_pj"] / df["zigzag_energy_pj"]
    df["latency_ratio"] = df["ours_latency_cycles"] / df["zigzag_latency_cycles"]
    return df


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--zigzag-python", help="python of ZigZag's venv (default: $ZIGZAG_PYTHON, else the first "
                    "interpreter on PATH that imports zigzag)")
    ap.add_argument("--write-reference", action="store_true", help=f"store ZigZag's figures in {REFERENCE}")
    ap.add_argument("--accelerators", action="store_true",
                    help="ZigZag's shipped tpu_like, edge_tpu_like and eyeriss_like next to our equivalents (ZigZag "
                         f"figures from {ACC_REFERENCE.name} unless --write-reference)")
    args = ap.parse_args()
    args.zigzag_python = args.zigzag_python or zigzag_python()
    needs_zigzag = args.write_reference or not args.accelerators
    if needs_zigzag and args.zigzag_python is None:
        sys.exit("compare_zigzag: no interpreter with zigzag-dse found: pass --zigzag-python or set ZIGZAG_PYTHON")
    if args.accelerators:
        compare_accelerators(args.zigzag_python, args.write_reference)
        return
    spec = spec_mod.parse(DESIGN, "compare_zigzag.DESIGN")
    ours = our_layers(spec)
    single_s, batch_s = our_timing(spec)
    zz, zz_cpu, zz_wall = run_zigzag(spec, args.zigzag_python)
    df = compare(ours, zz)
    pd.set_option("display.width", 160)
    print(df.to_string(index=False, float_format=lambda x: f"{x:.4g}"))
    e_rel = df["ours_energy_pj"].sum() / df["zigzag_energy_pj"].sum() - 1
    l_rel = df["ours_latency_cycles"].sum() / df["zigzag_latency_cycles"].sum() - 1
    print(f"total energy: ours {df['ours_energy_pj'].sum():.4g} pJ, ZigZag {df['zigzag_energy_pj'].sum():.4g} pJ "
          f"({e_rel:+.1%})")
    print(f"total latency: ours {df['ours_latency_cycles'].sum():.4g} cycles, ZigZag "
          f"{df['zigzag_latency_cycles'].sum():.4g} cycles ({l_rel:+.1%})")
    print(f"wall time per design point: ZigZag {zz_wall:.1f} s ({zz_cpu:.1f} s CPU); ours {single_s * 1e3:.1f} ms alone, "
          f"{batch_s * 1e6:.2f} us per point in a batch")
    print(f"speed-up per design point (batch): {zz_wall / batch_s:,.0f}x")
    if args.write_reference:
        ref = df[["layer", "macs", "zigzag_energy_pj", "zigzag_latency_cycles"]]
        REFERENCE.parent.mkdir(parents=True, exist_ok=True)
        header = (f"# ZigZag {ZIGZAG_VERSION} (LOMA, lpf_limit {ZIGZAG_LPF_LIMIT}, EDP) on benchmarks/compare_zigzag.py "
                  "DESIGN; written by `python benchmarks/compare_zigzag.py --write-reference`\n")
        REFERENCE.write_text(header + ref.to_csv(index=False))
        print(f"wrote {REFERENCE}")


ZIGZAG_VERSION = "zigzag-dse 3.9.1"

if __name__ == "__main__":
    main()
