"""Atomic file output: write to a temporary name in the same folder, then rename.

A killed run therefore never leaves a file under its final name that is incomplete.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from dse.errors import UserError

LOCK_FILE = ".dse.lock"


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


def atomic_write(path: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)`` and rename the result to ``path`` (same filesystem, so atomic)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp creates 0600; give the usual permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_text(path: Path, text: str) -> Path:
    return atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))


def write_json(path: Path, obj: Any) -> Path:
    return write_text(path, json.dumps(obj, indent=2, sort_keys=False, default=_json_default) + "\n")


def write_parquet(path: Path, df) -> Path:
    return atomic_write(path, lambda p: df.to_parquet(p, index=False))


def write_csv(path: Path, df) -> Path:
    return atomic_write(path, lambda p: df.to_csv(p, index=False))


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def check_folder_path(path: Path, what: str = "--out") -> Path:
    """A path that is a folder or can become one: not a file, not below a file (one line if it is)."""
    path = Path(path)
    for parent in [path, *path.parents]:
        if parent.exists() and not parent.is_dir():
            where = ("exists and is not a folder" if parent == path
                     else f"is below {parent}, which is not a folder")
            raise UserError(f"{what} {path}: {where}; expected a folder")
    return path


def make_folder(path: Path, what: str = "--out") -> Path:
    """Create a folder (and its parents); one line naming it when that is impossible."""
    path = check_folder_path(path, what)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"{what} {path}: cannot create the folder ({exc.strerror or exc})") from None
    return path


@contextlib.contextmanager
def folder_lock(path: Path) -> Iterator[Path]:
    """Hold an exclusive lock on a folder (created if needed) for the duration of a run.

    ``flock`` on ``<folder>/.dse.lock``: the kernel drops the lock when its process ends, however
    it ends (kill -9 included), so a lock file left behind is never stale; a second run into the
    folder while the first is alive is refused with one line naming the first run's pid."""
    import fcntl

    path = make_folder(path)
    lock = path / LOCK_FILE
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666 & ~_UMASK)
    except OSError as exc:
        raise UserError(f"{path}: cannot write to the folder ({exc.strerror or exc})") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            raise UserError(f"{path}: another dse run (pid {holder}) is writing to this folder; "
                            "wait for it to finish or choose another --out") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield path
    finally:
        os.close(fd)  # releases the lock


def _json_default(obj: Any) -> Any:
    import numpy as np

    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")
