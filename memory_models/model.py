"""Memory costs for the public API: buffers (no tags), caches (tag + data) and register files.

Arrays are built from :mod:`memory_models.array` (cells + organisation search); this module adds
the cache tag array and the small register-file model used for per-PE scratchpads.
"""

from __future__ import annotations

import numpy as np

from memory_models import MemoryCosts, Tech
from memory_models import technology as tk
from memory_models.array import evaluate
from memory_models.errors import MemoryModelError

ADDRESS_BITS = 40  # physical address width for tags (our choice; CACTI 7 used 42 tag bits in our runs)
STATUS_BITS = 2  # valid + dirty per line
DEFAULT_ASSOCIATIVITY = 16


def ways_sensed(associativity) -> np.ndarray:
    """Ways a normal-access cache's data array senses per read: NVSim's way-select split.

    With parallel (normal) access the hit is not known when the data row is read, so a set lies in one
    row and the mux that picks its way sits partly before and partly after the sense amplifiers: every
    way selected after them is sensed. NVSim (SEAL-UCSB/NVSim 6334d00, BankWithHtree.cpp, "multiple ways
    per row, needs extra mux level", non-DRAM cells) splits the W ways of a row as output level-2 and
    level-1 muxes of 2^floor(log2(W) / 3) each after the amplifiers and the rest before them, so
    4^floor(log2(W) / 3) ways are sensed: 16-way 4, 8-way 4, 4-way 1, 64-way 16. (CACTI 7 puts the whole
    way select after the amplifiers, parameter.cc: deg_sa_mux_l1_non_assoc = Ndsam_lev_1 / data_assoc,
    i.e. all W ways sensed.) A way selected before the amplifiers needs the hit before sensing, which
    neither tool's latency waits for, nor ours (module docstring of memory_models.array). An SRAM pays
    it in its (tiny) latch SA energy and the columns it activates; a current-sensed MRAM pays each sensed
    bit's I-V converter and cell + reference current (memory_models.array._energies_fj)."""
    w = np.asarray(associativity, dtype=float)
    return 4.0 ** np.floor(np.log2(np.maximum(w, 1.0)) / 3.0 + 1e-9)


def _cache_arrays(capacity_bytes, line_bytes, associativity, sensed_ways):
    """What a cache's two arrays are, declared once for ``cache`` and ``cache_read_parts_pj``: the data array's
    word (bits) and sensed words, the tag array's capacity (bytes) and word (bits: a set's tags), and one tag."""
    tb = tag_bits(capacity_bytes, line_bytes, associativity)
    lines = np.asarray(capacity_bytes, float) / np.asarray(line_bytes, float)
    sensed = ways_sensed(associativity) if sensed_ways is None else sensed_ways
    return np.asarray(line_bytes, float) * 8.0, sensed, lines * tb / 8.0, tb * associativity, tb

# Register file (regfile): latch bits in rows (entries) x columns (bits), one read port.
# A latch bit with its share of clock gating and read port: ~20 transistors, ~1000 F^2 in standard cells
# (a 65 nm latch ~ 5 um^2 = 1180 F^2); laid out square, so an entry adds sqrt(1000) F of read and write
# bitline per bit.
_RF_BIT_AREA_F2 = 1000.0
# Per entry, each read bitline carries the wire over one bit pitch (technology.WIRE_C_FF_PER_UM) and the
# drain of that entry's read-port device (2 F wide, its drain ~ half its gate capacitance, as the array
# model's bitline: memory_models.array._lines); each write bitline the wire and a latch data input
# (2 F gate). A bitline toggles on half the accesses (random data): activity 0.5.
_RF_PORT_WIDTH_F = 2.0
_RF_BITLINE_ACTIVITY = 0.5
# The rest of a read -- address decode, the read-enable of one entry and the output driver, log2(entries)
# + 2 stages of switched capacitance per bit -- is calibrated on Eyeriss (Chen et al., ISCA 2016: an RF
# access ~1x a 16-bit MAC, ~1.5 pJ at 65 nm 1.1 V from Horowitz ISSCC 2014, C V^2-scaled). Its latch
# RFs are the 12-entry ifmap and 24-entry psum spads (the 224-entry filter spad was an SRAM; JSSC 2017),
# so the anchor is taken at 16 entries x 16 bits, at the 0.89 pJ this model gave there before its
# bitlines were modelled (0.6x the 1.5 pJ MAC, inside the anchor's 2x band; it keeps the Eyeriss
# validation's 12/24-entry spads where they were):
# 0.89 pJ = 16 bits x 1.21 V^2 x (6 stages x C_stage + 0.5 x 16 x C_entry), C_entry = 0.447 fF at 65 nm
# -> C_stage = 7.10 fF at 65 nm, proportional to F at other nodes. A 256-entry (0.5 KiB) RF then costs
# 2.5 pJ, 1.6x the MAC.
_RF_C_STAGE_FF_65NM = 7.10
# Write: clocked latches of one word and its enable, +20 % over the switched stages (our estimate).
_RF_WRITE_FANOUT_FACTOR = 1.2
# Leaking transistor width per stored bit, in F (our estimate).
_RF_LEAK_WIDTH_F_PER_BIT = 8.0


def _rf_entry_ff(node_nm: np.ndarray, input_gate: bool) -> np.ndarray:
    """Capacitance one entry adds to a read (drain) or write (gate) bitline of a latch register file."""
    f_um = node_nm * 1e-3
    device = _RF_PORT_WIDTH_F * f_um * tk.c_gate_ff_per_um(node_nm) * (1.0 if input_gate else 0.5)
    return tk.WIRE_C_FF_PER_UM * np.sqrt(_RF_BIT_AREA_F2) * f_um + device


def _check_positive(name: str, value) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if np.any(~np.isfinite(arr)) or np.any(arr <= 0):
        raise MemoryModelError(
            f"{name} must be positive and finite, got {np.unique(arr[~(arr > 0)]).tolist()[:5]}"
        )
    return arr


def _check_inputs(tech, capacity_bytes, word_bits, banks) -> None:
    t = np.asarray(tech)
    if not np.all(np.isin(t, [int(x) for x in Tech])):
        raise MemoryModelError(
            f"tech must be one of {[int(x) for x in Tech]} (Tech enum), got {np.unique(t).tolist()}"
        )
    cap = _check_positive("capacity_bytes", capacity_bytes)
    w = _check_positive("word_bits", word_bits)
    _check_positive("banks", banks)
    if np.any(cap * 8 < w):
        raise MemoryModelError("capacity_bytes must hold at least one word of word_bits")


def buffer(
    tech, capacity_bytes, word_bits, node_nm=45.0, banks=1, target="read_edp", cells=None, roadmap="hp",
    htree="repeated", vdd_v=None,
) -> MemoryCosts:
    _check_inputs(tech, capacity_bytes, word_bits, banks)
    c = evaluate(
        tech, capacity_bytes, word_bits, node_nm, banks, target=target, cells=cells, roadmap=roadmap,
        htree=htree, vdd_v=vdd_v,
    )
    return MemoryCosts(
        c.read_energy_pj, c.write_energy_pj, c.read_latency_ns, c.write_latency_ns, c.leakage_mw, c.area_mm2,
        c.access_width_f, c.cell_area_f2, c.access_upsized,
    )


def tag_bits(capacity_bytes, line_bytes, associativity) -> np.ndarray:
    sets = np.asarray(capacity_bytes, float) / (np.asarray(line_bytes, float) * associativity)
    index_offset = np.log2(np.maximum(sets, 1.0)) + np.log2(line_bytes)
    return ADDRESS_BITS - index_offset + STATUS_BITS


def cache(
    tech,
    capacity_bytes,
    line_bytes=64,
    node_nm=45.0,
    banks=1,
    target="read_edp",
    associativity=DEFAULT_ASSOCIATIVITY,
    cells=None,
    roadmap="hp",
    htree="repeated",
    vdd_v=None,
    sensed_ways=None,
) -> MemoryCosts:
    """Cache with normal (parallel tag and data) access: latency = max(tag + compare, data);
    energies add the tag read of all ways of a set; a data read senses ``ways_sensed(associativity)``
    ways before its output mux picks the hit (a write knows its way); a write also writes one tag.
    ``sensed_ways`` overrides that count (1: the one-way data read this model had before it counted the
    sensed ways; the golden files of earlier models, tests/test_mem_drive.py and test_mem_supply.py)."""
    line_bits = np.asarray(line_bytes, float) * 8.0
    _check_inputs(tech, capacity_bytes, line_bits, banks)
    line_bits, sensed, tag_bytes, tag_word, tb = _cache_arrays(capacity_bytes, line_bytes, associativity, sensed_ways)
    data = evaluate(
        tech, capacity_bytes, line_bits, node_nm, banks, target=target, cells=cells, roadmap=roadmap,
        htree=htree, vdd_v=vdd_v, sensed_words=sensed,
    )
    try:
        tag = evaluate(
            tech, tag_bytes, tag_word, node_nm, banks, target=target, cells=cells, roadmap=roadmap,
            htree=htree, vdd_v=vdd_v,
        )
    except MemoryModelError as exc:  # name the cache the caller asked for, not only its tag array
        raise MemoryModelError(
            f"{associativity}-way tag array of the cache with capacity_bytes "
            f"{np.unique(np.asarray(capacity_bytes, float)).tolist()[:4]} and line_bytes "
            f"{np.unique(np.asarray(line_bytes, float)).tolist()[:2]}: {exc} (too few sets; use a larger "
            f"capacity or fewer banks)"
        ) from None
    # tag compare + way select: ~6 FO4 (CACTI 7 reported a 17 ps comparator at 22 nm; we add the way mux)
    compare_ns = 6.0 * tk.fo4_ps(node_nm, roadmap, vdd_v) * 1e-3
    return MemoryCosts(
        read_energy_pj=data.read_energy_pj + tag.read_energy_pj,
        write_energy_pj=data.write_energy_pj + tag.read_energy_pj + tag.write_energy_pj * tb / tag_word,
        read_latency_ns=np.maximum(data.read_latency_ns, tag.read_latency_ns + compare_ns),
        write_latency_ns=np.maximum(data.write_latency_ns, tag.read_latency_ns + compare_ns),
        leakage_mw=data.leakage_mw + tag.leakage_mw,
        area_mm2=data.area_mm2 + tag.area_mm2,
        # tag and data share the cell, node and supply, hence its sizing
        access_width_f=data.access_width_f,
        cell_area_f2=data.cell_area_f2,
        access_upsized=data.access_upsized,
    )


def cache_read_parts_pj(
    tech, capacity_bytes, line_bytes=64, node_nm=45.0, banks=1, target="read_edp",
    associativity=DEFAULT_ASSOCIATIVITY, cells=None, roadmap="hp", htree="repeated", vdd_v=None, sensed_ways=None,
) -> dict[str, dict[str, np.ndarray]]:
    """``cache``'s read energy by array ("data", "tag") and component (memory_models.array.READ_PARTS, pJ):
    the breakdown NVSim prints for its data and tag arrays."""
    from memory_models.array import read_energy_parts_pj

    line_bits, sensed, tag_bytes, tag_word, _ = _cache_arrays(capacity_bytes, line_bytes, associativity, sensed_ways)
    kw = dict(target=target, cells=cells, roadmap=roadmap, htree=htree, vdd_v=vdd_v)
    return {
        "data": read_energy_parts_pj(tech, capacity_bytes, line_bits, node_nm, banks, sensed_words=sensed, **kw),
        "tag": read_energy_parts_pj(tech, tag_bytes, tag_word, node_nm, banks, **kw),
    }


def regfile(capacity_bytes, word_bits, node_nm=45.0, roadmap="hp", vdd_v=None) -> MemoryCosts:
    """Per-PE register file (a few to thousands of entries): latch array with bitlines along its entries.

    Energy per access ~ word_bits x (bitline: entries x C_entry x activity + log2(entries) + 2 switched
    stages) x Vdd^2, so it grows linearly with the number of entries once the bitlines dominate (from
    ~300 entries) and logarithmically below; calibrated on Eyeriss's 12-24-entry latch spads (RF ~1x a
    16-bit MAC; Chen et al. ISCA 2016; the constants' comments say how). At a supply ``vdd_v`` (default the
    roadmap's) energies go as V^2, leakage as I_off V and the delays as the devices' drive
    (memory_models.technology).
    """

    cap = _check_positive("capacity_bytes", capacity_bytes)
    w = _check_positive("word_bits", word_bits)
    node = tk.check_node(node_nm)
    entries = np.maximum(cap * 8.0 / w, 1.0)
    vdd = tk.supply_v(node, roadmap, vdd_v)
    f_um = node * 1e-3
    c_stage_ff = _RF_C_STAGE_FF_65NM * node / 65.0
    stages = np.log2(entries) + 2.0  # decode levels + entry enable + output driver
    read_bl_ff = _RF_BITLINE_ACTIVITY * entries * _rf_entry_ff(node, input_gate=False)
    write_bl_ff = _RF_BITLINE_ACTIVITY * entries * _rf_entry_ff(node, input_gate=True)
    read_pj = w * (stages * c_stage_ff + read_bl_ff) * vdd**2 * 1e-3
    write_stages_ff = (2.0 + 0.5 * np.log2(entries)) * c_stage_ff * _RF_WRITE_FANOUT_FACTOR
    write_pj = w * (write_stages_ff + write_bl_ff) * vdd**2 * 1e-3
    area_mm2 = cap * 8.0 * _RF_BIT_AREA_F2 * f_um**2 * 1e-6
    leak_width_um = cap * 8.0 * _RF_LEAK_WIDTH_F_PER_BIT * f_um
    leak_mw = leak_width_um * tk.i_off_na_per_um(node, roadmap) * 1e-9 * vdd * 1e3
    # read path: the decode stages (FO4 each) and the bitline's RC-free discharge by the 2 F port device
    r_port_ohm = tk.r_on_ohm_um(node, roadmap, vdd_v) / (_RF_PORT_WIDTH_F * f_um)
    t_bl_ps = 0.69 * r_port_ohm * entries * _rf_entry_ff(node, input_gate=False) * 1e-3
    lat_ns = (tk.fo4_ps(node, roadmap, vdd_v) * (stages + 2.0) + t_bl_ps) * 1e-3
    cell = np.ones_like(read_pj)  # a latch bit: its 2 F port device, its area, nothing to size
    return MemoryCosts(read_pj, write_pj, lat_ns, lat_ns, leak_mw, area_mm2, _RF_PORT_WIDTH_F * cell,
                       _RF_BIT_AREA_F2 * cell, np.zeros(read_pj.shape, dtype=bool))
