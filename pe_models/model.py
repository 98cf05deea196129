"""The PE model used by sweeps: dispatches to the best available characterization.

First version: the Horowitz-anchored analytical model at 45 nm (``pe_models.horowitz``).
"""

from __future__ import annotations

import numpy as np

from pe_models import PECosts
from pe_models.horowitz import pe_costs_45nm

SUPPORTED_NODES_NM = (45.0,)


def evaluate(kind, w_bits, a_bits, node_nm=45.0) -> PECosts:
    node = np.asarray(node_nm, dtype=float)
    bad = ~np.isin(node, SUPPORTED_NODES_NM)
    if bad.any():
        raise ValueError(f"PE model: node_nm {np.unique(node[bad]).tolist()} unsupported; expected {SUPPORTED_NODES_NM}")
    c = pe_costs_45nm(kind, w_bits, a_bits)
    return PECosts(**{k: np.asarray(v, dtype=float) for k, v in c.items()})
