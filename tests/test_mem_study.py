"""Iso-capacity / iso-area study against the DeepNVM++ headline ratios (Inci, Isgenc, Marculescu, IEEE TCAD
41(10) 2022 and the 2023 book chapter, arXiv 2206.13601; 16 nm GPU last-level caches, NVSim-style models,
profiled DL workloads).

Workload assumptions (memory_models.study): a GPU LLC with 64 B lines serving 1 G lines/s, 20 % writes,
over 1 s ("gpu-llc-inference"); EDP = (reads E_r + writes E_w + P_leak T) x (reads t_r + writes t_w);
at iso-area the writes follow the larger capacity's fewer fills (LRU reuse distances of ResNet-18,
batch 16, fp32: memory_models.llc_reuse), reads and run time fixed. DeepNVM++ reports "up to" figures
over its workloads; we take the maximum over 1-16 MiB capacities for that profile.

Bands tested (ours vs published) and what we measured (`python benchmarks/mem_deepnvm.py`):
  * iso-capacity area reduction: within 30 % at every capacity (ours STT 1.8-2.25x vs 2.4x, SOT 2.5-3.05x
    vs 2.8x);
  * iso-area capacity gain: within 30 % (ours STT 2.1-2.5x vs 2.3x, SOT 2.9-3.0x vs 3.3x);
  * EDP reduction "up to", iso-capacity and iso-area: within 30 % for SOT iso-capacity (ours 4.65x vs
    4.7x). Three miss it, strict xfails with their causes below: STT iso-area (ours 1.36x vs 2.2x chapter,
    2.0x TCAD), and since a normal-access cache's data array senses 4 of its 16 ways (session 8:
    memory_models.model.ways_sensed, NVSim's own way split; it had sensed one) STT iso-capacity (3.19x ->
    2.46x vs 3.8x) and SOT iso-area (1.97x -> 1.60x vs 2.4x chapter, 2.3x TCAD). Every EDP ratio within a
    factor 2;
  * the hit-rate gain: it never lowers an MRAM's iso-area EDP reduction, leaves SRAM and iso-capacity
    unchanged, and stays below the bound of an MRAM that misses nothing;
  * orderings: SOT better than STT, both better than SRAM, for EDP from 4 MiB up and for area/capacity;
    the MRAM EDP advantage grows with capacity (DeepNVM++'s scalability finding).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from memory_models import Tech, study
from memory_models.errors import MemoryModelError

PROFILE = study.PROFILES["gpu-llc-inference"]
CAPS = [2**20 * m for m in (1, 2, 4, 8, 16)]
ISO_C = [study.iso_capacity(c, PROFILE, 16.0) for c in CAPS]
ISO_A = [study.iso_area(c, PROFILE, 16.0) for c in CAPS]
PUB = study.DEEPNVM_PUBLISHED
MRAM = (Tech.STT_MRAM, Tech.SOT_MRAM)


def _up_to(comparisons, field):
    return np.max([c.ratio_vs_sram(field) for c in comparisons], axis=0)


@pytest.mark.parametrize("tech", MRAM)
def test_iso_capacity_area_reduction(tech):
    ours = np.array([c.ratio_vs_sram("area_mm2")[tech] for c in ISO_C])
    pub = PUB["iso_capacity_area_reduction"][tech]
    assert np.all(np.abs(ours / pub - 1) <= 0.30), ours


@pytest.mark.parametrize("tech", MRAM)
def test_iso_area_capacity_gain(tech):
    ours = np.array([c.capacity_bytes[tech] / c.capacity_bytes[0] for c in ISO_A])
    pub = PUB["iso_area_capacity_gain"][tech]
    assert np.all(np.abs(ours / pub - 1) <= 0.30), ours
    # and each MRAM array really fits in the SRAM's area
    for c in ISO_A:
        assert np.asarray(c.costs.area_mm2)[tech] <= np.asarray(c.costs.area_mm2)[0] * (1 + 1e-9)


_STT_ISO_AREA = (
    "ours 1.36x vs DeepNVM++ 2.2x (book chapter) / 2.0x (TCAD), at 16 MiB. From NVSim's own iso-area "
    "reduction there (22 nm, our default STT cell given to NVSim, unrepeated H-tree, SRAM C vs STT 2C: "
    "2.83x) to ours, step by step (benchmarks/mem_deepnvm.py, iso_area_chain): ours at that configuration "
    "2.25x (x0.80: its energy ratio, leakage-dominated -- our SRAM leaks 0.59x NVSim's 16 MiB SRAM, our "
    "SRAM cell leakage sitting between CACTI 7's and NVSim's, 4x apart -- the delay ratio agrees to 2 %); "
    "our repeated H-tree 1.72x (x0.76: NVSim's unrepeated H-tree slows and costs its 16 MiB SRAM more); the "
    "largest STT capacity in the SRAM area, 2.5C instead of 2C, 1.36x (x0.79: the larger cache leaks 1.70x); "
    "16 nm 1.32x (x0.97); the hit-rate gain 1.36x (x1.03). Sensing 4 of 16 ways (session 8) moved it from "
    "1.37x by -1 %. Not DRAM energy (lowers it, 1.15x). DeepNVM++'s run time, leakage accounting, H-tree "
    "and cells could not be read here (abstracts only)"
)
_STT_ISO_CAPACITY = (
    "ours 2.46x vs DeepNVM++ 3.8x at 16 MiB (3.19x before a normal-access data array sensed 4 of its 16 ways, "
    "memory_models.model.ways_sensed: NVSim's way split, 2048 fired current sense amplifiers per 512-bit "
    "line, tests/test_mem_read_breakdown.py). The STT read is now NVSim's to the component (sense "
    "amplifiers 0.999x), and the STT/SRAM read-energy ratio 1.04-1.17x NVSim's at 22 nm; at 16 MiB its "
    "dynamic energy is 0.23 of the STT cache's, so the trade is the one the brief warned of. The rest of "
    "the gap is the profile and the SRAM side: at NVSim's configurations NVSim's own iso-capacity "
    "reduction is 5.54x at 16 MiB (ours 4.24x, our SRAM's unrepeated H-tree read energy 0.42-0.44x "
    "NVSim's, tests/test_mem_read_breakdown.py)"
)
_SOT_ISO_AREA = (
    "ours 1.60x vs DeepNVM++ 2.4x (chapter) / 2.3x (TCAD), at 16 MiB (1.97x before a normal-access data "
    "array sensed 4 of its 16 ways: every SOT read fires 2048 current sense amplifiers; its read-EDP "
    "optimum also takes a larger array, iso-area capacity 3.12 -> 3.00x, and so fewer fills: writes 0.755 "
    "-> 0.895x). Same chain as STT (_STT_ISO_AREA): repeated H-tree, largest-fit capacity"
)
MIB = 2**20


def _gmean(x) -> float:
    return float(np.exp(np.mean(np.log(x))))


def test_stt_penalty_of_a_larger_cache_is_nvsims():
    """The larger STT cache's own EDP penalty EDP(2C) / EDP(C), C = 1-16 MiB, under the GPU-LLC profile's
    fixed counts, from the stored NVSim 22 nm cache runs and from ours with NVSim's cells
    (benchmarks/mem_deepnvm.py). NVSim 1.38 / 1.16 / 1.74 / 2.02 / 2.26, ours 1.19 / 1.27 / 1.59 / 1.54 /
    1.63 (before the data array sensed 4 of 16 ways, session 8: 1.43 / 1.32 / 1.44 / 1.55 / 2.13): each step
    within 30 % (worst 0.72 at 16 MiB, test_stt_penalty_grows_as_nvsims_at_large_capacity), the geometric
    mean within 15 % (1.66 / 1.43; 10 % before, 1.55)."""
    import benchmark_modules

    bench = benchmark_modules.load("mem_deepnvm")
    theirs, ours, caps = bench.nvsim_stt_penalty(study.PROFILES["gpu-llc-inference"])
    assert caps.tolist() == [MIB * m for m in (1, 2, 4, 8, 16)]
    np.testing.assert_allclose(ours, theirs, rtol=0.30)
    assert _gmean(ours) == pytest.approx(_gmean(theirs), rel=0.15)


@pytest.mark.xfail(strict=True, reason=(
    "since the data array senses 4 of 16 ways (session 8) our 16 MiB STT cache's read-EDP optimum leaks 0.74x "
    "NVSim's (1.66 vs 2.23 W; 0.54x before) while our 32 MiB one stays at 0.51x (2.28 vs 4.46 W: NVSim doubles "
    "its 30.9 mW mats, ours grows 1.37x), so the 16 -> 32 MiB step is 1.63 against NVSim's 2.26 (2.13 "
    "before), and our penalty at 8-16 MiB (gmean 1.58) is not 1.2x that at 1-4 MiB (1.34; NVSim 2.14 / 1.40)"))
def test_stt_penalty_grows_as_nvsims_at_large_capacity():
    """The 16 -> 32 MiB step of the iso-area study within 10 % of NVSim's, and in both the penalty grows with
    capacity, as leakage takes more of the energy (NVSim 32-51 % at 1-4 MiB, 64-83 % at 8-32 MiB)."""
    import benchmark_modules

    theirs, ours, caps = benchmark_modules.load("mem_deepnvm").nvsim_stt_penalty(
        study.PROFILES["gpu-llc-inference"])
    assert ours[-1] == pytest.approx(theirs[-1], rel=0.10)
    small, large = caps <= 4 * MIB, caps >= 8 * MIB
    for x in (theirs, ours):
        assert _gmean(x[large]) > 1.2 * _gmean(x[small])


def test_stt_leakage_at_large_capacity_not_above_nvsims():
    """Our STT cache leakage is not what makes the larger cache costly: at 16-32 MiB (22 nm, NVSim's cells)
    it is 0.74x / 0.51x NVSim's at 16 / 32 MiB (0.54 / 0.51x before the data array sensed 4 of 16 ways; inside
    the 2x band of test_mem_reference at 1-8 MiB), and it grows no faster with capacity than NVSim's from 8
    to 32 MiB (ours 1.98x, NVSim 3.79x)."""
    import benchmark_modules

    s = benchmark_modules.load("mem_deepnvm").nvsim_pair(Tech.STT_MRAM)
    big = s.capacity_bytes >= 16 * MIB
    r = np.asarray(s.ours.leakage_mw)[big] / np.asarray(s.nvsim.leakage_mw)[big]
    assert np.all((r >= 0.5) & (r <= 1.0)), r
    at = {c: i for i, c in enumerate(s.capacity_bytes)}
    growth = lambda c: c.leakage_mw[at[32 * MIB]] / c.leakage_mw[at[8 * MIB]]  # noqa: E731
    assert growth(s.ours) <= growth(s.nvsim)


def test_stt_penalty_with_our_default_cell_is_nvsims():
    """The same penalty with our default STT cell's write point (5 ns, 40.82 uA, 8.5 F), given to NVSim as a
    cell file (tests/data/mem_reference_nvsim_stt_default.csv), at the study's capacities: NVSim 1.45 (8 MiB,
    where its ReadEDP search takes twice the mats per MiB and leaks 2.14 W, near its 16 MiB cache's 2.22 W)
    and 2.35 (16 MiB), ours 1.59 and 2.33 (1.65 and 2.44 before the sensed ways): within 20 %."""
    import benchmark_modules

    theirs, ours, caps = benchmark_modules.load("mem_deepnvm").nvsim_stt_penalty(
        study.PROFILES["gpu-llc-inference"], "default")
    assert caps.tolist() == [8 * MIB, 16 * MIB]
    np.testing.assert_allclose(ours, theirs, rtol=0.20)


@pytest.mark.parametrize("cell_set", [pytest.param("sample", marks=pytest.mark.xfail(strict=True, reason=(
    "since the data array senses 4 of 16 ways (session 8) our STT read is NVSim's (1.14-1.30x with its cells), "
    "which no longer offsets our SRAM's unrepeated-H-tree read energy at 0.52-0.58x NVSim's (its H-tree "
    "0.42-0.44x, tests/test_mem_read_breakdown.py): iso-capacity at 4 / 8 MiB ours 1.04 / 2.05 vs NVSim 1.52 / "
    "3.20 (0.68 / 0.64); iso-area at 32 MiB 3.28 vs 6.06 (NVSim's 64 MiB STT leaks 1.02x its 32 MiB one)"))),
    "default"])
def test_nvsim_own_iso_ratios(cell_set):
    """NVSim's own SRAM-vs-STT EDP reductions under the GPU-LLC profile (22 nm, fixed counts), iso-capacity
    and iso-area (SRAM C against the STT of 2C in its area), and ours at the same configurations and cells:
    each within 30 %.
    NVSim's sample cell, C = 1-32 MiB (a strict xfail since session 8, reason above): iso-capacity NVSim
    0.34 / 0.57 / 1.52 / 3.20 / 5.54 / 11.0, ours 0.29 / 0.55 / 1.04 / 2.05 / 4.24 / 8.12 (before the sensed
    ways 0.41 / 0.71 / 1.36 / 2.67 / 5.76 / 8.86); iso-area (2-32 MiB) NVSim 0.49 / 0.88 / 1.59 / 2.45 / 6.06,
    ours 0.43 / 0.66 / 1.34 / 2.60 / 3.28 (before 0.54 / 0.94 / 1.72 / 2.70 / 4.49).
    Our default STT cell, C = 8-16 MiB: iso-capacity NVSim 2.76 / 6.64, ours 2.63 / 5.24; iso-area (NVSim's
    8 MiB STT does not fit its 4 MiB SRAM) NVSim 1.90 / 2.83, ours 1.65 / 2.25. At 32 MiB (not tested) its
    iso-capacity is 12.7 against our 7.03: NVSim's 32 MiB SRAM (128 x 8 banks of 64-row subarrays) leaks
    36.3 W and reads in 14.1 ns, ours 0.57x and 0.68x that (our SRAM leakage sits between CACTI 7's and
    NVSim's, 4x apart: test_mem_reference)."""
    import benchmark_modules

    r = benchmark_modules.load("mem_deepnvm").nvsim_iso_ratios(study.PROFILES["gpu-llc-inference"], cell_set)
    caps = r["capacity_bytes"]
    tested = caps <= (32 if cell_set == "sample" else 16) * MIB
    same, fits = r["same_capacity"] & tested, r["area_fits"] & tested
    expected = {"sample": ([1, 2, 4, 8, 16, 32], [2, 4, 8, 16, 32]), "default": ([8, 16], [8, 16])}[cell_set]
    assert (caps[same] / MIB).tolist() == expected[0] and (caps[fits] / MIB).tolist() == expected[1]
    np.testing.assert_allclose(r["ours_iso_capacity"][same], r["nvsim_iso_capacity"][same], rtol=0.30)
    np.testing.assert_allclose(r["ours_iso_area"][fits], r["nvsim_iso_area"][fits], rtol=0.30)


@pytest.mark.parametrize(
    "key, tech",
    [
        pytest.param("iso_capacity_edp_reduction", Tech.STT_MRAM,
                     marks=pytest.mark.xfail(strict=True, reason=_STT_ISO_CAPACITY)),
        ("iso_capacity_edp_reduction", Tech.SOT_MRAM),
        pytest.param(
            "iso_area_edp_reduction", Tech.STT_MRAM, marks=pytest.mark.xfail(strict=True, reason=_STT_ISO_AREA)
        ),
        pytest.param("iso_area_edp_reduction", Tech.SOT_MRAM,
                     marks=pytest.mark.xfail(strict=True, reason=_SOT_ISO_AREA)),
    ],
)
def test_edp_reduction_up_to_within_30_percent(key, tech):
    ours = _up_to(ISO_C if key.startswith("iso_capacity") else ISO_A, "edp_js")[tech]
    assert abs(ours / PUB[key][tech] - 1) <= 0.30, (key, tech.name, ours)


@pytest.mark.parametrize(
    "key, comparisons", [("iso_capacity_edp_reduction", ISO_C), ("iso_area_edp_reduction", ISO_A)]
)
def test_edp_reduction_up_to_within_factor_two(key, comparisons):
    ours = _up_to(comparisons, "edp_js")
    for tech in MRAM:
        ratio = ours[tech] / PUB[key][tech]
        assert 0.5 <= ratio <= 2.0, (key, tech.name, ours[tech])


def test_orderings():
    for c in ISO_C:
        area = c.ratio_vs_sram("area_mm2")
        assert area[Tech.SOT_MRAM] > area[Tech.STT_MRAM] > 1
    for c in ISO_A:
        assert c.capacity_bytes[Tech.SOT_MRAM] > c.capacity_bytes[Tech.STT_MRAM] > c.capacity_bytes[0]
    for cap, c in zip(CAPS, ISO_C):
        edp = c.ratio_vs_sram("edp_js")
        assert edp[Tech.SOT_MRAM] > edp[Tech.STT_MRAM]
        if cap >= 4 * 2**20:
            assert edp[Tech.STT_MRAM] > 1
    # the MRAM advantage grows with capacity (leakage share grows), as DeepNVM++'s scalability study finds
    stt = [c.ratio_vs_sram("edp_js")[Tech.STT_MRAM] for c in ISO_C]
    assert all(b > a for a, b in itertools.pairwise(stt))


def test_workload_energy_delay_formula():
    c = ISO_C[0].costs
    e, d, edp = study.workload_energy_delay(c, 10.0, 5.0, 2.0)
    sram = 0
    expect_e = (10 * c.read_energy_pj[sram] + 5 * c.write_energy_pj[sram]) * 1e-12 + c.leakage_mw[
        sram
    ] * 1e-3 * 2.0
    expect_d = (10 * c.read_latency_ns[sram] + 5 * c.write_latency_ns[sram]) * 1e-9
    assert (
        np.isclose(e[sram], expect_e)
        and np.isclose(d[sram], expect_d)
        and np.isclose(edp[sram], expect_e * expect_d)
    )
    # vectorized over access counts
    e2, _, _ = study.workload_energy_delay(c, np.array([[1.0], [2.0]]), 0.0, 0.0)
    assert e2.shape == (2, 3)
    with pytest.raises(MemoryModelError, match="non-negative"):
        study.workload_energy_delay(c, -1.0, 0.0, 0.0)


def test_default_glb_profile_is_derived_from_resnet18():
    p = study.PROFILES["resnet18-eyeriss-glb"]
    assert np.isclose(p.reads, 2 * 1.82e9 / 24) and np.isclose(p.writes, p.reads / 4)
    assert np.isclose(p.runtime_s, 1.82e9 / (168 * 200e6 * 0.7))
    c = study.iso_capacity(108 * 1024, p, 65.0)
    assert c.ratio_vs_sram("energy_j")[Tech.STT_MRAM] > 1  # leakage-dominated GLB at 65 nm HP


def test_iso_area_hit_gain():
    fixed = [study.iso_area(c, PROFILE, 16.0, hit_gain=False) for c in CAPS]
    for cap, gain, base in zip(CAPS, ISO_A, fixed):
        np.testing.assert_array_equal(gain.capacity_bytes, base.capacity_bytes)
        # SRAM keeps the profile's counts; a larger MRAM fills fewer lines, so it writes less
        assert gain.writes[0] == PROFILE.writes and np.all(gain.writes[1:] <= PROFILE.writes)
        assert gain.edp_js[0] == base.edp_js[0]
        assert np.all(gain.ratio_vs_sram("edp_js") >= base.ratio_vs_sram("edp_js") - 1e-12)
        # bounded by an MRAM that writes nothing (every write a fill, no miss left)
        none = study.AccessProfile("none", PROFILE.reads, 0.0, PROFILE.runtime_s, "cache", 512, "")
        bound = study.iso_area(cap, none, 16.0).edp_js
        assert np.all(gain.edp_js[1:] >= bound[1:])
    # iso-capacity: the profile's counts for every technology
    for c in ISO_C:
        np.testing.assert_array_equal(c.writes, PROFILE.writes)
    # a profile without a reuse network keeps its counts at iso-area
    plain = study.iso_area(CAPS[-1], study.PROFILES["gpu-llc-training"], 16.0)
    np.testing.assert_array_equal(plain.writes, study.PROFILES["gpu-llc-training"].writes)
    # the measured gain at 16 MiB (benchmarks/mem_deepnvm.py): STT writes 0.895x, SOT 0.895x (both 2.5x /
    # 3.0x the SRAM capacity fit the same reuse step; SOT 0.755x at 3.12x before the sensed ways)
    np.testing.assert_allclose(ISO_A[-1].writes[1:] / PROFILE.writes, [0.895, 0.895], atol=0.005)


def test_reuse_network_runs_compute_bound():
    # the docstring's reason to keep the run time fixed: at every capacity compared, moving the misses
    # and write-backs takes less time than the MACs on a GTX 1080 Ti (NVIDIA: 3,584 cores x 1.582 GHz x
    # 2 FLOP = 11.34 TFLOP/s, half of it sustained; 484 GB/s GDDR5X)
    from memory_models.llc_reuse import llc_traffic
    from workloads import zoo

    graph = zoo.ZOO[PROFILE.reuse_network][0](n=PROFILE.reuse_batch, w_bits=PROFILE.reuse_bits,
                                               a_bits=PROFILE.reuse_bits)
    compute_s = 2 * graph.total_macs / (0.5 * 3584 * 1.582e9 * 2)
    dram_s = llc_traffic(graph, np.array(CAPS, dtype=float)).dram_bytes / 484e9
    assert compute_s == pytest.approx(10.2e-3, rel=0.01)
    np.testing.assert_allclose(dram_s[[0, -1]], [1.15e-3, 0.76e-3], rtol=0.01)
    assert np.all(dram_s < compute_s)
