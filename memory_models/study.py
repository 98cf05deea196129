"""Iso-capacity and iso-area comparison of SRAM, STT-MRAM and SOT-MRAM for a workload's access profile.

Energy, delay and EDP of one memory for a workload (our reading of the DeepNVM++ methodology, Inci et
al., TCAD 2022: memory EDP from profiled reads/writes and per-access circuit figures):
    energy_j = reads * E_read + writes * E_write + P_leak * runtime
    delay_s  = reads * t_read + writes * t_write          (memory busy time)
    edp      = energy_j * delay_s
Access counts per run are inputs (the cost model supplies them for a real network); the defaults below
are stated profiles. Iso-area keeps the access counts fixed (no hit-rate gain from the larger MRAM is
modelled), so our iso-area EDP ratios omit the hit-rate gain a larger cache brings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from memory_models import TECH_NAMES, MemoryCosts, Tech, buffer, cache
from memory_models.errors import MemoryModelError

TECHS = tuple(Tech)  # SRAM first: ratios are taken against index 0
_TECH_CODES = np.array([int(t) for t in TECHS])


@dataclass(frozen=True)
class AccessProfile:
    """Accesses of one run (e.g. one inference) to one memory, and the run time for leakage."""

    name: str
    reads: float
    writes: float
    runtime_s: float
    kind: str  # "cache" (64 B lines) or "buffer"
    word_bits: int
    note: str


def _resnet18_eyeriss_glb() -> AccessProfile:
    # ResNet-18 at 224x224: 1.82 G MACs (REFERENCES.md). Eyeriss-like RS accelerator (Chen et al., JSSC
    # 2017: 168 PEs, 200 MHz, 16-bit words). Our assumptions, to be replaced by the cost model's counts:
    # each GLB word feeds ~24 MACs through the array and RFs (row-stationary reuse), two operands ->
    # reads = 2 * MACs / 24; partial sums and DRAM fills write back ~1/4 as many words; runtime =
    # MACs / (168 PEs * 200 MHz * 0.7 utilisation).
    macs = 1.82e9
    reads = 2.0 * macs / 24.0
    return AccessProfile(
        "resnet18-eyeriss-glb",
        reads,
        reads / 4.0,
        macs / (168 * 200e6 * 0.7),
        "buffer",
        16,
        "GLB of an Eyeriss-like RS accelerator, ResNet-18 inference, 16-bit words",
    )


def _gpu_llc(name: str, accesses_per_s: float, write_fraction: float) -> AccessProfile:
    # DeepNVM++-like last-level cache (GPU L2, 64 B lines) over 1 s of DNN work. Accesses per second and
    # write fraction are our assumptions (order of a GPU L2 under DNN load: ~1-2 G lines/s, i.e. 64-128
    # GB/s; training writes back gradients and activations, hence more writes), not DeepNVM++'s profiles.
    return AccessProfile(
        name,
        accesses_per_s * (1 - write_fraction),
        accesses_per_s * write_fraction,
        1.0,
        "cache",
        512,
        f"GPU LLC, {accesses_per_s:.0e} lines/s, {write_fraction:.0%} writes",
    )


PROFILES: dict[str, AccessProfile] = {
    p.name: p
    for p in (
        _resnet18_eyeriss_glb(),
        _gpu_llc("gpu-llc-inference", 1e9, 0.2),
        _gpu_llc("gpu-llc-training", 2e9, 0.4),
    )
}


def workload_energy_delay(
    costs: MemoryCosts, reads, writes, runtime_s
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(energy_j, delay_s, edp_js) of a memory for access counts; all arguments broadcast."""
    reads, writes, runtime_s = (np.asarray(x, dtype=float) for x in (reads, writes, runtime_s))
    if np.any(reads < 0) or np.any(writes < 0) or np.any(runtime_s < 0):
        raise MemoryModelError("reads, writes and runtime_s must be non-negative")
    energy_j = (
        reads * costs.read_energy_pj + writes * costs.write_energy_pj
    ) * 1e-12 + costs.leakage_mw * 1e-3 * runtime_s
    delay_s = (reads * costs.read_latency_ns + writes * costs.write_latency_ns) * 1e-9
    return energy_j, delay_s, energy_j * delay_s


def _costs(
    kind: str, tech, capacity_bytes, word_bits: int, node_nm: float, roadmap: str, htree: str = "repeated"
) -> MemoryCosts:
    if kind == "cache":
        return cache(tech, capacity_bytes, word_bits // 8, node_nm, roadmap=roadmap, htree=htree)
    if kind == "buffer":
        return buffer(tech, capacity_bytes, word_bits, node_nm, roadmap=roadmap, htree=htree)
    raise MemoryModelError(f"kind must be 'cache' or 'buffer', got {kind!r}")


@dataclass(frozen=True)
class Comparison:
    """Per technology (index = Tech) figures at the compared capacities."""

    capacity_bytes: np.ndarray
    costs: MemoryCosts
    energy_j: np.ndarray
    delay_s: np.ndarray
    edp_js: np.ndarray

    def ratio_vs_sram(self, field: str) -> np.ndarray:
        """SRAM value / technology value (the 'x-fold reduction' DeepNVM++ reports)."""
        values = np.asarray(getattr(self, field) if hasattr(self, field) else getattr(self.costs, field))
        return values[0] / values


def iso_capacity(
    capacity_bytes: float, profile: AccessProfile, node_nm: float = 16.0, roadmap: str = "hp",
    htree: str = "repeated",
) -> Comparison:
    costs = _costs(profile.kind, _TECH_CODES, capacity_bytes, profile.word_bits, node_nm, roadmap, htree)
    e, d, edp = workload_energy_delay(costs, profile.reads, profile.writes, profile.runtime_s)
    return Comparison(np.full(len(TECHS), float(capacity_bytes)), costs, e, d, edp)


# capacities tried for iso-area, in units of the SRAM capacity (1/8 steps up to 6x)
_ISO_AREA_STEPS = np.arange(8, 49) / 8.0


def iso_area(
    capacity_bytes: float, profile: AccessProfile, node_nm: float = 16.0, roadmap: str = "hp",
    htree: str = "repeated",
) -> Comparison:
    """Largest capacity of each technology (in 1/8 steps of the SRAM capacity) within the SRAM area.

    One evaluation of every (technology, capacity step); the SRAM reference is its first element."""
    caps = float(capacity_bytes) * _ISO_AREA_STEPS
    grid = _costs(
        profile.kind, _TECH_CODES[:, None], caps[None, :], profile.word_bits, node_nm, roadmap, htree
    )
    area = np.asarray(grid.area_mm2)
    fits = area <= area[0, 0] * (1 + 1e-9)  # area[0, 0]: SRAM at capacity_bytes (step 1)
    best = np.where(fits, np.arange(len(caps)), -1).max(axis=1)
    best = np.maximum(best, 0)  # a technology larger than SRAM even at step 1 keeps the SRAM capacity
    pick = (np.arange(len(TECHS)), best)
    costs = MemoryCosts(**{k: np.asarray(v)[pick] for k, v in vars(grid).items()})
    e, d, edp = workload_energy_delay(costs, profile.reads, profile.writes, profile.runtime_s)
    return Comparison(caps[best], costs, e, d, edp)


# DeepNVM++ (Inci, Isgenc, Marculescu, IEEE TCAD 41(10) 2022) headline ratios vs SRAM at 16 nm ("up to").
DEEPNVM_PUBLISHED = {
    "iso_capacity_edp_reduction": {Tech.STT_MRAM: 3.8, Tech.SOT_MRAM: 4.7},
    "iso_capacity_area_reduction": {Tech.STT_MRAM: 2.4, Tech.SOT_MRAM: 2.8},
    "iso_area_edp_reduction": {Tech.STT_MRAM: 2.2, Tech.SOT_MRAM: 2.4},
    "iso_area_capacity_gain": {Tech.STT_MRAM: 2.3, Tech.SOT_MRAM: 3.3},
}


# Capacities a GLB area budget may buy: 8 KiB to 1 GiB in 2^(1/8) steps (9 % apart).
_TECH_LABEL = {int(code): name for name, code in TECH_NAMES.items()}
_AREA_BUDGET_CAPACITIES_BYTES = np.round(2.0 ** np.arange(13, 30 + 1e-9, 1 / 8))


def buffer_capacity_for_area(tech, area_mm2, word_bits: int, node_nm, banks, roadmap: str = "hp") -> np.ndarray:
    """Largest buffer capacity (bytes, on a 2^(1/8) grid) of each technology whose area fits ``area_mm2``:
    the iso-area reading of a design space (a denser MRAM buys more capacity in the same area). Arrays
    broadcast; each distinct (tech, area, node, banks) is evaluated once over the whole grid."""
    tech, area, node, banks = np.broadcast_arrays(np.asarray(tech, int), np.asarray(area_mm2, float),
                                                  np.asarray(node_nm, float), np.asarray(banks, int))
    keys = np.stack([x.reshape(-1).astype(float) for x in (tech, area, node, banks)], axis=1)
    uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
    caps = _AREA_BUDGET_CAPACITIES_BYTES
    col = lambda i: uniq[:, i][:, None]
    grid = np.asarray(buffer(col(0).astype(int), caps[None, :], word_bits, col(2), col(3).astype(int),
                             roadmap=roadmap).area_mm2)
    fits = grid <= col(1) * (1 + 1e-9)
    if not fits.any(axis=1).all():
        i = int(np.flatnonzero(~fits.any(axis=1))[0])
        raise MemoryModelError(
            f"{uniq[i, 1]:g} mm2 holds no {_TECH_LABEL[int(uniq[i, 0])]} buffer of "
            f"{int(uniq[i, 3])} bank(s) at {uniq[i, 2]:g} nm (the smallest, {caps[0] / 1024:g} KiB, takes "
            f"{grid[i, 0]:.3g} mm2)")
    best = np.where(fits, np.arange(len(caps)), -1).max(axis=1)
    return caps[best][inverse.reshape(-1)].reshape(tech.shape)
