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

# Register file (regfile):
# A latch bit with its share of clock gating and read mux: ~20 transistors, ~1000 F^2 in standard cells
# (a 65 nm latch ~ 5 um^2 = 1180 F^2).
_RF_BIT_AREA_F2 = 1000.0
# Calibration: Eyeriss (Chen et al., ISCA 2016) puts an RF access at ~1x a 16-bit MAC; a 16-bit MAC is
# ~0.8 pJ at 45 nm 0.9 V (Horowitz ISSCC 2014: 8-bit multiply 0.2 pJ, ~quadratic in width, + add) and
# ~1.5 pJ at 65 nm 1.1 V (C V^2 scaling). 1.5 pJ = 16 bits x 10 levels (256 entries) x C x 1.21 V^2.
_RF_C_LEVEL_FF_65NM = 7.7
# Write: clocked latches and data fan-out of one word, +20 % over the switched levels (our estimate).
_RF_WRITE_FANOUT_FACTOR = 1.2
# Leaking transistor width per stored bit, in F (our estimate).
_RF_LEAK_WIDTH_F_PER_BIT = 8.0


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
    htree="repeated",
) -> MemoryCosts:
    _check_inputs(tech, capacity_bytes, word_bits, banks)
    c = evaluate(tech, capacity_bytes, word_bits, node_nm, banks, target=target, cells=cells, roadmap=roadmap, htree=htree)
    return MemoryCosts(
        c.read_energy_pj, c.write_energy_pj, c.read_latency_ns, c.write_latency_ns, c.leakage_mw, c.area_mm2
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
) -> MemoryCosts:
    """Cache with normal (parallel tag and data) access: latency = max(tag + compare, data);
    energies add the tag read of all ways of a set; a write also writes one tag."""
    line_bits = np.asarray(line_bytes, float) * 8.0
    _check_inputs(tech, capacity_bytes, line_bits, banks)
    data = evaluate(
        tech, capacity_bytes, line_bits, node_nm, banks, target=target, cells=cells, roadmap=roadmap, htree=htree
    )
    tb = tag_bits(capacity_bytes, line_bytes, associativity)
    lines = np.asarray(capacity_bytes, float) / np.asarray(line_bytes, float)
    tag_word = tb * associativity
    try:
        tag = evaluate(
            tech, lines * tb / 8.0, tag_word, node_nm, banks, target=target, cells=cells, roadmap=roadmap,
            htree=htree,
        )
    except MemoryModelError as exc:  # name the cache the caller asked for, not only its tag array
        raise MemoryModelError(
            f"{associativity}-way tag array of the cache with capacity_bytes "
            f"{np.unique(np.asarray(capacity_bytes, float)).tolist()[:4]} and line_bytes "
            f"{np.unique(np.asarray(line_bytes, float)).tolist()[:2]}: {exc} (too few sets; use a larger "
            f"capacity or fewer banks)"
        ) from None
    # tag compare + way select: ~6 FO4 (CACTI 7 reported a 17 ps comparator at 22 nm; we add the way mux)
    compare_ns = 6.0 * tk.fo4_ps(node_nm, roadmap) * 1e-3
    return MemoryCosts(
        read_energy_pj=data.read_energy_pj + tag.read_energy_pj,
        write_energy_pj=data.write_energy_pj + tag.read_energy_pj + tag.write_energy_pj * tb / tag_word,
        read_latency_ns=np.maximum(data.read_latency_ns, tag.read_latency_ns + compare_ns),
        write_latency_ns=np.maximum(data.write_latency_ns, tag.read_latency_ns + compare_ns),
        leakage_mw=data.leakage_mw + tag.leakage_mw,
        area_mm2=data.area_mm2 + tag.area_mm2,
    )


def regfile(capacity_bytes, word_bits, node_nm=45.0, roadmap="hp") -> MemoryCosts:
    """Per-PE register file (tens to hundreds of bytes): flip-flop/latch array with a read mux tree.

    Energy per read ~ word_bits x (mux tree of log2(entries) levels + output drive), per write the
    clocked latches of one word; calibrated so that a 0.5 KiB 16-bit RF at 65 nm costs ~1x a 16-bit
    MAC (~1.5 pJ at 65 nm; Eyeriss, Chen et al. ISCA 2016: RF 1x, MAC 1x).
    """

    cap = _check_positive("capacity_bytes", capacity_bytes)
    w = _check_positive("word_bits", word_bits)
    node = tk.check_node(node_nm)
    entries = np.maximum(cap * 8.0 / w, 1.0)
    vdd = tk.vdd_v(node, roadmap)
    f_um = node * 1e-3
    # switched capacitance per bit and mux level, proportional to F (gate + local wire)
    c_level_ff = _RF_C_LEVEL_FF_65NM * node / 65.0
    levels = np.log2(entries) + 2.0  # mux levels + output driver + decoder share
    read_pj = w * levels * c_level_ff * vdd**2 * 1e-3
    write_pj = w * (2.0 + 0.5 * np.log2(entries)) * c_level_ff * vdd**2 * 1e-3 * _RF_WRITE_FANOUT_FACTOR
    area_mm2 = cap * 8.0 * _RF_BIT_AREA_F2 * f_um**2 * 1e-6
    leak_width_um = cap * 8.0 * _RF_LEAK_WIDTH_F_PER_BIT * f_um
    leak_mw = leak_width_um * tk.i_off_na_per_um(node, roadmap) * 1e-9 * vdd * 1e3
    lat_ns = tk.fo4_ps(node, roadmap) * (levels + 2.0) * 1e-3
    return MemoryCosts(read_pj, write_pj, lat_ns, lat_ns, leak_mw, area_mm2)

