"""Layer graphs from ONNX files: float, QDQ, QOperator and QONNX models, with per-layer bit widths.

Pipeline: read the file (external data confined to the model's folder) -> check that every
tensor a node reads is produced somewhere -> check QDQ zero-point types -> bind the symbolic
batch dimension of the graph inputs -> ONNX shape inference, completed by our own rules for the
QONNX and com.microsoft ops it does not know -> one Layer per node.

What becomes a layer:

* compute ops (``onnx_ops.COMPUTE_PARSERS``) -> conv / dwconv / convtranspose / matmul / gemm with
  loop bounds, and bit widths from ``onnx_quant`` (weights: the quantizer feeding the weight input;
  activations: the one feeding the data input; outputs: the requantizer after the layer, seen
  through unary activations and reshapes, else the output's element type);
* every other node that touches activation data -> a non-compute layer (op = ONNX op type in
  lower case) with the elements it reads and writes; ops not in ``onnx_ops.NON_COMPUTE_OPS`` are
  kept the same way with an ``UnsupportedOpWarning``;
* not layers: nodes that only compute constants (weight quantizers, shape arithmetic,
  Constant), and quantizers on activations (QuantizeLinear, DequantizeLinear,
  DynamicQuantizeLinear, QONNX Quant/BipolarQuant/Trunc/FloatQuant), whose effect is the bit
  width of their neighbours; graph edges pass through them.

Errors (``WorkloadError``, one line naming the file and node): unreadable or non-ONNX file, a
tensor that no node produces (truncated/corrupt graph), external data outside the model's folder,
symbolic dimensions other than the batch, shape-inference conflicts, a (transposed) convolution
whose weight is not constant (MatMul/Gemm may multiply two activations), inconsistent operand
shapes, a non-integer QDQ zero point, and an op that lies on a compute path but cannot be mapped:
an op in ``onnx_ops.UNSUPPORTED_COMPUTE_OPS`` (RNNs, Einsum, fused contrib ops) or an unknown op
fed by a constant tensor with at least two dimensions > 1 (a weight).
"""

from __future__ import annotations

import math
import os
import re
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path, PureWindowsPath

import onnx
from google.protobuf.message import DecodeError
from onnx import ModelProto, NodeProto, TensorProto, helper, shape_inference
from onnx.external_data_helper import uses_external_data

from workloads.layer import Layer, LayerGraph, WorkloadError
from workloads.onnx_ops import (
    COMPUTE_PARSERS,
    NON_COMPUTE_OPS,
    QOPERATOR_OPS,
    SHAPE_RULES,
    UNARY_OPS,
    VALUE_PRESERVING_OPS,
    UNSUPPORTED_COMPUTE_OPS,
    NodeView,
    Shape,
)
from workloads.onnx_quant import (
    QDQ_OPS,
    check_zero_point,
    clip_bounds,
    dtype_bits,
    dtype_name,
    granularity,
    is_qonnx,
    is_quantizer,
    qonnx_bits,
)

# com.microsoft attention ops -> index of their past_key input (past_value follows it).
ATTENTION_OPS = {"GroupQueryAttention": 3, "MultiHeadAttention": 6}
# com.microsoft ops whose weights are stored block-quantized (their attributes give the width).
BLOCK_QUANTIZED_OPS = frozenset({"MatMulNBits", "GatherBlockQuantized"})

# External tensors up to this many bytes are read (they may hold shapes or bit widths); larger
# ones are weights, of which only dims and type are needed.
SMALL_EXTERNAL_BYTES = 1 << 16


class UnsupportedOpWarning(UserWarning):
    """An op the importer does not know, kept in the graph as data movement."""


def load(path: str | os.PathLike, batch: int = 1, seq_len: int | None = None,
         kv_len: int | None = None) -> LayerGraph:
    """Read an ONNX model into a LayerGraph named after the file stem, with batch size ``batch``;
    a decoder's symbolic sequence dimensions are bound to ``seq_len`` new and ``kv_len`` cached tokens."""
    path = Path(path)
    if not isinstance(batch, int) or batch < 1:
        raise WorkloadError(f"{path}: batch must be a positive integer, got {batch!r}")
    for key, value in (("seq_len", seq_len), ("kv_len", kv_len)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise WorkloadError(f"{path}: {key} must be a positive integer, got {value!r}")
    model = _read_model(path)
    where = str(path)
    graph = model.graph
    names = _node_names(graph.node)
    consts = _constants(graph)
    _check_dangling(graph, names, where)
    types = _declared_types(graph, consts)
    for node, name in zip(graph.node, names):
        if node.op_type in QDQ_OPS and len(node.input) > 2 and node.input[2]:
            check_zero_point(node, name, types.get(node.input[2]), where)
    _bind_batch(graph, batch, where, seq_len, kv_len)
    shapes, types = _infer(model, names, consts, where)
    return _build(path.stem, model, names, consts, shapes, types, where)


# --- reading ----------------------------------------------------------------------------------------


def _read_model(path: Path) -> ModelProto:
    if not path.is_file():
        raise WorkloadError(f"{path}: no such file")
    try:
        model = onnx.load_model_from_string(path.read_bytes())
    except (DecodeError, ValueError, RuntimeError) as exc:
        raise WorkloadError(f"{path}: not a readable ONNX model (truncated or not ONNX: {exc})") from None
    if model.ir_version < 1 or not model.graph.node:
        raise WorkloadError(f"{path}: not an ONNX model (no IR version or no graph nodes)")
    _load_external_data(model, path)
    return model


def _external_location(tensor: TensorProto, where: str) -> tuple[str, int, int]:
    info = {e.key: e.value for e in tensor.external_data}
    try:
        offset, length = int(info.get("offset") or 0), int(info.get("length") or -1)
    except ValueError:
        raise WorkloadError(f"{where}: external data offset/length are not integers: {info}") from None
    return info.get("location", ""), offset, length


def _external_tensors(model: ModelProto):
    """Initializers, and tensors held by Constant nodes (which we refuse to read from outside)."""
    yield from ((t, "initializer") for t in model.graph.initializer)
    for node in model.graph.node:
        for attr in node.attribute:
            if attr.type == onnx.AttributeProto.TENSOR:
                yield attr.t, f"node {node.name!r} attribute"


def _load_external_data(model: ModelProto, path: Path) -> None:
    """Check every external tensor's file lies inside the model's folder; read the small ones inline."""
    base = path.parent.resolve()
    for tensor, kind in _external_tensors(model):
        if not uses_external_data(tensor):
            continue
        where = f"{path}: {kind} {tensor.name!r}"
        if kind != "initializer":
            raise WorkloadError(f"{where}: external data is only supported for initializers")
        location, offset, length = _external_location(tensor, where)
        if not location:
            raise WorkloadError(f"{where}: external data has no location")
        if "\0" in location:
            raise WorkloadError(f"{where}: external data location {location!r} contains a NUL byte; "
                                "expected a file name next to the model")
        win = PureWindowsPath(location)
        if os.path.isabs(location) or win.is_absolute() or win.drive:
            raise WorkloadError(
                f"{where}: external data location {location!r} is absolute; "
                "it must be a path relative to the model's folder"
            )
        target = (base / location).resolve()  # resolves '..' and symlinks before the check
        if not target.is_relative_to(base):
            raise WorkloadError(
                f"{where}: external data location {location!r} escapes the model's folder {base}"
            )
        if not target.is_file():
            raise WorkloadError(f"{where}: external data file {location!r} not found next to the model")
        size = target.stat().st_size
        nbytes = length if length >= 0 else size - offset
        if offset < 0 or offset + nbytes > size:
            raise WorkloadError(
                f"{where}: external data range {offset}+{nbytes} exceeds {location!r} ({size} bytes)"
            )
        if nbytes <= SMALL_EXTERNAL_BYTES:
            with open(target, "rb") as f:
                f.seek(offset)
                tensor.raw_data = f.read(nbytes)
            tensor.data_location = TensorProto.DEFAULT  # now inline: nothing reads the file again
            del tensor.external_data[:]


# --- graph facts --------------------------------------------------------------------------------------


def _node_names(nodes) -> list[str]:
    """ONNX node names, made unique; unnamed nodes get ``<OpType>_<index>``."""
    out: list[str] = []
    seen: set[str] = set()
    for i, node in enumerate(nodes):
        base = node.name or f"{node.op_type}_{i}"
        name, j = base, 1
        while name in seen:
            name, j = f"{base}_{j}", j + 1
        seen.add(name)
        out.append(name)
    return out


def _constant_value(node: NodeProto) -> TensorProto | None:
    for a in node.attribute:
        if a.name == "value":
            return a.t
        if a.name in ("value_float", "value_floats", "value_int", "value_ints"):
            value = helper.get_attribute_value(a)
            dtype = TensorProto.FLOAT if "float" in a.name else TensorProto.INT64
            dims = [len(value)] if isinstance(value, list) else []
            return helper.make_tensor(
                node.output[0], dtype, dims, value if isinstance(value, list) else [value]
            )
    return None


def _constants(graph) -> dict[str, TensorProto]:
    consts = {t.name: t for t in graph.initializer}
    for node in graph.node:
        if node.op_type == "Constant" and node.domain in ("", "ai.onnx"):
            value = _constant_value(node)
            if value is not None:
                consts[node.output[0]] = value
    return consts


def _check_dangling(graph, names: list[str], where: str) -> None:
    known = {i.name for i in graph.input} | {t.name for t in graph.initializer} | {""}
    for node, name in zip(graph.node, names):
        for t in node.input:
            if t not in known:
                raise WorkloadError(
                    f"{where}: node {name!r} ({node.op_type}): input {t!r} is not produced by any earlier "
                    "node, initializer or graph input (truncated or corrupt model?)"
                )
        known.update(node.output)
    for out in graph.output:
        if out.name not in known:
            raise WorkloadError(f"{where}: graph output {out.name!r} is not produced by any node")


def _declared_types(graph, consts: dict[str, TensorProto]) -> dict[str, int]:
    types = {v.name: v.type.tensor_type.elem_type for v in (*graph.input, *graph.value_info, *graph.output)}
    types.update({name: t.data_type for name, t in consts.items()})
    return types


# Symbolic dimension names of decoder exports (onnxruntime-genai's model builder, optimum, our tests)
# bound to the workload's sequence parameters: new tokens, tokens already cached, and their sum.
SEQ_DIMS = frozenset({"sequence_length", "seq_len", "sequence", "seq"})
PAST_DIMS = frozenset({"past_sequence_length", "past_seq_len", "past_sequence", "kv_len", "past_len"})
TOTAL_DIMS = frozenset({"total_sequence_length", "total_seq_len", "total_sequence"})


def _bind_batch(graph, batch: int, where: str, seq_len: int | None = None, kv_len: int | None = None) -> None:
    """Bind the batch: dim 0 of each graph input when symbolic, and every dim sharing its name; and,
    for decoders, the sequence dimensions named in SEQ_DIMS / PAST_DIMS / TOTAL_DIMS to ``seq_len``,
    ``kv_len`` and their sum.

    Any other symbolic dimension is an error, since the layer sizes would be unknown.
    """
    init_names = {t.name for t in graph.initializer}
    inputs = [i for i in graph.input if i.name not in init_names and i.type.HasField("tensor_type")]
    for inp in inputs:
        if not inp.type.tensor_type.HasField("shape"):
            raise WorkloadError(f"{where}: graph input {inp.name!r} has no shape")
    batch_names = {
        dims[0].dim_param
        for dims in (i.type.tensor_type.shape.dim for i in inputs)
        if dims and dims[0].dim_param and dims[0].dim_param not in SEQ_DIMS | PAST_DIMS | TOTAL_DIMS
    }
    named: dict[str, int] = {n: batch for n in batch_names}
    if seq_len is not None:
        named.update((n, seq_len) for n in SEQ_DIMS)
        named.update((n, seq_len + (kv_len or 0)) for n in TOTAL_DIMS)
    if kv_len is not None:
        named.update((n, kv_len) for n in PAST_DIMS)
    open_dims = [(inp.name, i) for inp in inputs for i, d in enumerate(inp.type.tensor_type.shape.dim)
                 if not (d.HasField("dim_value") and d.dim_value > 0)]
    if batch != 1 and not open_dims:
        raise WorkloadError(
            f"{where}: batch {batch} requested, but every graph input has a fixed shape, so there is no "
            "batch dimension to bind; export the model with a symbolic batch dimension, or leave batch at 1 "
            "to use its own shapes"
        )
    for inp in inputs:
        for i, d in enumerate(inp.type.tensor_type.shape.dim):
            if d.HasField("dim_value") and d.dim_value > 0:
                continue
            if d.dim_param in named:
                value = named[d.dim_param]
            elif i == 0 and not d.dim_param:
                value = batch
            else:
                decoder = d.dim_param in SEQ_DIMS | PAST_DIMS | TOTAL_DIMS
                raise WorkloadError(
                    f"{where}: graph input {inp.name!r} dimension {i} is symbolic ({d.dim_param or '?'}); "
                    + ("a decoder's sequence dimensions need seq_len and kv_len (dse inspect --seq-len N "
                       "--kv-len M)" if decoder else
                       "only the batch dimension (dim 0, or a dim with the same name) may be left open")
                )
            d.dim_value = value
    for vi in (*graph.output, *graph.value_info):
        for d in vi.type.tensor_type.shape.dim:
            if d.HasField("dim_param") and d.dim_param in named:
                d.dim_value = named[d.dim_param]


# --- shapes -----------------------------------------------------------------------------------------


def _collect(
    model: ModelProto, consts: dict[str, TensorProto]
) -> tuple[dict[str, Shape | None], dict[str, int]]:
    """Shapes (None when not fully known) and element types: declared or inferred, then constants."""
    shapes: dict[str, Shape | None] = {}
    types: dict[str, int] = {}
    g = model.graph
    for vi in (*g.input, *g.value_info, *g.output):
        tt = vi.type.tensor_type
        if tt.elem_type:
            types[vi.name] = tt.elem_type
        if tt.HasField("shape"):
            dims = tuple(d.dim_value if d.HasField("dim_value") else -1 for d in tt.shape.dim)
            shapes[vi.name] = None if -1 in dims else dims
    for name, t in consts.items():
        shapes[name] = tuple(t.dims)
        types[name] = t.data_type
    return shapes, types


def _infer(
    model: ModelProto, names: list[str], consts: dict[str, TensorProto], where: str
) -> tuple[dict[str, Shape | None], dict[str, int]]:
    """ONNX shape inference (strict, with data propagation), then one pass in node order for what
    it could not reach: our rules for the ops it does not know (QONNX, com.microsoft) and ONNX's own
    per-node inference for standard ops behind them. Linear in the graph size.

    (Re-running whole-model inference until no rule adds an output, as this function used to, costs
    one full inference per custom op on a chain: quadratic, 6 minutes for a 10,000-node graph.)
    A further whole-model round runs only while the pass leaves outputs unknown that it can still
    reach (shapes computed by Shape/Gather arithmetic downstream of a custom op need ONNX's data
    propagation); each round must add outputs, so there are at most a few.
    """
    work = model
    for _ in range(len(model.graph.node) + 1):
        try:
            work = shape_inference.infer_shapes(work, check_type=True, strict_mode=True, data_prop=True)
        except (onnx.shape_inference.InferenceError, onnx.checker.ValidationError, RuntimeError) as exc:
            raise WorkloadError(_inference_message(where, str(exc))) from None
        shapes, types = _collect(work, consts)
        value_types = {n: helper.make_tensor_type_proto(t.data_type, list(t.dims)) for n, t in consts.items()}
        g = work.graph
        value_types.update((vi.name, vi.type) for vi in (*g.input, *g.value_info, *g.output)
                           if vi.type.tensor_type.HasField("shape"))
        opsets = list(work.opset_import)
        added, pending = [], 0
        for node, name in zip(work.graph.node, names):
            outs = [t for t in node.output if t]
            if not outs or all(shapes.get(t) is not None for t in outs):
                continue
            if any(t and shapes.get(t) is None for t in node.input):
                pending += 1
                continue
            new = _infer_node(node, name, where, shapes, types, value_types, consts, opsets)
            for out, (elem_type, dims) in new.items():
                if dims is None or shapes.get(out) is not None:
                    continue
                shapes[out], types[out] = dims, elem_type
                value_types[out] = helper.make_tensor_type_proto(elem_type, list(dims))
                added.append(helper.make_tensor_value_info(out, elem_type, list(dims)))
            if any(shapes.get(t) is None for t in outs):
                pending += 1  # e.g. a Reshape whose target shape needs ONNX's data propagation
        if not added or not pending:
            return shapes, types
        work.graph.value_info.extend(added)
    return _collect(work, consts)


def _infer_node(node: NodeProto, name: str, where: str, shapes, types, value_types, consts, opsets):
    """Output (element type, shape) of one node whose inputs are known: our rule, or ONNX's schema."""
    rule = SHAPE_RULES.get(node.op_type)
    if any(a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS) for a in node.attribute):
        return {}  # If / Loop / Scan: their bodies need whole-model inference (the next round)
    if node.domain not in ("", "ai.onnx"):
        if rule is None:
            return {}
        view = NodeView(node, name, where, shapes, frozenset())
        return {out: (elem, tuple(dims)) for out, (elem, dims) in zip(node.output, rule(view, types)) if out}
    try:
        opset = max(o.version for o in opsets if o.domain in ("", "ai.onnx"))
        schema = onnx.defs.get_schema(node.op_type, opset)
        inferred = shape_inference.infer_node_outputs(
            schema, node, {t: value_types[t] for t in node.input if t in value_types},
            {t: consts[t] for t in node.input if t in consts}, opset_imports=opsets)
    except onnx.defs.SchemaError:  # an onnxruntime op in the ONNX domain (SimplifiedLayerNormalization)
        if rule is None:
            return {}
        view = NodeView(node, name, where, shapes, frozenset())
        return {out: (elem, tuple(dims)) for out, (elem, dims) in zip(node.output, rule(view, types)) if out}
    except (onnx.shape_inference.InferenceError, RuntimeError) as exc:
        detail = re.sub(r"\[(Shape|Type)InferenceError\] ", "", " ".join(str(exc).split()))
        raise WorkloadError(
            f"{where}: node {name!r} ({node.op_type}): inconsistent shapes or types: {detail}"
        ) from None
    out = {}
    for t, tp in inferred.items():
        tt = tp.tensor_type
        dims = tuple(d.dim_value if d.HasField("dim_value") else -1 for d in tt.shape.dim)
        out[t] = (tt.elem_type, dims if tt.HasField("shape") and -1 not in dims else None)
    return out


def _inference_message(where: str, text: str) -> str:
    """One line naming the file and, when ONNX says which, the node that failed shape inference."""
    text = " ".join(text.split())
    found = re.search(r"\(op_type:([^,]+), node name: ([^)]*)\): (.*)", text)
    if found:
        op, node, detail = found.groups()
        detail = detail.replace("[ShapeInferenceError] ", "").replace("[TypeInferenceError] ", "")
        return f"{where}: node {node!r} ({op}): inconsistent shapes or types: {detail}"
    return f"{where}: inconsistent shapes or types (ONNX shape inference): {text}"


# --- layers -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Precision:
    bits: int
    dtype: str
    scheme: str  # float | integer | qdq | qonnx
    granularity: str = "per-tensor"


@dataclass(frozen=True)
class _Ctx:
    where: str
    nodes: tuple[NodeProto, ...]
    names: tuple[str, ...]
    consts: dict[str, TensorProto]
    shapes: dict[str, Shape | None]
    types: dict[str, int]
    static: frozenset[str]
    producer: dict[str, int]
    consumers: dict[str, tuple[int, ...]]
    quantizes_weights: bool = False  # any weight quantizer: a float weight is then a width nobody states
    quantizes_activations: bool = False  # the same for activations
    memo: dict[str, Precision] = field(default_factory=dict)  # precision() per tensor
    requant: dict[str, Precision | None] = field(default_factory=dict)  # _requantizer() per tensor
    unstated: list[str] = field(default_factory=list)  # compute operands whose bits no quantizer states
    kv_writes: dict[str, str] = field(default_factory=dict)  # K/V projection output -> the cache it fills

    def numel(self, tensor: str) -> int:
        dims = self.shapes.get(tensor)
        return math.prod(dims) if dims is not None else 0

    def type_precision(self, tensor: str) -> Precision:
        elem = self.types.get(tensor, 0)
        bits = dtype_bits(elem)
        if bits is None:
            raise WorkloadError(
                f"{self.where}: tensor {tensor!r} has element type {dtype_name(elem)}, which has no bit width"
            )
        floating = elem in (TensorProto.FLOAT, TensorProto.DOUBLE, TensorProto.FLOAT16, TensorProto.BFLOAT16)
        return Precision(bits, dtype_name(elem), "float" if floating else "integer")

    def precision(self, tensor: str) -> Precision:
        """Bit width of a tensor as read by its consumer: the quantizer that produced it, seen through
        ops that pass values unchanged (``VALUE_PRESERVING_OPS``), else its element type. Memoized and
        iterative, so a long chain of such ops costs one walk in all."""
        chain: list[str] = []
        t = tensor
        while t not in self.memo:
            idx = self.producer.get(t)
            node = self.nodes[idx] if idx is not None else None
            if (node is not None and node.op_type in VALUE_PRESERVING_OPS and node.op_type != "Concat"
                    and node.domain in ("", "ai.onnx") and node.input[0] not in self.consts):
                chain.append(t)
                t = node.input[0]
                continue
            self.memo[t] = self._own_precision(t, idx)
        for c in chain:
            self.memo[c] = self.memo[t]
        return self.memo[t]

    def _own_precision(self, tensor: str, idx: int | None) -> Precision:
        if idx is None:
            return self.type_precision(tensor)
        node, name = self.nodes[idx], self.names[idx]
        if node.op_type == "DequantizeLinear" and is_quantizer(node):
            p = self.integer_precision(node.input[0])
            return Precision(p.bits, p.dtype, "qdq", granularity(node, self.consts, self.shapes))
        if is_qonnx(node):
            bits = qonnx_bits(node, name, self.consts, self.where)
            return Precision(
                bits, f"{node.op_type.lower()}{bits}", "qonnx", granularity(node, self.consts, self.shapes)
            )
        if node.op_type == "Concat" and node.domain in ("", "ai.onnx"):
            parts = [self.precision(t) for t in node.input if t and t not in self.consts]
            widest = max(parts, key=lambda p: p.bits) if parts else self.type_precision(tensor)
            if len({p.bits for p in parts}) > 1:
                warnings.warn(
                    f"{self.where}: node {name!r} (Concat): inputs at {sorted({p.bits for p in parts})} "
                    "bits; "
                    f"its output is counted at the widest, {widest.bits}",
                    PrecisionWarning,
                    stacklevel=4,
                )
            return widest
        return self.type_precision(tensor)

    def integer_precision(self, tensor: str) -> Precision:
        """Width of a quantized integer tensor: its type, narrowed by a Clip with constant bounds next to it
        (brevitas QCDQ: QuantizeLinear -> Clip -> DequantizeLinear keeps int8 containers for 2..7-bit
        values): ceil(log2(hi - lo + 1)) bits, signed when lo < 0."""
        idx = self.producer.get(tensor)
        clips = [idx] if idx is not None and self.nodes[idx].op_type == "Clip" else []
        clips += [i for i in self.consumers.get(tensor, ()) if self.nodes[i].op_type == "Clip"]
        p = self.type_precision(tensor)
        for i in clips:
            bounds = clip_bounds(self.nodes[i], self.consts)
            if bounds is not None:
                lo, hi = bounds
                bits = max(1, math.ceil(math.log2(hi - lo + 1)))
                if bits < p.bits:
                    return Precision(bits, f"{'int' if lo < 0 else 'uint'}{bits}", p.scheme, p.granularity)
        return p

    def output_precision(self, tensor: str) -> Precision:
        """Bit width a layer's output is stored at: the first requantizer downstream (seen through unary
        and value-preserving ops), else its type."""
        found = self._requantizer(tensor)
        return found if found is not None else self.type_precision(tensor)

    def _requantizer(self, tensor: str) -> Precision | None:
        """Memoized per tensor; consumers come later in the (topologically sorted) node list, so the
        walk down a chain fills the memo from its far end and each tensor is visited once."""
        stack = [tensor]
        while stack:
            t = stack[-1]
            if t in self.requant:
                stack.pop()
                continue
            found, missing = None, []
            for idx in self.consumers.get(t, ()):
                node = self.nodes[idx]
                if node.op_type in ("QuantizeLinear", "DynamicQuantizeLinear") and is_quantizer(node):
                    found = self.integer_precision(node.output[0])
                    break
                if is_qonnx(node):
                    bits = qonnx_bits(node, self.names[idx], self.consts, self.where)
                    found = Precision(bits, f"{node.op_type.lower()}{bits}", "qonnx")
                    break
                if node.op_type in UNARY_OPS and node.output[0]:
                    out = node.output[0]
                    if out not in self.requant:
                        missing.append(out)
                    elif found is None and self.requant[out] is not None:
                        found = self.requant[out]
            if found is None and missing:
                stack.extend(missing)
                continue
            self.requant[t] = found
            stack.pop()
        return self.requant[tensor]


class PrecisionWarning(UserWarning):
    """A tensor whose bit width the model does not state (it is counted at the width named)."""


def _static_tensors(graph, consts: dict[str, TensorProto]) -> frozenset[str]:
    """Tensors known before run time: constants, shapes, and what is computed from them only.

    DynamicQuantizeLinear's scale and zero point are run-time values but tiny quantization
    parameters, not activation data, so they count as static too.
    """
    static = set(consts)
    for node in graph.node:
        if node.op_type in ("Shape", "Size") or all(t in static for t in node.input if t):
            static.update(node.output)
        elif node.op_type == "DynamicQuantizeLinear":
            static.update(node.output[1:])
    return frozenset(static)


def _kv_writes(nodes, producer: dict[str, int]) -> dict[str, str]:
    """For each attention op, the tensors its key and value inputs come from (through RotaryEmbedding
    and value-preserving ops), mapped to the past-cache input they are appended to (or themselves)."""
    out: dict[str, str] = {}
    for node in nodes:
        if node.op_type not in ATTENTION_OPS:
            continue
        first_past = ATTENTION_OPS[node.op_type]
        for i in (1, 2):
            t = node.input[i] if i < len(node.input) else ""
            past = node.input[first_past + i - 1] if first_past + i - 1 < len(node.input) else ""
            cache = past or t
            while t in producer and nodes[producer[t]].op_type in VALUE_PRESERVING_OPS | {"RotaryEmbedding"}:
                t = nodes[producer[t]].input[0]
            if t:
                out[t] = cache
    return out


def _context(model: ModelProto, names: list[str], consts, shapes, types, where: str) -> _Ctx:
    graph = model.graph
    static = _static_tensors(graph, consts)
    producer: dict[str, int] = {}
    consumers: dict[str, list[int]] = {}
    for i, node in enumerate(graph.node):
        for t in node.output:
            producer[t] = i
        for t in node.input:
            consumers.setdefault(t, []).append(i)
    return _Ctx(
        where,
        tuple(graph.node),
        tuple(names),
        consts,
        shapes,
        types,
        static,
        producer,
        {k: tuple(v) for k, v in consumers.items()},
        **_quantizes(graph.node, static),
        kv_writes=_kv_writes(graph.node, producer),
    )


def _quantizes(nodes, static: frozenset[str]) -> dict[str, bool]:
    """Whether the model quantizes weights / activations anywhere: a float operand of that role is then
    a width no quantizer states (warned about); in a float or weight-only model it is the format."""
    weights = activations = False
    for n in nodes:
        if is_quantizer(n):
            if n.input[0] in static:
                weights = True
            else:
                activations = True
        elif n.op_type in QOPERATOR_OPS:
            weights = activations = True
        elif n.op_type in BLOCK_QUANTIZED_OPS:
            weights = True
    return {"quantizes_weights": weights, "quantizes_activations": activations}


def _fmt(dims: Shape | None) -> str:
    return "x".join(map(str, dims)) if dims is not None else "?"


def _compute_layers(ctx: _Ctx, idx: int) -> list[Layer]:
    """The layer(s) of one compute node: one, or a chain (attention: scores, then context)."""
    node, name = ctx.nodes[idx], ctx.names[idx]
    view = NodeView(node, name, ctx.where, ctx.shapes, ctx.static)
    specs = COMPUTE_PARSERS[node.op_type](view)
    return [_compute_layer(ctx, node, name, spec) for spec in (specs if isinstance(specs, list) else [specs])]


def _compute_layer(ctx: _Ctx, node: NodeProto, name: str, spec) -> Layer:
    if spec.weight_format is not None:  # the op states its weight format (MatMulNBits)
        bits, dtype, gran = spec.weight_format
        w = Precision(bits, dtype, "blockwise", gran)
    else:
        w = ctx.precision(spec.weight)
    a, o = ctx.precision(spec.data), ctx.output_precision(node.output[0])
    cache = ctx.kv_writes.get(node.output[0])
    if cache is not None:  # a K or V projection: its output is stored in the cache, at the cache's width
        o = ctx.precision(cache) if cache in ctx.types else o
        spec = replace(spec, notes=(*spec.notes, ("kv_cache", "write")))
    w_stated = ctx.quantizes_weights if spec.weight_is_constant else ctx.quantizes_activations
    for role, tensor, p, stated in (("weight", spec.weight, w, w_stated),
                                    ("activation", spec.data, a, ctx.quantizes_activations)):
        if stated and p.scheme == "float":
            ctx.unstated.append(f"node {name + spec.suffix!r} ({node.op_type}) {role} {tensor!r} "
                                f"({p.dtype}, {p.bits} bits)")
    if node.op_type in QOPERATOR_OPS:
        fmt = "qoperator"
    elif "qonnx" in (w.scheme, a.scheme):
        fmt = "qonnx"
    elif "qdq" in (w.scheme, a.scheme):
        fmt = "qdq"
    else:
        fmt = w.scheme
    quantized = ("qdq", "qonnx", "blockwise")
    attrs = (
        ("onnx_op", node.op_type),
        ("format", fmt),
        ("input_shape", _fmt(ctx.shapes.get(spec.data))),
        ("weight_shape", _fmt(ctx.shapes.get(spec.weight))),
        ("output_shape", _fmt(ctx.shapes.get(node.output[0]))),
        ("a_dtype", a.dtype),
        ("w_dtype", w.dtype),
        ("o_dtype", o.dtype),
        ("a_quant", a.granularity if a.scheme in quantized else a.scheme),
        ("w_quant", w.granularity if w.scheme in quantized else w.scheme),
        ("weight_is_constant", str(spec.weight_is_constant).lower()),
        *spec.notes,
    )
    return Layer(
        name=name + spec.suffix,
        op=spec.op,
        w_bits=w.bits,
        a_bits=a.bits,
        o_bits=o.bits,
        out_elems=spec.out_elems,
        attrs=attrs,
        **spec.bounds,
    )


def _check_compute_path(ctx: _Ctx, idx: int) -> None:
    node, name = ctx.nodes[idx], ctx.names[idx]
    if node.op_type in UNSUPPORTED_COMPUTE_OPS:
        raise WorkloadError(
            f"{ctx.where}: node {name!r} ({node.op_type}): unsupported compute op "
            "(cannot be mapped to a conv/matmul loop nest)"
        )
    if node.op_type in NON_COMPUTE_OPS:
        return
    for t in node.input:
        dims = ctx.shapes.get(t)
        if t in ctx.static and dims is not None and sum(d > 1 for d in dims) >= 2:
            raise WorkloadError(
                f"{ctx.where}: node {name!r} ({node.op_type}): unsupported op with a constant weight-like "
                f"input {t!r} of shape {list(dims)}: it lies on a compute path and cannot be mapped"
            )


def _data_layer(ctx: _Ctx, idx: int, data_inputs: list[str]) -> Layer:
    node, name = ctx.nodes[idx], ctx.names[idx]
    _check_compute_path(ctx, idx)
    outputs = [t for t in node.output if t]
    in_elems = sum(ctx.numel(t) for t in data_inputs)
    out_elems = sum(ctx.numel(t) for t in outputs)
    if node.op_type not in NON_COMPUTE_OPS:
        warnings.warn(
            f"{ctx.where}: node {name!r} ({node.domain + '.' if node.domain else ''}{node.op_type}): "
            f"unsupported op, kept as data movement ({in_elems} elements in, {out_elems} out)",
            UnsupportedOpWarning,
            stacklevel=3,
        )
    if not ctx.types.get(data_inputs[0]):  # behind an unknown op without value_info
        warnings.warn(
            f"{ctx.where}: node {name!r} ({node.op_type}): bit width of input {data_inputs[0]!r} unknown (it "
            "comes from an op without type information); counted at 32 bits",
            PrecisionWarning,
            stacklevel=3,
        )
        return Layer(
            name=name,
            op=node.op_type.lower(),
            in_elems=in_elems,
            out_elems=out_elems,
            w_bits=32,
            a_bits=32,
            o_bits=32,
            attrs=(("onnx_op", node.op_type), ("a_dtype", "unknown")),
        )
    a = ctx.precision(data_inputs[0])
    if node.op_type == "GatherBlockQuantized":  # it reads rows of a block-quantized table, not its indices
        bits = int(next((x.i for x in node.attribute if x.name == "bits"), 0)) or dtype_bits(
            ctx.types.get(node.input[0], 0)) or 4
        block = next((x.i for x in node.attribute if x.name == "block_size"), 0)
        a = Precision(bits, f"int{bits}", "blockwise", f"block({block})")
    # A reshape keeps its input's precision unless a requantizer follows it.
    o = ctx.output_precision(outputs[0]) if ctx.types.get(outputs[0]) else a
    if node.op_type in VALUE_PRESERVING_OPS and o.scheme == "float":
        o = a
    attrs = (
        ("onnx_op", node.op_type),
        ("input_shape", _fmt(ctx.shapes.get(data_inputs[0]))),
        ("output_shape", _fmt(ctx.shapes.get(outputs[0]))),
        ("a_dtype", a.dtype),
        ("o_dtype", o.dtype),
    )
    return Layer(
        name=name,
        op=node.op_type.lower(),
        w_bits=a.bits,
        a_bits=a.bits,
        o_bits=o.bits,
        in_elems=in_elems,
        out_elems=out_elems,
        attrs=attrs,
    )


def _build(stem: str, model: ModelProto, names, consts, shapes, types, where: str) -> LayerGraph:
    ctx = _context(model, names, consts, shapes, types, where)
    layers: list[Layer] = []
    sources: dict[str, frozenset[str]] = {}  # activation tensor -> layers whose output it carries
    edges: set[tuple[str, str]] = set()
    for idx, node in enumerate(ctx.nodes):
        data_inputs = [t for t in node.input if t and t not in ctx.static]
        if not data_inputs or all(t in ctx.static for t in node.output if t):
            continue  # constant-only computation (weights, shapes)
        if is_quantizer(node):  # folded: its effect is the neighbours' bit widths
            for t in node.output[:1]:
                sources[t] = sources.get(node.input[0], frozenset())
            continue
        if node.op_type in COMPUTE_PARSERS:
            chain = _compute_layers(ctx, idx)
        else:
            chain = [_data_layer(ctx, idx, data_inputs)]
        layers.extend(chain)
        for t in data_inputs:
            edges.update((src, chain[0].name) for src in sources.get(t, ()))
        edges.update((a.name, b.name) for a, b in zip(chain, chain[1:]))
        layer = chain[-1]
        for t in node.output:
            if t and t not in ctx.static:
                sources[t] = frozenset({layer.name})
    if ctx.unstated:
        shown = "; ".join(ctx.unstated[:3]) + ("; ..." if len(ctx.unstated) > 3 else "")
        warnings.warn(
            f"{where}: {len(ctx.unstated)} compute operand(s) of this quantized model have bits no quantizer "
            f"states, counted at their storage width: {shown}",
            PrecisionWarning,
            stacklevel=2,
        )
    if not any(layer.is_compute for layer in layers):
        warnings.warn(
            f"{where}: the model has no compute layers (Conv/MatMul/Gemm/...)",
            UnsupportedOpWarning,
            stacklevel=2,
        )
    return LayerGraph.from_layers(stem, layers, sorted(edges))
