"""Figures of a sweep (matplotlib, headless Agg backend)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from dse.io import atomic_write
from dse.units import MS_PER_S, PJ_PER_MJ

MJ_PER_PJ = 1 / PJ_PER_MJ


def _save(fig, path: Path) -> Path:
    atomic_write(path, lambda p: fig.savefig(p, format="png", dpi=120, bbox_inches="tight"))
    plt.close(fig)
    return path


def _groups(df: pd.DataFrame):
    return sorted(df.groupby("pe_type", sort=False), key=lambda kv: str(kv[0]))


def _finish(ax, xlabel: str, ylabel: str, title: str) -> None:
    ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, markerscale=2)


def pareto_plot(df: pd.DataFrame, front: pd.DataFrame, path: Path, title: str) -> Path:
    """Energy vs latency of every point, coloured by PE type, with the front highlighted."""
    fig, ax = plt.subplots(figsize=(7.5, 5))
    for name, g in _groups(df):
        ax.scatter(g["latency_s"] * MS_PER_S, g["energy_pj"] * MJ_PER_PJ, s=6, alpha=0.45, label=str(name))
    f = front.sort_values("latency_s")
    ax.step(f["latency_s"] * MS_PER_S, f["energy_pj"] * MJ_PER_PJ, where="post", color="black", lw=1.2)
    ax.scatter(f["latency_s"] * MS_PER_S, f["energy_pj"] * MJ_PER_PJ, s=28, facecolors="none",
               edgecolors="black", label="Pareto front")
    ax.set_yscale("log")
    _finish(ax, "latency per inference (ms)", "energy per inference (mJ)", title)
    return _save(fig, path)


def perf_per_area_plot(df: pd.DataFrame, path: Path, title: str) -> Path:
    """Performance per area against energy per inference, coloured by PE type."""
    fig, ax = plt.subplots(figsize=(7.5, 5))
    for name, g in _groups(df):
        ax.scatter(g["energy_pj"] * MJ_PER_PJ, g["perf_per_area_gops_per_mm2"], s=6, alpha=0.45, label=str(name))
    _finish(ax, "energy per inference (mJ)", "performance per area (GOPS/mm$^2$)", title)
    return _save(fig, path)
