"""Per-layer precision of the best design under each objective, for quantization experiments."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from dse import design, objectives
from dse.network import Workload, evaluate
from dse.spec import PARAMS, Spec

class _ObjectiveView(Mapping):
    """objective label -> (results column, minimise?): a live view of the registry (dse.objectives)."""

    def __getitem__(self, name: str) -> tuple[str, bool]:
        o = objectives.OBJECTIVES[name]
        return o.column, o.minimise

    def __iter__(self):
        return iter(objectives.OBJECTIVES)

    def __len__(self) -> int:
        return len(objectives.OBJECTIVES)


OBJECTIVES: Mapping[str, tuple[str, bool]] = _ObjectiveView()


def best_points(results: pd.DataFrame) -> dict[str, int]:
    """point_id of the best design per objective (ties: lowest point_id)."""
    return {name: int(results["point_id"].iloc[objectives.best(results, name)]) for name in objectives.OBJECTIVES}


def per_layer(spec: Spec, wl: Workload, point_ids: list[int]) -> pd.DataFrame:
    """Per-layer cost and effective bits of the given design points (re-evaluated, cheap)."""
    _, layers = evaluate(design.points(spec, np.array(sorted(set(point_ids)))), wl, spec.mapping_objective,
                         per_layer=True)
    return layers


def export(spec: Spec, wl: Workload, results: pd.DataFrame, layers: pd.DataFrame, best: dict[str, int]) -> dict:
    """The precision.json document: per objective, the design and each compute layer's bits."""
    by_id = results.set_index("point_id")
    doc = {
        "network": wl.graph.name,
        "workload": spec.workload.source,
        "policy": spec.precision.policy,
        "note": "w_bits/a_bits: precision each compute layer runs at on the chosen design; "
                "quantize the network to these widths to reproduce the design's cost.",
        "objectives": {},
    }
    compute = {layer.name for layer in wl.graph.compute_layers()}
    for label, pid in best.items():
        row = by_id.loc[pid]
        rows = layers[(layers["point_id"] == pid) & layers["layer"].isin(compute)]
        doc["objectives"][label] = {
            "metric": OBJECTIVES[label][0],
            "value": float(row[OBJECTIVES[label][0]]),
            "point_id": pid,
            "design": {p: _plain(row[p]) for p in PARAMS},  # every design-space parameter, as in the spec
            "layers": {r.layer: {"w_bits": int(r.w_bits), "a_bits": int(r.a_bits), "passes": int(r.passes)}
                       for r in rows.itertuples()},
        }
    return doc


def _plain(v):
    return v.item() if hasattr(v, "item") else v
