"""The PE types a design space can name, and how they map to model inputs."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np


class PEKind(IntEnum):
    """Microarchitecture family of a processing element (integer code used in design arrays)."""

    INT = 0  # W x A two's-complement multiplier + accumulator
    LIGHTPE1 = 1  # weight = one signed power of two: shift + add (QUIDAM LightPE-1)
    LIGHTPE2 = 2  # weight = sum of two signed powers of two: two shifts + adds (LightPE-2)
    FP16 = 3  # IEEE half-precision multiply, FP32 accumulate (reference point)


# Name of each family: the pe_type column of the characterization tables and of `dse pe`.
FAMILY_NAMES = {
    PEKind.INT: "INT",
    PEKind.LIGHTPE1: "LightPE-1",
    PEKind.LIGHTPE2: "LightPE-2",
    PEKind.FP16: "FP16",
}
# Power-of-two terms in a LightPE weight code (code = TERMS x (sign + shift bits)).
LIGHTPE_TERMS = {PEKind.LIGHTPE1: 1, PEKind.LIGHTPE2: 2}


@dataclass(frozen=True)
class PEType:
    """A named PE: its family and the operand widths it natively computes on.

    For LightPEs ``w_bits`` is the width of the weight *code* stored and moved
    (sign + exponent per power-of-two term), which is what memories see.
    """

    name: str
    kind: PEKind
    w_bits: int
    a_bits: int


# LightPE codes: 1 sign + 3 exponent bits per power-of-two term (shifts 0..7), activations
# at 8 bits. This follows the shift-based PEs of QADAM/QUIDAM (Inci et al., arXiv 2205.13045,
# 2206.15463); widths are ours where the papers leave them open.
PE_TYPES: dict[str, PEType] = {
    t.name: t
    for t in (
        PEType("INT2", PEKind.INT, 2, 2),
        PEType("INT4", PEKind.INT, 4, 4),
        PEType("INT8", PEKind.INT, 8, 8),
        PEType("INT16", PEKind.INT, 16, 16),
        # W != A integer PEs for weight-only and mixed LLM formats (W4A16, W4A8, W8A16): the same INT
        # multiplier RTL at distinct widths, characterized on the full W x A grid (variants.WIDTHS)
        PEType("W4A16", PEKind.INT, 4, 16),
        PEType("W4A8", PEKind.INT, 4, 8),
        PEType("W8A16", PEKind.INT, 8, 16),
        PEType("LightPE-1", PEKind.LIGHTPE1, 4, 8),
        PEType("LightPE-2", PEKind.LIGHTPE2, 8, 8),
        PEType("FP16", PEKind.FP16, 16, 16),
    )
}
PE_NAMES: tuple[str, ...] = tuple(PE_TYPES)


def pe_type_arrays(names: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Map an array of PE names to (kind, w_bits, a_bits) integer arrays."""
    names = np.asarray(names)
    uniq, inverse = np.unique(names, return_inverse=True)
    unknown = [str(u) for u in uniq if str(u) not in PE_TYPES]
    if unknown:
        raise ValueError(f"unknown PE type(s) {unknown}; expected one of {list(PE_NAMES)}")
    table = np.array([[PE_TYPES[str(u)].kind, PE_TYPES[str(u)].w_bits, PE_TYPES[str(u)].a_bits] for u in uniq])
    rows = table[inverse.reshape(-1)]
    return rows[:, 0], rows[:, 1], rows[:, 2]


# log2 of the reduction depth an accumulator absorbs without overflow (256 terms), as in the RTL
# (pe_models/rtl/int_mac_pe.v, lightpe.v: parameter DEPTH_BITS, set from this by
# pe_models.characterize.variants).
ACC_DEPTH_BITS = 8
FP32_ACC_BITS = 32  # FP16 MACs accumulate in FP32 (pe_models/rtl/fp_mac_pe.v)


def accumulator_bits(kind: np.ndarray, w_bits: np.ndarray, a_bits: np.ndarray) -> np.ndarray:
    """Accumulator (partial-sum) width of each PE, as its RTL builds it.

    INT: product W + A bits. LightPE with T power-of-two terms of E shift bits (code W = T (E + 1)):
    the shifted activation spans A + 2^E - 1 bits, plus a sign bit and one carry bit per extra term.
    Both then add ACC_DEPTH_BITS of headroom.
    """
    kind, w, a = np.broadcast_arrays(np.asarray(kind), np.asarray(w_bits), np.asarray(a_bits))
    terms = np.where(kind == PEKind.LIGHTPE2, 2, 1)
    exp_bits = w // terms - 1
    light = a + (1 << np.clip(exp_bits, 0, 30)) - 1 + 1 + (terms - 1)
    product = np.where(kind == PEKind.INT, w + a, light)
    return np.where(kind == PEKind.FP16, FP32_ACC_BITS, product + ACC_DEPTH_BITS)
