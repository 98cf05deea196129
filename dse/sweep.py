"""Run a sweep: chunks of design points evaluated locally or on Dask, streamed to a Parquet dataset.

Each chunk is evaluated and written once, by whoever evaluated it (this process, or a Dask
worker), as one part of ``<out>/results/`` with its checksum (``dse.results``); only a small
record comes back (part, checksum, rows, the chunk's Pareto front), and the run's front is kept
by merging each chunk's front into it. The full table is never held in memory. A killed run
resumes with the same command: parts whose checksum holds are kept, a truncated or corrupted
part is reported in one line and evaluated again, so every point_id appears exactly once.
``manifest.json`` is written last: a folder without it is not a complete result.

Chunks follow the space in geometry-major order (``geometry_params`` vary slowest: declared in the
parameter schema, dse.params), so the points of one hardware geometry are contiguous and share one
count table per chunk.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import resource
import socket
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

import memory_models
import pe_models
from dse import __version__, design, hardware, results
from dse.errors import UserError
from dse.network import Workload, check_kv_len_axis, evaluate, prepare_workload  # noqa: F401  (re-exported)
from dse.io import sha256_file
from dse.spec import PARAMS, Spec
from memory_models.errors import CellDriveError, MemoryModelError
from pe_models import scaling as pe_scaling

# Beyond this many points a space is not enumerated (refused before anything is created); a
# `search:` section explores it instead. 1e9 points at ~1e5 points/s is ~3 h on one machine.
MAX_ENUMERATED_POINTS = 10**9

# Spec parameters that fix a point's geometry whatever the spec (dse.params: Param.geometry): what
# dse.mapping.geometries groups by, and kv_len, which dse.network evaluates one graph at a time.
GEOMETRY_PARAMS = tuple(name for name, p in PARAMS.items() if p.geometry)


def geometry_params(spec: Spec) -> tuple[str, ...]:
    """The spec's parameters enumerated slowest, in space order: GEOMETRY_PARAMS, and under a GLB
    area budget those that set each point's GLB capacity (Param.iso_area: technology, banks, node,
    roadmap)."""
    area = PARAMS["glb_area_mm2"]
    iso_area = any(v != area.word for v in spec.space_dict.get(area.name, ()))
    schema = [(name, PARAMS.get(name)) for name, _ in spec.space]  # a search axis (max_error) is no Param
    return tuple(name for name, p in schema if p is not None and (p.geometry or (iso_area and p.iso_area)))


@dataclass(frozen=True)
class SweepResult:
    out_dir: Path
    workload: Workload
    wall_s: float
    evaluated_points: int  # this run (excludes parts kept from an earlier run)
    eval_s: float  # time spent evaluating design points in this run
    rows: int  # rows of the results dataset
    front: object  # pandas DataFrame: the Pareto front over ``objectives``
    objectives: tuple[str, ...]
    repaired: tuple[str, ...] = ()  # one line per part found corrupted and evaluated again
    evaluation: dict = field(default_factory=dict)  # where the evaluation's time went: evaluation_figures
    manifest: dict = field(default_factory=dict)
    summary: object = None  # dse.summary.Summary of every row when merged during the run (else None)

    def table(self, columns: list[str] | None = None):
        """The whole results table (every row in memory: for small sweeps); see dse.results."""
        return results.load(self.out_dir, columns)


def preflight(spec: Spec) -> None:
    """Check every GLB organisation and logic supply the space can build, before any output exists.

    Only the distinct (technology, capacity, banks, node, roadmap) and (node, supply) values of
    the spec are evaluated, so this is cheap whatever the number of design points.
    """
    sp = spec.space_dict
    check_kv_len_axis(spec)
    grid = np.array(list(itertools.product(
        design.encode("glb_tech", sp["glb_tech"]), design.encode("glb_kib", sp["glb_kib"]), sp["glb_banks"],
        sp["node_nm"])), dtype=float)
    mem_vdds = design.encode("memory_vdd_v", sp["memory_vdd_v"])
    for roadmap, mem_vdd in itertools.product(sp["memory_roadmap"], mem_vdds):
        try:  # at the memories' supply; a supply out of its bounds is reported below (space.memory_vdd_v)
            vdd = design.memory_supply_v(mem_vdd, grid[:, 3], design.encode("memory_roadmap", [roadmap]))
        except ValueError:
            continue
        try:
            memory_models.buffer(grid[:, 0].astype(int), grid[:, 1], hardware.GLB_BANK_WORD_BITS, grid[:, 3],
                                 grid[:, 2], roadmap=roadmap, vdd_v=vdd)
        except CellDriveError as exc:  # an MRAM GLB whose cells cannot be written (memory_models.drive)
            raise UserError(f"{spec.path}: space.glb_tech / space.node_nm / space.memory_roadmap / "
                            f"space.memory_vdd_v: {exc}") from None
        except MemoryModelError as exc:
            raise UserError(f"{spec.path}: space.glb_kib / space.glb_banks: {exc}") from None
    area = design.encode("glb_area_mm2", sp["glb_area_mm2"])
    if (area > 0).any() and "glb_kib" in spec.raw.get("space", {}):
        raise UserError(f"{spec.path}: space.glb_area_mm2: exclusive with space.glb_kib; expected one of them "
                        "(the area sets each technology's capacity)")
    if (area > 0).any():  # iso-area GLB: every (area, technology, node, banks, roadmap) must buy a buffer
        a, t, n, b, r = (np.array(v) for v in zip(*itertools.product(
            area[area > 0], design.encode("glb_tech", sp["glb_tech"]), sp["node_nm"], sp["glb_banks"],
            design.encode("memory_roadmap", sp["memory_roadmap"]))))
        try:
            design.glb_capacity_bytes(np.zeros(len(a)), a, t, n.astype(float), b, r)
        except MemoryModelError as exc:
            raise UserError(f"{spec.path}: space.glb_area_mm2: {exc}") from None
    node, vdd = (np.array(v, dtype=float) for v in zip(*itertools.product(
        sp["node_nm"], design.encode("vdd_v", sp["vdd_v"]))))
    try:
        pe_scaling.resolve_vdd(node, design.supply_v(vdd, node))
    except ValueError as exc:
        raise UserError(f"{spec.path}: space.vdd_v: {exc}") from None
    node, mem_vdd, roadmap = (np.array(v, dtype=float) for v in zip(*itertools.product(
        sp["node_nm"], design.encode("memory_vdd_v", sp["memory_vdd_v"]), design.encode("memory_roadmap",
                                                                                          sp["memory_roadmap"]))))
    try:
        design.memory_supply_v(mem_vdd, node, roadmap)
    except ValueError as exc:
        raise UserError(f"{spec.path}: space.memory_vdd_v: {exc}") from None


def workload_digest(wl: Workload) -> str:
    """Checksum of the layer table the sweep actually evaluates (shapes, bits, edges, pins)."""
    h = hashlib.sha256()
    for layer in wl.graph.layers():
        h.update(repr(layer).encode())
    h.update(repr(sorted(wl.graph.graph.edges)).encode())
    h.update(repr((wl.follow_pe, sorted(wl.pinned))).encode())
    if wl.search is not None:  # policy search: candidates, their errors and the budgets
        st = wl.search
        h.update(repr((st.layers, st.cands, st.max_error)).encode() + st.error.tobytes())
    return h.hexdigest()


def input_checksums(spec: Spec) -> dict[str, str]:
    """sha256 of every file the results depend on: the spec, an ONNX model, model data tables."""
    sums = {"spec": spec.sha256}
    if spec.workload.onnx:
        sums["onnx"] = sha256_file(Path(spec.workload.onnx))
    if spec.precision.search is not None:
        sums["sensitivity"] = sha256_file(Path(spec.precision.search.sensitivity))
    for pkg in (pe_models, memory_models):
        data = Path(pkg.__file__).parent / "data"
        for f in sorted(data.glob("*.csv")) if data.is_dir() else []:
            sums[f"{pkg.__name__}/data/{f.name}"] = sha256_file(f)
    return sums


def fingerprint(spec: Spec, wl: Workload) -> str:
    """What a checkpoint's chunks were computed from: a change to any of it discards them."""
    inputs = json.dumps(input_checksums(spec), sort_keys=True)
    order = ",".join(geometry_params(spec))  # which points each chunk holds
    return hashlib.sha256(f"{__version__}|{inputs}|{workload_digest(wl)}|{spec.chunk_points}|{order}".encode()
                          ).hexdigest()


def front_objectives(spec: Spec) -> tuple[str, ...]:
    """The results columns of the spec's Pareto front (2-4 objectives)."""
    from dse import objectives

    names = tuple(spec.pareto_objectives)
    if spec.precision.policy == "search" and "pareto" not in spec.raw:
        # each point's precision is chosen within its error budget: the default front is energy vs
        # latency vs the quantization error of that choice
        names += ("quant_error",)
    return objectives.columns(names)


def check_size(spec: Spec) -> None:
    """Refuse a space too large to enumerate, before anything is created."""
    n = spec.n_points
    if n > MAX_ENUMERATED_POINTS and getattr(spec, "search", None) is None:
        raise UserError(f"{spec.path}: space: {n:.3g} design points ({n:,}) is more than the "
                        f"{MAX_ENUMERATED_POINTS:.0e} a sweep enumerates; add `search: {{method: nsga2, "
                        "budget: 200000}` to explore it, or narrow the space")


def n_chunks(spec: Spec) -> int:
    return -(-spec.n_points // spec.chunk_points)


def chunk_rows(spec: Spec, index: int) -> int:
    return min(spec.chunk_points, spec.n_points - index * spec.chunk_points)


def chunk_ids(spec: Spec, index: int) -> np.ndarray:
    """point_ids of chunk ``index``: a range of the space in geometry-major order (``geometry_params``
    slowest, the others fastest), mapped back to the space's own indices (``dse.design``)."""
    names = [name for name, _ in spec.space]
    shape = [len(values) for _, values in spec.space]
    slow = geometry_params(spec)
    order = [i for i, n in enumerate(names) if n in slow] + [i for i, n in enumerate(names) if n not in slow]
    start = index * spec.chunk_points
    sub = np.unravel_index(np.arange(start, start + chunk_rows(spec, index), dtype=np.int64),
                           [shape[i] for i in order])
    full = [None] * len(shape)
    for j, i in enumerate(order):
        full[i] = sub[j]
    return np.ravel_multi_index(full, shape).astype(np.int64)


def evaluate_part(spec: Spec, wl: Workload, out_dir: Path, index: int, fp: str, ids: np.ndarray | None = None,
                  on_layer=None, objectives: bool = False) -> dict:
    """Evaluate chunk ``index`` (or the given point_ids) and write it as part ``index``.

    Runs wherever the chunk is evaluated (here or on a Dask worker); returns only a small
    record: the ledger entry (part, rows, checksums), the index and the chunk's Pareto front (and,
    with ``objectives``, every row's oriented objective values, for a search). The chunk's bounded
    summary (``dse.summary.part_tables``) is written beside the part, so the outputs never re-read its rows."""
    if ids is None:
        ids = chunk_ids(spec, index)
    from dse import summary
    from dse.pareto import front_mask, objective_matrix

    t0, use0 = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
    table = evaluate(design.points(spec, ids), wl, spec.mapping_objective, on_layer=on_layer)
    f = objective_matrix(table, front_objectives(spec))
    front = table[front_mask(f)].reset_index(drop=True)
    t1 = time.perf_counter()
    bounded = summary.part_tables(summary.add(summary.Summary(), table), table)  # what the outputs merge
    t2 = time.perf_counter()
    entry = results.write_part(out_dir, index, table, front, fp, bounded)
    use = resource.getrusage(resource.RUSAGE_SELF)
    timing = {"pid": os.getpid(), "host": socket.gethostname(), "eval_s": t1 - t0, "summary_s": t2 - t1,
              "write_s": time.perf_counter() - t2, "task_cpu_s": _cpu_s(use) - _cpu_s(use0),
              "task_sys_s": use.ru_stime - use0.ru_stime, "task_page_faults": use.ru_minflt - use0.ru_minflt,
              "process_cpu_s": _cpu_s(use), **thread_counts()}
    return {**entry, "index": index, "front": front, "timing": timing, **({"objectives": f} if objectives else {})}


def _cpu_s(usage) -> float:
    return usage.ru_utime + usage.ru_stime


def process_cpu_s() -> float:
    """CPU seconds of this process so far (user + system, every thread)."""
    return _cpu_s(resource.getrusage(resource.RUSAGE_SELF))


def thread_counts() -> dict:
    """Threads the cost model and Parquet writing may use from this thread (numba's count is per
    thread: what a chunk evaluated here runs with)."""
    import numba
    import pyarrow

    return {"numba_threads": numba.get_num_threads(), "arrow_threads": pyarrow.cpu_count()}


def _say(message: str, progress: bool) -> None:
    if progress:
        print(f"dse: {message}", file=sys.stderr, flush=True)


def warm_up(spec: Spec, wl: Workload) -> float:
    """Load (or, on first use on this machine, compile) the cost-model kernels: one point."""
    t = time.perf_counter()
    evaluate(design.points(spec, chunk_ids(replace(spec, chunk_points=1), 0)), wl, spec.mapping_objective)
    return time.perf_counter() - t


def run(spec: Spec, out_dir: Path, progress: bool = True, dask_address: str | None = None,
        dask_workers: int = 0, force: bool = False) -> SweepResult:
    """Evaluate the spec's space into ``out_dir`` and write every output; resumes a killed run.

    The folder is locked for the whole run; a folder holding a complete run of another spec is
    refused unless ``force`` (which removes that run's files first)."""
    from dse import outputs
    from dse.io import folder_lock

    t0 = time.perf_counter()
    check_size(spec)
    out_dir = Path(out_dir)
    outputs.check_out_path(out_dir)
    wl = prepare_workload(spec)  # all input errors surface before any output exists
    preflight(spec)
    fp = fingerprint(spec, wl)
    objectives = front_objectives(spec)
    with folder_lock(out_dir):
        outputs.claim(out_dir, spec, fp, force, objectives)
        search_run = getattr(spec, "search", None) is not None
        todo, repaired = ([], []) if search_run else _plan(spec, out_dir, fp)
        dask = bool(todo) and bool(dask_address or dask_workers)  # a cluster only for chunks to evaluate
        if dask:
            from dse import cluster
        t_connect = time.perf_counter()
        with cluster.session(dask_address, dask_workers) if dask else contextlib.nullcontext() as client:
            connect_s = time.perf_counter() - t_connect  # a local cluster started: part of the start-up
            if search_run:
                from dse import search

                done = search.run(spec, wl, out_dir, fp, progress)
            else:
                done = _sweep(spec, wl, out_dir, fp, objectives, progress, client, todo, repaired, connect_s)
            # a search returns (front, evaluated, seconds, repairs); a sweep also its evaluation figures and the
            # summary it merged as the parts arrived (None when it did not)
            front, evaluated, eval_s, repaired, evaluation, merged = (*done, {}, None) if search_run else done
            result = SweepResult(out_dir, wl, time.perf_counter() - t0, evaluated, eval_s,
                                 rows=results.rows(out_dir), front=front, objectives=objectives,
                                 repaired=tuple(repaired), evaluation=evaluation, summary=merged)
            _say("writing the outputs" + (" (figures drawn on the Dask workers)" if dask else ""), progress)
            manifest = outputs.write_all(spec, result, out_dir, cluster.submitter(client) if dask else None)
    return replace(result, manifest=manifest)


def _plan(spec, out_dir, fp) -> tuple[list[int], list[str]]:
    """The chunks to evaluate (not on disk, or found corrupted) and one line per corrupted part."""
    results.remove_temporaries(out_dir)
    todo, repaired = [], []
    for i in range(n_chunks(spec)):
        why = results.check_part(out_dir, i, chunk_rows(spec, i), fp)
        if why is None:
            continue
        if why:
            line = (f"{results.results_dir(out_dir) / results.part_name(i)}: {why}; "
                    f"re-evaluating its {chunk_rows(spec, i):,} points")
            repaired.append(line)
            print(f"dse: {line}", file=sys.stderr)
        results.discard_part(out_dir, i)
        todo.append(i)
    return todo, repaired


def _sweep(spec, wl, out_dir, fp, objectives, progress, client, todo, repaired, connect_s=0.0):
    """Evaluate the chunks ``todo`` (on the Dask ``client``'s workers, or here); returns (front, points
    evaluated, seconds, repairs, evaluation figures: ``evaluation_figures``, whose start-up counts the
    ``connect_s`` it took to start the client's cluster)."""
    from tqdm import tqdm

    from dse.pareto import merge_fronts

    front = results.front(out_dir, objectives) if len(todo) < n_chunks(spec) else None
    n_todo = sum(chunk_rows(spec, i) for i in todo)
    t_eval, cpu_eval = time.perf_counter(), process_cpu_s()
    if todo and client is None:
        _say("loading the cost-model kernels (compiled on first use on this machine, then cached) ...",
             progress)
        _say(f"kernels ready in {warm_up(spec, wl):.1f} s", progress)

    def new_bar():  # started once the kernels are loaded, so its rate and ETA are the evaluation's
        return tqdm(total=spec.n_points, initial=spec.n_points - n_todo, unit="pt", disable=not progress,
                    desc=spec.name, dynamic_ncols=True, smoothing=0.1)

    bar, parts, merged = None, [], None
    t_warm = t_last = time.perf_counter()
    try:
        if todo and client is not None:
            from dse import cluster

            merged = _SummaryMerge(out_dir, n_chunks(spec), todo)
            for meta in cluster.run_parts(client, spec, wl, out_dir, fp, todo, progress):
                if meta is None:  # the workers are warm
                    bar, t_warm = new_bar(), time.perf_counter()
                    continue
                front = merge_fronts(front, meta["front"], objectives)
                merged.arrived(meta["index"], meta["tail"])
                parts.append({**meta["timing"], "rows": meta["rows"]})
                bar.update(meta["rows"])
                t_last = time.perf_counter()
        else:
            bar, t_warm = new_bar(), time.perf_counter()
            for i in todo:
                ticker = _LayerTicker(bar, chunk_rows(spec, i), len(wl.graph))
                meta = evaluate_part(spec, wl, out_dir, i, fp, on_layer=ticker)
                front = merge_fronts(front, meta["front"], objectives)
                parts.append({**meta["timing"], "rows": meta["rows"]})
                t_last = time.perf_counter()
    finally:
        if bar is not None:
            bar.close()
    t_end = time.perf_counter()
    figures = {**evaluation_figures(parts, connect_s + t_warm - t_eval, t_last - t_warm), "stop_s": t_end - t_last,
               "this_process_cpu_s": process_cpu_s() - cpu_eval}
    return front, n_todo, t_end - t_eval, repaired, figures, merged.summary() if merged is not None else None


class _SummaryMerge:
    """The bounded summary of a Dask run's parts (``dse.summary.merge_stored``), merged on the client
    as they arrive, in index order (the same summary as ``summarize_dataset`` at the end), so the
    outputs start from it at once. Merged ``MERGE_PARTS`` at a time while every worker is busy (the
    client's CPU then competes with theirs; one part at a time costs ~1.8x as much), and each part
    as it comes once a core is idle (the tail: fewer chunks left than workers)."""

    def __init__(self, out_dir: Path, n: int, todo: list[int]) -> None:
        self.out_dir, self.n, self.done, self.next = out_dir, n, set(range(n)) - set(todo), 0
        from dse import summary

        self.s = summary.Summary()

    def arrived(self, index: int, tail: bool) -> None:
        self.done.add(index)
        self._merge(tail)

    def _merge(self, now: bool) -> None:
        from dse import summary

        run = self.next
        while run in self.done:
            run += 1
        if run - self.next >= summary.MERGE_PARTS or (now and run > self.next):
            self.s = summary.merge_stored(self.out_dir, range(self.next, run), self.s)
            self.next = run

    def summary(self):
        """The summary of every part, or None if a part never arrived (then the outputs merge from disk)."""
        self._merge(True)
        return self.s if self.next == self.n else None


def evaluation_figures(parts: list[dict], start_s: float, evaluate_s: float) -> dict:
    """Where an evaluation's time went, per process that evaluated chunks (the manifest's
    ``evaluation``): ``start_s`` (workers started and warm, or the kernels loaded), ``evaluate_s``
    (from then to the last part's arrival), and per worker process its parts, rows, seconds evaluating,
    summarising (``summary_s``: the chunk's bounded summary) and writing, CPU seconds of its chunks (``task_cpu_s``: every thread of the process while they ran;
    ``task_sys_s`` of it in the kernel, and the page faults, ``task_page_faults``) and of the whole process (its start-up included, to its last part), the fraction
    of ``evaluate_s`` it was busy, and the numba / Arrow threads its chunks ran with. ``_sweep`` adds
    ``stop_s`` (a local cluster closed) and ``this_process_cpu_s``: this process's CPU over the
    three (with Dask: the client's)."""
    workers: dict = {}
    for t in parts:
        w = workers.setdefault(f"{t['host']}:{t['pid']}", {
            "parts": 0, "rows": 0, "eval_s": 0.0, "summary_s": 0.0, "write_s": 0.0, "task_cpu_s": 0.0, "task_sys_s": 0.0,
            "task_page_faults": 0, "process_cpu_s": 0.0,
            "numba_threads": set(), "arrow_threads": set()})
        w["parts"] += 1
        w["rows"] += int(t["rows"])
        for key in ("eval_s", "summary_s", "write_s"):
            w[key] += t[key]
        for key in ("task_cpu_s", "task_sys_s", "task_page_faults"):
            w[key] += t[key]
        w["process_cpu_s"] = max(w["process_cpu_s"], t["process_cpu_s"])
        w["numba_threads"].add(t["numba_threads"])
        w["arrow_threads"].add(t["arrow_threads"])
    for w in workers.values():
        w["busy_fraction"] = (w["eval_s"] + w["summary_s"] + w["write_s"]) / evaluate_s if evaluate_s > 0 else float("nan")
        w["numba_threads"], w["arrow_threads"] = sorted(w["numba_threads"]), sorted(w["arrow_threads"])
    return {"start_s": start_s, "evaluate_s": evaluate_s, "workers": workers}


class _LayerTicker:
    """Advances a progress bar layer by layer, in whole points, across one chunk."""

    def __init__(self, bar, points: int, layers: int) -> None:
        self.bar, self.points, self.layers, self.done, self.base = bar, points, layers, 0, bar.n

    def __call__(self) -> None:
        self.done += 1
        self.bar.update(self.base + self.points * self.done // self.layers - self.bar.n)


def points_per_second(result: SweepResult) -> float:
    return result.evaluated_points / result.eval_s if result.eval_s > 0 else float(np.nan)
