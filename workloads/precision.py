"""Per-layer precision overrides, applied on top of what the model (or zoo) says.

Spec form::

    precision:
      default: {w: 4, a: 8}          # every compute layer
      default: {w: 4, a: 16, kv: 8}  # a decoder: int4 weights, 16-bit activations, 8-bit KV cache
      layers:                        # fnmatch patterns on layer names, applied in order
        "layer3.*": {w: 2}
        conv1: {w: 8, a: 8}

Layers named under ``layers`` are *pinned*: a sweep keeps their bits whatever the PE type
(a narrower PE runs them in several passes), while unpinned layers follow the PE's precision
when the sweep's policy is ``pe``.

``kv`` is the KV-cache precision of decoder workloads (``Layer.kv_cache``): the cache operand of
the attention matmuls (their ``w_bits``; ``w`` does not touch it, it is not a weight) and the
outputs the K and V projections write into the cache (their ``o_bits``).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, field

from workloads.layer import Layer, LayerGraph, WorkloadError

_KEYS = {"w": "w_bits", "a": "a_bits", "o": "o_bits", "kv": "kv_bits"}


@dataclass(frozen=True)
class BitsOverride:
    w: int | None = None
    a: int | None = None
    o: int | None = None
    kv: int | None = None

    @classmethod
    def parse(cls, raw: Mapping, where: str) -> BitsOverride:
        if not isinstance(raw, Mapping):
            raise WorkloadError(f"{where}: expected a mapping like {{w: 4, a: 8}}, got {raw!r}")
        unknown = set(raw) - set(_KEYS)
        if unknown:
            raise WorkloadError(f"{where}: unknown key(s) {sorted(unknown)}; expected w, a, o, kv")
        for key, value in raw.items():
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 32:
                raise WorkloadError(f"{where}.{key}: expected an integer bit width in 1..32, got {value!r}")
        return cls(**dict(raw))

    def apply(self, layer: Layer) -> Layer:
        if layer.kv_cache == "read":  # the weight-side operand is the cache, not a weight
            return layer.with_bits(self.kv, self.a, self.o)
        if layer.kv_cache == "write":
            return layer.with_bits(self.w, self.a, self.kv if self.kv is not None else self.o)
        return layer.with_bits(self.w, self.a, self.o)


@dataclass(frozen=True)
class PrecisionOverrides:
    default: BitsOverride | None = None
    layers: tuple[tuple[str, BitsOverride], ...] = field(default=())

    def apply(self, graph: LayerGraph) -> LayerGraph:
        """The graph with overrides applied; raises if a layer pattern matches no compute layer."""
        names = [layer.name for layer in graph.compute_layers()]
        for pattern, _ in self.layers:
            if not fnmatch.filter(names, pattern):
                raise WorkloadError(f"precision.layers: pattern {pattern!r} matches no compute layer of {graph.name!r}")

        def one(layer: Layer) -> Layer:
            if not layer.is_compute:
                return layer
            if self.default is not None:
                layer = self.default.apply(layer)
            for pattern, override in self.layers:
                if fnmatch.fnmatchcase(layer.name, pattern):
                    layer = override.apply(layer)
            return layer

        return graph.map_layers(one)

    def pinned(self, graph: LayerGraph) -> frozenset[str]:
        """Names of compute layers whose bits a sweep must keep (matched by a ``layers`` pattern)."""
        return frozenset(
            layer.name
            for layer in graph.compute_layers()
            if any(fnmatch.fnmatchcase(layer.name, p) for p, _ in self.layers)
        )
