"""Bad ONNX input: one clear message naming the file (and node), and exit code 2 from `dse inspect`."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import onnx
import onnx_builders as B
import pytest
from onnx import TensorProto, helper

from dse.cli import main
from workloads.layer import WorkloadError
from workloads.onnx_import import UnsupportedOpWarning, load


def _conv_model(tmp_path: Path, name: str, weight_as_input: bool = False, w_shape=(8, 3, 3, 3)) -> Path:
    g = B.Net()
    inputs = [B._input("x", ["N", 3, 8, 8])]
    if weight_as_input:
        inputs.append(B._input("W", list(w_shape)))
    else:
        g.weight("W", w_shape)
    y = g.op("Conv", ["x", "W"], "conv3", pads=[1, 1, 1, 1])
    return B.save(g.model(inputs, [B._output(y)]), tmp_path / name)


def _truncated(tmp_path: Path) -> Path:
    data = B.float_cnn(tmp_path / "full.onnx").read_bytes()
    (tmp_path / "truncated.onnx").write_bytes(data[: len(data) // 2])
    return tmp_path / "truncated.onnx"


def _not_onnx(tmp_path: Path) -> Path:
    (tmp_path / "notes.onnx").write_text("name,op,macs\nconv1,conv,1000\n")
    return tmp_path / "notes.onnx"


def _empty(tmp_path: Path) -> Path:
    (tmp_path / "empty.onnx").write_bytes(b"")
    return tmp_path / "empty.onnx"


def _lstm(tmp_path: Path) -> Path:
    g = B.Net()
    y = g.op(
        "LSTM", ["x", g.weight("W", (1, 16, 3)), g.weight("R", (1, 16, 4))], "rnn", n_out=3, hidden_size=4
    )
    return B.save(g.model([B._input("x", [5, 2, 3])], [B._output(y)]), tmp_path / "lstm.onnx")


def _custom_weighted(tmp_path: Path) -> Path:
    g = B.Net()
    y = g.op("MyConv", ["x", g.weight("W", (8, 3, 3, 3))], "myconv", domain="com.example")
    model = g.model([B._input("x", ["N", 3, 8, 8])], [B._output(y)], domains=(("com.example", 1),))
    return B.save(model, tmp_path / "custom.onnx")


def _float_zero_point(tmp_path: Path) -> Path:
    g = B.Net()
    q = g.op("QuantizeLinear", ["x", g.init("s", np.float32(0.1)), g.init("zp", np.float32(0))], "x_q")
    d = g.op("DequantizeLinear", [q, "s", "zp"], "x_dq")
    y = g.op("Conv", [d, g.weight("W", (4, 3, 1, 1))], "conv")
    return B.save(g.model([B._input("x", ["N", 3, 4, 4])], [B._output(y)]), tmp_path / "fzp.onnx")


def _unnamed_float_zero_point(tmp_path: Path) -> Path:
    """As _float_zero_point, with the quantizer unnamed: the message uses the importer's node name."""
    model = onnx.load(_float_zero_point(tmp_path))
    model.graph.node[0].name = ""
    return B.save(model, tmp_path / "fzp_unnamed.onnx")


def _unnamed_qonnx_fractional_bits(tmp_path: Path) -> Path:
    model = onnx.load(_qonnx_fractional_bits(tmp_path))
    model.graph.node[0].name = ""
    return B.save(model, tmp_path / "qfrac_unnamed.onnx")


def _matmul_mismatch(tmp_path: Path) -> Path:
    g = B.Net()
    y = g.op("MatMul", ["x", g.weight("W", (8, 4))], "mm")
    return B.save(g.model([B._input("x", ["N", 6])], [B._output(y)]), tmp_path / "mm.onnx")


def _symbolic_tokens(tmp_path: Path) -> Path:
    g = B.Net()
    y = g.op("MatMul", ["x", g.weight("W", (8, 4))], "mm")
    return B.save(g.model([B._input("x", ["N", "seq", 8])], [B._output(y)]), tmp_path / "seq.onnx")


def _qonnx_fractional_bits(tmp_path: Path) -> Path:
    g = B.Net()
    w = g.op(
        "Quant",
        [
            g.weight("w", (6, 4)),
            g.init("s", np.float32(0.1)),
            g.init("z", np.float32(0)),
            g.init("bw", np.float32(2.5)),
        ],
        "wq",
        domain=B.QONNX_DOMAIN,
    )
    y = g.op("MatMul", ["x", w], "mm")
    model = g.model([B._input("x", ["N", 6])], [B._output(y)], domains=((B.QONNX_DOMAIN, 1),))
    return B.save(model, tmp_path / "frac.onnx")


# case: (builder, the message must contain these)
BAD = {
    "missing": (lambda p: p / "nowhere.onnx", ["no such file"]),
    "truncated": (_truncated, ["not a readable ONNX model", "truncated"]),
    "not_onnx": (_not_onnx, ["not a readable ONNX model"]),
    "empty_file": (_empty, ["not an ONNX model"]),
    "unsupported_compute_lstm": (_lstm, ["node 'rnn' (LSTM)", "unsupported compute op"]),
    "unsupported_compute_custom": (
        _custom_weighted,
        ["node 'myconv' (MyConv)", "constant weight-like input 'W'"],
    ),
    "conv_weight_not_initializer": (
        lambda p: _conv_model(p, "noinit.onnx", weight_as_input=True),
        ["node 'conv3' (Conv): weight input 'W' is not an initializer"],
    ),
    "inconsistent_conv": (
        lambda p: _conv_model(p, "chan.onnx", w_shape=(8, 4, 3, 3)),
        ["node 'conv3' (Conv): inconsistent shapes", "C = 4*1"],
    ),
    "inconsistent_matmul": (_matmul_mismatch, ["node 'mm' (MatMul): inconsistent shapes"]),
    "float_zero_point": (
        _float_zero_point,
        ["node 'x_q' (QuantizeLinear): zero point 'zp' has type float", "expected an integer type"],
    ),
    "unnamed_float_zero_point": (
        _unnamed_float_zero_point,
        ["node 'QuantizeLinear_0' (QuantizeLinear): zero point 'zp' has type float"],
    ),
    "symbolic_tokens": (_symbolic_tokens, ["graph input 'x' dimension 1 is symbolic (seq)"]),
    "qonnx_fractional_bits": (_qonnx_fractional_bits, ["node 'wq' (Quant): bit width 2.5"]),
    "unnamed_qonnx_fractional_bits": (_unnamed_qonnx_fractional_bits, ["node 'Quant_0' (Quant): bit width 2.5"]),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_library_message(tmp_path, case):
    build, parts = BAD[case]
    path = build(tmp_path)
    with pytest.raises(WorkloadError) as err:
        load(path)
    msg = str(err.value)
    assert msg.startswith(f"{path}: ") and "\n" not in msg
    for part in parts:
        assert part in msg


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_cli_exit_code(tmp_path, capsys, case):
    path = BAD[case][0](tmp_path)
    assert main(["inspect", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"dse: error: {path}: ") and "\n" not in err and "Traceback" not in err


def test_inconsistent_declared_shape(tmp_path):
    g = B.Net()
    y = g.op("Conv", ["x", g.weight("W", (4, 3, 1, 1))], "conv")
    model = g.model(
        [B._input("x", ["N", 3, 4, 4])], [helper.make_tensor_value_info(y, TensorProto.FLOAT, [1, 4, 5, 4])]
    )
    path = B.save(model, tmp_path / "decl.onnx")
    with pytest.raises(WorkloadError, match=r"node 'conv' \(Conv\): inconsistent shapes or types"):
        load(path)


def test_dangling_tensor(tmp_path):
    model = onnx.load(str(_conv_model(tmp_path, "ok.onnx")))
    del model.graph.initializer[:]  # the weight vanishes, as when a file lost its tail
    path = B.save(model, tmp_path / "dangling.onnx")
    with pytest.raises(WorkloadError, match=r"node 'conv3' \(Conv\): input 'W' is not produced"):
        load(path)


# --- unsupported non-compute ops: a warning, kept as data movement --------------------------------


def test_unknown_data_op_warns_and_is_kept(tmp_path, capsys):
    g = B.Net()
    a = g.conv("conv_a", "x", 3, 8, 3)
    n = g.op("FancyNorm", [a, g.init("eps", np.float32(1e-5))], "fancy", domain="com.example")
    y = g.conv("conv_b", n, 8, 4, 1)
    model = g.model([B._input("x", ["N", 3, 8, 8])], [B._output(y)], domains=(("com.example", 1),))
    model.graph.value_info.append(helper.make_tensor_value_info(n, TensorProto.FLOAT, ["N", 8, 8, 8]))
    path = B.save(model, tmp_path / "fancy.onnx")
    with pytest.warns(
        UnsupportedOpWarning, match=r"node 'fancy' \(com.example.FancyNorm\): unsupported op, kept"
    ):
        graph = load(path, batch=2)
    fancy = graph.graph.nodes["fancy"]["layer"]
    assert (fancy.op, fancy.in_elems, fancy.out_elems, fancy.macs) == ("fancynorm", 2 * 512, 2 * 512, 0)
    assert set(graph.graph.edges) == {("conv_a", "fancy"), ("fancy", "conv_b")}
    assert graph.graph.nodes["conv_b"]["layer"].macs == 2 * 4 * 8 * 64
    with pytest.warns(UnsupportedOpWarning):
        assert main(["inspect", str(path), "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "name,op,macs,w_bits,a_bits,weight_count"


# --- external data: confined to the model's folder ---------------------------------------------------


def _external_model(tmp_path: Path, location: str) -> Path:
    """A Conv whose weight lives in external data at ``location`` (written there if inside tmp_path)."""
    path = _conv_model(tmp_path, "ext.onnx")
    model = onnx.load(str(path))
    weight = model.graph.initializer[0]
    raw = weight.raw_data or np.asarray(weight.float_data, np.float32).tobytes()
    target = Path(location) if os.path.isabs(location) else tmp_path / location
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(raw)
    weight.ClearField("raw_data")
    weight.ClearField("float_data")
    weight.data_location = TensorProto.EXTERNAL
    for key, value in (("location", location), ("offset", "0"), ("length", str(len(raw)))):
        weight.external_data.add(key=key, value=value)
    return B.save(model, tmp_path / "ext.onnx")


def test_external_data_inside_folder_loads(tmp_path):
    (layer,) = load(_external_model(tmp_path, "data/weights.bin")).compute_layers()
    assert layer.weight_count == 8 * 3 * 9


@pytest.mark.parametrize(
    "location, message",
    [
        ("../outside.bin", "escapes the model's folder"),
        ("ABSOLUTE", "is absolute"),
    ],
)
def test_external_data_escape_rejected(tmp_path, location, message):
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    if location == "ABSOLUTE":
        location = str(tmp_path / "abs.bin")
    path = _external_model(model_dir, location)
    with pytest.raises(WorkloadError, match=message) as err:
        load(path)
    assert "initializer 'W'" in str(err.value)
    assert main(["inspect", str(path)]) == 2


def test_external_data_missing_or_short(tmp_path):
    path = _external_model(tmp_path, "w.bin")
    (tmp_path / "w.bin").write_bytes(b"\0" * 10)
    with pytest.raises(WorkloadError, match="exceeds 'w.bin'"):
        load(path)
    (tmp_path / "w.bin").unlink()
    with pytest.raises(WorkloadError, match="external data file 'w.bin' not found"):
        load(path)


def test_unknown_op_without_shapes_at_the_tail(tmp_path):
    """Post-processing ops ONNX cannot infer: kept (0 elements known), with a warning; compute intact."""
    g = B.Net()
    a = g.conv("conv", "x", 3, 8, 3)
    n = g.op("Decode", [a], "decode", domain="com.example")
    y = g.op("Relu", [n], "relu")
    model = g.model([B._input("x", ["N", 3, 8, 8])], [B._output(y)], domains=(("com.example", 1),))
    path = B.save(model, tmp_path / "tail.onnx")
    with pytest.warns(UnsupportedOpWarning, match=r"node 'decode' \(com.example.Decode\)"):
        graph = load(path)
    assert [layer.name for layer in graph] == ["conv", "decode", "relu"]
    assert graph.graph.nodes["decode"]["layer"].in_elems == 8 * 64
    assert graph.total_macs == 8 * 3 * 64 * 9


@pytest.mark.parametrize("builder", [B.float_transformer, B.qonnx_net])
def test_all_tensors_external_gives_same_graph(tmp_path, builder):
    """Reshape shapes and QONNX bit widths read back from external data (size_threshold=0)."""
    inline = builder(tmp_path / "inline.onnx")
    model = onnx.load(str(inline))
    ext_dir = tmp_path / "ext"
    ext_dir.mkdir()
    onnx.save(
        model, str(ext_dir / "inline.onnx"), save_as_external_data=True, location="w.bin", size_threshold=0
    )
    assert any(
        t.data_location == TensorProto.EXTERNAL
        for t in onnx.load(str(ext_dir / "inline.onnx"), load_external_data=False).graph.initializer
    )
    a, b = load(inline, batch=2), load(ext_dir / "inline.onnx", batch=2)
    rows = [(l.name, l.op, l.macs, l.w_bits, l.a_bits, l.o_bits, l.in_elems) for l in a]
    assert [(l.name, l.op, l.macs, l.w_bits, l.a_bits, l.o_bits, l.in_elems) for l in b] == rows


def test_fixed_batch_model_refuses_another_batch(tmp_path):
    """A model exported with batch 1 cannot silently stand in for batch 4 (the MACs would be 4x off)."""
    from onnx import numpy_helper

    w = numpy_helper.from_array(np.zeros((4, 3, 3, 3), np.float32), "w")
    graph = helper.make_graph(
        [helper.make_node("Conv", ["x", "w"], ["y"], name="conv")], "fixed",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 6, 6])], initializer=[w])
    path = tmp_path / "fixed.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    assert load(path).total_macs == 4 * 3 * 36 * 9  # its own batch works
    with pytest.raises(WorkloadError, match=r"fixed.onnx: batch 4 requested, but every graph input has a fixed "
                                            r"shape, so there is no batch dimension to bind"):
        load(path, batch=4)
