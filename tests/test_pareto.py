"""Pareto front correctness: no front point is dominated; every other point is dominated."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from dse.pareto import front_mask


def dominated_brute(f: np.ndarray) -> np.ndarray:
    """O(n^2) reference: row i is dominated if some row is <= everywhere and < somewhere."""
    le = np.all(f[None, :, :] <= f[:, None, :], axis=2)
    lt = np.any(f[None, :, :] < f[:, None, :], axis=2)
    return np.any(le & lt, axis=1)


@settings(max_examples=150, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 1200), st.integers(2, 3)),
              elements=st.sampled_from([0.0, 1.0, 2.0, 3.0, 2.5, 7.0, 1e-3, 10.0])))
def test_front_is_exactly_the_non_dominated_set(f):
    # few distinct values: many ties and exact duplicates, the hard cases
    mask = front_mask(f)
    dominated = dominated_brute(f)
    assert not dominated[mask].any()  # no front point is dominated
    assert dominated[~mask].all()  # every other point is dominated ...
    front = f[mask]  # ... and by a front point
    assert all(np.any(np.all(front <= x, 1) & np.any(front < x, 1)) for x in f[~mask][:50])


def test_random_continuous_against_brute_force():
    f = np.random.default_rng(1).random((3000, 3))
    assert np.array_equal(front_mask(f), ~dominated_brute(f))


def test_nan_rejected():
    with pytest.raises(ValueError, match="NaN"):
        front_mask(np.array([[1.0, np.nan]]))
