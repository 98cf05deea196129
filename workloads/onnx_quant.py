"""Bit widths of ONNX tensors: element types, QDQ pairs, QOperator types and QONNX quantizers.

Three ways a quantized model states a tensor's precision, all reduced here to an integer bit width:

* QDQ (onnxruntime.quantization, PyTorch/ONNX exporters): ``DequantizeLinear(q, scale, zero_point)``
  feeds the compute node; the width is the integer type of ``q`` / ``zero_point``
  (int4/uint4 at opset 21, int8/uint8, int16/uint16). A 1-D scale with more than one entry is
  per-channel (``axis``), a scalar scale is per-tensor; a ``block_size`` attribute is blockwise.
* QOperator (QLinearConv, QLinearMatMul, ConvInteger, MatMulInteger, QGemm): the operands are
  integer tensors, so the width is their element type.
* QONNX (Brevitas -> FINN / hls4ml): ``Quant(x, scale, zero_point, bit_width)`` with a constant
  ``bit_width`` input (any width 1..32), ``BipolarQuant(x, scale)`` (1 bit),
  ``Trunc(x, scale, zero_point, in_bit_width, out_bit_width)``, and ``FloatQuant`` (1 sign +
  exponent + mantissa bits).

Float tensors count their storage width (float32 -> 32, float16/bfloat16 -> 16); float64 is
clamped to 32 because a Layer holds 1..32 bits (the data type is kept in the layer's attrs).
"""

from __future__ import annotations

import numpy as np
from onnx import NodeProto, TensorProto, numpy_helper
from onnx.external_data_helper import uses_external_data

from workloads.layer import WorkloadError

# Storage width in bits per ONNX element type (TensorProto.DataType; onnx.proto3 comments).
DTYPE_BITS: dict[int, int] = {
    TensorProto.FLOAT: 32,
    TensorProto.DOUBLE: 32,  # clamped: Layer bit widths are 1..32
    TensorProto.FLOAT16: 16,
    TensorProto.BFLOAT16: 16,
    TensorProto.INT8: 8,
    TensorProto.UINT8: 8,
    TensorProto.INT16: 16,
    TensorProto.UINT16: 16,
    TensorProto.INT32: 32,
    TensorProto.UINT32: 32,
    TensorProto.INT64: 32,  # clamped, index/shape tensors only
    TensorProto.UINT64: 32,
    TensorProto.BOOL: 1,
    TensorProto.INT4: 4,
    TensorProto.UINT4: 4,
    TensorProto.FLOAT8E4M3FN: 8,
    TensorProto.FLOAT8E4M3FNUZ: 8,
    TensorProto.FLOAT8E5M2: 8,
    TensorProto.FLOAT8E5M2FNUZ: 8,
}
for _name, _bits in (("INT2", 2), ("UINT2", 2), ("FLOAT4E2M1", 4)):  # newer onnx releases only
    if hasattr(TensorProto, _name):
        DTYPE_BITS[getattr(TensorProto, _name)] = _bits

# Zero-point types a QDQ pair may carry (ONNX QuantizeLinear/DequantizeLinear, opsets 10..21).
INTEGER_ZP_TYPES = frozenset(
    {
        TensorProto.INT8,
        TensorProto.UINT8,
        TensorProto.INT16,
        TensorProto.UINT16,
        TensorProto.INT32,
        TensorProto.INT4,
        TensorProto.UINT4,
    }
    | {getattr(TensorProto, n) for n in ("INT2", "UINT2") if hasattr(TensorProto, n)}
)

QDQ_OPS = frozenset({"QuantizeLinear", "DequantizeLinear"})
# Domains Brevitas has exported its quantizers under (old: onnx.brevitas; QONNX: qonnx.custom_op.general).
QONNX_DOMAINS = frozenset({"qonnx.custom_op.general", "onnx.brevitas", "finn.custom_op.general"})
QONNX_OPS = frozenset({"Quant", "IntQuant", "BipolarQuant", "Trunc", "FloatQuant"})


def dtype_name(elem_type: int) -> str:
    return TensorProto.DataType.Name(elem_type).lower() if elem_type else "unknown"


def dtype_bits(elem_type: int) -> int | None:
    return DTYPE_BITS.get(elem_type)


def is_qonnx(node: NodeProto) -> bool:
    return node.op_type in QONNX_OPS and (node.domain in QONNX_DOMAINS or node.domain.endswith("qonnx"))


def is_quantizer(node: NodeProto) -> bool:
    """A node that only (re)quantizes its first input: folded into the neighbouring layers' bit widths."""
    if node.op_type in QDQ_OPS:
        return node.domain in ("", "ai.onnx", "com.microsoft")
    if node.op_type == "DynamicQuantizeLinear":
        return node.domain in ("", "ai.onnx")
    return is_qonnx(node)


def check_zero_point(node: NodeProto, name: str, zp_type: int | None, where: str) -> None:
    """A QDQ zero point must be an integer type; float8 and float zero points are rejected.

    ``name`` is the importer's unique node name (unnamed nodes have an empty ``node.name``).
    """
    if zp_type is not None and zp_type not in INTEGER_ZP_TYPES:
        raise WorkloadError(
            f"{where}: node {name!r} ({node.op_type}): zero point {node.input[2]!r} has type "
            f"{dtype_name(zp_type)}, expected an integer type (int4/uint4/int8/uint8/int16/uint16/int32)"
        )


def _scalar_const(node: NodeProto, name: str, idx: int, consts: dict[str, TensorProto], where: str) -> float:
    tensor = node.input[idx] if idx < len(node.input) else ""
    if tensor not in consts:
        raise WorkloadError(
            f"{where}: node {name!r} ({node.op_type}): bit-width input {idx} {tensor!r} must be a constant"
        )
    if uses_external_data(consts[tensor]):  # only small external tensors are read in
        raise WorkloadError(
            f"{where}: node {name!r} ({node.op_type}): bit-width input {tensor!r} is too large"
        )
    value = numpy_helper.to_array(consts[tensor])
    if value.size != 1:
        raise WorkloadError(
            f"{where}: node {name!r} ({node.op_type}): bit-width input {tensor!r} must be a scalar, "
            f"got shape {list(value.shape)}"
        )
    return float(value.reshape(()))


def _as_bits(node: NodeProto, name: str, value: float, where: str) -> int:
    if not float(value).is_integer() or not 1 <= value <= 32:
        raise WorkloadError(
            f"{where}: node {name!r} ({node.op_type}): bit width {value} is not an integer in 1..32"
        )
    return int(value)


def qonnx_bits(node: NodeProto, name: str, consts: dict[str, TensorProto], where: str) -> int:
    """Bit width a QONNX quantizer writes, from its constant bit-width input(s); ``name`` for messages."""
    if node.op_type in ("Quant", "IntQuant"):
        return _as_bits(node, name, _scalar_const(node, name, 3, consts, where), where)
    if node.op_type == "BipolarQuant":
        return 1
    if node.op_type == "Trunc":
        return _as_bits(node, name, _scalar_const(node, name, 4, consts, where), where)
    # FloatQuant(x, scale, exponent_bitwidth, mantissa_bitwidth, exponent_bias, max_val): sign + e + m.
    exp_bits = _scalar_const(node, name, 2, consts, where)
    man_bits = _scalar_const(node, name, 3, consts, where)
    return _as_bits(node, name, 1 + exp_bits + man_bits, where)


def granularity(node: NodeProto, consts: dict[str, TensorProto], shapes: dict) -> str:
    """'per-tensor', 'per-channel(axis=a)' or 'block(b)' from a QDQ/QONNX quantizer's scale input."""
    for attr in node.attribute:
        if attr.name == "block_size" and attr.i > 0:
            return f"block({attr.i})"
    if len(node.input) < 2:
        return "per-tensor"
    scale = node.input[1]
    if scale in consts:
        dims = tuple(consts[scale].dims)
    else:
        dims = shapes.get(scale) or ()
    numel = int(np.prod(dims)) if dims else 1
    if numel <= 1:
        return "per-tensor"
    if node.op_type in QDQ_OPS:
        axis = next((a.i for a in node.attribute if a.name == "axis"), 1)
        return f"per-channel(axis={axis})"
    # QONNX broadcasts the scale: the channel axis is the one with more than one entry.
    axes = [i for i, d in enumerate(dims) if d > 1]
    return f"per-channel(axis={axes[0]})" if len(axes) == 1 else "per-element"


def clip_bounds(node: NodeProto, consts: dict[str, TensorProto]) -> tuple[float, float] | None:
    """(lo, hi) of a Clip with constant, finite, integral bounds (inputs 1, 2; attributes before opset 11)."""
    values = []
    for i, attr in ((1, "min"), (2, "max")):
        if i < len(node.input) and node.input[i]:
            t = consts.get(node.input[i])
            if t is None or uses_external_data(t):
                return None
            v = numpy_helper.to_array(t)
            if v.size != 1:
                return None
            values.append(float(v.reshape(())))
        else:
            a = next((a.f for a in node.attribute if a.name == attr), None)
            if a is None:
                return None
            values.append(float(a))
    lo, hi = values
    if not (np.isfinite(lo) and np.isfinite(hi) and lo.is_integer() and hi.is_integer() and hi >= lo):
        return None
    return lo, hi
