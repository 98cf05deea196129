"""Numpy reference paths of the compiled cost model, written out by name (independent of the action
table's generated positions): the full (geometries x candidates x counts) table of a dataflow, its
pruning coordinates and plain pruning, and the price of one count vector. The kernels
(``dse.mapping``) must equal these bit for bit (tests/test_cost_speed_equivalence.py) and pick what
an exhaustive argmin over them picks (tests/test_cost_model.py)."""

import numpy as np

from dse import dataflows
from dse.actions import CI, COST_COLUMNS, COUNTS
from dse.dataflows import Geometry
from dse.mapping import kernels
from workloads.layer import Layer


def compute_counts(L: Layer, g: Geometry, dataflow: str) -> tuple[np.ndarray, np.ndarray]:
    """(counts (G, M, len(COUNTS)), legal (G, M)) of ``dataflow``'s mapping candidates."""
    arr = dataflows._ARRAY[dataflow](L, g)
    dram = dataflows.dram_tiling(L, g)
    shape = np.broadcast_shapes(arr.legal.shape, arr.compute_cycles.shape, g.rows.shape)
    w, a, acc = g.w_bits, g.a_bits, g.acc_bits
    # without multicast every destination PE is served by its own GLB read
    w_rd = arr.w_reads * np.where(g.multicast == 1, 1.0, arr.w_fanout)
    i_rd = arr.i_reads * np.where(g.multicast == 1, 1.0, arr.i_fanout)
    streams = dram["streams"] == 1
    # a weight-side operand without GLB reuse flows DRAM -> array when that reads no more from DRAM
    w_past_glb = streams | ((dram["w_streams"] == 1) & (w_rd * w <= dram["w_bits"]))
    dram_w = np.where(w_past_glb, w_rd * w, dram["w_bits"])
    dram_i = np.where(streams, i_rd * a, dram["i_bits"])
    out = np.zeros(shape + (len(COUNTS),))
    m_ops = L.macs * g.passes
    c = {
        "mac_ops": m_ops, "clock_active_pe_pe_cycles": m_ops, "spad_weight_accesses": arr.spad_w, "spad_ifmap_accesses": arr.spad_i,
        "spad_psum_accesses": arr.spad_p,
        "noc_weight_bit_hops": arr.noc_w, "noc_ifmap_bit_hops": arr.noc_i, "noc_psum_bit_hops": arr.noc_p,
        # streamed operands bypass the GLB; outputs drain to DRAM through it
        "glb_read_weight_bits": np.where(w_past_glb, 0.0, w_rd * w),
        "glb_read_ifmap_bits": np.where(streams, 0.0, i_rd * a),
        "glb_read_psum_bits": arr.psum_rw / 2 * acc + L.output_count * g.o_bits,
        "glb_write_weight_bits": np.where(w_past_glb, 0.0, dram_w),
        "glb_write_ifmap_bits": np.where(streams, 0.0, dram_i),
        "glb_write_psum_bits": arr.psum_rw / 2 * acc + L.output_count * g.o_bits,
        "dram_read_weight_bits": dram_w, "dram_read_ifmap_bits": dram_i,
        "dram_write_psum_bits": dram["o_bits"],
        "compute_cycles": arr.compute_cycles, "tiles": dram["tiles"],
        "utilization": m_ops / (arr.compute_cycles * g.rows * g.cols),
    }
    for name, value in c.items():
        out[..., CI[name]] = np.broadcast_to(value, shape)
    return out, np.broadcast_to(arr.legal, shape)


def reduced(counts: np.ndarray) -> np.ndarray:
    """The cost-relevant coordinates used for exact dominance pruning, (..., 10): each spad's word
    accesses, NoC bit-hops, GLB read bits, GLB write bits, DRAM bits, compute cycles, DRAM bits per
    tile, 1 / tiles."""
    c = lambda name: counts[..., CI[name]]
    dram = c("dram_read_weight_bits") + c("dram_read_ifmap_bits") + c("dram_write_psum_bits")
    return np.stack([
        c("spad_weight_accesses"), c("spad_ifmap_accesses"), c("spad_psum_accesses"),
        c("noc_weight_bit_hops") + c("noc_ifmap_bit_hops") + c("noc_psum_bit_hops"),
        c("glb_read_weight_bits") + c("glb_read_ifmap_bits") + c("glb_read_psum_bits"),
        c("glb_write_weight_bits") + c("glb_write_ifmap_bits") + c("glb_write_psum_bits"),
        dram, c("compute_cycles"), dram / c("tiles"), 1.0 / c("tiles"),
    ], axis=-1)


def prune(counts: np.ndarray, legal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(kept counts of every geometry back to back (sum of n_keep, len(COUNTS)), number kept per
    geometry (G,)) of a full candidate table (G, M, len(COUNTS))."""
    G, M, _ = counts.shape
    keep = np.zeros((G, M), dtype=np.int64)
    n_keep = np.zeros(G, dtype=np.int64)
    kernels.skyline(np.ascontiguousarray(reduced(counts)), np.ascontiguousarray(legal), keep, n_keep)
    valid = np.arange(M) < n_keep[:, None]
    return counts[np.repeat(np.arange(G), n_keep), keep[valid]], n_keep


def price(c: np.ndarray, e: np.ndarray) -> tuple[float, float]:
    """(energy_pj, latency_cycles) of one count vector under one point's costs, by name."""
    n = lambda name: c[CI[name]]
    k = lambda name: e[COST_COLUMNS.index(name)]
    glb_rd = n("glb_read_weight_bits") + n("glb_read_ifmap_bits") + n("glb_read_psum_bits")
    glb_wr = n("glb_write_weight_bits") + n("glb_write_ifmap_bits") + n("glb_write_psum_bits")
    dram = n("dram_read_weight_bits") + n("dram_read_ifmap_bits") + n("dram_write_psum_bits")
    x = max(n("compute_cycles"), glb_rd / k("glb_read_bits_per_cycle") + glb_wr / k("glb_write_bits_per_cycle"))
    d = dram / k("dram_bits_per_cycle")
    lat = max(x + d / n("tiles"), d + x / n("tiles"))
    noc = n("noc_weight_bit_hops") + n("noc_ifmap_bit_hops") + n("noc_psum_bit_hops")
    energy = (n("mac_ops") * k("mac_energy_pj") + n("clock_active_pe_pe_cycles") * k("clock_pj_per_mac")
              + n("spad_weight_accesses") * k("spad_filter_pj")
              + n("spad_ifmap_accesses") * k("spad_ifmap_pj") + n("spad_psum_accesses") * k("spad_psum_pj")
              + noc * k("noc_pj_per_bit_hop") + glb_rd * k("glb_read_pj_per_bit")
              + glb_wr * k("glb_write_pj_per_bit") + dram * k("dram_pj_per_bit")
              + lat * (k("leakage_pj_per_cycle") + k("clock_pj_per_cycle")))
    return energy, lat
