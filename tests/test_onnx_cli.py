"""End to end: `dse inspect` and `dse run` on a float, a QDQ, a QOperator and a QONNX model."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import onnx_builders as B
import pytest

from dse.cli import main
from workloads.onnx_import import load

pytest.importorskip("onnxruntime.quantization", reason="onnxruntime (test extra) writes the quantized models")

FORMATS = ("float", "qdq", "qoperator", "qonnx")


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("cli")
    cnn = B.float_cnn(d / "cnn.onnx")
    return {
        "float": cnn,
        "qdq": B.quantize(cnn, d / "cnn_qdq.onnx", "qdq", per_channel=True),
        "qoperator": B.quantize(cnn, d / "cnn_qop.onnx", "qoperator"),
        "qonnx": B.qonnx_net(d / "qonnx.onnx"),
    }


@pytest.mark.parametrize("fmt", FORMATS)
def test_inspect_table(models, capsys, fmt):
    assert main(["inspect", str(models[fmt]), "--batch", "2"]) == 0
    out = capsys.readouterr().out
    graph = load(models[fmt], batch=2)
    for layer in graph.compute_layers():
        line = next(row for row in out.splitlines() if row.split() and row.split()[0] == layer.name)
        assert line.split()[-2:] == [str(layer.w_bits), str(layer.a_bits)], line
        assert f"{layer.macs:,}" in line


@pytest.mark.parametrize("fmt", FORMATS)
def test_inspect_csv_matches_importer(models, capsys, fmt):
    assert main(["inspect", str(models[fmt]), "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == ["name", "op", "macs", "w_bits", "a_bits", "weight_count"]
    expect = [
        [l.name, l.op, str(l.macs), str(l.w_bits), str(l.a_bits), str(l.weight_count)]
        for l in load(models[fmt]).compute_layers()
    ]
    assert rows[1:] == expect


def test_inspect_csv_qonnx_reference_rows(models, capsys):
    """Rows worked out by hand from qonnx_net at batch 1 (exact)."""
    assert main(["inspect", str(models["qonnx"]), "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))[1:]
    assert rows == [
        ["conv1", "conv", str(16 * 3 * 16 * 16 * 9), "4", "8", str(16 * 3 * 9)],
        ["conv2", "conv", str(16 * 16 * 8 * 8 * 9), "1", "4", str(16 * 16 * 9)],
        ["fc", "matmul", str(256 * 10), "2", "6", str(256 * 10)],
    ]


SPEC = """\
version: 1
name: onnx_{fmt}
workload:
  onnx: {model}
  batch: 1
precision:
  policy: model
  layers:
    "{first}": {{w: 8, a: 8}}
space:
  pe_type: [INT4, INT8]
  pe_rows: 8
  pe_cols: [8, 16]
  spad_ifmap_words: 12
  spad_filter_words: 224
  spad_psum_words: 24
  glb_kib: 64
  glb_tech: SRAM
  glb_banks: 4
  dram_type: LPDDR4
  dram_bw_gbps: 12.8
  clock_mhz: 200
  node_nm: 45
  dataflow: row_stationary
mapping:
  objective: edp
"""


@pytest.mark.parametrize("fmt", FORMATS)
def test_sweep_runs_on_onnx_workload(models, tmp_path, fmt):
    model = models[fmt]
    graph = load(model)
    first = graph.compute_layers()[0].name
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC.format(fmt=fmt, model=model, first=first))
    out = tmp_path / "out"
    assert main(["run", str(spec), "--out", str(out), "--no-progress"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["workload"]["network"] == model.stem
    assert manifest["workload"]["macs"] == graph.total_macs
    assert manifest["rows"] == 4
