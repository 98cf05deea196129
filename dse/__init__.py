"""dse: design-space exploration for quantization-aware DNN accelerators.

The Python API (``dse.api``; loaded on first use, so ``import dse`` stays cheap):

- ``dse.run(spec_or_path_or_dict, out=None)`` -> ``Sweep`` (``.results``, ``.pareto(objectives)``,
  ``.layers(point_id)``, ``.best(objective)``);
- ``dse.load(out_dir)`` -> the ``Sweep`` of a finished output folder;
- ``dse.evaluate(design, workload)`` -> ``Evaluation`` (``.totals``, ``.layers``) of one design;
- ``dse.DseError``: the base class of every error the input causes.
"""

import os as _os
import sys as _sys
from pathlib import Path as _Path

__version__ = "0.1.0"


def numba_cache_dir(package_dir: _Path, environ) -> str | None:
    """Where numba should cache the cost-model kernels, or None for numba's own default.

    Kernels compile once per machine: when dse is installed (in site-packages, or anywhere not
    writable) the cache goes to the user's cache folder, which survives reinstalls (an in-tree
    ``__pycache__`` is deleted with the package). A set NUMBA_CACHE_DIR wins; a source checkout
    keeps numba's default (next to the sources)."""
    if "NUMBA_CACHE_DIR" in environ:
        return None
    installed = "site-packages" in package_dir.parts or "dist-packages" in package_dir.parts
    if not installed and _os.access(package_dir, _os.W_OK):
        return None
    base = environ.get("XDG_CACHE_HOME") or _os.path.join(_os.path.expanduser("~"), ".cache")
    return _os.path.join(base, "dse", "numba")


def _set_numba_cache_dir() -> None:
    where = numba_cache_dir(_Path(__file__).resolve().parent, _os.environ)
    if where is None:
        return
    _os.environ["NUMBA_CACHE_DIR"] = where
    numba = _sys.modules.get("numba")
    if numba is not None:  # imported before dse: numba read its config at import, so set it there too
        numba.config.CACHE_DIR = where


_set_numba_cache_dir()


_API = {"run": "dse.api", "load": "dse.api", "evaluate": "dse.api", "Sweep": "dse.api", "Evaluation": "dse.api",
        "DseError": "dse.errors", "UserError": "dse.errors"}
__all__ = ["__version__", *_API]


def __getattr__(name: str):
    if name in _API:
        import importlib

        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'dse' has no attribute {name!r}")
