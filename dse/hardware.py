"""Per-action costs of each design point, computed once per batch from the PE and memory models.

Energy = actions x energy per action (Accelergy's energy reference table idea); this module
builds the table, one array element per design point.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

import memory_models
import pe_models
from dse import clock as clock_network
from dse import units
from dse.design import DesignBatch
from dse.dataflows import unique_rows
from dse.units import BITS_PER_BYTE, UM2_PER_MM2
from memory_models import MemoryCosts
from memory_models.dram import DRAM_TYPES
from memory_models.technology import ROADMAPS
from pe_models import scaling
from pe_models.catalog import accumulator_bits
from pe_models.characterize import DFF_45NM_UM2  # a 45 nm D flip-flop (Nangate45 DFF_X1), scaled to the node

GLB_BANK_WORD_BITS = 64  # each GLB bank reads/writes one 64-bit word per access (Eyeriss GLB: 64-bit)
# NoC router/multicast controller per PE: two pipeline registers per operand port (Eyeriss NoC,
# Chen et al., JSSC 2017, Sec. IV-C); priced per bit at the flip-flop area below.
NOC_REG_STAGES = 2


@dataclass(frozen=True)
class HardwareCosts:
    """One element per design point; per-access energies in pJ, areas in mm2."""

    clock_mhz: np.ndarray  # effective: min(target, PE fmax)
    acc_bits: np.ndarray  # accumulator / psum word width
    mac_energy_pj: np.ndarray  # one MAC at the PE's native widths
    spad_ifmap_read_pj: np.ndarray  # one read of one scratchpad word
    spad_ifmap_write_pj: np.ndarray  # one write of one word, with its word-gating tree's clock (dse.clock)
    spad_filter_read_pj: np.ndarray
    spad_filter_write_pj: np.ndarray
    spad_psum_read_pj: np.ndarray
    spad_psum_write_pj: np.ndarray
    noc_pj_per_bit_hop: np.ndarray
    glb_read_pj_per_bit: np.ndarray
    glb_write_pj_per_bit: np.ndarray
    glb_read_bits_per_cycle: np.ndarray
    glb_write_bits_per_cycle: np.ndarray
    dram_pj_per_bit: np.ndarray
    dram_bytes_per_cycle: np.ndarray
    leakage_mw: np.ndarray  # whole chip
    clock_pj_per_cycle: np.ndarray  # clock network, every cycle: tree + PE clock gates (dse.clock)
    clock_pj_per_mac: np.ndarray  # clock behind an active PE's gate, per MAC (dse.clock)
    # the clock part of the per-access energies above (dse.clock's per-load prices, dse.actions Action.clock):
    # a read's address counter and operand register, a write's pointer and word-gating tree, the NoC port registers
    spad_ifmap_read_clock_pj: np.ndarray
    spad_ifmap_write_clock_pj: np.ndarray
    spad_filter_read_clock_pj: np.ndarray
    spad_filter_write_clock_pj: np.ndarray
    spad_psum_read_clock_pj: np.ndarray
    spad_psum_write_clock_pj: np.ndarray
    noc_clock_pj_per_bit_hop: np.ndarray
    area_pe_mm2: np.ndarray  # all PE datapaths
    area_spad_mm2: np.ndarray  # all per-PE scratchpads
    area_noc_mm2: np.ndarray
    area_glb_mm2: np.ndarray

    @property
    def area_mm2(self) -> np.ndarray:
        return self.area_pe_mm2 + self.area_spad_mm2 + self.area_noc_mm2 + self.area_glb_mm2


def _on_unique(fn: Callable[..., object], *arrays: np.ndarray):
    """Evaluate ``fn`` once per distinct combination of ``arrays`` and scatter back.

    Memory and PE models are cheap per call but a sweep repeats few distinct configurations
    across many points, so this keeps model cost independent of the number of points.
    """
    cols = [np.asarray(a, dtype=float) for a in arrays]
    first, inverse = unique_rows(cols)
    result = fn(*(c[first] for c in cols))
    return type(result)(**{k: np.broadcast_to(np.asarray(v), first.shape)[inverse] for k, v in vars(result).items()})


def _put(base: np.ndarray, idx: np.ndarray, values: np.ndarray) -> np.ndarray:
    """A copy of ``base`` with ``values`` at ``idx``."""
    out = np.array(base, dtype=float, copy=True)
    out[idx] = values
    return out


def _per_roadmap(model: Callable[..., MemoryCosts]) -> Callable[..., MemoryCosts]:
    """Adapt a memory model taking one ``roadmap`` string to an array of roadmap codes (first argument)."""

    def wrapped(code: np.ndarray, *args: np.ndarray) -> MemoryCosts:
        code = np.asarray(code, dtype=int)
        out: dict[str, np.ndarray] = {}
        for r in np.unique(code):  # at most len(ROADMAPS) groups, not a loop over points
            sel = code == r
            part = model(*(np.asarray(a)[sel] for a in args), roadmap=ROADMAPS[r])
            for name, value in vars(part).items():
                out.setdefault(name, np.empty(len(code)))[sel] = value
        return MemoryCosts(**out)

    return wrapped


def pe_costs(d: DesignBatch):
    """The PEs of the design points at their node and logic supply (pe_models), each distinct PE once;
    psum_width: activation -> an INT PE truncates its product and accumulates in A bits (Eyeriss)."""
    return _on_unique(lambda k, w, a, n, v, nar: pe_models.evaluate(k.astype(int), w, a, n, vdd_v=v,
                                                                   narrow_acc=nar == 1),
                      d.pe_kind, d.pe_w_bits, d.pe_a_bits, d.node_nm, d.supply_v, d.psum_activation)


def clock_inputs(d: DesignBatch, pe, noc_port_bits: np.ndarray, array_area_mm2: np.ndarray) -> dict:
    """The arguments of ``dse.clock.clock_costs`` for the design points: ``pe`` their ``pe_costs``,
    ``noc_port_bits`` the W + A + psum bits of a PE's NoC ports, ``array_area_mm2`` the placed array."""
    filter_sram = d.spad_filter_kind == memory_models.SPAD_KINDS.index("sram")
    return dict(
        n_pe=d.pe_rows * d.pe_cols, pe_clock_pj_per_cycle=pe.clock_pj_per_cycle, pe_reg_bits=pe.reg_bits,
        # an SRAM macro clocks on an access (in its energy): no word gates
        spad_words=(d.spad_ifmap_words, np.where(filter_sram, 0, d.spad_filter_words), d.spad_psum_words),
        noc_reg_stages=np.full(len(d), float(NOC_REG_STAGES)), array_area_mm2=array_area_mm2,
        node_nm=d.node_nm, vdd_v=d.supply_v,
        # load-enabled registers are clock gated where register_clock_gating is on (dse.clock): the NoC port
        # registers load per bit-hop, the address counters (every scratchpad's) per access, the PE's operand
        # registers per read of their scratchpad
        pointer_words=(d.spad_ifmap_words, d.spad_filter_words, d.spad_psum_words),
        held_bits=(d.pe_a_bits, d.pe_w_bits, np.zeros(len(d))),
        register_gating=d.register_clock_gating == 1, noc_port_bits=noc_port_bits)


def clock_parts(clk: clock_network.ClockCosts) -> dict[str, np.ndarray]:
    """``clk``'s per-load clock prices under the ``HardwareCosts`` fields that the actions' clock parts name
    (``dse.actions.Action.clock``): a spad read's pointer and operand register, a write's pointer and
    word-gating tree (``clk``'s tuples are in the order ifmap, filter, psum), a NoC bit-hop's port registers."""
    (read_i, read_f, read_p), (write_i, write_f, write_p) = clk.pj_per_spad_read, clk.pj_per_spad_write
    return dict(spad_ifmap_read_clock_pj=read_i, spad_ifmap_write_clock_pj=write_i,
                spad_filter_read_clock_pj=read_f, spad_filter_write_clock_pj=write_f,
                spad_psum_read_clock_pj=read_p, spad_psum_write_clock_pj=write_p,
                noc_clock_pj_per_bit_hop=clk.pj_per_noc_bit_hop)


def evaluate(d: DesignBatch) -> HardwareCosts:
    vdd = d.supply_v
    pe = pe_costs(d)
    acc = np.where(d.psum_activation == 1, d.pe_a_bits, accumulator_bits(d.pe_kind, d.pe_w_bits, d.pe_a_bits))
    n_pe = d.pe_rows * d.pe_cols

    # every memory at the chip's memory supply (memory_vdd_v, resolved to the roadmap's own where nominal):
    # the models compute each term at that supply (memory_models.technology: drive, C V^2, V I t, I_off V)
    mem_vdd = d.memory_supply_v
    regfile = _per_roadmap(lambda c, b, n, v, roadmap: memory_models.regfile(c, b, n, roadmap=roadmap,
                                                                             vdd_v=v))

    macro = _per_roadmap(lambda c, b, n, v, roadmap: memory_models.buffer(
        np.full(len(c), int(memory_models.Tech.SRAM)), c, b, n, 1, roadmap=roadmap, vdd_v=v))

    def spad(words, bits, sram=None):
        args = (d.memory_roadmap, words * bits / BITS_PER_BYTE, bits, d.node_nm, mem_vdd)
        rf = _on_unique(regfile, *args)
        if sram is None or not sram.any():
            return rf
        # an SRAM-macro scratchpad (one bank, the array model of the GLB; memory_models.SPAD_KINDS)
        sel = np.flatnonzero(sram)
        m = _on_unique(macro, *(np.asarray(a)[sel] for a in args))
        return MemoryCosts(**{k: _put(getattr(rf, k), sel, getattr(m, k)) for k in vars(rf)})

    filter_sram = d.spad_filter_kind == memory_models.SPAD_KINDS.index("sram")
    sp_i, sp_f, sp_p = spad(d.spad_ifmap_words, d.pe_a_bits), spad(d.spad_filter_words, d.pe_w_bits, filter_sram), spad(
        d.spad_psum_words, acc)
    glb = _on_unique(
        _per_roadmap(lambda t, c, b, n, banks, v, roadmap: memory_models.buffer(t.astype(int), c, b, n, banks,
                                                                                  roadmap=roadmap, vdd_v=v)),
        d.memory_roadmap, d.glb_tech, d.glb_bytes, np.full(len(d), GLB_BANK_WORD_BITS), d.node_nm, d.glb_banks,
        mem_vdd,
    )
    clock = np.minimum(d.clock_mhz, pe.fmax_mhz)
    cycle_ns = units.cycle_ns(clock)
    # A bank that needs several cycles per access delivers one word every ceil(latency / cycle)
    # (the 1e-9 keeps a latency of exactly k cycles from rounding up to k + 1 through float noise).
    glb_rd_cycles = np.maximum(1.0, np.ceil(glb.read_latency_ns / cycle_ns - 1e-9))
    glb_wr_cycles = np.maximum(1.0, np.ceil(glb.write_latency_ns / cycle_ns - 1e-9))

    area_pe = n_pe * pe.area_um2 / UM2_PER_MM2
    area_spad = n_pe * (sp_i.area_mm2 + sp_f.area_mm2 + sp_p.area_mm2)
    reg_bits = d.pe_w_bits + d.pe_a_bits + acc
    area_noc = (n_pe * NOC_REG_STAGES * reg_bits * DFF_45NM_UM2 / UM2_PER_MM2
                * scaling.area_factor(45.0, d.node_nm))
    # the array as placed (placement_density: its cells fill that share of it): its clock tree and NoC wires span it
    placed_array_mm2 = (area_pe + area_spad + area_noc) / d.placement_density
    pitch_mm = np.sqrt(placed_array_mm2 / n_pe)
    clk = clock_network.clock_costs(**clock_inputs(d, pe, reg_bits, placed_array_mm2))
    # reads and writes priced apart: a write also clocks its scratchpad's word-gating tree (dse.clock);
    # a read of a register file is a mux tree, it clocks its read pointer and the operand register it loads
    clk_part = clock_parts(clk)
    leak = n_pe * (pe.leakage_uw * units.MW_PER_UW + sp_i.leakage_mw + sp_f.leakage_mw + sp_p.leakage_mw) + glb.leakage_mw
    dram = np.array([t.energy_pj_per_bit for t in DRAM_TYPES.values()])[d.dram_type]
    return HardwareCosts(
        clock_mhz=clock,
        acc_bits=acc,
        mac_energy_pj=pe.energy_pj_per_mac,
        spad_ifmap_read_pj=sp_i.read_energy_pj + clk_part["spad_ifmap_read_clock_pj"],
        spad_ifmap_write_pj=sp_i.write_energy_pj + clk_part["spad_ifmap_write_clock_pj"],
        spad_filter_read_pj=sp_f.read_energy_pj + clk_part["spad_filter_read_clock_pj"],
        spad_filter_write_pj=sp_f.write_energy_pj + clk_part["spad_filter_write_clock_pj"],
        spad_psum_read_pj=sp_p.read_energy_pj + clk_part["spad_psum_read_clock_pj"],
        spad_psum_write_pj=sp_p.write_energy_pj + clk_part["spad_psum_write_clock_pj"],
        # wire capacitance per mm is roughly node-independent; the pitch shrinks with the node.
        noc_pj_per_bit_hop=d.noc_pj_per_bit_mm * pitch_mm + clk_part["noc_clock_pj_per_bit_hop"],
        glb_read_pj_per_bit=glb.read_energy_pj / GLB_BANK_WORD_BITS,
        glb_write_pj_per_bit=glb.write_energy_pj / GLB_BANK_WORD_BITS,
        glb_read_bits_per_cycle=d.glb_banks * GLB_BANK_WORD_BITS / glb_rd_cycles,
        glb_write_bits_per_cycle=d.glb_banks * GLB_BANK_WORD_BITS / glb_wr_cycles,
        dram_pj_per_bit=dram,
        dram_bytes_per_cycle=units.bytes_per_cycle(d.dram_bw_gbps, clock),
        leakage_mw=leak,
        clock_pj_per_cycle=clk.pj_per_cycle,
        clock_pj_per_mac=clk.pj_per_mac,
        **clk_part,
        area_pe_mm2=area_pe,
        area_spad_mm2=area_spad,
        area_noc_mm2=area_noc,
        area_glb_mm2=glb.area_mm2,
    )
