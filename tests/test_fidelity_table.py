"""benchmarks/fidelity_table.py, issue 12's item-by-item table: its cheap sections run and every row is complete.

The expensive sections (eyeriss, accelergy, quidam) are the validation runs tests/test_eyeriss.py and
tests/test_quidam_study.py already make; here only that they are offered.
"""

from __future__ import annotations

import csv
import math

import pytest

import benchmark_modules

CHEAP = ("pe", "eyeriss_costs", "mem", "deepnvm", "roadmap")


@pytest.fixture(scope="module")
def table():
    return benchmark_modules.load("fidelity_table")


@pytest.fixture(scope="module")
def by_section(table):
    return {section: table.SECTIONS[section]() for section in CHEAP}


@pytest.fixture(scope="module")
def rows(by_section):
    return [r for section in CHEAP for r in by_section[section]]


def test_every_issue_item_has_a_section(table):
    assert set(table.SECTIONS) == {*CHEAP, "eyeriss", "accelergy", "quidam"}


def test_rows_are_complete_and_numeric(table, rows):
    assert len(rows) >= 40
    assert len({r.item for r in rows}) == len(rows), "items must be unique"
    for r in rows:
        assert r.item and r.before and r.source and r.command, r
        assert math.isfinite(r.now), r
        if r.reference:  # a reference figure: the ratio exists
            assert math.isfinite(r.ref_low) and r.ref_low <= r.ref_high, r
            assert math.isfinite(r.now_over_ref) and r.now_over_ref > 0, r
        else:  # none: the source says why, and no ratio is made up
            assert math.isnan(r.now_over_ref), r
        if r.tol_kind:  # a tolerance applies only to a reference figure
            assert r.tol_kind in table.TOLERANCES and r.reference, r
            assert r.within in ("yes", "no") and r.tolerance, r
        else:
            assert r.within == "" and r.tolerance == "", r


def test_each_cheap_section_gives_rows(by_section):
    for section, rs in by_section.items():
        assert rs, section


def test_ratio_against_a_band_is_to_the_nearer_edge(table):
    row = lambda now: table.Row("x", "-", now, "", "1-2", "s", "c", ref_low=1.0, ref_high=2.0)  # noqa: E731
    assert row(1.5).now_over_ref == 1.0
    assert row(0.5).now_over_ref == pytest.approx(0.5)
    assert row(3.0).now_over_ref == pytest.approx(1.5)
    assert table.Row("x", "-", 3.0, "", "2", "s", "c", ref_low=2.0, ref_high=2.0).now_over_ref == pytest.approx(1.5)


def test_within_applies_each_kind_of_tolerance(table):
    def within(now, kind, tol=math.nan, low=1.0, high=2.0):
        return table.Row("x", "-", now, "", "r", "s", "c", ref_low=low, ref_high=high, tol_kind=kind, tol=tol).within

    assert within(2.9, "points", 1.0) == "yes" and within(3.1, "points", 1.0) == "no"
    assert within(0.85, "rel", 0.2) == "yes" and within(2.5, "rel", 0.2) == "no"
    assert within(0.7, "factor", 1.5) == "yes" and within(0.6, "factor", 1.5) == "no"
    assert within(2.0, "max") == "yes" and within(2.1, "max") == "no"
    assert within(1.0, "min") == "yes" and within(0.9, "min") == "no"
    assert within(2.9, "max_points", 1.0) == "yes" and within(3.1, "max_points", 1.0) == "no"
    assert within(1.0, "equal", low=1.0, high=1.0) == "yes" and within(1.1, "equal", low=1.0, high=1.0) == "no"


def test_csv_has_the_printed_rows(table, by_section, tmp_path, capsys):
    out = tmp_path / "t.csv"
    assert table.main(["--only", "pe,roadmap", "--csv", str(out)]) == 0
    printed = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| ")][1:]
    with open(out) as f:
        got = list(csv.DictReader(f))
    assert list(got[0]) == list(table.COLUMNS)
    assert len(got) == len(printed) == len(by_section["pe"]) + len(by_section["roadmap"])
    assert [r["item"] for r in got] == [r.item for r in by_section["pe"] + by_section["roadmap"]]
    assert all(math.isfinite(float(r["now"])) for r in got)


def test_unknown_section_is_refused(table):
    with pytest.raises(SystemExit):
        table.main(["--only", "pe,nosuch"])
