"""Number formats a layer's operands can be quantized to, as numpy fake-quantizers (float in, float out).

Weights: INT (per-channel symmetric, narrow range ``[-(2^(b-1)-1), 2^(b-1)-1]``, scale = max|w| / qmax,
as onnxruntime's symmetric per-channel weights and QONNX ``narrow=1``); LightPE-1 / LightPE-2 (one or
two signed powers of two times a per-channel scale, the weight codes of ``pe_models.catalog``: per term
1 sign + 3 shift bits, shifts 0..7); FP16 (IEEE half).
Activations: INT, asymmetric unsigned ``[0, 2^b - 1]`` over the calibrated range widened to include 0
(onnxruntime's default activation scheme, MinMax calibration); FP16 for FP16 PEs.
"""

from __future__ import annotations

import itertools

import numpy as np

from pe_models.catalog import LIGHTPE_TERMS, PE_TYPES, PEKind

LIGHTPE_SHIFTS = 8  # 3 shift bits per term: shifts 0..7 (pe_models/catalog.py, LightPE codes)
W_FORMATS = ("int", "lightpe1", "lightpe2", "fp16")
# The weight format each PE family computes on (INT PEs: any INT width, narrower ones packed,
# wider ones in passes; the others only their own code).
FORMAT_OF_KIND = {PEKind.INT: "int", PEKind.LIGHTPE1: "lightpe1", PEKind.LIGHTPE2: "lightpe2",
                  PEKind.FP16: "fp16"}
# (w_bits, a_bits) of the non-INT formats: the PE's own widths.
FIXED_FORMAT_BITS = {"lightpe1": (PE_TYPES["LightPE-1"].w_bits, PE_TYPES["LightPE-1"].a_bits),
                     "lightpe2": (PE_TYPES["LightPE-2"].w_bits, PE_TYPES["LightPE-2"].a_bits),
                     "fp16": (16, 16)}


def _channel_absmax(w: np.ndarray, axis: int) -> np.ndarray:
    axes = tuple(i for i in range(w.ndim) if i != axis % w.ndim)
    m = np.max(np.abs(w), axis=axes, keepdims=True)
    return np.where(m > 0, m, 1.0)


def int_weight_scale(w: np.ndarray, bits: int, axis: int) -> np.ndarray:
    """Per-channel scale (broadcastable to ``w``) of symmetric narrow-range INT weights."""
    return _channel_absmax(w, axis) / (2 ** (bits - 1) - 1)


def int_weight(w: np.ndarray, bits: int, axis: int) -> np.ndarray:
    qmax = 2 ** (bits - 1) - 1
    s = int_weight_scale(w, bits, axis)
    return (np.clip(np.round(w / s), -qmax, qmax) * s).astype(w.dtype)


def lightpe_levels(terms: int) -> np.ndarray:
    """Sorted distinct magnitudes/values (scale 1) of sums of ``terms`` signed powers of two 2^-k."""
    pot = [s * 2.0 ** -k for s in (1, -1) for k in range(LIGHTPE_SHIFTS)]
    return np.unique([sum(c) for c in itertools.product(pot, repeat=terms)])


def lightpe_weight(w: np.ndarray, terms: int, axis: int) -> np.ndarray:
    """Nearest value of ``scale * (sum of terms signed powers of two)``, per-channel scale = max|w|
    (so the largest weight is exactly representable as 2^0, or 2^-1 + 2^-1 for two terms)."""
    levels = lightpe_levels(terms)
    s = _channel_absmax(w, axis)
    x = w / s
    i = np.clip(np.searchsorted(levels, x), 1, len(levels) - 1)
    lo, hi = levels[i - 1], levels[i]
    return (np.where(x - lo <= hi - x, lo, hi) * s).astype(w.dtype)


def fp16(x: np.ndarray) -> np.ndarray:
    return x.astype(np.float16).astype(x.dtype)


def quantize_weight(w: np.ndarray, fmt: str, bits: int, axis: int) -> np.ndarray:
    if fmt == "int":
        return int_weight(w, bits, axis)
    if fmt == "fp16":
        return fp16(w)
    return lightpe_weight(w, LIGHTPE_TERMS[PEKind.LIGHTPE1 if fmt == "lightpe1" else PEKind.LIGHTPE2], axis)


def activation_params(lo: float, hi: float, bits: int) -> tuple[float, float, float]:
    """(scale, zero_point, qmax) of asymmetric unsigned activations over [min(lo,0), max(hi,0)]."""
    lo, hi = min(float(lo), 0.0), max(float(hi), 0.0)
    qmax = float(2 ** bits - 1)
    scale = (hi - lo) / qmax if hi > lo else 1.0
    return scale, float(np.round(-lo / scale)), qmax


def quantize_activation(x: np.ndarray, lo: float, hi: float, bits: int) -> np.ndarray:
    s, zp, qmax = activation_params(lo, hi, bits)
    return ((np.clip(np.round(x / s) + zp, 0, qmax) - zp) * s).astype(x.dtype)
