"""Small ONNX models written with onnx.helper for the importer tests (nothing is downloaded).

Each builder writes a model file and returns its path. Quantized variants come from
onnxruntime.quantization (QDQ, QOperator, dynamic) or, for int4 QDQ and QONNX, are written node
by node the way the exporters write them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

QONNX_DOMAIN = "qonnx.custom_op.general"


class Net:
    """Accumulates nodes and initializers; names nodes after their outputs unless told otherwise."""

    def __init__(self, seed: int = 0) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[TensorProto] = []
        self.rng = np.random.default_rng(seed)

    def init(self, name: str, value: np.ndarray | list, dtype=np.float32) -> str:
        self.inits.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    def weight(self, name: str, shape: tuple[int, ...], zeros: bool = False) -> str:
        value = (
            np.zeros(shape, np.float32)
            if zeros
            else (self.rng.standard_normal(shape) * 0.1).astype(np.float32)
        )
        return self.init(name, value)

    def op(
        self, op_type: str, inputs: list[str], name: str, n_out: int = 1, domain: str = "", **attrs
    ) -> str:
        outputs = [name] if n_out == 1 else [f"{name}:{i}" for i in range(n_out)]
        self.nodes.append(helper.make_node(op_type, inputs, outputs, name=name, domain=domain, **attrs))
        return outputs[0]

    def conv(
        self, name: str, x: str, c: int, k: int, f: int, stride: int = 1, groups: int = 1, zeros: bool = False
    ) -> str:
        w = self.weight(f"{name}.weight", (k, c // groups, f, f), zeros)
        return self.op(
            "Conv",
            [x, w],
            name,
            kernel_shape=[f, f],
            strides=[stride, stride],
            pads=[f // 2] * 4,
            group=groups,
        )

    def model(
        self, inputs, outputs, opset: int = 17, domains: tuple[tuple[str, int], ...] = ()
    ) -> onnx.ModelProto:
        graph = helper.make_graph(self.nodes, "g", inputs, outputs, self.inits)
        opsets = [helper.make_opsetid("", opset)] + [helper.make_opsetid(d, v) for d, v in domains]
        model = helper.make_model(graph, opset_imports=opsets, producer_name="dse-tests")
        model.ir_version = 10 if opset >= 21 else 8
        return model


def _input(name: str, shape: list) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def _output(name: str) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, None)


def save(model: onnx.ModelProto, path: Path) -> Path:
    onnx.save(model, str(path))
    return path


# --- float CNN covering the listed ops ---------------------------------------------------------------
# Input N x 3 x 32 x 32 (N symbolic). The test recomputes every layer from these numbers.
CNN_INPUT_HW = 32


def float_cnn(path: Path) -> Path:
    g = Net(seed=1)
    x = g.conv("stem", "x", 3, 16, 3, stride=2)  # 16 x 16 x 16
    x = g.op(
        "BatchNormalization",
        [
            x,
            g.weight("bn.s", (16,)),
            g.weight("bn.b", (16,)),
            g.weight("bn.m", (16,)),
            g.init("bn.v", np.ones(16)),
        ],
        "bn",
    )
    x = g.op("Relu", [x], "relu")
    p = g.op("MaxPool", [x], "pool", kernel_shape=[2, 2], strides=[2, 2])  # 16 x 8 x 8
    a = g.conv("grouped", p, 16, 32, 3, groups=4)  # 32 x 8 x 8
    d = g.conv("dw", a, 32, 32, 3, groups=32)  # 32 x 8 x 8
    pw = g.conv("pw", d, 32, 32, 1)  # 32 x 8 x 8
    r = g.op("Add", [pw, a], "residual")
    s = g.op("Mul", [r, g.init("gain", np.full((1, 32, 1, 1), 0.5))], "scale")
    cat = g.op("Concat", [s, a], "cat", axis=1)  # 64 x 8 x 8
    up = g.op(
        "ConvTranspose",
        [cat, g.weight("up.weight", (64, 8, 4, 4))],
        "up",
        strides=[2, 2],
        pads=[1, 1, 1, 1],
        group=2,
    )  # 16 x 16 x 16
    rs = g.op("Resize", [up, "", g.init("rs.scales", [1, 1, 0.5, 0.5])], "down", mode="nearest")  # 16 x 8 x 8
    ap = g.op("AveragePool", [rs], "avg", kernel_shape=[2, 2], strides=[2, 2])  # 16 x 4 x 4
    gp = g.op("GlobalAveragePool", [ap], "gap")
    fl = g.op("Flatten", [gp], "flat")
    y = g.op("Gemm", [fl, g.weight("fc.weight", (10, 16)), g.weight("fc.bias", (10,))], "fc", transB=1)
    model = g.model([_input("x", ["N", 3, CNN_INPUT_HW, CNN_INPUT_HW])], [_output(y)])
    return save(model, path)


# --- float transformer encoder block ---------------------------------------------------------------
TOKENS, D_MODEL, HEADS, D_FF = 16, 32, 4, 64


def float_transformer(path: Path) -> Path:
    g = Net(seed=2)
    dh = D_MODEL // HEADS
    x = "x"

    def linear(name: str, inp: str, c: int, k: int) -> str:
        mm = g.op("MatMul", [inp, g.weight(f"{name}.weight", (c, k))], name)
        return g.op("Add", [mm, g.weight(f"{name}.bias", (k,))], f"{name}.bias_add")

    def heads(name: str, t: str, perm: list[int]) -> str:
        r = g.op("Reshape", [t, g.init(f"{name}.shape", [0, TOKENS, HEADS, dh], np.int64)], f"{name}.split")
        return g.op("Transpose", [r], f"{name}.perm", perm=perm)

    q = heads("q", linear("q_proj", x, D_MODEL, D_MODEL), [0, 2, 1, 3])  # N,H,S,dh
    k = heads("k", linear("k_proj", x, D_MODEL, D_MODEL), [0, 2, 3, 1])  # N,H,dh,S
    v = heads("v", linear("v_proj", x, D_MODEL, D_MODEL), [0, 2, 1, 3])  # N,H,S,dh
    s = g.op("MatMul", [q, k], "scores")  # N,H,S,S
    s = g.op("Mul", [s, g.init("inv_sqrt_dh", np.float32(dh**-0.5))], "scale")
    p = g.op("Softmax", [s], "softmax", axis=-1)
    ctx = g.op("MatMul", [p, v], "context")  # N,H,S,dh
    ctx = g.op("Transpose", [ctx], "merge.perm", perm=[0, 2, 1, 3])
    ctx = g.op("Reshape", [ctx, g.init("merge.shape", [0, TOKENS, D_MODEL], np.int64)], "merge")
    o = linear("out_proj", ctx, D_MODEL, D_MODEL)
    h = g.op("Add", [o, x], "residual1")
    h = g.op(
        "LayerNormalization",
        [h, g.weight("ln1.g", (D_MODEL,)), g.weight("ln1.b", (D_MODEL,))],
        "ln1",
        axis=-1,
    )
    f = g.op("Relu", [linear("ffn1", h, D_MODEL, D_FF)], "ffn_act")
    f = linear("ffn2", f, D_FF, D_MODEL)
    y = g.op("Add", [f, h], "residual2")
    model = g.model([_input("x", ["batch", TOKENS, D_MODEL])], [_output(y)])
    return save(model, path)


# --- onnxruntime quantization -------------------------------------------------------------------------


def quantize(src: Path, dst: Path, fmt: str, per_channel: bool = False, bits: int = 8) -> Path:
    """QDQ / QOperator static quantization on random calibration data, or dynamic."""
    from onnxruntime.quantization import (
        CalibrationDataReader,
        QuantFormat,
        QuantType,
        quantize_dynamic,
        quantize_static,
    )

    if fmt == "dynamic":
        quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8)
        return dst
    model = onnx.load(str(src))
    inp = model.graph.input[0]
    shape = [d.dim_value or 1 for d in inp.type.tensor_type.shape.dim]
    rng = np.random.default_rng(0)

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self.batches = iter([{inp.name: rng.standard_normal(shape).astype(np.float32)} for _ in range(2)])

        def get_next(self):
            return next(self.batches, None)

    qtype = {8: (QuantType.QUInt8, QuantType.QInt8), 16: (QuantType.QUInt16, QuantType.QInt16)}[bits]
    quantize_static(
        str(src),
        str(dst),
        Reader(),
        quant_format=QuantFormat.QDQ if fmt == "qdq" else QuantFormat.QOperator,
        per_channel=per_channel,
        activation_type=qtype[0],
        weight_type=qtype[1],
    )
    return dst


# --- QDQ with 4-bit weights and activations (opset 21), written directly --------------------------------


def int4_qdq(path: Path, zp_type: int = TensorProto.INT4, act_zp_type: int = TensorProto.UINT4) -> Path:
    """x -> Q/DQ(uint4) -> Conv(W = DQ(int4, per-channel)) -> Q/DQ(uint4) -> MatMul(W = DQ(int4))."""
    g = Net(seed=3)

    def zero_point(name: str, dtype: int, dims: list[int]) -> str:
        g.inits.append(helper.make_tensor(name, dtype, dims, [0] * int(np.prod(dims, dtype=int))))
        return name

    def act_qdq(name: str, t: str) -> str:
        scale, zp = g.init(f"{name}.scale", np.float32(0.1)), zero_point(f"{name}.zp", act_zp_type, [])
        q = g.op("QuantizeLinear", [t, scale, zp], f"{name}.q")
        return g.op("DequantizeLinear", [q, scale, zp], f"{name}.dq")

    wq = helper.make_tensor("conv.wq", zp_type, [8, 4, 3, 3], list(np.resize(np.arange(-8, 8), 8 * 4 * 9)))
    g.inits.append(wq)
    w = g.op(
        "DequantizeLinear",
        ["conv.wq", g.init("conv.ws", np.full(8, 0.05)), zero_point("conv.wzp", zp_type, [8])],
        "conv.w_dq",
        axis=0,
    )
    x = act_qdq("in", "x")
    c = g.op("Conv", [x, w], "conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1])  # N,8,6,6
    c = act_qdq("conv_out", c)
    fl = g.op("Reshape", [c, g.init("flat.shape", [0, 8 * 6 * 6], np.int64)], "flat")
    g.inits.append(helper.make_tensor("fc.wq", zp_type, [8 * 6 * 6, 5], [1] * (8 * 6 * 6 * 5)))
    wf = g.op(
        "DequantizeLinear",
        ["fc.wq", g.init("fc.ws", np.float32(0.02)), zero_point("fc.wzp", zp_type, [])],
        "fc.w_dq",
    )
    y = g.op("MatMul", [fl, wf], "fc")
    model = g.model([_input("x", ["N", 4, 6, 6])], [_output(y)], opset=21)
    return save(model, path)


# --- QONNX (Brevitas export style), mixed precision below 8 bits --------------------------------------


def qonnx_net(path: Path) -> Path:
    """Quant on the input (8 b), per-channel 4-bit conv weights, 4-bit activations, 1-bit (bipolar)
    weights, a Trunc after average pooling (6 b), and a 2-bit fully connected layer."""
    g = Net(seed=4)

    def quant(name: str, t: str, bits: float, scale: np.ndarray | float = 0.1, signed: int = 1) -> str:
        return g.op(
            "Quant",
            [
                t,
                g.init(f"{name}.scale", scale),
                g.init(f"{name}.zp", np.float32(0)),
                g.init(f"{name}.bw", np.float32(bits)),
            ],
            name,
            domain=QONNX_DOMAIN,
            signed=signed,
            narrow=0,
            rounding_mode="ROUND",
        )

    x = quant("inp_quant", "x", 8)
    w1 = quant(
        "conv1.weight_quant",
        g.weight("conv1.weight", (16, 3, 3, 3)),
        4,
        np.full((16, 1, 1, 1), 0.05, np.float32),
    )
    c1 = g.op("Conv", [x, w1], "conv1", kernel_shape=[3, 3], pads=[1, 1, 1, 1])  # N,16,16,16
    a1 = quant("act1_quant", g.op("Relu", [c1], "relu1"), 4, signed=0)
    w2 = g.op(
        "BipolarQuant",
        [g.weight("conv2.weight", (16, 16, 3, 3)), g.init("conv2.bq_scale", np.float32(1))],
        "conv2.weight_quant",
        domain=QONNX_DOMAIN,
    )
    c2 = g.op("Conv", [a1, w2], "conv2", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])  # N,16,8,8
    a2 = quant("act2_quant", c2, 4)
    ap = g.op("AveragePool", [a2], "avgpool", kernel_shape=[2, 2], strides=[2, 2])  # N,16,4,4
    tr = g.op(
        "Trunc",
        [
            ap,
            g.init("trunc.scale", np.float32(0.1)),
            g.init("trunc.zp", np.float32(0)),
            g.init("trunc.in_bw", np.float32(8)),
            g.init("trunc.out_bw", np.float32(6)),
        ],
        "trunc",
        domain=QONNX_DOMAIN,
        rounding_mode="FLOOR",
    )
    fl = g.op("Flatten", [tr], "flatten")
    wf = quant("fc.weight_quant", g.weight("fc.weight", (16 * 4 * 4, 10)), 2)
    y = g.op("MatMul", [fl, wf], "fc")
    y = quant("out_quant", y, 8)
    model = g.model([_input("x", ["N", 3, 16, 16])], [_output(y)], opset=13, domains=((QONNX_DOMAIN, 1),))
    return save(model, path)


# --- ResNet-18 (He et al., CVPR 2016, Table 1), zero weights stored as external data -----------------


def resnet18(path: Path, external: bool = True, hw: int = 224, zeros: bool = True) -> Path:
    """Node names follow the zoo (``layer3.1.conv2``) so the two can be compared layer by layer.
    ``zeros=False``: random weights and identity batch norms (a model that computes something)."""
    g = Net()

    def conv_bn(name: str, x: str, c: int, k: int, f: int, stride: int = 1, relu: bool = True) -> str:
        y = g.conv(name, x, c, k, f, stride, zeros=zeros)
        bn = [g.weight(f"{name}.bn.{p}", (k,), zeros=True) for p in "sbmv"] if zeros else [
            g.init(f"{name}.bn.{p}", np.full(k, v)) for p, v in zip("sbmv", (1.0, 0.0, 0.0, 1.0))]
        y = g.op("BatchNormalization", [y] + bn, f"{name}.bn")
        return g.op("Relu", [y], f"{name}.relu") if relu else y

    x = conv_bn("conv1", "x", 3, 64, 7, 2)
    x = g.op("MaxPool", [x], "maxpool", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    c_in = 64
    for stage, c_out in enumerate((64, 128, 256, 512), start=1):
        for block in range(2):
            stride = 2 if stage > 1 and block == 0 else 1
            p = f"layer{stage}.{block}"
            y = conv_bn(f"{p}.conv1", x, c_in, c_out, 3, stride)
            y = conv_bn(f"{p}.conv2", y, c_out, c_out, 3, relu=False)
            skip = (
                conv_bn(f"{p}.downsample", x, c_in, c_out, 1, stride, relu=False)
                if stride != 1 or c_in != c_out
                else x
            )
            x = g.op("Relu", [g.op("Add", [y, skip], f"{p}.add")], f"{p}.relu")
            c_in = c_out
    x = g.op("Flatten", [g.op("GlobalAveragePool", [x], "avgpool")], "flatten")
    y = g.op(
        "Gemm",
        [x, g.weight("fc.weight", (1000, 512), zeros=zeros), g.weight("fc.bias", (1000,), zeros=zeros)],
        "fc",
        transB=1,
    )
    model = g.model([_input("x", ["N", 3, hw, hw])], [_output(y)])
    if external:
        onnx.save(
            model,
            str(path),
            save_as_external_data=True,
            all_tensors_to_one_file=True,
            location=f"{path.stem}.weights",
            size_threshold=1024,
        )
        return path
    return save(model, path)


# --- independent reference: tensor sizes as onnxruntime computes them ------------------------------


def ort_tensor_sizes(path: Path, feed: dict[str, np.ndarray]) -> dict[str, int]:
    """Run the model in onnxruntime with every node output exposed; element count of each tensor."""
    import onnxruntime as ort

    model = onnx.load(str(path))
    seen = {o.name for o in model.graph.output}
    for node in model.graph.node:
        for t in node.output:
            if t and t not in seen:
                model.graph.output.append(onnx.ValueInfoProto(name=t))  # untyped: ORT fills it in
                seen.add(t)
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    return {
        **{k: v.size for k, v in feed.items()},
        **dict(zip(names, (a.size for a in sess.run(names, feed)))),
    }


def assert_sizes_match_ort(graph, path: Path, input_shape: tuple[int, ...]) -> None:
    """Each layer's element counts (inputs read, outputs written) equal ORT's tensors for its node."""
    x = np.random.default_rng(0).standard_normal(input_shape).astype(np.float32)
    sizes = ort_tensor_sizes(path, {"x": x})
    model = onnx.load(str(path))
    by_name = {n.name: n for n in model.graph.node}
    inits = {t.name for t in model.graph.initializer}
    # dequantized constants (QDQ weights, BN parameters, biases) are not activation data either
    inits |= {
        n.output[0] for n in model.graph.node if n.op_type == "DequantizeLinear" and n.input[0] in inits
    }
    for layer in graph:
        node = by_name[layer.name]
        data_in = [t for t in node.input if t and t not in inits]
        if layer.is_compute:
            out = layer.out_elems if layer.op == "convtranspose" else layer.output_count
            assert out == sizes[node.output[0]], layer.name
            assert layer.input_count == sizes[node.input[0]], layer.name
        else:
            assert layer.in_elems == sum(sizes[t] for t in data_in), layer.name
            assert layer.out_elems == sizes[node.output[0]], layer.name


# --- brevitas exports: QONNX CNN (quantizers before MaxPool/Flatten) and QCDQ (Clip-narrowed int8) ---


def qonnx_quant(g: Net, name: str, t: str, bits: float, scale=0.1, signed: int = 1) -> str:
    """A QONNX ``Quant`` node as brevitas writes it (constant scale, zero point and bit width)."""
    return g.op(
        "Quant",
        [t, g.init(f"{name}.scale", scale), g.init(f"{name}.zp", np.float32(0)),
         g.init(f"{name}.bw", np.float32(bits))],
        name,
        domain=QONNX_DOMAIN,
        signed=signed,
        narrow=0,
        rounding_mode="ROUND",
    )


def brevitas_qonnx_cnn(path: Path, a_bits: int = 4, w_bits: int = 4) -> Path:
    """The shape of brevitas's ``qonnx_cnn`` export: each activation quantizer sits before a MaxPool,
    and the last one before Flatten, so conv2, dwconv3 and fc read their inputs through those ops."""
    g = Net(seed=7)

    def qconv(name, x, c, k, groups=1):
        w = qonnx_quant(g, f"{name}.weight_quant", g.weight(f"{name}.weight", (k, c // groups, 3, 3)), w_bits)
        y = g.op("Conv", [x, w], name, kernel_shape=[3, 3], pads=[1, 1, 1, 1], group=groups)
        y = qonnx_quant(g, f"{name}.act_quant", g.op("Relu", [y], f"{name}.relu"), a_bits, signed=0)
        return g.op("MaxPool", [y], f"{name}.pool", kernel_shape=[2, 2], strides=[2, 2])

    x = qonnx_quant(g, "inp_quant", "x", 8)
    x = qconv("conv1", x, 3, 8)  # 16 -> 8
    x = qconv("conv2", x, 8, 16)  # 8 -> 4
    x = qconv("dwconv3", x, 16, 16, groups=16)  # 4 -> 2
    fl = g.op("Flatten", [x], "flatten")
    wf = qonnx_quant(g, "fc.weight_quant", g.weight("fc.weight", (10, 16 * 2 * 2)), w_bits)
    y = g.op("Gemm", [fl, wf], "fc", transB=1)
    model = g.model([_input("x", ["N", 3, 16, 16])], [_output(y)], opset=13, domains=((QONNX_DOMAIN, 1),))
    return save(model, path)


def qcdq_net(path: Path, a_bounds: tuple[int, int], w_bounds: tuple[int, int]) -> Path:
    """brevitas QCDQ: activations QuantizeLinear -> Clip -> DequantizeLinear, weights int8 -> Clip ->
    DequantizeLinear (per channel), the int8/uint8 containers narrowed by constant Clip bounds."""
    g = Net(seed=8)
    a_type = np.int8 if a_bounds[0] < 0 else np.uint8
    zp = g.init("x.zp", np.array(0, a_type), a_type)
    q = g.op("QuantizeLinear", ["x", g.init("x.s", np.float32(0.1)), zp], "x.q")
    q = g.op("Clip", [q, g.init("x.lo", np.array(a_bounds[0], a_type), a_type),
                      g.init("x.hi", np.array(a_bounds[1], a_type), a_type)], "x.clip")
    x = g.op("DequantizeLinear", [q, "x.s", "x.zp"], "x.dq")
    w_int = g.init("conv.wq", g.rng.integers(w_bounds[0], w_bounds[1] + 1, (8, 4, 3, 3)), np.int8)
    wc = g.op("Clip", [w_int, g.init("w.lo", np.array(w_bounds[0], np.int8), np.int8),
                       g.init("w.hi", np.array(w_bounds[1], np.int8), np.int8)], "w.clip")
    w = g.op("DequantizeLinear", [wc, g.init("w.s", np.full(8, 0.05, np.float32)),
                                  g.init("w.zp", np.zeros(8, np.int8), np.int8)], "w.dq", axis=0)
    y = g.op("Conv", [x, w], "conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    model = g.model([_input("x", [1, 4, 8, 8])], [_output(y)], opset=13)
    return save(model, path)


def long_chain(path: Path, n_nodes: int, quantized: bool = True) -> Path:
    """A generated ~``n_nodes``-node chain of blocks (QONNX Quant,) MatMul, Relu, Unsqueeze, Squeeze.
    ONNX shape inference cannot see through the custom Quant ops, which is what made import quadratic."""
    g = Net(seed=9)
    d = 8
    x = "x"
    per_block = 6 if quantized else 4
    for i in range(max(1, n_nodes // per_block)):
        if quantized:
            x = qonnx_quant(g, f"q{i}", x, 4)
        w = g.weight(f"w{i}", (d, d))
        x = g.op("MatMul", [x, qonnx_quant(g, f"wq{i}", w, 4) if quantized else w], f"mm{i}")
        x = g.op("Relu", [x], f"relu{i}")
        x = g.op("Unsqueeze", [x, g.init(f"ax{i}", np.array([1], np.int64), np.int64)], f"un{i}")
        x = g.op("Squeeze", [x, f"ax{i}"], f"sq{i}")
    while len(g.nodes) < n_nodes:
        x = g.op("Identity", [x], f"id{len(g.nodes)}")
    model = g.model([_input("x", ["N", d])], [_output(x)], opset=13, domains=((QONNX_DOMAIN, 1),))
    return save(model, path)


# --- decoder LLMs as onnxruntime writes them (com.microsoft attention, norms, rotary) -----------------

MS_DOMAIN = "com.microsoft"


@dataclass(frozen=True)
class DecoderConfig:
    """A tiny decoder; ``kind`` "gqa": Llama-style (RMSNorm as SkipSimplifiedLayerNormalization,
    RotaryEmbedding, GroupQueryAttention, SwiGLU), "mha": GPT-2-style (SkipLayerNormalization,
    MultiHeadAttention with a 4-D past, GELU MLP)."""

    kind: str = "gqa"
    hidden: int = 64
    heads: int = 4
    kv_heads: int = 2
    ffn: int = 128
    vocab: int = 256
    layers: int = 2

    @property
    def head_dim(self) -> int:
        return self.hidden // self.heads


def decoder(path: Path, cfg: DecoderConfig) -> Path:
    """A float decoder step with symbolic batch, sequence_length and past_sequence_length dims, the
    node types of onnxruntime-genai's model builder; MatMul weights stay float for the quantizer."""
    g = Net(seed=11)
    kv = cfg.kv_heads if cfg.kind == "gqa" else cfg.heads
    hd = cfg.head_dim
    inputs = [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "sequence_length"])]
    outputs = []

    def fc(name, x, k_in, n_out):
        return g.op("MatMul", [x, g.weight(f"{name}.weight", (k_in, n_out))], name)

    table = g.weight("embed_tokens.weight", (cfg.vocab, cfg.hidden))
    h = g.op("Gather", [table, "input_ids"], "embed_tokens")
    residual = h
    if cfg.kind == "gqa":
        cache = int(2 * 64)
        g.init("cos_cache", np.ones((cache, hd // 2), np.float32))
        g.init("sin_cache", np.zeros((cache, hd // 2), np.float32))
        inputs += [helper.make_tensor_value_info("position_ids", TensorProto.INT64,
                                                 ["batch", "sequence_length"]),
                   helper.make_tensor_value_info("seqlens_k", TensorProto.INT32, ["batch"]),
                   helper.make_tensor_value_info("total_sequence_length", TensorProto.INT32, [])]
    for i in range(cfg.layers):
        p = f"layers.{i}"
        past_k, past_v = f"past_key_values.{i}.key", f"past_key_values.{i}.value"
        cache_dims = ["batch", kv, "past_sequence_length", hd]
        inputs += [helper.make_tensor_value_info(t, TensorProto.FLOAT, cache_dims) for t in (past_k, past_v)]
        gamma = g.init(f"{p}.norm1.weight", np.ones(cfg.hidden, np.float32))
        if cfg.kind == "gqa":
            if i == 0:
                h = g.op("SimplifiedLayerNormalization", [residual, gamma], f"{p}.norm1", n_out=2,
                         epsilon=1e-5)
            else:
                h, residual = _skip_norm(g, "SkipSimplifiedLayerNormalization", f"{p}.norm1", h, residual,
                                         gamma)
            q = fc(f"{p}.q_proj", h, cfg.hidden, cfg.hidden)
            k = fc(f"{p}.k_proj", h, cfg.hidden, kv * hd)
            v = fc(f"{p}.v_proj", h, cfg.hidden, kv * hd)
            q = g.op("RotaryEmbedding", [q, "position_ids", "cos_cache", "sin_cache"], f"{p}.q_rotary",
                     domain=MS_DOMAIN, num_heads=cfg.heads)
            k = g.op("RotaryEmbedding", [k, "position_ids", "cos_cache", "sin_cache"], f"{p}.k_rotary",
                     domain=MS_DOMAIN, num_heads=kv)
            gqa_in = [q, k, v, past_k, past_v, "seqlens_k", "total_sequence_length"]
            attn = g.op("GroupQueryAttention", gqa_in,
                        f"{p}.attn", n_out=3, domain=MS_DOMAIN, num_heads=cfg.heads, kv_num_heads=kv)
        else:
            beta = g.init(f"{p}.norm1.bias", np.zeros(cfg.hidden, np.float32))
            if i == 0:
                h = g.op("LayerNormalization", [residual, gamma, beta], f"{p}.norm1", epsilon=1e-5)
            else:
                h, residual = _skip_norm(g, "SkipLayerNormalization", f"{p}.norm1", h, residual, gamma, beta)
            q, k, v = (fc(f"{p}.{n}_proj", h, cfg.hidden, cfg.hidden) for n in "qkv")
            attn = g.op("MultiHeadAttention", [q, k, v, "", "", "", past_k, past_v], f"{p}.attn", n_out=3,
                        domain=MS_DOMAIN, num_heads=cfg.heads)
        outputs += [helper.make_tensor_value_info(f"{p}.attn:{j}", TensorProto.FLOAT, None) for j in (1, 2)]
        o = fc(f"{p}.o_proj", attn, cfg.hidden, cfg.hidden)
        gamma2 = g.init(f"{p}.norm2.weight", np.ones(cfg.hidden, np.float32))
        if cfg.kind == "gqa":
            h, residual = _skip_norm(g, "SkipSimplifiedLayerNormalization", f"{p}.norm2", o, residual, gamma2)
            gate = fc(f"{p}.gate_proj", h, cfg.hidden, cfg.ffn)
            up = fc(f"{p}.up_proj", h, cfg.hidden, cfg.ffn)
            act = g.op("Mul", [gate, g.op("Sigmoid", [gate], f"{p}.silu_sigmoid")], f"{p}.silu")
            m = g.op("Mul", [act, up], f"{p}.swiglu")
        else:
            beta2 = g.init(f"{p}.norm2.bias", np.zeros(cfg.hidden, np.float32))
            h, residual = _skip_norm(g, "SkipLayerNormalization", f"{p}.norm2", o, residual, gamma2, beta2)
            m = g.op("Gelu", [fc(f"{p}.up_proj", h, cfg.hidden, cfg.ffn)], f"{p}.gelu", domain=MS_DOMAIN)
        h = fc(f"{p}.down_proj", m, cfg.ffn, cfg.hidden)
    gamma = g.init("norm.weight", np.ones(cfg.hidden, np.float32))
    norm_op = "SkipSimplifiedLayerNormalization" if cfg.kind == "gqa" else "SkipLayerNormalization"
    extra = [g.init("norm.bias", np.zeros(cfg.hidden, np.float32))] if cfg.kind == "mha" else []
    h, _ = _skip_norm(g, norm_op, "norm", h, residual, gamma, *extra)
    logits = fc("lm_head", h, cfg.hidden, cfg.vocab)
    outputs.insert(0, helper.make_tensor_value_info(logits, TensorProto.FLOAT, None))
    model = g.model(inputs, outputs, opset=21, domains=((MS_DOMAIN, 1),))
    return save(model, path)


def _skip_norm(g: Net, op: str, name: str, x: str, skip: str, *params: str) -> tuple[str, str]:
    """(Skip)(Simplified)LayerNormalization: (normalized, input + skip), outputs 0 and 3."""
    g.nodes.append(helper.make_node(op, [x, skip, *params], [name, "", "", f"{name}:sum"], name=name,
                                    domain=MS_DOMAIN, epsilon=1e-5))
    return name, f"{name}:sum"


def matmul_nbits(src: Path, dst: Path, bits: int = 4, block_size: int = 32, fmt: str = "QOperator") -> Path:
    """onnxruntime's own weight-only quantizer (MatMulNBitsQuantizer, RTN): MatMul -> MatMulNBits and
    Gather -> GatherBlockQuantized (QOperator), or DequantizeLinear(int4, block) -> MatMul (QDQ)."""
    from onnxruntime.quantization import QuantFormat
    from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer

    fmt_enum = QuantFormat.QOperator if fmt == "QOperator" else QuantFormat.QDQ
    ops = ("MatMul", "Gather") if fmt == "QOperator" else ("MatMul",)
    quant = MatMulNBitsQuantizer(onnx.load(str(src)), bits=bits, block_size=block_size, is_symmetric=True,
                                 quant_format=fmt_enum, op_types_to_quantize=ops, quant_axes=(("Gather", 1),))
    quant.process()
    return save(quant.model.model, dst)
