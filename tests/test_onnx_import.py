"""ONNX import of float models: loop bounds, MACs, tensor sizes and graph structure.

References: the expected tables below are worked out by hand from each builder's layer sizes
(exact, tolerance 0); the ORT test checks every tensor size against what onnxruntime actually
computes (exact); ResNet-18 is checked against He et al. (CVPR 2016) totals as listed in
/work/shared/REFERENCES.md (1.82 GMAC, 11.7 M weights, tolerance 1%: the published figures are
rounded and include no BN/bias, as ours) and layer by layer against the zoo's ResNet-18.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx_builders as B
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from onnx import TensorProto, helper

from workloads.layer import WorkloadError
from workloads.onnx_import import load

N = 2  # batch bound to the symbolic batch dimension

# name: (op, n, k, c, groups, oy, ox, fy, fx, stride) -- from float_cnn's comments, input 3x32x32
CNN_COMPUTE = {
    "stem": ("conv", N, 16, 3, 1, 16, 16, 3, 3, 2),
    "grouped": ("conv", N, 32, 16, 4, 8, 8, 3, 3, 1),
    "dw": ("dwconv", N, 32, 32, 32, 8, 8, 3, 3, 1),
    "pw": ("conv", N, 32, 32, 1, 8, 8, 1, 1, 1),
    # ConvTranspose 64->16 (group 2), 4x4 kernel over 8x8 input pixels (scatter form)
    "up": ("convtranspose", N, 16, 64, 2, 8, 8, 4, 4, 1),
    "fc": ("gemm", 1, 10, 16, 1, 1, N, 1, 1, 1),  # Gemm rows (the batch) run along ox
}
# name: (op, in_elems, out_elems)
CNN_DATA = {
    "bn": ("batchnormalization", N * 16 * 16 * 16, N * 16 * 16 * 16),
    "relu": ("relu", N * 4096, N * 4096),
    "pool": ("maxpool", N * 4096, N * 16 * 8 * 8),
    "residual": ("add", 2 * N * 32 * 64, N * 32 * 64),
    "scale": ("mul", N * 32 * 64, N * 32 * 64),  # the constant gain is not activation data
    "cat": ("concat", 2 * N * 32 * 64, N * 64 * 64),
    "down": ("resize", N * 16 * 16 * 16, N * 16 * 8 * 8),
    "avg": ("averagepool", N * 16 * 64, N * 16 * 16),
    "gap": ("globalaveragepool", N * 16 * 16, N * 16),
    "flat": ("flatten", N * 16, N * 16),
}
CNN_EDGES = {
    ("stem", "bn"),
    ("bn", "relu"),
    ("relu", "pool"),
    ("pool", "grouped"),
    ("grouped", "dw"),
    ("dw", "pw"),
    ("pw", "residual"),
    ("grouped", "residual"),
    ("residual", "scale"),
    ("scale", "cat"),
    ("grouped", "cat"),
    ("cat", "up"),
    ("up", "down"),
    ("down", "avg"),
    ("avg", "gap"),
    ("gap", "flat"),
    ("flat", "fc"),
}


def expected_macs(op, n, k, c, groups, oy, ox, fy, fx, stride) -> int:
    return n * k * (c // groups) * oy * ox * fy * fx


@pytest.fixture(scope="module")
def cnn_path(tmp_path_factory) -> Path:
    return B.float_cnn(tmp_path_factory.mktemp("cnn") / "cnn.onnx")


@pytest.fixture(scope="module")
def tf_path(tmp_path_factory) -> Path:
    return B.float_transformer(tmp_path_factory.mktemp("tf") / "tf.onnx")


def test_float_cnn_compute_layers(cnn_path):
    graph = load(cnn_path, batch=N)
    assert graph.name == "cnn"
    got = {l.name: l for l in graph.compute_layers()}
    assert set(got) == set(CNN_COMPUTE)
    for name, (op, n, k, c, g, oy, ox, fy, fx, s) in CNN_COMPUTE.items():
        layer = got[name]
        assert (layer.op, layer.n, layer.k, layer.c, layer.groups) == (op, n, k, c, g), name
        assert (layer.oy, layer.ox, layer.fy, layer.fx, layer.stride_y, layer.stride_x) == (
            oy,
            ox,
            fy,
            fx,
            s,
            s,
        ), name
        assert layer.macs == expected_macs(op, n, k, c, g, oy, ox, fy, fx, s), name
        assert (layer.w_bits, layer.a_bits, layer.o_bits) == (32, 32, 32), name
        assert dict(layer.attrs)["a_dtype"] == "float"
    # ConvTranspose: scatter-form MACs N*Cin*H*W*(Cout/G)*FY*FX and Cin*(Cout/G)*FY*FX weights
    up = got["up"]
    assert up.macs == N * 64 * 8 * 8 * 8 * 4 * 4
    assert up.weight_count == 64 * 8 * 4 * 4
    assert up.out_elems == N * 16 * 16 * 16  # the true (upsampled) output
    assert got["stem"].weight_bytes == 16 * 3 * 9 * 4  # float32 weights: 4 bytes each


def test_float_cnn_data_layers_and_edges(cnn_path):
    graph = load(cnn_path, batch=N)
    data = {l.name: l for l in graph.layers() if not l.is_compute}
    assert set(data) == set(CNN_DATA)
    for name, (op, in_elems, out_elems) in CNN_DATA.items():
        assert (data[name].op, data[name].in_elems, data[name].out_elems) == (op, in_elems, out_elems), name
    assert set(graph.graph.edges) == CNN_EDGES


@pytest.mark.parametrize(
    "builder, shape", [(B.float_cnn, (N, 3, 32, 32)), (B.float_transformer, (N, 16, 32))]
)
def test_tensor_sizes_match_onnxruntime(tmp_path, builder, shape):
    """Independent check: every layer's input/output element counts equal the tensors ORT computes."""
    pytest.importorskip("onnxruntime")
    path = builder(tmp_path / "m.onnx")
    B.assert_sizes_match_ort(load(path, batch=N), path, shape)


def test_transformer_matmuls(tf_path):
    graph = load(tf_path, batch=N)
    s, d, h, ff = B.TOKENS, B.D_MODEL, B.HEADS, B.D_FF
    expect = {  # name: (n, k, c, ox); [N,S,D] x [D,F] -> n = N, ox = S; attention: n = N * heads
        "q_proj": (N, d, d, s),
        "k_proj": (N, d, d, s),
        "v_proj": (N, d, d, s),
        "scores": (N * h, s, d // h, s),
        "context": (N * h, d // h, s, s),
        "out_proj": (N, d, d, s),
        "ffn1": (N, ff, d, s),
        "ffn2": (N, d, ff, s),
    }
    got = {l.name: l for l in graph.compute_layers()}
    assert set(got) == set(expect)
    for name, (n, k, c, ox) in expect.items():
        layer = got[name]
        assert (layer.op, layer.n, layer.k, layer.c, layer.oy, layer.ox) == ("matmul", n, k, c, 1, ox), name
        assert layer.macs == n * k * c * ox
    assert dict(got["scores"].attrs)["b_operand"] == "activation"
    assert dict(got["scores"].attrs)["weight_is_constant"] == "false"
    assert dict(got["q_proj"].attrs)["weight_is_constant"] == "true"
    assert graph.total_macs == N * s * (4 * d * d + 2 * d * ff) + 2 * N * h * s * s * (d // h)
    # residual structure is kept: joins have both producers as predecessors
    assert set(graph.graph.predecessors("residual1")) == {"out_proj.bias_add"}
    assert set(graph.graph.predecessors("residual2")) == {"ffn2.bias_add", "ln1"}
    assert set(graph.graph.predecessors("scores")) == {"q.perm", "k.perm"}


def test_batch_parameter_scales_batch_dims(cnn_path):
    one, four = load(cnn_path, batch=1), load(cnn_path, batch=4)
    assert four.total_macs == 4 * one.total_macs
    assert four.total_weights == one.total_weights
    with pytest.raises(WorkloadError, match="batch must be a positive integer"):
        load(cnn_path, batch=0)


def test_resnet18_against_reference_and_zoo(tmp_path):
    from workloads import zoo

    path = B.resnet18(tmp_path / "resnet18.onnx")  # weights in external data next to it
    graph = load(path)
    assert graph.total_macs == pytest.approx(1.82e9, rel=0.01)
    assert graph.total_weights == pytest.approx(11.7e6, rel=0.01)
    ours = {l.name: l for l in graph.compute_layers()}
    ref = {l.name: l for l in zoo.resnet18(n=1).compute_layers()}
    assert set(ours) == set(ref)
    for name, r in ref.items():
        o = ours[name]
        fields = ("op", "n", "k", "c", "groups", "oy", "ox", "fy", "fx", "stride_y", "stride_x")
        assert [getattr(o, f) for f in fields] == [getattr(r, f) for f in fields], name
        assert (o.macs, o.weight_count) == (r.macs, r.weight_count), name
    assert len(graph.graph.edges) >= len(graph) - 1  # connected through the residual adds
    assert set(graph.graph.predecessors("layer2.0.add")) == {"layer2.0.conv2.bn", "layer2.0.downsample.bn"}


def _single(tmp_path: Path, build, x_shape: list, opset: int = 17) -> Path:
    g = B.Net()
    y = build(g)
    return B.save(g.model([B._input("x", x_shape)], [B._output(y)], opset=opset), tmp_path / "m.onnx")


@pytest.mark.parametrize("case", ["conv1d", "conv3d", "const_a", "batched_b", "gemm_trans", "vector"])
def test_compute_op_forms(tmp_path, case):
    """Each mapping documented in onnx_ops, with its MACs and weights counted by hand."""
    if case == "conv1d":  # [N,4,20] * [6,4,5], stride 2 -> [N,6,8]
        path = _single(
            tmp_path, lambda g: g.op("Conv", ["x", g.weight("w", (6, 4, 5))], "c", strides=[2]), ["N", 4, 20]
        )
        macs, weights, bounds = (
            N * 6 * 4 * 8 * 5,
            6 * 4 * 5,
            {"oy": 1, "ox": 8, "fy": 1, "fx": 5, "stride_x": 2},
        )
    elif case == "conv3d":  # [N,2,4,6,6] * [3,2,3,3,3] -> [N,3,2,4,4]
        path = _single(
            tmp_path, lambda g: g.op("Conv", ["x", g.weight("w", (3, 2, 3, 3, 3))], "c"), ["N", 2, 4, 6, 6]
        )
        macs, weights, bounds = N * 3 * 2 * (2 * 4 * 4) * 27, 3 * 2 * 27, {"oy": 8, "ox": 4, "fy": 9, "fx": 3}
    elif case == "const_a":  # W[5,7] x X[N,7,3] -> [N,5,3]
        path = _single(tmp_path, lambda g: g.op("MatMul", [g.weight("w", (5, 7)), "x"], "c"), ["N", 7, 3])
        macs, weights, bounds = N * 5 * 7 * 3, 5 * 7, {"k": 5, "c": 7, "ox": 3, "n": N}
    elif case == "batched_b":  # X[N,4,6,8] x W[4,8,3] (one weight per head) -> [N,4,6,3]
        path = _single(
            tmp_path, lambda g: g.op("MatMul", ["x", g.weight("w", (4, 8, 3))], "c"), ["N", 4, 6, 8]
        )
        macs, weights, bounds = N * 4 * 6 * 8 * 3, 4 * 8 * 3, {"groups": 4, "n": N, "ox": 6}
    elif case == "gemm_trans":  # A^T with A [9, N], B [9, 5] -> [N, 5]
        path = _single(tmp_path, lambda g: g.op("Gemm", ["x", g.weight("w", (9, 5))], "c", transA=1), [9, N])
        macs, weights, bounds = N * 9 * 5, 9 * 5, {"k": 5, "c": 9, "ox": N}
    else:  # [N, 6] x [6] -> [N]
        path = _single(tmp_path, lambda g: g.op("MatMul", ["x", g.weight("w", (6,))], "c"), ["N", 6])
        macs, weights, bounds = N * 6, 6, {"k": 1, "c": 6, "ox": N}
    # gemm_trans fixes its shapes ([9, N] with N = 2 written in): nothing to bind, so it loads at batch 1
    (layer,) = load(path, batch=1 if case == "gemm_trans" else N).compute_layers()
    assert (layer.macs, layer.weight_count) == (macs, weights)
    assert {key: getattr(layer, key) for key in bounds} == bounds


def test_float16_bits_and_unnamed_nodes(tmp_path):
    g = B.Net()
    w = g.init("w", np.zeros((4, 3, 1, 1)), np.float16)
    g.nodes.append(helper.make_node("Conv", ["x", w], ["y"]))  # no node name
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT16, ["N", 3, 4, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT16, None)
    path = B.save(g.model([x], [y]), tmp_path / "half.onnx")
    (layer,) = load(path).compute_layers()
    assert layer.name == "Conv_0"
    assert (layer.w_bits, layer.a_bits, layer.o_bits) == (16, 16, 16)
    assert dict(layer.attrs)["w_dtype"] == "float16"


def test_batch_name_bound_wherever_it_appears(tmp_path):
    """[seq, N, feat] layouts: N is named at dim 0 of another input, so it is the batch here too."""
    g = B.Net()
    y = g.op("MatMul", ["x", "h"], "mm")  # x [N, 3, 4] x h [N, 4, 5] -> [N, 3, 5]
    t = g.op("Transpose", ["z"], "zt", perm=[1, 0, 2])  # z [7, N, 5] -> [N, 7, 5]
    model = g.model(
        [B._input("x", ["N", 3, 4]), B._input("h", ["N", 4, 5]), B._input("z", [7, "N", 5])],
        [B._output(y), B._output(t)],
    )
    graph = load(B.save(model, tmp_path / "m.onnx"), batch=3)
    (mm,) = graph.compute_layers()
    assert (mm.n, mm.macs) == (3, 3 * 3 * 4 * 5)
    assert graph.graph.nodes["zt"]["layer"].in_elems == 7 * 3 * 5


# --- property: any Conv / ConvTranspose, counted against the ONNX operator formulas ------------------


@st.composite
def conv_cases(draw):
    groups = draw(st.sampled_from([1, 2, 4]))
    c = groups * draw(st.integers(1, 3))
    k = groups * draw(st.integers(1, 3))
    f = draw(st.integers(1, 4))
    stride, dilation, pad = draw(st.integers(1, 3)), draw(st.integers(1, 2)), draw(st.integers(0, 2))
    size = draw(st.integers(dilation * (f - 1) + 1, 12))
    transpose = draw(st.booleans())
    return c, k, groups, f, stride, dilation, pad, size, transpose


@settings(max_examples=30, deadline=None)
@given(conv_cases())
def test_conv_macs_property(tmp_path_factory, case):
    c, k, groups, f, stride, dilation, pad, size, transpose = case
    g = B.Net()
    attrs = {"strides": [stride] * 2, "dilations": [dilation] * 2, "pads": [pad] * 4, "group": groups}
    if transpose:
        w = g.weight("w", (c, k // groups, f, f))
        out = (size - 1) * stride - 2 * pad + dilation * (f - 1) + 1  # ONNX ConvTranspose output size
    else:
        w = g.weight("w", (k, c // groups, f, f))
        out = (size + 2 * pad - dilation * (f - 1) - 1) // stride + 1  # ONNX Conv output size
    if out < 1:
        return
    y = g.op("ConvTranspose" if transpose else "Conv", ["x", w], "op", **attrs)
    path = B.save(
        g.model([B._input("x", ["N", c, size, size])], [B._output(y)]),
        tmp_path_factory.mktemp("p") / "m.onnx",
    )
    (layer,) = load(path, batch=N).compute_layers()
    if transpose:  # scatter form: every input pixel times every tap
        assert layer.macs == N * c * size * size * (k // groups) * f * f
        assert layer.out_elems == N * k * out * out
    else:
        assert layer.macs == N * k * (c // groups) * out * out * f * f
        assert layer.output_count == N * k * out * out
    assert layer.weight_count == k * (c // groups) * f * f
