"""Choosing each layer's precision: a multiple-choice knapsack over per-layer (cost, error) candidates.

``lagrangian`` solves it for many design points at once (numpy, vectorized over points): for a
multiplier ``lam`` each layer independently takes ``argmin cost + lam * error``; the total error
falls as ``lam`` grows, and a bisection on ``lam`` (in log space, per point) finds the cheapest
choice of this form within the error budget. That choice is feasible but can miss the optimum
(the relaxation's duality gap). ``ilp`` solves one point exactly with ``scipy.optimize.milp``
(HiGHS), as HAWQ-V3 does: binary x[l, c], one candidate per layer, linear budgets.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

BISECTION_STEPS = 48
_LAM_LO, _LAM_HI = 1e-8, 1e8  # multiplier range on normalised cost and error (see lagrangian)


def _pick(score: np.ndarray, tie: np.ndarray) -> np.ndarray:
    """argmin over the last axis of ``score``, ties broken by the smaller ``tie``."""
    best = score.min(axis=-1, keepdims=True)
    tie = np.where(score <= best * (1 + 1e-12) + 1e-300, tie, np.inf)
    return np.argmin(tie, axis=-1)


def _total(x: np.ndarray, choice: np.ndarray) -> np.ndarray:
    return np.take_along_axis(x, choice[..., None], axis=-1)[..., 0].sum(axis=-1)


def lagrangian(cost: np.ndarray, error: np.ndarray, budget: np.ndarray,
               valid: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per point, each layer's candidate minimising total cost with total error <= budget.

    cost (P, L, C) and error (P, L, C) (or broadcastable), budget (P,), valid (P, L, C) bool.
    Returns (choice (P, L) candidate indices, feasible (P,)); an infeasible point gets its
    smallest-error choice.
    """
    cost = np.asarray(cost, float)
    error = np.broadcast_to(np.asarray(error, float), cost.shape)
    valid = np.ones(cost.shape, bool) if valid is None else np.broadcast_to(valid, cost.shape)
    budget = np.asarray(budget, float)
    inf = np.inf
    c = np.where(valid, cost, inf)
    e = np.where(valid, error, inf)
    # normalise so one multiplier range fits every point: cost by the cheapest network, error by the budget
    c_scale = np.where(valid, cost, inf).min(axis=-1).sum(axis=-1)
    c_n = c / np.where(c_scale > 0, c_scale, 1.0)[:, None, None]
    e_n = e / np.maximum(budget, 1e-300)[:, None, None]
    min_err = _pick(e_n, c_n)
    feasible = _total(e_n, min_err) <= 1 + 1e-12
    cheap = _pick(c_n, e_n)
    done = _total(e_n, cheap) <= 1 + 1e-12
    lo = np.full(len(c), np.log(_LAM_LO))
    hi = np.full(len(c), np.log(_LAM_HI))
    for _ in range(BISECTION_STEPS):  # vectorized over points; the loop is over bisection steps
        mid = (lo + hi) / 2
        ch = _pick(c_n + np.exp(mid)[:, None, None] * e_n, e_n)
        ok = _total(e_n, ch) <= 1 + 1e-12
        hi = np.where(ok, mid, hi)
        lo = np.where(ok, lo, mid)
    choice = _pick(c_n + np.exp(hi)[:, None, None] * e_n, e_n)
    ok = _total(e_n, choice) <= 1 + 1e-12
    choice = np.where((done)[:, None], cheap, np.where(ok[:, None], choice, min_err))
    return np.where(feasible[:, None], choice, min_err), feasible


def ilp(objective: np.ndarray, constraints: list[tuple[np.ndarray, float]],
        valid: np.ndarray | None = None) -> np.ndarray | None:
    """Exact choice for one point: minimise sum objective[l, choice[l]] subject to
    sum coef[l, choice[l]] <= bound for each (coef, bound); None when infeasible."""
    objective = np.asarray(objective, float)
    L, C = objective.shape
    valid = np.ones((L, C), bool) if valid is None else np.asarray(valid, bool)
    big = lambda a: np.where(valid, np.nan_to_num(np.asarray(a, float), posinf=0.0), 0.0).ravel()
    one_hot = np.kron(np.eye(L), np.ones(C))
    cons = [LinearConstraint(one_hot, 1, 1)]
    # scale every row to O(1) so HiGHS' absolute tolerances mean the same on pJ and on error
    for coef, bound in constraints:
        row = big(coef)
        s = max(abs(float(bound)), np.abs(row).max(initial=0.0), 1e-300)
        cons.append(LinearConstraint(row[None, :] / s, -np.inf, float(bound) / s))
    obj = big(objective)
    obj = obj / max(np.abs(obj).max(initial=0.0), 1e-300)
    res = milp(obj, constraints=cons, integrality=np.ones(L * C), bounds=Bounds(0, valid.ravel().astype(float)),
               options={"mip_rel_gap": 1e-9})
    if res.status != 0 or res.x is None:
        return None
    return np.argmax(res.x.reshape(L, C), axis=1)


def brute_force(objective: np.ndarray, constraints: list[tuple[np.ndarray, float]],
                valid: np.ndarray | None = None) -> np.ndarray | None:
    """Exhaustive reference for small cases (tests): C^L choices."""
    import itertools

    objective = np.asarray(objective, float)
    L, C = objective.shape
    valid = np.ones((L, C), bool) if valid is None else valid
    best, arg = np.inf, None
    for combo in itertools.product(range(C), repeat=L):
        idx = (np.arange(L), np.array(combo))
        if not valid[idx].all():
            continue
        if all(np.asarray(coef)[idx].sum() <= b * (1 + 1e-12) for coef, b in constraints):
            v = objective[idx].sum()
            if v < best:
                best, arg = v, np.array(combo)
    return arg
