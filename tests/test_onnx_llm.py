"""Decoder LLMs as onnxruntime writes them: MatMulNBits / GatherBlockQuantized weights from
onnxruntime's own MatMulNBitsQuantizer, GroupQueryAttention and MultiHeadAttention as compute layers
(Q.K^T and P.V over the KV cache), RotaryEmbedding and (Skip)(Simplified)LayerNormalization kept as
data movement. MACs and bits are checked layer by layer against hand-computed values."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from onnx import TensorProto, helper

import onnx_builders as B
from dse.cli import main
from workloads.layer import WorkloadError
from workloads.onnx_import import load

pytest.importorskip("onnxruntime.quantization.matmul_nbits_quantizer")


@pytest.fixture(scope="module")
def decoders(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("llm")
    out = {}
    for kind in ("gqa", "mha"):
        cfg = B.DecoderConfig(kind=kind)
        src = B.decoder(folder / f"{kind}.onnx", cfg)
        out[kind] = src
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out[f"{kind}_int4"] = B.matmul_nbits(src, folder / f"{kind}_int4.onnx", bits=4, block_size=32)
    out["gqa_int4_qdq"] = B.matmul_nbits(out["gqa"], folder / "gqa_int4_qdq.onnx", fmt="QDQ")
    return out


def expected_macs(cfg: B.DecoderConfig, batch: int, seq: int, kv_len: int) -> dict[str, int]:
    """Per-layer MACs by hand: projections rows x in x out; attention heads x rows x positions x head_dim."""
    kv = cfg.kv_heads if cfg.kind == "gqa" else cfg.heads
    rows, hd, positions = batch * seq, cfg.head_dim, kv_len + seq
    out = {}
    for i in range(cfg.layers):
        p = f"layers.{i}"
        out |= {f"{p}.q_proj": rows * cfg.hidden * cfg.hidden, f"{p}.k_proj": rows * cfg.hidden * kv * hd,
                f"{p}.v_proj": rows * cfg.hidden * kv * hd, f"{p}.o_proj": rows * cfg.hidden * cfg.hidden,
                f"{p}.attn/scores": batch * cfg.heads * seq * positions * hd,
                f"{p}.attn/context": batch * cfg.heads * seq * positions * hd,
                f"{p}.up_proj": rows * cfg.hidden * cfg.ffn, f"{p}.down_proj": rows * cfg.ffn * cfg.hidden}
        if cfg.kind == "gqa":
            out[f"{p}.gate_proj"] = rows * cfg.hidden * cfg.ffn
    out["lm_head"] = rows * cfg.hidden * cfg.vocab
    return out


def _by_base_name(graph) -> dict:
    """Layers keyed by their float model's name (the quantizer appends _Q4 to the nodes it rewrites)."""
    return {layer.name.replace("_Q4", "").replace("_matmul", ""): layer for layer in graph.layers()}


@pytest.mark.parametrize("kind", ["gqa", "mha"])
@pytest.mark.parametrize("batch, seq, kv_len", [(1, 1, 16), (1, 8, 16), (2, 4, 3)])
def test_int4_decoder_macs_and_bits(decoders, kind, batch, seq, kv_len):
    cfg = B.DecoderConfig(kind=kind)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every width is stated: no warning
        graph = load(decoders[f"{kind}_int4"], batch=batch, seq_len=seq, kv_len=kv_len)
    layers = _by_base_name(graph)
    want = expected_macs(cfg, batch, seq, kv_len)
    assert {n: layers[n].macs for n in want} == want
    assert len(graph.compute_layers()) == len(want)
    for name, layer in layers.items():
        attrs = dict(layer.attrs)
        if name.endswith(("/scores", "/context")):  # activation x activation over the float32 cache
            assert (layer.kv_cache, layer.weight_is_constant, layer.w_bits, layer.a_bits) == \
                ("read", False, 32, 32)
            assert layer.param_count == 0
        elif layer.is_compute:  # MatMulNBits: 4-bit blocks of 32 along K, float32 activations
            assert (attrs["onnx_op"], layer.w_bits, layer.a_bits, attrs["w_quant"]) == ("MatMulNBits", 4, 32,
                                                                                      "block(32)"), name
            assert layer.kv_cache == ("write" if name.endswith(("k_proj", "v_proj")) else "")
    assert layers["embed_tokens"].a_bits == 4 and dict(layers["embed_tokens"].attrs)["onnx_op"] == \
        "GatherBlockQuantized"
    ops = {dict(layer.attrs)["onnx_op"] for layer in graph.layers()}
    assert ({"RotaryEmbedding", "SkipSimplifiedLayerNormalization", "SimplifiedLayerNormalization"} <= ops
            if kind == "gqa" else {"SkipLayerNormalization", "MultiHeadAttention"} <= ops)
    stored = sum(layer.param_count for layer in graph.compute_layers())
    assert stored == sum(want[n] // (batch * seq) for n in want if not n.endswith(("/scores", "/context")))


def test_quantized_and_float_decoders_agree_on_macs(decoders):
    f, q = load(decoders["gqa"], seq_len=8, kv_len=16), load(decoders["gqa_int4"], seq_len=8, kv_len=16)
    assert f.total_macs == q.total_macs == sum(expected_macs(B.DecoderConfig(), 1, 8, 16).values())
    assert {layer.w_bits for layer in f.compute_layers()} == {32}


def test_block_quantized_dequantize_linear(decoders):
    """MatMulNBitsQuantizer's QDQ format: int4 DequantizeLinear with block_size -> MatMul."""
    layers = _by_base_name(load(decoders["gqa_int4_qdq"], seq_len=1, kv_len=16))
    q = layers["layers.0.q_proj"]
    attrs = dict(q.attrs)
    assert (q.w_bits, q.a_bits, attrs["w_quant"], attrs["format"]) == (4, 32, "block(32)", "qdq")
    assert q.macs == 64 * 64


@pytest.mark.parametrize("bits", [2, 8])
def test_quantizer_bit_widths(decoders, tmp_path, bits):
    """The bits the installed onnxruntime quantizer supports besides 4 (it asserts 2, 4 or 8)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        path = B.matmul_nbits(decoders["gqa"], tmp_path / "q.onnx", bits=bits, block_size=64)
    layers = load(path, seq_len=1, kv_len=4).compute_layers()
    weights = [layer for layer in layers if layer.weight_is_constant]
    assert {(layer.w_bits, dict(layer.attrs)["w_quant"]) for layer in weights} == {(bits, "block(64)")}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bits=st.integers(2, 8), block=st.sampled_from([16, 32, 64, 128]), k_blocks=st.integers(1, 4),
       n=st.integers(1, 40), rows=st.integers(1, 6))
def test_matmul_nbits_written_by_hand(tmp_path_factory, bits, block, k_blocks, n, rows):
    """Property: any MatMulNBits (3-bit included, which the installed quantizer cannot write) gives
    MACs rows x K x N and its weight width and block size."""
    kk = block * k_blocks
    g = B.Net()
    blob = g.init("B", np.zeros((n, k_blocks, block * bits // 8 or 1), np.uint8), np.uint8)
    scales = g.init("scales", np.ones(n * k_blocks, np.float32))
    y = g.op("MatMulNBits", ["A", blob, scales], "mm", domain=B.MS_DOMAIN, K=kk, N=n, bits=bits,
             block_size=block)
    model = g.model([helper.make_tensor_value_info("A", TensorProto.FLOAT, [1, rows, kk])], [B._output(y)],
                    domains=((B.MS_DOMAIN, 1),))
    (layer,) = load(B.save(model, tmp_path_factory.mktemp("nb") / "m.onnx")).compute_layers()
    assert (layer.macs, layer.w_bits, layer.weight_count) == (rows * kk * n, bits, kk * n)
    assert dict(layer.attrs)["w_quant"] == f"block({block})"


def test_inspect_and_kv_precision(decoders, capsys):
    assert main(["inspect", str(decoders["gqa_int4"]), "--seq-len", "1", "--kv-len", "16", "--kv-bits", "8",
                 "--format", "csv"]) == 0
    rows = [line.split(",") for line in capsys.readouterr().out.splitlines()[1:]]
    scores = next(r for r in rows if r[0] == "layers.0.attn/scores")
    assert scores[2:5] == [str(4 * 17 * 16), "8", "32"]  # MACs, W = the KV cache at 8 bits, A


def test_sequence_dims_need_seq_len(decoders, capsys):
    with pytest.raises(WorkloadError, match="sequence_length.*need seq_len and kv_len"):
        load(decoders["gqa_int4"])
    assert main(["inspect", str(decoders["gqa_int4"])]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "--seq-len" in err[0]


def test_sweep_on_an_onnx_decoder(decoders, tmp_path):
    """A spec binds the decoder's sequence dims (seq_len, kv_len); phase stays a zoo parameter."""
    spec = tmp_path / "llm.yaml"
    spec.write_text(f"version: 1\nname: llm_onnx\nworkload: {{onnx: {decoders['gqa_int4']}, seq_len: 1, "
                    "kv_len: 16}\nprecision: {policy: model}\nspace: {pe_type: [INT8]}\n")
    assert main(["run", str(spec), "--out", str(tmp_path / "out"), "--no-progress"]) == 0
    assert (tmp_path / "out" / "manifest.json").is_file()
    spec.write_text(spec.read_text().replace("seq_len: 1", "phase: decode"))
    assert main(["run", str(spec), "--out", str(tmp_path / "out2"), "--no-progress"]) == 2
