"""Bounded view of a results table, built batch by batch: what the plots and the report read.

The results of a sweep may be millions of rows on disk; plots and report never hold them. They
read a :class:`Summary`, whose size is bounded whatever the row count:

- ``front``: the exact non-dominated rows in ``FRONT_COLUMNS`` (energy, latency, area minimised),
  every column. Every plotted plane's 2-D front is a subset of it (a point dominated in energy,
  latency and area is also dominated in energy vs latency and in energy vs performance per area,
  which falls with latency x area), so the plots compute their exact fronts from it;
- ``sample``: up to ``SAMPLE_PER_GROUP`` rows per PE type, those with the smallest hash of their
  ``point_id`` (bottom-k sampling: deterministic and the same whatever order the batches come in);
- ``density``: per plotted plane, counts of rows in log-spaced bins of ``1/BINS_PER_DECADE`` decade,
  stored sparsely (bin key -> count), so the bin edges need no range known in advance;
- ``best``: the best row per objective of ``dse.precision_export.OBJECTIVES`` (ties: lowest point_id);
  ``best_per_pe``: the best-EDP row per PE type.

Interface (other modules call these):

- ``summarize(batches: Iterable[pd.DataFrame]) -> Summary`` folds ``add`` over the batches;
- ``add(s: Summary, batch: pd.DataFrame) -> Summary``;
- ``part_tables(s, table) -> (rows, density)``: a chunk's summary as two small tables, stored beside
  its results part by whoever evaluated it (``dse.results``: ``_summary/``, ``_density/``, in the
  ledger); ``merge_parts`` folds them back into the summary of every row;
- ``summarize_dataset(out_dir: Path) -> Summary``: the same from the results on disk (``merge_stored``
  over every part; a sweep merges its parts with it as they arrive). For ``results/``
  the parts' stored summaries are merged (a few thousand rows per part, whatever its size), each
  checked against its ledger checksum; a part without an intact summary, and ``results.parquet``,
  are read instead, streamed by pyarrow: per batch only the columns the reductions need are
  converted, full rows only for the candidates they pick (``candidates``);
- ``read_batches(out_dir, batch_rows) -> Iterator[pd.DataFrame]``: every column, in batches (tests,
  other readers); ``summarize`` takes any iterable of DataFrames with the results columns.
- ``density_grid(s, plane, bins) -> (x_edges, y_edges, counts)``: a plane's density on a display grid.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import reduce
from pathlib import Path

import numpy as np
import pandas as pd

from dse.errors import UserError
from dse.pareto import front_mask
from dse.precision_export import OBJECTIVES

FRONT_COLUMNS = ("energy_pj", "latency_s", "area_mm2")  # all minimised
# Planes the figures draw (x column, y column); the density view is kept for each.
PLANES = (("latency_s", "energy_pj"), ("energy_pj", "perf_per_area_gops_per_mm2"))
SAMPLE_PER_GROUP = 600  # rows per PE type in the bounded sample
BINS_PER_DECADE = 100  # density resolution; a 4 x 3 decade plane holds at most 400 x 300 bins
GROUP = "pe_type"
_KEY_OFFSET = 1 << 20  # log-bin indices are shifted by this before packing two into one int64


@dataclass(frozen=True)
class Summary:
    rows: int = 0
    front: pd.DataFrame = field(default_factory=pd.DataFrame)
    sample: pd.DataFrame = field(default_factory=pd.DataFrame)
    density: dict = field(default_factory=dict)  # plane -> (keys int64 array, counts int64 array)
    best: dict = field(default_factory=dict)  # objective label -> row (pd.Series)
    best_per_pe: pd.DataFrame = field(default_factory=pd.DataFrame)


def mix(point_id: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser (Steele et al., OOPSLA 2014): a well-spread hash of the point ids."""
    z = np.asarray(point_id, dtype=np.uint64) + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _bin_keys(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    ok = np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0)
    ix = np.floor(np.log10(x[ok]) * BINS_PER_DECADE).astype(np.int64) + _KEY_OFFSET
    iy = np.floor(np.log10(y[ok]) * BINS_PER_DECADE).astype(np.int64) + _KEY_OFFSET
    return (ix << 32) | iy


def _merge_counts(a: tuple, keys: np.ndarray, counts: np.ndarray) -> tuple:
    k = np.concatenate([a[0], keys]) if a else keys
    c = np.concatenate([a[1], counts]) if a else counts
    uniq, inv = np.unique(k, return_inverse=True)
    return uniq, np.bincount(inv, weights=c, minlength=len(uniq)).astype(np.int64)


def _bottom_k(df: pd.DataFrame, k: int) -> pd.DataFrame:
    h = mix(df["point_id"].to_numpy())
    codes = pd.factorize(df[GROUP])[0]
    order = np.lexsort((h, codes))
    rank = np.arange(len(order)) - np.searchsorted(codes[order], codes[order], side="left")
    return df.iloc[np.sort(order[rank < k])]


def _best_row(df: pd.DataFrame, col: str, minimise: bool) -> pd.Series:
    """The row with the least (``minimise``) or greatest value of ``col``, ties to the lowest point_id
    (NaN only when every value is NaN); O(n), where a lexsort was O(n log n)."""
    values = df[col].to_numpy(dtype=float)
    v = values if minimise else -values
    ok = ~np.isnan(v)
    ties = np.flatnonzero(v == v[ok].min()) if ok.any() else np.arange(len(v))
    return df.iloc[ties[np.argmin(df["point_id"].to_numpy()[ties])]]


def _within_budget(df: pd.DataFrame) -> pd.DataFrame:
    """Policy search: a point whose PE cannot meet its error budget is no candidate for "best"."""
    return df[df["within_budget"].astype(bool)] if "within_budget" in df else df


def _light_columns() -> list[str]:
    """Columns the reductions read (every other column is read only for the rows they select)."""
    cols = ["point_id", GROUP, "edp_pj_s", *FRONT_COLUMNS, *(c for c, _ in OBJECTIVES.values()),
            *(c for plane in PLANES for c in plane), "within_budget"]  # quant_error, within_budget: policy search
    return list(dict.fromkeys(cols))


def _add_density(density: dict, light: pd.DataFrame) -> dict:
    density = dict(density)
    for plane in PLANES:
        keys, counts = np.unique(_bin_keys(light[plane[0]].to_numpy(float), light[plane[1]].to_numpy(float)),
                                 return_counts=True)
        density[plane] = _merge_counts(density.get(plane, ()), keys, counts)
    return density


def candidates(light: pd.DataFrame) -> np.ndarray:
    """Positions of the rows of a batch that can enter a summary: the batch's own front, bottom-k
    sample and best rows (a row on the global front is on its batch's front, and so on)."""
    keep = front_mask(light[list(FRONT_COLUMNS)].to_numpy(dtype=float))
    pos = np.arange(len(light))
    keep[_bottom_k(light.assign(_pos=pos), SAMPLE_PER_GROUP)["_pos"].to_numpy()] = True
    ok = _within_budget(light.assign(_pos=pos))
    for col, minimise in OBJECTIVES.values():
        if col in light and len(ok):
            keep[int(_best_row(ok, col, minimise)["_pos"])] = True
    per_pe = light.assign(_pos=pos).sort_values(["edp_pj_s", "point_id"], kind="stable").groupby(GROUP).head(1)
    keep[per_pe["_pos"].to_numpy()] = True
    return np.flatnonzero(keep)


def _add_rows(s: Summary, batch: pd.DataFrame, rows: int, density: dict) -> Summary:
    cand = pd.concat([s.front, batch], ignore_index=True) if len(s.front) else batch.reset_index(drop=True)
    front = cand[front_mask(cand[list(FRONT_COLUMNS)].to_numpy(dtype=float))].reset_index(drop=True)
    pool = pd.concat([s.sample, batch], ignore_index=True) if len(s.sample) else batch
    sample = _bottom_k(pool, SAMPLE_PER_GROUP).reset_index(drop=True)
    best = {}
    ok = _within_budget(batch)
    for label, (col, minimise) in OBJECTIVES.items():
        if col not in batch:  # quant_error exists under policy search only
            continue
        got = [r for r in (s.best.get(label), _best_row(ok, col, minimise) if len(ok) else None)
               if r is not None]
        if got:
            best[label] = _best_row(pd.DataFrame(got), col, minimise)
    per_pe = pd.concat([s.best_per_pe, batch], ignore_index=True) if len(s.best_per_pe) else batch
    per_pe = (per_pe.sort_values(["edp_pj_s", "point_id"], kind="stable").groupby(GROUP, sort=False).head(1)
              .reset_index(drop=True))
    return replace(s, rows=rows, front=front, sample=sample, density=density, best=best, best_per_pe=per_pe)


def add(s: Summary, batch: pd.DataFrame) -> Summary:
    """The summary of the rows seen so far plus ``batch`` (a results DataFrame)."""
    if batch.empty:
        return s
    batch = batch.reset_index(drop=True)
    light = batch[[c for c in _light_columns() if c in batch]]  # candidates copy what they read
    return _add_rows(s, batch.iloc[candidates(light)], s.rows + len(batch), _add_density(s.density, light))


def summarize(batches: Iterable[pd.DataFrame]) -> Summary:
    return reduce(add, batches, Summary())


def _results_path(out_dir: Path) -> Path:
    out_dir = Path(out_dir)
    for name in ("results", "results.parquet"):
        if (out_dir / name).exists():
            return out_dir / name
    raise UserError(f"{out_dir}: no results (expected results/ or results.parquet written by 'dse run')")


def summarize_dataset(out_dir: Path, batch_rows: int = 262_144, stored: bool = True) -> Summary:
    """The summary of a finished sweep's results on disk, in bounded memory and time.

    With ``stored`` (the default), each part of ``results/`` contributes its stored summary
    (``part_tables``) when its ledger checksum holds; any other part, and ``results.parquet``, is
    read: per Arrow batch only the ``_light_columns`` are converted (for the density and to pick the
    candidate rows); the full rows are materialised for the candidates only.
    """
    from dse import results

    path = _results_path(out_dir)
    if not path.is_dir():
        return _scan(Summary(), path, batch_rows)
    parts = [(int(part.stem.split("-")[1]), part) for part in results.part_paths(out_dir)]
    return _merge_at(out_dir, parts, Summary(), batch_rows, stored)


def merge_stored(out_dir: Path, indices: Iterable[int], s: Summary = Summary()) -> Summary:
    """``s`` merged with the parts ``indices`` of ``results/`` (in that order): each part's stored
    summary when its ledger checksum holds, else its rows read (``summarize_dataset`` is this over
    every part; a sweep calls it as its parts arrive, in index order, which gives the same summary)."""
    from dse import results

    return _merge_at(out_dir, [(i, results.results_dir(out_dir) / results.part_name(i)) for i in indices], s)


def _merge_at(out_dir: Path, parts: list[tuple[int, Path]], s: Summary, batch_rows: int = 262_144,
              stored: bool = True) -> Summary:
    from dse import results

    stored_parts = []
    for index, part in parts:
        entry = results.ledger_entry(out_dir, index) if stored else None
        sides = [results.read_side(out_dir, index, sub) for sub in (results.SUMMARY_DIR, results.DENSITY_DIR)] \
            if entry is not None else [None]
        if any(x is None for x in sides):
            s = _scan(s, part, batch_rows)
        else:
            stored_parts.append((int(entry["rows"]), *sides))
    return merge_parts(stored_parts, s)


def _scan(s: Summary, path: Path, batch_rows: int) -> Summary:
    """``s`` plus every row of the Parquet file or dataset at ``path``, read in batches."""
    import pyarrow as pa
    import pyarrow.dataset as ds

    from dse.results import READAHEAD

    try:
        dataset = ds.dataset(path, format="parquet")  # names starting with _ or . are not parts
        light_cols = [c for c in _light_columns() if c in dataset.schema.names]
        for rb in dataset.to_batches(batch_size=batch_rows, **READAHEAD):  # bounded read-ahead
            if rb.num_rows == 0:
                continue
            light = pa.Table.from_batches([rb.select(light_cols)]).to_pandas()
            idx = candidates(light)
            full = rb.take(pa.array(idx)).to_pandas()
            s = _add_rows(s, full, s.rows + rb.num_rows, _add_density(s.density, light))
    except (OSError, ValueError, KeyError) as exc:  # pyarrow.ArrowInvalid is a ValueError
        raise UserError(f"{path}: unreadable results ({exc})") from None
    return s


def part_tables(s: Summary, table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The summary ``s`` of one chunk's rows ``table`` as two tables to store beside its part: the rows
    of ``table`` the summary holds (front, sample, best rows; once each, every column) and the
    density counts (``plane`` "x:y", ``key``, ``count``). ``merge_parts`` recomputes the front, sample
    and best rows from the stored rows: each is exact under merging (a row on the front, in the
    bottom-k sample or best over all rows is so within its own chunk)."""
    keep = set(s.front.get("point_id", [])) | set(s.sample.get("point_id", [])) | set(
        s.best_per_pe.get("point_id", [])) | {int(r["point_id"]) for r in s.best.values()}
    rows = table[table["point_id"].isin(np.fromiter(keep, dtype=np.int64, count=len(keep)))]
    planes, keys, counts = [], [], []
    for plane, (k, c) in s.density.items():
        planes += [f"{plane[0]}:{plane[1]}"] * len(k)
        keys.append(k)
        counts.append(c)
    density = pd.DataFrame({"plane": pd.Series(planes, dtype=str),
                            "key": np.concatenate(keys) if keys else np.zeros(0, np.int64),
                            "count": np.concatenate(counts) if counts else np.zeros(0, np.int64)})
    return rows.reset_index(drop=True), density


def _merge_part(s: Summary, n_rows: int, rows: pd.DataFrame, density: pd.DataFrame) -> Summary:
    merged = dict(s.density)
    by_plane = dict(tuple(density.groupby("plane", sort=False))) if len(density) else {}
    for plane in PLANES:
        d = by_plane.get(f"{plane[0]}:{plane[1]}")
        if d is not None:
            merged[plane] = _merge_counts(merged.get(plane, ()), d["key"].to_numpy(np.int64),
                                          d["count"].to_numpy(np.int64))
        elif plane not in merged:
            merged[plane] = (np.zeros(0, np.int64), np.zeros(0, np.int64))
    if rows.empty:
        return replace(s, rows=s.rows + n_rows, density=merged)
    return _add_rows(s, rows, s.rows + n_rows, merged)


MERGE_PARTS = 16  # stored part summaries merged at once (~1,300 rows each on sweeps/large_space.yaml)


def merge_parts(parts: Iterable[tuple[int, pd.DataFrame, pd.DataFrame]], s: Summary = Summary()) -> Summary:
    """``s`` merged with per-part ``(rows in the part, *part_tables(...))``, ``MERGE_PARTS`` at a time
    (one concatenation and reduction per group: memory stays bounded, the per-call cost is paid once)."""
    group: list = []
    for p in [*parts, None]:
        if p is not None:
            group.append(p)
        if group and (p is None or len(group) == MERGE_PARTS):
            rows = [g[1] for g in group if len(g[1])]
            s = _merge_part(s, sum(g[0] for g in group), pd.concat(rows, ignore_index=True) if rows else group[0][1],
                            pd.concat([g[2] for g in group], ignore_index=True))
            group = []
    return s


def read_batches(out_dir: Path, batch_rows: int = 65536) -> Iterator[pd.DataFrame]:
    """Stream a finished sweep's results from disk in batches of at most ``batch_rows`` rows (all columns)."""
    import pyarrow.dataset as ds

    from dse.results import READAHEAD

    path = _results_path(out_dir)
    try:
        for rb in ds.dataset(path, format="parquet").to_batches(batch_size=batch_rows, **READAHEAD):
            yield rb.to_pandas()
    except (OSError, ValueError) as exc:
        raise UserError(f"{path}: unreadable results ({exc})") from None


def density_grid(s: Summary, plane: tuple[str, str], bins: tuple[int, int] = (120, 90)):
    """A plane's density re-binned onto a regular log grid: (x_edges, y_edges, counts[x, y])."""
    keys, counts = s.density.get(plane, (np.zeros(0, np.int64), np.zeros(0, np.int64)))
    if len(keys) == 0:
        return np.array([1.0, 10.0]), np.array([1.0, 10.0]), np.zeros((1, 1))
    lx = ((keys >> 32) - _KEY_OFFSET + 0.5) / BINS_PER_DECADE
    ly = ((keys & 0xFFFFFFFF) - _KEY_OFFSET + 0.5) / BINS_PER_DECADE
    pad = 0.5 / BINS_PER_DECADE
    # never finer than the stored bins (a finer grid would stripe)
    nx = int(min(bins[0], round((lx.max() - lx.min()) * BINS_PER_DECADE) + 1))
    ny = int(min(bins[1], round((ly.max() - ly.min()) * BINS_PER_DECADE) + 1))
    xe = np.linspace(lx.min() - pad, lx.max() + pad, nx + 1)
    ye = np.linspace(ly.min() - pad, ly.max() + pad, ny + 1)
    grid, _, _ = np.histogram2d(lx, ly, bins=(xe, ye), weights=counts)
    return 10 ** xe, 10 ** ye, grid
