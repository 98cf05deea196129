"""The objective registry: every quantity a design can be ranked by, declared once.

Used by the mapping search (the objectives with a ``mapping_code``, scores the compiled search
computes per layer: ``dse.mapping.search``), the spec (``mapping: {objective: ...}``,
``pareto: {objectives: [...]}``), the Pareto front (``front``), the precision export and the report
(the best design under every objective).

Adding an objective (e.g. ``quant_error`` from ``dse.quant``): one ``Objective`` below naming the
results column that holds it, plus the model that writes that column into the results table. It is
then accepted in ``pareto.objectives``, gets a best design in precision.json and the report, and
(with a ``mapping_code``, only for scores the search kernel computes) in ``mapping.objective``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIN, MAX = "min", "max"


@dataclass(frozen=True)
class Objective:
    name: str  # as written in the spec
    column: str  # results column
    unit: str
    sense: str  # MIN or MAX
    description: str
    mapping_code: int | None = None  # the search kernel's score code, for mapping objectives

    @property
    def minimise(self) -> bool:
        return self.sense == MIN


OBJECTIVES: dict[str, Objective] = {o.name: o for o in (
    Objective("energy", "energy_pj", "pJ", MIN, "energy per run (all layers, the whole batch)", mapping_code=0),
    Objective("latency", "latency_s", "s", MIN, "time per run", mapping_code=1),
    Objective("edp", "edp_pj_s", "pJ s", MIN, "energy-delay product", mapping_code=2),
    Objective("area", "area_mm2", "mm2", MIN, "silicon area of PEs, scratchpads, NoC and GLB"),
    Objective("perf_per_area", "perf_per_area_gops_per_mm2", "GOPS/mm2", MAX, "throughput per area"),
    # written by dse.quant.policy under precision policy: search (absent from other sweeps' results)
    Objective("quant_error", "quant_error", "1", MIN, "summed per-layer quantization error of the chosen "
              "bits (normalized output MSE, dse sensitivity)"),
)}
MAPPING = {name: o.mapping_code for name, o in OBJECTIVES.items() if o.mapping_code is not None}
DEFAULT_PARETO = ("energy", "latency")
PARETO_SIZES = (2, 4)  # a front over 2 to 4 objectives


def columns(names) -> tuple[str, ...]:
    """The results columns of objectives ``names`` (what dse.pareto and the results dataset take)."""
    return tuple(OBJECTIVES[n].column for n in names)


def front(results, names) -> np.ndarray:
    """Boolean mask of the rows on the Pareto front of objectives ``names``."""
    from dse.pareto import front_mask, objective_matrix

    return front_mask(objective_matrix(results, columns(names)))


def best(results, name: str) -> int:
    """Row position of the best design under ``name`` (ties: the first)."""
    values = np.asarray(results[OBJECTIVES[name].column], dtype=float)
    return int(np.argmin(values) if OBJECTIVES[name].minimise else np.argmax(values))
