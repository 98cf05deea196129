"""Last-level-cache traffic of one DNN inference against cache capacity, from LRU reuse distances.

What a larger cache saves is the tensors it still holds when they are read again. The model, from
first principles (Mattson, Gecsei, Slutz, Traiger, "Evaluation techniques for storage hierarchies",
IBM Systems Journal 9(2), 1970: a fully associative LRU cache of C bytes hits a reference iff its
stack distance, the distinct bytes touched since the same line was last touched, is at most C):

* Layers run one after another in topological order (one GPU kernel per layer, as frameworks run
  them). Each layer reads its weights and its input tensors through the cache once and writes its
  output once. Intra-layer reuse is left to the cores' own buffers: our mapping search already reaches
  compulsory DRAM traffic with a 1 MiB buffer (ResNet-18, batch 16, dse's default accelerator: DRAM
  reads 103.6 MB at 1 MiB and 105.0 MB at 16 MiB GLB; ``dse.evaluate({"node_nm": 16, "glb_kib": kib},
  "resnet18", batch=16)``), so from 1 MiB up the capacity-dependent part is inter-layer.
* A consumer sweeps a tensor in the order its producer wrote it, so every line of it has the same stack
  distance: the tensor's own size plus the distinct bytes touched since it was last touched (weights
  and outputs of the layers in between, and the reading layer's weights). It hits iff that fits: the
  all-or-nothing cliff of LRU under a cyclic sweep.
* Inference follows inference (a serving loop), so weights, and every buffer, are touched again one
  whole footprint (weights + all activations + the input) later: weights hit only when the footprint
  fits, and dirty outputs are written back to DRAM unless it fits.
* The network input arrives from the host each inference: always a miss.
* Writes allocate without a fetch (GPU L2s keep per-sector valid bits, so a full-line write needs no
  fill); a read miss fetches its line from DRAM and writes it into the data array.

The counts are per inference in bytes; arrays broadcast over ``capacity_bytes``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from memory_models.errors import MemoryModelError
from workloads.layer import LayerGraph


@dataclass(frozen=True)
class LlcTraffic:
    """Bytes per inference at each capacity (arrays shaped like ``capacity_bytes``)."""

    demand_read_bytes: np.ndarray  # reads the cores send to the cache
    demand_write_bytes: np.ndarray  # writes the cores send to the cache
    miss_bytes: np.ndarray  # read misses: fetched from DRAM and filled into the data array
    writeback_bytes: np.ndarray  # dirty lines evicted to DRAM
    footprint_bytes: float  # distinct bytes one inference touches

    @property
    def array_write_bytes(self) -> np.ndarray:
        """Writes into the data array: the cores' writes and the fills of read misses."""
        return self.demand_write_bytes + self.miss_bytes

    @property
    def dram_bytes(self) -> np.ndarray:
        return self.miss_bytes + self.writeback_bytes


def llc_traffic(graph: LayerGraph, capacity_bytes) -> LlcTraffic:
    """Cache traffic of one inference of ``graph`` (bit widths as its layers carry them)."""
    caps = np.asarray(capacity_bytes, dtype=float)
    if np.any(caps <= 0):
        raise MemoryModelError("capacity_bytes must be positive")
    layers = graph.layers()
    if not layers:
        raise MemoryModelError(f"network {graph.name!r} has no layers")
    index = {layer.name: i for i, layer in enumerate(layers)}
    out_bytes = np.array([layer.output_count * layer.o_bits / 8 for layer in layers])
    weight_bytes = np.array([layer.weight_bytes for layer in layers])
    sources = [list(graph.graph.predecessors(layer.name)) for layer in layers]
    input_bytes = sum(layers[i].input_count * layers[i].a_bits / 8 for i, s in enumerate(sources) if not s)
    footprint = float(out_bytes.sum() + weight_bytes.sum() + input_bytes)
    # bytes each layer touches besides its inputs (those are earlier layers' outputs, counted there)
    touched_prefix = np.concatenate([[0.0], np.cumsum(weight_bytes + out_bytes)])
    fits_all = footprint <= caps

    reads = np.full(caps.shape, float(weight_bytes.sum() + input_bytes))
    misses = np.where(fits_all, 0.0, weight_bytes.sum()) + input_bytes
    last_touch = {}  # tensor (producer index) -> index of the layer that touched it last
    for i, srcs in enumerate(sources):  # the only loop: over layers and their input tensors
        for name in srcs:
            p = index[name]
            j = last_touch.get(p, p)
            distance = out_bytes[p] + (touched_prefix[i] - touched_prefix[j + 1]) + weight_bytes[i]
            reads = reads + out_bytes[p]
            misses = misses + np.where(distance <= caps, 0.0, out_bytes[p])
            last_touch[p] = i
    writes = np.full(caps.shape, float(out_bytes.sum()))
    return LlcTraffic(reads, writes, misses, np.where(fits_all, 0.0, writes), footprint)
