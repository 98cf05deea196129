"""``search: {method: nsga2, budget: N}``: explore a space too large to enumerate, with NSGA-II (pymoo).

Each design-space parameter with more than one value is one integer variable (the index of its
value), so any point of the space can be reached without enumerating it. pymoo's NSGA-II (Deb et
al., IEEE TEVC 6(2) 2002) evolves populations; each generation is evaluated as one batch (the
(N, n_var) array at once, vectorized, through the same ``dse.sweep.evaluate_part`` as a sweep)
and written as one part of ``results/`` with its checksum. Points already evaluated are not
evaluated again (every point_id appears once); ``budget`` bounds the distinct points evaluated.
The front is over the spec's Pareto objectives (``dse.sweep.front_objectives``).

Resume: the search is deterministic for a given seed, so re-running replays it; generations whose
parts are on disk (checksum verified) are answered from them instead of being evaluated, and the
search continues where it stopped. A corrupted part is reported in one line and evaluated again.

Hook for precision co-exploration (``dse.quant``'s precision search): a search may carry more
variables than the hardware parameters. ``variables(spec)`` lists them and ``decode`` maps a
population to point_ids; per-layer precision genes would be appended to ``variables`` and decoded
into the workload's per-layer bits (one Workload per distinct precision vector). Not wired yet:
today every variable is a hardware parameter.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dse.errors import UserError

from dse.params import Param

METHODS = ("nsga2",)
BUDGET = Param("budget", int, 200_000, "distinct design points the search evaluates", minimum=1,
               maximum=10**9, bound="engineering bound: what a sweep would enumerate (dse.sweep)")
POPULATION = Param("population", int, 100, "individuals per generation", minimum=2, maximum=100_000,
                   bound="engineering bound: NSGA-II is run with 50-500")
SEED = Param("seed", int, 0, "random seed of the search", minimum=0, maximum=2**32 - 1,
             bound="numpy's seed range")

# distribution indices of SBX and polynomial mutation over value indices (see run)
ETA_CROSSOVER = 10
ETA_MUTATION = 10


@dataclass(frozen=True)
class SearchSpec:
    method: str
    budget: int  # distinct design points evaluated at most
    population: int
    seed: int = 0


def default_population(budget: int) -> int:
    """At least 10 generations within the budget, 32-200 individuals (NSGA-II's usual 50-200; below
    32 a search of a few hundred points converges early: benchmarks/nsga_hypervolume.py)."""
    return int(max(32, min(200, budget // 10)))


def parse(r, raw) -> SearchSpec:
    """The spec's ``search:`` section (``r`` is the spec reader, for one-line errors)."""
    m = r.mapping(raw, "search", {"method", "budget", "population", "seed"}, {"budget"})
    method = m.get("method", "nsga2")
    if method not in METHODS:
        raise r.fail("search.method", f"got {method!r}; expected one of {list(METHODS)}")
    budget = r.scalar(m["budget"], "search.budget", BUDGET)
    pop = r.scalar(m.get("population", default_population(budget)), "search.population", POPULATION)
    seed = r.scalar(m.get("seed", 0), "search.seed", SEED)
    if pop < 2 or pop > budget:
        raise r.fail("search.population", f"got {pop}; expected 2 to the budget ({budget})")
    return SearchSpec(method, budget, pop, seed)


def variables(spec) -> list[tuple[str, int]]:
    """(parameter, number of values) of every parameter the search varies."""
    return [(name, len(values)) for name, values in spec.space if len(values) > 1]


def decode(spec, X: np.ndarray) -> np.ndarray:
    """point_ids of a population (N, n_var) of value indices, in the space's own numbering."""
    shape = [len(values) for _, values in spec.space]
    varied = [i for i, n in enumerate(shape) if n > 1]
    X = np.asarray(np.rint(X), dtype=np.int64).reshape(len(X), len(varied))
    full = [np.zeros(len(X), dtype=np.int64) for _ in shape]
    for j, i in enumerate(varied):
        full[i] = np.clip(X[:, j], 0, shape[i] - 1)
    return np.ravel_multi_index(full, shape).astype(np.int64)


def run(spec, wl, out_dir: Path, fp: str, progress: bool = True):
    """Run the search into ``out_dir``; returns (front, points evaluated now, seconds, repairs)."""
    from pymoo.algorithms.moo.nsga2 import NSGA2
    from pymoo.core.problem import Problem
    from pymoo.operators.crossover.sbx import SBX
    from pymoo.operators.mutation.pm import PM
    from pymoo.operators.repair.rounding import RoundingRepair
    from pymoo.operators.sampling.rnd import IntegerRandomSampling
    from pymoo.optimize import minimize
    from tqdm import tqdm

    from dse import results, sweep
    from dse.pareto import merge_fronts, objective_matrix

    s: SearchSpec = spec.search
    objectives = sweep.front_objectives(spec)
    results.remove_temporaries(out_dir)
    seen = _Seen(len(objectives))  # every point evaluated: its point_id and oriented objectives
    done_parts, repaired = set(), []
    for i in results.ledger_indices(out_dir):
        why = results.check_part(out_dir, i, None, fp)
        if why is None:
            part = results.read_part(out_dir, i, ["point_id", *objectives])
            seen.add(part["point_id"].to_numpy(), objective_matrix(part, objectives))
            done_parts.add(i)
            continue
        line = f"{results.results_dir(out_dir) / results.part_name(i)}: {why}; re-evaluating its points"
        repaired.append(line)
        print(f"dse: {line}", file=sys.stderr)
        results.discard_part(out_dir, i)
    front = results.front(out_dir, objectives) if done_parts else None
    state = {"front": front, "generation": 0, "evaluated": 0}
    bar = tqdm(total=s.budget, initial=min(len(seen), s.budget), unit="pt", disable=not progress,
               desc=f"{spec.name} (nsga2)", dynamic_ncols=True)
    n_var = len(variables(spec))

    def evaluate_population(X: np.ndarray) -> np.ndarray:
        ids = decode(spec, X)
        new = seen.unseen(ids)[:max(s.budget - len(seen), 0)]  # the last generation: what the budget allows
        if len(new):
            meta = sweep.evaluate_part(spec, wl, out_dir, state["generation"], fp, ids=new, objectives=True)
            seen.add(new, meta["objectives"])
            state["front"] = merge_fronts(state["front"], meta["front"], objectives)
            state["evaluated"] += len(new)
            bar.update(len(new))
        state["generation"] += 1
        return seen.lookup(ids)

    class Space(Problem):
        def __init__(self) -> None:
            shape = [n for _, n in variables(spec)]
            super().__init__(n_var=n_var, n_obj=len(objectives), xl=np.zeros(n_var), xu=np.array(shape) - 1.0,
                             vtype=int)

        def _evaluate(self, X, out, *args, **kwargs):
            out["F"] = evaluate_population(X)

    t0 = time.perf_counter()
    try:
        if n_var == 0:
            evaluate_population(np.zeros((1, 0)))
        else:
            # integer variables: real-coded SBX and polynomial mutation, rounded (pymoo's recipe),
            # with distribution indices of 10 (pymoo's 15 and 20 are set for continuous ranges; on a
            # parameter of 2-6 values their offspring mostly round back to a parent's value). On
            # tests/test_search.py's 1 % search, seeds 0-31: mean hypervolume ratio 0.982 (sd 0.017,
            # min 0.934) with 15 / 20, 0.989 (sd 0.009, min 0.968) with 10 / 10
            algorithm = NSGA2(pop_size=s.population, sampling=IntegerRandomSampling(),
                              crossover=SBX(prob=0.9, eta=ETA_CROSSOVER, vtype=float, repair=RoundingRepair()),
                              mutation=PM(eta=ETA_MUTATION, vtype=float, repair=RoundingRepair()),
                              eliminate_duplicates=True)
            # pymoo counts every individual it sends (cache hits too), so the distinct points
            # evaluated stay within the budget; the generation cap ends a search whose space is
            # exhausted before the budget is
            minimize(Space(), algorithm, _Termination(s.budget, seen), seed=s.seed, verbose=False)
    finally:
        bar.close()
    if not len(seen):
        raise UserError(f"{spec.path}: search: no design point evaluated")
    return state["front"], state["evaluated"], time.perf_counter() - t0, repaired


class _Seen:
    """The points evaluated so far, as sorted arrays (point_id, oriented objectives): vectorized
    membership and lookup for whole populations."""

    def __init__(self, n_obj: int) -> None:
        self.ids, self.f = np.empty(0, dtype=np.int64), np.empty((0, n_obj))

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, ids: np.ndarray, f: np.ndarray) -> None:
        ids, f = np.concatenate([self.ids, ids]), np.concatenate([self.f, np.asarray(f, float)])
        order = np.argsort(ids, kind="stable")
        self.ids, self.f = ids[order], f[order]

    def _where(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        pos = np.minimum(np.searchsorted(self.ids, ids), max(len(self.ids) - 1, 0))
        found = (self.ids[pos] == ids) if len(self.ids) else np.zeros(len(ids), dtype=bool)
        return pos, found

    def unseen(self, ids: np.ndarray) -> np.ndarray:
        """The distinct ids not evaluated yet, sorted."""
        u = np.unique(ids)
        return u[~self._where(u)[1]]

    def lookup(self, ids: np.ndarray) -> np.ndarray:
        """Objectives of ``ids`` (inf where not evaluated: the budget ran out within a generation)."""
        pos, found = self._where(ids)
        out = np.full((len(ids), self.f.shape[1]), np.inf)
        out[found] = self.f[pos[found]]
        return out


def _termination_class():
    from pymoo.core.termination import Termination

    class Budget(Termination):
        """Stop once ``budget`` distinct points are evaluated, or after a stall of 50 generations
        without a new point (a space smaller than the budget)."""

        def __init__(self, budget: int, seen: _Seen) -> None:
            super().__init__()
            self.budget, self.seen, self.last, self.stall = budget, seen, -1, 0

        def _update(self, algorithm) -> float:
            n = len(self.seen)
            self.stall = self.stall + 1 if n == self.last else 0
            self.last = n
            return 1.0 if n >= self.budget or self.stall >= 50 else n / self.budget

    return Budget


def _Termination(budget: int, seen: _Seen):
    return _termination_class()(budget, seen)
