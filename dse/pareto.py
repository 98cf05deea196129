"""Pareto fronts (minimisation) over columns of a results table."""

from __future__ import annotations

import numpy as np

from dse import objectives

_BLOCK = 512
# the front a spec gets when it names none, as results columns (dse.objectives declares both)
DEFAULT_OBJECTIVES = tuple(objectives.OBJECTIVES[n].column for n in objectives.DEFAULT_PARETO)
# Results columns where more is better (the registry's maximised objectives, plus throughput and
# utilization for callers that rank by them); every other column is minimised.
MAXIMISED = frozenset({o.column for o in objectives.OBJECTIVES.values() if not o.minimise}
                      | {"perf_gops", "utilization"})


def _dominated_by(cands: np.ndarray, by: np.ndarray) -> np.ndarray:
    """For each row of ``cands``, whether some row of ``by`` dominates it (<= all, < one)."""
    if len(by) == 0:
        return np.zeros(len(cands), dtype=bool)
    le = np.all(by[None, :, :] <= cands[:, None, :], axis=2)
    lt = np.any(by[None, :, :] < cands[:, None, :], axis=2)
    return np.any(le & lt, axis=1)


def front_mask(objectives: np.ndarray) -> np.ndarray:
    """Boolean mask of the non-dominated rows of an (n, m) array, every objective minimised.

    Equal rows do not dominate each other, so duplicates of a front point are all on the front.
    Rows are visited in lexicographic order, in blocks: a row can only be dominated by a row
    that sorts before it or equal to it, so each block is checked against the front so far and
    against itself, vectorized. Cost is O(n x (front + block)), not O(n^2).
    """
    f = np.asarray(objectives, dtype=float)
    if f.ndim != 2:
        raise ValueError(f"Pareto front: expected an (n, m) array, got shape {f.shape}")
    if not np.all(np.isfinite(f)):
        raise ValueError("Pareto front: objectives contain NaN or inf")
    mask = np.zeros(len(f), dtype=bool)
    if len(f) == 0:
        return mask
    order = np.lexsort(f.T[::-1])
    front = np.empty((0, f.shape[1]))
    for start in range(0, len(order), _BLOCK):  # loop over blocks of points, each block vectorized
        idx = order[start:start + _BLOCK]
        block = f[idx]
        keep = ~_dominated_by(block, front)
        idx, block = idx[keep], block[keep]
        keep = ~_dominated_by(block, block)
        mask[idx[keep]] = True
        front = np.vstack([front, block[keep]])
    return mask


def objective_matrix(table, objectives: tuple[str, ...]) -> np.ndarray:
    """(n, m) array of the objective columns of a table, oriented so that every one is minimised."""
    cols = [np.asarray(table[c], dtype=float) * (-1.0 if c in MAXIMISED else 1.0) for c in objectives]
    return np.stack(cols, axis=1) if cols else np.empty((len(table), 0))


def front_of(table, objectives: tuple[str, ...]):
    """The rows of a table (pandas) on its Pareto front over ``objectives``, sorted by the first."""
    if len(table) == 0:
        return table
    f = table[front_mask(objective_matrix(table, objectives))]
    by = [objectives[0], "point_id"] if "point_id" in f else [objectives[0]]
    return f.sort_values(by, ignore_index=True)


def merge_fronts(running, chunk, objectives: tuple[str, ...]):
    """The front of the union of two fronts: how the run's front is kept, chunk by chunk."""
    import pandas as pd

    if running is None or len(running) == 0:
        return front_of(chunk, objectives)
    return front_of(pd.concat([running, chunk], ignore_index=True), objectives)


def hypervolume_ratio(front: np.ndarray, reference: np.ndarray) -> float:
    """Hypervolume of ``front`` over that of ``reference`` (e.g. the exhaustive front), both (n, m)
    minimised and positive: objectives in log10 (they span decades), normalised to the reference
    front's range, reference point 1.1 in every normalised objective (pymoo's HV indicator)."""
    from pymoo.indicators.hv import HV

    lo, hi = np.log10(reference).min(axis=0), np.log10(reference).max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    hv = HV(ref_point=np.full(reference.shape[1], 1.1))
    return float(hv((np.log10(front) - lo) / span) / hv((np.log10(reference) - lo) / span))
