"""Clock-network energy (dse.clock) against its sources, an explicit H-tree and a hand computation.

Tolerances: cell clock energies re-derived from the committed IHP SG13G2 Liberty file within 0.1%
(the constants are rounded to 4 significant digits); the H-tree length exactly (1e-12) against a
tree built segment by segment; a design point exactly (1e-9) against the formula worked by hand
with the Stillmaker & Baas 130 nm energy coefficients; the PE registers' clock per flop within 10 %
across widths (one flip-flop cell, different fan-out of the clock net). The Eyeriss comparison is in test_eyeriss.py.
"""

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dse import clock, design, hardware, network, sweep
from dse import spec as spec_mod

ROOT = Path(__file__).resolve().parents[1]
LIBERTY = ROOT / "pe_models" / "data" / "liberty" / "sg13g2_stdcell_typ_1p20V_25C.lib.gz"


@pytest.mark.parametrize("cell, constant", [(clock.FF_CELL, clock.FF_CLOCK_PJ_PER_CYCLE),
                                            (clock.ICG_CELL, clock.ICG_CLOCK_PJ_PER_CYCLE)])
def test_cell_clock_energy_matches_the_liberty_file(cell, constant):
    from pe_models.characterize import liberty

    lib = liberty.load(LIBERTY)
    assert lib.nom_voltage_v == clock.LIBERTY_VDD_V
    assert clock.ff_clock_pj_per_cycle(lib.cells[cell]) == pytest.approx(constant, rel=1e-3)


def _explicit_h_tree_mm(side_mm: float, levels: int) -> float:
    """Sum the segments of an H-tree drawn level by level: each H has a bar and two legs."""
    total, centres, size = 0.0, [(0.0, 0.0)], side_mm
    for _ in range(levels):
        half = size / 4  # the H of a square of side `size` spans half of it each way
        nxt = []
        for x, y in centres:
            total += 2 * half + 2 * (2 * half)  # horizontal bar of 2*half, two vertical legs of 2*half
            nxt += [(x + sx * half, y + sy * half) for sx in (-1, 1) for sy in (-1, 1)]
        centres, size = nxt, size / 2
    return total


@pytest.mark.parametrize("levels", [1, 2, 3, 4, 5])
def test_h_tree_length_matches_an_explicit_tree(levels):
    side = 1.7
    assert clock.h_tree_length_mm(side**2, 4**levels) == pytest.approx(_explicit_h_tree_mm(side, levels), rel=1e-12)


def test_design_point_worked_by_hand():
    # 10 PEs at 130 nm (nominal 1.3 V), scratchpads of 12 / 224 / 24 words, two NoC register stages per
    # operand port, 4 mm2 of array, PE registers (40 flops) clocking 1.5 pJ per active cycle (already at the node)
    e130 = lambda v: 7.171 * v**2 - 6.709 * v + 2.904  # Stillmaker & Baas 2017, 130 nm energy fit
    to_node = e130(1.3) / e130(1.2)
    spads, pin_v2 = (np.array([12.0]), np.array([224.0]), np.array([24.0])), 1.2**2 * to_node
    ff_load = 0.03054 * to_node + 0.3205 * 0.002796 * pin_v2  # one gated flop loading once, with its buffer share

    def pe_wire(sinks):
        return 0.2 * 1.5 * np.sqrt(0.4) * (np.sqrt(sinks) - 1) * 1.3**2

    def per_mac(flops, icgs):  # ungated flops + ICGs every active cycle, on the PE's H-tree, with the buffers
        return (1.5 * flops / 40 + icgs * 0.02258 * to_node + pe_wire(flops + icgs)
                + 0.3205 * ((flops * 0.002796 + icgs * 0.004939) * pin_v2 + pe_wire(flops + icgs)))

    # every active cycle: one write-enable gate per scratchpad and one ICG per NoC port register bank (3 ports x 2);
    # per write, behind the enable gate, two-level word gating: ceil(sqrt(N)) group gates + the group's word gates;
    # per bit-hop, the two port-register stages it loads
    per_write = [icgs * (0.02258 * to_node + 0.3205 * 0.004939 * pin_v2) for icgs in ((4 + 3), (15 + 15), (5 + 5))]
    tree = 0.2 * 1.5 * 2.0 * (np.sqrt(10) - 1) * 1.3**2
    per_cycle = 10 * 0.02258 * to_node + tree + 0.3205 * (10 * 0.004939 * pin_v2 + tree)
    got = clock.clock_costs(np.array([10.0]), np.array([1.5]), np.array([40.0]), spads, np.array([2.0]),
                            np.array([4.0]), np.array([130.0]))
    assert got.pj_per_mac[0] == pytest.approx(per_mac(40, 3 + 6), rel=1e-9)
    assert got.pj_per_cycle[0] == pytest.approx(per_cycle, rel=1e-9)
    assert [w[0] for w in got.pj_per_spad_write] == pytest.approx(per_write, rel=1e-9)
    assert [r[0] for r in got.pj_per_spad_read] == [0.0, 0.0, 0.0]  # a register-file read is a mux tree
    assert got.pj_per_noc_bit_hop[0] == pytest.approx(2 * ff_load, rel=1e-9)
    # with the address counters (a read and a write pointer of ceil(log2 N) bits, 4 / 8 / 5, each advancing per
    # access behind its ICG) and the 8-bit ifmap and weight operand registers loaded per read of their spad
    got = clock.clock_costs(np.array([10.0]), np.array([1.5]), np.array([40.0]), spads, np.array([2.0]),
                            np.array([4.0]), np.array([130.0]), pointer_words=spads,
                            held_bits=(np.array([8.0]), np.array([8.0]), np.array([0.0])))
    assert got.pj_per_mac[0] == pytest.approx(per_mac(40 - 16, 3 + 6 + 6 + 2), rel=1e-9)
    operand = 8 * (1.5 / 40 + 0.3205 * 0.002796 * pin_v2)
    assert [r[0] for r in got.pj_per_spad_read] == pytest.approx([4 * ff_load + operand, 8 * ff_load + operand,
                                                                  5 * ff_load], rel=1e-9)
    assert [w[0] for w in got.pj_per_spad_write] == pytest.approx(
        [g + b * ff_load for g, b in zip(per_write, (4, 8, 5))], rel=1e-9)


@settings(max_examples=60, deadline=None)
@given(n_pe=st.integers(1, 1024), words=st.integers(1, 512), bits=st.integers(0, 256),
       area=st.floats(0.01, 100.0), node=st.sampled_from([180.0, 130.0, 90.0, 65.0, 45.0, 32.0, 16.0, 7.0]),
       which=st.sampled_from(["n_pe", "words", "bits", "area"]))
def test_more_clocked_hardware_never_costs_less(n_pe, words, bits, area, node, which):
    args = {"n_pe": float(n_pe), "words": float(words), "bits": float(bits), "area": area}
    bigger = {**args, which: args[which] * 2 + 1}
    if which == "n_pe":  # more PEs of the same size
        bigger["area"] = area * bigger["n_pe"] / n_pe

    def f(a):
        c = clock.clock_costs(np.array([a["n_pe"]]), np.array([0.1]), np.array([8.0]), (np.array([a["words"]]),),
                              np.array([a["bits"]]), np.array([a["area"]]), np.array([node]))
        return c.pj_per_cycle[0], c.pj_per_mac[0]  # "bits": NoC port register stages (an ICG per bank per cycle)

    (cyc0, mac0), (cyc1, mac1) = f(args), f(bigger)
    assert cyc1 >= cyc0 > 0 and mac1 >= mac0 * (1 - 1e-12) > 0
    if which == "n_pe":  # more PEs: a longer tree and more PE gates every cycle, same cost per MAC
        assert cyc1 > cyc0 and mac1 == pytest.approx(mac0, rel=1e-12)
    if which == "area" and n_pe > 1:
        assert cyc1 > cyc0
    if which == "bits":
        assert mac1 > mac0 and cyc1 == cyc0


def test_clock_buffer_overhead_matches_the_liberty_file():
    # the constant is the least of the library's buffers (a CTS picks the cheapest that meets the slew)
    from pe_models.characterize import liberty

    lib = liberty.load(LIBERTY)
    bufs = {n: clock.buffer_overhead(c) for n, c in lib.cells.items() if n.startswith("sg13g2_buf_")}
    assert min(bufs, key=bufs.get) == clock.CLOCK_BUFFER_CELL
    assert bufs[clock.CLOCK_BUFFER_CELL] == pytest.approx(clock.CLOCK_BUFFER_OVERHEAD, rel=1e-3)
    assert 0.3 < min(bufs.values()) and max(bufs.values()) < 0.45
    assert lib.cells[clock.FF_CELL].pins["CLK"].capacitance_pf == pytest.approx(clock.FF_CLOCK_PIN_PF, rel=1e-3)
    assert lib.cells[clock.ICG_CELL].pins["CLK"].capacitance_pf == pytest.approx(clock.ICG_CLOCK_PIN_PF, rel=1e-3)


def test_word_gating_grows_as_the_square_root_of_the_scratchpad():
    # unaccessed words are gated: 4x the words costs ~2x the gates, not 4x
    small, big = clock.gated_word_icgs(np.array([64.0, 256.0]))
    assert small == 16 and big == 32
    assert clock.gated_word_icgs(np.array([1.0]))[0] == 2  # one group gate + one word gate
    assert clock.gated_word_icgs(np.array([0.0]))[0] == 0  # no word gates (an SRAM macro)


def test_narrow_pe_clocks_fewer_flops_per_mac():
    import pe_models

    kind, w, a = pe_models.pe_type_arrays(np.array(["INT4", "INT8", "INT16"]))
    c = pe_models.evaluate(kind, w, a, 45.0)
    assert np.all(np.diff(c.reg_bits) > 0) and np.all(np.diff(c.clock_pj_per_cycle) > 0)
    # the register clock per flop is the characterized flip-flop's clock energy: the same for all widths
    per_flop = c.clock_pj_per_cycle / c.reg_bits
    assert per_flop.max() / per_flop.min() < 1.1


def test_clock_energy_is_its_own_breakdown_column(tmp_path):
    text = (ROOT / "sweeps" / "validation" / "eyeriss_alexnet.yaml").read_text()
    text = text[: text.index("validation:")]  # a 4-point sweep, not a one-design validation
    p = tmp_path / "two_nodes.yaml"
    p.write_text(text.replace("node_nm: 65 ", "node_nm: 45 ").replace("pe_rows: 12 ", "pe_rows: [8, 12] ")
                 .replace("spad_filter_words: 224", "spad_filter_words: [112, 224]"))
    spec = spec_mod.load(p)
    d = design.batch(spec)
    table = network.evaluate(d, sweep.prepare_workload(spec), spec.mapping_objective)
    hw = hardware.evaluate(d)
    # the ungated tree every cycle; the gated part in the PE-cycles a PE computes, one per MAC
    np.testing.assert_allclose(table["energy_clock_pj"], table["latency_cycles"] * hw.clock_pj_per_cycle, rtol=1e-9)
    np.testing.assert_allclose(table["clock_active_pe_pe_cycles"], table["mac_ops"], rtol=1e-12)
    np.testing.assert_allclose(table["energy_clock_pe_pj"], table["mac_ops"] * hw.clock_pj_per_mac, rtol=1e-9)
    parts = table.filter(regex=r"^energy_.*_pj$").drop(columns=["energy_per_mac_pj"]).sum(axis=1)
    np.testing.assert_allclose(parts, table["energy_pj"], rtol=1e-9)
    assert (table["energy_clock_pj"] > 0).all() and (table["energy_clock_pe_pj"] > 0).all() and len(table) == 4


def test_sram_filter_spad_has_no_word_gates_and_costs_what_the_macro_model_says(tmp_path):
    """spad_filter_kind: sram builds the filter spad as a one-bank SRAM macro (memory_models.buffer): its
    per-access energy is the macro's, it is denser than the register file at a few hundred bytes, and
    it has no word clock gates (the macro clocks on an access)."""
    import memory_models

    text = (ROOT / "sweeps" / "validation" / "eyeriss_alexnet.yaml").read_text()
    text = text[: text.index("validation:")].replace("spad_filter_kind: sram", "spad_filter_kind: [regfile, sram]")
    # the gated registers' per-access clock is what this prices (the Eyeriss spec itself pins gating off)
    text = text.replace('register_clock_gating: "off"', 'register_clock_gating: "on"')
    p = tmp_path / "kinds.yaml"
    p.write_text(text)
    d = design.batch(spec_mod.load(p))
    hw = hardware.evaluate(d)
    rf, sram = np.flatnonzero(d.spad_filter_kind == 0)[0], np.flatnonzero(d.spad_filter_kind == 1)[0]
    macro = memory_models.buffer(np.array([0]), np.array([224 * 16 / 8]), np.array([16]), np.array([65.0]),
                                 np.array([1]), roadmap="lop")
    # the spec runs its memories at the chip's 1 V (memory_vdd_v); the LOP roadmap's 65 nm devices at 0.8 V
    v2 = (1.0 / 0.8) ** 2
    # plus the clock of what an access loads (dse.clock): its 8-bit address counter, on a read the 16-bit weight register
    import pe_models

    pe = pe_models.evaluate(d.pe_kind[:1], d.pe_w_bits[:1], d.pe_a_bits[:1], 65.0, vdd_v=1.0, narrow_acc=True)
    to_node = float(clock.scaling.energy_factor(130.0, 1.2, 65.0, 1.0))
    buf_pj = clock.CLOCK_BUFFER_OVERHEAD * clock.FF_CLOCK_PIN_PF * clock.LIBERTY_VDD_V**2 * to_node
    counter = 8 * (clock.FF_CLOCK_PJ_PER_CYCLE * to_node + buf_pj)
    operand = 16 * (pe.clock_pj_per_cycle[0] / pe.reg_bits[0] + buf_pj)
    assert hw.spad_filter_read_pj[sram] == pytest.approx(macro.read_energy_pj[0] * v2 + counter + operand, rel=1e-9)
    assert hw.spad_filter_write_pj[sram] == pytest.approx(macro.write_energy_pj[0] * v2 + counter, rel=1e-9)
    assert hw.area_spad_mm2[sram] < hw.area_spad_mm2[rf]
    # the macro's design point prices no filter word gates: its clock is the register file's with 0 words
    # (on its own, smaller array: a shorter PE clock wire)
    def per_mac(filter_words, i):
        # the wires span the placed array (the spec's placement_density)
        area = (hw.area_pe_mm2[i] + hw.area_spad_mm2[i] + hw.area_noc_mm2[i]) / d.placement_density[i]
        return clock.clock_costs(np.array([168.0]), pe.clock_pj_per_cycle, pe.reg_bits,
                                 (np.array([12.0]), np.array([filter_words]), np.array([24.0])),
                                 np.array([float(hardware.NOC_REG_STAGES)]), np.array([area]), np.array([65.0]),
                                 np.array([1.0]), pointer_words=(np.array([12.0]), np.array([224.0]), np.array([24.0])),
                                 held_bits=(np.array([16.0]), np.array([16.0]), np.array([0.0]))).pj_per_mac[0]

    assert hw.clock_pj_per_mac[sram] == pytest.approx(per_mac(0.0, sram), rel=1e-9)
    assert hw.clock_pj_per_mac[rf] == pytest.approx(per_mac(224.0, rf), rel=1e-9)
    assert per_mac(224.0, sram) > per_mac(0.0, sram)
    # its filter spad's word-gating tree is priced on a write, in the write energy
    rf_cells = memory_models.regfile(np.array([224 * 16 / 8]), np.array([16]), np.array([65.0]), roadmap="lop")
    tree = clock.gated_word_icgs(np.array([224.0]))[0] * (clock.ICG_CLOCK_PJ_PER_CYCLE + clock.CLOCK_BUFFER_OVERHEAD
                                                          * clock.ICG_CLOCK_PIN_PF * clock.LIBERTY_VDD_V**2) * to_node
    # a read or a write also advances its 8-bit address counter; a read loads the 16-bit weight register
    assert hw.spad_filter_write_pj[rf] == pytest.approx(rf_cells.write_energy_pj[0] * v2 + tree + counter, rel=1e-9)
    assert hw.spad_filter_read_pj[rf] == pytest.approx(rf_cells.read_energy_pj[0] * v2 + counter + operand, rel=1e-9)


def test_address_counters_have_log2_bits_per_pointer():
    # a read and a write pointer per scratchpad (Accelergy's smartbuffer_RF: two log(depth)-bit address generators)
    np.testing.assert_array_equal(clock.spad_pointer_bits(np.array([1.0, 2.0, 12.0, 16.0, 224.0])), [0, 2, 8, 8, 16])


def test_scratchpad_size_costs_clock_only_on_a_write():
    # a register-file read is a mux tree: per active cycle only the spad's write-enable gate toggles,
    # whatever its size; the word-gating tree behind it toggles on a write and grows with sqrt(words)
    c = clock.clock_costs(np.full(3, 16.0), np.full(3, 0.1), np.full(3, 20.0), (np.array([12.0, 224.0, 0.0]),),
                          np.zeros(3), np.ones(3), np.full(3, 45.0))
    assert c.pj_per_mac[0] == c.pj_per_mac[1] > c.pj_per_mac[2]  # no enable gate without word gates (SRAM)
    w = c.pj_per_spad_write[0]
    assert w[2] == 0.0 and w[1] / w[0] == pytest.approx(clock.gated_word_icgs(224.0) / clock.gated_word_icgs(12.0))


def _clock_pj_per_mac(bits, hops_per_mac, reads_per_mac, writes_per_mac, node=45.0):
    """Clock energy per MAC of one INT PE of ``bits``-bit operands (its characterized registers) at the given NoC
    bit-hop, spad read and spad write rates per MAC (each scratchpad's), 12 / 224 / 24-word scratchpads."""
    import pe_models

    b = np.array([float(bits)])
    pe = pe_models.evaluate(np.array([0]), b, b, node)
    words = (np.array([12.0]), np.array([224.0]), np.array([24.0]))
    c = clock.clock_costs(np.array([168.0]), pe.clock_pj_per_cycle, pe.reg_bits, words,
                          np.array([float(hardware.NOC_REG_STAGES)]), np.array([1.0]), np.array([node]),
                          pointer_words=words, held_bits=(b, b, np.zeros(1)))
    return float(c.pj_per_mac[0] + c.pj_per_noc_bit_hop[0] * hops_per_mac
                 + sum(r[0] for r in c.pj_per_spad_read) * reads_per_mac
                 + sum(w[0] for w in c.pj_per_spad_write) * writes_per_mac)


@settings(max_examples=40, deadline=None)
@given(bits=st.integers(2, 15), hops=st.floats(0.0, 64.0), reads=st.floats(0.0, 1.0), writes=st.floats(0.0, 1.0),
       which=st.sampled_from(["bits", "hops", "reads", "writes"]), more=st.floats(0.01, 32.0))
def test_gated_clock_is_monotone_in_operand_bits_deliveries_and_accesses(bits, hops, reads, writes, which, more):
    # load-enabled registers (dse.clock): wider operands clock more flops; more NoC deliveries (bit-hops), more spad
    # reads or writes per MAC load more gated registers; none of them ever costs less
    args = {"bits": bits, "hops": hops, "reads": reads, "writes": writes}
    bigger = {**args, which: args[which] + (1 if which == "bits" else more)}
    lo = _clock_pj_per_mac(args["bits"], args["hops"], args["reads"], args["writes"])
    hi = _clock_pj_per_mac(bigger["bits"], bigger["hops"], bigger["reads"], bigger["writes"])
    assert hi > lo > 0


def test_held_operands_and_quiet_noc_clock_less_than_every_cycle():
    # an operand held for a whole run (one spad read per 8 MACs) and a NoC delivering 1 bit-hop per MAC clock less
    # than a PE reloading everything every cycle; a 4-bit PE clocks less than a 16-bit one at the same rates
    held = _clock_pj_per_mac(16, 1.0, 1 / 8, 1 / 8)
    busy = _clock_pj_per_mac(16, 96.0, 1.0, 1.0)
    assert held < 0.75 * busy
    assert _clock_pj_per_mac(4, 1.0, 1 / 8, 1 / 8) < 0.6 * held  # 0.54x: the banks' ICGs and counters stay


def test_register_gating_off_clocks_every_register_each_active_cycle():
    """register_clock_gating off (a flow without clock-gating insertion; the Eyeriss spec): worked by hand as
    test_design_point_worked_by_hand's point: 40 PE flops, 2 NoC stages x 16 port bits, the scratchpads'
    read and write pointers 2 x (4 + 8 + 5) flops, all clocking every active cycle, 3 enable gates; nothing
    is priced per load but a write's word-gating tree; on the same point with gating on, the registers
    that load on an access clock per access instead."""
    e130 = lambda v: 7.171 * v**2 - 6.709 * v + 2.904  # noqa: E731 (Stillmaker & Baas 2017, 130 nm energy fit)
    to_node = e130(1.3) / e130(1.2)
    ffs = 40 + 32 + 34
    pe_wire = 0.2 * 1.5 * np.sqrt(0.4) * (np.sqrt(ffs + 3) - 1) * 1.3**2
    pins = (ffs * 0.002796 + 3 * 0.004939) * 1.2**2 * to_node
    per_mac = 1.5 + (3 * 0.02258 + (32 + 34) * 0.03054) * to_node + pe_wire + 0.3205 * (pins + pe_wire)
    per_write = [icgs * (0.02258 * to_node + 0.3205 * 0.004939 * 1.2**2 * to_node) for icgs in ((4 + 3), (15 + 15), (5 + 5))]
    words = (np.array([12.0]), np.array([224.0]), np.array([24.0]))
    args = (np.array([10.0]), np.array([1.5]), np.array([40.0]), words, np.array([2.0]), np.array([4.0]),
            np.array([130.0]))
    kw = dict(pointer_words=words, held_bits=(np.array([8.0]), np.array([8.0]), np.array([0.0])),
              noc_port_bits=np.array([16.0]))
    off = clock.clock_costs(*args, register_gating=np.array([False]), **kw)
    on = clock.clock_costs(*args, register_gating=np.array([True]), **kw)
    assert off.pj_per_mac[0] == pytest.approx(per_mac, rel=1e-9)
    assert [w[0] for w in off.pj_per_spad_write] == pytest.approx(per_write, rel=1e-9)
    assert [r[0] for r in off.pj_per_spad_read] == [0.0, 0.0, 0.0] and off.pj_per_noc_bit_hop[0] == 0.0
    assert off.pj_per_cycle[0] == on.pj_per_cycle[0]  # the tree to the PE gates is the same either way
    assert on.pj_per_mac[0] < off.pj_per_mac[0] and on.pj_per_noc_bit_hop[0] > 0
    assert all(g[0] > u[0] for g, u in zip(on.pj_per_spad_write, off.pj_per_spad_write))
    # the ungated default keeps gating on for every point (register_gating omitted)
    assert clock.clock_costs(*args, **kw).pj_per_mac[0] == on.pj_per_mac[0]


def test_gated_registers_clock_is_reported_in_the_clock_columns(tmp_path, monkeypatch):
    """The clock of what a spad access or a NoC bit-hop loads (dse.clock's per-load prices) is priced in that
    action's energy but reported in energy_clock_spad_pj / energy_clock_noc_pj: on the Eyeriss design (both
    filter-spad kinds, gating on and off) each spad column is exactly its counts x the memory model's read /
    write energy (no clock in it), each clock column exactly the counts x ClockCosts' per-load parts, and
    energy_pj and latency are bit-identical to the breakdown that filed the clock under the spads and NoC."""
    import dataclasses

    import memory_models
    from dse import actions

    text = (ROOT / "sweeps" / "validation" / "eyeriss_alexnet.yaml").read_text()
    text = text[: text.index("validation:")].replace("spad_filter_kind: sram", "spad_filter_kind: [regfile, sram]")
    p = tmp_path / "gated.yaml"
    p.write_text(text.replace('register_clock_gating: "off"', 'register_clock_gating: ["on", "off"]'))
    spec = spec_mod.load(p)
    d = design.batch(spec)
    wl = sweep.prepare_workload(spec)
    table = network.evaluate(d, wl, spec.mapping_objective).set_index("point_id").loc[d.point_id]
    hw = hardware.evaluate(d)
    pe = hardware.pe_costs(d)
    clk = clock.clock_costs(**hardware.clock_inputs(
        d, pe, d.pe_w_bits + d.pe_a_bits + hw.acc_bits,
        (hw.area_pe_mm2 + hw.area_spad_mm2 + hw.area_noc_mm2) / d.placement_density))
    # the memories alone: the LOP roadmap's 65 nm register files (or the filter's SRAM macro) at the spec's 1 V
    v2 = (1.0 / 0.8) ** 2
    sram = d.spad_filter_kind == memory_models.SPAD_KINDS.index("sram")
    mem = {}
    for op, words, bits in (("ifmap", 12, 16), ("weight", 224, 16), ("psum", 24, 16)):
        rf = memory_models.regfile(np.array([words * bits / 8]), np.array([bits]), np.array([65.0]), roadmap="lop")
        m = memory_models.buffer(np.array([0]), np.array([words * bits / 8]), np.array([bits]), np.array([65.0]),
                                 np.array([1]), roadmap="lop")
        pick = lambda a, b: np.where(sram, b[0], a[0]) if op == "weight" else np.full(len(d), a[0])  # noqa: E731
        mem[op] = (pick(rf.read_energy_pj, m.read_energy_pj) * v2, pick(rf.write_energy_pj, m.write_energy_pj) * v2)
    t = lambda c: table[c].to_numpy(float)  # noqa: E731
    clock_spad = 0.0
    for i, op in enumerate(("ifmap", "weight", "psum")):
        reads, writes = t(f"spad_read_{op}_accesses"), t(f"spad_write_{op}_accesses")
        np.testing.assert_allclose(t(f"energy_spad_{op}_pj"), reads * mem[op][0] + writes * mem[op][1], rtol=1e-9)
        clock_spad = clock_spad + reads * clk.pj_per_spad_read[i] + writes * clk.pj_per_spad_write[i]
    np.testing.assert_allclose(t("energy_clock_spad_pj"), clock_spad, rtol=1e-9)
    hops = sum(t(f"noc_{op}_bit_hops") for op in ("weight", "ifmap", "psum"))
    np.testing.assert_allclose(t("energy_clock_noc_pj"), hops * clk.pj_per_noc_bit_hop, rtol=1e-9)
    on = d.register_clock_gating == 1
    # gating on: the reads' counters and operand registers and the NoC port registers; off: a write's gating tree
    assert np.all(t("energy_clock_noc_pj")[on] > 0) and np.all(t("energy_clock_noc_pj")[~on] == 0)
    assert np.all(t("energy_clock_spad_pj")[on] > 0.02 * t("energy_pj")[on])  # 4.0-4.8 % of the total, measured
    # the same search with the clock parts left in the spad and NoC columns (the filing before): totals identical
    filed = dataclasses.replace(hw, **{a.clock: np.zeros(len(d)) for a in actions.COUNTED if a.clock})
    monkeypatch.setattr(network.hardware, "evaluate", lambda _d: filed)
    before = network.evaluate(d, wl, spec.mapping_objective).set_index("point_id").loc[d.point_id]
    for c in ("energy_pj", "latency_cycles", "spad_read_weight_accesses", "noc_psum_bit_hops"):
        np.testing.assert_array_equal(before[c].to_numpy(), t(c))
    moved = sum(before[f"energy_spad_{op}_pj"] - table[f"energy_spad_{op}_pj"] for op in ("ifmap", "weight", "psum"))
    np.testing.assert_allclose(moved.to_numpy(float), t("energy_clock_spad_pj"), rtol=1e-9)
    assert (before["energy_clock_spad_pj"] == 0).all()
