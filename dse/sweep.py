"""Run a sweep: chunks of design points, checkpointed, locally or on a Dask cluster.

Each chunk's results are written atomically to ``<out>/.checkpoint/chunk-NNNNNN.parquet``
as soon as it is done; a killed run resumes from the chunks on disk (same spec, same inputs:
checked by fingerprint), so no point is lost or evaluated twice. ``manifest.json`` is
written last: a folder without it is not a complete result.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

import memory_models
import pe_models
import workloads
from dse import __version__, design, hardware
from dse.errors import UserError
from dse.evaluate import Workload, evaluate
from dse.io import sha256_file, write_json, write_parquet
from dse.spec import Spec
from memory_models.errors import MemoryModelError
from pe_models import scaling as pe_scaling
from workloads.layer import WorkloadError

CHECKPOINT_DIR = ".checkpoint"


@dataclass(frozen=True)
class SweepResult:
    results: pd.DataFrame
    workload: Workload
    wall_s: float
    evaluated_points: int  # this run (excludes chunks resumed from a checkpoint)
    eval_s: float  # time spent evaluating design points in this run


def prepare_workload(spec: Spec) -> Workload:
    """Load the network, apply the spec's precision overrides; errors name the spec field."""
    field = "workload.network" if spec.workload.network else "workload.onnx"
    try:
        graph = workloads.load(spec.workload.source, batch=spec.workload.batch, **spec.workload.params)
    except WorkloadError as exc:
        raise UserError(f"{spec.path}: {field}: {exc}") from None
    if not graph.compute_layers():
        raise UserError(f"{spec.path}: {field}: {spec.workload.source!r} has no compute layers")
    try:
        graph = spec.precision.overrides.apply(graph)
    except WorkloadError as exc:
        raise UserError(f"{spec.path}: {exc}") from None
    return Workload(graph, spec.precision.policy == "pe", spec.precision.overrides.pinned(graph))


def preflight(spec: Spec) -> None:
    """Check every GLB organisation and logic supply the space can build, before any output exists.

    Only the distinct (technology, capacity, banks, node, roadmap) and (node, supply) values of
    the spec are evaluated, so this is cheap whatever the number of design points.
    """
    sp = spec.space_dict
    grid = np.array(list(itertools.product(
        design.encode("glb_tech", sp["glb_tech"]), design.encode("glb_kib", sp["glb_kib"]), sp["glb_banks"],
        sp["node_nm"])), dtype=float)
    for roadmap in sp["memory_roadmap"]:
        try:
            memory_models.buffer(grid[:, 0].astype(int), grid[:, 1], hardware.GLB_BANK_WORD_BITS, grid[:, 3],
                                 grid[:, 2], roadmap=roadmap)
        except MemoryModelError as exc:
            raise UserError(f"{spec.path}: space.glb_kib / space.glb_banks: {exc}") from None
    node, vdd = (np.array(v, dtype=float) for v in zip(*itertools.product(
        sp["node_nm"], design.encode("vdd_v", sp["vdd_v"]))))
    try:
        pe_scaling.resolve_vdd(node, design.supply_v(vdd, node))
    except ValueError as exc:
        raise UserError(f"{spec.path}: space.vdd_v: {exc}") from None


def workload_digest(wl: Workload) -> str:
    """Checksum of the layer table the sweep actually evaluates (shapes, bits, edges, pins)."""
    h = hashlib.sha256()
    for layer in wl.graph.layers():
        h.update(repr(layer).encode())
    h.update(repr(sorted(wl.graph.graph.edges)).encode())
    h.update(repr((wl.follow_pe, sorted(wl.pinned))).encode())
    return h.hexdigest()


def input_checksums(spec: Spec) -> dict[str, str]:
    """sha256 of every file the results depend on: the spec, an ONNX model, model data tables."""
    sums = {"spec": spec.sha256}
    if spec.workload.onnx:
        sums["onnx"] = sha256_file(Path(spec.workload.onnx))
    for pkg in (pe_models, memory_models):
        data = Path(pkg.__file__).parent / "data"
        for f in sorted(data.glob("*.csv")) if data.is_dir() else []:
            sums[f"{pkg.__name__}/data/{f.name}"] = sha256_file(f)
    return sums


def fingerprint(spec: Spec, wl: Workload) -> str:
    """What a checkpoint's chunks were computed from: a change to any of it discards them."""
    inputs = json.dumps(input_checksums(spec), sort_keys=True)
    return hashlib.sha256(f"{__version__}|{inputs}|{workload_digest(wl)}|{spec.chunk_points}".encode()
                          ).hexdigest()


def _chunks(spec: Spec) -> list[tuple[int, int, int]]:
    n, size = spec.n_points, spec.chunk_points
    return [(i, s, min(s + size, n)) for i, s in enumerate(range(0, n, size))]


def _eval_chunk(spec: Spec, wl: Workload, start: int, stop: int, on_layer=None) -> pd.DataFrame:
    return evaluate(design.batch(spec, start, stop), wl, spec.mapping_objective, on_layer=on_layer)


def _open_checkpoint(ckpt: Path, fp: str) -> set[int]:
    """Chunk indices already done for this fingerprint; a stale checkpoint is discarded."""
    state = ckpt / "state.json"
    if state.is_file():
        try:
            if json.loads(state.read_text()).get("fingerprint") == fp:
                return {int(p.stem.split("-")[1]) for p in ckpt.glob("chunk-*.parquet")}
        except (json.JSONDecodeError, ValueError):
            pass
        shutil.rmtree(ckpt)
    elif ckpt.exists():
        shutil.rmtree(ckpt)
    write_json(state, {"fingerprint": fp})
    return set()


def run(spec: Spec, out_dir: Path, progress: bool = True, dask_address: str | None = None,
        dask_workers: int = 0) -> SweepResult:
    t0 = time.perf_counter()
    wl = prepare_workload(spec)  # all input errors surface before any output exists
    preflight(spec)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "manifest.json").unlink(missing_ok=True)  # the folder is incomplete until we finish
    ckpt = out_dir / CHECKPOINT_DIR
    done = _open_checkpoint(ckpt, fingerprint(spec, wl))
    todo = [c for c in _chunks(spec) if c[0] not in done]
    n_todo = sum(stop - start for _, start, stop in todo)
    bar = tqdm(total=spec.n_points, initial=spec.n_points - n_todo, unit="pt", disable=not progress,
               desc=spec.name, dynamic_ncols=True)
    t_eval = time.perf_counter()
    try:
        if dask_address or dask_workers:
            _run_dask(spec, wl, todo, ckpt, bar, dask_address, dask_workers)
        else:
            for i, start, stop in todo:
                df = _eval_chunk(spec, wl, start, stop, on_layer=_LayerTicker(bar, stop - start, len(wl.graph)))
                write_parquet(ckpt / f"chunk-{i:06d}.parquet", df)
    finally:
        bar.close()
    eval_s = time.perf_counter() - t_eval
    parts = sorted(ckpt.glob("chunk-*.parquet"))
    results = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
    if len(results) != spec.n_points or results["point_id"].duplicated().any():
        raise UserError(f"{ckpt}: checkpoint holds {len(results)} rows for {spec.n_points} points; "
                        "delete the folder and re-run")
    results = results.sort_values("point_id", ignore_index=True)
    return SweepResult(results, wl, time.perf_counter() - t0, n_todo, eval_s)


class _LayerTicker:
    """Advances a progress bar layer by layer, in whole points, across one chunk."""

    def __init__(self, bar, points: int, layers: int) -> None:
        self.bar, self.points, self.layers, self.done, self.base = bar, points, layers, 0, bar.n

    def __call__(self) -> None:
        self.done += 1
        self.bar.update(self.base + self.points * self.done // self.layers - self.bar.n)


# Seconds to wait for a Dask scheduler before giving up (distributed's default is 30 s and it
# retries a refused connection until then); a reachable scheduler answers in milliseconds.
DASK_CONNECT_TIMEOUT_S = 5


def _run_dask(spec, wl, todo, ckpt: Path, bar, address: str | None, workers: int) -> None:
    """Chunks as Dask tasks; results come back to this process, which alone writes checkpoints."""
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None if address else LocalCluster(n_workers=workers, threads_per_worker=1,
                                                processes=True, dashboard_address=None)
    try:
        client = Client(address or cluster, timeout=DASK_CONNECT_TIMEOUT_S)
    except (OSError, ValueError, TimeoutError) as exc:  # unreachable or malformed scheduler address
        if cluster is not None:
            cluster.close()
        raise UserError(f"--dask-scheduler {address}: cannot connect to the Dask scheduler: "
                        f"{' '.join(str(exc).split())}") from None
    with client:
        spec_f, wl_f = client.scatter([spec, wl], broadcast=True)
        futures = {client.submit(_eval_chunk, spec_f, wl_f, s, e, pure=False): (i, e - s) for i, s, e in todo}
        for fut in as_completed(futures):
            i, n = futures[fut]
            write_parquet(ckpt / f"chunk-{i:06d}.parquet", fut.result())
            bar.update(n)
    if cluster is not None:
        cluster.close()


def finish(out_dir: Path) -> None:
    """Drop the checkpoint once every output (manifest last) is written."""
    shutil.rmtree(Path(out_dir) / CHECKPOINT_DIR, ignore_errors=True)


def points_per_second(result: SweepResult) -> float:
    return result.evaluated_points / result.eval_s if result.eval_s > 0 else float(np.nan)
