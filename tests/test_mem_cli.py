"""`dse mem`: CSV columns and rows, --compare / --area, one-line errors."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

import memory_models as mm
from memory_models import study as mm_study
from dse.cli import main
from dse.commands.mem import COLUMNS, parse_capacity

EXPECTED = [
    "technology",
    "kind",
    "capacity_bytes",
    "node_nm",
    "read_latency_ns",
    "write_latency_ns",
    "read_energy_pj",
    "write_energy_pj",
    "leakage_mw",
    "area_mm2",
    "access_width_f",
    "cell_area_f2",
    "access_upsized",
]


def _csv(capsys, argv):
    assert main(argv) == 0
    return list(csv.DictReader(io.StringIO(capsys.readouterr().out)))


def test_mem_csv_columns_and_rows(capsys):
    rows = _csv(capsys, ["mem", "--node-nm", "22", "--capacity", "1MiB,2MiB,4MiB,8MiB", "--format", "csv"])
    assert list(rows[0]) == EXPECTED == list(COLUMNS)
    assert len(rows) == 3 * 2 * 4  # technologies x kinds x capacities
    assert {r["technology"] for r in rows} == {"SRAM", "STT-MRAM", "SOT-MRAM"}
    assert {r["kind"] for r in rows} == {"cache", "buffer"}
    assert {int(r["capacity_bytes"]) for r in rows} == {2**20, 2**21, 2**22, 2**23}
    # the CLI prints the library's numbers (64 B lines for caches, 64-bit words for buffers)
    r = next(
        r
        for r in rows
        if r["technology"] == "STT-MRAM" and r["kind"] == "cache" and r["capacity_bytes"] == str(2**22)
    )
    c = mm.cache(1, 2**22, 64, 22.0)
    assert np.isclose(float(r["read_energy_pj"]), float(c.read_energy_pj), rtol=1e-3)
    assert np.isclose(float(r["area_mm2"]), float(c.area_mm2), rtol=1e-3)


def test_mem_compare_iso_capacity_and_area(capsys):
    rows = _csv(capsys, ["mem", "--compare", "--capacity", "4MiB", "--kind", "cache", "--format", "csv"])
    assert [r["technology"] for r in rows] == ["SRAM", "STT-MRAM", "SOT-MRAM"]
    assert all(int(r["capacity_bytes"]) == 2**22 for r in rows)
    assert float(rows[1]["area_reduction_vs_sram"]) > 1 and float(rows[2]["edp_reduction_vs_sram"]) > 1
    rows = _csv(
        capsys, ["mem", "--compare", "--area", "--capacity", "4MiB", "--kind", "cache", "--format", "csv"]
    )
    assert int(rows[1]["capacity_bytes"]) > 2**22 and float(rows[1]["area_mm2"]) <= float(rows[0]["area_mm2"])
    assert float(rows[2]["deepnvm_published"]) == 2.4
    # the larger MRAM caches fill fewer lines: the study's per-technology writes (memory_models.study)
    study = mm_study.iso_area(2**22, mm_study.PROFILES["gpu-llc-inference"], 16.0)
    np.testing.assert_allclose([float(r["writes"]) for r in rows], study.writes, rtol=1e-3)
    assert float(rows[1]["writes"]) < float(rows[0]["writes"])


def test_mem_area_says_which_writes_follow_capacity(capsys):
    assert main(["mem", "--compare", "--area", "--capacity", "4MiB", "--kind", "buffer,cache"]) == 0
    out = capsys.readouterr().out
    assert "iso-area writes, buffer: fixed" in out
    assert "iso-area writes, cache: the fills of read misses follow each capacity (resnet18" in out


def test_mem_table_output(capsys):
    assert main(["mem", "--compare", "--capacity", "1MiB"]) == 0
    out = capsys.readouterr().out
    assert "edp_reduction_vs_sram" in out and "access profile" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["mem", "--node-nm", "3"], "--node-nm"),
        (["mem", "--capacity", "4XB"], "--capacity"),
        (["mem", "--tech", "DRAM"], "--tech"),
        (["mem", "--kind", "tlb"], "--kind"),
        (["mem", "--area"], "--compare"),
        (["mem", "--word-bits", "0"], "--word-bits"),
        (["mem", "--vdd-v", "0.2"], "vdd_v 0.2 is below"),
        (["mem", "--compare", "--vdd-v", "0.7"], "--vdd-v"),
    ],
)
def test_mem_bad_input_one_line(capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and message in err and err.startswith("dse: error:")


def test_parse_capacity_units():
    assert parse_capacity("64KiB") == 65536 and parse_capacity("4MB") == 4 * 2**20
    assert parse_capacity("1.5MiB") == 1.5 * 2**20 and parse_capacity("8192") == 8192


def test_mem_htree_option_and_roadmap_line(capsys):
    argv = ["mem", "--node-nm", "22", "--capacity", "8MiB", "--tech", "SRAM", "--kind", "buffer"]
    lat = {}
    for htree in ("repeated", "unrepeated"):
        rows = _csv(capsys, argv + ["--htree", htree, "--format", "csv"])
        lat[htree] = float(rows[0]["read_latency_ns"])
        expect = mm.buffer(mm.Tech.SRAM, 8 * 2**20, 64, 22.0, htree=htree).read_latency_ns
        assert np.isclose(lat[htree], float(expect), rtol=1e-3)
    assert lat["unrepeated"] > lat["repeated"]  # an 8 MiB bank's unrepeated H-tree: RC ~ length^2
    assert main(argv + ["--roadmap", "lop"]) == 0
    assert "lop device roadmap" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        main(argv + ["--htree", "spiral"])
    assert exc.value.code == 2


def test_mem_vdd_option_prices_the_memories_at_that_supply(capsys):
    """--vdd-v runs the memory at that supply: 0.64 V (0.8 x the 22 nm HP roadmap's 0.8 V) is cheaper per
    access and slower, as the model at that supply; the footer names the supply."""
    argv = ["mem", "--node-nm", "22", "--capacity", "64KiB", "--tech", "SRAM", "--kind", "buffer",
            "--format", "csv"]
    nominal, low = _csv(capsys, argv)[0], _csv(capsys, argv + ["--vdd-v", "0.64"])[0]
    assert float(low["read_energy_pj"]) < float(nominal["read_energy_pj"])
    assert float(low["read_latency_ns"]) > float(nominal["read_latency_ns"])
    expect = mm.buffer(mm.Tech.SRAM, 65536, 64, 22.0, vdd_v=0.64)
    assert np.isclose(float(low["read_latency_ns"]), float(expect.read_latency_ns), rtol=1e-3)
    assert main(argv[:-2] + ["--vdd-v", "0.64"]) == 0
    assert "at 0.64 V" in capsys.readouterr().out
