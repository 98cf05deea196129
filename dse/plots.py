"""Paper figures of a sweep, drawn from bounded data (matplotlib, headless Agg backend).

Inputs are a ``dse.summary.Summary`` (the exact front, a bounded sample per PE type and a density
grid of all rows), never the full results table, so a figure costs the same for 5 thousand or
10 million design points. Each figure is written as PNG (``PNG_DPI``), SVG and PDF.

Interface:

- ``scatter_figure(s: Summary, name: str, stem: Path, title: str) -> list[Path]``: figure ``name``
  of ``FIGURES`` (``pareto``: energy vs latency; ``perf_per_area``: performance per area vs
  energy): density of every design (grey), the sample coloured by PE type with a marker per
  dataflow, the plane's exact Pareto front on top with its points labelled;
- ``breakdown_figure(rows: pd.DataFrame, labels: list[str], stem: Path, title: str) -> list[Path]``:
  a stacked energy bar per design, one segment per ``energy_groups()`` level;
- ``plane_front(s, name) -> pd.DataFrame``: the exact 2-D front of a figure's plane, sorted by x;
- ``pe_order(names)``, ``pe_colour(name)``, ``dataflow_marker(name)``, ``design_label(row, varying)``.

Colours: Paul Tol's colour-blind-safe "muted" scheme (https://personal.sron.nl/~pault/), assigned in
bit-width order of the PE catalogue (``pe_models.catalog``), so a PE type has the same colour in
every figure of every sweep.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd

from dse import units
from dse.actions import ACTIONS
from dse.dataflows import DATAFLOWS
from dse.network import ENERGY_PARTS
from dse.io import atomic_write
from dse.pareto import front_mask
from dse.spec import PARAMS
from dse.summary import density_grid, mix
from pe_models.catalog import PE_TYPES


@functools.cache
def mpl() -> SimpleNamespace:
    """matplotlib (headless Agg), imported on first drawing: the labels, colours and fronts below
    need none of it, so a process that only assembles the report (a Dask client whose workers
    draw the figures) does not pay its ~0.5 CPU s import."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm
    from matplotlib.lines import Line2D
    from matplotlib.markers import MarkerStyle
    from matplotlib.patches import Patch
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    return SimpleNamespace(plt=plt, LogNorm=LogNorm, Line2D=Line2D, MarkerStyle=MarkerStyle, Patch=Patch,
                           FuncFormatter=FuncFormatter, LogLocator=LogLocator, NullFormatter=NullFormatter)

PNG_DPI = 200
FORMATS = ("png", "svg", "pdf")
MAX_LABELS = 14  # front points labelled per figure (evenly spaced along the front beyond this)
# Paul Tol "muted", reordered so neighbours in bit-width order differ in hue and lightness, plus black
# (Okabe & Ito's colour-blind-safe set) for a 10th PE type (the W4A16/W4A8/W8A16 LLM PEs).
PALETTE = ("#332288", "#88CCEE", "#117733", "#DDCC77", "#CC6677", "#AA4499", "#44AA99", "#999933", "#882255",
           "#000000")
OTHER_COLOUR = "#777777"
BREAKDOWN_COLOURS = ("#332288", "#88CCEE", "#44AA99", "#117733", "#DDCC77", "#CC6677", "#AA4499", "#882255", "#999933")
MARKER_GLYPHS = {"o": "●", "^": "▲", "s": "■", "D": "◆", "v": "▼", "P": "✚", "X": "✖", "*": "★"}
MARKERS = ("o", "^", "s", "D", "v", "P", "X")
_STYLE = {"font.size": 8, "axes.titlesize": 8.5, "axes.labelsize": 8.5, "legend.fontsize": 7,
          "xtick.labelsize": 7.5, "ytick.labelsize": 7.5, "pdf.fonttype": 42, "svg.hashsalt": "dse",
          "axes.spines.top": False, "axes.spines.right": False}
_METADATA = {"svg": {"Date": None}, "pdf": {"CreationDate": None}, "png": {}}


@dataclass(frozen=True)
class Figure:
    x: str  # results column on the x axis
    y: str
    x_label: str  # quantity, without its unit (the unit is chosen from the data)
    y_label: str
    minimise_x: bool = True
    minimise_y: bool = True


FIGURES = {
    "pareto": Figure("latency_s", "energy_pj", "latency per inference", "energy per inference"),
    "perf_per_area": Figure("energy_pj", "perf_per_area_gops_per_mm2", "energy per inference",
                            "performance per area", minimise_y=False),
}


def _pe_key(name: str):
    t = PE_TYPES.get(name)
    return (0, int(t.kind), t.w_bits, t.a_bits, name) if t else (1, 0, 0, 0, name)


_CATALOG_ORDER = sorted(PE_TYPES, key=_pe_key)


def pe_order(names) -> list[str]:
    """Distinct PE type names in bit-width order: INT by width, then LightPE-1/2, FP16 (catalogue kinds)."""
    return sorted({str(n) for n in names}, key=_pe_key)


def pe_colour(name: str) -> str:
    if name in PE_TYPES:
        return PALETTE[_CATALOG_ORDER.index(name) % len(PALETTE)]
    return OTHER_COLOUR


def dataflow_marker(name: str) -> str:
    return MARKERS[DATAFLOWS.index(name) % len(MARKERS)] if name in DATAFLOWS else "*"


def dataflow_abbrev(name: str) -> str:
    """``weight_stationary`` -> ``WS``."""
    return "".join(w[:1].upper() for w in str(name).split("_"))


# Label fields in priority order: (name, formatter of a row); pe_type is always shown.
_LABEL_FIELDS = (
    ("pe_type", lambda r: str(r["pe_type"])),
    ("array", lambda r: f"{int(r['pe_rows'])}×{int(r['pe_cols'])}"),
    ("dataflow", lambda r: dataflow_abbrev(r["dataflow"])),
    ("glb", lambda r: f"{r['glb_kib']:g}K {r['glb_tech']}"),
    ("clock", lambda r: f"{r['clock_mhz_effective']:.0f} MHz"),
    ("dram", lambda r: f"{r['dram_bw_gbps']:g} GB/s"),
    ("spad_filter_words", lambda r: f"fspad {int(r['spad_filter_words'])}"),
    ("spad_ifmap_words", lambda r: f"ispad {int(r['spad_ifmap_words'])}"),
    ("spad_psum_words", lambda r: f"pspad {int(r['spad_psum_words'])}"),
)
# design parameters the fields above show; any other parameter that varies is shown as name=value
_LABELLED_PARAMS = {"pe_type", "pe_rows", "pe_cols", "dataflow", "glb_kib", "glb_tech", "clock_mhz", "dram_bw_gbps",
                    "spad_ifmap_words", "spad_filter_words", "spad_psum_words"}


def _fields() -> tuple:
    rest = tuple((p, lambda r, p=p: f"{p}={r[p]}") for p in PARAMS if p not in _LABELLED_PARAMS)
    return _LABEL_FIELDS + rest


def _needs(field: str) -> tuple[str, ...]:
    return {"array": ("pe_rows", "pe_cols"), "glb": ("glb_kib", "glb_tech"), "clock": ("clock_mhz_effective",),
            "dram": ("dram_bw_gbps",)}.get(field, (field,))


def label_fields(rows: pd.DataFrame, at_most: int = 4) -> list[str]:
    """Label fields that tell ``rows`` apart: pe_type, then those that vary (up to ``at_most``), then
    more varying fields while two labels are still equal."""
    out = ["pe_type"]
    varying = [name for name, fmt in _fields()[1:]
               if all(c in rows for c in _needs(name)) and len({fmt(r) for _, r in rows.iterrows()}) > 1]
    for name in varying:
        if len(out) < at_most or len({design_label(r, out) for _, r in rows.iterrows()}) < len(rows):
            out.append(name)
    return out


def design_label(row: pd.Series, fields: list[str]) -> str:
    fmt = dict(_fields())
    return " ".join(fmt[f](row) for f in fields)


def design_labels(rows: pd.DataFrame) -> list[str]:
    """Concise distinct labels of design rows (``INT8 16×16 64K SRAM``); ``#point_id`` added to twins."""
    fields = label_fields(rows)  # once: it compares every row's labels
    labels = [design_label(r, fields) for _, r in rows.iterrows()]
    seen = pd.Series(labels).duplicated(keep=False).to_numpy()
    return [f"{t} #{int(pid)}" if dup else t for t, dup, pid in zip(labels, seen, rows["point_id"])]


def energy_groups(parts=ENERGY_PARTS) -> dict[str, list[str]]:
    """Breakdown columns grouped by the level of their action (``dse.actions.ACTIONS``: ``mac``,
    ``spad``, ..., ``clock``), in table order."""
    level = {a.breakdown: a.level for a in ACTIONS} | {a.clock_breakdown: "clock" for a in ACTIONS if a.clock}
    groups: dict[str, list[str]] = {}
    for col in parts:
        groups.setdefault(level.get(col, col[len("energy_"):-len("_pj")]), []).append(col)
    return groups


@functools.cache  # one path per marker, shared by every point drawn with it
def _marker_path(marker: str):
    m = mpl().MarkerStyle(marker)
    return m.get_path().transformed(m.get_transform())


def plane_front(s, name: str) -> pd.DataFrame:
    """Exact front of a figure's plane, from the summary's (energy, latency, area) front; sorted by x."""
    f = FIGURES[name]
    rows = s.front
    if rows.empty:
        return rows
    obj = np.column_stack([rows[f.x].to_numpy(float) * (1 if f.minimise_x else -1),
                           rows[f.y].to_numpy(float) * (1 if f.minimise_y else -1)])
    return rows[front_mask(obj)].sort_values([f.x, f.y]).reset_index(drop=True)


def _save(fig, stem: Path) -> list[Path]:
    # the tight bounding box once for the three formats: bbox_inches="tight" draws the whole figure
    # an extra time per format to find it (a third of the figures' CPU). Measured with the PNG's
    # renderer, so the PNG is pixel for pixel as before; SVG and PDF measure text ~0.5% wider (3 pt
    # on pareto.svg), which the 0.1 in (7.2 pt) pad_inches absorbs: their margin is that much
    # narrower on one side, nothing is clipped.
    plt = mpl().plt
    bbox = fig.get_tightbbox(fig.canvas.get_renderer()).padded(plt.rcParams["savefig.pad_inches"])
    out = []
    for fmt in FORMATS:
        path = Path(stem).with_suffix(f".{fmt}")
        atomic_write(path, lambda p, fmt=fmt: fig.savefig(p, format=fmt, dpi=PNG_DPI, bbox_inches=bbox,
                                                          metadata=_METADATA[fmt]))
        out.append(path)
    plt.close(fig)
    return out


def warm_up() -> None:
    """Load matplotlib and its Agg, SVG and PDF back ends and fonts: a blank labelled figure drawn in
    each format into memory (the first figure a process draws costs ~1 s more than the next; a Dask
    worker with no chunk left does this while the others finish theirs, ``dse.cluster.run_parts``).
    Nothing is written and nothing that later figures draw depends on it."""
    import io

    plt = mpl().plt
    with plt.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(1, 1))
        ax.set_xscale("log")
        ax.set_title("0123456789 dse")
        bbox = fig.get_tightbbox(fig.canvas.get_renderer())
        for fmt in FORMATS:
            fig.savefig(io.BytesIO(), format=fmt, dpi=PNG_DPI, bbox_inches=bbox, metadata=_METADATA[fmt])
        plt.close(fig)


def _tick_text(v: float, _pos=None) -> str:
    return f"{v:g}" if 1e-3 <= abs(v) < 1e5 else f"{v:.0e}"


def log_axis(axis, lo: float, hi: float) -> None:
    """Log scale with labelled major ticks spaced so labels never crowd: 1-2-5 within ~2 decades,
    decades beyond; unlabelled minor ticks at the other integers."""
    m = mpl()
    LogLocator = m.LogLocator
    decades = np.log10(hi / lo)
    subs = (1.0, 2.0, 5.0) if decades <= 2.2 else (1.0,) if decades <= 8 else None
    if decades <= 0.7:
        subs = (1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 7.0)
    axis.set_major_locator(LogLocator(base=10, subs=subs) if subs else LogLocator(base=10))
    axis.set_major_formatter(m.FuncFormatter(_tick_text))
    axis.set_minor_locator(LogLocator(base=10, subs=np.arange(1, 10)))
    axis.set_minor_formatter(m.NullFormatter())


def _limits(values: np.ndarray, pad_decades: float = 0.04) -> tuple[float, float]:
    v = values[np.isfinite(values) & (values > 0)]
    lo, hi = (float(v.min()), float(v.max())) if len(v) else (1.0, 10.0)
    if hi / lo < 1.05:
        lo, hi = lo / 1.05, hi * 1.05
    return lo / 10 ** pad_decades, hi * 10 ** pad_decades


def _place_labels(fig, ax, px, py, texts, sx: int, sy: int) -> None:
    """Label front points in the empty quadrant each dominates (no design lies there).

    Each label sits diagonally off its point towards that quadrant (``sx``, ``sy``: -1 left/down,
    +1 right/up), labels are pushed apart along y (only further into the quadrant, which stays
    empty), and the axis limits grow until every label is inside the axes. A thin leader joins
    label and point.
    """
    ha = "right" if sx < 0 else "left"
    labels = [ax.text(x, y, t, ha=ha, va="center", fontsize=6.2, color="0.1", zorder=6)
              for x, y, t in zip(px, py, texts)]
    renderer = fig.canvas.get_renderer()
    pts = np.column_stack([px, py])
    for _ in range(8):
        h = max(t.get_window_extent(renderer).height for t in labels) * 1.15
        off = 0.8 * h + 3
        disp = ax.transData.transform(pts)
        ly = np.empty(len(px))
        prev = None
        for i in np.argsort(sy * disp[:, 1], kind="stable"):
            y = disp[i, 1] + sy * off
            if prev is not None:
                y = max(y, prev + h) if sy > 0 else min(y, prev - h)
            ly[i] = prev = y
        anchors = np.column_stack([disp[:, 0] + sx * off, ly])
        for t, xy in zip(labels, ax.transData.inverted().transform(anchors)):
            t.set_position(xy)
        boxes = [t.get_window_extent(renderer) for t in labels]
        axb = ax.get_window_extent(renderer)
        short = {"left": axb.x0 + 3 - min(b.x0 for b in boxes), "right": max(b.x1 for b in boxes) - axb.x1 + 3,
                 "bottom": axb.y0 + 3 - min(b.y0 for b in boxes), "top": max(b.y1 for b in boxes) - axb.y1 + 3}
        if max(short.values()) <= 0:
            break
        for side, get, set_, size in (("left", ax.get_xlim, ax.set_xlim, axb.width),
                                      ("right", ax.get_xlim, ax.set_xlim, axb.width),
                                      ("bottom", ax.get_ylim, ax.set_ylim, axb.height),
                                      ("top", ax.get_ylim, ax.set_ylim, axb.height)):
            if short[side] > 0:
                lo, hi = get()
                # decades per pixel x pixels missing, plus a margin; at most half a decade per step
                grow = 10 ** min(0.5, (short[side] + 4) / size * np.log10(hi / lo) * 1.2)
                set_((lo / grow, hi) if side in ("left", "bottom") else (lo, hi * grow))
    ends = ax.transData.inverted().transform(np.column_stack([
        [t.get_window_extent(renderer).x1 + 1 if sx < 0 else t.get_window_extent(renderer).x0 - 1 for t in labels],
        [t.get_window_extent(renderer).y0 + t.get_window_extent(renderer).height / 2 for t in labels]]))
    for (x0, y0), (x1, y1) in zip(ends, pts):
        ax.plot([x0, x1], [y0, y1], color="0.35", lw=0.45, zorder=5)
    log_axis(ax.xaxis, *ax.get_xlim())
    log_axis(ax.yaxis, *ax.get_ylim())


def _label_rows(front: pd.DataFrame) -> pd.DataFrame:
    if len(front) <= MAX_LABELS:
        return front
    return front.iloc[np.unique(np.round(np.linspace(0, len(front) - 1, MAX_LABELS)).astype(int))]


def scatter_figure(s, name: str, stem: Path, title: str) -> list[Path]:
    """Figure ``name`` of FIGURES from summary ``s``: density + sample by PE type + labelled front."""
    with mpl().plt.rc_context(_STYLE):
        return _save(draw_scatter(s, name, title), stem)


def draw_scatter(s, name: str, title: str):
    """The matplotlib figure of ``scatter_figure`` (not saved)."""
    m = mpl()
    plt, LogNorm, Line2D, Patch = m.plt, m.LogNorm, m.Line2D, m.Patch
    f = FIGURES[name]
    front = plane_front(s, name)
    sample = s.sample
    xs_all = np.concatenate([sample[f.x].to_numpy(float), front[f.x].to_numpy(float)]) if len(sample) else \
        front[f.x].to_numpy(float)
    ys_all = np.concatenate([sample[f.y].to_numpy(float), front[f.y].to_numpy(float)]) if len(sample) else \
        front[f.y].to_numpy(float)
    xe, ye, grid = density_grid(s, (f.x, f.y))
    fx, ux = units.display_factor(np.concatenate([xs_all, xe]), f.x)
    fy, uy = units.display_factor(np.concatenate([ys_all, ye]), f.y)
    with plt.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=PNG_DPI)
        ax.set_xscale("log")
        ax.set_yscale("log")
        if grid.sum() > 0:
            masked = np.ma.masked_equal(grid.T, 0)
            ax.pcolormesh(xe / fx, ye / fy, masked, cmap="Greys", shading="flat", rasterized=True, zorder=1,
                          norm=LogNorm(vmin=1, vmax=max(2.0, float(grid.max()))), alpha=0.55, linewidth=0)
        present = pe_order(pd.concat([sample.get("pe_type", pd.Series(dtype=str)), front["pe_type"]]))
        if len(sample):
            # one collection in hash order (a shuffle that does not depend on the sweep's order), so
            # overlapping PE types interleave and none is drawn entirely under another
            order = np.argsort(mix(sample["point_id"].to_numpy()), kind="stable")
            pts = sample.iloc[order]
            sc = ax.scatter(pts[f.x] / fx, pts[f.y] / fy, s=6, c=[pe_colour(str(p)) for p in pts["pe_type"]],
                            alpha=0.65, linewidths=0, zorder=2, rasterized=True)  # raster in SVG/PDF: small files
            sc.set_paths([_marker_path(dataflow_marker(d)) for d in pts["dataflow"]])
        if len(front):
            ax.step(front[f.x] / fx, front[f.y] / fy, where="post", color="black", lw=0.9, zorder=3)
            for (pe, df_name), g in front.groupby([front["pe_type"].astype(str), "dataflow"], sort=False):
                ax.scatter(g[f.x] / fx, g[f.y] / fy, s=34, marker=dataflow_marker(df_name), color=pe_colour(pe),
                           edgecolors="black", linewidths=0.7, zorder=4)
        ax.set_xlim(*_limits(np.concatenate([xs_all, xe[[0, -1]]]) / fx))
        ax.set_ylim(*_limits(np.concatenate([ys_all, ye[[0, -1]]]) / fy))
        log_axis(ax.xaxis, *ax.get_xlim())
        log_axis(ax.yaxis, *ax.get_ylim())
        ax.set_xlabel(f"{f.x_label} ({ux})")
        ax.set_ylabel(f"{f.y_label} ({uy})")
        ax.set_title(title, loc="left")
        ax.grid(True, which="major", color="0.85", lw=0.5, zorder=0)
        handles = [Line2D([], [], ls="", marker="o", color=pe_colour(pe), label=pe) for pe in present]
        flows = sorted(set(sample.get("dataflow", pd.Series(dtype=str))) | set(front.get("dataflow", [])),
                       key=lambda d: (DATAFLOWS.index(d) if d in DATAFLOWS else len(DATAFLOWS), d))
        handles += [Line2D([], [], ls="", marker=dataflow_marker(d), color="0.4", label=d.replace("_", " "))
                    for d in flows]
        handles.append(Line2D([], [], ls="-", marker="o", color="black", markerfacecolor="white", lw=0.9,
                              label=f"Pareto front ({len(front)})"))
        handles.append(Patch(color="0.6", alpha=0.55, label=f"density, all {s.rows:,} designs"))
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False,
                  borderaxespad=0.0, handletextpad=0.4)
        if len(front):
            rows = _label_rows(front)
            texts = design_labels(rows)
            _place_labels(fig, ax, rows[f.x].to_numpy(float) / fx, rows[f.y].to_numpy(float) / fy, texts,
                          -1 if f.minimise_x else 1, -1 if f.minimise_y else 1)
        return fig


def breakdown_figure(rows: pd.DataFrame, labels: list[str], stem: Path, title: str,
                     explain: dict[str, str] | None = None) -> list[Path]:
    """Stacked horizontal energy bar per design (one row of ``rows`` each), one segment per level."""
    groups = energy_groups([c for c in ENERGY_PARTS if c in rows.columns])
    totals = rows["energy_pj"].to_numpy(float)
    factor, unit = units.display_factor(totals, "energy_pj")
    colours = BREAKDOWN_COLOURS
    plt = mpl().plt
    with plt.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(6.4, 0.9 + 0.24 * len(rows)), dpi=PNG_DPI)
        left = np.zeros(len(rows))
        y = np.arange(len(rows))[::-1]
        for i, (level, cols) in enumerate(groups.items()):
            width = rows[cols].to_numpy(float).sum(axis=1) / factor
            ax.barh(y, width, left=left, height=0.7, color=colours[i % len(colours)], label=level, lw=0)
            left += width
        ax.set_yticks(y, labels)
        ax.set_xlabel(f"energy per inference ({unit})")
        ax.set_title(title, loc="left")
        ax.grid(True, axis="x", color="0.85", lw=0.5)
        ax.set_axisbelow(True)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, borderaxespad=0.0)
        return _save(fig, stem)
