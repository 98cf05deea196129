"""A float ONNX model seen as its compute layers: which node, which activation and weight tensors.

Layer names are the importer's (``workloads.onnx_import``: the ONNX node name, or
``<OpType>_<index>`` for an unnamed node), so sensitivity rows, precision.json and ``dse inspect``
name the same layers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, numpy_helper

import workloads
from dse.errors import UserError
from workloads.onnx_import import _node_names  # noqa: F401  (the importer's naming rule, so names agree)
from workloads.onnx_quant import is_qonnx, is_quantizer

# Channel axis of per-channel weights: Conv (K, C/G, ...) -> 0; ConvTranspose (C, K/G, ...) -> 1;
# Gemm B (K_out, C) with transB=1 -> 0, else (C, K_out) -> 1; MatMul B (..., C, K_out) -> last.


@dataclass(frozen=True)
class ComputeNode:
    name: str  # layer name (importer's)
    index: int  # node index in graph.node
    op_type: str
    act: str  # data input tensor
    weight: str  # second operand tensor
    weight_is_const: bool  # an initializer: quantized per channel; else quantized as an activation
    axis: int  # output-channel axis of a constant weight
    params: int  # weight elements (0 for two activations)


def _axis(node: onnx.NodeProto, rank: int) -> int:
    attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
    if node.op_type == "ConvTranspose":
        return 1
    if node.op_type == "Gemm":
        return 0 if attrs.get("transB", 0) else 1
    if node.op_type == "MatMul":
        return rank - 1
    return 0


def load(path: str | Path) -> tuple[onnx.ModelProto, list[ComputeNode]]:
    """The model (external data loaded) and its compute layers; refuses what we cannot fake-quantize."""
    path = Path(path)
    graph = workloads.load(path)  # the importer's checks and one-line errors
    model = onnx.load(str(path))
    g = model.graph
    for node in g.node:
        if is_quantizer(node) or is_qonnx(node) or node.op_type.startswith("QLinear") \
                or node.op_type.endswith("Integer"):
            raise UserError(f"{path}: node {node.name or node.op_type!r}: the model is already quantized; "
                            "expected a float model")
    inits = {t.name: t for t in g.initializer}
    for vi in g.input:
        if vi.name not in inits and vi.type.tensor_type.elem_type != TensorProto.FLOAT:
            raise UserError(f"{path}: input {vi.name!r}: expected a float32 input")
    by_name = dict(zip(_node_names(g.node), range(len(g.node))))
    nodes = []
    for layer in graph.compute_layers():
        idx = by_name[layer.name]
        node = g.node[idx]
        if len(node.input) < 2:
            raise UserError(f"{path}: node {layer.name!r} ({node.op_type}): expected a data and a weight input")
        w = node.input[1]
        const = w in inits
        if const and inits[w].data_type != TensorProto.FLOAT:
            raise UserError(f"{path}: node {layer.name!r}: weight {w!r} is not float32; expected a float model")
        rank = len(inits[w].dims) if const else 2
        nodes.append(ComputeNode(layer.name, idx, node.op_type, node.input[0], w, const,
                                 _axis(node, rank), int(np.prod(inits[w].dims)) if const else 0))
    if not nodes:
        raise UserError(f"{path}: no compute layers (Conv, Gemm, MatMul) to quantize")
    return model, nodes


def weights(model: onnx.ModelProto) -> dict[str, np.ndarray]:
    return {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
