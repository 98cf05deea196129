"""Per-layer analytical cost model, vectorized over design points: geometries -> count tables -> search.

Levels: DRAM -> global buffer (GLB) -> NoC -> per-PE scratchpads (filter / ifmap / psum) -> MAC.
For each layer the mapping candidates of the point's dataflow (``dse.dataflows``) are counted
once per distinct geometry (factored: ``dse.dataflows.factored_counts``), pruned exactly in a
compiled kernel (``dse.mapping.skyline_factored``, equal to ``prune`` on the full table), and the
compiled search picks each point's best under the mapping objective with the point's own
per-action energies and bandwidths (``dse.mapping.search``). Energy = sum over (level, operand) of actions x energy per
action + MACs + (leakage + clock network) x latency.

Bit widths: each operand moves at its effective width (layer bits, or the PE's bits when the
policy makes the network follow the PE); scratchpad capacities are in words of the PE's width,
so narrower operands pack several per word. A layer wider than the PE is decomposed into
``ceil(w/pe_w) * ceil(a/pe_a)`` passes (bit-serial decomposition).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from dse import dataflows, mapping, units
from dse.design import DesignBatch
from dse.hardware import HardwareCosts
from dse.mapping import ACCESSES, BREAKDOWN, OBJECTIVE_CODES, STALLS  # noqa: F401  (re-exported)
from workloads.layer import Layer


def effective_bits(layer: Layer, pe_w: np.ndarray, pe_a: np.ndarray, follow_pe: bool):
    """(w_bits, a_bits, o_bits, passes) arrays for this layer on each PE."""
    pe_w, pe_a = np.asarray(pe_w, float), np.asarray(pe_a, float)
    if follow_pe:
        w, a = pe_w.copy(), pe_a.copy()
        o = a.copy()
    else:
        w = np.full(pe_w.shape, float(layer.w_bits))
        a = np.full(pe_w.shape, float(layer.a_bits))
        o = np.full(pe_w.shape, float(layer.o_bits))
    passes = np.ceil(w / pe_w) * np.ceil(a / pe_a)
    return w, a, o, passes


@dataclass(frozen=True)
class Geometries:
    """Distinct geometries of a batch: one representative point each, and each point's index."""

    design: DesignBatch  # the G representative points
    hw: HardwareCosts  # their hardware costs (only geometry-determined fields are used)
    index: np.ndarray  # (P,) geometry of every point


def geometries(d: DesignBatch, hw: HardwareCosts) -> Geometries:
    first, inverse = mapping.unique_rows([
        d.pe_rows, d.pe_cols, d.spad_ifmap_words, d.spad_filter_words, d.spad_psum_words, d.glb_bytes,
        d.pe_w_bits, d.pe_a_bits, hw.acc_bits, d.dataflow, d.noc_multicast, d.psum_activation])
    take = lambda x: np.asarray(x)[first]
    hw_g = HardwareCosts(**{k: take(v) for k, v in vars(hw).items()})
    return Geometries(d.take(first), hw_g, inverse)


def layer_geometry(layer: Layer, geo: Geometries, follow_pe: bool) -> dataflows.Geometry:
    d = geo.design
    w, a, o, passes = effective_bits(layer, d.pe_w_bits, d.pe_a_bits, follow_pe)
    col = lambda x: np.asarray(x, float)[:, None]
    return dataflows.Geometry(
        rows=col(d.pe_rows), cols=col(d.pe_cols), spad_ifmap_words=col(d.spad_ifmap_words),
        spad_filter_words=col(d.spad_filter_words), spad_psum_words=col(d.spad_psum_words),
        glb_bytes=col(d.glb_bytes), pe_w_bits=col(d.pe_w_bits), pe_a_bits=col(d.pe_a_bits),
        acc_bits=col(geo.hw.acc_bits), multicast=col(d.noc_multicast), w_bits=col(w), a_bits=col(a),
        o_bits=col(o), passes=col(passes))


def layer_table(layer: Layer, geo: Geometries, follow_pe: bool) -> tuple[np.ndarray, np.ndarray]:
    """Pruned candidate counts of every geometry back to back (sum of n_keep, len(COUNTS)) and the
    number kept per geometry (G,): geometry g's are rows cumsum(n_keep)[g] - n_keep[g] onwards."""
    g = layer_geometry(layer, geo, follow_pe)
    G = len(g.rows)
    if not layer.is_compute:
        return dataflows.data_movement_counts(layer, g)[:, 0], np.ones(G, dtype=np.int64)
    parts = []
    for code in np.unique(geo.design.dataflow):
        sel = np.flatnonzero(geo.design.dataflow == code)
        sub = dataflows.Geometry(**{k: v[sel] for k, v in vars(g).items()})
        f = dataflows.factored_counts(layer, sub, dataflows.DATAFLOWS[code])
        parts.append((sel, f, *mapping.skyline_factored(f)))
    n_keep = np.zeros(G, dtype=np.int64)
    for sel, _, _, n in parts:
        n_keep[sel] = n
    first_row = np.cumsum(n_keep) - n_keep
    counts = np.empty((int(n_keep.sum()), len(dataflows.COUNTS)))
    for sel, f, keep, n in parts:
        mapping.gather_factored(f, keep, n, counts, first_row[sel])
    return counts, n_keep


def network_tables(layers: list[Layer], geo: Geometries, follows_pe: Callable[[str], bool],
                   on_layer: Callable[[], None] | None = None) -> mapping.LayerTables:
    """Count tables of every layer, the one loop over layers (``follows_pe(name)``: does the layer
    run at the PE's precision; ``on_layer`` is called after each, for progress)."""
    tables = []
    for layer in layers:
        tables.append(layer_table(layer, geo, follows_pe(layer.name)))
        if on_layer:
            on_layer()
    return mapping.stack_tables(tables, [float(L.macs) for L in layers])


def leakage_pj_per_cycle(hw: HardwareCosts) -> np.ndarray:
    return hw.leakage_mw * units.PJ_PER_MW_S / (hw.clock_mhz * units.HZ_PER_MHZ)


def action_costs(hw: HardwareCosts) -> np.ndarray:
    """(P, len(ACTION_COSTS)) per-action energies and bandwidths in the kernel's column order."""
    cols = {
        "mac_pj": hw.mac_energy_pj, "spad_weight_pj": hw.spad_filter_pj, "spad_ifmap_pj": hw.spad_ifmap_pj,
        "spad_psum_pj": hw.spad_psum_pj, "noc_pj_per_bit_hop": hw.noc_pj_per_bit_hop,
        "glb_read_pj_per_bit": hw.glb_read_pj_per_bit, "glb_write_pj_per_bit": hw.glb_write_pj_per_bit,
        "dram_pj_per_bit": hw.dram_pj_per_bit,
        # every-cycle energies: leakage and the clock network (dse.evaluate splits them apart again)
        "leakage_pj_per_cycle": leakage_pj_per_cycle(hw) + hw.clock_pj_per_cycle,
        "dram_bits_per_cycle": hw.dram_bytes_per_cycle * 8, "glb_read_bits_per_cycle": hw.glb_read_bits_per_cycle,
        "glb_write_bits_per_cycle": hw.glb_write_bits_per_cycle,
    }
    return np.stack([np.asarray(cols[name], float) for name in mapping.ACTION_COSTS], axis=1)


def chosen_counts(tables: mapping.LayerTables, geo_index: np.ndarray, choice: np.ndarray) -> np.ndarray:
    """Count vectors of the chosen mappings, (L, P, len(COUNTS)), from a per-layer search."""
    L = tables.n_valid.shape[0]
    return tables.rows(np.arange(L)[:, None], geo_index[None, :], choice)
