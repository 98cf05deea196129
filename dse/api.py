"""The public Python API (``import dse``): run a sweep, open a finished one, evaluate one design.

    import dse
    sweep = dse.run("sweeps/quickstart.yaml", out="dse-out/quickstart")  # or a dict, or a Spec
    sweep.results                          # pandas DataFrame, one row per design point
    sweep.pareto(["energy", "area"])       # the front over objectives of dse.objectives
    sweep.layers(sweep.best("edp")["point_id"])  # per-layer table of one design
    dse.load("dse-out/quickstart")         # the same Sweep from a finished output folder
    e = dse.evaluate({"pe_type": "INT4", "pe_rows": 16}, "resnet18")
    e.totals["energy_pj"], e.layers        # one design: its totals and per-layer table

Every error the input causes is a ``dse.DseError`` with a one-line message (``dse.errors``).
The CLI's ``dse run`` is a thin caller of ``run``.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from dse.errors import UserError, boundary


def _spec(spec_or_path: Any, label: str = "dse.run"):
    """A Spec from a Spec, a YAML path, a dict in the spec's own layout (messages name ``label``), or
    None (the quickstart)."""
    from dse import spec as spec_mod

    if isinstance(spec_or_path, spec_mod.Spec):
        return spec_or_path
    if isinstance(spec_or_path, Mapping):
        raw = json.loads(json.dumps(spec_or_path, default=str))  # a plain copy, as YAML would give
        digest = hashlib.sha256(json.dumps(raw, sort_keys=True).encode()).hexdigest()
        return spec_mod.parse(raw, label, digest)
    if spec_or_path is None or isinstance(spec_or_path, str | Path):
        return spec_mod.load(spec_or_path)
    raise UserError(f"dse.run: got a {type(spec_or_path).__name__}; expected a spec path, a dict or a dse Spec")


class Sweep:
    """A finished sweep in its output folder; tables are read when first asked for."""

    def __init__(self, out_dir: str | Path) -> None:
        self.out = Path(out_dir)
        if not (self.out / "manifest.json").is_file():
            raise UserError(f"{self.out}: no manifest.json; expected the output folder of a finished dse run")

    def __repr__(self) -> str:
        return f"Sweep({str(self.out)!r}: {self.manifest['rows']:,} design points of {self.spec.name!r})"

    @cached_property
    def manifest(self) -> dict:
        with boundary():
            return json.loads((self.out / "manifest.json").read_text())

    @cached_property
    def spec(self):
        """The spec the run was made from (as recorded in its manifest)."""
        from dse import spec as spec_mod

        with boundary():
            return spec_mod.parse(self.manifest["spec"], str(self.manifest.get("spec_path", "<spec>")))

    @cached_property
    def workload(self):
        from dse import network

        with boundary():
            return network.prepare_workload(self.spec)

    @cached_property
    def results(self):
        """Every design point, one row each (pandas DataFrame, sorted by point_id)."""
        from dse import results

        with boundary():
            return results.load(self.out)

    def pareto(self, objectives: Sequence[str] | None = None):
        """The rows on the Pareto front of ``objectives`` (names in ``dse.objectives.OBJECTIVES``;
        default: the spec's ``pareto.objectives``), sorted by the first."""
        from dse import objectives as obj

        names = tuple(objectives) if objectives is not None else self.spec.pareto_objectives
        unknown = [n for n in names if n not in obj.OBJECTIVES]
        if unknown or len(names) < 1:
            raise UserError(f"Sweep.pareto: got {list(names)}; expected objectives among {list(obj.OBJECTIVES)}")
        df = self.results
        return df[obj.front(df, names)].sort_values([obj.OBJECTIVES[names[0]].column, "point_id"],
                                                    ignore_index=True)

    def best(self, objective: str = "edp"):
        """The row of the best design under ``objective`` (pandas Series)."""
        from dse import objectives as obj

        if objective not in obj.OBJECTIVES:
            raise UserError(f"Sweep.best: got {objective!r}; expected one of {list(obj.OBJECTIVES)}")
        return self.results.iloc[obj.best(self.results, objective)]

    def layers(self, point_id: int):
        """Per-layer table of one design point (re-evaluated: cheap, and exactly the sweep's model)."""
        from dse import precision_export

        pid = int(point_id)
        if not 0 <= pid < self.spec.n_points:
            raise UserError(f"Sweep.layers: point_id {pid} is not in the space (0 to {self.spec.n_points - 1})")
        with boundary():
            return precision_export.per_layer(self.spec, self.workload, [pid]).drop(columns="point_id")


def run(spec: Any = None, out: str | Path | None = None, *, progress: bool = False, force: bool = False,
        dask_workers: int = 0, dask_address: str | None = None) -> Sweep:
    """Run a sweep into ``out`` (default: a new temporary folder) and return it.

    ``spec``: a path to a spec YAML, a dict in the same layout, a ``dse.spec.Spec``, or None for the
    built-in quickstart. A killed run resumes when run again into the same folder."""
    from dse import sweep

    with boundary():
        s = _spec(spec)
        out_dir = Path(out) if out is not None else Path(tempfile.mkdtemp(prefix=f"dse-{s.name}-"))
        sweep.run(s, out_dir, progress=progress, dask_address=dask_address, dask_workers=dask_workers,
                  force=force)
    return Sweep(out_dir)


def load(out_dir: str | Path) -> Sweep:
    """The Sweep of a finished output folder (``dse run --out OUT``)."""
    return Sweep(out_dir)


@dataclass(frozen=True)
class Evaluation:
    """One design on one workload."""

    totals: Any  # pandas Series: the results row (parameters, energy_pj, latency_s, area_mm2, breakdown...)
    layers: Any  # pandas DataFrame: one row per layer (bits, passes, energy_pj, latency_cycles, utilization)


def evaluate(design: Mapping[str, Any], workload: Any, *, objective: str = "edp", policy: str = "pe",
             batch: int = 1, **workload_params) -> Evaluation:
    """Evaluate one design (``design``: space parameters, one value each; the others take their
    defaults, see the README's parameter table) on ``workload``: a zoo network name, an ONNX path, or
    a ``workloads.LayerGraph``. ``policy``: 'pe' (layers run at the PE's precision) or 'model'
    (layers keep their own bits); ``workload_params``: phase, seq_len, kv_len of decoder networks."""
    from dse import design as design_mod
    from dse import network

    if not isinstance(design, Mapping):
        raise UserError(f"dse.evaluate: design: got a {type(design).__name__}; expected a dict of parameters")
    for name, value in design.items():
        if isinstance(value, list | tuple):
            raise UserError(f"dse.evaluate: design.{name}: got {len(value)} values; expected one (dse.run "
                            "sweeps several)")
    with boundary():
        graph = _graph(workload)
        source = {"network": "alexnet"} if graph is not None else (
            {"onnx": str(workload)} if str(workload).endswith(".onnx") or Path(str(workload)).is_file()
            else {"network": workload})  # a graph brings its own layers: the spec's workload is not loaded
        raw = {"version": 1, "name": "evaluate", "workload": {**source, "batch": batch, **workload_params},
               "precision": {"policy": policy}, "space": dict(design), "mapping": {"objective": objective}}
        spec = _spec(raw, "dse.evaluate")
        wl = network.prepare_workload(spec) if graph is None else network.Workload(
            spec.precision.overrides.apply(graph), policy == "pe", frozenset())
        table, layers = network.evaluate(design_mod.batch(spec), wl, spec.mapping_objective, per_layer=True)
    return Evaluation(table.iloc[0], layers.drop(columns="point_id"))


def _graph(workload: Any):
    from workloads.layer import LayerGraph

    return workload if isinstance(workload, LayerGraph) else None
