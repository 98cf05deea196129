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
    return {name: int(results["point_id"].iloc[objectives.best(results, name)])
            for name, o in objectives.OBJECTIVES.items() if o.column in results}  # quant_error: policy search


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
    if spec.workload.onnx:
        from dse.io import sha256_file

        doc["model_sha256"] = sha256_file(spec.workload.onnx)
    compute = {layer.name for layer in wl.graph.compute_layers()}
    for label, pid in best.items():
        row = by_id.loc[pid]
        rows = layers[(layers["point_id"] == pid) & layers["layer"].isin(compute)]
        doc["objectives"][label] = {
            "metric": OBJECTIVES[label][0],
            "value": float(row[OBJECTIVES[label][0]]),
            "point_id": pid,
            "design": {p: _plain(row[p]) for p in PARAMS},  # every design-space parameter, as in the spec
            "layers": {r.layer: {"w_bits": int(r.w_bits), "a_bits": int(r.a_bits), "passes": int(r.passes),
                                 **({"w_format": r.w_format} if "w_format" in rows else {})}
                       for r in rows.itertuples()},
        }
        if spec.precision.search is not None:
            doc["objectives"][label].update(_search_fields(row, rows))
    return doc


def _search_fields(row, layer_rows: pd.DataFrame) -> dict:
    """The error budget and the precision search's result on one reported design: the sweep's row
    was chosen by the Lagrangian relaxation, the layers above exactly (milp); both objective values
    (the search's per-layer objective, see dse.quant.policy) and the exact choice's error."""
    first = layer_rows.iloc[0]
    return {"max_error": float(row["max_error"]), "quant_error": float(first["quant_error"]),
            "within_budget": bool(row["within_budget"]),
            "search": {"sweep": "lagrangian", "layers": "milp",
                       "objective_lagrangian": float(first["search_cost_lagrangian"]),
                       "objective_milp": float(first["search_cost_chosen"]),
                       "sweep_row_quant_error": float(row["quant_error"])}}


def quantizer_files(spec: Spec, doc: dict) -> dict[str, object]:
    """Per reported design, what quantizers consume: ``precision_<objective>.yaml`` (a plain per-layer
    map {layer: {w_bits, a_bits}}) and, for ONNX workloads, ``precision_<objective>_ort_overrides.json``
    (onnxruntime TensorQuantOverrides of the layers it can express; `dse quantize` writes the rest)."""
    out: dict[str, object] = {}
    nodes = None
    if spec.workload.onnx:
        from dse.errors import UserError
        from dse.quant import onnxmodel

        from workloads.layer import WorkloadError

        try:
            nodes = onnxmodel.load(spec.workload.onnx)[1]
        except (UserError, WorkloadError):  # an already-quantized model (its bits are its own), or one
            nodes = None  # that loads only with workload parameters (decoders): no overrides file
    for label, entry in doc["objectives"].items():
        bits = {k: {"w_bits": v["w_bits"], "a_bits": v["a_bits"]} for k, v in entry["layers"].items()}
        out[f"precision_{label}.yaml"] = bits
        if nodes is not None:
            from dse.quant import writeback

            out[f"precision_{label}_ort_overrides.json"] = {"TensorQuantOverrides": writeback.tensor_overrides(
                nodes, {k: (v["w_bits"], v["a_bits"]) for k, v in bits.items()}, "precision.json")}
    return out


def _plain(v):
    return v.item() if hasattr(v, "item") else v
