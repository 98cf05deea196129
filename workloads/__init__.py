"""Workloads: layer graphs from the built-in zoo or from (quantized) ONNX models."""

from workloads.layer import COMPUTE_OPS, Layer, LayerGraph, WorkloadError

__all__ = ["COMPUTE_OPS", "Layer", "LayerGraph", "WorkloadError"]
