"""Built-in networks, written from their papers' layer tables (no download needed).

Each builder returns a LayerGraph at batch ``n`` with every layer at ``w_bits``/``a_bits``.
Edges follow tensors, so residual adds and branches appear as graph joins.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from workloads.layer import Layer, LayerGraph, WorkloadError


@dataclass
class _Builder:
    """Accumulates layers and tensor edges while a network is written out."""

    name: str
    n: int
    w_bits: int
    a_bits: int

    def __post_init__(self) -> None:
        self.layers: list[Layer] = []
        self.edges: list[tuple[str, str]] = []

    def add(self, layer: Layer, inputs: list[str] | str | None) -> str:
        self.layers.append(layer)
        for src in [inputs] if isinstance(inputs, str) else inputs or []:
            self.edges.append((src, layer.name))
        return layer.name

    def conv(self, name, inputs, c, k, out_hw, f, stride=1, groups=1, in_hw=None) -> str:
        op = "dwconv" if groups > 1 and groups == c == k else "conv"
        iy = in_hw if in_hw is not None else 0
        return self.add(
            Layer(name, op, n=self.n, k=k, c=c, oy=out_hw, ox=out_hw, fy=f, fx=f, stride_y=stride,
                  stride_x=stride, groups=groups, w_bits=self.w_bits, a_bits=self.a_bits, o_bits=self.a_bits,
                  iy=iy, ix=iy),
            inputs,
        )

    def fc(self, name, inputs, c, k, rows=1) -> str:
        """A fully connected layer / matmul [rows, c] x [c, k], as a 1x1 conv over ``rows`` positions."""
        return self.add(
            Layer(name, "gemm", n=self.n, k=k, c=c, oy=1, ox=rows, w_bits=self.w_bits, a_bits=self.a_bits,
                  o_bits=self.a_bits),
            inputs,
        )

    def data(self, name, op, inputs, in_elems, out_elems) -> str:
        return self.add(Layer(name, op, n=self.n, in_elems=self.n * in_elems, out_elems=self.n * out_elems,
                              w_bits=self.w_bits, a_bits=self.a_bits, o_bits=self.a_bits), inputs)

    def graph(self) -> LayerGraph:
        return LayerGraph.from_layers(self.name, self.layers, self.edges)


def resnet18(n: int = 1, w_bits: int = 8, a_bits: int = 8) -> LayerGraph:
    """ResNet-18 (He et al., CVPR 2016, Table 1), 224x224 input: 1.82 GMAC, 11.7 M weights."""
    b = _Builder("resnet18", n, w_bits, a_bits)
    x = b.conv("conv1", None, 3, 64, 112, 7, stride=2, in_hw=224)
    x = b.data("maxpool", "maxpool", x, 64 * 112 * 112, 64 * 56 * 56)
    c_in, hw = 64, 56
    for stage, c_out in enumerate((64, 128, 256, 512), start=1):
        for block in range(2):
            stride = 2 if stage > 1 and block == 0 else 1
            out_hw = hw // stride
            p = f"layer{stage}.{block}"
            y = b.conv(f"{p}.conv1", x, c_in, c_out, out_hw, 3, stride, in_hw=hw)
            y = b.conv(f"{p}.conv2", y, c_out, c_out, out_hw, 3)
            skip = x
            if stride != 1 or c_in != c_out:
                skip = b.conv(f"{p}.downsample", x, c_in, c_out, out_hw, 1, stride, in_hw=hw)
            x = b.data(f"{p}.add", "add", [y, skip], 2 * c_out * out_hw**2, c_out * out_hw**2)
            c_in, hw = c_out, out_hw
    x = b.data("avgpool", "avgpool", x, 512 * 7 * 7, 512)
    b.fc("fc", x, 512, 1000)
    return b.graph()


def mobilenetv2(n: int = 1, w_bits: int = 8, a_bits: int = 8) -> LayerGraph:
    """MobileNetV2 1.0 (Sandler et al., CVPR 2018, Table 2), 224x224 input: ~300 MMAC, 3.5 M weights."""
    b = _Builder("mobilenetv2", n, w_bits, a_bits)
    x = b.conv("features.0", None, 3, 32, 112, 3, stride=2, in_hw=224)
    c_in, hw, idx = 32, 112, 1
    for t, c_out, repeats, s in ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
                                 (6, 96, 3, 1), (6, 160, 3, 2), (1 * 6, 320, 1, 1)):
        for r in range(repeats):
            stride = s if r == 0 else 1
            out_hw, hidden, p = hw // stride, c_in * t, f"features.{idx}"
            y = x
            if t != 1:
                y = b.conv(f"{p}.expand", y, c_in, hidden, hw, 1)
            y = b.conv(f"{p}.depthwise", y, hidden, hidden, out_hw, 3, stride, groups=hidden, in_hw=hw)
            y = b.conv(f"{p}.project", y, hidden, c_out, out_hw, 1)
            if stride == 1 and c_in == c_out:
                y = b.data(f"{p}.add", "add", [y, x], 2 * c_out * out_hw**2, c_out * out_hw**2)
            x, c_in, hw, idx = y, c_out, out_hw, idx + 1
    x = b.conv(f"features.{idx}", x, 320, 1280, 7, 1)
    x = b.data("avgpool", "avgpool", x, 1280 * 7 * 7, 1280)
    b.fc("classifier", x, 1280, 1000)
    return b.graph()


def vgg16(n: int = 1, w_bits: int = 8, a_bits: int = 8) -> LayerGraph:
    """VGG-16 (Simonyan & Zisserman, ICLR 2015, config D), 224x224: 15.5 GMAC, 138 M weights."""
    b = _Builder("vgg16", n, w_bits, a_bits)
    x, c_in, hw, i = None, 3, 224, 0
    for block, (c_out, convs) in enumerate(((64, 2), (128, 2), (256, 3), (512, 3), (512, 3)), start=1):
        for j in range(convs):
            x = b.conv(f"conv{block}_{j + 1}", x, c_in, c_out, hw, 3)
            c_in, i = c_out, i + 1
        x = b.data(f"pool{block}", "maxpool", x, c_out * hw * hw, c_out * (hw // 2) ** 2)
        hw //= 2
    x = b.fc("fc6", x, 512 * 7 * 7, 4096)
    x = b.fc("fc7", x, 4096, 4096)
    b.fc("fc8", x, 4096, 1000)
    return b.graph()


def alexnet(n: int = 1, w_bits: int = 16, a_bits: int = 16) -> LayerGraph:
    """AlexNet conv layers as run by Eyeriss (Krizhevsky et al. 2012, two-group conv2/4/5), 227x227: 666 MMAC."""
    b = _Builder("alexnet", n, w_bits, a_bits)
    x = b.conv("conv1", None, 3, 96, 55, 11, stride=4, in_hw=227)
    x = b.data("pool1", "maxpool", x, 96 * 55 * 55, 96 * 27 * 27)
    x = b.conv("conv2", x, 96, 256, 27, 5, groups=2, in_hw=31)
    x = b.data("pool2", "maxpool", x, 256 * 27 * 27, 256 * 13 * 13)
    x = b.conv("conv3", x, 256, 384, 13, 3, in_hw=15)
    x = b.conv("conv4", x, 384, 384, 13, 3, groups=2, in_hw=15)
    b.conv("conv5", x, 384, 256, 13, 3, groups=2, in_hw=15)
    return b.graph()


def bert_base(n: int = 1, w_bits: int = 8, a_bits: int = 8, seq_len: int = 128, encoder_layers: int = 12) -> LayerGraph:
    """BERT-base encoder stack (Devlin et al., NAACL 2019): hidden 768, 12 heads, FFN 3072.

    Every matmul is a 1x1 conv over ``seq_len`` token rows. The attention matmuls multiply two
    activations: Q.K^T has n = batch x heads, c = head dim 64, k = seq_len; the "weight"
    operand there is the K (or V) activation, marked with attrs ("weight_is_constant", "false")
    as the ONNX importer does.
    """
    b = _Builder("bert_base", n, w_bits, a_bits)
    hidden, heads, ffn = 768, 12, 3072
    head_dim = hidden // heads
    x = b.data("embeddings", "embedding", None, seq_len, seq_len * hidden)
    dyn = (("weight_is_constant", "false"),)
    for i in range(encoder_layers):
        p = f"encoder.{i}"
        q = b.fc(f"{p}.query", x, hidden, hidden, rows=seq_len)
        k = b.fc(f"{p}.key", x, hidden, hidden, rows=seq_len)
        v = b.fc(f"{p}.value", x, hidden, hidden, rows=seq_len)
        s = b.add(Layer(f"{p}.scores", "matmul", n=n * heads, k=seq_len, c=head_dim, ox=seq_len,
                        w_bits=a_bits, a_bits=a_bits, o_bits=a_bits, attrs=dyn), [q, k])
        s = b.data(f"{p}.softmax", "softmax", s, heads * seq_len**2, heads * seq_len**2)
        ctx = b.add(Layer(f"{p}.context", "matmul", n=n * heads, k=head_dim, c=seq_len, ox=seq_len,
                          w_bits=a_bits, a_bits=a_bits, o_bits=a_bits, attrs=dyn), [s, v])
        o = b.fc(f"{p}.attention_output", ctx, hidden, hidden, rows=seq_len)
        x1 = b.data(f"{p}.add_norm1", "add", [o, x], 2 * seq_len * hidden, seq_len * hidden)
        h = b.fc(f"{p}.intermediate", x1, hidden, ffn, rows=seq_len)
        o2 = b.fc(f"{p}.output", h, ffn, hidden, rows=seq_len)
        x = b.data(f"{p}.add_norm2", "add", [o2, x1], 2 * seq_len * hidden, seq_len * hidden)
    return b.graph()


ZOO: dict[str, tuple[Callable[..., LayerGraph], str]] = {
    "resnet18": (resnet18, "ResNet-18, 224x224, 1.82 GMAC"),
    "mobilenetv2": (mobilenetv2, "MobileNetV2 1.0, 224x224, ~300 MMAC"),
    "vgg16": (vgg16, "VGG-16, 224x224, 15.5 GMAC"),
    "alexnet": (alexnet, "AlexNet conv layers (Eyeriss), 227x227, 666 MMAC"),
    "bert_base": (bert_base, "BERT-base encoder, 12 layers, 128 tokens, matmuls as 1x1 convs"),
}


def build(name: str, n: int = 1) -> LayerGraph:
    """A zoo network at batch ``n`` and its native precision (override with workloads.precision)."""
    if name not in ZOO:
        raise WorkloadError(f"unknown network {name!r}; built-in networks: {', '.join(ZOO)}")
    return ZOO[name][0](n=n)
