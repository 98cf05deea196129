"""dse sensitivity and dse quantize: fake-quantization checked against independently built models,
the additive error measure against whole-network quantization, and the bits dse inspect reads back."""

from __future__ import annotations

import itertools

import numpy as np
import onnx
import onnxruntime as ort
import pandas as pd
import pytest
import yaml
from onnx import TensorProto, helper, numpy_helper

import onnx_builders
import quant_models
import workloads
from dse import cli
from dse.quant import formats, onnxmodel, sensitivity, writeback


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("DSE_CACHE_DIR", str(tmp_path / "cache"))


def test_weight_formats():
    w = np.random.default_rng(0).standard_normal((6, 5, 3, 3)).astype(np.float32)
    errs = [np.mean((formats.int_weight(w, b, 0) - w) ** 2) for b in (2, 3, 4, 8, 16)]
    assert all(a > b for a, b in itertools.pairwise(errs))
    for b in (2, 4, 8):  # at most 2^b - 1 levels per channel, symmetric
        q = formats.int_weight(w, b, 0)
        assert max(len(np.unique(q[k])) for k in range(6)) <= 2 ** b - 1
    s = np.abs(w).reshape(6, -1).max(axis=1)[:, None, None, None]
    q1 = formats.lightpe_weight(w, 1, 0) / s  # one signed power of two 2^-k, k = 0..7
    k = -np.log2(np.abs(q1))
    assert np.allclose(k, np.round(k)) and k.min() >= 0 and k.max() <= 7
    q2 = formats.lightpe_weight(w, 2, 0)
    assert np.mean((q2 - w) ** 2) < np.mean((q1 * s - w) ** 2)  # two terms beat one
    assert len(formats.lightpe_levels(2)) > len(formats.lightpe_levels(1)) == 16


def _ort(model: onnx.ModelProto, feed):
    return ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, feed)


def test_one_layer_matches_an_independent_qdq_model(tmp_path):
    """The instrumented single-session measurement equals a model built independently: the layer's
    weight replaced by its quantized values and a uint8 QuantizeLinear/DequantizeLinear on its input."""
    path = onnx_builders.float_cnn(tmp_path / "cnn.onnx")
    opts = sensitivity.Options(bits=(4, 8), a_bits=(8,), w_formats=("int",), samples=4)
    df = sensitivity.measure(path, opts, progress=False)
    model, nodes = onnxmodel.load(path)
    lay = df[df["scope"] == "layer"]
    assert sorted(lay["layer"].unique()) == sorted(cn.name for cn in nodes)
    assert len(lay) == len(nodes) * 2
    x = np.random.default_rng(0).standard_normal((4, 3, 32, 32)).astype(np.float32)  # the proxy draw
    ref = _ort(model, {"x": x})[0]
    cn = next(c for c in nodes if c.name == "pw")
    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    probe.graph.output.append(onnx.ValueInfoProto(name=cn.act))
    act = _ort(probe, {"x": x})[1]
    s, zp, _ = formats.activation_params(act.min(), act.max(), 8)
    m = onnx.ModelProto()
    m.CopyFrom(model)
    for t in m.graph.initializer:
        if t.name == cn.weight:
            t.CopyFrom(numpy_helper.from_array(formats.int_weight(numpy_helper.to_array(t), 4, 0), t.name))
    m.graph.initializer.extend([numpy_helper.from_array(np.float32(s), "ind_s"),
                                numpy_helper.from_array(np.uint8(zp), "ind_zp")])
    node = next(n for n in m.graph.node if n.name == "pw")
    qdq = [helper.make_node("QuantizeLinear", [cn.act, "ind_s", "ind_zp"], ["ind_q"]),
           helper.make_node("DequantizeLinear", ["ind_q", "ind_s", "ind_zp"], ["ind_dq"])]
    node.input[0] = "ind_dq"
    i = list(m.graph.node).index(node)
    nodes_new = list(m.graph.node)[:i] + qdq + list(m.graph.node)[i:]
    del m.graph.node[:]
    m.graph.node.extend(nodes_new)
    y = _ort(m, {"x": x})[0]
    independent = float(np.sum((y.astype(np.float64) - ref) ** 2) / np.sum(ref.astype(np.float64) ** 2))
    row = lay[(lay["layer"] == "pw") & (lay["w_bits"] == 4)].iloc[0]
    assert row["error"] == pytest.approx(independent, rel=1e-3)
    assert row["output_sqnr_db"] == pytest.approx(-10 * np.log10(independent), abs=0.01)
    # more bits, less error, on every layer
    e = lay.pivot(index="layer", columns="w_bits", values="error")
    assert (e[8] < e[4]).all()


def test_cli_warns_once_caches_and_checks_inputs(tmp_path, capsys):
    path = onnx_builders.float_cnn(tmp_path / "cnn.onnx")
    args = ["sensitivity", str(path), "--bits", "4,8", "--formats", "int,lightpe1", "--samples", "2",
            "--no-progress", "--out", str(tmp_path / "s.csv")]
    assert cli.main(args) == 0
    err = capsys.readouterr().err
    assert err.count("proxy") == 1
    first = pd.read_csv(tmp_path / "s.csv")
    assert set(first["w_format"]) == {"int", "lightpe1", "float"}
    assert cli.main(args) == 0
    assert "(cached)" in capsys.readouterr().err
    pd.testing.assert_frame_equal(first, pd.read_csv(tmp_path / "s.csv"))
    np.savez(tmp_path / "bad.npz", y=np.zeros((2, 3, 32, 32), np.float32))
    assert cli.main(args + ["--data", str(tmp_path / "bad.npz")]) == 2
    msg = capsys.readouterr().err.strip().splitlines()
    assert len(msg) == 1 and "no array 'x'" in msg[0]


def _assign(nodes, pattern):
    return {cn.name: dict(zip(("w_bits", "a_bits"), pattern[i % len(pattern)])) for i, cn in enumerate(nodes)}


@pytest.mark.parametrize("build", [
    lambda p: onnx_builders.resnet18(p, external=False, hw=32, zeros=False),
    lambda p: quant_models.mobilenetv2(p, hw=32, width=0.5, classes=10),
], ids=["resnet18", "mobilenetv2"])
def test_quantize_then_inspect_shows_every_chosen_width(tmp_path, build, capsys):
    """Every compute layer, including those after pooling and the residual branches that share an
    input at different widths (onnxruntime 'convert'), reads back with exactly the chosen bits."""
    path = build(tmp_path / "m.onnx")
    _, nodes = onnxmodel.load(path)
    bits = _assign(nodes, [(8, 8), (4, 4), (2, 4), (4, 8), (8, 4), (3, 8), (16, 16), (6, 2)])
    if "layer3.0.downsample" in bits:  # ResNet: one block input read by two layers at two widths
        bits.update({"layer3.0.conv1": {"w_bits": 8, "a_bits": 8}, "layer3.0.downsample": {"w_bits": 4, "a_bits": 4}})
        assert any("convert" in v[0] for v in writeback.tensor_overrides(nodes, {
        k: (v["w_bits"], v["a_bits"]) for k, v in bits.items()}, "t").values())
    (tmp_path / "bits.yaml").write_text(yaml.safe_dump(bits))
    q = tmp_path / "q.onnx"
    assert cli.main(["quantize", str(path), "--precision", str(tmp_path / "bits.yaml"), "--samples", "2",
                     "--out", str(q)]) == 0
    got = {L.name: {"w_bits": L.w_bits, "a_bits": L.a_bits} for L in workloads.load(q).compute_layers()}
    assert got == bits
    capsys.readouterr()
    assert cli.main(["inspect", str(q), "--format", "csv"]) == 0
    table = pd.read_csv(pd.io.common.StringIO(capsys.readouterr().out))
    assert dict(zip(table["name"], zip(table["w_bits"], table["a_bits"]))) == {
        k: (v["w_bits"], v["a_bits"]) for k, v in bits.items()}


def test_quantized_model_runs_and_refuses_bad_maps(tmp_path, capsys):
    path = onnx_builders.resnet18(tmp_path / "m.onnx", external=False, hw=32, zeros=False)
    _, nodes = onnxmodel.load(path)
    bits = _assign(nodes, [(8, 8), (4, 8)])
    (tmp_path / "b.yaml").write_text(yaml.safe_dump(bits))
    q = tmp_path / "q.onnx"
    assert cli.main(["quantize", str(path), "--precision", str(tmp_path / "b.yaml"), "--samples", "2",
                     "--out", str(q)]) == 0
    x = np.random.default_rng(0).standard_normal((2, 3, 32, 32)).astype(np.float32)
    y, yq = _ort(onnx.load(str(path)), {"x": x})[0], _ort(onnx.load(str(q)), {"x": x})[0]
    measured = float(np.sum((yq.astype(np.float64) - y) ** 2) / np.sum(y.astype(np.float64) ** 2))
    # the fake quantization dse sensitivity runs predicts the real QDQ model's error (same inputs;
    # onnxruntime's int8 weight scale is absmax/127.5 where ours is absmax/127, hence not equal)
    model, _ = onnxmodel.load(path)
    runner = sensitivity.Runner(model, nodes, sensitivity.load_inputs(model, path, None, None, 2, 0))
    predicted, _ = runner.measure({i: ("int", bits[cn.name]["w_bits"], bits[cn.name]["a_bits"])
                                   for i, cn in enumerate(nodes)})
    assert predicted == pytest.approx(measured, rel=0.5)
    del bits["fc"]
    (tmp_path / "b.yaml").write_text(yaml.safe_dump(bits))
    capsys.readouterr()
    assert cli.main(["quantize", str(path), "--precision", str(tmp_path / "b.yaml"), "--out", str(q)]) == 2
    assert "no bits for compute layer 'fc'" in capsys.readouterr().err
