"""Our systolic compute cycles next to SCALE-Sim v3 (PyPI ``scalesim`` 3.0.0, cycle-accurate) per layer.

    python benchmarks/compare_scalesim.py [--scalesim-python /work/peers/scalesim/bin/python]
        [--write-reference] [--max-cycles N] [--jobs N]

SCALE-Sim simulates a systolic array cycle by cycle (demand matrices per fold, run through its
double-buffered SRAM model). We run it on the distinct conv / matmul shapes of ResNet-18,
MobileNetV2 and BERT-base for the weight-, output- and input-stationary dataflows at square arrays
from 8 x 8 to 128 x 128 and one rectangular array, with SRAMs large enough and bandwidth estimated
(``InterfaceBandwidth = CALC``) so no memory stall enters; its compute cycles are ``Total Cycles -
Stall Cycles`` of COMPUTE_REPORT.csv. Our figure is the ``compute_cycles`` count of
``dse.dataflows`` for the same layer and array (``weight_stationary`` / ``output_stationary`` /
``input_stationary``).

Bounded in time: SCALE-Sim's memory model steps one Python iteration per cycle (~60 us), so a
(layer, array, dataflow) case runs only when its cycle count is at most ``--max-cycles``. SCALE-Sim
has no grouped convolution: it runs a depthwise layer as C one-channel layers ('DP' layers,
topology_utils.load_arrays_conv), all identical, so one channel is simulated and multiplied by C.
Layers are given without padding (SCALE-Sim has none): the input size is the padded one,
``(O - 1) * stride + F``. The attention matmuls are taken per head (batch 1).

SCALE-Sim 3.0.0 needs numpy < 2 (it converts a 1-element array with ``int()``):
``python3 -m venv /work/peers/scalesim && /work/peers/scalesim/bin/pip install scalesim 'numpy<2'``.
``--write-reference`` stores SCALE-Sim's figures in tests/data/scalesim_compute_cycles.csv.
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
import tempfile
import textwrap
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

import workloads
from dse import dataflows
from workloads.layer import Layer

REFERENCE = Path(__file__).resolve().parents[1] / "tests" / "data" / "scalesim_compute_cycles.csv"
NETWORKS = ("resnet18", "mobilenetv2", "bert_base")
ARRAYS = ((8, 8), (16, 16), (32, 32), (64, 64), (128, 128), (16, 64))  # (rows, cols)
DATAFLOWS = {"ws": "weight_stationary", "os": "output_stationary", "is": "input_stationary"}  # SCALE-Sim -> ours
SCALESIM_VERSION = "scalesim 3.0.0"

CONFIG = textwrap.dedent("""
    [general]
    run_name = dse_compare

    [run_presets]
    InterfaceBandwidth = CALC
    UseRamulatorTrace = False

    [architecture_presets]
    ArrayHeight = {rows}
    ArrayWidth = {cols}
    ifmapsramszkB = 65536
    filtersramszkB = 65536
    ofmapsramszkB = 65536
    IfmapOffset = 0
    FilterOffset = 100000000
    OfmapOffset = 200000000
    Dataflow = {dataflow}
    ReadRequestBuffer = 32
    WriteRequestBuffer = 32
    Bandwidth = 10

    [layout]
    IfmapCustomLayout = False
    FilterCustomLayout = False
    IfmapSRAMBankBandwidth = 10
    IfmapSRAMBankNum = 10
    IfmapSRAMBankPort = 2
    FilterSRAMBankBandwidth = 10
    FilterSRAMBankNum = 10
    FilterSRAMBankPort = 2

    [sparsity]
    SparsitySupport = false
    SparseRep = ellpack_block
    OptimizedMapping = false
    BlockSize = 8
    RandomNumberGeneratorSeed = 40
""")

RUNNER = textwrap.dedent("""
    import sys
    from scalesim.scale_sim import scalesim
    s = scalesim(save_disk_space=True, verbose=False, config="scale.cfg", topology="topology.csv",
                 layout="layout.csv", input_type_gemm=False)
    s.run_scale(top_path="out")
""")


def distinct_layers() -> list[tuple[str, Layer]]:
    """(network, layer) of every distinct compute-layer shape of NETWORKS, at batch 1, one channel of a
    depthwise layer (its ``groups`` kept, so multiply by nothing here: see ``simulated_layer``)."""
    seen, out = set(), []
    for net in NETWORKS:
        for L in workloads.load(net).compute_layers():
            if L.n > 1:  # attention matmuls: one head
                L = replace(L, n=1)
            key = (L.k, L.c, L.oy, L.ox, L.fy, L.fx, L.stride_y, L.groups)
            if key not in seen:
                seen.add(key)
                out.append((net, L))
    return out


def simulated_layer(L: Layer) -> tuple[int, int, int, int, int, int, int]:
    """SCALE-Sim topology row (ifmap H, W, filter H, W, channels, filters, stride) of one group of L."""
    assert L.stride_x == L.stride_y, "SCALE-Sim takes one stride for both axes"
    h, w = (L.oy - 1) * L.stride_y + L.fy, (L.ox - 1) * L.stride_x + L.fx
    return h, w, L.fy, L.fx, L.c_per_group, L.k // L.groups, L.stride_y


def our_cycles(L: Layer, rows: int, cols: int, dataflow: str) -> float:
    """Compute cycles of ``dataflows`` for layer L on a rows x cols array (the systolic dataflows have
    one spatial mapping, so every candidate has the same compute cycles; asserted)."""
    arr = dataflows.candidates(L, dataflows.single_geometry(rows=rows, cols=cols), dataflow)
    cyc = np.broadcast_to(arr.compute_cycles, arr.legal.shape)[arr.legal]
    assert cyc.min() == cyc.max(), f"{dataflow}: candidates disagree on compute cycles"
    return float(cyc[0])


def estimate_cycles(L: Layer, rows: int, cols: int, df: str) -> float:
    """A rough cycle count (the case-selection bound only): folds x fold length."""
    h, w, fh, fw, ch, nf, s = simulated_layer(L)
    pix, win = L.oy * L.ox, fh * fw * ch
    sr, sc, t = {"ws": (win, nf, pix), "os": (pix, nf, win), "is": (win, pix, nf)}[df]
    return math.ceil(sr / rows) * math.ceil(sc / cols) * (2 * rows + cols + t)


def run_scalesim(python: str, rows: int, cols: int, df: str, layers: list[Layer]) -> list[float]:
    """SCALE-Sim compute cycles (total - stalls) of each layer's one group on a rows x cols array."""
    with tempfile.TemporaryDirectory(prefix="dse-scalesim-") as tmp:
        topo = ["Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,"]
        topo += [f"L{i}, " + ", ".join(map(str, simulated_layer(L))) + "," for i, L in enumerate(layers)]
        Path(tmp, "topology.csv").write_text("\n".join(topo) + "\n")
        Path(tmp, "layout.csv").write_text("Layer name, unused,\n" + "".join(f"L{i}, 1,\n" for i in range(len(layers))))
        Path(tmp, "scale.cfg").write_text(CONFIG.format(rows=rows, cols=cols, dataflow=df))
        Path(tmp, "runner.py").write_text(RUNNER)
        proc = subprocess.run([python, "runner.py"], cwd=tmp, capture_output=True, text=True, check=False)
        report = Path(tmp, "out", "dse_compare", "COMPUTE_REPORT.csv")
        if proc.returncode != 0 or not report.is_file():
            sys.exit(f"SCALE-Sim failed ({rows}x{cols} {df}, exit {proc.returncode}):\n{proc.stderr[-3000:]}")
        rep = pd.read_csv(report, skipinitialspace=True)
    rep.columns = [c.strip() for c in rep.columns]
    return list(rep["Total Cycles"] - rep["Stall Cycles"])


def reference_cases(max_cycles: float) -> list[tuple[str, Layer, int, int, str]]:
    return [(net, L, r, c, df) for (r, c) in ARRAYS for df in DATAFLOWS for net, L in distinct_layers()
            if estimate_cycles(L, r, c, df) <= max_cycles]


def simulate(python: str, max_cycles: float, jobs: int) -> pd.DataFrame:
    cases = reference_cases(max_cycles)
    groups: dict[tuple[int, int, str], list[int]] = {}
    for i, (_, _, r, c, df) in enumerate(cases):
        groups.setdefault((r, c, df), []).append(i)
    cycles = [0.0] * len(cases)

    def one(key):
        idx = groups[key]
        for i, cyc in zip(idx, run_scalesim(python, *key, [cases[i][1] for i in idx])):
            cycles[i] = cyc * cases[i][1].groups  # a depthwise layer: C identical one-channel layers
        print(f"  SCALE-Sim {key[0]}x{key[1]} {key[2]}: {len(idx)} layers", file=sys.stderr)

    with ThreadPoolExecutor(jobs) as pool:
        list(pool.map(one, groups))
    return pd.DataFrame([{"network": net, "layer": L.name, "k": L.k, "c": L.c, "oy": L.oy, "ox": L.ox, "fy": L.fy,
                          "fx": L.fx, "stride": L.stride_y, "groups": L.groups, "rows": r, "cols": c,
                          "dataflow": df, "scalesim_compute_cycles": cyc}
                         for (net, L, r, c, df), cyc in zip(cases, cycles)])


def layer_of(row) -> Layer:
    """The Layer of one reference row."""
    op = "dwconv" if row.groups > 1 else "conv"
    return Layer(str(row.layer), op, k=int(row.k), c=int(row.c), oy=int(row.oy), ox=int(row.ox), fy=int(row.fy),
                 fx=int(row.fx), stride_y=int(row.stride), stride_x=int(row.stride), groups=int(row.groups))


def with_ours(ref: pd.DataFrame) -> pd.DataFrame:
    df = ref.copy()
    df["dse_compute_cycles"] = [our_cycles(layer_of(r), int(r.rows), int(r.cols), DATAFLOWS[r.dataflow])
                                for r in df.itertuples()]
    df["ratio"] = df["dse_compute_cycles"] / df["scalesim_compute_cycles"]
    return df


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scalesim-python", default="/work/peers/scalesim/bin/python")
    ap.add_argument("--write-reference", action="store_true", help=f"run SCALE-Sim and store {REFERENCE}")
    ap.add_argument("--max-cycles", type=float, default=120_000, help="skip cases longer than this (time bound)")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    if args.write_reference or not REFERENCE.is_file():
        ref = simulate(args.scalesim_python, args.max_cycles, args.jobs)
        if args.write_reference:
            header = (f"# {SCALESIM_VERSION} compute cycles (Total - Stall, CALC bandwidth, 64 MiB SRAMs) per layer; "
                      f"written by `python benchmarks/compare_scalesim.py --write-reference --max-cycles "
                      f"{args.max_cycles:.0f}`\n")
            REFERENCE.write_text(header + ref.to_csv(index=False))
            print(f"wrote {REFERENCE} ({len(ref)} cases)")
    else:
        ref = pd.read_csv(REFERENCE, comment="#")
    df = with_ours(ref)
    pd.set_option("display.width", 200)
    table = df.pivot_table(index=["network", "layer"], columns=["dataflow", "rows", "cols"], values="ratio")
    print("dse / SCALE-Sim compute cycles per layer (dataflow, rows, cols):")
    print(table.to_string(float_format=lambda x: f"{x:.3f}", na_rep="-"))
    summary = df.groupby(["dataflow", "rows", "cols"])["ratio"].agg(["count", "min", "max"])
    print(summary.to_string(float_format=lambda x: f"{x:.4f}"))
    print(f"all {len(df)} cases: ratio min {df['ratio'].min():.4f}, max {df['ratio'].max():.4f}")


if __name__ == "__main__":
    main()
