"""The PE model sweeps use: the regression fitted to our gate-level characterization at 45 nm
(``pe_models.fit``, from pe_models/data/characterization_45nm.csv), moved to the requested node
and supply with Stillmaker & Baas scaling (``pe_models.scaling``).

Energy scales with the paper's energy polynomial, fmax with the inverse of its delay
polynomial, area with its area table; leakage as area x a leakage density anchored on our own
130 nm and 7 nm characterizations (pe_models.scaling.leakage_factor). The horowitz module
remains an independent cross-check, not a fallback.
"""

from __future__ import annotations

import numpy as np

from pe_models import PECosts, scaling
from pe_models.catalog import LIGHTPE_TERMS, PEKind
from pe_models.characterize import CSV_45NM_NODE_NM, DFF_45NM_UM2
from pe_models.characterize.variants import FP_FORMATS, LIGHTPE_EXP_BITS, WIDTHS
from pe_models.fit import default_model

SUPPORTED_NODES_NM = scaling.SUPPORTED_NODES_NM
REFERENCE_NODE_NM = CSV_45NM_NODE_NM  # the node of the fitted table
# Operand widths inside the characterized range (pe_models/characterize/variants.py).
MIN_BITS, MAX_BITS = min(WIDTHS), max(WIDTHS)
# LightPE weight-code widths: TERMS x (1 sign + E shift bits) for the characterized E.
LIGHTPE_W_BITS = {k: tuple(t * (1 + e) for e in LIGHTPE_EXP_BITS) for k, t in LIGHTPE_TERMS.items()}
FP16_BITS = 1 + sum(FP_FORMATS["FP16"])  # sign + exponent + mantissa


def _validate(kind: np.ndarray, w: np.ndarray, a: np.ndarray) -> None:
    """Raise ValueError naming the first bad (kind, w_bits, a_bits) and what is expected."""
    known = np.isin(kind, [int(k) for k in PEKind])
    if not known.all():
        raise ValueError(
            f"PE kind code {kind[~known][0]} unknown; expected one of { {int(k): k.name for k in PEKind} }"
        )

    def in_range(x):
        return (x >= MIN_BITS) & (x <= MAX_BITS) & (x == np.round(x))

    ok = np.where(kind == PEKind.INT, in_range(w) & in_range(a), True)
    for k, widths in LIGHTPE_W_BITS.items():
        ok &= np.where(kind == k, np.isin(w, widths) & in_range(a), True)
    ok &= np.where(kind == PEKind.FP16, (w == FP16_BITS) & (a == FP16_BITS), True)
    if not ok.all():
        i = np.flatnonzero(~ok)[0]
        k = PEKind(int(kind[i]))
        if k == PEKind.INT:
            expect = f"integer W and A in {MIN_BITS}..{MAX_BITS}"
        elif k == PEKind.FP16:
            expect = f"W = A = {FP16_BITS}"
        else:
            expect = f"W in {LIGHTPE_W_BITS[k]} and A in {MIN_BITS}..{MAX_BITS}"
        raise ValueError(
            f"PE model: {k.name} with w_bits={w[i]:g}, a_bits={a[i]:g} is outside the "
            f"characterized range; expected {expect}"
        )


def evaluate(kind, w_bits, a_bits, node_nm=45.0, vdd_v=None, narrow_acc=False) -> PECosts:
    """Costs of PEs (arrays broadcast together) at node_nm and vdd_v (None: the node's nominal);
    ``narrow_acc``: INT PEs accumulate in A bits (rtl/int_mac_narrow_pe.v; other kinds unaffected)."""
    kind, w, a, node, vdd, narrow = np.broadcast_arrays(
        np.asarray(kind),
        np.asarray(w_bits, float),
        np.asarray(a_bits, float),
        np.asarray(node_nm, float),
        np.asarray(np.nan if vdd_v is None else vdd_v, float),
        np.asarray(narrow_acc, bool),
    )
    shape = kind.shape
    kind, w, a, node, vdd, narrow = (x.reshape(-1) for x in (kind, w, a, node, vdd, narrow))
    _validate(kind.astype(int), w, a)
    vdd = scaling.resolve_vdd(node, None if vdd_v is None else vdd)
    ref_vdd = scaling.nominal_vdd_v(REFERENCE_NODE_NM)
    base = default_model().predict_45nm(kind, w, a, narrow)
    to_node = scaling.energy_factor(REFERENCE_NODE_NM, ref_vdd, node, vdd)
    energy = base["energy_pj_per_mac"] * to_node
    clock = base["reg_clock_energy_pj_per_op"] * to_node
    leakage = base["leakage_uw"] * scaling.leakage_factor(REFERENCE_NODE_NM, ref_vdd, node, vdd)
    fmax = base["fmax_mhz"] / scaling.delay_factor(REFERENCE_NODE_NM, ref_vdd, node, vdd)
    to_area = scaling.area_factor(REFERENCE_NODE_NM, node)
    area = base["area_um2"] * to_area
    reg_bits = np.rint(base["reg_bits"])
    # the 45 nm table prices each flip-flop as one Nangate45 DFF_X1 (pe_models.characterize.to_45nm)
    area_reg = reg_bits * DFF_45NM_UM2 * to_area
    return PECosts(energy.reshape(shape), clock.reshape(shape), reg_bits.reshape(shape),
                   area.reshape(shape), area_reg.reshape(shape), leakage.reshape(shape), fmax.reshape(shape))
