"""Quantized models and quantizer configurations written from a precision choice.

``tensor_overrides``: onnxruntime ``TensorQuantOverrides`` (JSON-able: quant types by name) for
every layer whose widths onnxruntime can express (weights int4/int8/int16 signed symmetric per
channel; activations uint4/uint8/uint16). A data tensor read by two layers at different widths gets
onnxruntime's per-consumer ``convert`` entry.

``quantize``: ``onnxruntime.quantization.quantize_static`` (QDQ, per-channel weights, MinMax
calibration) with those overrides, only on the compute ops; layers at widths onnxruntime cannot
express (2, 3, 5, 6, ... bits) get QONNX ``Quant`` nodes on their weight (per-channel symmetric,
narrow) and data input (unsigned, or signed when the calibrated range is negative) instead. The
opset is raised to 21 when int4/int16 types are used. Nothing is rounded to another width.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import helper, numpy_helper

from dse.errors import UserError
from dse.quant import formats, onnxmodel

ORT_WEIGHT = {4: "QInt4", 8: "QInt8", 16: "QInt16"}
ORT_ACT = {4: "QUInt4", 8: "QUInt8", 16: "QUInt16"}
QONNX_DOMAIN = "qonnx.custom_op.general"
QDQ_OPSET = 21  # int4/uint4/int16/uint16 QuantizeLinear/DequantizeLinear (ONNX opset 21)


def ort_expressible(w_bits: int, a_bits: int) -> bool:
    return w_bits in ORT_WEIGHT and a_bits in ORT_ACT


def _layer_bits(nodes, layers: dict, where: str) -> dict[str, tuple[int, int]]:
    names = {cn.name for cn in nodes}
    unknown = sorted(set(layers) - names)
    if unknown:
        raise UserError(f"{where}: layer {unknown[0]!r} is not a compute layer of the model")
    missing = [cn.name for cn in nodes if cn.name not in layers]
    if missing:
        raise UserError(f"{where}: no bits for compute layer {missing[0]!r}")
    out = {}
    for name, v in layers.items():
        try:
            w, a = int(v["w_bits"]), int(v["a_bits"])
        except (KeyError, TypeError, ValueError):
            raise UserError(f"{where}: layer {name!r}: expected {{w_bits: int, a_bits: int}}, got {v!r}") from None
        if not (2 <= w <= 16 and 2 <= a <= 16):
            raise UserError(f"{where}: layer {name!r}: w_bits {w}, a_bits {a}; expected widths in 2..16")
        out[name] = (w, a)
    return out


def tensor_overrides(nodes, bits: dict[str, tuple[int, int]], where: str) -> dict[str, list[dict]]:
    """TensorQuantOverrides (quant types as names) of the layers onnxruntime can express."""
    model_nodes = {cn.name: cn for cn in nodes}
    out: dict[str, list[dict]] = {}
    readers: dict[str, list[tuple[str, int]]] = {}
    for name, (w, a) in bits.items():
        cn = model_nodes[name]
        if not ort_expressible(w, a):
            continue
        if cn.weight_is_const:
            out[cn.weight] = [{"quant_type": ORT_WEIGHT[w], "symmetric": True, "axis": cn.axis}]
        else:
            readers.setdefault(cn.weight, []).append((name, w))
        readers.setdefault(cn.act, []).append((name, a))
    for tensor, rs in readers.items():
        widths = sorted({b for _, b in rs}, key=lambda b: -sum(1 for _, x in rs if x == b))
        if len(widths) > 2:
            raise UserError(f"{where}: tensor {tensor!r} is read at {len(widths)} widths {sorted(widths)} by "
                            f"{[n for n, _ in rs]}; onnxruntime expresses at most two (one convert)")
        entry = {"quant_type": ORT_ACT[widths[0]]}
        if len(widths) == 2:
            entry["convert"] = {"quant_type": ORT_ACT[widths[1]],
                                "recv_nodes": sorted(n for n, b in rs if b == widths[1])}
        out[tensor] = [entry]
    return out


def _ort_types(overrides: dict) -> dict:
    from onnxruntime.quantization import QuantType

    def conv(entry: dict) -> dict:
        e = dict(entry)
        e["quant_type"] = QuantType[e["quant_type"]]
        if "convert" in e:
            e["convert"] = {"quant_type": QuantType[e["convert"]["quant_type"]],
                            "recv_nodes": set(e["convert"]["recv_nodes"])}
        return e

    return {t: [conv(e) for e in v] for t, v in overrides.items()}


class _Reader:
    def __init__(self, feeds):
        self.it = iter(feeds)

    def get_next(self):
        return next(self.it, None)


def quantize(model_path: Path, layers: dict, out: Path, data: Path | None = None, samples: int = 64,
             where: str = "precision") -> dict:
    """Write the quantized model; returns {layer: "qdq" | "qonnx"} (how each layer was written)."""
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static

    from dse.quant.sensitivity import _calibrate, load_inputs

    model, nodes = onnxmodel.load(model_path)
    bits = _layer_bits(nodes, layers, where)
    overrides = tensor_overrides(nodes, bits, where)
    qdq = [cn.name for cn in nodes if ort_expressible(*bits[cn.name])]
    qonnx = [cn for cn in nodes if not ort_expressible(*bits[cn.name])]
    if data is None:
        print("dse: warning: no --data: calibration inputs drawn from the model's declared shapes "
              "(standard normal); activation ranges are a proxy", file=sys.stderr)
    inputs = load_inputs(model, Path(model_path), data, None, samples, seed=0)
    wide = any(w in (4, 16) or a in (4, 16) for w, a in bits.values())
    if model.opset_import and wide:
        opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)
        if opset < QDQ_OPSET:
            model = onnx.version_converter.convert_version(model, QDQ_OPSET)
            model.ir_version = max(model.ir_version, 10)
    names = onnxmodel._node_names(model.graph.node)
    for node, name in zip(model.graph.node, names):
        node.name = name  # unnamed nodes keep the importer's name through the inserted Q/DQ nodes
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    q = model
    if qdq:
        tmp_in, tmp_out = out.with_name(out.name + ".float.tmp"), out.with_name(out.name + ".qdq.tmp")
        onnx.save(model, str(tmp_in))
        root = logging.getLogger()
        level = root.level
        root.setLevel(logging.ERROR)  # onnxruntime's quantizer logs advice on the root logger
        try:
            quantize_static(
                str(tmp_in), str(tmp_out), _Reader(inputs.feeds), quant_format=QuantFormat.QDQ,
                op_types_to_quantize=["Conv", "ConvTranspose", "Gemm", "MatMul"], nodes_to_quantize=qdq,
                per_channel=True, activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                calibrate_method=CalibrationMethod.MinMax,
                extra_options={"TensorQuantOverrides": _ort_types(overrides), "WeightSymmetric": True,
                               "ActivationSymmetric": False})
            q = onnx.load(str(tmp_out))
        finally:
            root.setLevel(level)
            tmp_in.unlink(missing_ok=True)
            tmp_out.unlink(missing_ok=True)
    if qonnx:
        q = _qonnx_layers(q, qonnx, bits, _calibrate(model, nodes, inputs))
    onnx.save(q, str(out))
    return {cn.name: ("qdq" if cn.name in qdq else "qonnx") for cn in nodes}


def _qonnx_layers(model, layers, bits, ranges) -> onnx.ModelProto:
    """QONNX ``Quant`` on the weight and data input of each given layer (nodes found by name)."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    g = m.graph
    w_init = onnxmodel.weights(m)
    index = {node.name: i for i, node in enumerate(g.node)}
    inserted: dict[int, list] = {}
    for cn in layers:
        w, a = bits[cn.name]
        node = g.node[index[cn.name]]
        new = []

        def quant(x: str, scale, zp: float, nbits: int, signed: int, narrow: int, tag: str) -> str:
            p = f"{cn.name}.{tag}_quant"
            g.initializer.extend([numpy_helper.from_array(np.asarray(scale, np.float32), f"{p}.scale"),
                                  numpy_helper.from_array(np.asarray(zp, np.float32), f"{p}.zp"),
                                  numpy_helper.from_array(np.asarray(nbits, np.float32), f"{p}.bw")])
            new.append(helper.make_node("Quant", [x, f"{p}.scale", f"{p}.zp", f"{p}.bw"], [p], name=p,
                                        domain=QONNX_DOMAIN, signed=signed, narrow=narrow, rounding_mode="ROUND"))
            return p

        if cn.weight_is_const:
            s = formats.int_weight_scale(w_init[cn.weight], w, cn.axis)
            node.input[1] = quant(cn.weight, s, 0.0, w, 1, 1, "weight")
        else:
            node.input[1] = _act_quant(quant, node.input[1], ranges[cn.weight], w, "weight")
        node.input[0] = _act_quant(quant, node.input[0], ranges[cn.act], a, "input")
        inserted[index[cn.name]] = new
    order = []
    for i, node in enumerate(g.node):
        order += inserted.get(i, [])
        order.append(node)
    del g.node[:]
    g.node.extend(order)
    if not any(o.domain == QONNX_DOMAIN for o in m.opset_import):
        m.opset_import.append(helper.make_opsetid(QONNX_DOMAIN, 1))
    return m


def _act_quant(quant, tensor: str, rng: tuple[float, float], bits: int, tag: str) -> str:
    lo, hi = rng
    if lo >= 0:  # unsigned over [0, max]
        return quant(tensor, max(hi, 1e-12) / (2 ** bits - 1), 0.0, bits, 0, 0, tag)
    return quant(tensor, max(abs(lo), abs(hi), 1e-12) / (2 ** (bits - 1) - 1), 0.0, bits, 1, 1, tag)
