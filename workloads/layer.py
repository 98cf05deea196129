"""Layers as named loop nests with per-operand precision, and the graph that links them.

A compute layer is the 7-D convolution loop nest (ZigZag/Timeloop convention)::

    O[n][k][oy][ox] += W[k][c'][fy][fx] * I[n][g*C/G + c'][oy*sy + fy][ox*sx + fx]

with ``c'`` running over the ``C / G`` input channels of one group. Fully connected
layers and matmuls are 1x1 convolutions (OY = OX = FY = FX = 1, or OY = tokens).
Depthwise convolutions have G = C = K. Non-compute layers (pooling, elementwise,
reshape, ...) carry no MACs but move tensors, so they keep their tensor sizes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from itertools import pairwise

import networkx as nx

# Ops that run on the PE array. Everything else moves data only.
COMPUTE_OPS = frozenset({"conv", "dwconv", "gemm", "matmul", "convtranspose"})


class WorkloadError(ValueError):
    """A workload description (zoo name, ONNX file, layer table) that cannot be used."""


@dataclass(frozen=True)
class Layer:
    """One node of a layer graph.

    Loop bounds use the names above; ``c`` is the total number of input channels
    (all groups), ``k`` the total number of output channels. Bit widths are the
    precision the layer is quantized to: ``w_bits`` weights, ``a_bits`` input
    activations, ``o_bits`` outputs written back to memory.
    """

    name: str
    op: str
    n: int = 1
    k: int = 1
    c: int = 1
    oy: int = 1
    ox: int = 1
    fy: int = 1
    fx: int = 1
    stride_y: int = 1
    stride_x: int = 1
    groups: int = 1
    w_bits: int = 8
    a_bits: int = 8
    o_bits: int = 8
    # Input spatial size including padding effects as the model defines it; 0 = derive
    # from the output size, stride and filter (no padding).
    iy: int = 0
    ix: int = 0
    # Non-compute layers: elements read and written (all inputs / all outputs).
    in_elems: int = 0
    out_elems: int = 0
    # Free-form provenance (ONNX node name, op type, quantization scheme, ...).
    attrs: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        for dim in ("n", "k", "c", "oy", "ox", "fy", "fx", "stride_y", "stride_x", "groups"):
            value = getattr(self, dim)
            if not isinstance(value, int) or value < 1:
                raise WorkloadError(f"layer {self.name!r}: {dim} must be a positive integer, got {value!r}")
        for dim in ("w_bits", "a_bits", "o_bits"):
            value = getattr(self, dim)
            if not isinstance(value, int) or not 1 <= value <= 32:
                raise WorkloadError(f"layer {self.name!r}: {dim} must be an integer in 1..32, got {value!r}")
        if self.is_compute and (self.c % self.groups or self.k % self.groups):
            raise WorkloadError(
                f"layer {self.name!r}: groups={self.groups} must divide c={self.c} and k={self.k}"
            )

    # --- derived sizes (elements, not bytes) -------------------------------------------------
    @property
    def is_compute(self) -> bool:
        return self.op in COMPUTE_OPS

    @property
    def c_per_group(self) -> int:
        return self.c // self.groups

    @property
    def input_y(self) -> int:
        return self.iy or (self.oy - 1) * self.stride_y + self.fy

    @property
    def input_x(self) -> int:
        return self.ix or (self.ox - 1) * self.stride_x + self.fx

    @property
    def macs(self) -> int:
        if not self.is_compute:
            return 0
        return self.n * self.k * self.c_per_group * self.oy * self.ox * self.fy * self.fx

    @property
    def weight_count(self) -> int:
        if not self.is_compute:
            return 0
        return self.k * self.c_per_group * self.fy * self.fx

    @property
    def input_count(self) -> int:
        if not self.is_compute:
            return self.in_elems
        return self.n * self.c * self.input_y * self.input_x

    @property
    def output_count(self) -> int:
        # out_elems, when set, is the true output size (ConvTranspose's upsampled output is
        # larger than its scatter-form loop bounds say).
        if not self.is_compute or self.out_elems:
            return self.out_elems
        return self.n * self.k * self.oy * self.ox

    @property
    def weight_is_constant(self) -> bool:
        """False for matmuls whose second operand is an activation (attention Q.K^T, A.V)."""
        return dict(self.attrs).get("weight_is_constant", "true") != "false"

    @property
    def kv_cache(self) -> str:
        """``"read"`` for a matmul whose weight-side operand is the KV cache (decoder attention
        Q.K^T and P.V: that operand moves at the KV-cache precision, ``w_bits``), ``"write"`` for a
        K or V projection whose outputs go into the cache (``o_bits`` is the KV precision), else ``""``."""
        return dict(self.attrs).get("kv_cache", "")

    @property
    def param_count(self) -> int:
        """Stored parameters: the weight operand if it is a constant, else none."""
        return self.weight_count if self.weight_is_constant else 0

    @property
    def weight_bytes(self) -> float:
        """Stored parameter bytes at the layer's weight precision (0 for attention operands)."""
        return self.param_count * self.w_bits / 8

    def with_bits(self, w_bits: int | None = None, a_bits: int | None = None, o_bits: int | None = None) -> Layer:
        return replace(
            self,
            w_bits=self.w_bits if w_bits is None else w_bits,
            a_bits=self.a_bits if a_bits is None else a_bits,
            o_bits=self.o_bits if o_bits is None else o_bits,
        )


@dataclass(frozen=True)
class LayerGraph:
    """A network: a networkx DiGraph whose nodes are layer names with a ``layer`` attribute.

    Edges follow tensors (producer -> consumer), so residual and branch structure is kept.
    """

    name: str
    graph: nx.DiGraph

    @classmethod
    def from_layers(cls, name: str, layers: list[Layer], edges: list[tuple[str, str]] | None = None) -> LayerGraph:
        """Build a graph; without ``edges`` the layers form a chain in list order."""
        g = nx.DiGraph()
        seen: set[str] = set()
        for layer in layers:
            if layer.name in seen:
                raise WorkloadError(f"network {name!r}: duplicate layer name {layer.name!r}")
            seen.add(layer.name)
            g.add_node(layer.name, layer=layer)
        if edges is None:
            edges = [(a.name, b.name) for a, b in pairwise(layers)]
        for src, dst in edges:
            if src not in seen or dst not in seen:
                raise WorkloadError(f"network {name!r}: edge {src!r} -> {dst!r} names an unknown layer")
            g.add_edge(src, dst)
        if not nx.is_directed_acyclic_graph(g):
            raise WorkloadError(f"network {name!r}: layer graph has a cycle")
        return cls(name=name, graph=g)

    def layers(self) -> list[Layer]:
        """All layers in a deterministic topological order (ties broken by insertion order)."""
        order = {n: i for i, n in enumerate(self.graph.nodes)}
        names = nx.lexicographical_topological_sort(self.graph, key=lambda n: order[n])
        return [self.graph.nodes[n]["layer"] for n in names]

    def compute_layers(self) -> list[Layer]:
        return [layer for layer in self.layers() if layer.is_compute]

    def __iter__(self) -> Iterator[Layer]:
        return iter(self.layers())

    def __len__(self) -> int:
        return self.graph.number_of_nodes()

    @property
    def total_macs(self) -> int:
        return sum(layer.macs for layer in self.compute_layers())

    @property
    def total_weights(self) -> int:
        """Stored parameters of all compute layers (attention operands are not parameters)."""
        return sum(layer.param_count for layer in self.compute_layers())

    @property
    def tokens_per_step(self) -> int:
        """Tokens a decoder step produces (batch x new tokens; set by ``workloads.zoo.decoder``), 0 for
        networks that are not token generators."""
        return int(self.graph.graph.get("tokens_per_step", 0))

    def map_layers(self, fn) -> LayerGraph:
        """A copy with every layer replaced by ``fn(layer)`` (names must not change)."""
        g = self.graph.copy()
        for node in g.nodes:
            new = fn(g.nodes[node]["layer"])
            if new.name != node:
                raise WorkloadError(f"network {self.name!r}: map_layers renamed {node!r} to {new.name!r}")
            g.nodes[node]["layer"] = new
        return LayerGraph(name=self.name, graph=g)
