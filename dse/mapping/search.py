"""Mapping search: a compiled exact argmin over every layer's pruned mapspace, per design point.

A kernel loops over blocks of design points of one geometry (in parallel) and, inside, over layers, their
surviving (candidate, bypass mode) rows and each row's GLB tiling staircase with exact bounds
(``dse.mapping.kernels.search``; a row's bound is composed once per block and priced across the block's
points in one loop), turning counts into energy and latency with the point's own per-action costs
(``dse.actions.action_costs``) and keeping the best under the objective.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dse import objectives
from dse.actions import COST_COLUMNS, COUNT_COLUMNS, COUNTS, GROUP_LEVELS, LAYOUT
from dse.mapping import kernels
from dse.mapping.tables import LayerTables

STALLS = ("stall_glb_cycles", "stall_dram_cycles", "fill_drain_cycles")
OBJECTIVE_CODES = objectives.MAPPING  # the scores the search kernel knows (0 energy, 1 latency, 2 edp)


@dataclass(frozen=True)
class SearchResult:
    """Whole-network totals per point; per-layer arrays (L, P) when requested, else empty."""

    parts_pj: np.ndarray  # (LAYOUT.n_parts, P): counted breakdown columns, then all per-cycle energy
    counts: np.ndarray  # (len(COUNT_COLUMNS), P)
    latency_cycles: np.ndarray
    compute_cycles: np.ndarray
    mac_util: np.ndarray  # sum over layers of utilization x MACs
    stalls: np.ndarray  # (len(STALLS), P)
    layer_energy_pj: np.ndarray
    layer_latency_cycles: np.ndarray
    layer_utilization: np.ndarray
    layer_choice: np.ndarray  # index of the chosen row in the (layer, geometry) block of the pruned table
    layer_tiling: np.ndarray  # index of the chosen staircase entry (``LayerTables.stair``)

    @property
    def energy_pj(self) -> np.ndarray:
        # the parts added one after the other whatever the number of points: numpy sums a (parts, 1)
        # column pairwise but a (parts, P) array row by row, so one design's total could differ in its last
        # bit from the same design's row in a sweep
        total = np.zeros(self.parts_pj.shape[1:])
        for part in self.parts_pj:
            total = total + part
        return total


def _costs(action_costs: np.ndarray) -> np.ndarray:
    e = np.ascontiguousarray(action_costs, dtype=float)
    if e.ndim != 2 or e.shape[1] != len(COST_COLUMNS):
        raise ValueError(f"action costs: expected (P, {len(COST_COLUMNS)}) columns {COST_COLUMNS}, got {e.shape}")
    return e


def search(tables: LayerTables, geo: np.ndarray, action_costs: np.ndarray, objective: str,
           per_layer: bool = False) -> SearchResult:
    """Best mapping of every layer on every point (``geo``: geometry index per point)."""
    P, L = len(geo), len(tables.layer_macs)
    z = lambda *s: np.zeros(s)
    lp = (L, P) if per_layer else (0, 0)
    out = SearchResult(z(LAYOUT.n_parts, P), z(len(COUNT_COLUMNS), P), z(P), z(P), z(P), z(len(STALLS), P),
                       z(*lp), z(*lp), z(*lp), np.zeros(lp, dtype=np.int64), np.zeros(lp, dtype=np.int64))
    kernels.search(tables.counts, tables.offset, tables.n_valid, tables.stair, tables.stair_first,
                   tables.stair_len, tables.layer_macs,
                   np.ascontiguousarray(geo, dtype=np.int64), _costs(action_costs), OBJECTIVE_CODES[objective],
                   per_layer, out.parts_pj, out.counts, out.latency_cycles, out.compute_cycles,
                   out.mac_util, out.stalls, out.layer_energy_pj, out.layer_latency_cycles,
                   out.layer_utilization, out.layer_choice, out.layer_tiling)
    return out


def price(counts: np.ndarray, action_costs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(energy per group, then per per-cycle action (N, len(GROUP_LEVELS)), latency_cycles (N,)) of count
    vectors (N, COUNTS) under per-row costs (N, COST_COLUMNS): the search kernel's own formulas, for
    re-pricing chosen mappings whose counts were edited (``dse.validation``'s sparsity)."""
    c = np.ascontiguousarray(counts, dtype=float).reshape(-1, len(COUNTS))
    e = np.ascontiguousarray(np.broadcast_to(_costs(np.atleast_2d(action_costs)), (len(c), len(COST_COLUMNS))))
    energy, lat = np.empty((len(c), len(GROUP_LEVELS))), np.empty(len(c))
    kernels.price_rows(c, e, energy, lat)
    return energy, lat
