"""The QUIDAM PE-type study (sweeps/quidam_pe_types.yaml, `python benchmarks/quidam_study.py`) against
the published figures (Inci et al., ACM TECS 2023, arXiv 2206.15463, abstract), one test per figure.

Tolerances: the spreads are published as lower bounds ("more than 5x and 35x"), so ours must reach
them; the LightPE gains are "up to 5.7x" over QUIDAM's own space, networks and technology, so ours
must be within 30 % of 5.7x (the issue's tolerance for the other published study ratios, DeepNVM++).
Where the physics does not get there the test is a strict xfail whose reason is the measured cause
(the component table of the benchmark). The whole spec (201,600 points) is evaluated once, in memory.
"""

from __future__ import annotations

import numpy as np
import pytest

import benchmark_modules

study = benchmark_modules.load("quidam_study")

UP_TO_TOLERANCE = 0.30
SPREAD_E, SPREAD_PA = "energy spread (max/min over all designs)", "perf/area spread (max/min over all designs)"
GAIN_PA, GAIN_E = "best LightPE vs best INT16, perf/area", "best LightPE vs best INT16, energy"


@pytest.fixture(scope="module")
def table():
    return study.evaluate()


@pytest.fixture(scope="module")
def figures(table):
    return study.figures(table)


def test_perf_per_area_spread_exceeds_published(figures):
    assert figures[SPREAD_PA] >= study.PUBLISHED[SPREAD_PA][1], figures[SPREAD_PA]


# 36.98x (27.96x while every register clocked each active cycle: dse.clock now gates load-enabled registers)
def test_energy_spread_exceeds_published(figures):
    assert figures[SPREAD_E] >= study.PUBLISHED[SPREAD_E][1], figures[SPREAD_E]


_GAIN_E = ("2.80x (2.63x while every register clocked each active cycle; dse.clock now gates load-enabled registers): "
           "only the MAC datapath shrinks more than 5.7x (6.3x, 25 % of INT16's 4.44 pJ/MAC); the PE clock left behind "
           "the gates (1.8x: the accumulator / product pipeline flops every MAC and the banks' ICGs) is 17 % of INT16's "
           "energy and 27 % of the best LightPE's; DRAM (2.8x), the weight / ifmap spads (4.0x / 2.0x: LightPE's "
           "4-bit codes, 8-bit activations) and the clock of the registers they load (1.8x) scale with operand bits "
           "or not at all; with its datapath and PE clock free "
           "the best LightPE would gain 4.57x (benchmark: free PE bound), so the memories are now what holds the gain")


# perf/area (4.15x, within 30 % of 5.7x; 4.17x before the PE's inner loop was searched): passes since the spec runs every PE at its own fmax (clock target
# 1200 MHz); at a common 400 MHz cap it was 2.96x (LightPE's 580 MHz fmax held to INT16's 369-400)
@pytest.mark.parametrize("name", [GAIN_PA, pytest.param(GAIN_E, marks=pytest.mark.xfail(strict=True, reason=_GAIN_E))])
def test_lightpe_gain_within_30_percent_of_published(figures, name):
    published = study.PUBLISHED[name][1]
    assert abs(figures[name] / published - 1.0) <= UP_TO_TOLERANCE, (name, figures[name])


def test_top_clock_target_runs_every_pe_at_its_fmax(table):
    # the spec's highest clock target is meant as "each PE at its own characterized fmax": it must stay
    # above every PE type's fmax at the spec's node, so that those designs' effective clock is the fmax
    import pe_models
    from dse import spec as spec_mod

    space = spec_mod.load(study.SPEC).space_dict
    top, node = max(space["clock_mhz"]), float(space["node_nm"][0])
    kinds = [study.PE_TYPES[name] for name in space["pe_type"]]
    fmax = pe_models.evaluate(np.array([int(t.kind) for t in kinds]), np.array([t.w_bits for t in kinds]),
                              np.array([t.a_bits for t in kinds]), node).fmax_mhz
    assert top > fmax.max(), (top, fmax)
    at_top = table[table["clock_mhz"] == top]
    np.testing.assert_allclose(at_top.groupby("pe_type")["clock_mhz_effective"].max().loc[list(space["pe_type"])].to_numpy(),
                               fmax, rtol=1e-9)


def test_narrower_integer_pes_cost_less_energy_and_area_per_op(table):
    best = table.groupby("pe_type")
    e, pa = best["energy_pj"].min(), best["perf_per_area_gops_per_mm2"].max()
    ints = ["INT2", "INT4", "INT8", "INT16"]
    assert np.all(np.diff(e[ints].to_numpy()) > 0) and np.all(np.diff(pa[ints].to_numpy()) < 0)


def test_components_sum_to_the_energy_and_each_shrinks_with_precision(table):
    comp = study.components_pj_per_mac(table)
    best = study.best_designs(table, "energy_pj", lowest=True)
    np.testing.assert_allclose(comp.sum().to_numpy(), (best["energy_pj"] / best["mac_ops"]).to_numpy(), rtol=1e-9)
    # every component an INT PE drives is cheaper per MAC at fewer bits (same spads and GLB in these designs)
    ints = comp[["INT2", "INT4", "INT8", "INT16"]].drop(index=["leakage", "clock tree + PE gates"])
    assert (np.diff(ints.to_numpy(), axis=1) > 0).all(), ints


def test_pe_clock_scales_with_the_bits_clocked(table):
    split = study.pe_clock_split_pj(table)
    ints = split[["INT2", "INT4", "INT8", "INT16"]]
    assert (np.diff(ints.loc[["PE registers (+ wire, buffers)", "NoC port registers"]].to_numpy(), axis=1) > 0).all()
    # the spads' clock (address counters, enable gates and word-gating trees) depends on their word counts and
    # access rates, not widths; it grows a little with the PE only through the PE's clock wire (an H-tree over its
    # area) and the designs' rates: INT16 +3 % (counters), +7 % (gates) on INT2
    for part in ("spads: address counters", "spads: enable gates, word-gating trees"):
        gates = split.loc[part]
        assert (gates > 0).all() and gates["INT16"] <= gates["INT2"] * 1.10, part



def test_sub_byte_operands_are_packed_in_glb_and_dram(table):
    # the GLB and DRAM are priced per bit (a 64-bit GLB word carries 16 INT4 or 8 INT8 operands, a DRAM
    # burst likewise), so narrow operands pay for their bits only: the same design has the same price
    # per bit on INT2 and INT16, and the least DRAM weight traffic of any design is every weight once at
    # its width (compulsory traffic, packed)
    from dse import design, hardware
    from dse import spec as spec_mod

    spec = spec_mod.load(study.SPEC)
    same = table[(table.pe_rows == 16) & (table.pe_cols == 16) & (table.glb_kib == 128) & (table.glb_banks == 4)
                 & (table.clock_mhz == 400) & (table.dram_bw_gbps == 12.8) & (table.spad_ifmap_words == 12)
                 & (table.spad_filter_words == 64) & (table.spad_psum_words == 16)
                 & (table.dataflow == "row_stationary")].set_index("pe_type")
    hw = hardware.evaluate(design.points(spec, same.loc[["INT2", "INT16"], "point_id"].to_numpy()))
    assert hw.glb_read_pj_per_bit[0] == hw.glb_read_pj_per_bit[1] and hw.dram_pj_per_bit[0] == hw.dram_pj_per_bit[1]
    weights = sum(L.weight_count for L in study.network.prepare_workload(spec).graph.compute_layers())
    least = table.groupby("pe_type")["dram_read_weight_bits"].min()
    for name in ("INT2", "INT4", "INT8", "INT16"):
        assert least[name] == pytest.approx(weights * study.PE_TYPES[name].w_bits, rel=1e-12), name


def test_clock_columns_hold_every_clock_pin_of_the_benchmark_split(table):
    """The breakdown's clock columns behind the PE gates (energy_clock_pe_pj, the gated registers the spads and NoC
    load: energy_clock_spad_pj, energy_clock_noc_pj) hold the benchmark's PE clock split (dse.clock priced part by
    part), per PE type's minimum-energy design. Tolerance 0 to +1 %: each split row's wire is the difference of two
    H-trees whose length grows as sqrt(sinks), so the rows' wires sum to a little more than the whole PE's (+0.08 to
    +0.56 % measured); with the gated clock left in the spad or NoC columns the split exceeds them by 35-46 %."""
    split = study.pe_clock_split_pj(table).drop(index="psum word bits").sum()
    comp = study.components_pj_per_mac(table)
    columns = comp.loc[[study._LABELS[c] for c in ("energy_clock_pe_pj", "energy_clock_spad_pj",
                                                   "energy_clock_noc_pj")]].sum()
    excess = split / columns[split.index] - 1
    assert ((excess >= 0) & (excess <= 0.01)).all(), excess.to_dict()
