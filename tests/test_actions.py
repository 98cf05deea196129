"""The action table is wired right: each per-action energy, set alone to 1 (all others 0), lights exactly
its own breakdown columns, each equal to the counts it prices, for every dataflow.

The expected wiring below is written by hand from the physics (which energy prices which action at
which level), independently of ``dse.actions``: a swapped pair of energies in the table (GLB read /
write, the two scratchpads, ...) or a mislabelled breakdown or count column fails here. Tolerance:
relative 1e-12 (a breakdown column is its counts times 1.0, summed over layers in another order).
"""

from dataclasses import fields, replace

import numpy as np
import pytest
import yaml

from dse import actions, codegen, design, hardware, network, sweep, units
from dse import spec as spec_mod
from dse.dataflows import DATAFLOWS
from dse.hardware import HardwareCosts

OPS = ("weight", "ifmap", "psum")
# HardwareCosts energy field -> {breakdown column: the count columns it prices there}
EXPECTED = {
    "mac_energy_pj": {"energy_mac_pj": ["mac_ops"]},
    **{f"spad_{spad}_{rw}_pj": {f"energy_spad_{op}_pj": [f"spad_{rw}_{op}_accesses"]}
       for spad, op in (("filter", "weight"), ("ifmap", "ifmap"), ("psum", "psum")) for rw in ("read", "write")},
    "noc_pj_per_bit_hop": {f"energy_noc_{op}_pj": [f"noc_{op}_bit_hops"] for op in OPS},
    "glb_read_pj_per_bit": {f"energy_glb_{op}_pj": [f"glb_read_{op}_bits"] for op in OPS},
    "glb_write_pj_per_bit": {f"energy_glb_{op}_pj": [f"glb_write_{op}_bits"] for op in OPS},
    "dram_pj_per_bit": {"energy_dram_weight_pj": ["dram_read_weight_bits"],
                        "energy_dram_ifmap_pj": ["dram_read_ifmap_bits"],
                        "energy_dram_psum_pj": ["dram_write_psum_bits"]},
    "leakage_mw": {"energy_leakage_pj": ["<leakage>"]},  # latency x (1 mW in pJ per cycle)
    "clock_pj_per_cycle": {"energy_clock_pj": ["latency_cycles"]},
    # the gated clock runs in the PE-cycles a PE computes: one per MAC
    "clock_pj_per_mac": {"energy_clock_pe_pj": ["clock_active_pe_pe_cycles"]},
    # the clock part of a spad access or a NoC bit-hop (its gated registers, dse.clock) is priced inside that
    # action's energy and reported in the clock columns: alone, it lights its clock column with the counts and
    # its action's column with minus the counts (the action's whole energy is 0 here)
    **{f"spad_{spad}_{rw}_clock_pj": {f"energy_spad_{op}_pj": [f"-spad_{rw}_{op}_accesses"],
                                      "energy_clock_spad_pj": [f"spad_{rw}_{op}_accesses"]}
       for spad, op in (("filter", "weight"), ("ifmap", "ifmap"), ("psum", "psum")) for rw in ("read", "write")},
    "noc_clock_pj_per_bit_hop": {**{f"energy_noc_{op}_pj": [f"-noc_{op}_bit_hops"] for op in OPS},
                                 "energy_clock_noc_pj": [f"noc_{op}_bit_hops" for op in OPS]},
}
ENERGY_FIELDS = tuple(EXPECTED)

SPACE = """version: 1
name: lighting
workload: {network: resnet18}
space:
  pe_type: [INT8, INT16]
  pe_rows: [12]
  pe_cols: [14]
  glb_kib: [2, 108]
  dataflow: [row_stationary, weight_stationary, output_stationary, input_stationary, weight_stationary_local]
  noc_multicast: ["on", "off"]
  glb_bypass: "off"  # every operand through the GLB, so each GLB column lights on every dataflow (with only
                     # GLB energy priced, the latency-optimal mapping would skip the GLB where it can)
  pe_inner_order: ifmap  # a partial sum read every MAC but its first (with the order searched, the first
                         # order of equal latency, psum held, reads no psum spad word)
"""


@pytest.fixture(scope="module")
def lit() -> dict[str, object]:
    """Results table with each energy field alone at 1, per field (latency objective: the mappings
    chosen do not depend on the energies, so every run counts the same actions)."""
    spec = spec_mod.parse(yaml.safe_load(SPACE), "lighting.yaml")
    wl = sweep.prepare_workload(spec)
    d = design.batch(spec)
    real = hardware.evaluate(d)
    out = {}
    mp = pytest.MonkeyPatch()
    try:
        for name in ENERGY_FIELDS:
            one = {f: np.where(f == name, 1.0, 0.0) * np.ones(len(d)) for f in ENERGY_FIELDS}
            mp.setattr(network.hardware, "evaluate", lambda _d, hw=replace(real, **one): hw)
            out[name] = network.evaluate(d, wl, "latency")
    finally:
        mp.undo()
    return out


def test_every_energy_field_and_breakdown_column_is_covered():
    energy_like = {f.name for f in fields(HardwareCosts)
                   if f.name.endswith("_pj") or "_pj_per_" in f.name or f.name == "leakage_mw"}
    assert energy_like == set(ENERGY_FIELDS)
    assert {c for v in EXPECTED.values() for c in v} == set(actions.BREAKDOWN_COLUMNS)


@pytest.mark.parametrize("name", ENERGY_FIELDS)
def test_each_energy_lights_exactly_its_own_breakdown_columns(lit, name):
    t = lit[name]
    assert set(t["dataflow"]) == set(DATAFLOWS)
    for col in actions.BREAKDOWN_COLUMNS:
        got = t[col].to_numpy()
        if col not in EXPECTED[name]:
            assert np.all(got == 0), f"{name} = 1 lit {col}"
            continue
        sources = EXPECTED[name][col]
        if sources == ["<leakage>"]:
            want = t["latency_cycles"] * units.PJ_PER_MW_S / (t["clock_mhz_effective"] * units.HZ_PER_MHZ)
        else:
            want = sum(-t[s[1:]] if s.startswith("-") else t[s] for s in sources)
        np.testing.assert_allclose(got, want.to_numpy(), rtol=1e-12, atol=0, err_msg=f"{name} -> {col}")
        for df in DATAFLOWS:  # the column lights on every dataflow
            assert np.any(got[t["dataflow"] == df] != 0), f"{name} -> {col} dark on {df}"
    np.testing.assert_allclose(t["energy_pj"], t[list(actions.BREAKDOWN_COLUMNS)].sum(axis=1), rtol=1e-12)


def test_generated_kernel_block_matches_the_table():
    """dse/mapping/kernels.py's generated formulas are those of the current table."""
    assert codegen.current() == codegen.block()


def test_table_invariants_are_real_checks(monkeypatch):
    """Broken tables raise (not asserts, which ``python -O`` strips)."""
    bad = actions.Action("glb", "weight", "read", "bits", "glb_read_pj_per_bit", "glb_read_bits_per_cycle")
    monkeypatch.setattr(actions, "ACTIONS", actions.ACTIONS + (bad,))
    with pytest.raises(ValueError, match="unique|stage"):
        actions._check()
