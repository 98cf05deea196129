"""Test-session set-up: the Agg backend; `pytest` runs on every core (pytest-xdist), the numba kernels
compiled once for all workers.

Parallel by default: with pytest-xdist installed and no ``-n`` given, ``pytest`` is ``pytest -n auto
--dist loadgroup`` (one worker per core). ``pytest -n 0`` or ``pytest -p no:xdist`` runs everything in
this one process. Tests that start process pools or kill processes (Dask local clusters, kill -9 of a
``dse run``) share the ``xdist_group`` "processes", so no two of them run at once.
"""

import os

import matplotlib
import pytest

matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")
if "PYTEST_XDIST_WORKER" in os.environ:
    # several workers' numba (OpenMP) thread pools share the cores: idle threads sleep instead of spinning
    # (libgomp reads this when numba first starts its threads; the thread count stays numba's default)
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

WARM_SPEC = """version: 1
name: warm
workload: {network: alexnet}
space:
  pe_type: [INT8]
  pe_rows: [8]
  pe_cols: [8]
  dataflow: [row_stationary, weight_stationary]
"""


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config):
    """``-n auto --dist loadgroup`` unless the command line chose (xdist reads these next)."""
    if not config.pluginmanager.hasplugin("xdist") or hasattr(config, "workerinput"):
        return
    if config.option.numprocesses is None and not config.option.collectonly:
        config.option.numprocesses = "auto"
        if config.option.dist == "no":
            config.option.dist = "loadgroup"


@pytest.fixture(scope="session", autouse=True)
def _kernels_compiled_once(tmp_path_factory):
    """Under xdist, one worker at a time loads the cost-model kernels (on a cold numba cache the first
    compiles them, ~30 s, and writes the cache; the others then load it in ~2 s) instead of every worker
    compiling the same kernels at once. numba writes each cache file to a temporary name and renames it,
    so concurrent writers could not corrupt it; this lock only saves the duplicated compile."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        yield
        return
    import fcntl

    lock = tmp_path_factory.getbasetemp().parent / "numba-kernels.lock"  # shared by this run's workers
    with open(lock, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            _load_every_kernel()
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
    yield


def _load_every_kernel() -> None:
    """Call each compiled kernel once with the argument types the tests use (a per-layer search,
    ``dse explain``'s chosen counts, re-pricing, the reference path's skyline, the Pareto front)."""
    import numpy as np
    import reference_counts
    import yaml

    from dse import actions, dataflows, design, explain, hardware, mapping, network, pareto, sweep
    from dse import spec as spec_mod

    spec = spec_mod.parse(yaml.safe_load(WARM_SPEC), "warm.yaml")
    wl = sweep.prepare_workload(spec)
    ids = np.arange(spec.n_points)
    d = design.points(spec, ids)
    network.evaluate(d, wl, "edp", per_layer=True)
    explain.layer_mappings(spec, wl, ids)
    mapping.price(np.ones((2, len(actions.COUNTS))), np.ones((2, len(actions.COST_COLUMNS))))
    layer = wl.graph.compute_layers()[0]
    g = mapping.layer_geometry(layer, mapping.geometries(d, hardware.evaluate(d)), True)
    reference_counts.prune(*reference_counts.compute_counts(layer, dataflows.take(g, np.array([0])), "row_stationary"))
    pareto.front_mask(np.random.default_rng(0).random((50, 3)))
