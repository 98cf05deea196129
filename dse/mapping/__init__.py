"""Mapping engine: per (layer, geometry) candidate count tables, exact pruning, a compiled search.

- ``dse.mapping.tables``: candidate tables (geometries of a batch, each layer's pruned table);
- ``dse.mapping.prune``: exact dominance pruning of GLB tilings and of (candidate, bypass mode) rows;
- ``dse.mapping.kernels``: the compiled model, every numba kernel (count assembly, pruning
  coordinates, pricing, the search), in one file for numba's cache;
- ``dse.mapping.search``: the search over points and its result.

What is counted and priced is the action table ``dse.actions``. The numpy reference paths the
kernels are checked against (the full count table, plain pruning) live in tests/reference_counts.py.
"""

from dse.mapping.prune import Staircases, prune_factored, staircases, table_factored, tiling_skyline  # noqa: F401
from dse.mapping.search import OBJECTIVE_CODES, STALLS, SearchResult, price, search  # noqa: F401
from dse.mapping.tables import (  # noqa: F401
    Geometries,
    LayerTable,
    LayerTables,
    chosen_counts,
    complete_rows,
    effective_bits,
    kv_cache_bytes,
    kv_resident_bytes,
    geometries,
    layer_geometry,
    layer_table,
    network_tables,
    stack_tables,
)
