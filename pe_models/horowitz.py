"""Analytical PE costs anchored on Horowitz, "Computing's energy problem", ISSCC 2014, Fig. 1.1.9 (45 nm, 0.9 V).

This is the *first-order reference* model: arithmetic blocks composed from the published
adder and multiplier points. The characterized, fitted model (``pe_models.fit``) is what
sweeps use once its table exists; this one stays as an independent cross-check.

Published points (45 nm):  energy pJ / area um2
  8-bit add   0.03 /   36     32-bit add  0.1 /  137
  8-bit mult  0.2  /  282     32-bit mult 3.1 / 3495
  16-bit FP mult 1.1 / 1640   32-bit FP add 0.9 / 4184
"""

from __future__ import annotations

import numpy as np

from pe_models.catalog import ACC_DEPTH_BITS, PEKind
from pe_models.characterize import DFF_45NM_UM2

# Adder: energy and area grow ~linearly with width. Fit through (8, 0.03 pJ) and (32, 0.1 pJ):
# exponent log(0.1/0.03)/log(4) = 0.87 (ripple/carry-select adders are slightly sublinear).
_ADD_E8_PJ, _ADD_E_EXP = 0.03, np.log(0.1 / 0.03) / np.log(4.0)
_ADD_A8_UM2, _ADD_A_EXP = 36.0, np.log(137.0 / 36.0) / np.log(4.0)
# Multiplier: array of w*a partial products. Through (8x8, 0.2 pJ) and (32x32, 3.1 pJ):
# exponent on the partial-product count w*a is log(15.5)/log(16) = 0.99, i.e. ~quadratic in width.
_MUL_E8_PJ, _MUL_E_EXP = 0.2, np.log(3.1 / 0.2) / np.log(16.0)
_MUL_A8_UM2, _MUL_A_EXP = 282.0, np.log(3495.0 / 282.0) / np.log(16.0)
_FP16_MUL_E_PJ, _FP16_MUL_A_UM2 = 1.1, 1640.0
_FP32_ADD_E_PJ, _FP32_ADD_A_UM2 = 0.9, 4184.0
# Pipeline/operand registers: a 45 nm DFF is ~4.5 um2 (Nangate45 DFF_X1 4.52 um2) and a
# clocked bit costs ~1/4 of an 8-bit add per bit of activity; we charge 0.004 pJ/bit/op.
_REG_E_PJ_PER_BIT, _REG_A_UM2_PER_BIT = 0.004, 4.5
# Leakage: ~1 nW/um2 of logic at 45 nm typical corner (order used by Accelergy's 45 nm tables).
_LEAK_UW_PER_UM2 = 1e-3
# Delay of an 8-bit ripple adder in 45 nm is ~0.4 ns; a WxA array multiplier + accumulate
# path of depth ~ (w + a + acc) full-adder delays of ~40 ps each sets fmax.
_FA_DELAY_NS = 0.04
# Our estimates (no published source), in full-adder delays: the FP16 multiply + FP32 add path,
# and a LightPE's 3-level barrel shifter (2 per mux level); plus the register clk->Q + setup (ns).
_FP_DEPTH_FA = 60.0
_SHIFTER_DEPTH_FA = 3 * 2
_REG_OVERHEAD_NS = 0.1
# LightPE shift range: 3 shift bits per weight term (catalog.PE_TYPES codes) shift by up to 2^3 - 1.
_LIGHTPE_MAX_SHIFT = 2**3 - 1


def adder(bits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(energy_pj, area_um2) of a ``bits``-wide integer adder at 45 nm."""
    b = np.asarray(bits, dtype=float) / 8.0
    return _ADD_E8_PJ * b**_ADD_E_EXP, _ADD_A8_UM2 * b**_ADD_A_EXP


def multiplier(w_bits: np.ndarray, a_bits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(energy_pj, area_um2) of a w x a integer multiplier at 45 nm."""
    pp = np.asarray(w_bits, dtype=float) * np.asarray(a_bits, dtype=float) / 64.0
    return _MUL_E8_PJ * pp**_MUL_E_EXP, _MUL_A8_UM2 * pp**_MUL_A_EXP


def accumulator_bits(w_bits: np.ndarray, a_bits: np.ndarray) -> np.ndarray:
    """Accumulator width: product width plus headroom for the reduction depth (ACC_DEPTH_BITS)."""
    return np.asarray(w_bits) + np.asarray(a_bits) + ACC_DEPTH_BITS


def int_pe_area_45nm(w_bits: np.ndarray, a_bits: np.ndarray, reg_bits: np.ndarray) -> dict[str, np.ndarray]:
    """Area parts (um2) of an INT MAC PE composed from published 45 nm points: Horowitz's w x a multiplier and
    his adder at the accumulator width (catalog.accumulator_bits: W + A + ACC_DEPTH_BITS), plus ``reg_bits``
    flip-flops (the PE's registers, e.g. PECosts.reg_bits) at one Nangate45 DFF_X1 each (DFF_45NM_UM2)."""
    w, a = np.asarray(w_bits, float), np.asarray(a_bits, float)
    mult = multiplier(w, a)[1]
    add = adder(accumulator_bits(w, a))[1]
    reg = np.asarray(reg_bits, float) * DFF_45NM_UM2
    return {"multiplier_um2": mult, "adder_um2": add, "reg_um2": reg, "area_um2": mult + add + reg}


def pe_costs_45nm(kind: np.ndarray, w_bits: np.ndarray, a_bits: np.ndarray) -> dict[str, np.ndarray]:
    """Per-MAC energy, area, leakage and fmax of each PE at 45 nm, 0.9 V (arrays broadcast)."""
    kind, w, a = np.broadcast_arrays(np.asarray(kind), np.asarray(w_bits, float), np.asarray(a_bits, float))
    acc = accumulator_bits(w, a)
    add_e, add_a = adder(acc)
    reg_bits = w + a + acc
    reg_e, reg_a = reg_bits * _REG_E_PJ_PER_BIT, reg_bits * _REG_A_UM2_PER_BIT

    mul_e, mul_a = multiplier(w, a)
    # LightPE: shifting an a-bit activation by up to 2^(exp bits) - 1 = 7 positions is a
    # 3-stage barrel shifter (3 mux levels x (a+7) bits); a mux bit costs ~1/3 of an adder bit.
    shift_bits = a + _LIGHTPE_MAX_SHIFT
    # 3 levels x 1/3 adder-bit each = one adder-bit per shifter bit.
    sh_e, sh_a = adder(shift_bits)
    terms = np.where(kind == PEKind.LIGHTPE2, 2.0, 1.0)
    sum_e, sum_a = adder(shift_bits + 1)  # LightPE-2 adds its two shifted terms
    light_e = terms * sh_e + (terms - 1) * sum_e
    light_a = terms * sh_a + (terms - 1) * sum_a
    fp_e, fp_a = np.full_like(w, _FP16_MUL_E_PJ + _FP32_ADD_E_PJ), np.full_like(w, _FP16_MUL_A_UM2 + _FP32_ADD_A_UM2)

    is_int = kind == PEKind.INT
    is_fp = kind == PEKind.FP16
    core_e = np.where(is_int, mul_e + add_e, np.where(is_fp, fp_e, light_e + add_e))
    core_a = np.where(is_int, mul_a + add_a, np.where(is_fp, fp_a, light_a + add_a))
    energy = core_e + reg_e
    area = core_a + reg_a
    depth = np.where(is_int, w + a + acc / 2, np.where(is_fp, _FP_DEPTH_FA, _SHIFTER_DEPTH_FA + acc / 2))
    return {
        "energy_pj_per_mac": energy,
        "area_um2": area,
        "leakage_uw": area * _LEAK_UW_PER_UM2,
        "fmax_mhz": 1e3 / (depth * _FA_DELAY_NS + _REG_OVERHEAD_NS),
    }
