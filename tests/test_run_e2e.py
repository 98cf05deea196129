"""`dse run` end to end: outputs, atomic/complete folders, resume after a kill, Dask (report escaping: test_figures_report)."""

import json

import numpy as np
import pandas as pd
import pytest

from dse import cli, results, sweep
from dse import spec as spec_mod

SPEC = """version: 1
name: {name}
workload: {{network: resnet18}}
precision:
  layers: {{conv1: {{w: 8, a: 8}}}}
space:
  pe_type: [INT4, INT8, LightPE-1]
  pe_rows: [8, 12]
  pe_cols: [14]
  glb_kib: [64, 128]
  glb_tech: [SRAM, SOT-MRAM]
run: {{chunk_points: 5}}
"""

OUTPUTS = ["results/part-000000.parquet", "pareto.csv", "pareto.png", "perf_per_area.png", "report.html",
           "precision.json",
           "manifest.json"]


@pytest.fixture
def spec_file(tmp_path):
    p = tmp_path / "small.yaml"
    p.write_text(SPEC.format(name="small"))
    return p


def run_cli(spec_file, out, *extra):
    return cli.main(["run", str(spec_file), "--out", str(out), "--no-progress", *extra])


def test_outputs_complete_and_consistent(spec_file, tmp_path):
    out = tmp_path / "out"
    assert run_cli(spec_file, out) == 0
    for name in OUTPUTS:
        assert (out / name).stat().st_size > 0, name
    assert not list(out.rglob(".*.tmp"))
    df = results.load(out)
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(df) == manifest["rows"] == 24 and df["point_id"].tolist() == list(range(24))
    for col in ("energy_pj", "latency_cycles", "latency_s", "area_mm2", "edp_pj_s", "perf_per_area_gops_per_mm2",
                "energy_mac_pj", "energy_dram_weight_pj", "energy_glb_ifmap_pj", "energy_spad_psum_pj"):
        assert col in df and np.all(np.isfinite(df[col])) and np.all(df[col] >= 0), col
    parts = [c for c in df if c.startswith("energy_") and c.endswith("_pj") and c not in ("energy_pj",
                                                                                            "energy_per_mac_pj")]
    np.testing.assert_allclose(df[parts].sum(axis=1), df["energy_pj"], rtol=1e-9)
    np.testing.assert_allclose(df["edp_pj_s"], df["energy_pj"] * df["latency_s"], rtol=1e-12)
    front = pd.read_csv(out / "pareto.csv")
    from dse.pareto import front_mask

    on_front = front_mask(df[["energy_pj", "latency_s"]].to_numpy())  # the exact front of the whole table
    assert len(front) == manifest["pareto_rows"] == int(on_front.sum())
    assert sorted(front["point_id"]) == sorted(df.loc[on_front, "point_id"])
    assert pd.read_parquet(out / "results")["point_id"].sort_values().tolist() == list(range(24))
    assert manifest["input_checksums"]["spec"] == spec_mod.load(spec_file).sha256
    prec = json.loads((out / "precision.json").read_text())
    edp = prec["objectives"]["edp"]
    assert edp["point_id"] == int(df.loc[df["edp_pj_s"].idxmin(), "point_id"])
    assert set(edp["layers"]) == {layer.name for layer in sweep.prepare_workload(
        spec_mod.load(spec_file)).graph.compute_layers()}
    assert edp["layers"]["conv1"]["w_bits"] == 8  # pinned
    assert list(edp["design"]) == list(spec_mod.PARAMS)  # the whole design, as spec parameters
    pe_bits = {"INT4": 4, "INT8": 8, "LightPE-1": 4}[edp["design"]["pe_type"]]
    assert edp["layers"]["layer1.0.conv1"]["w_bits"] == pe_bits  # follows the PE


def test_killed_run_resumes_without_loss_or_duplicates(spec_file, tmp_path, monkeypatch):
    ref = tmp_path / "ref"
    assert run_cli(spec_file, ref) == 0
    out = tmp_path / "out"
    calls = {"n": 0}
    real = sweep.evaluate_part

    def dying(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(sweep, "evaluate_part", dying)
    assert run_cli(spec_file, out) == 130
    assert not (out / "manifest.json").exists()  # an interrupted folder never looks complete
    assert len(results.part_paths(out)) == 2
    evaluated = []
    monkeypatch.setattr(sweep, "evaluate_part", lambda s, w, o, i, *a, **k: evaluated.append(i) or real(s, w, o, i, *a, **k))
    assert run_cli(spec_file, out) == 0
    assert evaluated == [2, 3, 4]  # only the missing chunks
    pd.testing.assert_frame_equal(results.load(out), results.load(ref))


def test_changed_spec_discards_stale_checkpoint(spec_file, tmp_path, monkeypatch):
    out = tmp_path / "out"
    monkeypatch.setattr(sweep, "evaluate_part", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt))
    assert run_cli(spec_file, out) == 130
    monkeypatch.undo()
    spec_file.write_text(spec_file.read_text().replace("pe_rows: [8, 12]", "pe_rows: [8, 16]"))
    assert run_cli(spec_file, out) == 0
    assert sorted(results.load(out)["pe_rows"].unique()) == [8, 16]


def test_lower_supply_lowers_logic_energy(tmp_path):
    """vdd_v scales PE and clock energy (Stillmaker & Baas: energy ~ quadratic in V), not memories."""
    from dse import design
    from dse.network import evaluate

    p = tmp_path / "v.yaml"
    p.write_text(SPEC.format(name="v").replace("glb_tech: [SRAM, SOT-MRAM]", "glb_tech: SRAM\n  vdd_v: [nominal, 0.8]"))
    spec = spec_mod.load(p)
    df = evaluate(design.batch(spec), sweep.prepare_workload(spec), spec.mapping_objective)
    nominal, low = df[df.vdd_v == 1.0].reset_index(), df[df.vdd_v == 0.8].reset_index()
    assert len(nominal) == len(low) > 0
    assert (low.energy_mac_pj < nominal.energy_mac_pj).all()
    assert (low.energy_clock_pj < nominal.energy_clock_pj).all()
    # memories keep their energy per access (the mapping search may move a little traffic between
    # levels when the logic gets cheaper, so compare per bit)
    per_bit = lambda t: t.energy_dram_weight_pj / t.dram_read_weight_bits
    np.testing.assert_allclose(per_bit(low), per_bit(nominal))


def test_memory_supply_scales_memory_energy_and_leakage(tmp_path):
    """memory_vdd_v prices the scratchpads and the GLB at that supply, inside the memory models: a latch
    scratchpad's cells and an SRAM GLB access are all C V^2; an SOT-MRAM GLB read is partly V I t (sense
    current), so between x k and x k^2, and its write partly the MTJ's own rail (x 1); leakage I_off V;
    the PE, the clock and DRAM keep theirs; 'nominal' is the roadmap's own supply (lop at 45 nm: 0.7 V)."""
    from dse import design, hardware

    p = tmp_path / "m.yaml"
    p.write_text(SPEC.format(name="m").replace("glb_tech: [SRAM, SOT-MRAM]",
                                               "glb_tech: [SRAM, SOT-MRAM]\n  memory_vdd_v: [nominal, 0.9]"))
    d = design.batch(spec_mod.load(p))
    hw = hardware.evaluate(d)
    nominal, high = d.memory_vdd_v == 0, d.memory_vdd_v == 0.9
    assert nominal.sum() == high.sum() > 0
    np.testing.assert_allclose(d.memory_supply_v[nominal], 0.7)
    k = 0.9 / 0.7
    # the points pair up in order (memory_vdd_v is the last space axis)
    assert (d.glb_tech[high] == d.glb_tech[nominal]).all()
    sram = d.glb_tech[nominal] == 0
    # an SOT read's sense current is drawn from V_dd (x k); its write current from its own rail (x 1)
    for f, floor in (("glb_read_pj_per_bit", k), ("glb_write_pj_per_bit", 1.0)):
        hi, lo = getattr(hw, f)[high], getattr(hw, f)[nominal]
        np.testing.assert_allclose(hi[sram], lo[sram] * k**2, rtol=1e-12, err_msg=f)
        assert ((hi[~sram] > lo[~sram] * floor) & (hi[~sram] < lo[~sram] * k**2)).all(), f
    for f in (f"spad_{op}_{rw}_pj" for op in ("ifmap", "filter", "psum") for rw in ("read", "write")):
        # an access's clock (a write's word-gating tree, the address counter, a read's operand register: dse.clock)
        # is on the logic supply: only the cells' part scales
        v = getattr(hw, f)
        assert (v[high] > v[nominal] * 1.2).all() and (v[high] < v[nominal] * k**2).all(), f
    for f in ("mac_energy_pj", "clock_pj_per_mac", "clock_pj_per_cycle", "dram_pj_per_bit"):
        np.testing.assert_allclose(getattr(hw, f)[high], getattr(hw, f)[nominal], rtol=1e-12, err_msg=f)
    # area: the SRAM designs keep theirs; the SOT cell's write transistor, upsized at lop's 0.7 V to carry its
    # I_c (memory_models.drive), needs less width at 0.9 V, so its GLB is smaller
    np.testing.assert_allclose(hw.area_mm2[high][sram], hw.area_mm2[nominal][sram], rtol=1e-12)
    assert (hw.area_mm2[high][~sram] < hw.area_mm2[nominal][~sram]).all()
    assert (hw.leakage_mw[high] > hw.leakage_mw[nominal]).all()
    assert (hw.leakage_mw[high] < hw.leakage_mw[nominal] * k + 1e-12).all()  # the PEs' leakage does not scale


def test_changed_model_data_discards_stale_checkpoint(spec_file, tmp_path, monkeypatch):
    """A re-characterized model table (any input checksum) must not mix with chunks computed before."""
    out = tmp_path / "out"
    real = sweep.evaluate_part
    calls = {"n": 0}

    def dying(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(sweep, "evaluate_part", dying)
    assert run_cli(spec_file, out) == 130
    checksums = sweep.input_checksums
    monkeypatch.setattr(sweep, "input_checksums", lambda spec: {**checksums(spec), "pe_models/data/x.csv": "new"})
    evaluated = []
    monkeypatch.setattr(sweep, "evaluate_part", lambda s, w, o, i, *a, **k: evaluated.append(i) or real(s, w, o, i, *a, **k))
    assert run_cli(spec_file, out) == 0
    assert evaluated == [0, 1, 2, 3, 4]  # every chunk again, none reused


def test_report_energy_breakdown_is_the_parts_of_the_total(spec_file, tmp_path):
    from dse.network import ENERGY_PARTS
    from dse.report import energy_breakdown

    assert run_cli(spec_file, tmp_path / "out") == 0
    row = results.load(tmp_path / "out").iloc[0]
    b = energy_breakdown(row)
    assert list(b["component"]) == [c[len("energy_"):-len("_pj")] for c in ENERGY_PARTS]
    assert "" not in set(b["component"])
    assert b["share"].sum() == pytest.approx(1.0, rel=1e-9)
