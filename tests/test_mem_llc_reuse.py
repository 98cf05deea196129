"""memory_models.llc_reuse: LLC traffic against capacity from LRU reuse distances.

A hand-counted network (exact bytes), the model's physical limits (hypothesis: misses never grow with
capacity, never exceed the reads, never fall below the compulsory input), and a zoo network's footprint.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from memory_models.errors import MemoryModelError
from memory_models.llc_reuse import llc_traffic
from workloads import zoo
from workloads.layer import Layer, LayerGraph


def _conv(name, c, k, hw=2):
    # 1x1 conv at 8 bits: input c*hw*hw B, weights c*k B, output k*hw*hw B
    return Layer(name, "conv", k=k, c=c, oy=hw, ox=hw)


def _hand_network() -> LayerGraph:
    # a (8 B in, 8 B w, 16 B out) -> b (16 B w, 16 B out) -> c (16 B w, 16 B out); d adds c and a (a skip)
    layers = [_conv("a", 2, 4), _conv("b", 4, 4), _conv("c", 4, 4),
              Layer("d", "add", in_elems=32, out_elems=16)]
    return LayerGraph.from_layers("hand", layers, [("a", "b"), ("b", "c"), ("c", "d"), ("a", "d")])


def test_hand_counted_network():
    # footprint: input 8 + weights 8+16+16 + outputs 16*4 = 112 B.
    # reads: weights 40 + input 8 + b<-a 16 + c<-b 16 + d<-c 16 + d<-a 16 = 112 B.
    # stack distances: b<-a 16 + 0 + w_b 16 = 32; c<-b 16 + 0 + 16 = 32; d<-c 16 + 0 + 0 = 16;
    # d<-a (last touched by b): 16 + (w_c + out_c = 32) + 0 = 48.
    caps = np.array([8.0, 16, 32, 48, 111, 112])
    t = llc_traffic(_hand_network(), caps)
    assert t.footprint_bytes == 112
    np.testing.assert_array_equal(t.demand_read_bytes, 112)
    np.testing.assert_array_equal(t.demand_write_bytes, 64)
    # misses: input 8 always; weights 40 until the footprint fits; then the tensors whose distance > C
    np.testing.assert_array_equal(t.miss_bytes, [112, 96, 64, 48, 48, 8])
    np.testing.assert_array_equal(t.writeback_bytes, [64, 64, 64, 64, 64, 0])
    np.testing.assert_array_equal(t.array_write_bytes, t.demand_write_bytes + t.miss_bytes)
    np.testing.assert_array_equal(t.dram_bytes, t.miss_bytes + t.writeback_bytes)


def test_rejects_a_non_positive_capacity():
    with pytest.raises(MemoryModelError, match="positive"):
        llc_traffic(_hand_network(), [0.0])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 64), st.integers(1, 8)), min_size=1, max_size=8),
       st.lists(st.floats(1.0, 1e6), min_size=2, max_size=6))
def test_misses_fall_with_capacity_within_physical_bounds(shape, caps):
    # a chain of convs with random channel counts and spatial sizes
    channels = [3] + [k for k, _ in shape]
    layers = [Layer(f"l{i}", "conv", k=channels[i + 1], c=channels[i], oy=hw, ox=hw)
              for i, (_, hw) in enumerate(shape)]
    caps = np.sort(np.asarray(caps))
    t = llc_traffic(LayerGraph.from_layers("chain", layers), caps)
    compulsory = layers[0].input_count * layers[0].a_bits / 8
    assert np.all(np.diff(t.miss_bytes) <= 1e-9)
    assert np.all(t.miss_bytes <= t.demand_read_bytes + 1e-9) and np.all(t.miss_bytes >= compulsory - 1e-9)
    assert np.all((t.writeback_bytes == 0) | (t.writeback_bytes == t.demand_write_bytes))
    big = llc_traffic(LayerGraph.from_layers("chain", layers), [t.footprint_bytes])
    assert big.miss_bytes[0] == pytest.approx(compulsory) and big.writeback_bytes[0] == 0


def test_resnet18_footprint_and_large_cache_limit():
    g = zoo.resnet18(1, 8, 8)
    t = llc_traffic(g, [1.0, 16 * 2**20])
    weights = sum(layer.weight_bytes for layer in g.layers())
    assert weights == pytest.approx(11.69e6, rel=0.01)  # ResNet-18's 11.7 M parameters at 8 bits
    # everything of one 8-bit inference fits in 16 MiB (14.6 MiB footprint): only the input misses
    assert t.footprint_bytes < 16 * 2**20 and t.miss_bytes[1] == 3 * 224 * 224
    assert t.miss_bytes[0] == pytest.approx(t.demand_read_bytes[0])  # a 1-byte cache hits nothing
