"""Register-file scratchpad energy as a function of its size.

The bitlines run along the entries, so above ~300 entries an access costs in proportion to the entries
(memory_models.model.regfile). References and tolerances:
  * slope: the IHP SG13G2 130 nm SRAM macros (tests/data/mem_reference_ihp_sg13g2.csv, from their
    Liberty files) grow by 0.65-0.88 fJ per added word per bit at 1.2 V (least-squares over their
    64-4096-word macros of each width), their bitlines' charge; our register file's slope over 256-4096
    entries at 130 nm (0.71 fJ; no IHP figure enters the model: it follows from the latch pitch, wire
    capacitance and port device) within 35 % of it at every width (observed 0.81-1.10);
  * the Eyeriss anchor (0.5 KiB 16-bit RF ~1x a 16-bit MAC, 0.3-3 pJ at 65 nm) stays in
    tests/test_mem_properties.py;
  * physical properties (hypothesis): energy strictly increasing in entries at any node and width,
    at least ~1.6x per doubling from 512 entries (bitline dominated), and a 16-entry spad at most a
    quarter of a 1024-entry one.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fidelity_refs
import memory_models as mm

@pytest.mark.parametrize("bits", [8, 16, 32, 64])
def test_regfile_energy_slope_matches_ihp_bitlines(bits):
    ihp_slope = fidelity_refs.ihp_bitline_slope_pj(bits)  # pJ per word per bit (tests/fidelity_refs.py)
    ours_slope = fidelity_refs.regfile_slope_pj(bits, 130.0)
    assert abs(ours_slope / ihp_slope - 1) <= 0.35, (ours_slope * 1e3, ihp_slope * 1e3)


@settings(max_examples=40, deadline=None)
@given(
    node=st.sampled_from([7.0, 16.0, 22.0, 45.0, 65.0, 130.0, 180.0]),
    bits=st.sampled_from([4, 8, 16, 20, 32]),
    roadmap=st.sampled_from(["hp", "lop"]),
)
def test_regfile_energy_grows_with_entries(node, bits, roadmap):
    entries = 2.0 ** np.arange(2, 14)
    rf = mm.regfile(entries * bits / 8, bits, node, roadmap=roadmap)
    for f in ("read_energy_pj", "write_energy_pj", "area_mm2", "leakage_mw"):
        assert np.all(np.diff(np.asarray(getattr(rf, f))) > 0), f
    e = np.asarray(rf.read_energy_pj)
    big = entries >= 512
    assert np.all(e[1:][big[:-1]] >= 1.6 * e[:-1][big[:-1]]), e.round(3).tolist()
    assert e[entries == 16][0] <= 0.25 * e[entries == 1024][0]
