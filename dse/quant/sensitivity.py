"""Per-layer quantization sensitivity, measured with onnxruntime.

For every compute layer and candidate (weight format, w_bits, a_bits), only that layer is
fake-quantized (``dse.quant.formats``: per-channel symmetric INT weights, LightPE power-of-two
weights, FP16; activations calibrated by min/max on the data) and the model's outputs are compared
with the float outputs on the same inputs.

**The additive error measure** (column ``error``): the normalized output MSE,
``sum((y_q - y)^2) / sum(y^2)`` over all outputs of all samples, i.e. 1 / SQNR. Quantization noise
injected at different layers is close to independent and zero-mean, so its powers at the output
add: the error of a mixed-precision network is predicted by the sum of its layers' errors (the
assumption of HAWQ-V3's and Zhou et al.'s additive noise models; ``additivity`` measures how well it
holds, and rows with ``scope = network`` record the measured error of quantizing every layer at
once). ``output_sqnr_db = -10 log10(error)``.

One InferenceSession serves every measurement: the instrumented model takes each compute layer's
weight as a graph input (quantized weights are fed, nothing is rebuilt) and has a gated fake
quantizer in front of each layer's data input, whose
gate, scale and zero point are graph inputs too
(``y = where(g, fq(x), where(h, fp16(x), x))``).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnx
import pandas as pd
from onnx import TensorProto, helper, numpy_helper
from tqdm import tqdm

from dse.errors import UserError
from dse.io import sha256_file, write_csv
from dse.quant import formats, onnxmodel

COLUMNS = ("scope", "layer", "w_format", "w_bits", "a_bits", "error", "output_sqnr_db", "top1_accuracy",
           "samples", "model_sha256")
CHUNK_SAMPLES = 32  # samples per onnxruntime call (bounds the memory of large models)
CACHE_VERSION = 2


@dataclass(frozen=True)
class Options:
    bits: tuple[int, ...] = (2, 4, 8)  # INT weight widths
    a_bits: tuple[int, ...] = (2, 4, 8)  # activation widths
    w_formats: tuple[str, ...] = formats.W_FORMATS
    samples: int = 8
    seed: int = 0

    def candidates(self) -> list[tuple[str, int, int]]:
        """(w_format, w_bits, a_bits) rows measured for every layer."""
        out = [("int", w, a) for w in self.bits for a in self.a_bits] if "int" in self.w_formats else []
        for fmt in ("lightpe1", "lightpe2"):
            if fmt in self.w_formats:
                out += [(fmt, formats.FIXED_FORMAT_BITS[fmt][0], a) for a in self.a_bits]
        if "fp16" in self.w_formats:
            out.append(("fp16", 16, 16))
        return out


@dataclass
class Inputs:
    feeds: list[dict[str, np.ndarray]]  # chunks of samples
    labels: np.ndarray | None
    proxy: bool  # drawn from the declared shapes, not real data
    digest: str = ""
    n: int = 0
    extra: dict = field(default_factory=dict)


def load_inputs(model: onnx.ModelProto, path: Path, data: Path | None, labels: Path | None,
                samples: int, seed: int) -> Inputs:
    g = model.graph
    inits = {t.name for t in g.initializer}
    graph_inputs = [vi for vi in g.input if vi.name not in inits]
    h = hashlib.sha256()
    if data is not None:
        if not Path(data).is_file():
            raise UserError(f"{data}: no such file; expected an .npz keyed by the model's input names")
        try:
            npz = np.load(data)
        except (OSError, ValueError) as exc:
            raise UserError(f"{data}: not a readable .npz ({exc})") from None
        arrays = {}
        for vi in graph_inputs:
            if vi.name not in npz.files:
                raise UserError(f"{data}: no array {vi.name!r}; expected one per model input "
                                f"({[v.name for v in graph_inputs]}), got {npz.files}")
            arrays[vi.name] = np.asarray(npz[vi.name], dtype=np.float32)
        n = min(samples, min(len(a) for a in arrays.values()))
        arrays = {k: v[:n] for k, v in arrays.items()}
        h.update(sha256_file(Path(data)).encode())
        proxy = False
    else:
        rng = np.random.default_rng(seed)
        arrays = {}
        for vi in graph_inputs:
            dims = [d.dim_value if d.HasField("dim_value") else 0 for d in vi.type.tensor_type.shape.dim]
            shape = [samples] + [d or 1 for d in dims[1:]]
            arrays[vi.name] = rng.standard_normal(shape).astype(np.float32)
        n = samples
        proxy = True
    h.update(f"{n}|{seed}".encode())
    lab = None
    if labels is not None:
        if not Path(labels).is_file():
            raise UserError(f"{labels}: no such file; expected a .npy of integer class labels")
        try:
            lab = np.load(labels, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise UserError(f"{labels}: not a readable .npy ({exc})") from None
        if lab.ndim != 1 or len(lab) < n or not np.issubdtype(lab.dtype, np.integer):
            raise UserError(f"{labels}: expected a 1-D integer array of at least {n} labels, got "
                            f"shape {lab.shape} dtype {lab.dtype}")
        lab = lab[:n]
        h.update(sha256_file(Path(labels)).encode())
    # a fixed (non-symbolic) batch dimension limits the samples per call
    fixed = [vi.type.tensor_type.shape.dim[0].dim_value for vi in graph_inputs
             if vi.type.tensor_type.shape.dim and vi.type.tensor_type.shape.dim[0].HasField("dim_value")]
    step = min(fixed) if fixed else CHUNK_SAMPLES
    feeds = [{k: v[i:i + step] for k, v in arrays.items()} for i in range(0, n, step)]
    return Inputs(feeds, lab, proxy, h.hexdigest(), n)


def _instrument(model: onnx.ModelProto, nodes: list[onnxmodel.ComputeNode]) -> onnx.ModelProto:
    """The model with compute weights as inputs and a gated fake quantizer on each data input."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    g = m.graph
    inits = {t.name: t for t in g.initializer}
    new_nodes = []
    scalar = lambda name: helper.make_tensor_value_info(name, TensorProto.FLOAT, [])
    fq_nodes: dict[int, list] = {}
    for i, cn in enumerate(nodes):
        node = g.node[cn.index]
        pre = []
        targets = [0] if cn.weight_is_const else [0, 1]
        for slot in targets:
            x = node.input[slot]
            p = f"dse_q{i}_{slot}"
            for s in ("s", "zp", "qmax"):
                g.input.append(scalar(f"{p}_{s}"))
            for s in ("g", "h"):
                g.input.append(helper.make_tensor_value_info(f"{p}_{s}", TensorProto.BOOL, []))
            pre += [
                helper.make_node("Div", [x, f"{p}_s"], [f"{p}_div"]),
                helper.make_node("Round", [f"{p}_div"], [f"{p}_round"]),
                helper.make_node("Add", [f"{p}_round", f"{p}_zp"], [f"{p}_shift"]),
                helper.make_node("Max", [f"{p}_shift", "dse_zero"], [f"{p}_lo"]),
                helper.make_node("Min", [f"{p}_lo", f"{p}_qmax"], [f"{p}_clip"]),
                helper.make_node("Sub", [f"{p}_clip", f"{p}_zp"], [f"{p}_int"]),
                helper.make_node("Mul", [f"{p}_int", f"{p}_s"], [f"{p}_fq"]),
                helper.make_node("Cast", [x], [f"{p}_h16"], to=TensorProto.FLOAT16),
                helper.make_node("Cast", [f"{p}_h16"], [f"{p}_h32"], to=TensorProto.FLOAT),
                # Where selects, so an fp16 overflow on a disabled branch cannot leak (0 * inf = nan)
                helper.make_node("Where", [f"{p}_h", f"{p}_h32", x], [f"{p}_y1"]),
                helper.make_node("Where", [f"{p}_g", f"{p}_fq", f"{p}_y1"], [f"{p}_y"]),
            ]
            node.input[slot] = f"{p}_y"
        if cn.weight_is_const:
            t = inits[cn.weight]
            name = f"dse_w{i}"
            g.input.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, list(t.dims)))
            node.input[1] = name
        fq_nodes[cn.index] = pre
    for idx, node in enumerate(g.node):
        new_nodes += fq_nodes.get(idx, [])
        new_nodes.append(node)
    used = {t for n in new_nodes for t in n.input}
    keep = [t for t in g.initializer if t.name in used]
    del g.initializer[:]
    g.initializer.extend(keep + [numpy_helper.from_array(np.zeros((), np.float32), "dse_zero")])
    del g.node[:]
    g.node.extend(new_nodes)
    return m


def _session(model: onnx.ModelProto):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.log_severity_level = 3
    return ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])


def _calibrate(model: onnx.ModelProto, nodes, inputs: Inputs) -> dict[str, tuple[float, float]]:
    """(min, max) of every quantized data tensor over the samples, from one float run."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    tensors = sorted({cn.act for cn in nodes} | {cn.weight for cn in nodes if not cn.weight_is_const})
    have = {o.name for o in m.graph.output}
    inputs_names = {vi.name for vi in m.graph.input}
    for t in tensors:
        if t not in have and t not in inputs_names:
            m.graph.output.append(onnx.ValueInfoProto(name=t))
    sess = _session(m)
    lo = {t: np.inf for t in tensors}
    hi = {t: -np.inf for t in tensors}
    for feed in inputs.feeds:
        fetched = [t for t in tensors if t not in inputs_names]
        vals = dict(zip(fetched, sess.run(fetched, feed)))
        vals.update({t: feed[t] for t in tensors if t in inputs_names})
        for t in tensors:
            lo[t] = min(lo[t], float(np.min(vals[t])))
            hi[t] = max(hi[t], float(np.max(vals[t])))
    return {t: (lo[t], hi[t]) for t in tensors}


class Runner:
    """Runs the instrumented model with some layers quantized; returns (error, top1) vs float."""

    def __init__(self, model: onnx.ModelProto, nodes, inputs: Inputs) -> None:
        self.nodes, self.inputs = nodes, inputs
        self.w = onnxmodel.weights(model)
        self.ranges = _calibrate(model, nodes, inputs)
        self.sess = _session(_instrument(model, nodes))
        self.outputs = [o.name for o in self.sess.get_outputs()]
        self.base = self._feed({})
        self.ref = self._run(self.base)
        self._wq: dict[tuple[int, str, int], np.ndarray] = {}

    def _feed(self, config: dict[int, tuple[str, int, int]]) -> dict[str, np.ndarray]:
        """Graph inputs for a configuration {node index: (w_format, w_bits, a_bits)}."""
        f: dict[str, np.ndarray] = {}
        one = lambda v: np.asarray(v, np.float32)
        for i, cn in enumerate(self.nodes):
            cfg = config.get(i)
            if cn.weight_is_const:
                f[f"dse_w{i}"] = self.w[cn.weight] if cfg is None else self.weight(i, cfg[0], cfg[1])
            for slot, tensor in ((0, cn.act), (1, cn.weight)):
                if slot == 1 and cn.weight_is_const:
                    continue
                p = f"dse_q{i}_{slot}"
                bits = None if cfg is None else (cfg[2] if slot == 0 else cfg[1])
                fp = cfg is not None and cfg[0] == "fp16"
                s, zp, qmax = (1.0, 0.0, 1e30) if bits is None or fp else \
                    formats.activation_params(*self.ranges[tensor], bits)
                f.update({f"{p}_g": np.asarray(bits is not None and not fp), f"{p}_h": np.asarray(fp), f"{p}_s": one(s),
                          f"{p}_zp": one(zp), f"{p}_qmax": one(qmax)})
        return f

    def weight(self, i: int, fmt: str, bits: int) -> np.ndarray:
        key = (i, fmt, bits)
        if key not in self._wq:
            cn = self.nodes[i]
            self._wq[key] = formats.quantize_weight(self.w[cn.weight], fmt, bits, cn.axis)
        return self._wq[key]

    def _run(self, feed: dict[str, np.ndarray]) -> list[np.ndarray]:
        chunks = [self.sess.run(self.outputs, {**feed, **x}) for x in self.inputs.feeds]
        return [np.concatenate([c[k] for c in chunks]) for k in range(len(self.outputs))]

    def measure(self, config: dict[int, tuple[str, int, int]]) -> tuple[float, float]:
        out = self._run(self._feed(config))
        num = sum(float(np.sum((np.asarray(q, np.float64) - r) ** 2)) for q, r in zip(out, self.ref))
        den = sum(float(np.sum(np.asarray(r, np.float64) ** 2)) for r in self.ref)
        err = num / den if den > 0 else (0.0 if num == 0 else np.inf)
        return err, self.top1(out[0])

    def top1(self, logits: np.ndarray) -> float:
        if self.inputs.labels is None:
            return float("nan")
        pred = np.argmax(logits.reshape(len(logits), -1), axis=1)
        return float(np.mean(pred == self.inputs.labels))


def sqnr_db(error: float) -> float:
    return float(-10 * np.log10(error)) if error > 0 else float("inf")


def measure(model_path: Path, opts: Options, data: Path | None = None, labels: Path | None = None,
            progress: bool = True, network_rows: bool = True) -> pd.DataFrame:
    model, nodes = onnxmodel.load(model_path)
    inputs = load_inputs(model, model_path, data, labels, opts.samples, opts.seed)
    sha = sha256_file(Path(model_path))
    key = cache_key(sha, opts, inputs.digest)
    cached = cache_dir() / f"{key}.csv"
    if cached.is_file():
        df = pd.read_csv(cached)
        df.attrs.update(proxy=inputs.proxy, cached=True)
        return df
    runner = Runner(model, nodes, inputs)
    cands = opts.candidates()
    rows = []
    base_top1 = runner.top1(runner.ref[0])

    def row(scope, layer, fmt, w, a, err, top1):
        return dict(scope=scope, layer=layer, w_format=fmt, w_bits=w, a_bits=a, error=err,
                    output_sqnr_db=sqnr_db(err), top1_accuracy=top1, samples=inputs.n, model_sha256=sha)

    total = len(nodes) * len(cands) + (len(cands) if network_rows else 0)
    with tqdm(total=total, unit="run", desc="sensitivity", disable=not progress, dynamic_ncols=True) as bar:
        for i, cn in enumerate(nodes):
            for c in cands:
                rows.append(row("layer", cn.name, *c, *runner.measure({i: c})))
                bar.update()
            runner._wq = {k: v for k, v in runner._wq.items() if k[0] != i}  # free this layer's copies
        if network_rows:
            rows.append(row("network", "*", "float", 32, 32, 0.0, base_top1))
            for c in cands:
                rows.append(row("network", "*", *c, *runner.measure({i: c for i in range(len(nodes))})))
                bar.update()
    df = pd.DataFrame(rows, columns=list(COLUMNS))
    write_csv(cached, df)
    df.attrs.update(proxy=inputs.proxy, cached=False)
    return df


def cache_key(model_sha: str, opts: Options, inputs_digest: str) -> str:
    text = json.dumps([CACHE_VERSION, model_sha, opts.bits, opts.a_bits, opts.w_formats, opts.samples,
                       opts.seed, inputs_digest])
    return hashlib.sha256(text.encode()).hexdigest()


def cache_dir() -> Path:
    return Path(os.environ.get("DSE_CACHE_DIR", Path.home() / ".cache" / "dse")) / "sensitivity"


def additivity(df: pd.DataFrame) -> pd.DataFrame:
    """Per uniform candidate: measured error with every layer quantized vs the sum of the layers' errors."""
    lay = df[df["scope"] == "layer"].groupby(["w_format", "w_bits", "a_bits"])["error"].sum()
    net = df[(df["scope"] == "network") & (df["w_format"] != "float")].set_index(
        ["w_format", "w_bits", "a_bits"])["error"]
    out = pd.DataFrame({"predicted_error": lay, "measured_error": net}).dropna().reset_index()
    out["ratio"] = out["predicted_error"] / out["measured_error"]
    return out
