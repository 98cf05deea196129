"""Decode traffic (issue 16): bytes moved per decoded token against the closed form, KV-cache
residency in the GLB, the KV width as a design parameter, and bandwidth-bound decode latency."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
import pytest

from dse import design, sweep
from dse import spec as spec_mod
from dse.network import evaluate


def _run(network="tinyllama", kv_len=1024, default=None, policy="model", space_kv_len=None, **space):
    raw = {"version": 1, "name": "t", "workload": {"network": network, "phase": "decode", "kv_len": kv_len},
           "precision": {"policy": policy, "default": default or {"w": 4, "a": 16, "kv": 8}},
           "space": {"pe_type": "W4A16", "glb_kib": 1024, "glb_banks": 64, "pe_rows": 32, "pe_cols": 32,
                     "clock_mhz": 500, "dataflow": "weight_stationary_local", **space}}
    if space_kv_len is not None:
        raw["space"]["kv_len"] = space_kv_len
    if "glb_area_mm2" in space:
        del raw["space"]["glb_kib"]
    s = spec_mod.parse(raw)
    wl = sweep.prepare_workload(s)
    return wl, evaluate(design.batch(s), wl, s.mapping_objective)


def _closed_form_bits(graph, kv_bits=None):
    """(all DRAM bits of one step, KV-cache bits of it): every weight once at its width, every
    K/V cache element once at the KV width, every layer's input and output activations once."""
    total = kv = 0
    for layer in graph.layers():
        if not layer.is_compute:
            total += (layer.input_count + layer.output_count) * layer.a_bits
            continue
        w = kv_bits if kv_bits and layer.kv_cache == "read" else layer.w_bits
        o = kv_bits if kv_bits and layer.kv_cache == "write" else layer.o_bits
        total += layer.weight_count * w + layer.input_count * layer.a_bits + layer.output_count * o
        kv += layer.weight_count * w if layer.kv_cache == "read" else 0
    return total, kv


def test_bytes_per_token_closed_form_streamed_and_resident():
    """A GLB that holds every decode tile but not the cache: exactly the closed form. One that holds
    the cache too (KV_RESIDENT_GLB_SHARE): the closed form minus the KV reads. Exact (no re-reads:
    each projection's input vector stays in the GLB while its weights stream) with every operand but
    the single-use weights through the GLB; with GLB bypass the search may re-read a query vector
    from DRAM to free the GLB port the resident cache is read through, never reading less."""
    wl, t = _run(glb_kib=[1024, 16384], glb_bypass=["off", "on"])
    total, kv = _closed_form_bits(wl.graph)
    dram = (t["dram_read_bits"] + t["dram_write_bits"]).to_numpy()
    off = (t["glb_bypass"] == "off").to_numpy()
    assert list(t["kv_resident"][off]) == [False, True]
    assert dram[off] == pytest.approx([total, total - kv], rel=1e-12)
    assert np.all(dram[~off] >= dram[off] * (1 - 1e-12))
    t = t[~off]
    # the KV cache of TinyLlama at kv_len 1024: 22 layers x K,V x 4 heads x 64 x 1025 positions x 8 bits
    assert kv == 22 * 2 * 4 * 64 * 1025 * 8
    assert t["kv_cache_bytes"].iloc[0] == kv / 8
    # with bypass: read once per step, weights and a streamed cache flow DRAM -> array past the GLB;
    # a resident cache is read from the GLB and never written to it (no fill)
    assert list(t["glb_write_weight_bits"]) == [0.0, 0.0]
    assert list(t["glb_read_weight_bits"]) == pytest.approx([0.0, kv], rel=1e-12)


def test_kv_bits_design_parameter_moves_exactly_the_cache():
    wl, t = _run(kv_bits=[4, 16], glb_kib=1024)
    (t4, kv4), (t16, kv16) = _closed_form_bits(wl.graph, 4), _closed_form_bits(wl.graph, 16)
    dram = (t["dram_read_bits"] + t["dram_write_bits"]).to_numpy()
    assert dram == pytest.approx([t4, t16], rel=1e-12)
    assert kv16 == 4 * kv4
    assert (t["energy_pj_per_token"].iloc[1] > t["energy_pj_per_token"].iloc[0]
            and t["tokens_per_s"].iloc[1] < t["tokens_per_s"].iloc[0])


@pytest.mark.parametrize("bw", [6.4, 25.6])
def test_bandwidth_bound_decode_latency_is_bytes_over_bandwidth(bw):
    """W4A16 decode on a 32x32 weight-stationary array (local accumulation) with a 64-bank GLB is
    DRAM-bound: latency = bytes / bandwidth within 2% (the remainder: each layer's last tile of compute
    and its fill). Not the systolic ``weight_stationary``: a matrix-vector fold streams one pixel and
    pays 2R + C - 1 cycles of load, skew and drain for R x C MACs, so that array is fold-bound."""
    _, t = _run(dram_bw_gbps=bw)
    r = t.iloc[0]
    bytes_moved = (r["dram_read_bits"] + r["dram_write_bits"]) / 8
    assert r["latency_s"] == pytest.approx(bytes_moved / (bw * 1e9), rel=0.02)
    assert r["tokens_per_s"] == pytest.approx(1 / r["latency_s"], rel=1e-12)
    assert r["energy_pj_per_token"] == r["energy_pj"]


def test_weight_only_formats_run_on_w_ne_a_pes():
    """Under policy pe the W4A16 PE runs int4 weights with 16-bit activations; INT4 moves both at 4 bits,
    INT16 both at 16. Under policy model a W4A16 network on an INT4 PE takes ceil(16/4) = 4 passes."""
    wl, t = _run(network="gpt2", kv_len=256, policy="pe", default={"kv": 16},
                 pe_type=["W4A16", "INT4", "INT16"])
    params, kv = wl.graph.total_weights, _closed_form_bits(wl.graph)[1]
    assert t["dram_read_weight_bits"].to_numpy() == pytest.approx(
        [params * 4 + kv, params * 4 + kv, params * 16 + kv], rel=1e-9)
    ifmap = t["dram_read_ifmap_bits"].to_numpy()
    assert ifmap[0] == pytest.approx(4 * ifmap[1], rel=1e-9)  # same tiling, 16- vs 4-bit activations
    _, t = _run(network="gpt2", kv_len=256, default={"w": 4, "a": 16, "kv": 16}, pe_type=["W4A16", "INT4"])
    assert t["dram_read_bits"].iloc[0] == t["dram_read_bits"].iloc[1]
    assert t["mac_ops"].iloc[1] == 4 * t["mac_ops"].iloc[0]  # each MAC runs as 4 passes on the INT4 PE
    # in cycles less than 4x: a matrix-vector weight tile is one pixel, so its skew (rows + cols) weighs
    # as much as its passes (measured 2.75x)
    assert t["compute_cycles"].iloc[1] > 2 * t["compute_cycles"].iloc[0]


def test_non_decoder_has_no_token_columns_and_ignores_kv_bits():
    raw = {"version": 1, "name": "t", "workload": {"network": "alexnet"},
           "space": {"pe_type": "INT8", "kv_bits": [4, 16]}}
    s = spec_mod.parse(raw)
    t = evaluate(design.batch(s), sweep.prepare_workload(s), s.mapping_objective)
    assert "tokens_per_s" not in t
    assert np.array_equal(t["energy_pj"].iloc[0], t["energy_pj"].iloc[1])


def test_kv_len_axis_equals_separate_workloads():
    """space.kv_len evaluates each context length on its own graph: identical to a spec per length."""
    _, axis = _run(network="gpt2", kv_len=64, kv_bits=[4, 16], space_kv_len=[128, 512])
    for kv in (128, 512):
        _, one = _run(network="gpt2", kv_len=kv, kv_bits=[4, 16])
        got = axis[axis["kv_len"] == kv]
        assert got["energy_pj"].to_numpy() == pytest.approx(one["energy_pj"].to_numpy(), rel=1e-12)
        assert got["latency_cycles"].to_numpy() == pytest.approx(one["latency_cycles"].to_numpy(), rel=1e-12)
    assert list(axis["point_id"]) == sorted(axis["point_id"])  # rows back in point order


def test_iso_area_glb_gives_denser_technologies_more_capacity():
    """glb_area_mm2: each technology's largest capacity within the area (memory_models.study), its area
    within the budget; at 16 nm SOT-MRAM holds ~3x the SRAM capacity (DeepNVM++ reports up to 3.3x at
    iso-area, Inci et al. TCAD 2022) and then keeps the 9.2 MB KV cache on chip, which SRAM cannot.
    HP devices, as DeepNVM++'s: with LSTP ones the SOT write transistor must grow to carry its I_c
    (memory_models.drive: 12.5 F, a 69.5 F^2 cell) and SOT then holds less than STT."""
    _, t = _run(network="gpt2", kv_len=1000, kv_bits=4, glb_area_mm2=2.0, node_nm=16,
                glb_tech=["SRAM", "STT-MRAM", "SOT-MRAM"], memory_roadmap="hp")
    assert (t["area_glb_mm2"] <= 2.0 + 1e-9).all()
    cap = t["glb_kib"].to_numpy()
    assert cap[0] < cap[1] <= cap[2] and 2.0 < cap[2] / cap[0] < 4.0
    assert list(t["kv_resident"]) == [False, True, True]


def test_study_spec_errors(tmp_path, capsys):
    from dse import cli

    base = "version: 1\nname: tiny\nworkload: {network: gpt2}\nspace: {pe_type: INT8, %s}\n"
    for body, message in [("kv_len: [512, 2048]", "space.kv_len: gpt2: kv_len + seq_len = 2049 exceeds"),
                          ("glb_area_mm2: 0.02", "space.glb_area_mm2: 0.02 mm2 holds no SRAM buffer"),
                          ("glb_area_mm2: 1, glb_kib: 64", "space.glb_area_mm2: exclusive with space.glb_kib")]:
        spec = tmp_path / "tiny.yaml"
        spec.write_text(base % body)
        assert cli.main(["run", str(spec), "--out", str(tmp_path / "o"), "--no-progress"]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and message in err, err
    spec.write_text(base.replace("gpt2", "alexnet") % "kv_len: 64")
    assert cli.main(["run", str(spec), "--out", str(tmp_path / "o"), "--no-progress"]) == 2
    assert "space.kv_len: 'alexnet' has no KV cache; expected a decoder network" in capsys.readouterr().err


def test_decode_table_holds_one_design():
    from dse import decode_summary

    _, t = _run(network="gpt2", kv_len=256, kv_bits=[4, 16], glb_tech=["SRAM", "SOT-MRAM"], glb_area_mm2=1.0,
                dram_bw_gbps=[6.4, 25.6], node_nm=16)
    t["edp_pj_s"] = t["energy_pj"] * t["latency_s"]
    table = decode_summary.table(iter([t.iloc[:5], t.iloc[5:]]), t.loc[t["edp_pj_s"].idxmin()])  # in batches
    assert len(table) == 4  # 2 technologies x 2 KV widths at the best design's bandwidth
    assert set(zip(table["glb_tech"], table["kv_bits"])) == {("SRAM", 4), ("SRAM", 16), ("SOT-MRAM", 4),
                                                               ("SOT-MRAM", 16)}
    best_bw = t.loc[t["edp_pj_s"].idxmin(), "dram_bw_gbps"]
    assert set(t.loc[table["point_id"], "dram_bw_gbps"]) == {best_bw}


@settings(max_examples=25, deadline=None)
@given(area=st.floats(0.5, 50.0), factor=st.floats(1.0, 4.0), tech=st.sampled_from([0, 1, 2]),
       node=st.sampled_from([45.0, 22.0, 16.0]))
def test_capacity_for_area_is_monotonic_and_fits(area, factor, tech, node):
    from memory_models import buffer
    from memory_models.study import buffer_capacity_for_area

    small, large = (float(buffer_capacity_for_area(tech, a, 64, node, 16, "lop")) for a in (area, area * factor))
    assert small <= large
    assert float(buffer(tech, small, 64, node, 16, roadmap="lop").area_mm2) <= area * (1 + 1e-9)


def test_study_spec_loads():
    from pathlib import Path

    s = spec_mod.load(Path(__file__).parents[1] / "sweeps" / "llm_decode.yaml")
    wl = sweep.prepare_workload(s)
    assert wl.graph.name == "llama32_1b" and wl.at_kv_len is not None
    assert set(s.space_dict["kv_bits"]) == {4, 8, 16} and set(s.space_dict["pe_type"]) == {"W4A16", "W4A8", "INT8"}
    sweep.preflight(s)
