"""PE area at 45 nm, part by part, against a direct 45 nm synthesis and against published 45 nm points.

The 45 nm table (pe_models/data/characterization_45nm.csv) is derived from IHP SG13G2 130 nm netlists:
combinational cells in NAND2 equivalents (Nangate45 NAND2_X1 0.798 um2), flip-flops one Nangate45 DFF_X1
(4.522 um2) each (pe_models.characterize.to_45nm). Our Nangate45 characterization of the same RTL
(pe_models/data/characterization_nangate45_raw.csv; the command is in its header) is the direct measurement
of both parts; Horowitz (ISSCC 2014, Fig. 1.1.9, 45 nm) the published adder and multiplier areas.
"""

import numpy as np
import pandas as pd
import pytest

import pe_models
from pe_models import horowitz, scaling
from pe_models.characterize import CSV_45NM, NANGATE45_RAW_CSV, RAW_CSV
from pe_models.characterize import DFF_45NM_UM2, NAND2_45NM_UM2

# Horowitz ISSCC 2014 Fig. 1.1.9 (45 nm) areas, um2
HOROWITZ_AREA_UM2 = {"ref_add8": 36.0, "ref_add32": 137.0, "ref_mul8": 282.0, "ref_mul32": 3495.0}


@pytest.fixture(scope="module")
def derived():
    return pd.read_csv(CSV_45NM, comment="#").set_index("variant")


@pytest.fixture(scope="module")
def nangate():
    return pd.read_csv(NANGATE45_RAW_CSV, comment="#").set_index("variant")


def test_nangate45_cells_are_the_ones_the_derivation_uses(nangate):
    """The direct synthesis maps every register to one DFF_X1 and counts gates in NAND2_X1 (the constants'
    source); its register count is the RTL's, as in the IHP netlists."""
    assert (nangate["nand2_area_um2"] == NAND2_45NM_UM2).all()
    np.testing.assert_allclose(nangate["seq_area_um2"] / nangate["reg_bits"], DFF_45NM_UM2, rtol=1e-6)
    ihp = pd.read_csv(RAW_CSV, comment="#")
    ihp = ihp[ihp["node_nm"] == 130.0].set_index("variant").loc[nangate.index]
    assert (ihp["reg_bits"] == nangate["reg_bits"]).all()


def test_derived_45nm_area_matches_direct_nangate45_synthesis_part_by_part(derived, nangate):
    """Per check variant (INT 2-16 bits, W4A8, W8A16, LightPE-1/2, FP16, the 8-bit adder and multiplier): the
    flip-flops exactly, the logic (area - flip-flops) within 7 % (measured 0.955-1.015, median 0.97: IHP's
    matched combinational cells are within 0.75-1.25x Nangate's in NAND2s, and ABC picks a different mix in
    each library), the total within 7 % (0.963-1.004). Before the flip-flops were priced apart, IHP's reset
    flop (6.75 NAND2, no reset-less flop in SG13G2) counted in NAND2s made them 1.19x and the totals
    0.996-1.145x the direct synthesis."""
    d = derived.loc[nangate.index]
    np.testing.assert_allclose(d["seq_area_um2"], nangate["seq_area_um2"], rtol=1e-4)
    logic = (d["area_um2"] - d["seq_area_um2"]) / (nangate["area_um2"] - nangate["seq_area_um2"])
    total = d["area_um2"] / nangate["area_um2"]
    assert np.all((logic > 0.93) & (logic < 1.07)), logic.round(3).to_dict()
    assert np.all((total > 0.93) & (total < 1.07)), total.round(3).to_dict()


def test_arithmetic_blocks_against_horowitz_areas(derived):
    """Our registered reference blocks' logic (area - their flip-flops) against Horowitz's areas: 8-bit add
    1.10x, 32-bit add 1.32x, 8-bit multiply 1.29x, 32-bit multiply 1.90x. The excess is our synthesis, not
    the library (Nangate45 synthesis of the 8-bit multiplier: 373 um2 of logic, 1.32x): yosys 0.23 builds
    array multipliers and prefix-carry adders, and ABC, a single-output mapper, cannot use the library's
    FA_X1 / HA_X1 full- and half-adder cells (an ABC full adder of XOR2/XNOR2 and AOI/OAI gates is ~1.2x
    FA_X1's 4.256 um2). An array of FA_X1 cells reproduces Horowitz's figures (8-bit add: 8 FA_X1 = 34 um2).
    Bands: adders 1.0-1.5x, multipliers 1.0-1.5x at 8 bits and 1.0-2.2x at 32 bits (the array's excess grows
    with its width)."""
    bands = {"ref_add8": 1.5, "ref_add32": 1.5, "ref_mul8": 1.5, "ref_mul32": 2.2}
    for v, ref in HOROWITZ_AREA_UM2.items():
        ratio = (derived.loc[v, "area_um2"] - derived.loc[v, "seq_area_um2"]) / ref
        assert 1.0 <= ratio <= bands[v], (v, ratio)


def _composed_reference(names):
    """Horowitz-composed INT MAC PE at 45 nm (pe_models.horowitz.int_pe_area_45nm): W x A multiplier +
    accumulator adder (his 8- and 32-bit points) + the RTL's reg_bits flip-flops at one DFF_X1 each."""
    kind, w, a = pe_models.pe_type_arrays(np.array(names))
    c = pe_models.evaluate(kind, w, a, 45.0)
    ref = horowitz.int_pe_area_45nm(w, a, c.reg_bits)
    return c, ref["multiplier_um2"] + ref["adder_um2"], ref["reg_um2"]


def test_int_pe_area_against_the_horowitz_composed_pe():
    """The per-PE area sweeps use (pe_models.evaluate, INT4 / INT8 / INT16 at 45 nm: 330 / 828 / 2604 um2)
    against multiplier + accumulator adder + registers composed from published 45 nm points (300 / 644 /
    1637 um2): 1.10 / 1.29 / 1.59x. The registers are exact (33 / 57 / 105 DFF_X1: operands, clear, the
    product pipeline register and the accumulator, as rtl/int_mac_pe.v builds them); the whole excess is
    in the logic (1.20 / 1.48 / 1.83x), and it lies within the excess our own adder and multiplier blocks
    show against Horowitz (1.10-1.90x, previous test): the PE's logic is those blocks. Held to 1.0-1.7x
    in total: it fails if the registers or the node derivation drift, or if the logic leaves its blocks'
    range. Before the flip-flops were priced apart (the issue's audit, registers at 4.5 um2 for W + A +
    accumulator bits only): 877.5 um2 for INT8, 1.55x."""
    c, logic_ref, reg_ref = _composed_reference(["INT4", "INT8", "INT16"])
    np.testing.assert_allclose(c.area_reg_um2, reg_ref)
    total = c.area_um2 / (logic_ref + reg_ref)
    logic = c.area_logic_um2 / logic_ref
    assert np.all((total >= 1.0) & (total <= 1.7)), total
    assert np.all(np.diff(total) > 0), total  # the array multiplier's excess grows with width
    assert np.all((logic >= 1.10 / 1.05) & (logic <= 1.90 * 1.05)), logic


# Measured / model (the 45 nm table moved with Stillmaker & Baas's area table, pe_models.scaling.area_factor),
# over the 11 check variants (median [min-max]): GF180MCU 180 nm 0.82 [0.78-0.86], ASAP7 7 nm 1.21 [1.19-1.24].
# Their table is an ideal-shrink estimate; these two libraries' NAND2 cells (10.976 and 0.05832 um2) are 13.8x
# and 0.073x Nangate45's, where the table says 19x and 0.059x, which is the whole offset (0.72 and 1.24).
# Bands +-10 % around the measured medians.
MODEL_AREA_BANDS = {180.0: (0.82 / 1.1, 0.82 * 1.1), 7.0: (1.21 / 1.1, 1.21 * 1.1)}


@pytest.mark.parametrize("node", sorted(MODEL_AREA_BANDS))
def test_model_area_at_other_nodes_against_our_gf180_and_asap7_netlists(derived, node):
    raw = pd.read_csv(RAW_CSV, comment="#")
    other = raw[raw["node_nm"] == node].set_index("variant")
    ratio = other["area_um2"] / (derived.loc[other.index, "area_um2"] * scaling.area_factor(45.0, node))
    lo, hi = MODEL_AREA_BANDS[node]
    assert len(ratio) >= 10 and np.all((ratio > lo) & (ratio < hi)), ratio.round(3).to_dict()
    # the offset is the libraries' cell density against the table's shrink, not the PE
    nand2 = float(other["nand2_area_um2"].iloc[0]) / NAND2_45NM_UM2 / float(scaling.area_factor(45.0, node))
    assert np.median(ratio) == pytest.approx(nand2, rel=0.15), nand2


@pytest.mark.parametrize("raw_name, table_name", [("RAW_CSV", "CSV_45NM"), ("NARROW_RAW_CSV", "NARROW_CSV_45NM")])
def test_committed_45nm_tables_are_the_derivation_of_the_raw_tables(tmp_path, raw_name, table_name):
    """python -m pe_models.characterize --from-raw RAW --csv-45nm TABLE reproduces the committed 45 nm tables."""
    from pe_models import characterize
    from pe_models.characterize.__main__ import main

    out = tmp_path / "45nm.csv"
    assert main(["--from-raw", str(getattr(characterize, raw_name)), "--csv-45nm", str(out)]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(out, comment="#"), pd.read_csv(getattr(characterize, table_name), comment="#"))
