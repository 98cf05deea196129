"""The parameter schema: every design-space and workload parameter declared once.

Each ``Param`` carries its name (with its unit), type, physical range (minimum / maximum with a
source or a stated engineering bound), default, encoder (spec values -> the codes the models take,
a ``DesignBatch`` field) and a description. Generated from it: the spec reader's checks
(``check``, used by ``dse.spec``), the ``DesignBatch`` fields, encoders and user-facing columns
(``dse.design``), and the README's parameter table (``markdown_table``; tests/test_params.py checks
the README against it).

Adding a design-space parameter: one ``Param`` in ``SPACE`` (its ``field`` becomes a DesignBatch
array) plus its model (the code in ``dse.hardware`` / ``dse.dataflows`` that reads that field).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from dse.dataflows import DATAFLOWS, INNER_ORDERS
from dse.units import BYTES_PER_KIB
from memory_models import SPAD_KINDS, TECH_NAMES, tech_codes
from memory_models.dram import DRAM_TYPES
from memory_models.technology import ROADMAPS
from pe_models.catalog import PE_NAMES
from pe_models.scaling import SUPPORTED_NODES_NM

NOC_MULTICAST = ("on", "off")
GLB_BYPASS = ("on", "off")
REGISTER_GATING = ("on", "off")
PSUM_WIDTHS = ("accumulator", "activation")
PE_INNER = ("search", *INNER_ORDERS)  # the PE's innermost loop: searched, or pinned to one order
MAX_SHOWN_CHARS = 40  # values in messages are cut to this many characters
GRAPH = "graph"  # Param.geometry of a parameter that selects the layer graph (kv_len)


@dataclass(frozen=True)
class Param:
    """One parameter: its type, physical range and encoding."""

    name: str  # as in the spec and the results (unit in the name)
    kind: type  # int, float or str
    default: Any
    description: str
    unit: str = ""  # of the numeric value ("" for names and counts)
    minimum: float | None = None  # inclusive physical range of numeric parameters
    maximum: float | None = None
    bound: str = ""  # where the range comes from: a source, or a stated engineering bound
    choices: tuple[str, ...] = ()  # str parameters: the allowed names
    allowed: tuple[float, ...] = ()  # numeric parameters restricted to these values
    nominal_ok: bool = False  # also accepts the word ``word`` (a value that depends on something else)
    word: str = "nominal"
    field: str = ""  # DesignBatch field ("" = name)
    encode: Callable[[tuple], np.ndarray] | None = None  # spec values -> the field's codes
    column: Callable[[Any], np.ndarray] | None = None  # DesignBatch -> user-facing results column
    # The DesignBatch / HardwareCosts fields through which the parameter fixes a point's geometry (what
    # the legal mappings and their action counts depend on: dse.mapping.geometries keys on them;
    # GRAPH: one layer graph per value). Geometry parameters are enumerated slowest (dse.sweep).
    geometry: tuple[str, ...] = ()
    iso_area: bool = False  # under a GLB area budget (glb_area_mm2) it sets the capacity: geometry then

    @property
    def batch_field(self) -> str:
        return self.field or self.name

    def codes(self, values: tuple) -> np.ndarray:
        """Spec values as the numeric codes of the DesignBatch field."""
        if self.encode is not None:
            return self.encode(values)
        if self.choices:
            return np.array([self.choices.index(v) for v in values], dtype=np.int8)
        return np.array(values, dtype=np.int64 if self.kind is int else float)

    def values_column(self, d) -> np.ndarray:
        """The user-facing column (names as in the spec) of a DesignBatch."""
        if self.column is not None:
            return self.column(d)
        codes = getattr(d, self.batch_field)
        return np.asarray(self.choices, dtype=object)[codes] if self.choices else codes

    def expected(self) -> str:
        """What the spec may give, for messages and the README."""
        if self.choices:
            return f"one of {list(self.choices)}"
        if self.allowed:
            return f"one of {[f'{v:g}' for v in self.allowed]}{' ' + self.unit if self.unit else ''}"
        what = "an integer" if self.kind is int else "a number"
        unit = f" {self.unit}" if self.unit else ""
        nominal = f"'{self.word}' or " if self.nominal_ok else ""
        return f"{nominal}{what} in [{_num(self.minimum)}, {_num(self.maximum)}]{unit}"


def _num(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() and abs(x) < 1e15 else f"{x:g}"


def short(value: Any) -> str:
    """A value as it appears in a message: its repr, cut to MAX_SHOWN_CHARS characters."""
    try:
        text = repr(value)
    except Exception:  # an object whose repr fails still gets a one-line message
        text = f"<{type(value).__name__}>"
    return text if len(text) <= MAX_SHOWN_CHARS else text[:MAX_SHOWN_CHARS - 3] + "..."


def check(p: Param, value: Any) -> Any:
    """``value`` as ``p`` takes it (int, float or name); ValueError saying what was given and what is
    expected (the range with its unit), in one line, otherwise."""
    if p.nominal_ok and value == p.word:
        return value
    if p.choices:
        if not isinstance(value, str) or value not in p.choices:
            raise ValueError(f"got {short(value)}; expected {p.expected()}")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"got {short(value)}; expected {p.expected()} ({p.description})")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"got {short(value)}; expected {p.expected()}")
    if p.kind is int and not (isinstance(value, int) or value.is_integer()):
        raise ValueError(f"got {short(value)}; expected {p.expected()}")
    if p.allowed:
        if float(value) not in p.allowed:
            raise ValueError(f"got {short(value)}; expected {p.expected()}")
    elif value < p.minimum or value > p.maximum:  # exact comparison, also for integers beyond float range
        raise ValueError(f"got {short(value)}; expected {p.expected()} ({p.description})")
    return int(value) if p.kind is int else float(value)


def _names(names) -> Callable[[tuple], np.ndarray]:
    names = list(names)
    return lambda values: np.array([names.index(v) for v in values], dtype=np.int8)


_TOKENS = "engineering bound: 1 Mi tokens (the network's context is checked when it is built)"
_ARRAY_SIDE = ("engineering bound (issue 15): 16 x the 256 x 256 array of TPU v1 (Jouppi et al., ISCA 2017)")
_SPAD = ("engineering bound: 64 Ki words per PE, ~300 x Eyeriss's largest scratchpad (224 filter words, "
         "Chen et al., JSSC 2017)")

# Design-space parameters, in the order the space's points are numbered (dse.design).
def _flag(field: str, yes: str, no: str) -> dict:
    """``encode`` / ``column`` of a two-valued string parameter kept in ``DesignBatch.<field>`` as int8 1 (``yes``)
    or 0 (``no``)."""
    return dict(encode=lambda v: np.array([x == yes for x in v], dtype=np.int8),
                column=lambda d: np.where(getattr(d, field) == 1, yes, no).astype(object))


SPACE: dict[str, Param] = {p.name: p for p in (
    Param("pe_type", str, "INT8", "processing element type", choices=PE_NAMES,
          encode=lambda v: np.array([PE_NAMES.index(x) for x in v], dtype=np.int16),
          geometry=("pe_w_bits", "pe_a_bits", "acc_bits")),
    Param("pe_rows", int, 12, "PE array rows", minimum=1, maximum=4096, bound=_ARRAY_SIDE,
          geometry=("pe_rows",)),
    Param("pe_cols", int, 14, "PE array columns", minimum=1, maximum=4096, bound=_ARRAY_SIDE,
          geometry=("pe_cols",)),
    Param("spad_ifmap_words", int, 12, "per-PE ifmap scratchpad, words of the PE's activation width",
          minimum=1, maximum=65536, bound=_SPAD, geometry=("spad_ifmap_words",)),
    Param("spad_filter_words", int, 224, "per-PE filter scratchpad, words of the PE's weight width",
          minimum=1, maximum=65536, bound=_SPAD, geometry=("spad_filter_words",)),
    Param("spad_psum_words", int, 24, "per-PE partial-sum scratchpad, words of the accumulator width",
          minimum=1, maximum=65536, bound=_SPAD, geometry=("spad_psum_words",)),
    Param("glb_kib", float, 108.0, "global buffer capacity", unit="KiB", minimum=0.125, maximum=1048576.0,
          bound="engineering bound: 128 B to 1 GiB on chip (above Graphcore GC200's 900 MB); each "
                "organisation is also checked by the memory model before a run",
          field="glb_bytes", encode=lambda v: np.round(np.array(v, dtype=float) * BYTES_PER_KIB).astype(np.int64),
          column=lambda d: d.glb_bytes / BYTES_PER_KIB, geometry=("glb_bytes",)),
    Param("glb_tech", str, "SRAM", "global buffer technology", choices=tuple(TECH_NAMES),
          encode=lambda v: tech_codes(np.array(v)).astype(np.int8), iso_area=True),
    Param("glb_banks", int, 1, "global buffer banks (one 64-bit access per bank per cycle)", minimum=1,
          maximum=1024, bound="engineering bound: 1,024 banks, a 64 Kib-wide GLB port", iso_area=True),
    Param("dram_type", str, "LPDDR4", "DRAM interface (energy per bit)", choices=tuple(DRAM_TYPES)),
    Param("dram_bw_gbps", float, 25.6, "DRAM bandwidth", unit="GB/s", minimum=0.01, maximum=10000.0,
          bound="engineering bound (issue 15): 10 MB/s, below any DRAM interface, to 10 TB/s, above eight "
                "HBM3 stacks (8 x 819 GB/s, JEDEC JESD238)"),
    Param("clock_mhz", float, 200.0, "target clock (capped by the PE's fmax)", unit="MHz", minimum=1.0,
          maximum=10000.0, bound="engineering bound (issue 15): 1 MHz to 10 GHz; shipped CMOS logic tops "
                                 "out near 5.5 GHz"),
    Param("node_nm", float, 45.0, "technology node", unit="nm", allowed=SUPPORTED_NODES_NM,
          minimum=min(SUPPORTED_NODES_NM), maximum=max(SUPPORTED_NODES_NM),
          bound="the nodes pe_models.scaling has device data for", iso_area=True),
    Param("vdd_v", float, "nominal", "logic supply of PEs and clock network ('nominal' = the node's nominal; "
          "memories use their roadmap's supply)", unit="V", minimum=0.3, maximum=2.0, nominal_ok=True,
          bound="engineering bound: 0.3 V (near threshold) to 2.0 V (above 180 nm's 1.8 V); pe_models.scaling "
                "further takes 0.6-1.2 x the node's nominal",
          encode=lambda v: np.array([0.0 if x == "nominal" else float(x) for x in v]),  # 0: the nominal
          column=lambda d: d.supply_v),
    Param("dataflow", str, "row_stationary", "dataflow: Eyeriss row stationary; systolic weight / output / input "
          "stationary (SCALE-Sim v3 fold timing); weight stationary accumulating in the psum spad", choices=DATAFLOWS,
          geometry=("dataflow",)),
    Param("psum_width", str, "accumulator", "partial-sum word: full accumulator (w + a + 8 bits) or truncated "
          "to the activation width (Eyeriss keeps 16-bit psums)", choices=PSUM_WIDTHS, field="psum_activation",
          **_flag("psum_activation", "activation", "accumulator"),
          geometry=("psum_activation",)),
    Param("noc_multicast", str, "on", "NoC multicast (off: every destination PE costs its own GLB read)",
          choices=NOC_MULTICAST, **_flag("noc_multicast", "on", "off"),
          geometry=("noc_multicast",)),
    # 0.1 pJ/bit/mm at 40-45 nm: Keckler et al., IEEE Micro 31(5) 2011 (~26 pJ to move 256 bits 1 mm)
    Param("noc_pj_per_bit_mm", float, 0.1, "NoC wire energy per bit per mm (hop length = PE pitch)",
          unit="pJ/bit/mm", minimum=0.0, maximum=10.0,
          bound="engineering bound: 0 (NoC energy left out, as when comparing with tools that have none) to "
                "100 x the 0.1 pJ/bit/mm of 40-45 nm wires (Keckler et al., IEEE Micro 2011)"),
    # Device roadmap of on-chip memories (memory_models.technology): accelerators are built from
    # low-operating-power devices; "hp" (the NVSim/CACTI default) leaks ~30x more at 65-45 nm.
    Param("memory_roadmap", str, "lop", "on-chip memory device roadmap", choices=ROADMAPS, iso_area=True),
    # Eyeriss's filter spad was an SRAM macro, its ifmap and psum spads registers (Chen et al., JSSC 2017,
    # Sec. V-A); last in the space so that adding it kept every existing spec's point numbering
    Param("spad_filter_kind", str, "regfile", "how the per-PE filter scratchpad is built: latch register file, "
          "or an SRAM macro (denser, costlier per access)", choices=SPAD_KINDS),
    # Decoder (LLM) workloads, issue 16. 0 encodes the word: the workload's own value / off.
    Param("kv_bits", int, "model", "KV-cache width of decoder workloads: the cache operand of Q.K^T and P.V "
          "and what the K/V projections store ('model': the workload's own, precision.default.kv)",
          unit="bits", minimum=1, maximum=32, bound="the bit widths a layer carries (workloads.layer.Layer)",
          nominal_ok=True, word="model", encode=lambda v: np.array([0 if x == "model" else int(x) for x in v]),
          geometry=("kv_bits",)),
    Param("kv_len", int, "model", "decoder workloads: tokens already in the KV cache, as a sweep axis (one "
          "graph per value; 'model': workload.kv_len)", minimum=1, maximum=1048576, bound=_TOKENS,
          nominal_ok=True, word="model", encode=lambda v: np.array([0 if x == "model" else int(x) for x in v]),
          geometry=(GRAPH,)),
    Param("glb_area_mm2", float, "off", "iso-area global buffer: each technology gets its largest capacity "
          "(2^(1/8) steps) within this area; exclusive with glb_kib ('off': glb_kib sets the capacity)",
          unit="mm2", minimum=0.01, maximum=1000.0, nominal_ok=True, word="off",
          bound="engineering bound: 0.01 mm2 (a few KiB of SRAM at 45 nm) to 1,000 mm2 (above a full "
                "858 mm2 reticle); the smallest buffer of each technology is checked before a run",
          encode=lambda v: np.array([0.0 if x == "off" else float(x) for x in v]), geometry=("glb_bytes",)),
    # issue 13; last in the space so existing point numbering is kept
    Param("glb_bypass", str, "on", "operands may skip the GLB where the mapping objective prefers it (weights or "
          "ifmaps DRAM -> array at every array read, outputs array -> DRAM); off: only where no tiling fits",
          choices=GLB_BYPASS, **_flag("glb_bypass", "on", "off"), geometry=("glb_bypass",)),
    # issue 12: a chip runs its SRAMs and latch scratchpads at its core supply (Eyeriss: 1 V, JSSC 2017 Table V),
    # not at the roadmap's; last in the space so existing point numbering is kept
    Param("memory_vdd_v", float, "nominal", "supply of the on-chip memories, scratchpads and GLB ('nominal' = "
          "their roadmap's supply at the node); the memory models price every term at it: C V^2 "
          "energies, MRAM sense and write currents x V (the MTJ's own current and pulse fixed), leakage "
          "I_off V, delays from the devices' drive at V (alpha-power law; memory_models.technology)",
          unit="V", minimum=0.3, maximum=2.0, nominal_ok=True,
          bound="engineering bound as vdd_v; further 0.5-1.5 x the roadmap's supply (beyond it the roadmap's "
                "devices no longer describe the transistors) and at least 0.15 V above their threshold "
                "(strong inversion, memory_models.technology.MIN_OVERDRIVE_V)",
          encode=lambda v: np.array([0.0 if x == "nominal" else float(x) for x in v]),  # 0: the roadmap's
          column=lambda d: d.memory_supply_v),
    # issue 12: the clock and NoC wires run over the placed PE array, not over its cells alone (dse.clock); a chip's
    # published core area gives it (Eyeriss: sweeps/validation/eyeriss_alexnet.yaml); last in the space
    Param("placement_density", float, 1.0, "share of the placed PE array its cells fill: the clock tree and NoC "
          "wires span cell area / placement_density (1: the cells alone, a lower bound on wire length); "
          "reported areas stay cell area", minimum=0.05, maximum=1.0,
          bound="a share in (0, 1]; engineering bound 0.05 (a core 20x its cells' area)"),
    # issue 12: the PE's innermost temporal loop (row_stationary, weight_stationary_local), which operand a
    # register holds for a run of MACs (dse.dataflows, INNER_ORDERS); a chip's PE fixes it (Eyeriss:
    # sweeps/validation/eyeriss_alexnet.yaml); last in the space so existing point numbering is kept
    Param("pe_inner_order", str, "search", "the PE's innermost loop, a mapping choice ('search') or pinned: psum "
          "(the reduction innermost: the partial sum stays in the accumulator for the run), ifmap (filters "
          "innermost: one ifmap read serves the PE's filters), none (every MAC reads every operand; for "
          "comparisons with tools that model no operand register); the systolic dataflows hold their "
          "one-word registers whatever it is", choices=PE_INNER, geometry=("pe_inner_order",)),
    # issue 12: whether synthesis gates the PE's load-enabled registers (dse.clock); a chip that publishes
    # PE-level gating only and a 33-45 % clock share pins off (Eyeriss: sweeps/validation/eyeriss_alexnet.yaml);
    # last in the space so existing point numbering is kept
    Param("register_clock_gating", str, "on", "clock gating of the PE's load-enabled registers (NoC port registers, "
          "address counters, operand registers): on, one ICG per register bank, the flops clock only when "
          "they load (automatic clock-gating insertion); off, only the PE-level gate, every register behind it "
          "clocks each active cycle", choices=REGISTER_GATING, **_flag("register_clock_gating", "on", "off")),
)}

# Other numeric inputs of a spec, with their ranges.
BATCH = Param("batch", int, 1, "inferences per run (batch size)", minimum=1, maximum=65536,
              bound="engineering bound: 64 Ki inferences per run")
SEQ_LEN = Param("seq_len", int, 1, "new tokens in this step", minimum=1, maximum=1048576, bound=_TOKENS)
KV_LEN = Param("kv_len", int, 0, "tokens already in the KV cache", minimum=0, maximum=1048576, bound=_TOKENS)
CHUNK_POINTS = Param("chunk_points", int, 100_000, "design points per chunk", minimum=1, maximum=10_000_000,
                     bound="engineering bound: ~1 kB of results per point, 10 GB per chunk")
TOLERANCE = Param("tolerance", float, 0.2, "relative tolerance", minimum=1e-6, maximum=10.0,
                  bound="a relative error between 1 ppm and 1000 %")
PUBLISHED = Param("published", float, 1.0, "published value", minimum=1e-30, maximum=1e30,
                  bound="a positive, finite figure")
# precision: {policy: search} (dse.quant): candidate widths and the error budget
OPERAND_BITS = Param("bits", int, 8, "candidate operand width", unit="bits", minimum=2, maximum=16,
                     bound="the INT PEs of pe_models/catalog.py run 2..16-bit operands (narrower packed, wider in passes)")
MAX_ERROR = Param("max_error", float, 0.05, "error budget: summed per-layer normalized output MSE (dse sensitivity)",
                  minimum=1e-12, maximum=1e6, bound="a positive, finite budget (1 = output noise as large as the signal)")
SHARE = Param("share", float, 0.1, "share of on-chip power", minimum=0.0, maximum=1.0, bound="a share in [0, 1]")
ZERO_FRACTION = Param("ifmap_zero_fraction", float, 0.5, "share of zeros", minimum=1e-9, maximum=1 - 1e-9,
                      bound="a share in (0, 1)")


def markdown_table() -> str:
    """The README's design-space parameter table, generated from ``SPACE``."""
    rows = ["| parameter | meaning | values | default | range from |", "|---|---|---|---|---|"]
    for p in SPACE.values():
        values = ", ".join(p.choices) if p.choices else p.expected()
        default = p.default if not isinstance(p.default, float) else f"{p.default:g}"
        rows.append(f"| `{p.name}` | {p.description} | {values} | `{default}` | {p.bound or '-'} |")
    return "\n".join(rows) + "\n"


def _check_schema() -> None:
    """Real checks (``python -O`` keeps them): every numeric parameter has a range and its source, and
    every default is inside it."""
    for p in (*SPACE.values(), BATCH, SEQ_LEN, KV_LEN, CHUNK_POINTS, TOLERANCE, PUBLISHED, SHARE, ZERO_FRACTION):
        if not p.choices and (p.minimum is None or p.maximum is None or not p.bound):
            raise ValueError(f"dse.params: {p.name}: a numeric parameter needs a minimum, a maximum and their source")
        check(p, p.default)


_check_schema()
