"""One variant through the open-source flow: yosys -> gate netlist -> iverilog switching
activity -> energy from Liberty tables; OpenSTA -> critical path.

Energy per operation = (sum over nets of toggles x 1/2 C_load V^2
                        + sum over cell pins of toggles x Liberty internal energy) / cycles,
with C_load the sum of the Liberty input-pin capacitances on the net (no wire capacitance:
the netlist is not placed) and the internal energy read at a fixed input slew (SLEW_NS) and
the net's load (groups weighted by their ``when`` state and their related input's activity).
Glitches are included as far as a simulation with each cell's Liberty delay (inertial, no
wire delay) shows them.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pe_models.characterize import cellsim
from pe_models.characterize.liberty import Library
from pe_models.characterize.variants import RTL_FILES, Variant

# Input slew at which internal energy is read from the Liberty tables: 0.1 ns is the output
# transition of a lightly loaded X1 gate in the 130/180 nm libraries (e.g. sg13g2_nand2_1
# rise_transition at 0.0234 pF is 0.10-0.17 ns); tables are clamped to their own range.
SLEW_NS = 0.1
# Half clock period of the simulation (ps): far longer than any critical path here (< 100 ns).
HALF_PERIOD_PS = 250_000
DELAY_MODELS = ("liberty", "unit", "zero")  # gate delays in simulation; see cell_delays_ps
WARMUP_CYCLES = 8
# Critical path is measured against a relaxed clock; fmax = 1 / (period - worst slack).
STA_PERIOD_NS = 1000.0


class ToolError(RuntimeError):
    """An external tool failed; the message names the tool, the variant and the log."""


@dataclass(frozen=True)
class Result:
    variant: Variant
    cells: int
    area_um2: float
    seq_area_um2: float
    leakage_uw: float
    energy_pj_per_op: float  # everything: datapath + register data + register clock
    comb_energy_pj_per_op: float  # datapath: combinational cells and their input nets only
    reg_data_energy_pj_per_op: float  # flip-flops: D/reset input nets and the internal energy of Q changes
    reg_clock_energy_pj_per_op: float  # flip-flop clock pins: CLK net charge + CLK internal energy
    reg_bits: int  # flip-flops in the netlist (all clocked every cycle of an operation)
    critical_path_ns: float


@dataclass(frozen=True)
class Synthesis:
    """How yosys builds the netlist: which executable, and whether multipliers are Booth-encoded
    (``synth -booth``, a pass of yosys >= 0.33; the Debian 0.23 builds unsigned/signed array multipliers)."""

    yosys: str = "yosys"
    booth: bool = False


def tool_versions(synthesis: Synthesis = Synthesis()) -> dict[str, str]:
    """Versions of the external tools, for the output header."""

    def first_line(cmd: list[str]) -> str:
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False)
        except FileNotFoundError:
            return "absent"
        text = (out.stdout or out.stderr).strip().splitlines()
        return text[0].strip() if text else "unknown"

    return {
        "yosys": first_line([synthesis.yosys, "-V"]) + (" (synth -booth)" if synthesis.booth else ""),
        "iverilog": first_line(["iverilog", "-V"]).split("(")[0].strip(),
        "opensta": first_line(["sta", "-version"]),
    }


def have_tools() -> list[str]:
    """Names of the required executables that are missing."""
    return [t for t in ("yosys", "iverilog", "vvp", "sta") if shutil.which(t) is None]


def _run(cmd: list[str], cwd: Path, what: str, timeout: float = 600) -> str:
    out = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)
    if out.returncode != 0:
        tail = "\n".join((out.stdout + out.stderr).strip().splitlines()[-15:])
        raise ToolError(f"{what} failed in {cwd} (exit {out.returncode}):\n{tail}")
    return out.stdout + out.stderr


def synthesize(v: Variant, lib: Library, work: Path, synthesis: Synthesis = Synthesis()) -> dict:
    """yosys synth + Liberty mapping; returns the JSON netlist of the top module."""
    chparams = " ".join(f"-set {k} {val}" for k, val in v.params.items())
    lib_file = str(lib.text_path)
    if synthesis.yosys != "yosys":  # YoWASP's WebAssembly sandbox sees the working directory, not /tmp
        shutil.copyfile(lib.text_path, work / "cells.lib")
        lib_file = "cells.lib"
    script = "\n".join(
        [
            "read_verilog -defer " + " ".join(str(f) for f in RTL_FILES),
            f"chparam {chparams} {v.module}" if chparams else "",
            f"hierarchy -top {v.module}",
            f"synth -top {v.module} -flatten" + (" -booth" if synthesis.booth else ""),
            f"dfflibmap -liberty {lib_file}",
            f"abc -liberty {lib_file}",
            "opt_clean -purge",
            "rename -enumerate -pattern n%",
            f"stat -liberty {lib_file}",
            "write_verilog -noattr -simple-lhs netlist.v",
            "write_json netlist.json",
        ]
    )
    (work / "synth.ys").write_text(script + "\n")
    _run([synthesis.yosys, "-q", "-l", "synth.log", "synth.ys"], work, f"yosys ({v.name}, {lib.name})")
    # newer yosys writes `input signed [7:0] x;`, which OpenSTA 2.0.17's Verilog reader rejects;
    # a gate netlist has no arithmetic, so the keyword carries no meaning there
    net = work / "netlist.v"
    net.write_text(re.sub(r"^(\s*(?:input|output|inout|wire|reg))\s+signed\b", r"\1", net.read_text(), flags=re.M))
    design = json.loads((work / "netlist.json").read_text())
    tops = [m for m in design["modules"].values() if m.get("attributes", {}).get("top")]
    return tops[0] if tops else design["modules"][v.module]


def _testbench(v: Variant, top: str, cycles: int, outputs: list[tuple[str, int]], rtl: bool = False) -> str:
    """Drives the stimulus; dumps activity (netlist) and prints the outputs every cycle (both)."""
    ports = ", ".join(f".{p}({p})" for p, _ in v.inputs + tuple(outputs))
    regs = "\n".join(f"  reg [{w - 1}:0] {p};" for p, w in v.inputs)
    wires = "\n".join(f"  wire [{w - 1}:0] {p};" for p, w in outputs)
    params = (
        "#(" + ", ".join(f".{k}({val})" for k, val in v.params.items()) + ") " if rtl and v.params else ""
    )
    shown = ", ".join(p for p, _ in outputs)
    fmt = " ".join("%h" for _ in outputs)
    trace = "rtl_trace.txt" if rtl else "gate_trace.txt"
    dump = "" if rtl else '$dumpfile("activity.vcd");\n    $dumpvars(1, tb.dut);\n    $dumpoff;'
    dumpon = "" if rtl else f"if (i == {WARMUP_CYCLES}) $dumpon;"
    total = sum(w for _, w in v.inputs)
    assign = "{" + ", ".join(p for p, _ in v.inputs) + "}"
    return f"""`timescale 1ps/1ps
module tb;
  reg clk = 1'b0;
{regs}
{wires}
  reg [{total - 1}:0] stim [0:{cycles - 1}];
  integer i, f;
  {top} {params}dut (.clk(clk), {ports});
  initial begin
    $readmemh("stimulus.hex", stim);
    f = $fopen("{trace}");
    {dump}
    for (i = 0; i < {cycles}; i = i + 1) begin
      {dumpon}
      {assign} = stim[i];
      #{HALF_PERIOD_PS} clk = 1'b1;
      #{HALF_PERIOD_PS} clk = 1'b0;
      $fdisplay(f, "{fmt}", {shown});
    end
    $fclose(f);
    $finish;
  end
endmodule
"""


def _stimulus_hex(v: Variant, cycles: int, seed: int, operands: str) -> str:
    values = v.stimulus(cycles, seed, operands)
    packed = [0] * cycles
    for col, (_, width) in enumerate(v.inputs):
        for i in range(cycles):
            packed[i] = (packed[i] << width) | int(values[i, col])
    digits = (sum(w for _, w in v.inputs) + 3) // 4
    return "\n".join(f"{x:0{digits}x}" for x in packed) + "\n"


def _vcd_toggles(path: Path) -> dict[tuple[str, int], int]:
    """0<->1 transitions per (net name, bit index) from a VCD file (x/z transitions ignored)."""
    decls: dict[str, list[tuple[str, int, int]]] = defaultdict(list)  # id -> (name, msb, lsb)
    widths: dict[str, int] = {}
    var_re = re.compile(r"\$var\s+\S+\s+(\d+)\s+(\S+)\s+(\S+)(?:\s+\[(\d+)(?::(\d+))?\])?\s+\$end")
    text = path.read_text()
    header, _, body = text.partition("$enddefinitions")
    for m in var_re.finditer(header):
        width, ident, name = int(m.group(1)), m.group(2), m.group(3).lstrip("\\")
        msb = int(m.group(4)) if m.group(4) else width - 1
        lsb = int(m.group(5)) if m.group(5) else (msb if m.group(4) else 0)
        decls[ident].append((name, msb, lsb))
        widths[ident] = width
    last: dict[str, str] = {}
    scalar_counts: dict[str, int] = defaultdict(int)
    vector_counts: dict[str, list[int]] = {i: [0] * w for i, w in widths.items() if w > 1}
    for line in body.split("\n"):
        c = line[:1]
        if c in ("0", "1", "x", "z", "X", "Z"):
            ident, val = line[1:], c
            prev = last.get(ident)
            if prev is not None and val != prev and val in "01" and prev in "01":
                scalar_counts[ident] += 1
            last[ident] = val
        elif c == "b":
            val, ident = line[1:].split()
            cnt = vector_counts.get(ident)
            if cnt is None:
                continue
            width = len(cnt)
            val = val.rjust(width, "0" if val[0] == "1" else val[0])[-width:]
            prev = last.get(ident)
            if prev is not None:
                for k, (a, b) in enumerate(zip(reversed(prev), reversed(val))):  # lsb first
                    if a != b and a in "01" and b in "01":
                        cnt[k] += 1
            last[ident] = val
    out: dict[tuple[str, int], int] = {}
    for ident, names in decls.items():
        cnt = vector_counts.get(ident) or [scalar_counts.get(ident, 0)]
        for name, msb, lsb in names:
            for k, idx in enumerate(_bit_range(msb, lsb)):
                out[(name, idx)] = int(cnt[k])
    return out


def _bit_range(msb: int, lsb: int) -> list[int]:
    """Bit indices from least to most significant position of a [msb:lsb] declaration."""
    return list(range(lsb, msb + 1)) if msb >= lsb else list(range(lsb, msb - 1, -1))


def net_loads(top: dict, lib: Library) -> tuple[dict[int, float], dict[int, float]]:
    """Per netlist bit: total input-pin capacitance (pF) on it, and the part on combinational cells."""
    used = {c["type"] for c in top["cells"].values()}
    unknown = sorted(used - set(lib.cells))
    if unknown:
        raise ToolError(f"netlist uses cells absent from {lib.path}: {unknown}")
    load_pf: dict[int, float] = defaultdict(float)
    comb_load_pf: dict[int, float] = defaultdict(float)
    for c in top["cells"].values():
        cell = lib.cells[c["type"]]
        for pin_name, bits in c["connections"].items():
            pin = cell.pins.get(pin_name)
            if pin is None or pin.direction != "input":
                continue
            for b in bits:
                if isinstance(b, int):
                    load_pf[b] += pin.capacitance_pf
                    if cell.ff is None:
                        comb_load_pf[b] += pin.capacitance_pf
    return load_pf, comb_load_pf


def cell_delays_ps(
    top: dict, lib: Library, load_pf: dict[int, float], model: str = "liberty"
) -> dict[str, dict[str, int] | int]:
    """Simulation delay of each used cell type's outputs.

    ``liberty``: the mean over the type's instances of its Liberty cell_rise/cell_fall delay at
    SLEW_NS and the instance's load (ps, at least 1); ``unit``: 1 ps per gate; ``zero``: no delay.
    """
    if model not in DELAY_MODELS:
        raise ValueError(f"delay model {model!r} unknown; expected one of {DELAY_MODELS}")
    used = {c["type"] for c in top["cells"].values()}
    if model != "liberty":
        return {t: (1 if model == "unit" else 0) for t in used}
    sums: dict[tuple[str, str], list[float]] = defaultdict(list)
    for c in top["cells"].values():
        cell = lib.cells[c["type"]]
        for pin in cell.outputs:
            bits = [b for b in c["connections"].get(pin.name, []) if isinstance(b, int)]
            if pin.delay and bits:
                load = load_pf.get(bits[0], 0.0)
                sums[(cell.name, pin.name)].append(np.mean([t.at(SLEW_NS, load) for t in pin.delay]))
    out: dict[str, dict[str, int] | int] = {t: {} for t in used}
    for (cell_name, pin_name), vals in sums.items():
        out[cell_name][pin_name] = max(1, round(1e3 * float(np.mean(vals))))
    return out


def simulate(
    v: Variant,
    top: dict,
    top_name: str,
    lib: Library,
    work: Path,
    cycles: int,
    seed: int,
    delays_ps: dict[str, dict[str, int] | int],
    operands: str = "dnn",
) -> dict[int, int]:
    """Toggle counts per netlist bit id over ``cycles`` random operations (after warm-up)."""
    (work / "cells.v").write_text(cellsim.library_models(lib, delays_ps))
    total = cycles + WARMUP_CYCLES
    (work / "stimulus.hex").write_text(_stimulus_hex(v, total, seed, operands))
    outputs = [(name, len(p["bits"])) for name, p in top["ports"].items() if p["direction"] == "output"]
    (work / "tb.v").write_text(_testbench(v, top_name, total, outputs))
    (work / "tb_rtl.v").write_text(_testbench(v, top_name, total, outputs, rtl=True))
    _run(
        ["iverilog", "-o", "sim.vvp", "-s", "tb", "tb.v", "netlist.v", "cells.v"],
        work,
        f"iverilog ({v.name}, {lib.name})",
    )
    _run(["vvp", "-n", "sim.vvp"], work, f"vvp ({v.name}, {lib.name})")
    _run(
        ["iverilog", "-o", "rtl.vvp", "-s", "tb", "tb_rtl.v", *map(str, RTL_FILES)],
        work,
        f"iverilog RTL ({v.name})",
    )
    _run(["vvp", "-n", "rtl.vvp"], work, f"vvp RTL ({v.name})")
    gate, rtl = (work / "gate_trace.txt").read_text().split(), (work / "rtl_trace.txt").read_text().split()
    # RTL registers start unknown (x) until the first clear has flushed them; gates start at 0
    bad = [i for i, (g, r) in enumerate(zip(gate, rtl)) if g != r and "x" not in r]
    if sum("x" not in r for r in rtl) < len(rtl) // 2:
        raise ToolError(f"{v.name}: RTL outputs unknown (x) for most of the simulation; see {work}")
    if bad or len(gate) != len(rtl):
        raise ToolError(
            f"{v.name} on {lib.name}: gate netlist disagrees with the RTL at {len(bad)} outputs "
            f"(first at output {bad[0] if bad else len(gate)}); see {work}"
        )
    by_name = _vcd_toggles(work / "activity.vcd")
    toggles: dict[int, int] = {}
    for name, net in top["netnames"].items():
        for idx, bit in enumerate(net["bits"]):
            if isinstance(bit, int) and bit not in toggles:
                key = (name, idx + net.get("offset", 0))
                if key in by_name:
                    toggles[bit] = by_name[key]
    return toggles


def _when_probability(when: str | None, tied: dict[str, int]) -> float:
    """Probability that a Liberty ``when`` condition holds, with tied pins at their constant and
    every other pin independently 1 with probability 1/2 (no state correlation is modelled)."""
    if not when:
        return 1.0
    free = sorted(cellsim.variables(when) - set(tied))
    hits = sum(
        cellsim.evaluate(when, dict(tied, **{n: (k >> i) & 1 for i, n in enumerate(free)}))
        for k in range(1 << len(free))
    )
    return hits / (1 << len(free))


def _pin_energy_pj(pin, conns: dict, toggles: dict[int, int], load_pf: float) -> float:
    """Internal energy per transition of ``pin`` on one instance: its internal_power groups
    weighted by the probability of their ``when`` state (tied inputs fixed) and, for output
    pins, by how often the group's related input toggles (a tied input never causes one)."""
    tied = {p: int(bits[0]) for p, bits in conns.items() if bits and bits[0] in ("0", "1")}
    weights = []
    for t in pin.energy:
        w = _when_probability(t.when, tied)
        if pin.direction == "output" and t.related_pin is not None:
            rel = conns.get(t.related_pin, [None])[0]
            w *= toggles.get(rel, 0) if isinstance(rel, int) else 0.0
        weights.append(w)
    if sum(weights) <= 0:  # nothing distinguishes the groups: equal weights
        weights = [1.0] * len(pin.energy)
    values = [t.at(SLEW_NS, load_pf) for t in pin.energy]
    return float(np.average(values, weights=weights))


@dataclass(frozen=True)
class Energies:
    """Energy per operation split by what toggles (pJ), plus cell counts, area and leakage."""

    total_pj: float
    comb_pj: float
    reg_data_pj: float
    reg_clock_pj: float
    cells: int
    reg_bits: int
    area_um2: float
    seq_area_um2: float
    leakage_uw: float


def energy_area(
    top: dict,
    lib: Library,
    toggles: dict[int, int],
    cycles: int,
    loads: tuple[dict[int, float], dict[int, float]],
) -> Energies:
    """Energy per operation split into datapath (combinational cells and the pin capacitance they
    present), register data (flip-flop D/reset pins and Q changes) and register clock (the flip-flops'
    clock-pin capacitance and clock-pin internal energy); ``loads`` as net_loads returns them."""
    vdd = lib.nom_voltage_v
    load_pf, comb_load_pf = loads
    cells = [(lib.cells[c["type"]], c["connections"]) for c in top["cells"].values()]
    clock_bits: set[int] = set()
    for cell, conns in cells:
        if cell.ff is not None:
            clock_bits.update(b for b in conns.get(cellsim.variables(cell.ff.clocked_on).pop(), [])
                              if isinstance(b, int))
    half_cv2 = 0.5 * vdd**2
    comb_pj = sum(toggles.get(b, 0) * half_cv2 * c for b, c in comb_load_pf.items())
    seq_net_pj = {b: toggles.get(b, 0) * half_cv2 * (c - comb_load_pf.get(b, 0.0)) for b, c in load_pf.items()}
    clock_pj = sum(e for b, e in seq_net_pj.items() if b in clock_bits)
    reg_data_pj = sum(e for b, e in seq_net_pj.items() if b not in clock_bits)
    area = seq_area = leak = 0.0
    reg_bits = 0
    missing_activity = 0
    for cell, conns in cells:
        area += cell.area_um2
        leak += cell.leakage_uw
        if cell.ff is not None:
            seq_area += cell.area_um2
            reg_bits += 1
        for pin_name, bits in conns.items():
            pin = cell.pins.get(pin_name)
            if pin is None or not pin.energy:
                continue
            for b in bits:
                if not isinstance(b, int):
                    continue
                if b not in toggles:
                    missing_activity += 1
                    continue
                pin_pj = toggles[b] * _pin_energy_pj(pin, conns, toggles, load_pf.get(b, 0.0))
                if cell.ff is None:
                    comb_pj += pin_pj
                elif b in clock_bits:
                    clock_pj += pin_pj
                else:
                    reg_data_pj += pin_pj
    if missing_activity:
        raise ToolError(
            f"{missing_activity} cell pins have no simulated activity (VCD/netlist name mismatch)"
        )
    total = comb_pj + reg_data_pj + clock_pj
    return Energies(total / cycles, comb_pj / cycles, reg_data_pj / cycles, clock_pj / cycles, len(cells),
                    reg_bits, area, seq_area, leak)


def critical_path_ns(top_name: str, lib: Library, work: Path) -> float:
    """Worst register-to-register path (clk->Q + logic + setup) from OpenSTA."""
    script = "\n".join(
        [
            f"read_liberty {lib.text_path}",
            "read_verilog netlist.v",
            f"link_design {top_name}",
            f"create_clock -name clk -period {STA_PERIOD_NS / lib.time_unit_ns:g} [get_ports clk]",
            "report_worst_slack -digits 5",
            "exit",
        ]
    )
    (work / "sta.tcl").write_text(script + "\n")
    out = _run(
        ["sta", "-no_init", "-no_splash", "-exit", "sta.tcl"], work, f"OpenSTA ({top_name}, {lib.name})"
    )
    errors = [line for line in out.splitlines() if line.startswith("Error")]
    if errors:
        raise ToolError(f"OpenSTA reported errors for {top_name} in {work}: {errors[:3]}")
    m = re.search(r"worst slack\s+(-?[0-9.eE+-]+)", out)
    if not m:
        raise ToolError(f"OpenSTA printed no worst slack for {top_name} in {work}:\n{out[-800:]}")
    return STA_PERIOD_NS - float(m.group(1)) * lib.time_unit_ns  # OpenSTA reports in library units


def characterize(
    v: Variant, lib: Library, work: Path, cycles: int = 1000, seed: int = 1, delay_model: str = "liberty",
    operands: str = "dnn", synthesis: Synthesis = Synthesis(),
) -> Result:
    """Synthesize, simulate and time one variant against one library (``operands``: see
    pe_models.characterize.variants.OPERAND_MODELS)."""
    work.mkdir(parents=True, exist_ok=True)
    top = synthesize(v, lib, work, synthesis)
    loads = net_loads(top, lib)
    delays = cell_delays_ps(top, lib, loads[0], delay_model)
    toggles = simulate(v, top, v.module, lib, work, cycles, seed, delays, operands)
    e = energy_area(top, lib, toggles, cycles, loads)
    return Result(v, e.cells, e.area_um2, e.seq_area_um2, e.leakage_uw, e.total_pj, e.comb_pj, e.reg_data_pj,
                  e.reg_clock_pj, e.reg_bits, critical_path_ns(v.module, lib, work))
