"""Exact dominance pruning of each layer's mapping candidates, from factored count tables.

Candidates dominated in every cost-relevant coordinate (``dse.mapping.kernels.reduce_one``: the sum
of each group of counts sharing an energy and a bandwidth, compute cycles, off-chip traffic per
tile, 1 / tiles) can never win under any non-negative per-action energies and bandwidths, so they
are dropped exactly: the energy is a non-negative sum of the group sums and the latency
non-decreasing in each coordinate. The full (geometries x candidates x counts) table never exists:
a kernel assembles, reduces and prunes one geometry's candidates at a time.
"""

from __future__ import annotations

import numpy as np

from dse.actions import COUNTS
from dse.dataflows import FactoredCounts
from dse.mapping import kernels


def skyline_factored(f: FactoredCounts) -> tuple[np.ndarray, np.ndarray]:
    """(kept candidate indices (G, M), number kept (G,)) of a factored table: candidates are counted,
    reduced and pruned one geometry at a time, in a stable order."""
    G, M = len(f.array_index), f.legal.shape[1]
    keep = np.zeros((G, M), dtype=np.int64)
    n_keep = np.zeros(G, dtype=np.int64)
    kernels.skyline_factored(f.terms, f.legal, f.array_index, f.per_geometry, f.macs, f.output_count, keep, n_keep)
    return keep, n_keep


def gather_factored(f: FactoredCounts, keep: np.ndarray, n_keep: np.ndarray, out: np.ndarray,
                    first_row: np.ndarray) -> None:
    """Write the counts of geometry g's kept candidates to rows ``first_row[g]:first_row[g] + n_keep[g]``
    of ``out``."""
    kernels.gather_factored(f.terms, f.array_index, f.per_geometry, f.macs, f.output_count, keep, n_keep,
                            np.ascontiguousarray(first_row, dtype=np.int64), out)


def prune_factored(f: FactoredCounts) -> tuple[np.ndarray, np.ndarray]:
    """(kept counts of every geometry back to back (sum of n_keep, len(COUNTS)), number kept (G,))."""
    keep, n_keep = skyline_factored(f)
    out = np.empty((int(n_keep.sum()), len(COUNTS)))
    gather_factored(f, keep, n_keep, out, np.cumsum(n_keep) - n_keep)
    return out, n_keep
