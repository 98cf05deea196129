"""Iso-capacity and iso-area comparison of SRAM, STT-MRAM and SOT-MRAM for a workload's access profile.

Energy, delay and EDP of one memory for a workload (our reading of the DeepNVM++ methodology, Inci et
al., TCAD 2022: memory EDP from profiled reads/writes and per-access circuit figures):
    energy_j = reads * E_read + writes * E_write + P_leak * runtime
    delay_s  = reads * t_read + writes * t_write          (memory busy time)
    edp      = energy_j * delay_s
Access counts per run are inputs (the cost model supplies them for a real network); the defaults below
are stated profiles, given at the SRAM capacity compared.

Iso-area: a denser MRAM holds more in the same area, so fewer of the reads miss. A profile names the
network whose traffic it stands for (``reuse_network``, batch, bits), and memory_models.llc_reuse gives
that network's cache traffic against capacity from LRU reuse distances. At each technology's iso-area
capacity the cores' reads are unchanged and the data-array writes (the cores' writes plus the fills of
read misses) scale as that model's do. The run time stays the profile's: a GPU running these networks
is compute-bound (ResNet-18, batch 16, fp32: 58 GFLOP, 10.2 ms at half the 11.34 TFLOP/s of a GTX
1080 Ti, 3,584 cores at 1.582 GHz by NVIDIA's specification, our stand-in for a GPU of DeepNVM++'s
time; against 0.76-1.15 ms to move its 0.37-0.56 GB of misses and write-backs at 16-1 MiB over its
484 GB/s; tests/test_mem_study.py), so the saved DRAM traffic does not shorten it. The EDP is the
cache's alone, as at iso-capacity: DRAM energy and time are not in it. DeepNVM++'s abstracts, all of it
we could read, do not say; DRAM energy added to both sides dilutes every reduction (the benchmark's
what-if: STT at iso-area 1.36x -> 1.15x), so we read its EDP as the cache's in both studies.
Measured (benchmarks/mem_deepnvm.py): the hit-rate gain moves the iso-area EDP reductions by a few per
cent under the default profile, because fills are a fraction of the writes and the energy is
leakage-dominated; STT's iso-area reduction stays below DeepNVM++'s (tests/test_mem_study.py says by
how much and why).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from memory_models import TECH_NAMES, MemoryCosts, Tech, buffer, cache
from memory_models import technology as tk
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
    # the network whose cache traffic against capacity (memory_models.llc_reuse) scales the writes at
    # iso-area; None: access counts independent of capacity
    reuse_network: str | None = None
    reuse_batch: int = 1
    reuse_bits: int = 32


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


def _gpu_llc(name: str, accesses_per_s: float, write_fraction: float, reuse=(None, 1, 32)) -> AccessProfile:
    # DeepNVM++-like last-level cache (GPU L2, 64 B lines) over 1 s of DNN work. Accesses per second and
    # write fraction are our assumptions (order of a GPU L2 under DNN load: ~1-2 G lines/s, i.e. 64-128
    # GB/s; training writes back gradients and activations, hence more writes), not DeepNVM++'s profiles.
    # ``reuse``: (network, batch, bits) whose traffic against capacity scales the writes at iso-area.
    network, batch, bits = reuse
    where = f"; iso-area traffic of {network} batch {batch} at {bits} bits" if network else ""
    return AccessProfile(
        name,
        accesses_per_s * (1 - write_fraction),
        accesses_per_s * write_fraction,
        1.0,
        "cache",
        512,
        f"GPU LLC, {accesses_per_s:.0e} lines/s, {write_fraction:.0%} writes{where}",
        network,
        batch,
        bits,
    )


PROFILES: dict[str, AccessProfile] = {
    p.name: p
    for p in (
        _resnet18_eyeriss_glb(),  # a scratchpad GLB: software-managed, so no hit rate to gain
        # inference on a GPU at fp32 (the frameworks' default when DeepNVM++ profiled), batch 16
        _gpu_llc("gpu-llc-inference", 1e9, 0.2, ("resnet18", 16, 32)),
        # training: the reuse model covers the forward pass only, so counts stay fixed
        _gpu_llc("gpu-llc-training", 2e9, 0.4),
    )
}


def array_write_scale(profile: AccessProfile, capacity_bytes, reference_bytes) -> np.ndarray:
    """Data-array writes at ``capacity_bytes`` over those at ``reference_bytes`` for ``profile``'s
    network (memory_models.llc_reuse); 1 where the profile names none."""
    capacity_bytes = np.asarray(capacity_bytes, dtype=float)
    if profile.reuse_network is None:
        return np.ones_like(capacity_bytes)
    from memory_models.llc_reuse import llc_traffic
    from workloads import zoo

    builder = zoo.ZOO[profile.reuse_network][0]
    graph = builder(n=profile.reuse_batch, w_bits=profile.reuse_bits, a_bits=profile.reuse_bits)
    writes = llc_traffic(graph, np.append(capacity_bytes, float(reference_bytes))).array_write_bytes
    return writes[:-1] / writes[-1]


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
    writes: np.ndarray  # writes per run each technology sees (iso-area: fewer fills at a larger capacity)
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
    return Comparison(np.full(len(TECHS), float(capacity_bytes)), costs, np.full(len(TECHS), profile.writes),
                      e, d, edp)


# capacities tried for iso-area, in units of the SRAM capacity (1/8 steps up to 6x)
_ISO_AREA_STEPS = np.arange(8, 49) / 8.0


def iso_area(
    capacity_bytes: float, profile: AccessProfile, node_nm: float = 16.0, roadmap: str = "hp",
    htree: str = "repeated", hit_gain: bool = True,
) -> Comparison:
    """Largest capacity of each technology (in 1/8 steps of the SRAM capacity) within the SRAM area.

    One evaluation of every (technology, capacity step); the SRAM reference is its first element.
    ``hit_gain``: the writes follow the larger capacity's fewer fills (module docstring); False keeps
    the SRAM's counts for every technology."""
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
    scale = array_write_scale(profile, caps[best], capacity_bytes) if hit_gain else np.ones(len(TECHS))
    writes = profile.writes * scale
    e, d, edp = workload_energy_delay(costs, profile.reads, writes, profile.runtime_s)
    return Comparison(caps[best], costs, writes, e, d, edp)


# DeepNVM++ headline ratios vs SRAM at 16 nm ("up to", over its DL workloads). These are the book
# chapter's (Inci, Isgenc, Marculescu, "Efficient Deep Learning Using Non-Volatile Memory Technology in
# GPU Architectures", Springer 2023, arXiv 2206.13601, abstract); the TCAD paper's abstract (IEEE TCAD
# 41(10) 2022, doi 10.1109/TCAD.2021.3127148, as arXiv 2012.04559) gives the same figures except the
# iso-area EDP reduction, below. The DATE 2020 DeepNVM gives 2.3x iso-area EDP reduction on average.
DEEPNVM_TCAD_ISO_AREA_EDP_REDUCTION = {Tech.STT_MRAM: 2.0, Tech.SOT_MRAM: 2.3}
DEEPNVM_PUBLISHED = {
    "iso_capacity_edp_reduction": {Tech.STT_MRAM: 3.8, Tech.SOT_MRAM: 4.7},
    "iso_capacity_area_reduction": {Tech.STT_MRAM: 2.4, Tech.SOT_MRAM: 2.8},
    "iso_area_edp_reduction": {Tech.STT_MRAM: 2.2, Tech.SOT_MRAM: 2.4},
    "iso_area_capacity_gain": {Tech.STT_MRAM: 2.3, Tech.SOT_MRAM: 3.3},
}


# Capacities a GLB area budget may buy: 8 KiB to 1 GiB in 2^(1/8) steps (9 % apart).
_TECH_LABEL = {int(code): name for name, code in TECH_NAMES.items()}
_AREA_BUDGET_CAPACITIES_BYTES = np.round(2.0 ** np.arange(13, 30 + 1e-9, 1 / 8))


def buffer_capacity_for_area(
    tech, area_mm2, word_bits: int, node_nm, banks, roadmap: str = "hp", vdd_v=None
) -> np.ndarray:
    """Largest buffer capacity (bytes, on a 2^(1/8) grid) of each technology whose area fits ``area_mm2``:
    the iso-area reading of a design space (a denser MRAM buys more capacity in the same area). Arrays
    broadcast; each distinct (tech, area, node, banks, supply) is evaluated once over the whole grid. The
    supply ``vdd_v`` (V; None: the roadmap's) matters where it sizes an MRAM cell (memory_models.drive)."""
    tech, area, node, banks, vdd = np.broadcast_arrays(
        np.asarray(tech, int), np.asarray(area_mm2, float), np.asarray(node_nm, float),
        np.asarray(banks, int), tk.supply_v(node_nm, roadmap, vdd_v))
    keys = np.stack([x.reshape(-1).astype(float) for x in (tech, area, node, banks, vdd)], axis=1)
    uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
    caps = _AREA_BUDGET_CAPACITIES_BYTES
    col = lambda i: uniq[:, i][:, None]
    grid = np.asarray(buffer(col(0).astype(int), caps[None, :], word_bits, col(2), col(3).astype(int),
                             roadmap=roadmap, vdd_v=col(4)).area_mm2)
    fits = grid <= col(1) * (1 + 1e-9)
    if not fits.any(axis=1).all():
        i = int(np.flatnonzero(~fits.any(axis=1))[0])
        raise MemoryModelError(
            f"{uniq[i, 1]:g} mm2 holds no {_TECH_LABEL[int(uniq[i, 0])]} buffer of "
            f"{int(uniq[i, 3])} bank(s) at {uniq[i, 2]:g} nm (the smallest, {caps[0] / 1024:g} KiB, takes "
            f"{grid[i, 0]:.3g} mm2)")
    best = np.where(fits, np.arange(len(caps)), -1).max(axis=1)
    return caps[best][inverse.reshape(-1)].reshape(tech.shape)
