"""Regression models of PE cost fitted to our 45 nm characterization table.

Per PE family, each metric is a linear combination of physically motivated terms in the
operand widths, fitted by least squares weighted for relative error (weights 1/y):

* INT (W x A multiplier, W+A+8 bit accumulator and registers): 1, W, A, W*A, W^2, A^2,
  min(W, A)^2, W*A*(W+A). W*A is the partial-product array; W, A the registers and the
  accumulator; the squares pick up the array's non-linear growth, min(W, A)^2 the kink at
  W = A that the synthesized (asymmetric) multiplier shows, and W*A*(W+A) glitching, which
  grows with the array's size times its logic depth.
* LightPE-1/2 (code: TERMS x (sign + E shift bits), A-bit activation): 1, A, E, 2^E, A*E, A*2^E.
  The barrel shifter has A + 2^E - 1 output bits and E mux levels.
* FP16: one characterized point (no width parameter).
* INT-narrow (pe_models/rtl/int_mac_narrow_pe.v: the product truncated to A bits and an A-bit
  accumulator, as Eyeriss's 16-bit PE), fitted to its own table (characterization_narrow_45nm.csv,
  every W x A pair of the INT grid): the INT terms plus W*A^2 (the A kept product columns' adder
  tree over W rows: held-out error 15.4 % -> 12.3 %); its delay in 1, A, min(W, A), log2 W, log2 A
  (the kept columns' carry chain is A bits; the partial-product tree's depth grows as log W).

fmax is fitted as critical-path delay (ns), then inverted: for INT linear in W + A (the
carry chains of the product and the W+A+8 bit accumulator set the path; extra terms only fit
ABC's width-to-width mapping noise), for LightPEs with the same terms as their other metrics.
Validation holds out every variant with a width in HOLDOUT_BITS (5 and 10 bits), fits on the
rest, and reports R^2 and the maximum relative error on the held-out variants; the model the
sweeps use is then refitted on all variants.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from pe_models.catalog import FAMILY_NAMES, LIGHTPE_TERMS, PEKind
from pe_models.characterize import CSV_45NM, NARROW_CSV_45NM
from pe_models.characterize.variants import INT_NARROW

# energy_pj_per_mac: datapath + register data per MAC; reg_clock_energy_pj_per_op: the PE registers'
# clock per cycle they are clocked (dse.clock prices it per active PE-cycle); reg_bits: their flops.
METRICS = ("energy_pj_per_mac", "reg_clock_energy_pj_per_op", "reg_bits", "area_um2", "leakage_uw", "fmax_mhz")
HOLDOUT_BITS = (5, 10)
FITTED_KINDS = (PEKind.INT, PEKind.LIGHTPE1, PEKind.LIGHTPE2)


class TableError(ValueError):
    """The characterization table is missing or malformed; the message names the file."""


def load_table(path: Path = CSV_45NM) -> pd.DataFrame:
    """The 45 nm characterization table (one row per variant)."""
    try:
        df = pd.read_csv(path, comment="#")
    except FileNotFoundError:
        raise TableError(
            f"{path}: characterization table not found; run python -m pe_models.characterize"
        ) from None
    missing = {"pe_type", "w_bits", "a_bits", *METRICS} - set(df.columns)
    if missing:
        raise TableError(f"{path}: missing columns {sorted(missing)}")
    return df


def features(
    kind: PEKind | str, w_bits: np.ndarray, a_bits: np.ndarray, metric: str = "energy_pj_per_mac"
) -> np.ndarray:
    """(N, F) regression terms of one PE family and metric (see module docstring)."""
    w = np.asarray(w_bits, dtype=float).reshape(-1)
    a = np.asarray(a_bits, dtype=float).reshape(-1)
    if kind == INT_NARROW and metric == "fmax_mhz":
        return np.stack([np.ones_like(w), a, np.minimum(w, a), np.log2(w), np.log2(a)], axis=1)
    if kind == INT_NARROW:
        return np.concatenate([features(PEKind.INT, w, a, metric), (w * a * a)[:, None]], axis=1)
    if kind == PEKind.INT and metric == "fmax_mhz":
        return np.stack([np.ones_like(w), w + a], axis=1)
    if kind == PEKind.INT:
        return np.stack(
            [np.ones_like(w), w, a, w * a, w * w, a * a, np.minimum(w, a) ** 2, w * a * (w + a)], axis=1
        )
    if kind in LIGHTPE_TERMS:
        e = w / LIGHTPE_TERMS[kind] - 1.0
        s = 2.0**e
        return np.stack([np.ones_like(a), a, e, s, a * e, a * s], axis=1)
    raise ValueError(f"no regression terms for PE kind {kind!r}")


def _target(df: pd.DataFrame, metric: str) -> np.ndarray:
    y = df[metric].to_numpy(float)
    return 1e3 / y if metric == "fmax_mhz" else y  # fmax is fitted as a delay


def _solve(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    wts = 1.0 / y  # relative-error weighting
    coef, *_ = np.linalg.lstsq(x * wts[:, None], y * wts, rcond=None)
    return coef


def _predict(coef: np.ndarray, x: np.ndarray, metric: str) -> np.ndarray:
    y = x @ coef
    return 1e3 / y if metric == "fmax_mhz" else y


def _rows(df: pd.DataFrame, kind: PEKind | str) -> pd.DataFrame:
    return df[df["pe_type"] == (kind if kind == INT_NARROW else FAMILY_NAMES[kind])]


def is_holdout(kind: PEKind, w_bits: np.ndarray, a_bits: np.ndarray) -> np.ndarray:
    """Held-out variants: INT with W or A in HOLDOUT_BITS; LightPEs with A in HOLDOUT_BITS."""
    held = np.isin(a_bits, HOLDOUT_BITS)
    return held | np.isin(w_bits, HOLDOUT_BITS) if kind == PEKind.INT else held


@dataclass(frozen=True)
class FitQuality:
    pe_type: str
    metric: str
    n_train: int
    n_test: int
    r2: float  # on the held-out variants
    max_rel_err: float  # on the held-out variants
    max_rel_err_all: float  # of the production fit (all variants) over all variants


@dataclass(frozen=True)
class FittedModel:
    """Coefficients per (kind, metric) plus the FP16 point; (INT_NARROW, metric): the INT PE with an
    activation-width accumulator."""

    coefs: dict[tuple[PEKind | str, str], np.ndarray]
    fp16: dict[str, float]

    def predict_45nm(self, kind: np.ndarray, w_bits: np.ndarray, a_bits: np.ndarray,
                     narrow_acc: np.ndarray | bool = False) -> dict[str, np.ndarray]:
        """45 nm, nominal-supply costs for arrays of (kind, w_bits, a_bits) (already validated);
        ``narrow_acc``: INT PEs that accumulate in A bits (other families keep their accumulator)."""
        kind = np.asarray(kind).reshape(-1)
        w = np.asarray(w_bits, dtype=float).reshape(-1)
        a = np.asarray(a_bits, dtype=float).reshape(-1)
        narrow = np.broadcast_to(np.asarray(narrow_acc, bool), kind.shape) & (kind == PEKind.INT)
        out = {m: np.full(kind.shape, np.nan) for m in METRICS}
        for k in FITTED_KINDS:  # a loop over the few PE families, not over design points
            sel = (kind == k) & ~narrow
            if sel.any():
                for m in METRICS:
                    out[m][sel] = _predict(self.coefs[(k, m)], features(k, w[sel], a[sel], m), m)
        if narrow.any():
            for m in METRICS:
                out[m][narrow] = _predict(self.coefs[(INT_NARROW, m)], features(INT_NARROW, w[narrow], a[narrow], m), m)
        for m in METRICS:
            out[m][kind == PEKind.FP16] = self.fp16[m]
        return out


# The fitted families: PE kinds, and INT_NARROW (fitted with the INT terms).
FAMILIES: tuple[PEKind | str, ...] = (*FITTED_KINDS, INT_NARROW)


def _terms_kind(family: PEKind | str) -> PEKind:
    return PEKind.INT if family == INT_NARROW else family


def _name(family: PEKind | str) -> str:
    return family if family == INT_NARROW else FAMILY_NAMES[family]


def fit(df: pd.DataFrame, train: pd.Series | None = None) -> FittedModel:
    """Fit every (family, metric) on the rows selected by ``train`` (default: all rows)."""
    coefs = {}
    for k in FAMILIES:
        rows = _rows(df, k)
        if train is not None:
            rows = rows[train.loc[rows.index]]
        if len(rows) < 6:
            raise TableError(
                f"only {len(rows)} {_name(k)} rows in the characterization tables; need >= 6"
            )
        for m in METRICS:
            coefs[(k, m)] = _solve(features(k, rows["w_bits"], rows["a_bits"], m), _target(rows, m))
    fp = df[df["pe_type"] == FAMILY_NAMES[PEKind.FP16]]
    if fp.empty:
        raise TableError("no FP16 row in the characterization table")
    return FittedModel(coefs, {m: float(fp[m].iloc[0]) for m in METRICS})


def quality(df: pd.DataFrame) -> list[FitQuality]:
    """Held-out validation of every (family, metric)."""
    train = pd.Series(True, index=df.index)
    for k in FAMILIES:
        rows = _rows(df, k)
        train.loc[rows.index] = ~is_holdout(_terms_kind(k), rows["w_bits"].to_numpy(), rows["a_bits"].to_numpy())
    held_model, full_model = fit(df, train), fit(df)
    out = []
    for k in FAMILIES:
        rows = _rows(df, k)
        test = rows[~train.loc[rows.index]]
        for m in METRICS:
            y = test[m].to_numpy(float)
            pred = _predict(held_model.coefs[(k, m)], features(k, test["w_bits"], test["a_bits"], m), m)
            r2 = 1.0 - np.sum((pred - y) ** 2) / np.sum((y - y.mean()) ** 2)
            y_all = rows[m].to_numpy(float)
            pred_all = _predict(full_model.coefs[(k, m)], features(k, rows["w_bits"], rows["a_bits"], m), m)
            out.append(
                FitQuality(
                    _name(k),
                    m,
                    int(train.loc[rows.index].sum()),
                    len(test),
                    float(r2),
                    float(np.max(np.abs(pred / y - 1.0))),
                    float(np.max(np.abs(pred_all / y_all - 1.0))),
                )
            )
    return out


def load_tables() -> pd.DataFrame:
    """The committed characterization tables together: the main one and the narrow-accumulator one."""
    return pd.concat([load_table(), load_table(NARROW_CSV_45NM)], ignore_index=True)


@lru_cache(maxsize=1)
def default_model() -> FittedModel:
    """The model fitted to the committed tables (the main one and the narrow-accumulator one; fitted
    once per process, ~ms)."""
    return fit(load_tables())


def format_report(rows: list[FitQuality]) -> str:
    """Text table: R2 and max relative error on held-out variants (any operand of 5 or 10 bits
    left out of the fit), and the max relative error of the production fit over all variants."""
    title = (
        f"fit quality at 45 nm; held out: variants with a {' or '.join(map(str, HOLDOUT_BITS))}-bit operand "
        f"(R2, max_rel_err); all_max_rel_err: production fit on every variant ({CSV_45NM.name})"
    )
    lines = [
        title,
        (
            f"{'pe_type':10s} {'metric':18s} {'train':>5s} {'test':>4s} {'R2':>7s} {'max_rel_err':>11s} "
            f"{'all_max_rel_err':>15s}"
        ),
    ]
    for q in rows:
        lines.append(
            f"{q.pe_type:10s} {q.metric:18s} {q.n_train:5d} {q.n_test:4d} {q.r2:7.4f} "
            f"{100 * q.max_rel_err:10.2f}% {100 * q.max_rel_err_all:14.2f}%"
        )
    return "\n".join(lines)
