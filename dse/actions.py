"""The action table: every (level, operand, action) the cost model counts and prices, declared once.

Energy = sum over actions of count x energy per action (Accelergy's energy reference table idea);
latency = a closed form of the rate-limited actions (``dse.mapping``). Everything else is generated
from ``ACTIONS`` below:

- ``COUNT_COLUMNS``: one count per mapping-counted action, named ``<level>[_<action>][_<operand>]_<unit>``
  (e.g. ``glb_read_weight_bits``); also the results columns holding the network totals;
- ``COUNTS`` / ``CI``: the count vector of one mapping candidate (the action counts, then
  ``EXTRA_COUNTS``) and its name -> position map, used by the dataflows and the kernels;
- ``COST_COLUMNS``: the per-point cost matrix's columns (energies, then bandwidths), each a
  ``dse.hardware.HardwareCosts`` field or one of ``DERIVED_COSTS`` (``action_costs`` builds it);
- ``BREAKDOWN_COLUMNS``: ``energy_<level>[_<operand>]_pj``, the results columns that split
  ``energy_pj`` (they sum to it), one per (level, operand) in table order, then one per level whose
  actions carry a clock part (``Action.clock``: the gated registers an action loads, priced in its
  energy), ``energy_clock_<level>_pj``: the clock part moved out of the action's column
  (``report_gated_clock``, after the search: the kernels price each action's energy whole);
- ``LAYOUT``: the positions and groups the kernels' formulas are generated from
  (``python -m dse.codegen`` writes them into ``dse/mapping/kernels.py``, with the count vector's
  named positions; numba's cache only watches a kernel's own file, so they are written there).

Counts that share an energy and a bandwidth form a *group*: the kernels sum a group's counts, then
price the sum (energy) and divide it by its bandwidth (latency); dominance pruning compares group
sums. Per-cycle actions (``per_cycle``) are counted once per cycle of latency; the kernels price
them together (their energies summed) and ``dse.network`` splits that energy among them in
proportion to their energies.

Extending (touch this table plus the model of the new count, nothing else):

- **a new memory level** (e.g. an L2 between GLB and DRAM): add its rows (``Action("l2", op, "read",
  "bits", "l2_read_pj_per_bit", "l2_read_bits_per_cycle", ON_CHIP)``...), its energy / bandwidth
  fields in ``dse.hardware`` (the memory model), and its count formulas in ``dse.dataflows``
  (``data_movement_counts`` and the kernel that assembles a candidate's counts,
  ``dse.mapping.kernels.count_vector``), then run ``python -m dse.codegen``. Results columns,
  breakdown columns, pruning coordinates and the kernels' formulas follow from the table.
- **the clock network** (dse.clock) has two rows: ``clock_active_pe_pe_cycles``, the PE-cycles in which a
  PE computes (= MACs; idle PEs are clock gated), priced per PE-cycle from the PE's characterized
  registers that load every MAC plus the ICGs of its load-enabled register banks; and the per-cycle
  ``clock`` row for the ungated part (the tree to the PE gates and the gates themselves). The gated
  flops' clock is priced with the spad and NoC actions that load them (their ``clock`` parts) and
  reported in ``energy_clock_spad_pj`` / ``energy_clock_noc_pj``, so every clock pin's energy is in an
  ``energy_clock_*`` column.
- **a KV-cache operand with its own precision** (llm): add rows with operand ``"kv"`` at the levels
  it moves through (``Action("glb", "kv", "read", ...)``, ``Action("dram", "kv", "read", ...)``)
  and count them at the KV bit width in the dataflow's count formulas; ``energy_glb_kv_pj``,
  ``dram_read_kv_bits`` etc. appear in the results by themselves.
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass, field

import numpy as np

ON_CHIP = "on_chip"  # rate-limited transfers that overlap the array's compute inside a tile
OFF_CHIP = "off_chip"  # rate-limited transfers double buffered per DRAM tile


@dataclass(frozen=True)
class Action:
    """One row of the table: what is counted, in which unit, and which per-point costs price it."""

    level: str  # mac, spad, noc, glb, dram, or a whole-chip cost (leakage, clock)
    operand: str  # weight, ifmap, psum; "" for the level as a whole
    action: str  # read, write; "" where the level has one action (a MAC, a NoC bit-hop)
    unit: str  # plural unit of one count: ops, accesses (words), bit_hops, bits, cycles
    energy: str  # cost column: energy of one count, pJ (a HardwareCosts field or a DERIVED_COSTS key)
    bandwidth: str = ""  # cost column: counts the level serves per cycle ("": not rate-limited)
    stage: str = ""  # ON_CHIP or OFF_CHIP for rate-limited actions
    per_cycle: bool = False  # counted once per cycle of latency, not by the mapping
    prune: bool = True  # a dominance-pruning coordinate (False: equal for every candidate of a geometry)
    # cost column of the clock part of ``energy`` ("": none): the clock of the gated registers this action
    # loads (dse.clock: address counters, operand registers, word-gating trees, NoC port registers). It is
    # priced in ``energy`` (the kernels and the search see one energy per action) and reported in
    # ``clock_breakdown`` (``report_gated_clock``). The generated kernels never read it, so it stays out of
    # their fingerprint (dse.codegen hashes the table's repr)
    clock: str = field(default="", repr=False)

    @property
    def count(self) -> str:
        return "_".join(p for p in (self.level, self.action, self.operand, self.unit) if p)

    @property
    def breakdown(self) -> str:
        return "_".join(p for p in ("energy", self.level, self.operand, "pj") if p)

    @property
    def clock_breakdown(self) -> str:
        """The breakdown column of this action's clock part: ``energy_clock_<level>_pj`` ("": none)."""
        return f"energy_clock_{self.level}_pj" if self.clock else ""


_OPS = ("weight", "ifmap", "psum")
ACTIONS: tuple[Action, ...] = (
    # one MAC at the PE's native widths, x bit-serial passes; the same for every mapping of a layer
    Action("mac", "", "", "ops", "mac_energy_pj", prune=False),
    # the clock behind an active PE's clock gate (its registers that load every MAC, the ICGs of its
    # load-enabled banks: dse.clock), one PE-cycle per MAC; idle PEs are gated. The ungated tree is the per-cycle row.
    Action("clock", "pe", "active", "pe_cycles", "clock_pj_per_mac", prune=False),
    # scratchpad word reads and writes, priced apart (a write also clocks the word-gating tree:
    # dse.clock). Reads follow the PE's loop nest and innermost loop (dse.dataflows.INNER_ORDERS: a held
    # operand is read once per run, a partial sum's first contribution is written without a read);
    # weight and ifmap writes are the fills from the NoC, psum writes the accumulator's stores.
    # Each carries its clock part (``clock``), reported in energy_clock_spad_pj.
    Action("spad", "weight", "read", "accesses", "spad_filter_read_pj", clock="spad_filter_read_clock_pj"),
    Action("spad", "weight", "write", "accesses", "spad_filter_write_pj", clock="spad_filter_write_clock_pj"),
    Action("spad", "ifmap", "read", "accesses", "spad_ifmap_read_pj", clock="spad_ifmap_read_clock_pj"),
    Action("spad", "ifmap", "write", "accesses", "spad_ifmap_write_pj", clock="spad_ifmap_write_clock_pj"),
    Action("spad", "psum", "read", "accesses", "spad_psum_read_pj", clock="spad_psum_read_clock_pj"),
    Action("spad", "psum", "write", "accesses", "spad_psum_write_pj", clock="spad_psum_write_clock_pj"),
    # a bit moving one hop: the wire, and the clock of the port registers it loads (energy_clock_noc_pj)
    *(Action("noc", op, "", "bit_hops", "noc_pj_per_bit_hop", clock="noc_clock_pj_per_bit_hop") for op in _OPS),
    # GLB reads / writes (fills from DRAM and psum spills), limited by the banks' ports
    *(Action("glb", op, "read", "bits", "glb_read_pj_per_bit", "glb_read_bits_per_cycle", ON_CHIP) for op in _OPS),
    *(Action("glb", op, "write", "bits", "glb_write_pj_per_bit", "glb_write_bits_per_cycle", ON_CHIP)
      for op in _OPS),
    Action("dram", "weight", "read", "bits", "dram_pj_per_bit", "dram_bits_per_cycle", OFF_CHIP),
    Action("dram", "ifmap", "read", "bits", "dram_pj_per_bit", "dram_bits_per_cycle", OFF_CHIP),
    Action("dram", "psum", "write", "bits", "dram_pj_per_bit", "dram_bits_per_cycle", OFF_CHIP),
    Action("leakage", "", "", "cycles", "leakage_pj_per_cycle", per_cycle=True),
    Action("clock", "", "", "cycles", "clock_pj_per_cycle", per_cycle=True),
)

# Per-candidate quantities that are not actions: compute cycles at full speed, DRAM tiles (double
# buffered GLB tiles, they set the pipeline fill / drain), MAC utilization of the array.
EXTRA_COUNTS = ("compute_cycles", "tiles", "utilization")


def _first_seen(items) -> tuple:
    return tuple(dict.fromkeys(items))


COUNTED = tuple(a for a in ACTIONS if not a.per_cycle)
PER_CYCLE = tuple(a for a in ACTIONS if a.per_cycle)
COUNT_COLUMNS = tuple(a.count for a in COUNTED)
COUNTS = COUNT_COLUMNS + EXTRA_COUNTS
CI = {name: i for i, name in enumerate(COUNTS)}
# the action-priced columns, then the clock parts reported apart (``report_gated_clock``); they sum to energy_pj
BREAKDOWN_COLUMNS = _first_seen([*(a.breakdown for a in ACTIONS), *(a.clock_breakdown for a in ACTIONS if a.clock)])
# the counted actions' breakdown columns, in the kernels' slot order (``LAYOUT.part``; the last slot: per cycle)
COUNTED_BREAKDOWN = _first_seen(a.breakdown for a in COUNTED)
ENERGY_COSTS = _first_seen(a.energy for a in ACTIONS)
BANDWIDTH_COSTS = _first_seen(a.bandwidth for a in ACTIONS if a.bandwidth)
COST_COLUMNS = ENERGY_COSTS + BANDWIDTH_COSTS
# cost columns that are not HardwareCosts fields, from the ones that are
DERIVED_COSTS = {
    "leakage_pj_per_cycle": lambda hw: _leakage_pj_per_cycle(hw),
    "dram_bits_per_cycle": lambda hw: hw.dram_bytes_per_cycle * 8,
}


def _leakage_pj_per_cycle(hw) -> np.ndarray:
    from dse import units

    return hw.leakage_mw * units.PJ_PER_MW_S / (hw.clock_mhz * units.HZ_PER_MHZ)


def _check() -> None:
    """The table's invariants, checked at import (real checks: ``python -O`` keeps them)."""
    counts = [a.count for a in ACTIONS]
    if len(set(counts)) != len(counts) or set(counts) & set(EXTRA_COUNTS):
        raise ValueError(f"dse.actions: count names must be unique: {counts}")
    for a in ACTIONS:
        if bool(a.bandwidth) != (a.stage in (ON_CHIP, OFF_CHIP)):
            raise ValueError(f"dse.actions: {a.count}: a bandwidth needs a stage ({ON_CHIP} or {OFF_CHIP}) and "
                             "a stage a bandwidth")
        if a.per_cycle and (a.bandwidth or a.unit != "cycles"):
            raise ValueError(f"dse.actions: {a.count}: per-cycle actions count cycles and have no bandwidth")
        for cost in (a.energy, a.clock) if a.clock else (a.energy,):
            if not (cost.endswith("_pj") or "_pj_per_" in cost):
                raise ValueError(f"dse.actions: {a.count}: energy column {cost!r} must be in pJ")
        if a.clock and (a.per_cycle or a.level == "clock"):
            raise ValueError(f"dse.actions: {a.count}: only a counted action outside the clock has a clock part")
    if {a.clock_breakdown for a in ACTIONS if a.clock} & {a.breakdown for a in ACTIONS}:
        raise ValueError("dse.actions: a clock part's column energy_clock_<level>_pj is also an action's column")
    per_cycle_parts = {a.breakdown for a in PER_CYCLE}
    if per_cycle_parts & {a.breakdown for a in COUNTED}:
        raise ValueError("dse.actions: a breakdown column mixes per-cycle and counted actions")
    if not PER_CYCLE:
        raise ValueError("dse.actions: the kernels need at least one per-cycle action")


_check()

# --- what the kernels read, by name ---
# Groups: counted actions sharing (energy, bandwidth), in order of first appearance.
_GROUP_KEYS = _first_seen((a.energy, a.bandwidth) for a in COUNTED)
_MEMBERS = [[CI[a.count] for a in COUNTED if (a.energy, a.bandwidth) == k] for k in _GROUP_KEYS]
_STAGE_CODE = {"": 0, ON_CHIP: 1, OFF_CHIP: 2}

def _ints(values) -> tuple[int, ...]:
    return tuple(int(v) for v in values)


Layout = namedtuple("Layout", [
    "group_start",  # (n_groups + 1,) group g's count indices are group_member[group_start[g]:group_start[g + 1]]
    "group_member",  # count indices of the counted actions, group by group
    "group_energy",  # cost column of each group's energy
    "group_bandwidth",  # cost column of each group's bandwidth (-1: none)
    "group_stage",  # 0 none, 1 on chip, 2 off chip
    "group_prune",  # 1: a dominance-pruning coordinate
    "part",  # breakdown slot of each counted action (count index order)
    "energy",  # cost column of each counted action's energy (count index order)
    "cycle_energy",  # cost columns of the per-cycle actions (priced together: slot n_parts - 1)
    "n_parts",  # breakdown slots: counted breakdown columns + 1 for all per-cycle actions
    "n_reduced",  # pruning coordinates: pruned groups + compute + off-chip groups / tiles + 1 / tiles
    "compute_cycles", "tiles", "utilization",  # positions of EXTRA_COUNTS in the count vector
])
_pruned = [g for g, k in enumerate(_GROUP_KEYS) if all(
    a.prune for a in COUNTED if (a.energy, a.bandwidth) == k)]
_off_chip = [g for g, (_, bw) in enumerate(_GROUP_KEYS) if bw and dict(
    (b.bandwidth, b.stage) for b in COUNTED)[bw] == OFF_CHIP]
LAYOUT = Layout(
    group_start=_ints(np.cumsum([0] + [len(m) for m in _MEMBERS])),
    group_member=_ints(i for m in _MEMBERS for i in m),
    group_energy=_ints(COST_COLUMNS.index(e) for e, _ in _GROUP_KEYS),
    group_bandwidth=_ints(COST_COLUMNS.index(b) if b else -1 for _, b in _GROUP_KEYS),
    group_stage=_ints(_STAGE_CODE[dict((b.bandwidth, b.stage) for b in COUNTED).get(bw, "")] if bw else 0
                      for _, bw in _GROUP_KEYS),
    group_prune=_ints(int(g in _pruned) for g in range(len(_GROUP_KEYS))),
    part=_ints(COUNTED_BREAKDOWN.index(a.breakdown) for a in COUNTED),
    energy=_ints(COST_COLUMNS.index(a.energy) for a in COUNTED),
    cycle_energy=_ints(COST_COLUMNS.index(a.energy) for a in PER_CYCLE),
    n_parts=len(COUNTED_BREAKDOWN) + 1,
    n_reduced=len(_pruned) + 1 + len(_off_chip) + 1,
    compute_cycles=CI["compute_cycles"], tiles=CI["tiles"], utilization=CI["utilization"],
)
# Level of each group, then of each per-cycle action: the columns of ``dse.mapping.price``'s energies.
GROUP_LEVELS = tuple(next(a.level for a in COUNTED if (a.energy, a.bandwidth) == k) for k in _GROUP_KEYS) + tuple(
    a.level for a in PER_CYCLE)
if any(len({a.level for a in COUNTED if (a.energy, a.bandwidth) == k}) != 1 for k in _GROUP_KEYS):
    raise ValueError("dse.actions: actions sharing an energy and a bandwidth must be at one level")


def action_costs(hw) -> np.ndarray:
    """(P, len(COST_COLUMNS)) per-point energies and bandwidths of ``hw`` (``dse.hardware.HardwareCosts``)."""
    col = lambda name: DERIVED_COSTS[name](hw) if name in DERIVED_COSTS else getattr(hw, name)
    return np.stack([np.asarray(col(name), float) for name in COST_COLUMNS], axis=1)


def split_per_cycle(every_cycle_pj: np.ndarray, costs: np.ndarray) -> dict[str, np.ndarray]:
    """Split the kernels' per-cycle energy (all per-cycle actions priced together) into the per-cycle
    breakdown columns, in proportion to each action's energy per cycle (``costs``: (P, COST_COLUMNS))."""
    e = [costs[:, COST_COLUMNS.index(a.energy)] for a in PER_CYCLE]
    total = e[0]
    for x in e[1:]:
        total = total + x
    out: dict[str, np.ndarray] = {}
    with np.errstate(invalid="ignore", divide="ignore"):
        for a, x in zip(PER_CYCLE, e):
            share = np.where(total > 0, every_cycle_pj * x / total, 0.0)  # no per-cycle energy: nothing to split
            out[a.breakdown] = out.get(a.breakdown, 0.0) + share
    return out


def gated_clock_pj(count, hw) -> dict[Action, np.ndarray]:
    """The clock energy priced inside each counted action's energy (its ``clock`` part, e.g. a scratchpad
    read's address counter and operand register): ``count(a)`` (the counts of action ``a``) x that part, for
    the actions that carry one. ``hw``: the points' ``dse.hardware.HardwareCosts``."""
    return {a: count(a) * np.asarray(getattr(hw, a.clock), float) for a in COUNTED if a.clock}


def report_gated_clock(parts: dict[str, np.ndarray], count, hw, column=lambda a: a.breakdown,
                       clock_column=lambda a: a.clock_breakdown) -> dict[str, np.ndarray]:
    """The breakdown ``parts`` (column -> pJ, priced per action) with each action's clock part moved from
    its column (``energy_spad_weight_pj``, ...) to its clock column (``energy_clock_spad_pj``, ...): the one
    place the split is made (``dse.network``, ``dse.explain``; ``dse.validation`` names coarser parts by
    ``column`` / ``clock_column`` of an action); the sum of the parts is unchanged."""
    out = dict(parts)
    for a, pj in gated_clock_pj(count, hw).items():
        out[column(a)] = out[column(a)] - pj
        out[clock_column(a)] = out.get(clock_column(a), 0.0) + pj
    return out
