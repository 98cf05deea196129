"""Workloads: layer graphs from the built-in zoo or from (quantized) ONNX models."""

from __future__ import annotations

import os
from pathlib import Path

from workloads.layer import COMPUTE_OPS, Layer, LayerGraph, WorkloadError

__all__ = ["COMPUTE_OPS", "Layer", "LayerGraph", "WorkloadError", "load"]


def load(name_or_path: str | os.PathLike, batch: int = 1, **params) -> LayerGraph:
    """A built-in network by name (see ``dse zoo``) or an ONNX file (``*.onnx``); ``params`` are a
    zoo network's workload parameters (``workloads.zoo.WORKLOAD_PARAMS``: phase, seq_len, kv_len)."""
    text = str(name_or_path)
    given = sorted(k for k, v in params.items() if v is not None)
    if text.endswith(".onnx") or os.sep in text or Path(text).is_file():
        if "phase" in given:
            raise WorkloadError(f"{text}: 'phase' applies to zoo networks only; an ONNX decoder's phase is "
                                "its shapes: bind seq_len (new tokens) and kv_len (cached tokens)")
        from workloads import onnx_import

        return onnx_import.load(text, batch=batch, seq_len=params.get("seq_len"), kv_len=params.get("kv_len"))
    from workloads import zoo

    return zoo.build(text, n=batch, **params)
