"""Chunks of a sweep as Dask tasks: workers evaluate and write their own parts; this process schedules.

Each task is ``dse.sweep.evaluate_part``: the worker builds its chunk's design points, evaluates
them, writes the part (``dse.results``) into the output folder, which must therefore be on a
file system every worker sees, and returns a small record (part, checksum, rows, the chunk's
front, and where its time went). Workers are warmed once by a plugin (dse imported, kernels loaded
on one point); each task runs with one numba thread and one Arrow thread (``on_worker``), so a
worker is one core's worth of compute and the cores are not oversubscribed: Dask's tasks are the
parallelism. A worker goes idle when fewer chunks remain than workers (the end of the evaluation):
it is then given the figures' matplotlib start-up (``dse.plots.warm_up``), and the output jobs that
draw run on such warm workers (``submitter``). A local cluster's workers leave at once when it
is closed (``WarmWorker``: nothing of theirs is pending by then). A worker that dies mid-task is
replaced by its nanny and the task re-run by the scheduler; parts are written atomically and are
deterministic, so the re-run writes the same part.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from distributed import WorkerPlugin

from dse.errors import UserError

# Seconds to wait for a Dask scheduler (distributed retries a refused connection until then; its
# default is 30 s); a reachable scheduler answers in milliseconds.
CONNECT_TIMEOUT_S = 5

# Environment of a local cluster's worker processes, set before they start. Dask's default sets
# MALLOC_TRIM_THRESHOLD_=65536, and setting it turns off glibc's dynamic mmap threshold: every
# array over 128 KiB is then a fresh mmap, page-faulted in and unmapped again. On a 100,000-point
# chunk of sweeps/large_space.yaml that is ~200,000 page faults instead of ~18,000 and 45-60% more
# CPU (most of it in the kernel; two workers faulting at once contend in it), which made 2 workers
# slower than 1. Without it a worker keeps its heap between chunks (its RSS is bounded by one chunk).
# Workers started by the user (--dask-scheduler) take their own environment: see README.
PRE_SPAWN_ENV = {"MALLOC_TRIM_THRESHOLD_": None}  # None: not set
# Dask configuration of a local cluster's workers. The statistical profiler samples the task thread
# every 10 ms under the GIL (~0.6 CPU s per worker over a 30 s evaluation of large_space, measured);
# a chunk is one call of dse.sweep.evaluate_part, so its profile says nothing the timings don't.
WORKER_CONFIG = {"distributed.worker.profile.enabled": False}
# Dask configuration of a local cluster's scheduler (it runs in this process). With the default
# worker saturation of 1.1 a one-thread worker is sent two chunks, the second waiting behind the
# first, so at the end of the evaluation one worker can hold the last two chunks while the other
# idles; at 1.0 a chunk is sent when a worker's thread is free (chunks take seconds: the extra round
# trip per chunk is negligible).
SCHEDULER_CONFIG = {"distributed.scheduler.worker-saturation": 1.0}


def one_core() -> None:
    """Hold what runs next in this thread to one core: numba's thread count is per calling thread
    (``numba.set_num_threads`` in the plugin's setup thread does not reach the task thread, and
    NUMBA_NUM_THREADS is too late once a worker's main module has imported numba), Arrow's pool is
    per process. Dask's tasks are the parallelism."""
    import numba
    import pyarrow

    numba.set_num_threads(1)
    pyarrow.set_cpu_count(1)


def on_worker(task, *args):
    """Run ``task(*args)`` (a chunk: ``dse.sweep.evaluate_part``) with one core's worth of threads."""
    one_core()
    return task(*args)


class WarmWorker(WorkerPlugin):
    """Dask worker plugin: dse imported and its kernels loaded once per worker, on one core.

    With ``exit_on_close`` (a local cluster of this run) the worker process leaves as soon as it is
    closed, without tearing down its interpreter (numba, LLVM, pandas: ~1 s of a 2-core machine's
    time at the end of every run, measured). It is closed only once the run has everything back:
    every part written and checked and the outputs written by the jobs the client waited for."""

    name = "dse-warm-worker"
    idempotent = False

    def __init__(self, spec, wl, exit_on_close: bool = False) -> None:
        self.spec, self.wl, self.exit_on_close = spec, wl, exit_on_close

    def setup(self, worker=None) -> None:
        from dse import sweep

        one_core()
        sweep.warm_up(self.spec, self.wl)

    def teardown(self, worker=None) -> None:
        if self.exit_on_close:
            import sys

            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(0)


def connect(address: str | None, workers: int):
    """A Dask client on the scheduler at ``address``, or on a new local cluster of ``workers``."""
    from dask.distributed import Client, LocalCluster

    if address:
        try:
            return Client(address, timeout=CONNECT_TIMEOUT_S), None
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise UserError(f"--dask-scheduler {address}: cannot connect ({reason}); expected the "
                            "address of a running Dask scheduler, e.g. tcp://host:8786") from None
    if workers < 1:
        raise UserError(f"--dask-workers {workers}: expected a positive number of worker processes")
    import dask

    # one thread per worker process, numba and BLAS held to one thread before they start
    env = {name: "1" for name in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                  "MKL_NUM_THREADS")}
    config = {**{f"distributed.nanny.pre-spawn-environ.{k}": v for k, v in PRE_SPAWN_ENV.items()},
              **WORKER_CONFIG}
    with dask.config.set({**config, **SCHEDULER_CONFIG}):
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                               env=env)
    return Client(cluster), cluster


@contextmanager
def session(address: str | None, workers: int) -> Iterator:
    """A Dask client (``connect``) for the whole run, evaluation and outputs; closed, with its local
    cluster, on the way out."""
    client, cluster = connect(address, workers)
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def figures_ready() -> bool:
    """Whether this process has matplotlib loaded for the figures (``dse.plots.warm_up`` ran)."""
    from dse import plots

    return plots.mpl.cache_info().currsize > 0


def submitter(client):
    """``submit(fn, *args, draws=False)`` running ``fn(*args)`` on a worker, one core's worth of threads:
    the output jobs of ``dse.outputs.write_all`` (figures, per-layer re-evaluation), which write into
    the folder. A job that ``draws`` runs on a worker whose matplotlib is loaded, if there is one
    (``run_parts`` warms the workers that went idle at the end of the evaluation)."""
    warm = [address for address, ready in client.run(figures_ready).items() if ready]

    def submit(fn, *args, draws: bool = False):
        where = {"workers": warm, "allow_other_workers": True} if draws and warm else {}  # others if it left
        return client.submit(on_worker, fn, *args, pure=False, **where)

    return submit


def run_parts(client, spec, wl, out_dir: Path, fp: str, todo: list[int], progress: bool = True) -> Iterator[dict]:
    """Evaluate the chunks ``todo`` on the client's workers; yields None once the workers are warm, then
    each finished part's record as it completes (with ``tail``: fewer chunks left than workers)."""
    from dask.distributed import as_completed

    from dse import plots, results, sweep

    out_dir = Path(out_dir).resolve()
    n_workers = len(client.scheduler_info()["workers"])
    sweep._say(f"Dask: {n_workers} workers; loading dse and its kernels on each ...", progress)
    client.register_plugin(WarmWorker(spec, wl, exit_on_close=getattr(client, "cluster", None) is not None))
    yield None  # workers warm: the caller starts its progress bar now
    # spec and workload go with each task (a few KB pickled), not scattered: Dask's active memory
    # manager keeps one replica of scattered data that no task assigned to a worker needs yet (with
    # worker saturation 1.0 the chunks wait on the scheduler), and a worker killed holding it took
    # every waiting chunk's inputs with it ("lost scattered data": the run failed; seen in
    # tests/test_scale_runs.py's killed-worker test)
    futures = [client.submit(on_worker, sweep.evaluate_part, spec, wl, out_dir, i, fp, pure=False,
                             key=f"dse-part-{i:06d}-{fp[:12]}") for i in todo]
    pending, warming = len(futures), []
    for fut in as_completed(futures):
        pending -= 1
        if 0 < pending < n_workers - len(warming):  # a worker has no chunk left to run: warm its figures
            warming.append(client.submit(on_worker, plots.warm_up, pure=False, key=f"dse-warm-figures-"
                                         f"{len(warming)}-{fp[:12]}"))
        meta = fut.result()
        part = results.results_dir(out_dir) / meta["part"]
        if not part.is_file():
            raise UserError(f"{out_dir}: a Dask worker wrote {meta['part']} where this machine does not "
                            "see it; --out must be on a file system shared by the workers")
        fut.release()
        yield {**meta, "tail": pending < n_workers}  # tail: a core is idle from now on


def worker_pids(client) -> list[int]:
    """Process ids of the cluster's workers (for tests and benchmarks that kill one)."""
    return sorted(client.run(os.getpid).values())
