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


@dataclass(frozen=True)
class DecoderConfig:
    """Shapes of a decoder-only transformer, as its published configuration gives them."""

    layers: int
    hidden: int
    heads: int
    kv_heads: int  # < heads: grouped-query attention (Ainslie et al., EMNLP 2023)
    ffn: int
    vocab: int
    max_positions: int  # context window: kv_len + seq_len may not exceed it
    mlp: str  # "gelu": up, GELU, down; "swiglu": gate and up, SiLU(gate) x up, down (Shazeer 2020)
    tied_embeddings: bool  # the lm-head reuses the token embedding table (not counted twice)
    learned_positions: bool  # a learned position table (GPT-2); else rotary, no parameters

    @property
    def head_dim(self) -> int:
        return self.hidden // self.heads

    @property
    def embedding_params(self) -> int:
        """Parameters of the lookup tables that are not a compute layer's weights."""
        tokens = 0 if self.tied_embeddings else self.vocab * self.hidden
        return tokens + (self.max_positions * self.hidden if self.learned_positions else 0)


# GPT-2 small (Radford et al. 2019, "Language Models are Unsupervised Multitask Learners", Table 2
# smallest model; Hugging Face openai-community/gpt2 config.json: n_layer 12, n_embd 768, n_head 12,
# n_ctx 1024, vocab_size 50257; MLP 4 x n_embd with GELU; lm-head tied to the token embeddings).
GPT2 = DecoderConfig(layers=12, hidden=768, heads=12, kv_heads=12, ffn=3072, vocab=50257, max_positions=1024,
                     mlp="gelu", tied_embeddings=True, learned_positions=True)
# TinyLlama-1.1B (Zhang et al. 2024, arXiv 2401.02385, Table 1; Hugging Face
# TinyLlama/TinyLlama-1.1B-intermediate-step-1431k-3T config.json: num_hidden_layers 22, hidden_size
# 2048, num_attention_heads 32, num_key_value_heads 4, intermediate_size 5632, vocab_size 32000,
# max_position_embeddings 2048, hidden_act silu, tie_word_embeddings false). Llama-2 architecture:
# RMSNorm, rotary positions, grouped-query attention, SwiGLU MLP.
TINYLLAMA = DecoderConfig(layers=22, hidden=2048, heads=32, kv_heads=4, ffn=5632, vocab=32000, max_positions=2048,
                          mlp="swiglu", tied_embeddings=False, learned_positions=False)
# Llama-3.2-1B (Meta, Llama 3.2 model card, Sept. 2024; Hugging Face meta-llama/Llama-3.2-1B config.json:
# num_hidden_layers 16, hidden_size 2048, num_attention_heads 32, num_key_value_heads 8, head_dim 64,
# intermediate_size 8192, vocab_size 128256, max_position_embeddings 131072, tie_word_embeddings true).
LLAMA32_1B = DecoderConfig(layers=16, hidden=2048, heads=32, kv_heads=8, ffn=8192, vocab=128256,
                           max_positions=131072, mlp="swiglu", tied_embeddings=True, learned_positions=False)
PHASES = ("prefill", "decode")
# Defaults of the workload parameters per phase: (seq_len new tokens, kv_len tokens already cached).
PHASE_DEFAULTS = {"prefill": (128, 0), "decode": (1, 512)}


def decoder(cfg: DecoderConfig, name: str, n: int = 1, w_bits: int = 16, a_bits: int = 16,
            kv_bits: int | None = None, phase: str = "decode", seq_len: int | None = None,
            kv_len: int | None = None) -> LayerGraph:
    """One forward step of a decoder-only transformer over ``seq_len`` new tokens with ``kv_len``
    tokens already in the KV cache, at batch ``n`` (independent sequences).

    ``phase`` only sets the defaults (PHASE_DEFAULTS): prefill runs the prompt as matrix-matrix
    products (rows = seq_len), decode one token as matrix-vector products (rows = 1). Projections,
    MLP and lm-head are 1x1 convolutions over the token rows, their weights shared by the batch.
    Attention runs per KV head: Q.K^T and P.V are grouped matmuls with groups = batch x kv_heads
    (every sequence and head has its own cache), the heads / kv_heads query heads sharing a KV head
    are the rows, and the attended positions are kv_len + seq_len (the full score matrix, as an
    eager implementation computes it; no causal-mask savings). Their weight-side operand is the
    K or V cache: marked ``kv_cache = read``, not a parameter, at ``kv_bits`` (``w_bits`` of those
    layers); the K and V projections write the cache (``kv_cache = write``, outputs at ``kv_bits``).
    The lm-head computes logits for every new token (as a plain forward does).
    """
    if phase not in PHASES:
        raise WorkloadError(f"{name}: phase must be one of {list(PHASES)}, got {phase!r}")
    seq_default, kv_default = PHASE_DEFAULTS[phase]
    seq = seq_default if seq_len is None else seq_len
    ctx = kv_default if kv_len is None else kv_len
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
        raise WorkloadError(f"{name}: seq_len must be a positive integer (new tokens), got {seq!r}")
    if isinstance(ctx, bool) or not isinstance(ctx, int) or ctx < 0:
        raise WorkloadError(f"{name}: kv_len must be a non-negative integer (cached tokens), got {ctx!r}")
    if seq + ctx > cfg.max_positions:
        raise WorkloadError(f"{name}: kv_len + seq_len = {ctx + seq} exceeds the model's context of "
                            f"{cfg.max_positions} positions")
    kv = a_bits if kv_bits is None else kv_bits
    positions = ctx + seq
    hd, rows = cfg.head_dim, seq
    q_per_kv = cfg.heads // cfg.kv_heads
    groups = n * cfg.kv_heads
    b = _Builder(name, n, w_bits, a_bits)
    x = b.data("embed", "embedding", None, rows * cfg.hidden, rows * cfg.hidden)  # gathered table rows
    read_kv = (("weight_is_constant", "false"), ("kv_cache", "read"))

    def attn_matmul(lname: str, inputs: list[str], c_per_group: int, k_per_group: int) -> str:
        return b.add(Layer(lname, "matmul", n=1, k=groups * k_per_group, c=groups * c_per_group,
                           ox=q_per_kv * rows, groups=groups, w_bits=kv, a_bits=a_bits, o_bits=a_bits,
                           attrs=read_kv), inputs)

    def kv_proj(lname: str, inputs: str) -> str:
        layer = Layer(lname, "gemm", n=n, k=cfg.kv_heads * hd, c=cfg.hidden, ox=rows, w_bits=w_bits,
                      a_bits=a_bits, o_bits=kv, attrs=(("kv_cache", "write"),))
        return b.add(layer, inputs)

    act = rows * cfg.hidden
    for i in range(cfg.layers):
        p = f"layers.{i}"
        h = b.data(f"{p}.norm1", "norm", x, act, act)
        q = b.fc(f"{p}.q_proj", h, cfg.hidden, cfg.heads * hd, rows=rows)
        k = kv_proj(f"{p}.k_proj", h)
        v = kv_proj(f"{p}.v_proj", h)
        s = attn_matmul(f"{p}.scores", [q, k], hd, positions)
        s = b.data(f"{p}.softmax", "softmax", s, cfg.heads * rows * positions, cfg.heads * rows * positions)
        ctx_out = attn_matmul(f"{p}.context", [s, v], positions, hd)
        o = b.fc(f"{p}.o_proj", ctx_out, cfg.heads * hd, cfg.hidden, rows=rows)
        x1 = b.data(f"{p}.add1", "add", [o, x], 2 * act, act)
        h = b.data(f"{p}.norm2", "norm", x1, act, act)
        if cfg.mlp == "swiglu":
            gate = b.fc(f"{p}.gate_proj", h, cfg.hidden, cfg.ffn, rows=rows)
            up = b.fc(f"{p}.up_proj", h, cfg.hidden, cfg.ffn, rows=rows)
            m = b.data(f"{p}.silu_mul", "mul", [gate, up], 2 * rows * cfg.ffn, rows * cfg.ffn)
        else:
            up = b.fc(f"{p}.up_proj", h, cfg.hidden, cfg.ffn, rows=rows)
            m = b.data(f"{p}.gelu", "gelu", up, rows * cfg.ffn, rows * cfg.ffn)
        down = b.fc(f"{p}.down_proj", m, cfg.ffn, cfg.hidden, rows=rows)
        x = b.data(f"{p}.add2", "add", [down, x1], 2 * act, act)
    x = b.data("norm_final", "norm", x, act, act)
    b.fc("lm_head", x, cfg.hidden, cfg.vocab, rows=rows)
    graph = b.graph()
    graph.graph.graph["tokens_per_step"] = n * seq
    return graph


def gpt2(n: int = 1, w_bits: int = 16, a_bits: int = 16, **params) -> LayerGraph:
    """GPT-2 small (124 M parameters with embeddings), a decode or prefill step (see ``decoder``)."""
    return decoder(GPT2, "gpt2", n, w_bits, a_bits, **params)


def tinyllama(n: int = 1, w_bits: int = 16, a_bits: int = 16, **params) -> LayerGraph:
    """TinyLlama-1.1B (Llama-2 style: GQA 32/4 heads, SwiGLU), a decode or prefill step (see ``decoder``)."""
    return decoder(TINYLLAMA, "tinyllama", n, w_bits, a_bits, **params)


def llama32_1b(n: int = 1, w_bits: int = 16, a_bits: int = 16, **params) -> LayerGraph:
    """Llama-3.2-1B (GQA 32/8 heads, SwiGLU, 128 K context), a decode or prefill step (see ``decoder``)."""
    return decoder(LLAMA32_1B, "llama32_1b", n, w_bits, a_bits, **params)


# Workload parameters each zoo network takes besides the batch (dse.spec's WorkloadSpec fields).
DECODER_PARAMS = ("phase", "seq_len", "kv_len")
DECODERS = {"gpt2": GPT2, "tinyllama": TINYLLAMA, "llama32_1b": LLAMA32_1B}
WORKLOAD_PARAMS = {"bert_base": ("seq_len",), **{name: DECODER_PARAMS for name in DECODERS}}

ZOO: dict[str, tuple[Callable[..., LayerGraph], str]] = {
    "resnet18": (resnet18, "ResNet-18, 224x224, 1.82 GMAC"),
    "mobilenetv2": (mobilenetv2, "MobileNetV2 1.0, 224x224, ~300 MMAC"),
    "vgg16": (vgg16, "VGG-16, 224x224, 15.5 GMAC"),
    "alexnet": (alexnet, "AlexNet conv layers (Eyeriss), 227x227, 666 MMAC"),
    "bert_base": (bert_base, "BERT-base encoder, 12 layers, 128 tokens, matmuls as 1x1 convs"),
    "gpt2": (gpt2, "GPT-2 small decoder, one decode token at kv_len 512 (phase, seq_len, kv_len)"),
    "tinyllama": (tinyllama, "TinyLlama-1.1B (GQA, SwiGLU), one decode token at kv_len 512"),
    "llama32_1b": (llama32_1b, "Llama-3.2-1B (GQA, SwiGLU, 128K context), one decode token at kv_len 512"),
}


def build(name: str, n: int = 1, **params) -> LayerGraph:
    """A zoo network at batch ``n`` and its native precision (override with workloads.precision);
    ``params``: the workload parameters it takes (WORKLOAD_PARAMS), e.g. phase, seq_len, kv_len."""
    if name not in ZOO:
        raise WorkloadError(f"unknown network {name!r}; built-in networks: {', '.join(ZOO)}")
    given = {k: v for k, v in params.items() if v is not None}
    extra = sorted(set(given) - set(WORKLOAD_PARAMS.get(name, ())))
    if extra:
        takes = WORKLOAD_PARAMS.get(name, ())
        raise WorkloadError(f"network {name!r} takes no {extra[0]!r}; its workload parameters: "
                            f"{', '.join(('batch',) + takes)}")
    return ZOO[name][0](n=n, **given)
