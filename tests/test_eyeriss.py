"""Eyeriss (Chen et al., IEEE JSSC 52(1) 2017) on AlexNet conv layers at batch 4 against its published figures.

Tolerance: 20% (issue 7 target) on frames/s, DRAM accesses per MAC and chip power (whole run and
per layer, Table V). The power breakdown (Fig. 16) is an image; its text (Sec. VI-A) says the ALUs
take < 10% of chip power, spads + GLB + NoC up to 45%, and "besides the clock network, the spads
dominate"; the figure's shares as relayed in text (clock 33-45 %, ALU 3-9 %, spads 33-42 %) are the
spec's validation.shares bands, each share tested within 10 points of its band (issue 12).
Accelergy's breakdown: Timeloop + Accelergy's shipped reference output for their Eyeriss-like
architecture (tests/data/timeloop_eyeriss_like.csv, source in its header), run by us on the same
layer and architecture at the node and memory devices their run priced (32 nm, CACTI LSTP): shares
within 10 points, energy per MAC within 20 % per component; per access on matched scope (their
per-action energies split into parts: tests/data/accelergy_eyeriss_like_ert.csv), the GLB against
their CACTI call, alone and on their access counts; where the scope cannot be matched (their MAC
prices the multiplier as an adder, their spads are mostly address comparators) the test says so.
"""

from pathlib import Path

import fidelity_refs
import numpy as np
import pandas as pd
import pytest

import pe_models
from dse import cli, sweep, validation
from dse import spec as spec_mod

SPEC = Path(__file__).resolve().parents[1] / "sweeps" / "validation" / "eyeriss_alexnet.yaml"
TOLERANCE = 0.20


def _pe_has_65nm() -> bool:
    kind, w, a = pe_models.pe_type_arrays(np.array(["INT16"]))
    try:
        pe_models.evaluate(kind, w, a, np.array([65.0]))
    except ValueError:
        return False
    return True


needs_65nm = pytest.mark.skipif(not _pe_has_65nm(), reason="pe_models has no 65 nm model yet (Eyeriss is 65 nm)")


@pytest.fixture(scope="module")
def figures():
    spec = spec_mod.load(SPEC)
    return spec, validation.compare(spec, sweep.prepare_workload(spec)).set_index("metric")


@needs_65nm
@pytest.mark.parametrize("metric", ["frames_per_s", "dram_accesses_per_mac"])
def test_throughput_and_dram_traffic_match_published(figures, metric):
    _, df = figures
    assert abs(df.loc[metric, "rel_error"]) <= TOLERANCE, df.loc[metric].to_dict()


# Power passes with the memories priced at the chip's 1 V supply (memory_vdd_v; at the LOP roadmap's own 0.8 V they
# cost 0.64x and power was 202 mW, -27 %) and the clock and NoC wires over the placed array (placement_density 0.271;
# over the cells alone 252 mW, -9.4 %): 269 mW, -3.1 %; CONV1-5 -1.8 / -8.9 / -2.7 / +7.9 / +8.4 %. Of it 71 mW is the
# LOP devices' leakage (23-30 % of each layer; the chip's share of leakage is not published): with LSTP devices at the
# same 1 V (memory_roadmap: lstp), whose leakage is 0.41 mW, power is 196 mW (-29 %).


@needs_65nm
def test_power_matches_published(figures):
    _, df = figures
    assert abs(df.loc["power_mw", "rel_error"]) <= TOLERANCE, df.loc["power_mw"].to_dict()


@needs_65nm
@pytest.mark.parametrize("layer", ["conv1", "conv2", "conv3", "conv4", "conv5"])
def test_layer_power_matches_table_v(figures, layer):
    _, df = figures
    assert abs(df.loc[f"{layer}.power_mw", "rel_error"]) <= TOLERANCE, df.loc[f"{layer}.power_mw"].to_dict()


# CONV1's total latency is 27 % short (15.2 against 20.9 ms), its processing latency 8 % (16.5 ms): the gap is the
# 4.4 ms of its 5.0 MB of DRAM transfers (10.4 ms on the 0.48 GB/s link) the chip does not hide behind processing
# (Table V: total - processing latency), which our model overlaps whole. Against the processing latency every
# layer is within 10 % (-7.8 / -6.9 / -2.5 / -2.6 / +3.9 %).
LATENCY_TOLERANCE = 0.10


@needs_65nm
@pytest.mark.parametrize("layer", ["conv1", "conv2", "conv3", "conv4", "conv5"])
def test_layer_latency_matches_table_v_processing_latency(figures, layer):
    _, df = figures
    row = df.loc[f"{layer}.processing_latency_ms"]
    assert abs(row["rel_error"]) <= LATENCY_TOLERANCE, row.to_dict()
    # what the chip leaves exposed is DRAM time: its total latency is longer than the processing latency, by less
    # than the layer's DRAM transfers take on the link (the spec's dram_bw_gbps)
    spec = spec_mod.load(SPEC)
    exposed_ms = df.loc[f"{layer}.latency_ms", "published"] - row["published"]
    dram_ms = df.loc[f"{layer}.dram_mb", "published"] * 1e6 / (dict(spec.space)["dram_bw_gbps"][0] * 1e9) * 1e3
    assert 0 < exposed_ms < dram_ms, (exposed_ms, dram_ms)


@pytest.fixture(scope="module")
def layers():
    spec = spec_mod.load(SPEC)
    return validation.per_layer(spec, sweep.prepare_workload(spec)).set_index("layer")


# Published share bands of chip power per layer: the spec's validation.shares (one declaration: the
# sources are in sweeps/validation/eyeriss_alexnet.yaml); within validation.SHARE_POINTS of each band.
# CONV1's clock share was 20.9 % with the clock wires laid over the cells alone (placement_density 1), 12.1 points below
# its band (a strict xfail until now); over the placed array it is 24.9 % (CONV5 33.0 %), and 26.5 % (33.2 %) with the
# PE's filters innermost (pe_inner_order ifmap: the psum spad written every MAC, read every MAC but the first);
# 27.1 % (34.0 %) with the spads' word-gating trees reported in the clock columns (energy_clock_spad_pj), the spads
# 35.3 (32.1) %.
SHARE_CASES = [(layer, part) for layer, bands in spec_mod.load(SPEC).validation.shares for part, _ in bands]


@needs_65nm
@pytest.mark.parametrize("layer, part", SHARE_CASES)
def test_component_share_within_10_points_of_fig16(layers, layer, part):
    spec = spec_mod.load(SPEC)
    row = validation.shares(spec, layers.reset_index()).set_index(["layer", "part"]).loc[(layer, part)]
    assert row["points_outside"] <= validation.SHARE_POINTS, (layer, part, round(row["ours"], 3))


# JSSC 2017 Table IV (transcribed in cucapra/fodlam raw/eyeriss-tableIV.txt, OCR): core area 3.5 mm x 3.5 mm; gate
# count (logic only) 1176k 2-input NAND; on-chip SRAM 181.5 kB = the 108 kB GLB + 168 x 448 B filter spads
TABLE_IV_CORE_MM2 = 3.5 * 3.5
TABLE_IV_LOGIC_NAND2 = 1176e3


def _eyeriss_costs(tmp_path, edit=lambda text: text):
    from dse import design, hardware

    p = tmp_path / "eyeriss.yaml"
    p.write_text(edit(SPEC.read_text()))
    return hardware.evaluate(design.batch(spec_mod.load(p)))


def test_placement_density_is_our_cell_area_over_the_published_core_area(tmp_path):
    """The spec's placement_density re-derived: our cells' area (PEs, spads, NoC, GLB; areas do not depend on it)
    over Table IV's core area, within 1 % (it moves if a memory or PE area model does: re-derive it then)."""
    spec = spec_mod.load(SPEC)
    (density,) = dict(spec.space)["placement_density"]
    ours = _eyeriss_costs(tmp_path).area_mm2[0] / TABLE_IV_CORE_MM2
    assert ours == pytest.approx(density, rel=0.01), (ours, density)


def test_priced_logic_within_the_published_gate_count():
    """What we price as logic per PE, in 2-input-NAND equivalents of the characterization library (IHP 130 nm): the
    INT16 narrow PE (characterized area), its latch scratchpads (ifmap + psum, memory_models.regfile) and the flip-flops
    dse.clock adds (NoC port registers, address counters, each at the characterized PE's area per flip-flop), x 168,
    is 71 % of Table IV's logic gate count: at most ~2,050 NAND2 per PE are left for what we do not price (the PEs'
    FIFOs and controllers, the NoC's multicast controllers, the top level), too few to derive a FIFO depth from (no
    depth is published). Held to 50-100 %: above, we would price more logic than the chip has."""
    import memory_models
    from dse import clock, hardware
    from pe_models.characterize import NARROW_RAW_CSV

    spec = dict(spec_mod.load(SPEC).space)
    raw = pd.read_csv(NARROW_RAW_CSV, comment="#")
    row = raw[raw["library"].str.startswith("sg13g2") & (raw["variant"] == "intn_w16a16")].iloc[0]
    nand2_um2 = row["nand2_area_um2"]
    ff_nand2 = row["seq_area_um2"] / row["reg_bits"] / nand2_um2
    words = {k: spec[f"spad_{k}_words"][0] for k in ("ifmap", "filter", "psum")}
    latch_um2 = sum(memory_models.regfile(np.array([words[k] * 16 / 8.0]), np.array([16.0]),
                                          np.array([float(row["node_nm"])])).area_mm2[0] for k in ("ifmap", "psum")) * 1e6
    flops = hardware.NOC_REG_STAGES * 3 * 16 + clock.spad_pointer_bits(np.array(list(words.values()))).sum()
    per_pe = row["area_um2"] / nand2_um2 + latch_um2 / nand2_um2 + flops * ff_nand2
    share = spec["pe_rows"][0] * spec["pe_cols"][0] * per_pe / TABLE_IV_LOGIC_NAND2
    assert 0.5 <= share <= 1.0, (share, per_pe)


def test_placement_density_stretches_only_the_wires(tmp_path):
    """A sparser placement lengthens the clock tree, the PE clock wires and the NoC hops, and nothing else."""
    dense, sparse = (_eyeriss_costs(tmp_path, lambda t, v=v: t.replace("placement_density: 0.271", f"placement_density: {v}"))
                     for v in (1.0, 0.271))
    for name in ("clock_pj_per_cycle", "clock_pj_per_mac", "noc_pj_per_bit_hop"):
        assert getattr(sparse, name)[0] > getattr(dense, name)[0], name
    # the NoC hop is the PE pitch: sqrt(1 / density) longer
    assert sparse.noc_pj_per_bit_hop[0] / dense.noc_pj_per_bit_hop[0] == pytest.approx((1 / 0.271) ** 0.5)
    same = set(vars(dense)) - {"clock_pj_per_cycle", "clock_pj_per_mac", "noc_pj_per_bit_hop"}
    for name in same:
        np.testing.assert_array_equal(getattr(dense, name), getattr(sparse, name), err_msg=name)


@needs_65nm
@pytest.mark.parametrize("layer", ["conv1", "conv5"])
def test_data_movement_share_within_10_points_of_sec_vi_a(layers, layer):
    # Sec. VI-A: spads + GLB + NoC take "up to 45 %" of chip power
    row = layers.loc[layer]
    assert row["spad_share"] + row["glb_share"] + row["noc_share"] <= 0.45 + validation.SHARE_POINTS, row.to_dict()


# The ALU bound was mis-derived as < 10 % of 278 mW over 168 PEs x 200 MHz x 80 % busy (26.9 GMAC/s: < 1.03 pJ, a strict
# xfail against our 1.42 pJ). Table V's own figures give the MAC rate: 4 x 666 M AlexNet conv MACs in 115.3 ms is 23.1
# GMAC/s (69 % of the array's peak), and a zero ifmap gates the MAC (JSSC 2017 Sec. V-B, Fig. 10; validation.py applies
# it), so the ALUs spend energy on 49 % of those MACs: over the run, 10 % of Table V's energy (32.1 mJ) per ungated MAC
# is 2.48 pJ. The tightest layer is CONV1 (no zeros): its Fig. 16 ALU band's top (9 %, the spec's validation.shares) of
# 332 mW x 20.9 ms over 421.7 M MACs is 1.48 pJ.


@needs_65nm
@pytest.mark.parametrize("layer", ["conv1", "conv5"])
def test_spads_dominate_besides_the_clock(layers, layer):
    # CONV5: spads 82 mW (81.6 with their word-gating trees' clock in the clock columns)
    # against the LOP devices' 71 mW leakage (memories at 1 V; at 0.8 V it was 55 against 57)
    # Sec. VI-A: "Besides the clock network, the spads dominate on-chip power consumption"
    row = layers.loc[layer]
    others = [row[f"{p}_power_mw"] for p in ("alu", "noc", "glb", "leakage")]
    assert row["spad_power_mw"] >= max(others), row.to_dict()


@needs_65nm
@pytest.mark.parametrize("layer", ["conv1", "conv5"])
def test_mac_energy_at_65nm_1v_is_below_the_alu_bound(layers, layer):
    """Our INT16 narrow-accumulator MAC (pe_models INT-narrow, 65 nm, 1 V) on a layer's ungated MACs within the top
    of Fig. 16's ALU band of the layer's published energy (Table V power x latency: the spec's validation.layers)."""
    spec = spec_mod.load(SPEC)
    kind, w, a = pe_models.pe_type_arrays(np.array(["INT16"]))
    pj = pe_models.evaluate(kind, w, a, 65.0, vdd_v=1.0, narrow_acc=True).energy_pj_per_mac[0]
    row = layers.loc[layer]
    bound_pj = fidelity_refs.alu_bound_pj(spec, layer, row["macs"], row["ifmap_zero_fraction"])
    assert pj <= bound_pj, (pj, bound_pj)


def test_rlc_factor_follows_the_word_format():
    # three 21-bit (run, value) pairs per 64-bit word: 16-bit data with 75% zeros shrinks to 1/3
    assert validation.rlc_factor(0.75, 16.0) == pytest.approx(0.25 * 64 / 3 / 16)
    assert validation.rlc_factor(0.0, 16.0) == 1.0  # dense data bypasses the compression


def _spec_at_45nm(tmp_path, edit=lambda text: text) -> Path:
    """The Eyeriss spec moved to 45 nm: exercises the validation outputs, not the agreement."""
    p = tmp_path / "eyeriss45.yaml"
    p.write_text(edit(SPEC.read_text().replace("node_nm: 65 ", "node_nm: 45 ")))
    return p


def test_dse_run_writes_validation_csv(tmp_path):
    assert cli.main(["run", str(_spec_at_45nm(tmp_path)), "--out", str(tmp_path / "out"), "--no-progress"]) == 0
    df = pd.read_csv(tmp_path / "out" / "validation.csv")
    assert list(df.columns) == ["metric", "ours", "published", "rel_error"]
    assert {"frames_per_s", "power_mw", "dram_accesses_per_mac", "conv1.latency_ms"} <= set(df["metric"])
    np.testing.assert_allclose(df["rel_error"], (df["ours"] - df["published"]) / df["published"])
    layers = pd.read_csv(tmp_path / "out" / "validation_layers.csv")
    assert list(layers["layer"]) == ["conv1", "conv2", "conv3", "conv4", "conv5"]
    # zero gating and RLC only ever remove work
    assert (layers["dram_accesses_per_mac"] > 0).all() and (layers["utilization"] <= 1).all()
    parts = [c[: -len("_share")] for c in layers.columns if c.endswith("_share")]
    np.testing.assert_allclose(layers[[f"{p}_share" for p in parts]].sum(axis=1), 1.0, rtol=1e-12)
    shares = pd.read_csv(tmp_path / "out" / "validation_shares.csv")
    assert list(shares.columns) == validation.SHARE_COLUMNS
    assert len(shares) == 6 and (shares["points_outside"] >= 0).all()
    # the relayed per-layer clock figures beside ours (the spec's validation.shares_relayed), NaN elsewhere
    relayed = shares.dropna(subset=["relayed"]).set_index(["layer", "part"])
    assert relayed["relayed"].to_dict() == {("conv1", "clock"): 0.329, ("conv5", "clock"): 0.450}
    np.testing.assert_allclose(relayed["points_from_relayed"], relayed["ours"] - relayed["relayed"])


def test_unknown_validation_layer_is_one_line_error(tmp_path, capsys):
    spec = _spec_at_45nm(tmp_path, lambda t: t.replace("conv5: {latency_ms", "conv9: {latency_ms"))
    assert cli.main(["run", str(spec), "--out", str(tmp_path / "out"), "--no-progress"]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].endswith("validation.layers.conv9: no compute layer of that name"), err
    assert not (tmp_path / "out" / "validation.csv").exists()


# Accelergy's reference run, our row on its layer and architecture, and both per-MAC breakdowns: tests/fidelity_refs.py
# (benchmarks/fidelity_table.py prints the same figures)
TIMELOOP, TIMELOOP_COMPUTES, _ert = fidelity_refs.TIMELOOP, fidelity_refs.TIMELOOP_COMPUTES, fidelity_refs.ert
TIMELOOP_NODE_NM, TIMELOOP_ROADMAP = fidelity_refs.TIMELOOP_NODE_NM, fidelity_refs.TIMELOOP_ROADMAP


@pytest.fixture(scope="module")
def timeloop_row(tmp_path_factory):
    """Our model's result row on Timeloop's eyeriss_like architecture and default problem at the node and memory
    devices their reference run priced (tests/data/timeloop_eyeriss_like.csv header)."""
    return fidelity_refs.timeloop_row(tmp_path_factory.mktemp("timeloop"))


@pytest.fixture(scope="module")
def timeloop_like(timeloop_row):
    """Our fJ per MAC per component on Timeloop's eyeriss_like run, and theirs."""
    return fidelity_refs.timeloop_per_mac(timeloop_row)


def test_accelergy_reference_recomposes():
    """Our reading of their model: each action's primitive parts sum to its ERT energy, and actions x their counts
    give the run's fJ per compute (the remainder, < 0.2 %, is leakage, which their figures include; they print 2 decimals)."""
    ert = _ert()
    parts = ert[["storage_pj", "comparators_pj", "address_generator_pj"]].sum(axis=1)
    np.testing.assert_allclose(parts, ert["energy_pj"], rtol=1e-4)
    fj = (ert["energy_pj"] * ert["accesses"]).groupby(level="component").sum() / TIMELOOP_COMPUTES * 1e3
    ref = pd.read_csv(TIMELOOP, comment="#").set_index("component")["fj_per_compute"]
    assert ((ref[fj.index] - fj) / ref[fj.index]).between(-1e-4, 0.002).all(), (fj, ref)  # -1e-4: their rounding


_on_chip_shares = fidelity_refs.on_chip_shares


# Measured at their 32 nm with their LSTP memory devices (at 65 nm, the node their arch.yaml names now but the run did not
# use, our figures were 2.9x their MAC and 1.49x their spads, and the MAC and spad shares passed). Each part's reason is
# its own per-MAC energy below; the spads are tested one by one (their sum, 1270 against 1506 fJ, agrees within 20 %
# only because the psum spad's excess offsets the weight spad's shortfall).
_TL_SCOPE = ("their spad figures are 83-99 % address comparators: Accelergy's smartbuffer_RF compares every access "
             "with each of max(64, depth) entries (tests/data/accelergy_eyeriss_like_ert.csv), which a direct-addressed "
             "scratchpad such as Eyeriss's does not have; their storage read is 5-13 % of a read, a write prices none")
_TL_SPAD = {
    "spad_ifmap": ("our ifmap spad costs 16.4 fJ per MAC against 112 fJ (-85 %; its gated read pointer, operand "
                   "register and word-gating tree, 3.4 fJ, are reported in energy_clock_spad_pj; +54 % while every "
                   "MAC read it): our PE "
                   "holds an ifmap over its p filters (pe_inner_order ifmap, one read per run of up to 16 MACs); "
                   + _TL_SCOPE),
    "spad_weight": ("our weight spad costs 441 fJ per MAC against 1007 fJ (-56 %; its gated read pointer, operand "
                    "register and word-gating tree, 47 fJ, are reported in energy_clock_spad_pj) on the same access "
                    "count (1 read "
                    "per MAC: test_spad_access_counts_against_timeloop), so the gap is all per access; " + _TL_SCOPE),
    "spad_psum": ("our psum spad costs 812 fJ per MAC against 387 fJ (2.10x; its gated address counters and "
                  "word-gating tree, 37 fJ, are reported in energy_clock_spad_pj; 2.6x while every MAC read it): "
                  "our psum "
                  "words are the INT8 PE's 24-bit accumulator (theirs 16 bits; psum_width offers only the full "
                  "accumulator or the 8-bit activation width); the access counts are theirs exactly (7225344 reads, "
                  "10838016 writes: test_spad_access_counts_against_timeloop), so the gap is all per access; "
                  + _TL_SCOPE),
}
# The spad and GLB shares of MAC + spad + GLB energy were strict xfails (84.0 % against 72.1 %, 7.6 % against 18.0 %)
# while our psum spad was read every MAC; with the PE's inner loop pinned as theirs they pass (80.6 / 9.2 %;
# 80.4 / 9.3 % with the spads' gated registers' clock reported in the clock columns).
_TL_GLB_COUNT = ("our GLB costs 147 fJ per MAC against 375 fJ (-61 %): per access we are within 20 % of their CACTI "
                 "(test_glb_access_energy_matches_cacti, test_glb_energy_on_timeloop_counts), but our mapping moves "
                 "0.83 GLB bits per MAC where Timeloop's moves 1.41: their mapping reads each input from the GLB "
                 "8.92x (1354752 reads of 151875 inputs) = 4 filter blocks x 1.49 x 1.49 sliding-window halos, we read "
                 "each input 1.03x (test_glb_input_reads_per_input_against_timeloop_mapping)")
_TL_MAC_PJ = ("our INT8 PE costs 163 fJ per MAC at 32 nm (datapath and its register data; 24-bit accumulator) against "
              "Accelergy's 208 fJ (-21 %), which is two Aladdin adder rows and no registers: its intmac's "
              "'intmultiplier' has class aladdin_adder, so the 8x8 multiplier is priced as Aladdin's 32-bit adder "
              "(0.138 pJ) plus the 16-bit adder (0.069 pJ); our datapath alone (IHP 130 nm int_w8a8 combinational "
              "energy, 1.306 pJ, to 32 nm) is 115 fJ. On the scope their figure has, our 32-bit adder is 0.69x "
              "Aladdin's row and 1.17x Horowitz's (test_accelergy_mac_is_aladdin_adder_rows_...)")


# Aladdin's 32-bit adder row, the one Accelergy's MAC prices twice over (Accelergy-Project/accelergy-library-plug-in
# library/aladdin/aladdin_adder.csv: 45 nm, 0.21 pJ per add), and Horowitz's 32-bit add (ISSCC 2014 Fig. 1.1.9,
# 45 nm, 0.9 V: 0.1 pJ), the two published points of that scope
ALADDIN_ADD32_45NM_PJ = 0.21
HOROWITZ_ADD32_45NM_0P9V_PJ = 0.1
ACCELERGY_45_TO_32NM = 0.6593402787798331  # their log's technology scaling of the Aladdin rows


def test_accelergy_mac_is_aladdin_adder_rows_and_our_adder_lies_between_the_references():
    """The MAC on matched scope: their 208 fJ is Aladdin's 32-bit adder row at 32 nm (their 'intmultiplier') plus
    half of it (their 16-bit intadder), no registers; our characterized 32-bit adder, combinational energy (the
    same scope: no registers; pe_models/data/characterization_45nm.csv ref_add32), lies between Horowitz's and
    Aladdin's figures for it at 45 nm (at the table's supply; Horowitz's moved there from 0.9 V)."""
    from pe_models import scaling
    from pe_models.characterize import CSV_45NM

    mac = _ert().loc[("mac", "compute")]
    assert mac["comparators_pj"] == pytest.approx(ALADDIN_ADD32_45NM_PJ * ACCELERGY_45_TO_32NM, rel=1e-5)
    assert mac["storage_pj"] == pytest.approx(0.5 * ALADDIN_ADD32_45NM_PJ * ACCELERGY_45_TO_32NM, rel=1e-4)
    row = pd.read_csv(CSV_45NM, comment="#").set_index("variant").loc["ref_add32"]
    horowitz = HOROWITZ_ADD32_45NM_0P9V_PJ * float(scaling.energy_factor(45.0, 0.9, 45.0, row["vdd_v"]))
    assert horowitz <= row["comb_energy_pj_per_op"] <= ALADDIN_ADD32_45NM_PJ, (horowitz, row["comb_energy_pj_per_op"])


def _xfail(reason):
    return pytest.mark.xfail(strict=True, reason=reason)


@pytest.mark.parametrize("part", ["mac", "spad", "glb"])
def test_on_chip_shares_within_10_points_of_accelergy(timeloop_like, part):
    ours, theirs = (_on_chip_shares(x) for x in timeloop_like)
    assert abs(ours[part] - theirs[part]) <= validation.SHARE_POINTS, (part, ours, theirs)


@pytest.mark.parametrize("part", [pytest.param("mac", marks=_xfail(_TL_MAC_PJ)),
                                  *(pytest.param(p, marks=_xfail(r)) for p, r in _TL_SPAD.items()),
                                  pytest.param("glb", marks=_xfail(_TL_GLB_COUNT)), "dram"])
def test_energy_per_mac_within_20_percent_of_accelergy(timeloop_like, part):
    # DRAM: the same LPDDR4 energy per bit (memory_models.dram: Accelergy's figure) on our own DRAM traffic
    ours, theirs = timeloop_like
    assert ours[part] == pytest.approx(theirs[part], rel=TOLERANCE), (part, ours[part], theirs[part])


def _glb_at_their_cacti_call():
    """Our SRAM model configured as their CACTI call (log: cache_size 131072, block_size 8, n_banks 1, 32 nm, LSTP):
    the bank count is CACTI's, not the 32 banks of their arch.yaml, which Accelergy does not pass to CACTI."""
    import memory_models

    return memory_models.buffer(np.array([int(memory_models.Tech.SRAM)]), np.array([131072.0]), np.array([64.0]),
                                np.array([float(TIMELOOP_NODE_NM)]), np.array([1]), roadmap=TIMELOOP_ROADMAP)


@pytest.mark.parametrize("action", ["read", "write"])
def test_glb_access_energy_matches_cacti(action):
    # matched scope: one 64-bit access of the array (CACTI's part of the ERT, without their address generator)
    ours = getattr(_glb_at_their_cacti_call(), f"{action}_energy_pj")[0]
    theirs = _ert().loc[("shared_glb", action), "storage_pj"]
    assert ours == pytest.approx(theirs, rel=TOLERANCE), (action, ours, theirs)


def test_glb_energy_on_timeloop_counts():
    # our per-access energies on their mapping's GLB accesses, against their GLB fJ per compute: the energy of an
    # access apart from the mapping's access count (which differs: _TL_GLB_COUNT)
    glb, ert = _glb_at_their_cacti_call(), _ert()
    pj = sum(getattr(glb, f"{a}_energy_pj")[0] * ert.loc[("shared_glb", a), "accesses"] for a in ("read", "write"))
    theirs = pd.read_csv(TIMELOOP, comment="#").set_index("component").loc["shared_glb", "fj_per_compute"]
    assert pj / TIMELOOP_COMPUTES * 1e3 == pytest.approx(theirs, rel=TOLERANCE)


# Timeloop's access counts (ref_outputs/default_problem/timeloop-mapper.stats.txt of the run in TIMELOOP's header):
# scalar reads / fills + updates per spad over its 126 utilized PEs (the ERT's vector accesses x block size)
TIMELOOP_SPAD_SCALARS = {"weight": (10838016, 193536), "ifmap": (10838016, 1354752), "psum": (7225344, 10838016)}


def test_spad_access_counts_against_timeloop(timeloop_row):
    """Access counts apart from energy per access: with the PE's inner loop pinned as theirs (pe_inner_order ifmap),
    our psum spad's reads and writes and our weight spad's reads are their counts exactly, so those spads' per-MAC
    gaps (_TL_SPAD) are per-access energy. The ifmap spad differs by design: our PE holds an ifmap in its operand
    register over the p = 16 filters of its psum spad (one read per 16 MACs), their ifmap_spad is read every MAC
    (Timeloop's PE has no operand register; its M loop under psum_spad re-reads the ifmap each MAC). Weight and
    ifmap writes are fills, set by the mapping above the PE (theirs 193536 and 1354752, ours 96768 and 467712)."""
    r = timeloop_row
    assert (r["spad_read_psum_accesses"], r["spad_write_psum_accesses"]) == TIMELOOP_SPAD_SCALARS["psum"]
    assert r["spad_read_weight_accesses"] == TIMELOOP_SPAD_SCALARS["weight"][0]
    assert r["spad_read_ifmap_accesses"] * r["spad_psum_words"] == TIMELOOP_SPAD_SCALARS["ifmap"][0]
    # their counts are their ERT's vector accesses x the spad's block (2 values per 16-bit word, psum 1)
    ert = _ert()
    for op, comp, block in (("weight", "weights_spad", 2), ("ifmap", "ifmap_spad", 2), ("psum", "psum_spad", 1)):
        assert ert.loc[(comp, "read"), "accesses"] * block == TIMELOOP_SPAD_SCALARS[op][0]
        assert ert.loc[(comp, "write"), "accesses"] * block == TIMELOOP_SPAD_SCALARS[op][1]


# Their mapping (ref_outputs/default_problem/timeloop-mapper.map.txt): DRAM loops P8 Q2 M4; GLB P14 Q4; spatial
# Q14 (columns) x C3 S3 (rows, 126 of 168 PEs); ifmap_spad 3 inputs, weights_spad R3, psum_spad M8 (8 of its 16
# words). Each PE's ifmap spad is refilled with its R = 3 inputs at every output pixel of every M block, and every
# PE fill is one GLB read (no multicast between PEs whose windows overlap), so
# GLB input reads = C x S x Q x (P x R) x M blocks = 3 x 3 x 112 x 112 x 3 x 4 = 1354752 (stats.txt "Scalar reads"),
# against the 3 x 225 x 225 = 151875 distinct inputs (their Inputs partition): 4 (the M blocks above the GLB: their
# random-search mapper left M4 at DRAM; S3 x M4 on the 12 rows with C3 R3 at weights_spad appears legal under
# their constraints, PE rows may split C, S and M, and needs no M block) x (S x Q / 225 = 1.49, rows' halos across PEs) x (R x P / 225 = 1.49, the sliding window
# re-read at each stride-2 step: their ifmap_spad has no sliding-window reuse). Eyeriss multicasts an ifmap row to
# the diagonal of PEs that use it and keeps the sliding window in the spad (row stationary, Chen et al., ISCA 2016), as our
# row-stationary counts do: our mapping is legal on their arch.yaml (GLB keeps inputs and outputs, weights bypass).
TIMELOOP_GLB_INPUT_READS = 1354752
TIMELOOP_INPUTS = 3 * 225 * 225


def test_glb_input_reads_per_input_against_timeloop_mapping(timeloop_row):
    assert 3 * 3 * 112 * (112 * 3) * 4 == TIMELOOP_GLB_INPUT_READS  # their loop factors give their count exactly
    ert = _ert()  # their GLB reads are inputs only (stats.txt: Outputs reads 0), 8 values per 64-bit word
    assert ert.loc[("shared_glb", "read"), "accesses"] * 8 == TIMELOOP_GLB_INPUT_READS
    assert TIMELOOP_GLB_INPUT_READS / TIMELOOP_INPUTS == pytest.approx(4 * (3 * 112 / 225) ** 2, rel=1e-12)
    # ours: each input read once from the GLB, but for the padded rows' halo (within 5 %)
    ours = timeloop_row["glb_read_ifmap_bits"] / 8 / TIMELOOP_INPUTS
    assert 1.0 <= ours <= 1.05, ours


def test_accelergy_spads_are_mostly_address_comparators():
    # the scope reason of _TL_SPAD_PJ: in every spad action of the reference, comparators are >= 80 % of the energy
    ert = _ert().drop(index=["mac", "shared_glb"], level="component")
    share = ert["comparators_pj"] / ert["energy_pj"]
    assert (share >= 0.8).all(), share


@pytest.mark.parametrize("edit, message", [
    (lambda t: t.replace("conv1: {alu: [0.03, 0.09]", "conv1: {alu: [0.09, 0.03]"),
     "validation.shares.conv1.alu: got [0.09, 0.03]; expected low <= high"),
    (lambda t: t.replace("conv5: {alu: [0.03, 0.09]", "conv5: {alu: 0.05"),
     "validation.shares.conv5.alu: got 0.05; expected [low, high], the published band of the share"),
    (lambda t: t.replace("conv5: {alu: [0.03, 0.09]", "conv9: {alu: [0.03, 0.09]").replace(
        "conv5: {clock: 0.450}", "conv9: {clock: 0.450}"), "validation.shares.conv9: no compute layer of that name"),
    (lambda t: t.replace("conv1: {clock: 0.329}", "conv1: {glb: 0.329}"),
     "validation.shares_relayed.conv1.glb: has no band in validation.shares; expected a relayed figure beside a "
     "published band"),
])
def test_bad_share_band_is_one_line_error(tmp_path, capsys, edit, message):
    spec = _spec_at_45nm(tmp_path, edit)
    assert cli.main(["run", str(spec), "--out", str(tmp_path / "out"), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].endswith(message), err
    assert not (tmp_path / "out" / "validation_shares.csv").exists()
