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
