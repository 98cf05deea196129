"""The results dataset of a run, ``<out>/results/``: written part by part, read in bounded memory.

Layout (one part per chunk of design points, written once by whoever evaluated it)::

    results/part-000012.parquet          every row of the chunk (one row per design point)
    results/_front/part-000012.parquet   the chunk's rows on its Pareto front over the run's objectives
    results/_summary/part-000012.parquet the chunk's rows its bounded summary keeps (dse.summary.part_tables:
                                         its energy-latency-area front, bottom-k sample, best rows)
    results/_density/part-000012.parquet the chunk's density counts per plotted plane (plane, key, count)
    results/_ledger/part-000012.json     sha256 of the four files and the row count, recorded when written

The summary files let the outputs merge a few thousand rows per part instead of re-reading every
row (``dse.summary.summarize_dataset``); they are covered by the ledger like the part itself.

Each file is written under a temporary name and renamed; the ledger entry goes last, so a part
without one (a kill in between) is simply evaluated again. ``pandas.read_parquet("<out>/results")``
and ``pyarrow.dataset.dataset("<out>/results")`` read the parts only: names starting with ``_``
or ``.`` are ignored by pyarrow's discovery. A folder is a complete run once ``manifest.json``
exists.

Readers here hold at most one batch (or the chunk fronts) in memory: ``front``, ``scan``;
``load`` reads the whole table, for small runs. The bounded view the figures and the report
draw (front, sample, density, best rows) is ``dse.summary``, folded over ``scan``.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from dse.io import sha256_file, write_json, write_parquet

RESULTS_DIR = "results"
LEDGER_DIR = "_ledger"
FRONT_DIR = "_front"
SUMMARY_DIR = "_summary"
DENSITY_DIR = "_density"
# the files of one part beside the part itself, in the order written (the ledger entry goes last),
# and the ledger field holding each one's sha256
SIDE_FILES = ((FRONT_DIR, "front_sha256"), (SUMMARY_DIR, "summary_sha256"), (DENSITY_DIR, "density_sha256"))


def part_name(index: int) -> str:
    return f"part-{index:06d}.parquet"


def results_dir(out_dir: Path) -> Path:
    return Path(out_dir) / RESULTS_DIR


def _ledger_path(out_dir: Path, index: int) -> Path:
    return results_dir(out_dir) / LEDGER_DIR / f"part-{index:06d}.json"


def part_paths(out_dir: Path) -> list[Path]:
    d = results_dir(out_dir)
    return sorted(d.glob("part-*.parquet")) if d.is_dir() else []


# --- writing (called by whoever evaluated the chunk: this process or a Dask worker)

def write_part(out_dir: Path, index: int, table: pd.DataFrame, front: pd.DataFrame, fingerprint: str,
               summary_tables: tuple[pd.DataFrame, pd.DataFrame]) -> dict:
    """Write one part, its front, its summary (``dse.summary.part_tables``: rows, density) and, last,
    its ledger entry; returns the ledger entry."""
    d = results_dir(out_dir)
    part = write_parquet(d / part_name(index), table)
    entry = {"part": part.name, "rows": len(table), "sha256": sha256_file(part), "front_rows": len(front)}
    for (sub, key), df in zip(SIDE_FILES, (front, *summary_tables)):
        entry[key] = sha256_file(write_parquet(d / sub / part_name(index), df))
    entry["fingerprint"] = fingerprint
    write_json(_ledger_path(out_dir, index), entry)
    return entry


def ledger_indices(out_dir: Path) -> list[int]:
    """Indices of the parts with a ledger entry (finished, not yet verified)."""
    return sorted(int(p.stem.split("-")[1]) for p in (results_dir(out_dir) / LEDGER_DIR).glob("part-*.json"))


def read_part(out_dir: Path, index: int, columns: list[str] | None = None) -> pd.DataFrame:
    return pd.read_parquet(results_dir(out_dir) / part_name(index), columns=columns)


def ledger_entry(out_dir: Path, index: int) -> dict | None:
    """Part ``index``'s ledger entry, or None if there is none or it is unreadable."""
    try:
        entry = json.loads(_ledger_path(out_dir, index).read_text())
    except (OSError, ValueError):
        return None
    return entry if isinstance(entry, dict) else None


def check_part(out_dir: Path, index: int, rows: int | None, fingerprint: str) -> str | None:
    """None if part ``index`` and its side files are complete and intact (``rows`` rows, when given),
    else why not ('' if it was never finished)."""
    d, ledger = results_dir(out_dir), _ledger_path(out_dir, index)
    if not ledger.is_file():
        return ""
    entry = ledger_entry(out_dir, index)
    keys = ("rows", "sha256", "fingerprint", *(key for _, key in SIDE_FILES))
    if entry is None or not all(k in entry for k in keys):
        return "its ledger entry is unreadable"
    if entry["fingerprint"] != fingerprint:
        return "it was computed from other inputs"
    if rows is not None and entry["rows"] != rows:
        return f"it holds {entry['rows']} rows, expected {rows}"
    files = [(part_name(index), entry["sha256"])] + [(f"{sub}/{part_name(index)}", entry[key])
                                                     for sub, key in SIDE_FILES]
    for name, sha in files:
        if not (d / name).is_file():
            return f"{name} is missing"
        if sha256_file(d / name) != sha:
            return ("checksum mismatch (corrupted or truncated)" if name == part_name(index) else
                    f"checksum mismatch of {name} (corrupted or truncated)")
    return None


def read_side(out_dir: Path, index: int, sub: str) -> pd.DataFrame | None:
    """Part ``index``'s side file ``sub`` (``SUMMARY_DIR``, ...) if its ledger checksum holds, else None."""
    entry, path = ledger_entry(out_dir, index), results_dir(out_dir) / sub / part_name(index)
    key = dict(SIDE_FILES)[sub]
    if entry is None or key not in entry or not path.is_file():
        return None
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != entry[key]:
        return None
    return pd.read_parquet(io.BytesIO(data))


def rows(out_dir: Path) -> int:
    """Rows recorded in the ledger (every part that was finished)."""
    total = 0
    for p in sorted((results_dir(out_dir) / LEDGER_DIR).glob("part-*.json")):
        total += int(json.loads(p.read_text())["rows"])
    return total


def discard_part(out_dir: Path, index: int) -> None:
    d = results_dir(out_dir)
    for p in (_ledger_path(out_dir, index), d / part_name(index), *(d / sub / part_name(index) for sub, _ in SIDE_FILES)):
        p.unlink(missing_ok=True)


def remove_temporaries(out_dir: Path) -> None:
    """Temporary files of writes a kill interrupted (``.name.XXXX.tmp``)."""
    d = results_dir(out_dir)
    for sub in (d, d / LEDGER_DIR, *(d / s for s, _ in SIDE_FILES)):
        for p in sub.glob(".*.tmp") if sub.is_dir() else []:
            p.unlink(missing_ok=True)


# --- reading

def dataset(out_dir: Path):
    """The parts as a ``pyarrow.dataset.Dataset`` (lazy: nothing is read until scanned)."""
    import pyarrow.dataset as pads

    return pads.dataset([str(p) for p in part_paths(out_dir)], format="parquet")


# pyarrow's scanner reads ahead 16 batches of 4 files by default: with 100,000-row parts of ~80
# columns that alone held 2-3 GB while the 10 M-point sweep was summarised (and threaded decoding
# ~1 GB more in per-thread allocator heaps). One file at a time, decoded in this thread.
READAHEAD = {"fragment_readahead": 1, "batch_readahead": 0, "use_threads": False}


def scan(out_dir: Path, columns: list[str] | None = None,
         batch_rows: int = 262_144) -> Iterator[pd.DataFrame]:
    """The results table in batches of at most ``batch_rows`` rows, only the given columns."""
    for batch in dataset(out_dir).to_batches(columns=columns, batch_size=batch_rows, **READAHEAD):
        yield batch.to_pandas()


def load(out_dir: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """The whole results table sorted by point_id: holds every row in memory (small runs, tests)."""
    table = dataset(out_dir).to_table(columns=columns).to_pandas()
    if "point_id" in table:
        table = table.sort_values("point_id", ignore_index=True)
    return table


def front(out_dir: Path, objectives: tuple[str, ...] | None = None) -> pd.DataFrame:
    """The exact Pareto front over ``objectives`` (default: the run's own) of every part written so
    far, from the chunk fronts (a point on the global front is on its chunk's front)."""
    from dse.pareto import front_of

    paths = sorted((results_dir(out_dir) / FRONT_DIR).glob("part-*.parquet"))
    if not paths:
        return pd.DataFrame()
    return front_of(pd.concat([pd.read_parquet(p) for p in paths], ignore_index=True),
                    objectives or run_objectives(out_dir))


RUN_FILE = "run.json"


def run_info(out_dir: Path) -> dict:
    """What the folder's run was computed from (``run.json``: spec hash, fingerprint, points,
    objectives), or {} when there is none."""
    try:
        return json.loads((Path(out_dir) / RUN_FILE).read_text())
    except (OSError, ValueError):
        return {}


def run_objectives(out_dir: Path) -> tuple[str, ...]:
    from dse.pareto import DEFAULT_OBJECTIVES

    return tuple(run_info(out_dir).get("objectives", DEFAULT_OBJECTIVES))
