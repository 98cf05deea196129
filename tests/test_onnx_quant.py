"""Bit widths from quantized ONNX models: onnxruntime QDQ / QOperator / dynamic, int4 QDQ, QONNX.

The quantized files come from onnxruntime.quantization run on the float builders (so their
layer tables must equal the float ones, MAC for MAC), or are written node by node with the
bit widths stated in the builders; expected bits are those stated widths (exact).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx_builders as B
import pytest
from onnx import TensorProto

from workloads.onnx_import import load
from workloads.precision import BitsOverride, PrecisionOverrides

pytest.importorskip("onnxruntime.quantization", reason="onnxruntime (test extra) writes the quantized models")

N = 2


def _table(graph) -> list[tuple]:
    return [
        (l.op, l.n, l.k, l.c, l.groups, l.oy, l.ox, l.fy, l.fx, l.macs, l.weight_count)
        for l in graph.compute_layers()
    ]


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("quant")
    out = {"cnn": B.float_cnn(d / "cnn.onnx"), "tf": B.float_transformer(d / "tf.onnx")}
    for src in ("cnn", "tf"):
        out[f"{src}_qdq"] = B.quantize(out[src], d / f"{src}_qdq.onnx", "qdq", per_channel=True)
        out[f"{src}_qop"] = B.quantize(out[src], d / f"{src}_qop.onnx", "qoperator")
        out[f"{src}_dyn"] = B.quantize(out[src], d / f"{src}_dyn.onnx", "dynamic")
    out["cnn_qdq16"] = B.quantize(out["cnn"], d / "cnn_qdq16.onnx", "qdq", bits=16)
    return out


@pytest.mark.parametrize("src", ["cnn", "tf"])
@pytest.mark.parametrize("fmt", ["qdq", "qop", "dyn"])
def test_quantized_tables_equal_float(models, src, fmt):
    quant, ref = _table(load(models[f"{src}_{fmt}"], batch=N)), _table(load(models[src], batch=N))
    if fmt == "dyn":  # quantize_dynamic rewrites Gemm as MatMulInteger: same loop nest, op 'matmul'
        quant, ref = [row[1:] for row in quant], [row[1:] for row in ref]
    assert quant == ref


@pytest.mark.parametrize(
    "name, shape",
    [
        ("cnn_qdq", (N, 3, 32, 32)),
        ("cnn_qop", (N, 3, 32, 32)),
        ("tf_qdq", (N, 16, 32)),
        ("tf_qop", (N, 16, 32)),
    ],
)
def test_quantized_tensor_sizes_match_onnxruntime(models, name, shape):
    """Independent check of our shape rules for com.microsoft QLinearAdd/Concat/AveragePool/QGemm/...:
    every layer's element counts equal the tensors onnxruntime computes (exact)."""
    B.assert_sizes_match_ort(load(models[name], batch=N), models[name], shape)


def test_qdq_per_channel_int8(models):
    graph = load(models["cnn_qdq"], batch=N)
    for layer in graph.compute_layers():
        a = dict(layer.attrs)
        assert (layer.w_bits, layer.a_bits, layer.o_bits) == (8, 8, 8), layer.name
        assert a["format"] == "qdq" and a["w_dtype"] == "int8" and a["a_dtype"] == "uint8", layer.name
        assert a["w_quant"].startswith("per-channel") and a["a_quant"] == "per-tensor", layer.name
        assert layer.weight_bytes == layer.weight_count  # one byte per int8 weight
    # activations around non-compute ops are 8-bit too (they sit between Q/DQ pairs)
    assert all(l.a_bits == 8 for l in graph.layers() if not l.is_compute)


def test_qdq_int16(models):
    for layer in load(models["cnn_qdq16"], batch=N).compute_layers():
        assert (layer.w_bits, layer.a_bits, layer.o_bits) == (16, 16, 16), layer.name
        assert dict(layer.attrs)["w_quant"] == "per-tensor"


def test_qoperator(models):
    graph = load(models["cnn_qop"], batch=N)
    ops = {dict(l.attrs)["onnx_op"] for l in graph.compute_layers()}
    assert {"QLinearConv", "QGemm"} <= ops
    for layer in graph.compute_layers():
        a = dict(layer.attrs)
        if a["onnx_op"] in ("QLinearConv", "QGemm"):
            assert (layer.w_bits, layer.a_bits, layer.o_bits) == (8, 8, 8), layer.name
            assert a["format"] == "qoperator"
        else:  # onnxruntime leaves ConvTranspose in float (DQ on its input, float weights)
            assert (a["onnx_op"], layer.w_bits, layer.a_bits) == ("ConvTranspose", 32, 8)
    contrib = {dict(l.attrs)["onnx_op"] for l in graph.layers() if not l.is_compute}
    assert {"QLinearAdd", "QLinearConcat", "QLinearGlobalAveragePool"} <= contrib  # shapes by our rules
    tf = load(models["tf_qop"], batch=N)
    assert {dict(l.attrs)["onnx_op"] for l in tf.compute_layers()} == {"QLinearMatMul"}
    assert all((l.w_bits, l.a_bits, l.o_bits) == (8, 8, 8) for l in tf.compute_layers())


def test_dynamic_integer_ops(models):
    for src, op in (("cnn", "ConvInteger"), ("tf", "MatMulInteger")):
        graph = load(models[f"{src}_dyn"], batch=N)
        integer = [l for l in graph.compute_layers() if dict(l.attrs)["onnx_op"] == op]
        assert integer
        for layer in integer:  # int8 weights, uint8 activations, int32 accumulators written out
            assert (layer.w_bits, layer.a_bits, layer.o_bits) == (8, 8, 32), layer.name


@pytest.mark.parametrize(
    "w_type, a_type, bits",
    [
        (TensorProto.INT4, TensorProto.UINT4, 4),
        (TensorProto.UINT4, TensorProto.INT4, 4),
        (TensorProto.INT8, TensorProto.UINT8, 8),
        (TensorProto.UINT16, TensorProto.INT16, 16),
    ],
)
def test_qdq_written_directly(tmp_path, w_type, a_type, bits):
    graph = load(B.int4_qdq(tmp_path / "q.onnx", zp_type=w_type, act_zp_type=a_type), batch=N)
    conv, fc = graph.compute_layers()
    assert (conv.w_bits, conv.a_bits, conv.o_bits) == (bits, bits, bits)
    assert dict(conv.attrs)["w_quant"] == "per-channel(axis=0)"
    assert (fc.w_bits, fc.a_bits, fc.o_bits) == (bits, bits, 32)  # a through the Reshape; float output
    assert dict(fc.attrs)["w_quant"] == "per-tensor"
    assert conv.macs == N * 8 * 4 * 6 * 6 * 9 and fc.macs == N * 288 * 5
    assert conv.weight_bytes == 8 * 4 * 9 * bits / 8


def test_qonnx_mixed_precision(tmp_path):
    graph = load(B.qonnx_net(tmp_path / "q.onnx"), batch=N)
    got = {l.name: l for l in graph.compute_layers()}
    expect = {  # name: (w, a, o) as written in qonnx_net
        "conv1": (4, 8, 4),  # 4-bit weights, 8-bit input quant, Relu -> 4-bit unsigned quant
        "conv2": (1, 4, 4),  # BipolarQuant weights
        "fc": (2, 6, 8),  # 2-bit weights, input from Trunc(6 b) through Flatten
    }
    assert {name: (l.w_bits, l.a_bits, l.o_bits) for name, l in got.items()} == expect
    assert dict(got["conv1"].attrs)["w_quant"] == "per-channel(axis=0)"
    assert all(dict(l.attrs)["format"] == "qonnx" for l in got.values())
    assert got["conv2"].weight_bytes == 16 * 16 * 9 / 8
    assert (got["conv2"].macs, got["fc"].macs) == (N * 16 * 16 * 8 * 8 * 9, N * 256 * 10)
    assert set(graph.graph.edges) == {
        ("conv1", "relu1"),
        ("relu1", "conv2"),
        ("conv2", "avgpool"),
        ("avgpool", "flatten"),
        ("flatten", "fc"),
    }


@pytest.mark.parametrize(
    "op, extra, bits",
    [
        ("Quant", {"bw": 3.0}, 3),
        ("IntQuant", {"bw": 5.0}, 5),
        ("FloatQuant", {"e": 4.0, "m": 3.0, "bias": 7.0, "max": 448.0}, 8),  # FP8 E4M3: 1 + 4 + 3 bits
    ],
)
def test_qonnx_quantizer_variants(tmp_path, op, extra, bits):
    g = B.Net()
    if op == "FloatQuant":
        inputs = [g.weight("w", (6, 4)), g.init("s", np.float32(1))] + [
            g.init(k, np.float32(v)) for k, v in extra.items()
        ]
    else:
        inputs = [
            g.weight("w", (6, 4)),
            g.init("s", np.float32(0.1)),
            g.init("z", np.float32(0)),
            g.init("bw", np.float32(extra["bw"])),
        ]
    w = g.op(op, inputs, "wq", domain=B.QONNX_DOMAIN)
    y = g.op("MatMul", ["x", w], "mm")
    path = B.save(
        g.model([B._input("x", ["N", 6])], [B._output(y)], domains=((B.QONNX_DOMAIN, 1),)),
        tmp_path / "m.onnx",
    )
    (layer,) = load(path).compute_layers()
    assert (layer.w_bits, layer.a_bits) == (bits, 32)


def test_precision_overrides_apply_on_top_of_model_bits(tmp_path):
    graph = load(B.qonnx_net(tmp_path / "q.onnx"))
    spec = PrecisionOverrides(default=BitsOverride(w=4, a=8), layers=(("conv*", BitsOverride(w=2)),))
    got = {l.name: (l.w_bits, l.a_bits, l.o_bits) for l in spec.apply(graph).compute_layers()}
    assert got == {"conv1": (2, 8, 4), "conv2": (2, 8, 4), "fc": (4, 8, 8)}  # o bits stay the model's
    only_fc = PrecisionOverrides(layers=(("fc", BitsOverride(a=4)),)).apply(graph)
    assert {l.name: (l.w_bits, l.a_bits) for l in only_fc.compute_layers()} == {
        "conv1": (4, 8),
        "conv2": (1, 4),
        "fc": (2, 4),
    }
