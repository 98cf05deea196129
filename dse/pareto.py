"""Pareto fronts (minimisation) over columns of a results table."""

from __future__ import annotations

import functools

import numpy as np

from dse import objectives

# the front a spec gets when it names none, as results columns (dse.objectives declares both)
DEFAULT_OBJECTIVES = tuple(objectives.OBJECTIVES[n].column for n in objectives.DEFAULT_PARETO)
# Results columns where more is better (the registry's maximised objectives, plus throughput and
# utilization for callers that rank by them); every other column is minimised.
MAXIMISED = frozenset({o.column for o in objectives.OBJECTIVES.values() if not o.minimise}
                      | {"perf_gops", "utilization"})


def _front_of_sorted(f: np.ndarray, order: np.ndarray, mask: np.ndarray) -> None:
    """Mark in ``mask`` the rows of ``f`` (n, m) that no row dominates, visiting them in ``order``
    (lexicographic): a row can only be dominated by one that sorts before it, and if it is, then by a
    row of the front so far (domination is transitive), so each row is checked against the front
    only: O(n x front x m). Compiled by ``_kernel`` (a loop over rows is the algorithm)."""
    n, m = f.shape
    front = np.empty(n, dtype=np.int64)
    k = 0
    for i in order:
        dominated = False
        for j in range(k):
            o = front[j]
            le, lt = True, False
            for d in range(m):
                if f[o, d] > f[i, d]:
                    le = False
                    break
                if f[o, d] < f[i, d]:
                    lt = True
            if le and lt:
                dominated = True
                break
        if not dominated:
            front[k] = i
            k += 1
            mask[i] = True


@functools.cache
def _kernel():
    import numba

    from dse.mapping.kernels import CACHE  # the cost model's cache location (dse/__init__.py)

    return numba.njit(cache=CACHE)(_front_of_sorted)


def front_mask(objectives: np.ndarray) -> np.ndarray:
    """Boolean mask of the non-dominated rows of an (n, m) array, every objective minimised.

    Equal rows do not dominate each other, so duplicates of a front point are all on the front.
    Rows are visited in lexicographic order and each is checked against the front so far
    (``_front_of_sorted``, compiled): O(n x front), not O(n^2).
    """
    f = np.asarray(objectives, dtype=float)
    if f.ndim != 2:
        raise ValueError(f"Pareto front: expected an (n, m) array, got shape {f.shape}")
    if not np.all(np.isfinite(f)):
        raise ValueError("Pareto front: objectives contain NaN or inf")
    mask = np.zeros(len(f), dtype=bool)
    if len(f) == 0:
        return mask
    _kernel()(np.ascontiguousarray(f), np.lexsort(f.T[::-1]).astype(np.int64), mask)
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
