"""ONNX op registry: compute-op parsers (node -> loop bounds) and shape rules for ops ONNX cannot infer.

Every compute op becomes the 7-D loop nest of ``workloads.layer`` (c = all input channels,
k = all output channels, groups divides both):

* Conv / ConvInteger / QLinearConv: ``X[N,C,H,W] * W[K,C/G,FY,FX] -> Y[N,K,OY,OX]``; op ``dwconv``
  when G = C > 1. 1-D convs use oy = fy = 1; 3-D convs fold depth into y
  (oy = OD*OY, fy = FD*FY), which keeps MACs and weight count exact.
* ConvTranspose: the direct (scatter) form, in which every input pixel is multiplied by every
  tap: MACs = N * Cin * H * W * (Cout/G) * FY * FX and weights = Cin * (Cout/G) * FY * FX. Loop
  bounds k = Cout, c = Cin, oy/ox = H/W (input pixels), fy/fx = kernel, stride 1, iy/ix = H/W
  reproduce both counts; the true output size is kept in ``out_elems`` and the attrs.
* MatMul / MatMulInteger / QLinearMatMul: ``A[...,M,K] x B[...,K,N]`` -> 1x1 conv with c = K,
  k = N, ox = M rows, n = product of the broadcast batch dims (batch * heads for attention).
  A constant B with its own batch dims (a weight per head) is a grouped 1x1 conv (groups = the
  batch of B), so weights = |B| exactly. A constant A with an activation B is computed as
  (B^T A^T)^T: ox = N, k = M.
* Gemm / QGemm: ``A'[M,K] x B'[K,N]`` after transA/transB, n = 1, ox = M, c = K, k = N.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from onnx import NodeProto, TensorProto, helper

from workloads.layer import WorkloadError
from workloads.onnx_quant import QONNX_OPS

Shape = tuple[int, ...]


@dataclass(frozen=True)
class NodeView:
    """What a parser may ask about one node: attributes, tensor shapes, which inputs are constant."""

    node: NodeProto
    name: str
    where: str  # the model file, for messages
    shapes: dict[str, Shape | None]
    static: frozenset[str]

    def fail(self, msg: str) -> WorkloadError:
        return WorkloadError(f"{self.where}: node {self.name!r} ({self.node.op_type}): {msg}")

    def attr(self, key: str, default):
        for a in self.node.attribute:
            if a.name == key:
                return helper.get_attribute_value(a)
        return default

    def input(self, idx: int, role: str) -> str:
        if idx >= len(self.node.input) or not self.node.input[idx]:
            raise self.fail(f"missing {role} input (index {idx})")
        return self.node.input[idx]

    def shape(self, tensor: str, role: str) -> Shape:
        dims = self.shapes.get(tensor)
        if dims is None:
            raise self.fail(
                f"cannot determine the shape of {role} {tensor!r} (shape inference left it unknown)"
            )
        if any(d < 1 for d in dims):
            raise self.fail(f"{role} {tensor!r} has a non-positive dimension {list(dims)}")
        return dims


@dataclass(frozen=True)
class ComputeSpec:
    """Loop bounds of one compute node plus the tensors that play the data and weight roles."""

    op: str
    data: str
    weight: str
    weight_is_constant: bool
    bounds: dict[str, int]
    out_elems: int = 0
    notes: tuple[tuple[str, str], ...] = field(default=())
    suffix: str = ""  # one node, several layers (attention: "/scores", "/context"): the layer name's tail
    # Weight bits and granularity the op states itself (MatMulNBits' ``bits``/``block_size`` attributes;
    # its uint8 container says nothing): (bits, dtype, granularity), else read from the weight tensor.
    weight_format: tuple[int, str, str] | None = None


def _conv(v: NodeView, x_idx: int, w_idx: int) -> ComputeSpec:
    x_name, w_name = v.input(x_idx, "data"), v.input(w_idx, "weight")
    if w_name not in v.static:
        raise v.fail(f"weight input {w_name!r} is not an initializer (nor computed from constants only)")
    x, w, y = v.shape(x_name, "input"), v.shape(w_name, "weight"), v.shape(v.node.output[0], "output")
    if not len(x) == len(w) == len(y) or len(x) not in (3, 4, 5):
        raise v.fail(f"inconsistent shapes: input {list(x)}, weight {list(w)}, output {list(y)}")
    groups = int(v.attr("group", 1))
    n, c, k = x[0], x[1], w[0]
    if w[1] * groups != c or y[1] != k or k % groups or y[0] != n:
        raise v.fail(
            f"inconsistent shapes: input {list(x)} (C={c}), weight {list(w)} with group={groups} "
            f"(expects C = {w[1]}*{groups}), output {list(y)}"
        )
    strides = list(v.attr("strides", [1] * (len(x) - 2)))
    if len(x) == 3:  # 1-D: the single spatial axis is x
        sp = {
            "oy": 1,
            "ox": y[2],
            "fy": 1,
            "fx": w[2],
            "iy": 1,
            "ix": x[2],
            "stride_y": 1,
            "stride_x": strides[0],
        }
    elif len(x) == 4:
        sp = {
            "oy": y[2],
            "ox": y[3],
            "fy": w[2],
            "fx": w[3],
            "iy": x[2],
            "ix": x[3],
            "stride_y": strides[0],
            "stride_x": strides[1],
        }
    else:  # 3-D: depth folded into y (exact MACs and weights, approximate reuse along depth)
        sp = {
            "oy": y[2] * y[3],
            "ox": y[4],
            "fy": w[2] * w[3],
            "fx": w[4],
            "iy": x[2] * x[3],
            "ix": x[4],
            "stride_y": strides[1],
            "stride_x": strides[2],
        }
    op = "dwconv" if groups == c and groups > 1 else "conv"
    notes = [("dilations", str(list(v.attr("dilations", [1] * (len(x) - 2)))))]
    if len(x) == 5:
        notes.append(("folded", "conv3d depth folded into y"))
    return ComputeSpec(op, x_name, w_name, True, dict(n=n, k=k, c=c, groups=groups, **sp), notes=tuple(notes))


def _conv_transpose(v: NodeView) -> ComputeSpec:
    x_name, w_name = v.input(0, "data"), v.input(1, "weight")
    if w_name not in v.static:
        raise v.fail(f"weight input {w_name!r} is not an initializer (nor computed from constants only)")
    x, w, y = v.shape(x_name, "input"), v.shape(w_name, "weight"), v.shape(v.node.output[0], "output")
    if not len(x) == len(w) == len(y) or len(x) not in (3, 4):
        raise v.fail(
            f"inconsistent or unsupported shapes: input {list(x)}, weight {list(w)}, output {list(y)}"
        )
    groups = int(v.attr("group", 1))
    n, cin, cout = x[0], x[1], w[1] * groups
    if w[0] != cin or y[1] != cout or cin % groups:
        raise v.fail(
            f"inconsistent shapes: input {list(x)}, weight {list(w)} with group={groups}, output {list(y)}"
        )
    if len(x) == 3:
        sp = {"oy": 1, "ox": x[2], "fy": 1, "fx": w[2], "iy": 1, "ix": x[2]}
    else:
        sp = {"oy": x[2], "ox": x[3], "fy": w[2], "fx": w[3], "iy": x[2], "ix": x[3]}
    notes = (("form", "scatter: oy/ox are input pixels"), ("strides", str(list(v.attr("strides", [])))))
    return ComputeSpec(
        "convtranspose",
        x_name,
        w_name,
        True,
        dict(n=n, k=cout, c=cin, groups=groups, **sp),
        out_elems=math.prod(y),
        notes=notes,
    )


def _broadcast(a: Shape, b: Shape, v: NodeView) -> Shape:
    try:
        return tuple(np.broadcast_shapes(a, b))
    except ValueError:
        raise v.fail(f"inconsistent shapes: batch dims {list(a)} and {list(b)} do not broadcast") from None


def _rows_by_cols(
    v: NodeView, a_name: str, b_name: str, m: int, kk: int, nn: int, batch: int, b_batch: int
) -> ComputeSpec:
    """An [M,K]x[K,N] product (times `batch`) as a 1x1 conv; the constant operand plays the weight."""
    a_const, b_const = a_name in v.static, b_name in v.static
    if a_const and not b_const:  # W x X: compute (X^T W^T)^T so the weight is still [k, c]
        return ComputeSpec(
            "matmul",
            b_name,
            a_name,
            True,
            {"n": batch, "k": m, "c": kk, "ox": nn},
            notes=(("form", "constant A: ox = N, k = M"),),
        )
    if b_const and b_batch > 1:  # one weight matrix per batch entry: grouped 1x1 conv
        return ComputeSpec(
            "matmul",
            a_name,
            b_name,
            True,
            {"n": batch // b_batch, "k": nn * b_batch, "c": kk * b_batch, "groups": b_batch, "ox": m},
            notes=(("form", f"constant batched B: groups = {b_batch}"),),
        )
    notes = () if b_const else (("b_operand", "activation"),)
    return ComputeSpec(
        "matmul", a_name, b_name, b_const, {"n": batch, "k": nn, "c": kk, "ox": m}, notes=notes
    )


def _matmul(v: NodeView, a_idx: int, b_idx: int) -> ComputeSpec:
    a_name, b_name = v.input(a_idx, "A"), v.input(b_idx, "B")
    a, b = v.shape(a_name, "A"), v.shape(b_name, "B")
    a2 = (1,) + a if len(a) == 1 else a
    b2 = b + (1,) if len(b) == 1 else b
    if a2[-1] != b2[-2]:
        raise v.fail(
            f"inconsistent shapes: A {list(a)} and B {list(b)} (reduction dims {a2[-1]} != {b2[-2]})"
        )
    batch_dims = _broadcast(a2[:-2], b2[:-2], v)
    b_batch = math.prod(b2[:-2])  # divides the broadcast batch, so groups = b_batch always fits
    return _rows_by_cols(v, a_name, b_name, a2[-2], a2[-1], b2[-1], math.prod(batch_dims), b_batch)


def _gemm(v: NodeView, a_idx: int, b_idx: int) -> ComputeSpec:
    a_name, b_name = v.input(a_idx, "A"), v.input(b_idx, "B")
    a, b = v.shape(a_name, "A"), v.shape(b_name, "B")
    if len(a) != 2 or len(b) != 2:
        raise v.fail(f"inconsistent shapes: Gemm needs 2-D A and B, got {list(a)} and {list(b)}")
    m, ka = (a[1], a[0]) if v.attr("transA", 0) else a
    kb, nn = (b[1], b[0]) if v.attr("transB", 0) else b
    if ka != kb:
        raise v.fail(
            f"inconsistent shapes: A {list(a)} and B {list(b)} (transA/transB) reduce over {ka} != {kb}"
        )
    spec = _rows_by_cols(v, a_name, b_name, m, ka, nn, 1, 1)
    return ComputeSpec("gemm", spec.data, spec.weight, spec.weight_is_constant, spec.bounds, notes=spec.notes)


def _matmul_nbits(v: NodeView) -> ComputeSpec:
    """com.microsoft MatMulNBits (onnxruntime's weight-only format): ``Y[..., M, N] = A[..., M, K] x
    dequant(B)``, B stored as uint8 blobs [N, K / block_size, block_size * bits / 8] with a scale (and
    zero point) per block of ``block_size`` along K. Attributes K, N, bits (2..8), block_size."""
    a_name, b_name = v.input(0, "A"), v.input(1, "B")
    kk, nn = int(v.attr("K", 0)), int(v.attr("N", 0))
    bits, block = int(v.attr("bits", 4)), int(v.attr("block_size", 0))
    a = v.shape(a_name, "A")
    if kk < 1 or nn < 1 or a[-1] != kk:
        raise v.fail(f"inconsistent shapes: A {list(a)} and attributes K={kk}, N={nn} (A's last dim is K)")
    if not 1 <= bits <= 8 or block < 1:
        raise v.fail(f"attributes bits={bits}, block_size={block}: expected bits 1..8, a positive block size")
    rows = a[-2] if len(a) >= 2 else 1
    return ComputeSpec(
        "matmul", a_name, b_name, True, {"n": math.prod(a[:-2]), "k": nn, "c": kk, "ox": rows},
        notes=(("weight_format", f"MatMulNBits {bits}-bit, block {block}"),),
        weight_format=(bits, f"uint{bits}", f"block({block})"),
    )


def _heads(v: NodeView) -> tuple[int, int]:
    heads = int(v.attr("num_heads", 0))
    kv_heads = int(v.attr("kv_num_heads", heads))
    if heads < 1 or kv_heads < 1 or heads % kv_heads:
        raise v.fail(f"num_heads={heads}, kv_num_heads={kv_heads}: expected positive head counts, "
                     "num_heads a multiple of kv_num_heads")
    return heads, kv_heads


def _optional(v: NodeView, idx: int) -> str:
    return v.node.input[idx] if idx < len(v.node.input) and v.node.input[idx] else ""


def attention_dims(v: NodeView) -> dict[str, int]:
    """Batch, new tokens, attended positions, heads, KV heads and head size of GroupQueryAttention
    (inputs query, key, value, past_key, past_value, ...) and MultiHeadAttention (query, key, value,
    bias, key_padding_mask, attention_bias, past_key, past_value), com.microsoft schemas."""
    gqa = v.node.op_type == "GroupQueryAttention"
    heads, kv_heads = _heads(v)
    q = v.shape(v.input(0, "query"), "query")
    if len(q) != 3:
        raise v.fail(f"query {list(q)}: expected [batch, sequence, hidden] (packed 5-D queries unsupported)")
    b, s, dq = q
    key, past = _optional(v, 1), _optional(v, 3 if gqa else 6)
    packed = gqa and not key
    width = heads + 2 * kv_heads if packed else heads
    if dq % width:
        raise v.fail(f"query hidden size {dq} is not a multiple of {width} heads")
    hd = dq // width
    if key:
        kd = v.shape(key, "key")
        new = kd[1] if len(kd) == 3 else kd[2]  # [B, L, D] or MultiHeadAttention's [B, N, L, H]
    else:
        new = s
    cached = v.shape(past, "past_key")[2] if past else 0
    if key and len(v.shape(key, "key")) == 4:
        cached = 0  # a 4-D key is already the whole cache
    return {"batch": b, "seq": s, "positions": cached + new, "heads": heads, "kv_heads": kv_heads,
            "head_dim": hd, "packed": int(packed)}


def _attention(v: NodeView) -> list[ComputeSpec]:
    """Q.K^T and P.V of one attention op as two activation x activation matmuls, laid out as the zoo's
    decoders lay them out (``workloads.zoo.decoder``): per KV head a grouped matmul (groups = batch x
    kv_heads), the query heads sharing it as rows, over every attended position (cache + new tokens).
    The weight-side operand is the K or V cache (``kv_cache = read``), read at the cache's precision."""
    d = attention_dims(v)
    groups, q_per_kv = d["batch"] * d["kv_heads"], d["heads"] // d["kv_heads"]
    t, hd = d["positions"], d["head_dim"]
    gqa = v.node.op_type == "GroupQueryAttention"
    query = v.node.input[0]
    past_k, past_v = _optional(v, 3 if gqa else 6), _optional(v, 4 if gqa else 7)
    key = past_k or _optional(v, 1) or query
    value = past_v or _optional(v, 2) or query
    read_kv = (("kv_cache", "read"), ("heads", f"{d['heads']}/{d['kv_heads']} (query/kv)"),
               ("attended_positions", str(t)))
    rows = q_per_kv * d["seq"]
    return [
        ComputeSpec("matmul", query, key, False,
                    {"n": 1, "k": groups * t, "c": groups * hd, "ox": rows, "groups": groups},
                    notes=read_kv, suffix="/scores"),
        ComputeSpec("matmul", query, value, False,
                    {"n": 1, "k": groups * hd, "c": groups * t, "ox": rows, "groups": groups},
                    notes=read_kv, suffix="/context"),
    ]


# op_type -> parser (one ComputeSpec, or a list for an op that is several layers). Input positions
# follow the ONNX / com.microsoft op schemas.
COMPUTE_PARSERS: dict[str, Callable[[NodeView], ComputeSpec | list[ComputeSpec]]] = {
    "Conv": lambda v: _conv(v, 0, 1),
    "ConvInteger": lambda v: _conv(v, 0, 1),
    "QLinearConv": lambda v: _conv(v, 0, 3),
    "ConvTranspose": _conv_transpose,
    "MatMul": lambda v: _matmul(v, 0, 1),
    "MatMulInteger": lambda v: _matmul(v, 0, 1),
    "QLinearMatMul": lambda v: _matmul(v, 0, 3),
    "Gemm": lambda v: _gemm(v, 0, 1),
    "QGemm": lambda v: _gemm(v, 0, 3),
    "MatMulNBits": _matmul_nbits,
    "GroupQueryAttention": _attention,
    "MultiHeadAttention": _attention,
}
QOPERATOR_OPS = frozenset({"ConvInteger", "QLinearConv", "MatMulInteger", "QLinearMatMul", "QGemm"})

# Ops that multiply-accumulate but that we cannot map to the loop nest: always an error.
UNSUPPORTED_COMPUTE_OPS = frozenset(
    {
        "LSTM",
        "GRU",
        "RNN",
        "Einsum",
        "DeformConv",
        "Attention",
        "QAttention",
        "FusedConv",
        "FusedGemm",
        "FusedMatMul",
        "DynamicQuantizeMatMul",
        "MatMulIntegerToFloat",
        "DynamicQuantizeLSTM",
        "QLinearConvTranspose",
        "ConvTransposeWithDynamicPads",
    }
)

# Data-movement ops we know (no MACs on the PE array); any other op is kept with a warning.
NON_COMPUTE_OPS = frozenset(
    {
        # pooling and normalisation
        "MaxPool",
        "AveragePool",
        "GlobalAveragePool",
        "GlobalMaxPool",
        "LpPool",
        "GlobalLpPool",
        "MaxUnpool",
        "BatchNormalization",
        "InstanceNormalization",
        "LayerNormalization",
        "GroupNormalization",
        "LpNormalization",
        "MeanVarianceNormalization",
        "RMSNormalization",
        "SimplifiedLayerNormalization",
        "SkipLayerNormalization",
        "SkipSimplifiedLayerNormalization",
        "RotaryEmbedding",
        "GatherBlockQuantized",
        # elementwise and activations
        "Add",
        "Sub",
        "Mul",
        "Div",
        "Pow",
        "Sqrt",
        "Reciprocal",
        "Neg",
        "Abs",
        "Exp",
        "Log",
        "Erf",
        "Sign",
        "Floor",
        "Ceil",
        "Round",
        "Min",
        "Max",
        "Mean",
        "Sum",
        "Relu",
        "LeakyRelu",
        "PRelu",
        "Sigmoid",
        "Tanh",
        "HardSigmoid",
        "HardSwish",
        "Gelu",
        "FastGelu",
        "BiasGelu",
        "QuickGelu",
        "Elu",
        "Selu",
        "Celu",
        "Softplus",
        "Softsign",
        "Mish",
        "Clip",
        "Softmax",
        "LogSoftmax",
        "Hardmax",
        "ThresholdedRelu",
        "Equal",
        "Less",
        "Greater",
        "LessOrEqual",
        "GreaterOrEqual",
        "Not",
        "And",
        "Or",
        "Xor",
        "Where",
        "Mod",
        "IsNaN",
        "IsInf",
        "Cos",
        "Sin",
        "BitShift",
        # layout and data movement
        "Concat",
        "Split",
        "Slice",
        "Reshape",
        "Flatten",
        "Transpose",
        "Squeeze",
        "Unsqueeze",
        "Identity",
        "Resize",
        "Upsample",
        "Pad",
        "Tile",
        "Expand",
        "Gather",
        "GatherElements",
        "GatherND",
        "Scatter",
        "ScatterElements",
        "ScatterND",
        "DepthToSpace",
        "SpaceToDepth",
        "Cast",
        "CastLike",
        "Dropout",
        "ReduceMean",
        "ReduceMax",
        "ReduceMin",
        "ReduceSum",
        "ReduceProd",
        "ReduceL1",
        "ReduceL2",
        "ReduceLogSumExp",
        "ReduceSumSquare",
        "ArgMax",
        "ArgMin",
        "TopK",
        "CumSum",
        "Trilu",
        "OneHot",
        "Shape",
        "Size",
        "ConstantOfShape",
        "Range",
        "NonZero",
        "Compress",
        # QOperator (com.microsoft) element-wise and pooling ops, as written by onnxruntime.quantization
        "QLinearAdd",
        "QLinearMul",
        "QLinearConcat",
        "QLinearGlobalAveragePool",
        "QLinearAveragePool",
        "QLinearSigmoid",
        "QLinearLeakyRelu",
        "QLinearSoftmax",
        "QLinearReduceMean",
        "QLinearWhere",
    }
)

# Ops that only reshape/relabel a tensor.
LAYOUT_OPS = frozenset({"Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "Identity"})
# Ops whose outputs hold values of their data input (input 0) only: relabelled, selected, copied or
# padded with zeros. A quantizer seen through them still gives the bit width (the brevitas QONNX
# export quantizes before MaxPool and Flatten, not after). Concat joins several inputs: their common
# width, or the widest with a warning (``onnx_import``).
VALUE_PRESERVING_OPS = LAYOUT_OPS | frozenset(
    {
        "MaxPool",
        "GlobalMaxPool",
        "Dropout",
        "Pad",
        "Concat",
        "Split",
        "Slice",
        "Expand",
        "Tile",
        "DepthToSpace",
        "SpaceToDepth",
    }
)
# Unary ops a requantizer may sit behind (Conv -> Relu -> QuantizeLinear).
UNARY_OPS = (
    frozenset(
        {
            "Relu",
            "LeakyRelu",
            "Clip",
            "Sigmoid",
            "Tanh",
            "HardSigmoid",
            "HardSwish",
            "Gelu",
            "Elu",
            "Selu",
            "Softplus",
            "Mish",
            "PRelu",
        }
    )
    | VALUE_PRESERVING_OPS
)


# --- shape rules for ops ONNX shape inference does not know (QONNX, com.microsoft QOperator) ---------
TypedShape = tuple[int, Shape]
ShapeRule = Callable[[NodeView, dict[str, int]], list[TypedShape]]


def _type_of(v: NodeView, types: dict[str, int], idx: int, default: int) -> int:
    if idx < len(v.node.input) and v.node.input[idx]:
        return types.get(v.node.input[idx], default)
    return default


def _same_as_input(zp_idx: int | None) -> ShapeRule:
    def rule(v: NodeView, types: dict[str, int]) -> list[TypedShape]:
        x = v.shape(v.input(0, "data"), "input")
        dflt = types.get(v.node.input[0], TensorProto.FLOAT)
        return [(dflt if zp_idx is None else _type_of(v, types, zp_idx, dflt), x)]

    return rule


def _qlinear_binary(v: NodeView, types: dict[str, int]) -> list[TypedShape]:
    a, b = v.shape(v.input(0, "A"), "A"), v.shape(v.input(3, "B"), "B")
    return [(_type_of(v, types, 7, types.get(v.node.input[0], TensorProto.UINT8)), _broadcast(a, b, v))]


def _qlinear_concat(v: NodeView, types: dict[str, int]) -> list[TypedShape]:
    xs = [v.shape(v.node.input[i], "input") for i in range(2, len(v.node.input), 3)]
    if not xs:
        raise v.fail("no inputs to concatenate")
    axis = int(v.attr("axis", 0)) % len(xs[0])
    out = list(xs[0])
    out[axis] = sum(x[axis] for x in xs)
    return [(_type_of(v, types, 1, TensorProto.UINT8), tuple(out))]


def _qlinear_global_pool(v: NodeView, types: dict[str, int]) -> list[TypedShape]:
    x = v.shape(v.input(0, "data"), "input")
    out = (
        (x[0],) + (1,) * (len(x) - 2) + (x[-1],)
        if v.attr("channels_last", 0)
        else x[:2] + (1,) * (len(x) - 2)
    )
    return [(_type_of(v, types, 4, TensorProto.UINT8), out)]


def _pool_size(size: int, kernel: int, stride: int, pad: int, ceil_mode: int) -> int:
    span = size + pad - kernel
    return (-(-span // stride) if ceil_mode else span // stride) + 1


def _qlinear_avg_pool(v: NodeView, types: dict[str, int]) -> list[TypedShape]:
    x = v.shape(v.input(0, "data"), "input")
    if v.attr("channels_last", 0):
        raise v.fail("channels_last pooling is not supported")
    kernel = list(v.attr("kernel_shape", []))
    nsp = len(x) - 2
    strides = list(v.attr("strides", [1] * nsp))
    pads = list(v.attr("pads", [0] * 2 * nsp))
    auto_pad = v.attr("auto_pad", b"NOTSET")
    auto_pad = auto_pad.decode() if isinstance(auto_pad, bytes) else auto_pad
    ceil_mode = int(v.attr("ceil_mode", 0))
    spatial = []
    for i in range(nsp):
        if auto_pad in ("SAME_UPPER", "SAME_LOWER"):
            spatial.append(-(-x[2 + i] // strides[i]))
        else:
            pad = 0 if auto_pad == "VALID" else pads[i] + pads[i + nsp]
            spatial.append(_pool_size(x[2 + i], kernel[i], strides[i], pad, ceil_mode))
    return [(_type_of(v, types, 4, TensorProto.UINT8), x[:2] + tuple(spatial))]


def _qgemm(v: NodeView, types: dict[str, int]) -> list[TypedShape]:
    a, b = v.shape(v.input(0, "A"), "A"), v.shape(v.input(3, "B"), "B")
    m = a[1] if v.attr("transA", 0) else a[0]
    n = b[0] if v.attr("transB", 0) else b[1]
    return [(_type_of(v, types, 8, TensorProto.FLOAT), (m, n))]


def _matmul_nbits_shape(v: NodeView, types: dict[str, int]) -> list[TypedShape]:
    a = v.shape(v.input(0, "A"), "A")
    return [(types.get(v.node.input[0], TensorProto.FLOAT), a[:-1] + (int(v.attr("N", 0)),))]


def _attention_shape(v: NodeView, types: dict[str, int]) -> list[TypedShape]:
    d = attention_dims(v)
    elem = types.get(v.node.input[0], TensorProto.FLOAT)
    kv_heads = d["kv_heads"] if v.node.op_type == "GroupQueryAttention" else d["heads"]
    present = (d["batch"], kv_heads, d["positions"], d["head_dim"])
    return [(elem, (d["batch"], d["seq"], d["heads"] * d["head_dim"])), (elem, present), (elem, present)]


def _norm_shape(v: NodeView, types: dict[str, int]) -> list[TypedShape]:
    """(Skip)(Simplified)LayerNormalization: output, mean, inv_std_var, input + skip (+ bias) sum."""
    x = v.shape(v.input(0, "input"), "input")
    elem = types.get(v.node.input[0], TensorProto.FLOAT)
    stats = (TensorProto.FLOAT, x[:-1] + (1,))
    if v.node.op_type == "SimplifiedLayerNormalization":
        return [(elem, x), stats]
    return [(elem, x), stats, stats, (elem, x)]


def _gather_block_quantized_shape(v: NodeView, types: dict[str, int]) -> list[TypedShape]:
    """GatherBlockQuantized(data, indices, scales, zero_points): rows of a block-quantized table,
    dequantized to the scales' type; uint8 data packs 8 / bits values per byte along the last axis."""
    data, idx = v.shape(v.input(0, "data"), "data"), v.shape(v.input(1, "indices"), "indices")
    axis = int(v.attr("gather_axis", 0)) % len(data)
    out = list(data[:axis] + idx + data[axis + 1:])
    bits = int(v.attr("bits", 4))
    if types.get(v.node.input[0]) == TensorProto.UINT8 and bits < 8:
        out[-1] *= 8 // bits
    return [(types.get(v.node.input[2], TensorProto.FLOAT), tuple(out))]


SHAPE_RULES: dict[str, ShapeRule] = {
    **{op: _same_as_input(None) for op in QONNX_OPS},
    "QLinearAdd": _qlinear_binary,
    "QLinearMul": _qlinear_binary,
    "QLinearConcat": _qlinear_concat,
    "QLinearGlobalAveragePool": _qlinear_global_pool,
    "QLinearAveragePool": _qlinear_avg_pool,
    "QLinearSigmoid": _same_as_input(4),
    "QLinearLeakyRelu": _same_as_input(4),
    "QLinearSoftmax": _same_as_input(4),
    "QGemm": _qgemm,
    "MatMulNBits": _matmul_nbits_shape,
    "GroupQueryAttention": _attention_shape,
    "MultiHeadAttention": _attention_shape,
    "RotaryEmbedding": _same_as_input(None),
    **{op: _same_as_input(None) for op in ("Gelu", "FastGelu", "QuickGelu", "BiasGelu")},  # com.microsoft
    "SkipLayerNormalization": _norm_shape,
    "SkipSimplifiedLayerNormalization": _norm_shape,
    "SimplifiedLayerNormalization": _norm_shape,
    "GatherBlockQuantized": _gather_block_quantized_shape,
}
