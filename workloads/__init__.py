"""Workloads: layer graphs from the built-in zoo or from (quantized) ONNX models."""

from __future__ import annotations

import os
from pathlib import Path

from workloads.layer import COMPUTE_OPS, Layer, LayerGraph, WorkloadError

__all__ = ["COMPUTE_OPS", "Layer", "LayerGraph", "WorkloadError", "load"]


def load(name_or_path: str | os.PathLike, batch: int = 1) -> LayerGraph:
    """A built-in network by name (see ``dse zoo``) or an ONNX file (``*.onnx``)."""
    text = str(name_or_path)
    if text.endswith(".onnx") or os.sep in text or Path(text).is_file():
        from workloads import onnx_import

        return onnx_import.load(text, batch=batch)
    from workloads import zoo

    return zoo.build(text, n=batch)
