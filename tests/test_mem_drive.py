"""MRAM cell drive (memory_models.drive): the write device sized for I_c, the cell area it costs, refusals.

References: NVSim's own device model (Technology.cpp tables, formula.cpp CalculateOnResistance) put into the
same width rule by a harness (tests/data/mem_drive_nvsim.csv's header); the models before the sizing
(tests/data/mem_drive_golden.json, 4fd834d, bit for bit where the nominal width suffices); Ohm's law for the
sized cell's write current; the read-disturb cap.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import memory_models as mm
from benchmark_modules import load
from dse import cli
from memory_models import Tech, array, drive
from memory_models import technology as tk
from memory_models.cells import CELLS, cell_arrays, mtj_at_node
from memory_models.errors import CellDriveError

DATA = Path(__file__).parent / "data"
NVSIM = pd.read_csv(DATA / "mem_drive_nvsim.csv", comment="#")
GOLDEN = json.loads((DATA / "mem_drive_golden.json").read_text())


def test_width_rule_is_nvsims_device_in_the_same_rule():
    """Given NVSim's supply and on-resistance, our rule gives the harness's width (its 6 printed digits)."""
    w = drive.stt_write_width_f(NVSIM.vdd_v, NVSIM.r_on_ohm_um, NVSIM.node_nm, NVSIM.i_c_ua, NVSIM.r_ap_ohm)
    assert np.allclose(w, NVSIM.width_f, rtol=2e-5)


def test_width_with_our_devices_against_nvsims():
    """Our devices at NVSim's supply need 0.54-1.08x NVSim's width, and exactly by the ratio of the two
    on-resistances: the rule is the same, the device tables are not (ours: CACTI 7's I_on with a flat 1.5
    resistance multiplier, technology._R_EFF_MULT; NVSim: its own tables, multipliers 1.45-1.99)."""
    for roadmap, rows in NVSIM.groupby("roadmap"):
        node, vdd = rows.node_nm.to_numpy(float), rows.vdd_v.to_numpy(float)
        r_on = tk.r_on_ohm_um(node, roadmap, vdd)
        ours = drive.stt_write_width_f(vdd, r_on, node, rows.i_c_ua, rows.r_ap_ohm)
        ratio = ours / rows.width_f.to_numpy()
        assert np.allclose(ratio, r_on / rows.r_on_ohm_um, rtol=2e-5)
        assert np.all((ratio > 0.5) & (ratio < 1.1)), (roadmap, ratio)


def _sized(tech, node, roadmap, vdd, i_c_scale=1.0):
    """(write width F or inf where refused, area F^2) of the default cell of ``tech``, I_c scaled."""
    cell = cell_arrays(np.array([int(tech)]))
    cell["write_current_ua"] = cell["write_current_ua"] * i_c_scale
    try:
        d = drive.size_cells(np.array([int(tech)]), cell, np.array([node]), roadmap, np.array([vdd]))
    except CellDriveError:
        return np.inf, np.inf
    return float(d.write_width_f[0]), float(d.area_f2[0])


@settings(max_examples=60, deadline=None)
@given(
    tech=st.sampled_from([Tech.STT_MRAM, Tech.SOT_MRAM]),
    node=st.sampled_from([7.0, 10.0, 16.0, 22.0, 32.0, 45.0, 90.0]),
    roadmap=st.sampled_from(tk.ROADMAPS),
    rel=st.floats(0.9, 1.3),
    drop=st.floats(0.0, 0.2),
    i_c_scale=st.floats(0.5, 2.0),
    grow=st.floats(0.0, 1.0),
)
def test_width_never_shrinks_with_lower_supply_weaker_device_or_larger_ic(
    tech, node, roadmap, rel, drop, i_c_scale, grow
):
    """A lower supply, a larger I_c, or a roadmap whose device is weaker at that supply (higher R_on for
    STT, lower I_on for SOT) never gives a narrower write device or a smaller cell."""
    low = float(tk.vth_v(node, roadmap)) + tk.MIN_OVERDRIVE_V
    v_hi = max(rel * float(tk.vdd_v(node, roadmap)), low + 0.01)
    v_lo = max(v_hi * (1.0 - drop), low)
    hi, lo = _sized(tech, node, roadmap, v_hi, i_c_scale), _sized(tech, node, roadmap, v_lo, i_c_scale)
    assert lo[0] >= hi[0] and lo[1] >= hi[1]
    more = _sized(tech, node, roadmap, v_hi, i_c_scale * (1.0 + grow))
    assert more[0] >= hi[0] and more[1] >= hi[1]
    for other in tk.ROADMAPS:  # another flavour at the same supply
        if v_hi < float(tk.vth_v(node, other)) + tk.MIN_OVERDRIVE_V:
            continue
        if tech == Tech.STT_MRAM:
            weaker = tk.r_on_ohm_um(node, other, v_hi) >= tk.r_on_ohm_um(node, roadmap, v_hi)
        else:
            weaker = tk.i_on_ua_per_um(node, other, v_hi) <= tk.i_on_ua_per_um(node, roadmap, v_hi)
        if weaker:
            w = _sized(tech, node, other, v_hi, i_c_scale)
            assert w[0] >= hi[0] and w[1] >= hi[1], other


@pytest.mark.parametrize("node,roadmap", [(7.0, "lop"), (7.0, "lstp"), (10.0, "lstp")])
def test_cells_that_could_not_be_written_are_priced_upsized(node, roadmap):
    """The STT cells last session found unwritable at their roadmap's supply (the nominal 8.5 F device
    passes less than I_c) are now priced with the device that writes them: at the chosen width
    V_dd / (R_AP + R_on / W) = I_c exactly, the cell 3 F^2 larger per F, the read current still within its
    read-disturb cap, and the array larger and its read faster than with the nominal cell."""
    cell, tech = CELLS[Tech.STT_MRAM], int(Tech.STT_MRAM)
    c = array.evaluate(tech, 2.0**20, 64, node, roadmap=roadmap)
    vdd, f_um = float(tk.vdd_v(node, roadmap)), node * 1e-3
    arr = cell_arrays(np.array([tech]))
    r_p, i_c = (float(x[0]) for x in mtj_at_node(arr, node))
    r_on = float(tk.r_on_ohm_um(node, roadmap))
    assert vdd / (r_p * (1 + cell.tmr) + r_on / (cell.access_width_f * f_um)) < i_c * 1e-6  # nominal fails
    w = float(c.access_width_f)
    assert c.access_upsized and w > cell.access_width_f
    assert vdd / (r_p * (1 + cell.tmr) + r_on / (w * f_um)) == pytest.approx(i_c * 1e-6, rel=1e-12)
    assert float(c.cell_area_f2) == pytest.approx(cell.area_f2 + 3.0 * (w - cell.access_width_f), rel=1e-12)
    i_read_ua = min(cell.read_voltage_v / (r_p + r_on / (w * f_um)) * 1e6, cell.read_disturb_margin * i_c)
    assert i_read_ua <= cell.read_disturb_margin * i_c
    # the model before the sizing priced the nominal cell: the upsized array is larger
    before = GOLDEN["costs"][f"buffer/{roadmap}/{node:g}/None"]["area_mm2"][2 * tech + 1]  # STT, 1 MiB
    assert float(c.area_mm2) > before


def test_unwritable_cell_is_one_line_error_in_mem_and_run(tmp_path, capsys):
    """Where no width within the 146 F^2 cap (or at all: V_dd / I_c <= R_AP) writes the cell: one line
    naming node, roadmap and supply, exit 2, no output."""
    with pytest.raises(CellDriveError, match=r"^vdd_v 0.45 V at 7 nm \(lop roadmap\) cannot write its "
                                             r"STT-MRAM cells: their I_c 20.4 uA needs more than .* no width"):
        mm.buffer(1, 2.0**20, 64, 7.0, roadmap="lop", vdd_v=0.45)
    assert cli.main(["mem", "--node-nm", "7", "--roadmap", "lop", "--vdd-v", "0.55", "--tech", "STT-MRAM",
                     "--capacity", "1MiB"]) == 2
    out = capsys.readouterr()
    assert out.out == "" and len(out.err.strip().splitlines()) == 1
    assert "vdd_v 0.55 V at 7 nm (lop roadmap) cannot write its STT-MRAM cells" in out.err
    assert "186.8 F^2 cell (cap 146 F^2" in out.err
    spec = tmp_path / "tiny.yaml"
    spec.write_text("version: 1\nname: tiny\nworkload: {network: resnet18}\nspace:\n  pe_rows: 8\n"
                    "  node_nm: 7\n  glb_tech: STT-MRAM\n  memory_roadmap: lop\n  memory_vdd_v: 0.55\n")
    assert cli.main(["run", str(spec), "--out", str(tmp_path / "out"), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "space.memory_vdd_v: vdd_v 0.55 V at 7 nm" in err, err
    assert not (tmp_path / "out").exists()


def test_mem_prints_the_sized_cell(capsys):
    assert cli.main(["mem", "--node-nm", "7", "--roadmap", "lop", "--capacity", "1MiB", "--kind", "buffer",
                     "--format", "csv"]) == 0
    rows = {r.split(",")[0]: r.split(",") for r in capsys.readouterr().out.strip().splitlines()[1:]}
    assert rows["SRAM"][-3:] == ["1.31", "146", "no"]
    assert rows["STT-MRAM"][-3:] == ["26", "106.5", "yes"]
    assert rows["SOT-MRAM"][-1] == "yes"
    for node, said in (("7", True), ("16", False)):  # the table says what an upsized cell is, where there is one
        assert cli.main(["mem", "--node-nm", node, "--roadmap", "lop" if said else "hp", "--capacity", "1MiB"]) == 0
        assert ("access_upsized yes: the cell's write device" in capsys.readouterr().out) == said


def test_costs_unchanged_bit_for_bit_where_the_nominal_width_suffices():
    """Against the models of 4fd834d (benchmarks/mem_drive.py --golden): every cost of every configuration
    whose write device was not upsized is the stored one exactly, and a refused one is a configuration
    whose cell the nominal device could not write either."""
    bench = load("mem_drive")
    compared = upsized = refused = 0
    for key, want in GOLDEN["costs"].items():
        kind, roadmap, node, rel = key.split("/")
        rel = None if rel == "None" else float(rel)
        try:
            c = bench.golden_costs(kind, roadmap, float(node), rel)
        except CellDriveError:
            refused += 1
            assert float(node) <= 10 and roadmap in ("lop", "lstp"), key
            continue
        same = ~np.asarray(c.access_upsized)
        for f, values in want.items():
            assert np.asarray(getattr(c, f))[same].tolist() == np.asarray(values)[same].tolist(), (key, f)
        # an upsized one has the larger cell (its organisation search may then pick another array, so its
        # total area is not always larger: SOT 1 MiB at 10 nm hp, 0.9 V_0, is 6 % smaller)
        nominal = np.array([CELLS[t].area_f2 for t in Tech]).repeat(len(bench.GOLDEN_CAPS))
        assert np.all(np.asarray(c.cell_area_f2)[~same] > nominal[~same]), key
        compared, upsized = compared + int(same.sum()), upsized + int((~same).sum())
    assert (compared, upsized, refused) == (588, 252, 4)  # of 864 (tech x capacity x 144 entries)
