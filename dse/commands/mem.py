"""``dse mem``: on-chip memory costs (SRAM, STT-MRAM, SOT-MRAM) per technology, kind and capacity.

    dse mem --node-nm 22 --capacity 1MiB,2MiB,4MiB,8MiB --format csv
    dse mem --compare --capacity 4MiB                 # iso-capacity, with a workload's energy/delay/EDP
    dse mem --compare --area --capacity 4MiB          # iso-area: largest capacity within the SRAM area

Capacities take B, KiB/MiB/GiB or KB/MB/GB; like NVSim and CACTI (and JEDEC), KB/MB/GB are binary.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import re
import sys

import numpy as np

import memory_models as mm
from dse.errors import UserError
from memory_models import CELL_FIELDS, COST_FIELDS, TECH_NAMES, Tech, study
from memory_models.array import HTREES, TARGETS
from memory_models.errors import MemoryModelError
from memory_models.technology import MAX_NODE_NM, MIN_NODE_NM, ROADMAPS

# after the costs, the cell as sized for its write current (memory_models.drive)
COLUMNS = ("technology", "kind", "capacity_bytes", "node_nm", *COST_FIELDS, *CELL_FIELDS)
COMPARE_COLUMNS = COLUMNS + (
    "reads",
    "writes",
    "runtime_s",
    "energy_j",
    "delay_s",
    "edp_js",
    "capacity_vs_sram",
    "area_reduction_vs_sram",
    "edp_reduction_vs_sram",
    "deepnvm_published",
)
# --compare table: area first, without node_nm and the per-run profile (printed once below the table)
_COMPARE_TABLE_COLUMNS = ("technology", "kind", "capacity_bytes", "area_mm2") + tuple(
    c for c in COMPARE_COLUMNS[4:] if c not in ("area_mm2", "reads", "writes", "runtime_s")
)
# Access widths when neither the option nor the --compare profile gives one.
DEFAULT_WORD_BITS = 64
DEFAULT_LINE_BYTES = 64
_UNITS = {"": 1, "b": 1, "kib": 2**10, "mib": 2**20, "gib": 2**30, "kb": 2**10, "mb": 2**20, "gb": 2**30}
_NAME_OF = {t: n for n, t in TECH_NAMES.items()}


def parse_capacity(text: str) -> float:
    m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([a-zA-Z]*)\s*", text)
    if not m or m.group(2).lower() not in _UNITS:
        raise UserError(f"--capacity: cannot read {text!r}; expected e.g. 64KiB, 1MiB, 4MB or 8192 (bytes)")
    value = float(m.group(1)) * _UNITS[m.group(2).lower()]
    if value < 1:
        raise UserError(f"--capacity: {text!r} is below one byte")
    return value


def _list(text: str, what: str, allowed: tuple[str, ...]) -> list[str]:
    items = [x.strip() for x in text.split(",") if x.strip()]
    bad = [x for x in items if x not in allowed]
    if bad or not items:
        raise UserError(f"--{what}: {bad or text!r} not recognised; expected a comma list of {list(allowed)}")
    return items


def register(sub) -> None:
    p = sub.add_parser(
        "mem",
        help="on-chip memory costs: SRAM / STT-MRAM / SOT-MRAM",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--node-nm",
        type=float,
        default=16.0,
        help=f"technology node, {MIN_NODE_NM:g}-{MAX_NODE_NM:g} (default 16)",
    )
    p.add_argument(
        "--capacity", default="1MiB,2MiB,4MiB,8MiB", help="comma list of capacities (default 1-8 MiB)"
    )
    p.add_argument("--tech", help=f"comma list of {list(TECH_NAMES)} (default: all; --compare always shows all)")
    p.add_argument("--kind", default="cache,buffer", help="comma list of cache (tag + data), buffer (no tag)")
    p.add_argument(
        "--word-bits",
        type=int,
        default=None,
        help=f"buffer access width in bits (default {DEFAULT_WORD_BITS}; "
        "with --compare the profile's width)",
    )
    p.add_argument(
        "--line-bytes",
        type=int,
        default=None,
        help=f"cache line per access in bytes (default {DEFAULT_LINE_BYTES}; "
        "with --compare the profile's line)",
    )
    p.add_argument("--banks", type=int, default=1, help="independent banks (default 1)")
    p.add_argument("--target", default="read_edp", choices=TARGETS, help="organisation search objective")
    p.add_argument(
        "--roadmap",
        default="hp",
        choices=ROADMAPS,
        help="CMOS device roadmap: hp (NVSim/CACTI default), lop, lstp",
    )
    p.add_argument(
        "--vdd-v",
        type=float,
        help="memory supply in V (default: the roadmap's at the node); energies, leakage and delays "
        "follow the devices at that supply (memory_models.technology)",
    )
    p.add_argument(
        "--htree",
        default="repeated",
        choices=HTREES,
        help="H-tree wiring: repeated (CACTI 7's Global_30, default) or unrepeated (NVSim's RepeatedNone; "
        "distributed RC, delay grows with the square of its length)",
    )
    p.add_argument("--compare", action="store_true", help="technologies side by side with a workload's EDP")
    p.add_argument("--area", action="store_true", help="with --compare: iso-area instead of iso-capacity")
    p.add_argument(
        "--profile",
        choices=sorted(study.PROFILES),
        default=None,
        help="--compare access profile (default gpu-llc-inference for caches, "
        "resnet18-eyeriss-glb for buffers)",
    )
    p.add_argument(
        "--workload",
        metavar="NETWORK",
        help="--compare: take GLB reads, writes and run time from the cost model: one inference of this "
        "zoo network on the default accelerator (dse run's defaults, SRAM GLB, --node-nm)",
    )
    p.add_argument("--reads", type=float, help="--compare: reads per run (overrides the profile)")
    p.add_argument("--writes", type=float, help="--compare: writes per run (overrides the profile)")
    p.add_argument("--runtime-s", type=float, help="--compare: run time for leakage (overrides the profile)")
    p.add_argument("--format", choices=("table", "csv"), default="table")
    p.set_defaults(func=run)


def _row(
    tech: Tech, kind: str, capacity_bytes: float, node_nm: float, costs: mm.MemoryCosts, index
) -> dict:
    """The COLUMNS of one memory: what it is and its costs at ``index`` of the ``costs`` arrays."""
    row = {
        "technology": _NAME_OF[tech],
        "kind": kind,
        "capacity_bytes": int(capacity_bytes),
        "node_nm": node_nm,
    }
    cell = {f: float(np.asarray(getattr(costs, f))[index]) for f in CELL_FIELDS}
    cell["access_upsized"] = "yes" if cell["access_upsized"] else "no"
    return row | {f: float(np.asarray(getattr(costs, f))[index]) for f in COST_FIELDS} | cell


def _rows_plain(args, techs: list[Tech], kinds: list[str], caps: list[float]) -> list[dict]:
    rows = []
    t_grid, c_grid = np.meshgrid(np.array([int(t) for t in techs]), np.array(caps), indexing="ij")
    options = dict(target=args.target, roadmap=args.roadmap, htree=args.htree, vdd_v=args.vdd_v)
    for kind in kinds:
        # a cache returns one line per access, a buffer one word
        model, width = (mm.cache, args.line_bytes) if kind == "cache" else (mm.buffer, args.word_bits)
        costs = model(t_grid, c_grid, width, args.node_nm, args.banks, **options)
        for i, t in enumerate(techs):
            for j, cap in enumerate(caps):
                rows.append(_row(t, kind, cap, args.node_nm, costs, (i, j)))
    return rows


def _cost_model_profile(network: str, node_nm: float) -> study.AccessProfile:
    """GLB reads/writes (64-bit words) and run time of one inference, from the dse cost model."""
    from dse import api, hardware

    row = api.evaluate({"node_nm": node_nm, "glb_tech": "SRAM"}, network).totals
    word = hardware.GLB_BANK_WORD_BITS
    return study.AccessProfile(
        f"{network}-dse-glb", float(row.glb_read_bits / word), float(row.glb_write_bits / word),
        float(row.latency_s), "buffer", word,
        f"GLB of dse's default accelerator ({row.pe_type}, {row.pe_rows}x{row.pe_cols} PEs, "
        f"{row.glb_kib:g} KiB SRAM GLB, {row.dataflow}) running one {network} inference: "
        "counts from the cost model",
    )


def _rows_compare(args, kinds: list[str], caps: list[float]) -> list[dict]:
    rows = []
    key = "iso_area" if args.area else "iso_capacity"
    published = study.DEEPNVM_PUBLISHED[f"{key}_edp_reduction"]
    # one cost-model evaluation serves every kind
    workload = _cost_model_profile(args.workload, args.node_nm) if args.workload else None
    for kind in kinds:
        base = workload or study.PROFILES[
            args.profile or ("gpu-llc-inference" if kind == "cache" else "resnet18-eyeriss-glb")
        ]
        if kind == base.kind:
            width = base.word_bits
        else:
            width = DEFAULT_LINE_BYTES * 8 if kind == "cache" else DEFAULT_WORD_BITS
        if kind == "cache" and args.line_bytes is not None:
            width = args.line_bytes * 8
        elif kind == "buffer" and args.word_bits is not None:
            width = args.word_bits
        profile = dataclasses.replace(
            base,
            reads=args.reads if args.reads is not None else base.reads,
            writes=args.writes if args.writes is not None else base.writes,
            runtime_s=args.runtime_s if args.runtime_s is not None else base.runtime_s,
            kind=kind,
            word_bits=width,
        )
        for cap in caps:
            cmp = (study.iso_area if args.area else study.iso_capacity)(
                cap, profile, args.node_nm, args.roadmap, args.htree
            )
            for i, t in enumerate(study.TECHS):
                row = _row(t, kind, cmp.capacity_bytes[i], args.node_nm, cmp.costs, i) | {
                    "reads": profile.reads,
                    "writes": float(cmp.writes[i]),
                    "runtime_s": profile.runtime_s,
                    "energy_j": float(cmp.energy_j[i]),
                    "delay_s": float(cmp.delay_s[i]),
                    "edp_js": float(cmp.edp_js[i]),
                    "capacity_vs_sram": float(cmp.capacity_bytes[i] / cmp.capacity_bytes[0]),
                    "area_reduction_vs_sram": float(cmp.ratio_vs_sram("area_mm2")[i]),
                    "edp_reduction_vs_sram": float(cmp.ratio_vs_sram("edp_js")[i]),
                    "deepnvm_published": published.get(t, 1.0),
                    "reuse": (f"{profile.reuse_network} batch {profile.reuse_batch}, "
                              f"{profile.reuse_bits} bits" if args.area and profile.reuse_network else ""),
                }
                rows.append(row)
    return rows


def _fmt(v) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, int):
        return str(v)
    return f"{v:.4g}"


def run(args: argparse.Namespace) -> int:
    if not MIN_NODE_NM <= args.node_nm <= MAX_NODE_NM:
        raise UserError(
            f"--node-nm {args.node_nm:g} is outside the modelled range {MIN_NODE_NM:g}-{MAX_NODE_NM:g} nm"
        )
    if args.area and not args.compare:
        raise UserError("--area compares technologies at iso-area: use it with --compare")
    if args.compare and args.vdd_v is not None:
        raise UserError("--vdd-v: --compare prices every technology at its roadmap's supply; drop --vdd-v")
    if args.compare and args.tech is not None:
        raise UserError("--tech: --compare always sets all three technologies side by side; drop --tech")
    for name in ("word_bits", "line_bytes", "banks"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            raise UserError(
                f"--{name.replace('_', '-')} must be a positive integer, got {getattr(args, name)}"
            )
    if not args.compare:
        args.word_bits = DEFAULT_WORD_BITS if args.word_bits is None else args.word_bits
        args.line_bytes = DEFAULT_LINE_BYTES if args.line_bytes is None else args.line_bytes
    caps = [parse_capacity(c) for c in args.capacity.split(",") if c.strip()]
    if not caps:
        raise UserError("--capacity: no capacity given; expected e.g. 1MiB,2MiB")
    kinds = _list(args.kind, "kind", ("cache", "buffer"))
    techs = [TECH_NAMES[n] for n in _list(args.tech or ",".join(TECH_NAMES), "tech", tuple(TECH_NAMES))]
    try:
        rows = _rows_compare(args, kinds, caps) if args.compare else _rows_plain(args, techs, kinds, caps)
    except MemoryModelError as exc:
        raise UserError(str(exc)) from None
    columns = COMPARE_COLUMNS if args.compare else COLUMNS
    if args.format == "csv":
        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(columns)
        for r in rows:
            w.writerow([_fmt(r[c]) for c in columns])
        return 0
    shown = _COMPARE_TABLE_COLUMNS if args.compare else COLUMNS
    cells = [[_fmt(r[c]) for c in shown] for r in rows]
    widths = [max(len(c), *(len(x[i]) for x in cells)) for i, c in enumerate(shown)]
    print("  ".join(c.rjust(wd) for c, wd in zip(shown, widths)))
    for x in cells:
        print("  ".join(v.rjust(wd) for v, wd in zip(x, widths)))
    supply = mm.technology.supply_v(args.node_nm, args.roadmap, args.vdd_v)
    print(f"\n{args.roadmap} device roadmap (memory_models.technology) at {float(supply):.3g} V, "
          f"{args.htree} H-tree")
    if any(r["access_upsized"] == "yes" for r in rows):
        print("access_upsized yes: the cell's write device (STT: its access transistor; SOT: its write "
              "transistor) is wider than the cell file's, to deliver I_c at this supply; the cell grows 3 F^2 "
              "per F (memory_models.drive)")
    if args.compare:
        p = rows[0]
        print(
            f"node {args.node_nm:g} nm; access profile per run: {p['reads']:.3g} reads, "
            f"{p['writes']:.3g} writes, "
            f"{p['runtime_s']:.3g} s (memory_models.study); EDP = (reads*E_r + writes*E_w + P_leak*T) x "
            f"(reads*t_r + writes*t_w). deepnvm_published: DeepNVM++ 'up to' EDP reduction "
            f"at {'iso-area' if args.area else 'iso-capacity'}, 16 nm GPU LLC"
            + (" (book chapter 2023; TCAD 2022: 2.0 STT, 2.3 SOT)." if args.area else ".")
        )
        for kind, reuse in dict.fromkeys((r["kind"], r["reuse"]) for r in rows) if args.area else ():
            print(f"iso-area writes, {kind}: " + (
                f"the fills of read misses follow each capacity ({reuse}; memory_models.llc_reuse)" if reuse
                else "fixed (its profile names no network for capacity-dependent traffic)"))
    return 0
