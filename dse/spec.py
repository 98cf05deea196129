"""Sweep specification: safe YAML -> validated frozen dataclasses.

Every error names the file and the field path and says what is expected, in one line.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from dse import objectives, params, yaml_safe
from dse.errors import UserError
from workloads.precision import BitsOverride, PrecisionOverrides

SPEC_VERSION = 1
OBJECTIVES = tuple(objectives.MAPPING)  # mapping objectives: the scores the search kernel computes
POLICIES = ("pe", "model", "search")
# Design-space parameters (dse.params, the one declaration): name -> Param, in point-numbering order.
PARAMS: dict[str, params.Param] = params.SPACE


@dataclass(frozen=True)
class WorkloadSpec:
    network: str | None = None
    onnx: str | None = None
    batch: int = 1
    # decoder workloads (workloads.zoo.WORKLOAD_PARAMS): None = the network's default for the phase
    phase: str | None = None  # prefill | decode
    seq_len: int | None = None  # new tokens in this step
    kv_len: int | None = None  # tokens already in the KV cache

    @property
    def params(self) -> dict:
        """The workload parameters given (for ``workloads.load``)."""
        return {k: v for k, v in (("phase", self.phase), ("seq_len", self.seq_len), ("kv_len", self.kv_len))
                if v is not None}

    @property
    def source(self) -> str:
        return self.network if self.network is not None else str(self.onnx)


@dataclass(frozen=True)
class SearchSpec:
    """``policy: search``: candidate widths, the sensitivity table and the error budget(s)."""

    w_bits: tuple[int, ...]
    a_bits: tuple[int, ...]
    sensitivity: str  # path of the `dse sensitivity` CSV
    max_error: tuple[float, ...]  # swept like a space parameter (the last dimension of the space)


@dataclass(frozen=True)
class PrecisionSpec:
    policy: str = "pe"
    overrides: PrecisionOverrides = field(default_factory=PrecisionOverrides)
    search: SearchSpec | None = None


@dataclass(frozen=True)
class ValidationSpec:
    """Published figures to compare a sweep's single design against (``validation.csv``)."""

    source: str
    tolerance: float  # relative error the comparison is held to
    metrics: tuple[tuple[str, float], ...]  # VALIDATION_METRICS name -> published value
    layers: tuple[tuple[str, tuple[tuple[str, float], ...]], ...] = ()  # layer -> LAYER_METRICS name -> value
    ifmap_zero_fraction: tuple[tuple[str, float], ...] = ()  # layer -> published share of zero ifmap values
    # layer -> SHARE_PARTS name -> published (low, high) band of its share of on-chip power
    shares: tuple[tuple[str, tuple[tuple[str, tuple[float, float]], ...]], ...] = ()
    shares_source: str = ""
    # layer -> SHARE_PARTS name -> a single relayed per-layer figure printed next to the band (not tested against)
    shares_relayed: tuple[tuple[str, tuple[tuple[str, float], ...]], ...] = ()


# Whole-network and per-layer figures a validation section may quote.
VALIDATION_METRICS = ("frames_per_s", "power_mw", "dram_accesses_per_mac", "latency_ms", "energy_mj")
LAYER_METRICS = ("latency_ms", "processing_latency_ms", "power_mw", "dram_accesses_per_mac", "dram_mb")
# Parts of on-chip power a validation section may quote a share band for (dse.validation.CHIP_PARTS).
SHARE_PARTS = ("alu", "spad", "noc", "glb", "clock", "leakage")


@dataclass(frozen=True)
class Spec:
    name: str
    workload: WorkloadSpec
    precision: PrecisionSpec
    space: tuple[tuple[str, tuple], ...]  # parameter name -> values, in PARAMS order
    mapping_objective: str = "edp"
    chunk_points: int = 100_000
    path: str = "<built-in>"
    sha256: str = ""
    raw: Mapping = field(default_factory=dict, compare=False)
    version: int = SPEC_VERSION
    validation: ValidationSpec | None = None
    pareto_objectives: tuple[str, ...] = objectives.DEFAULT_PARETO  # the front written to pareto.csv
    search: Any = None  # dse.search.SearchSpec: explore the space with NSGA-II instead of enumerating it

    @property
    def space_dict(self) -> dict[str, tuple]:
        return dict(self.space)

    @property
    def n_points(self) -> int:
        return math.prod(len(v) for _, v in self.space)


class _Reader:
    """Walks a YAML mapping, raising UserError('<file>: <field>: <problem>; expected ...')."""

    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, where: str, message: str) -> UserError:
        return UserError(f"{self.path}: {where}: {message}")

    def mapping(self, raw: Any, where: str, allowed: set[str], required: set[str] = frozenset()) -> Mapping:
        if raw is None:
            raw = {}
        if not isinstance(raw, Mapping):
            raise self.fail(where, f"expected a mapping, got {type(raw).__name__}")
        unknown = sorted(set(map(str, raw)) - allowed)
        if unknown:
            raise self.fail(f"{where}.{unknown[0]}" if where else unknown[0],
                            f"unknown key; expected one of {sorted(allowed)}")
        missing = sorted(required - set(raw))
        if missing:
            raise self.fail(where or "spec", f"missing required key {missing[0]!r}")
        return raw

    def named(self, raw: Any, where: str) -> Mapping:
        """A mapping whose keys are names the user chooses (layer names, glob patterns)."""
        return self.mapping(raw, where, set(map(str, raw or {})) if isinstance(raw, Mapping) else set())

    def scalar(self, value: Any, where: str, param: params.Param) -> Any:
        try:
            return params.check(param, value)
        except ValueError as exc:
            raise self.fail(where, str(exc)) from None

    def values(self, raw: Any, where: str, param: params.Param) -> tuple:
        items = raw if isinstance(raw, list) else [raw]
        if not items:
            raise self.fail(where, "empty list; expected at least one value")
        out = tuple(self.scalar(v, f"{where}[{i}]" if isinstance(raw, list) else where, param)
                    for i, v in enumerate(items))
        if len(set(out)) != len(out):
            raise self.fail(where, f"duplicate values in {list(out)}")
        return out


def parse(raw: Any, path: str = "<spec>", sha256: str = "") -> Spec:
    r = _Reader(path)
    top = r.mapping(raw, "", {"version", "name", "workload", "precision", "space", "mapping", "run",
                                   "validation", "pareto", "search"},
                    {"name", "workload"})
    version = top.get("version", SPEC_VERSION)
    if version != SPEC_VERSION:
        raise r.fail("version", f"got {version!r}; expected {SPEC_VERSION}")
    name = top["name"]
    if not isinstance(name, str) or not name or any(ch in name for ch in "/\\\0") or name in {".", ".."}:
        raise r.fail("name", f"got {name!r}; expected a non-empty string without path separators")

    wl = r.mapping(top["workload"], "workload", {"network", "onnx", "batch", "phase", "seq_len", "kv_len"})
    if ("network" in wl) == ("onnx" in wl):
        raise r.fail("workload", "expected exactly one of 'network' (a zoo name) or 'onnx' (a file path)")
    batch = r.scalar(wl.get("batch", 1), "workload.batch", params.BATCH)
    wl_params = _workload_params(r, wl)
    if "network" in wl:
        from workloads.zoo import WORKLOAD_PARAMS, ZOO

        if not isinstance(wl["network"], str) or wl["network"] not in ZOO:
            raise r.fail("workload.network", f"unknown network {wl['network']!r}; expected one of {list(ZOO)}")
        takes = WORKLOAD_PARAMS.get(wl["network"], ())
        for key in wl_params:
            if key not in takes:
                raise r.fail(f"workload.{key}", f"network {wl['network']!r} takes no {key}; its workload "
                                                f"parameters: {', '.join(('batch',) + takes)}")
        workload = WorkloadSpec(network=wl["network"], batch=batch, **wl_params)
    else:
        onnx_path = wl["onnx"]
        if not isinstance(onnx_path, str):
            raise r.fail("workload.onnx", f"got {onnx_path!r}; expected a file path")
        if not Path(onnx_path).is_absolute() and path not in {"<spec>", "<built-in>"}:
            onnx_path = str(Path(path).parent / onnx_path)
        if "phase" in wl_params:  # an ONNX decoder's phase is its shapes: seq_len / kv_len bind them
            raise r.fail("workload.phase", "applies to zoo networks only; an ONNX decoder's shapes come from "
                                           "the file, with seq_len (new tokens) and kv_len (cached tokens)")
        workload = WorkloadSpec(onnx=onnx_path, batch=batch, **wl_params)

    pr = r.mapping(top.get("precision"), "precision",
                   {"policy", "default", "layers", "bits", "sensitivity", "max_error"})
    policy = pr.get("policy", "pe")
    if policy not in POLICIES:
        raise r.fail("precision.policy", f"got {policy!r}; expected one of {list(POLICIES)}")
    search = _search(r, pr, path, workload) if policy == "search" else None
    if search is None and ({"bits", "sensitivity", "max_error"} & set(pr)):
        key = sorted({"bits", "sensitivity", "max_error"} & set(pr))[0]
        raise r.fail(f"precision.{key}", "only used with policy: search")
    try:
        default = BitsOverride.parse(pr["default"], "precision.default") if "default" in pr else None
        layers_raw = r.named(pr.get("layers"), "precision.layers")
        layers = tuple((str(k), BitsOverride.parse(v, f"precision.layers.{k}")) for k, v in layers_raw.items())
    except ValueError as exc:
        raise UserError(f"{path}: {exc}") from None
    precision = PrecisionSpec(policy, PrecisionOverrides(default, layers), search)

    sp = r.mapping(top.get("space"), "space", set(PARAMS))
    space = tuple(
        (key, r.values(sp[key], f"space.{key}", p) if key in sp else (p.default,)) for key, p in PARAMS.items()
    )
    if search is not None:  # the error budget is swept as the last dimension of the space
        space += ((MAX_ERROR, search.max_error),)

    mp = r.mapping(top.get("mapping"), "mapping", {"objective"})
    objective = mp.get("objective", "edp")
    if not isinstance(objective, str) or objective not in OBJECTIVES:
        raise r.fail("mapping.objective", f"got {params.short(objective)}; expected one of {list(OBJECTIVES)}")
    pareto = _pareto(r, top.get("pareto"))
    rn = r.mapping(top.get("run"), "run", {"chunk_points"})
    chunk = r.scalar(rn.get("chunk_points", 100_000), "run.chunk_points", params.CHUNK_POINTS)
    validation = _validation(r, top["validation"], space) if "validation" in top else None
    explore = None  # the top-level `search:` (NSGA-II over the space), not precision.policy: search
    if "search" in top:
        from dse import search as search_mod

        explore = search_mod.parse(r, top["search"])
    return Spec(name=name, workload=workload, precision=precision, space=space, mapping_objective=objective,
                chunk_points=chunk, path=path, sha256=sha256, raw=dict(top), validation=validation,
                pareto_objectives=pareto, search=explore)


def _pareto(r: _Reader, raw: Any) -> tuple[str, ...]:
    """``pareto: {objectives: [energy, latency]}``: 2 to 4 distinct names of dse.objectives."""
    names = r.mapping(raw, "pareto", {"objectives"}).get("objectives", list(objectives.DEFAULT_PARETO))
    lo, hi = objectives.PARETO_SIZES
    known = list(objectives.OBJECTIVES)
    if not isinstance(names, list) or not lo <= len(names) <= hi:
        raise r.fail("pareto.objectives", f"got {params.short(names)}; expected a list of {lo} to {hi} of {known}")
    for i, n in enumerate(names):
        if not isinstance(n, str) or n not in objectives.OBJECTIVES:
            raise r.fail(f"pareto.objectives[{i}]", f"got {params.short(n)}; expected one of {known}")
    if len(set(names)) != len(names):
        raise r.fail("pareto.objectives", f"duplicate objectives in {names}")
    return tuple(names)


def _workload_params(r: _Reader, wl: Mapping) -> dict:
    """phase / seq_len / kv_len of the workload section, checked (zoo.decoder checks them against the
    model's context when the graph is built)."""
    from workloads.zoo import PHASES

    out: dict = {}
    if "phase" in wl:
        if wl["phase"] not in PHASES:
            raise r.fail("workload.phase", f"got {wl['phase']!r}; expected one of {list(PHASES)}")
        out["phase"] = wl["phase"]
    if "seq_len" in wl:
        out["seq_len"] = r.scalar(wl["seq_len"], "workload.seq_len", params.SEQ_LEN)
    if "kv_len" in wl:
        out["kv_len"] = r.scalar(wl["kv_len"], "workload.kv_len", params.KV_LEN)
    return out


MAX_ERROR = "max_error"


def _search(r: _Reader, pr: Mapping, path: str, workload: WorkloadSpec) -> SearchSpec:
    """The ``policy: search`` fields: bits {w: [...], a: [...]}, sensitivity (CSV path), max_error."""
    if workload.onnx is None:
        raise r.fail("precision.policy", "search needs workload.onnx: the model `dse sensitivity` measured")
    for key in ("bits", "sensitivity", "max_error"):
        if key not in pr:
            raise r.fail("precision", f"missing required key {key!r} for policy: search")
    bits = r.mapping(pr["bits"], "precision.bits", {"w", "a"}, {"w", "a"})
    for k in ("w", "a"):
        for v in bits[k] if isinstance(bits[k], list) else [bits[k]]:
            if isinstance(v, int) and not isinstance(v, bool) and not 2 <= v <= 16:
                raise r.fail(f"precision.bits.{k}", f"got {v}; no PE type runs {v}-bit operands "
                             "(INT PEs: 2..16 bits)")
    w, a = (r.values(bits[k], f"precision.bits.{k}", params.OPERAND_BITS) for k in ("w", "a"))
    sens = pr["sensitivity"]
    if not isinstance(sens, str) or not sens:
        raise r.fail("precision.sensitivity", f"got {sens!r}; expected the path of a `dse sensitivity` CSV")
    if not Path(sens).is_absolute() and path not in {"<spec>", "<built-in>"}:
        sens = str(Path(path).parent / sens)
    max_error = r.values(pr["max_error"], "precision.max_error", params.MAX_ERROR)
    return SearchSpec(tuple(sorted(w)), tuple(sorted(a)), sens, max_error)


def _validation(r: _Reader, raw: Any, space) -> ValidationSpec:
    v = r.mapping(raw, "validation", {"source", "tolerance", "metrics", "layers", "ifmap_zero_fraction", "shares",
                                      "shares_source", "shares_relayed"}, {"source", "metrics"})
    if any(len(values) != 1 for _, values in space):
        raise r.fail("validation", "a validation spec describes one design; expected one value per space parameter")
    if not isinstance(v["source"], str) or not v["source"]:
        raise r.fail("validation.source", f"got {v['source']!r}; expected the citation of the published figures")
    number = params.PUBLISHED
    tol = r.scalar(v.get("tolerance", 0.2), "validation.tolerance", params.TOLERANCE)

    def figures(raw_m: Any, where: str, allowed: tuple[str, ...]) -> tuple[tuple[str, float], ...]:
        m = r.mapping(raw_m, where, set(allowed))
        return tuple((k, r.scalar(m[k], f"{where}.{k}", number)) for k in allowed if k in m)

    metrics = figures(v["metrics"], "validation.metrics", VALIDATION_METRICS)
    lay = r.named(v.get("layers"), "validation.layers")
    layers = tuple((str(k), figures(val, f"validation.layers.{k}", LAYER_METRICS)) for k, val in lay.items())
    zf = r.named(v.get("ifmap_zero_fraction"), "validation.ifmap_zero_fraction")
    zeros = []
    for k, x in zf.items():
        zeros.append((str(k), r.scalar(x, f"validation.ifmap_zero_fraction.{k}", params.ZERO_FRACTION)))
    shares = []
    for k, val in r.named(v.get("shares"), "validation.shares").items():
        parts = r.mapping(val, f"validation.shares.{k}", set(SHARE_PARTS))
        bands = []
        for part in (p for p in SHARE_PARTS if p in parts):
            where = f"validation.shares.{k}.{part}"
            band = parts[part]
            if not isinstance(band, list) or len(band) != 2:
                raise r.fail(where, f"got {band!r}; expected [low, high], the published band of the share")
            low, high = (r.scalar(x, where, params.SHARE) for x in band)
            if low > high:
                raise r.fail(where, f"got [{low}, {high}]; expected low <= high")
            bands.append((part, (float(low), float(high))))
        shares.append((str(k), tuple(bands)))
    if shares and not isinstance(v.get("shares_source"), str):
        raise r.fail("validation.shares_source", "missing; expected the citation of the published shares")
    banded = {layer: {part for part, _ in bands} for layer, bands in shares}
    relayed = []
    for k, val in r.named(v.get("shares_relayed"), "validation.shares_relayed").items():
        parts = r.mapping(val, f"validation.shares_relayed.{k}", set(SHARE_PARTS))
        for part in parts:
            if part not in banded.get(str(k), ()):
                raise r.fail(f"validation.shares_relayed.{k}.{part}", "has no band in validation.shares; expected a "
                             "relayed figure beside a published band")
        relayed.append((str(k), tuple((p, float(r.scalar(parts[p], f"validation.shares_relayed.{k}.{p}", params.SHARE)))
                                      for p in SHARE_PARTS if p in parts)))
    return ValidationSpec(v["source"], tol, metrics, layers, tuple(zeros), tuple(shares), v.get("shares_source", ""),
                          tuple(relayed))


def load(path: str | Path | None = None) -> Spec:
    """Read a spec file (``dse.yaml_safe``: no duplicate keys, bounded aliases, UTF-8/16/32 text);
    ``None`` loads the built-in quickstart sweep."""
    if path is None:
        text = resources.files("dse").joinpath("sweeps/quickstart.yaml").read_text()
        label = "quickstart.yaml (built-in)"
        raw = yaml_safe.load(text, label)
    else:
        label = str(path)
        raw, text = yaml_safe.load_file(path, "spec file")
    return parse(raw, label, hashlib.sha256(text.encode()).hexdigest())
