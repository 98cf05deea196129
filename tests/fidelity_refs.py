"""Reference figures the tests check and benchmarks/fidelity_table.py prints: one definition each.

- Accelergy's Eyeriss-like breakdown (Timeloop + Accelergy's shipped reference output, tests/data/timeloop_eyeriss_like.csv
  and its per-action energies tests/data/accelergy_eyeriss_like_ert.csv; sources in their headers) and our model's
  row on the same layer and architecture at the node and memory devices their run priced (tests/test_eyeriss.py);
- Horowitz's INT8 multiply + add band (tests/test_pe_horowitz.py);
- the Eyeriss ALU bound of Fig. 16's band over a layer's ungated MACs (tests/test_eyeriss.py);
- the IHP SG13G2 SRAM macros' bitline slope and our register file's (tests/test_mem_regfile.py).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

DATA = Path(__file__).resolve().parent / "data"
TIMELOOP = DATA / "timeloop_eyeriss_like.csv"
# Accelergy's per-action energies of the same run, each split into the primitive estimates its log prints
ACCELERGY_ERT = DATA / "accelergy_eyeriss_like_ert.csv"
# The reference run priced every component at 32 nm (headers of both files), not at the 65 nm its arch.yaml says now;
# its GLB is CACTI with the Accelergy plug-in's default itrs-lstp cells and peripherals, our ``lstp`` roadmap.
TIMELOOP_NODE_NM = 32
TIMELOOP_ROADMAP = "lstp"
TIMELOOP_COMPUTES = 10838016
IHP = DATA / "mem_reference_ihp_sg13g2.csv"
# Horowitz (ISSCC 2014, Fig. 1.1.9, 45 nm, 0.9 V): 8-bit multiply 0.2 pJ, 8-bit add 0.03 pJ; an INT8
# MAC adds its product into a 24-bit accumulator (catalog.accumulator_bits): 0.03 pJ x 3^0.87 = 0.078 pJ
# by pe_models.horowitz's fit through his 8- and 32-bit adders. Multiply + add: 0.23 (8-bit add) to
# 0.28 pJ (24-bit add); the band (tests/test_pe_horowitz.py) is 0.23-0.30 pJ.
HOROWITZ_INT8_MAC_PJ = (0.23, 0.30)


def ert() -> pd.DataFrame:
    return pd.read_csv(ACCELERGY_ERT, comment="#").set_index(["component", "action"])


def timeloop_row(directory: Path) -> pd.Series:
    """Our model's result row on Timeloop's eyeriss_like architecture and default problem at the node and memory
    devices their reference run priced (TIMELOOP's header); its ONNX model and spec are written in ``directory``."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    from dse import design, network, sweep
    from dse import spec as spec_mod

    d = Path(directory)
    w = numpy_helper.from_array(np.zeros((32, 3, 3, 3), np.float32), "w")
    g = helper.make_graph([helper.make_node("Conv", ["x", "w"], ["y"], name="conv", pads=[1, 1, 1, 1], strides=[2, 2])],
                          "default_problem", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 224, 224])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 32, 112, 112])], initializer=[w])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), d / "conv.onnx")
    (d / "spec.yaml").write_text(f"""version: 1
name: timeloop_eyeriss_like
workload: {{onnx: {d / 'conv.onnx'}, batch: 1}}
precision: {{policy: pe}}
space: {{pe_type: INT8, pe_rows: 12, pe_cols: 14, spad_ifmap_words: 12, spad_filter_words: 192, spad_psum_words: 16,
         glb_kib: 128, glb_tech: SRAM, glb_banks: 32, dram_type: LPDDR4, node_nm: {TIMELOOP_NODE_NM},
         memory_roadmap: {TIMELOOP_ROADMAP}, dataflow: row_stationary, glb_bypass: "off", pe_inner_order: ifmap}}
mapping: {{objective: energy}}
""")
    # pe_inner_order ifmap: their eyeriss_like PE's psum spad is read 0.67 and written 1 time per MAC, the
    # filters-innermost order (the partial sums read-modify-written every MAC but the first), as Eyeriss's own
    spec = spec_mod.load(d / "spec.yaml")
    row = network.evaluate(design.batch(spec), sweep.prepare_workload(spec), spec.mapping_objective).iloc[0]
    if row["mac_ops"] != TIMELOOP_COMPUTES:  # Timeloop's "Computes"
        raise AssertionError(f"our MACs {row['mac_ops']} != Timeloop's {TIMELOOP_COMPUTES}")
    return row


def timeloop_per_mac(row: pd.Series) -> tuple[dict[str, float], dict[str, float]]:
    """Our fJ per MAC per component on Timeloop's eyeriss_like run (``timeloop_row``), and theirs."""
    ours = {"mac": row["energy_mac_pj"], "spad": row.filter(regex=r"^energy_spad_").sum(),
            **{f"spad_{op}": row[f"energy_spad_{op}_pj"] for op in ("ifmap", "weight", "psum")},
            "glb": row.filter(regex=r"^energy_glb_").sum(), "dram": row.filter(regex=r"^energy_dram_").sum()}
    ref = pd.read_csv(TIMELOOP, comment="#").set_index("component")["fj_per_compute"]
    theirs = {"mac": ref["mac"], "spad": ref[["psum_spad", "weights_spad", "ifmap_spad"]].sum(),
              "spad_ifmap": ref["ifmap_spad"], "spad_weight": ref["weights_spad"], "spad_psum": ref["psum_spad"],
              "glb": ref["shared_glb"], "dram": ref["DRAM"]}
    return ({k: v / row["mac_ops"] * 1e3 for k, v in ours.items()}, theirs)  # fJ per MAC


def on_chip_shares(fj: dict[str, float]) -> dict[str, float]:
    """Shares of MAC + spads + GLB, Accelergy's basis (no clock, NoC or separate leakage in its figures)."""
    total = fj["mac"] + fj["spad"] + fj["glb"]
    return {k: fj[k] / total for k in ("mac", "spad", "glb")}


def alu_bound_pj(spec, layer: str, macs: float, ifmap_zero_fraction: float) -> float:
    """The top of Fig. 16's ALU band (the spec's validation.shares) of ``layer``'s published energy (Table V power x
    latency: the spec's validation.layers) over its ungated MACs (a zero ifmap gates the MAC): the most a 16-bit MAC
    may cost for the layer's ALU share to stay in its band (pJ)."""
    published = dict(dict(spec.validation.layers)[layer])
    alu_top = dict(dict(spec.validation.shares)[layer])["alu"][1]
    return alu_top * published["power_mw"] * published["latency_ms"] * 1e6 / (macs * (1 - ifmap_zero_fraction))


def ihp_bitline_slope_pj(bits: int) -> float:
    """The IHP SG13G2 130 nm SRAM macros' read energy per added word per bit (pJ; least squares over the 64-4096-word
    macros of that width, from their Liberty files: IHP's header)."""
    macros = pd.read_csv(IHP, comment="#")
    macros = macros[(macros.bits == bits) & (macros.words <= 4096)].sort_values("words")
    return float(np.polyfit(macros.words.to_numpy(float), macros.read_energy_pj.to_numpy(), 1)[0] / bits)


def regfile_slope_pj(bits: int, node_nm: float = 130.0) -> float:
    """Our register file's read energy per added entry per bit over 256-4096 entries (pJ; memory_models.regfile)."""
    import memory_models as mm

    entries = np.array([256.0, 4096.0])
    e = np.asarray(mm.regfile(entries * bits / 8, bits, node_nm).read_energy_pj)
    return float((e[1] - e[0]) / (entries[1] - entries[0]) / bits)
