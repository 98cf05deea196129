"""The PE variants we characterize, their RTL parameters and their random operand streams."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pe_models.catalog import ACC_DEPTH_BITS  # the RTL parameter DEPTH_BITS (int_mac_pe.v, lightpe.v)

RTL_DIR = Path(__file__).resolve().parent.parent / "rtl"
RTL_FILES = tuple(sorted(RTL_DIR.glob("*.v")))

# Operand widths characterized (W = A grid and every W != A pair of it).
WIDTHS = (2, 3, 4, 5, 6, 8, 10, 12, 16)
# LightPE shift-amount widths E: shifts 0..2^E-1; code = TERMS x (1 sign + E bits).
LIGHTPE_EXP_BITS = (2, 3, 4)
FP_FORMATS = {"FP16": (5, 10), "BF16": (8, 7)}  # (exponent bits, mantissa bits)


@dataclass(frozen=True)
class Variant:
    """One synthesizable PE (or reference block) configuration."""

    name: str
    pe_type: str  # INT, LightPE-1, LightPE-2, FP16, BF16, or ref_* for reference blocks
    module: str
    params: dict[str, int] = field(hash=False)
    w_bits: int
    a_bits: int
    acc_bits: int
    inputs: tuple[tuple[str, int], ...]  # (port, width) driven by the stimulus

    def stimulus(self, cycles: int, seed: int, operands: str = "dnn") -> np.ndarray:
        """(cycles, len(inputs)) unsigned integer operand stream (bit patterns); ``operands`` one of
        OPERAND_MODELS."""
        if operands not in OPERAND_MODELS:
            raise ValueError(f"operand model {operands!r} unknown; expected one of {OPERAND_MODELS}")
        rng = np.random.default_rng(seed)
        cols = [_port_values(self, port, width, cycles, rng, operands) for port, width in self.inputs]
        return np.stack(cols, axis=1)


def _fp_patterns(ew: int, mw: int, n: int, rng: np.random.Generator, spread: int = 3) -> np.ndarray:
    """Random normal floats with exponents within +-spread of 1.0 (keeps sums in range)."""
    bias = (1 << (ew - 1)) - 1
    sign = rng.integers(0, 2, n, dtype=np.int64)
    exp = rng.integers(bias - spread, bias + spread + 1, n, dtype=np.int64)
    man = rng.integers(0, 1 << mw, n, dtype=np.int64)
    return (sign << (ew + mw)) | (exp << mw) | man


# Operand statistics of the simulated MACs:
#  uniform: every bit pattern equally likely (worst-case activity; the Horowitz reference blocks
#           always use it, their published figures are for random operands);
#  dnn:     what a quantized CNN layer feeds a MAC: weights ~ N(0, s) and activations after ReLU
#           |N(0, s)|, each clipped at the MSE-optimal range for a Gaussian at that bit width (Banner,
#           Nahshan, Soudry, "Post-training 4-bit quantization", NeurIPS 2019 (ACIQ), Sec. 4: alpha =
#           1.71, 2.15, 2.55, 2.94, 3.29, 3.61, 3.92 s for 2..8 bits; wider widths extrapolated by the
#           last step), and a fraction DNN_ZERO_ACTIVATIONS of the activations exactly zero (Eyeriss
#           measured 0-79 % zeros in AlexNet's ifmaps, JSSC 2017 Table V; 0.5 is a middle value).
OPERAND_MODELS = ("dnn", "uniform")
_ACIQ_RANGE_SIGMAS = {2: 1.71, 3: 2.15, 4: 2.55, 5: 2.94, 6: 3.29, 7: 3.61, 8: 3.92}
DNN_ZERO_ACTIVATIONS = 0.5


def dnn_range_sigmas(bits: int) -> float:
    """Clipping range of a ``bits``-wide quantizer in standard deviations (ACIQ, extrapolated)."""
    if bits in _ACIQ_RANGE_SIGMAS:
        return _ACIQ_RANGE_SIGMAS[bits]
    return _ACIQ_RANGE_SIGMAS[8] + (bits - 8) * (_ACIQ_RANGE_SIGMAS[8] - _ACIQ_RANGE_SIGMAS[7])


def _dnn_values(port: str, width: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """Two's-complement bit patterns of quantized DNN operands (see OPERAND_MODELS)."""
    top = (1 << (width - 1)) - 1 if width > 1 else 1
    sigma = (top + 0.5) / dnn_range_sigmas(width)  # the clipping range spans the top level's bin
    if port.startswith("w"):  # signed weight
        x = np.clip(np.rint(rng.normal(0.0, sigma, n)), -top - 1, top)
    else:  # non-negative activation after ReLU
        x = np.clip(np.rint(np.abs(rng.normal(0.0, sigma, n))), 0, top)
        x[rng.random(n) < DNN_ZERO_ACTIVATIONS] = 0
    return x.astype(np.int64) & ((1 << width) - 1)


def _port_values(v: Variant, port: str, width: int, n: int, rng: np.random.Generator,
                 operands: str = "dnn") -> np.ndarray:
    if port == "clr":  # restart the reduction every 2**ACC_DEPTH_BITS operations (and flush at start)
        i = np.arange(n)
        return ((i % (1 << ACC_DEPTH_BITS) == 0) | (i < 2)).astype(np.int64)
    if v.pe_type in FP_FORMATS or v.pe_type == "ref_fpmul":
        ew, mw = v.params["EW"], v.params["MW"]
        return _fp_patterns(ew, mw, n, rng)
    if v.pe_type == "ref_fp32add":
        return _fp_patterns(8, 23, n, rng, spread=8)
    if operands == "dnn" and v.pe_type in ("INT", INT_NARROW):
        return _dnn_values(port, width, n, rng)
    if operands == "dnn" and v.pe_type.startswith("LightPE") and port == "a_in":
        return _dnn_values(port, width, n, rng)
    # LightPE weight codes (sign + shift per term: every code is a plausible power-of-two weight),
    # reference blocks and the uniform model: uniformly random bit patterns
    return rng.integers(0, 1 << width, n, dtype=np.int64)


def int_variant(w: int, a: int) -> Variant:
    return Variant(
        f"int_w{w}a{a}",
        "INT",
        "int_mac_pe",
        {"W": w, "A": a, "DEPTH_BITS": ACC_DEPTH_BITS},
        w,
        a,
        w + a + ACC_DEPTH_BITS,
        (("clr", 1), ("w_in", w), ("a_in", a)),
    )


INT_NARROW = "INT-narrow"  # pe_type of the activation-width-accumulator INT PEs (rtl/int_mac_narrow_pe.v)


def int_narrow_variant(w: int, a: int) -> Variant:
    """INT PE that truncates its product to A bits and accumulates in A bits (Eyeriss's 16-bit psums)."""
    return Variant(f"intn_w{w}a{a}", INT_NARROW, "int_mac_narrow_pe", {"W": w, "A": a, "ACC": a}, w, a, a,
                   (("clr", 1), ("w_in", w), ("a_in", a)))


def lightpe_variant(terms: int, e: int, a: int) -> Variant:
    p = a + (1 << e) - 1 + 1 + (terms - 1)
    w = terms * (e + 1)
    return Variant(
        f"lightpe{terms}_e{e}a{a}",
        f"LightPE-{terms}",
        "lightpe",
        {"A": a, "E": e, "TERMS": terms, "DEPTH_BITS": ACC_DEPTH_BITS},
        w,
        a,
        p + ACC_DEPTH_BITS,
        (("clr", 1), ("w_in", w), ("a_in", a)),
    )


def fp_variant(fmt: str) -> Variant:
    ew, mw = FP_FORMATS[fmt]
    n = 1 + ew + mw
    return Variant(
        fmt.lower(), fmt, "fp_mac_pe", {"EW": ew, "MW": mw}, n, n, 32, (("clr", 1), ("w_in", n), ("a_in", n))
    )


def reference_variants() -> list[Variant]:
    """Registered blocks compared with Horowitz (ISSCC 2014) operation energies."""
    out = []
    for n in (8, 32):
        out.append(
            Variant(f"ref_add{n}", "ref_add", "ref_add", {"N": n}, n, n, n, (("x_in", n), ("y_in", n)))
        )
        out.append(
            Variant(f"ref_mul{n}", "ref_mul", "ref_mul", {"N": n}, n, n, 2 * n, (("x_in", n), ("y_in", n)))
        )
    out.append(
        Variant(
            "ref_fp16mul",
            "ref_fpmul",
            "ref_fpmul",
            {"EW": 5, "MW": 10},
            16,
            16,
            32,
            (("x_in", 16), ("y_in", 16)),
        )
    )
    out.append(
        Variant("ref_fp32add", "ref_fp32add", "ref_fp32add", {}, 32, 32, 32, (("x_in", 32), ("y_in", 32)))
    )
    return out


def all_variants() -> list[Variant]:
    """The full characterization set (about 150 variants)."""
    out = [int_variant(w, a) for w in WIDTHS for a in WIDTHS]
    out += [lightpe_variant(t, e, a) for t in (1, 2) for e in LIGHTPE_EXP_BITS for a in WIDTHS]
    out += [fp_variant(f) for f in FP_FORMATS]
    return out + reference_variants()


def check_variants() -> list[Variant]:
    """A small cross-node set used to check technology scaling between real libraries."""
    out = [int_variant(w, w) for w in (2, 4, 8, 16)] + [int_variant(4, 8), int_variant(8, 16)]
    out += [lightpe_variant(1, 3, 8), lightpe_variant(2, 3, 8), fp_variant("FP16")]
    return out + [v for v in reference_variants() if v.name in ("ref_add8", "ref_mul8")]


def narrow_variants() -> list[Variant]:
    """Every W x A pair of WIDTHS with an A-bit accumulator (characterization_narrow_45nm.csv)."""
    return [int_narrow_variant(w, a) for w in WIDTHS for a in WIDTHS]


VARIANT_SETS = {"all": all_variants, "narrow": narrow_variants, "check": check_variants, "smoke": lambda: [int_variant(2, 2)]}
