"""Processing-element power, performance and area models.

The public API evaluates whole arrays of PEs at once::

    costs = pe_models.evaluate(kind, w_bits, a_bits, node_nm)   # arrays broadcast together
    costs.energy_pj_per_mac, costs.clock_pj_per_cycle, costs.reg_bits, costs.area_um2,
    costs.area_reg_um2, costs.leakage_uw, costs.fmax_mhz
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pe_models.catalog import PE_NAMES, PE_TYPES, PEKind, PEType, pe_type_arrays

__all__ = ["PE_NAMES", "PE_TYPES", "PECosts", "PEKind", "PEType", "evaluate", "pe_type_arrays"]


@dataclass(frozen=True)
class PECosts:
    """Per-PE costs, one array element per evaluated PE."""

    energy_pj_per_mac: np.ndarray  # datapath + register data energy of one MAC at the PE's native widths
    clock_pj_per_cycle: np.ndarray  # clock energy of the PE's registers per cycle they are clocked
    reg_bits: np.ndarray  # flip-flops in the PE (operand, pipeline, accumulator registers)
    area_um2: np.ndarray  # PE datapath + its pipeline/operand registers (no scratchpads)
    area_reg_um2: np.ndarray  # the part of area_um2 that is the reg_bits flip-flops (the rest is logic)
    leakage_uw: np.ndarray
    fmax_mhz: np.ndarray

    @property
    def area_logic_um2(self) -> np.ndarray:
        """The part of area_um2 that is not the flip-flops: datapath, muxes, control."""
        return self.area_um2 - self.area_reg_um2


def evaluate(
    kind: np.ndarray,
    w_bits: np.ndarray,
    a_bits: np.ndarray,
    node_nm: np.ndarray | float = 45.0,
    vdd_v: np.ndarray | float | None = None,
    narrow_acc: np.ndarray | bool = False,
) -> PECosts:
    """Costs of PEs of family ``kind`` (PEKind codes) at the given operand widths, node and
    supply voltage (None: the node's nominal supply, see pe_models.scaling); ``narrow_acc``: INT
    PEs that truncate the product and accumulate in A bits (Eyeriss's 16-bit psums)."""
    from pe_models import model  # local: model loads its data table lazily

    return model.evaluate(kind, w_bits, a_bits, node_nm, vdd_v, narrow_acc)
