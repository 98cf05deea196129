"""Discrete-event simulation (simpy) of one layer's chosen mapping, to check the analytical latency.

The simulated machine runs the same mapping on the same hardware as ``dse.mapping`` counts it,
but schedules it event by event instead of with a closed form:

- the layer is split into the mapping's DRAM tiles (GLB tiles), each with its share of DRAM
  reads, DRAM writes, GLB traffic and PE-array compute cycles;
- input tiles are double buffered (tile i+1 loads while tile i computes; a load waits for a free
  buffer), and so are output tiles (tile i stores while tile i+1 computes);
- the DRAM channel is one resource at its bandwidth, shared by loads and stores;
- the GLB is one port at its read / write bandwidths, shared by tile fills (written as DRAM data
  arrives) and the array's own traffic while it computes;
- a tile's compute takes ``max(compute cycles, its GLB traffic under contention)``.

Transfers are cut into chunks so that competing transfers interleave. Very finely tiled layers
are simulated with at most ``MAX_SIM_TILES`` equal tiles (coarse granularity keeps the check fast;
at that tile count the pipeline fill is below 1% of the layer).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import simpy

from dse.actions import CI

MAX_SIM_TILES = 128
CHUNKS_PER_TRANSFER = 4
BUFFERS = 2  # double buffering


@dataclass(frozen=True)
class TileWork:
    """Per-tile work of one layer mapping (all tiles equal); cycles and bits."""

    tiles: int
    compute_cycles: float
    dram_read_bits: float
    dram_write_bits: float
    glb_fill_bits: float  # written into the GLB as DRAM data arrives
    glb_array_read_bits: float
    glb_array_write_bits: float
    dram_bits_per_cycle: float
    glb_read_bits_per_cycle: float
    glb_write_bits_per_cycle: float


def tile_work(counts: np.ndarray, action_costs: np.ndarray) -> TileWork:
    """Split one chosen count vector (``dse.actions.COUNTS``) into equal tiles."""
    from dse.actions import COST_COLUMNS as ACTION_COSTS

    c = lambda name: float(counts[CI[name]])
    e = lambda name: float(action_costs[ACTION_COSTS.index(name)])
    n = int(min(max(1.0, round(c("tiles"))), MAX_SIM_TILES))
    fill = c("glb_write_weight_bits") + c("glb_write_ifmap_bits")
    return TileWork(
        tiles=n, compute_cycles=c("compute_cycles") / n,
        dram_read_bits=(c("dram_read_weight_bits") + c("dram_read_ifmap_bits")) / n, dram_write_bits=c("dram_write_psum_bits") / n,
        glb_fill_bits=fill / n,
        glb_array_read_bits=(c("glb_read_weight_bits") + c("glb_read_ifmap_bits") + c("glb_read_psum_bits")) / n,
        glb_array_write_bits=c("glb_write_psum_bits") / n,
        dram_bits_per_cycle=e("dram_bits_per_cycle"), glb_read_bits_per_cycle=e("glb_read_bits_per_cycle"),
        glb_write_bits_per_cycle=e("glb_write_bits_per_cycle"),
    )


def simulate(w: TileWork) -> float:
    """Total cycles of the layer on the simulated machine."""
    env = simpy.Environment()
    dram = simpy.Resource(env, capacity=1)
    glb = simpy.Resource(env, capacity=1)
    in_free = simpy.Container(env, init=BUFFERS, capacity=BUFFERS)
    out_free = simpy.Container(env, init=BUFFERS, capacity=BUFFERS)
    loaded = [env.event() for _ in range(w.tiles)]
    computed = [env.event() for _ in range(w.tiles)]
    k = CHUNKS_PER_TRANSFER

    def use(resource, cycles):
        with resource.request() as req:
            yield req
            yield env.timeout(cycles)

    def load(i):
        yield in_free.get(1)
        writes = []
        for _ in range(k):
            yield from use(dram, w.dram_read_bits / k / w.dram_bits_per_cycle)
            writes.append(env.process(use(glb, w.glb_fill_bits / k / w.glb_write_bits_per_cycle)))
        yield env.all_of(writes)
        loaded[i].succeed()

    def loader():
        for i in range(w.tiles):
            yield env.process(load(i))

    def glb_traffic():
        for _ in range(k):
            yield from use(glb, w.glb_array_read_bits / k / w.glb_read_bits_per_cycle
                           + w.glb_array_write_bits / k / w.glb_write_bits_per_cycle)

    def computer():
        for i in range(w.tiles):
            yield loaded[i]
            yield out_free.get(1)
            yield env.all_of([env.timeout(w.compute_cycles), env.process(glb_traffic())])
            yield in_free.put(1)
            computed[i].succeed()

    def storer():
        for i in range(w.tiles):
            yield computed[i]
            for _ in range(k):
                yield from use(dram, w.dram_write_bits / k / w.dram_bits_per_cycle)
            yield out_free.put(1)

    env.process(loader())
    env.process(computer())
    done = env.process(storer())
    env.run(until=done)
    return float(env.now)
