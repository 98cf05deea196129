"""``dse pe``: the per-node table (csv), the fit report and the QUIDAM-style comparison."""

import csv
import io

import pytest

from dse.cli import main
from dse.commands import pe as pe_cmd
from dse.commands.pe import CSV_COLUMNS, QUIDAM_LIGHTPE_GAIN_VS_INT16, compare


def _csv(capsys, *args):
    assert main(["pe", *args, "--format", "csv"]) == 0
    return list(csv.DictReader(io.StringIO(capsys.readouterr().out)))


def test_csv_has_the_columns_and_every_type_and_width(capsys):
    rows = _csv(capsys, "--node-nm", "7")
    assert tuple(rows[0]) == CSV_COLUMNS
    kinds, _, _ = pe_cmd.grid()
    assert len(rows) == len(kinds)
    assert {r["pe_type"] for r in rows} == {"INT", "LightPE-1", "LightPE-2", "FP16"}
    pairs = {(int(r["w_bits"]), int(r["a_bits"])) for r in rows if r["pe_type"] == "INT"}
    assert {(b, b) for b in (2, 4, 8, 16)} | {(2, 8), (4, 8), (8, 16), (4, 16)} <= pairs
    assert all(r["node_nm"] == "7" and float(r["energy_pj_per_mac"]) > 0 for r in rows)


def test_table_at_45nm_is_printed(capsys):
    assert main(["pe", "--node-nm", "45"]) == 0
    out = capsys.readouterr().out
    assert "45 nm, 1 V" in out and "LightPE-2" in out and "FP16" in out


def test_fit_report_prints_every_metric(capsys):
    assert main(["pe", "--fit-report"]) == 0
    out = capsys.readouterr().out
    for m in ("energy_pj_per_mac", "area_um2", "leakage_uw", "fmax_mhz"):
        assert out.count(m) == 4  # INT, LightPE-1, LightPE-2, INT-narrow


@pytest.mark.parametrize(
    "args, msg",
    [
        (["--node-nm", "40"], "--node-nm 40 not supported"),
        (["--node-nm", "45", "--vdd-v", "3.0"], "vdd_v 3.0 outside"),
    ],
)
def test_bad_options_give_one_line_errors(capsys, args, msg):
    assert main(["pe", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert msg in err and len(err.splitlines()) == 1


# Our QUIDAM-style comparison at 45 nm (dse pe --compare), stored as the expectation.
# Source: pe_models/data/characterization_45nm.csv via the fitted model. Tolerance 3 %:
# the fitted model reproduces the table within its fit error, and a re-characterization with
# the same tools is deterministic; a larger change means the characterization changed.
EXPECTED_VS_INT16 = {  # name: (energy incl. register clock / INT16, area / INT16), measured 2026-12-01;
    # areas re-measured 2026-12-02 (dse pe --compare) after the flip-flops were priced as 45 nm DFF_X1 cells: PEs
    # with fewer flops relative to INT16 shrink less, the ratios fall 3-6 %
    "INT2": (0.0857, 0.0679),
    "INT4": (0.1616, 0.1269),
    "INT8": (0.3646, 0.3180),
    "LightPE-1": (0.2751, 0.1898),
    "LightPE-2": (0.3994, 0.2779),
    "FP16": (2.1163, 0.9242),
}


def test_compare_matches_stored_expectation_and_quidam_direction(capsys):
    rows = compare(45.0)
    for name, (e_rel, a_rel) in EXPECTED_VS_INT16.items():
        assert rows[name]["energy_rel_int16"] == pytest.approx(e_rel, rel=0.03), name
        assert rows[name]["area_rel_int16"] == pytest.approx(a_rel, rel=0.03), name
    # QUIDAM's direction: shift-based PEs beat INT16 in perf/area and energy. Their 5.7x is for
    # a whole accelerator (memories included) at matched accuracy; a PE alone gains more.
    for name in ("LightPE-1", "LightPE-2"):
        assert rows[name]["perf_per_area_gain"] > 1.0 and rows[name]["energy_gain"] > 1.0
    assert main(["pe", "--compare"]) == 0
    out = capsys.readouterr().out
    assert f"{QUIDAM_LIGHTPE_GAIN_VS_INT16}x" in out and "LightPE-1" in out


def test_psum_width_activation_prints_the_narrow_accumulator_pe(capsys):
    # Eyeriss's INT16 PE (16-bit psums) at 65 nm, 1 V: cheaper and fewer flops than the 40-bit accumulator one
    def int16(args):
        assert main(["pe", "--node-nm", "65", "--vdd-v", "1.0", "--format", "csv", *args]) == 0
        rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
        return next(r for r in rows if r["pe_type"] == "INT" and r["w_bits"] == r["a_bits"] == "16")

    wide, narrow = int16([]), int16(["--psum-width", "activation"])
    assert int(narrow["reg_bits"]) == 16 + 16 + 1 + 16 + 16 < int(wide["reg_bits"]) == 16 + 16 + 1 + 32 + 40
    assert float(narrow["energy_pj_per_mac"]) < 0.9 * float(wide["energy_pj_per_mac"])
