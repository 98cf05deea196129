"""The parts of a Liberty (.lib) standard-cell library that characterization needs.

A small reader for the Liberty syntax (groups, simple and complex attributes), then typed
views: per cell its area, leakage, pin capacitances, logic functions, flip-flop behaviour and
internal-energy tables. Units are normalised on read: capacitance in pF, energy in pJ
(Liberty internal power is energy per transition in capacitive_load_unit x voltage_unit^2),
leakage in uW, time in ns.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}();:,]|[^\s{}();:,"\\]+', re.DOTALL)
_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


class LibertyError(ValueError):
    """A Liberty file we cannot use; the message names the file and what is wrong."""


@dataclass
class Group:
    kind: str
    args: list[str]
    attrs: dict[str, object] = field(default_factory=dict)
    groups: list[Group] = field(default_factory=list)

    def sub(self, kind: str) -> list[Group]:
        return [g for g in self.groups if g.kind == kind]


def _unquote(tok: str) -> str:
    return tok[1:-1] if tok.startswith('"') else tok


def parse(text: str) -> Group:
    """Parse Liberty text into its top-level ``library`` group."""
    toks = _TOKEN.findall(_COMMENT.sub(" ", text))
    root = Group("root", [])
    stack, i, n = [root], 0, len(toks)
    while i < n:
        tok = toks[i]
        if tok == "}":
            stack.pop()
            i += 1
            continue
        if tok == ";":
            i += 1
            continue
        nxt = toks[i + 1] if i + 1 < n else ""
        if nxt == ":":  # simple attribute: name : value ;
            stack[-1].attrs[tok] = _unquote(toks[i + 2])
            i += 3
        elif nxt == "(":  # group or complex attribute: name ( args ) { ... } | ;
            j, args = i + 2, []
            while toks[j] != ")":
                if toks[j] != ",":
                    args.append(_unquote(toks[j]))
                j += 1
            if j + 1 < n and toks[j + 1] == "{":
                grp = Group(tok, args)
                stack[-1].groups.append(grp)
                stack.append(grp)
                i = j + 2
            else:
                stack[-1].attrs[tok] = args
                i = j + 1
        else:
            i += 1
    libs = root.sub("library")
    if not libs:
        raise LibertyError("no library group")
    return libs[0]


_UNIT = re.compile(r"([0-9.]*)\s*([a-zA-Z]+)")
_SI = {"f": 1e-15, "p": 1e-12, "n": 1e-9, "u": 1e-6, "m": 1e-3, "": 1.0}


def _si(text: str, base: str) -> float:
    """'1pW' with base 'W' -> 1e-12."""
    num, unit = _UNIT.fullmatch(text.strip()).groups()
    prefix = unit[: -len(base)] if unit.lower().endswith(base.lower()) else unit
    return float(num or 1.0) * _SI[prefix.lower() if prefix != "m" else "m"]


@dataclass(frozen=True)
class Lut:
    """One energy look-up table (pJ per transition) over input slew (ns) and output load (pF)."""

    slew_ns: np.ndarray | None  # None: scalar table
    load_pf: np.ndarray | None  # None: no load axis
    values_pj: np.ndarray  # shape (len(slew), len(load)) or (len(slew),) or (1,)

    def at(self, slew_ns: float, load_pf: float) -> float:
        """Bilinear in (slew, load), clamped to the table's range."""
        if self.slew_ns is None:
            return float(self.values_pj.reshape(-1)[0])
        s = np.clip(slew_ns, self.slew_ns[0], self.slew_ns[-1])
        if self.load_pf is None:
            return float(np.interp(s, self.slew_ns, self.values_pj.reshape(-1)))
        c = np.clip(load_pf, self.load_pf[0], self.load_pf[-1])
        by_slew = np.array([np.interp(c, self.load_pf, row) for row in self.values_pj])
        return float(np.interp(s, self.slew_ns, by_slew))


@dataclass(frozen=True)
class RiseFall:
    """A rise/fall table pair: internal energy (pJ) of an internal_power group, or the cell
    delay (ns) of a timing arc."""

    rise: Lut
    fall: Lut
    related_pin: str | None = None  # the input whose transition this group describes
    when: str | None = None  # state condition (Liberty boolean) under which the group applies

    def at(self, slew_ns: float, load_pf: float) -> float:
        """Mean of the rise and fall values."""
        return 0.5 * (self.rise.at(slew_ns, load_pf) + self.fall.at(slew_ns, load_pf))


@dataclass(frozen=True)
class Pin:
    name: str
    direction: str
    capacitance_pf: float
    function: str | None
    energy: tuple[RiseFall, ...]  # internal-power tables of this pin (averaged when used)
    delay: tuple[RiseFall, ...] = ()  # cell_rise/cell_fall tables of the pin's timing arcs (ns)
    transition: tuple[RiseFall, ...] = ()  # rise/fall_transition tables of the same arcs (ns)


@dataclass(frozen=True)
class FlipFlop:
    state: str  # e.g. IQ
    state_n: str  # e.g. IQN
    next_state: str
    clocked_on: str
    clear: str | None
    preset: str | None


@dataclass(frozen=True)
class Cell:
    name: str
    area_um2: float
    leakage_uw: float
    pins: dict[str, Pin]
    ff: FlipFlop | None

    @property
    def outputs(self) -> list[Pin]:
        return [p for p in self.pins.values() if p.direction == "output"]

    @property
    def inputs(self) -> list[Pin]:
        return [p for p in self.pins.values() if p.direction == "input"]


@dataclass(frozen=True)
class Library:
    name: str
    path: Path  # the (first) file as given (.lib or .lib.gz)
    source: str  # all files, '+'-joined, as passed to load()
    text_path: (
        Path  # uncompressed copy for the tools (yosys 0.23, OpenSTA 2.0 cannot read gzip), see tool_text
    )
    nom_voltage_v: float
    time_unit_ns: float  # the library's (and OpenSTA's command) time unit, in ns
    cells: dict[str, Cell]


def _floats(text: str | list[str]) -> np.ndarray:
    parts = text if isinstance(text, list) else [text]
    return np.array([float(x) for p in parts for x in p.replace(",", " ").replace("\\", " ").split()])


@dataclass(frozen=True)
class _Units:
    """Factors from the library's units to ours (ns, pF, pJ)."""

    time_ns: float
    cap_pf: float

    @property
    def energy_pj(self) -> float:  # internal power tables are in cap_unit * voltage_unit^2
        return self.cap_pf


def _lut(grp: Group, templates: dict[str, Group], value_scale: float, u: _Units) -> Lut:
    tmpl = templates.get(grp.args[0]) if grp.args else None
    vals = _floats(grp.attrs["values"]) * value_scale

    def axis(k: int) -> np.ndarray | None:
        key = f"index_{k}"
        if key in grp.attrs:
            return _floats(grp.attrs[key])
        if tmpl is not None and key in tmpl.attrs:
            return _floats(tmpl.attrs[key])
        return None

    i1, i2 = axis(1), axis(2)
    var1 = str(tmpl.attrs.get("variable_1", "")) if tmpl is not None else ""
    if vals.size == 1 or i1 is None:
        return Lut(None, None, vals[:1])
    if i2 is None:
        return (
            Lut(i1 * u.time_ns, None, vals)
            if "capacitance" not in var1
            else Lut(None, None, vals[:1] * 0 + vals.mean())
        )
    if "capacitance" in var1:  # stored as (load, slew): transpose to (slew, load)
        return Lut(i2 * u.time_ns, i1 * u.cap_pf, vals.reshape(len(i1), len(i2)).T)
    return Lut(i1 * u.time_ns, i2 * u.cap_pf, vals.reshape(len(i1), len(i2)))


def _pair(
    grp: Group, rise_kind: str, fall_kind: str, templates: dict[str, Group], scale: float, u: _Units
) -> RiseFall | None:
    rise = next(iter(grp.sub(rise_kind)), None)
    fall = next(iter(grp.sub(fall_kind)), None)
    if rise is None and fall is None:
        return None
    related = grp.attrs.get("related_pin")
    return RiseFall(
        _lut(rise or fall, templates, scale, u),
        _lut(fall or rise, templates, scale, u),
        related.split()[0] if isinstance(related, str) and related.strip() else None,
        grp.attrs.get("when"),
    )


def _strip_groups(text: str, kind: str) -> str:
    """Remove every ``kind (...) { ... }`` group (brace-matched) from Liberty text."""
    out, pos = [], 0
    for m in re.finditer(rf"\b{kind}\s*\([^)]*\)\s*\{{", text):
        if m.start() < pos:
            continue
        depth, i = 1, m.end()
        while depth:
            c = text[i]
            depth += (c == "{") - (c == "}")
            i += 1
        out.append(text[pos : m.start()])
        pos = i
    return "".join(out) + text[pos:]


def tool_text(text: str) -> str:
    """Liberty text the external tools accept: scan-test descriptions (test_cell groups, which
    yosys 0.23 cannot parse in GF180MCU) removed; they play no part in the functional netlist."""
    return _strip_groups(text, "test_cell")


def _read(path: Path) -> str:
    if not path.is_file():
        raise LibertyError(f"{path}: Liberty file not found")
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", errors="replace") as fh:
        return fh.read()


def _groups_text(text: str, kind: str) -> list[tuple[str, str]]:
    """(name, text) of every top-level-in-library ``kind (name) { ... }`` group."""
    out = []
    for m in re.finditer(rf"\b{kind}\s*\(\s*\"?([^)\"]*)\"?\s*\)\s*\{{", text):
        depth, i = 1, m.end()
        while depth:
            depth += (text[i] == "{") - (text[i] == "}")
            i += 1
        out.append((m.group(1), text[m.start() : i]))
    return out


def merge_text(texts: list[str]) -> str:
    """One library from several files of one cell library (e.g. ASAP7 ships SIMPLE, INVBUF, AO,
    OA, SEQ separately; yosys 0.23's abc/dfflibmap take one file): the first file's header, plus
    the cells and missing table templates of the others. Units must agree (checked)."""
    libs = [parse(t) for t in texts]
    for key in ("time_unit", "capacitive_load_unit", "leakage_power_unit", "nom_voltage"):
        vals = {str(lib.attrs.get(key)) for lib in libs}
        if len(vals) > 1:
            raise LibertyError(f"cannot merge libraries with different {key}: {sorted(vals)}")
    base = texts[0]
    have_cells = {c.args[0] for c in libs[0].sub("cell")}
    have_tmpl = {g.args[0] for g in libs[0].groups if g.kind.endswith("template")}
    extra = []
    for text in texts[1:]:
        for kind in ("lu_table_template", "power_lut_template"):
            for name, body in _groups_text(text, kind):
                if name not in have_tmpl:
                    have_tmpl.add(name)
                    extra.append(body)
        for name, body in _groups_text(text, "cell"):
            if name not in have_cells:
                have_cells.add(name)
                extra.append(body)
    end = base.rstrip().rfind("}")
    return base[:end] + "\n".join(extra) + "\n}\n"


def load(path: str | Path) -> Library:
    """Read a .lib or .lib.gz file, or several joined by '+' (merged, see merge_text)."""
    paths = [Path(p).resolve() for p in str(path).split("+")]
    texts = [_read(p) for p in paths]
    text = texts[0] if len(texts) == 1 else merge_text(texts)
    path = paths[0]
    lib = parse(text)
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    text_path = Path(tempfile.gettempdir()) / f"{lib.args[0]}.{digest}.lib"
    if not text_path.exists():
        tmp = text_path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(tool_text(text))
        tmp.replace(text_path)
    try:
        cap_unit = lib.attrs["capacitive_load_unit"]
        cap_pf = float(cap_unit[0]) * _si(cap_unit[1], "f") / 1e-12
        leak_uw = _si(lib.attrs.get("leakage_power_unit", "1uW"), "W") / 1e-6
        time_ns = _si(lib.attrs.get("time_unit", "1ns"), "s") / 1e-9
        vdd = float(lib.attrs["nom_voltage"])
    except (KeyError, AttributeError) as exc:
        raise LibertyError(f"{path}: missing or unreadable library unit attribute ({exc})") from None
    # internal power is energy per transition in cap_unit * V^2; convert to pJ (pF * V^2)
    u = _Units(time_ns, cap_pf)
    templates = {g.args[0]: g for g in lib.groups if g.kind in ("power_lut_template", "lu_table_template")}
    cells: dict[str, Cell] = {}
    for cg in lib.sub("cell"):
        pins: dict[str, Pin] = {}
        for pg in cg.sub("pin"):
            tables = [
                _pair(ip, "rise_power", "fall_power", templates, u.energy_pj, u)
                for ip in pg.sub("internal_power")
            ]
            arcs = [tg for tg in pg.sub("timing")
                    if tg.attrs.get("timing_type", "combinational") in ("combinational", "rising_edge", "falling_edge")]
            delays = [_pair(tg, "cell_rise", "cell_fall", templates, u.time_ns, u) for tg in arcs]
            slews = [_pair(tg, "rise_transition", "fall_transition", templates, u.time_ns, u) for tg in arcs]
            for name in pg.args:
                pins[name] = Pin(
                    name=name,
                    direction=str(pg.attrs.get("direction", "")),
                    capacitance_pf=float(pg.attrs.get("capacitance", 0.0)) * cap_pf,
                    function=pg.attrs.get("function"),
                    energy=tuple(t for t in tables if t is not None),
                    delay=tuple(t for t in delays if t is not None),
                    transition=tuple(t for t in slews if t is not None),
                )
        ff = None
        ffs = cg.sub("ff")
        if ffs:
            g = ffs[0]
            ff = FlipFlop(
                g.args[0],
                g.args[1],
                g.attrs["next_state"],
                g.attrs["clocked_on"],
                g.attrs.get("clear"),
                g.attrs.get("preset"),
            )
        leak = cg.attrs.get("cell_leakage_power")
        if leak is None:
            states = [float(lp.attrs["value"]) for lp in cg.sub("leakage_power") if "value" in lp.attrs]
            leak = np.mean(states) if states else 0.0
        cells[cg.args[0]] = Cell(
            cg.args[0], float(cg.attrs.get("area", 0.0)), float(leak) * leak_uw, pins, ff
        )
    return Library(lib.args[0], path, "+".join(map(str, paths)), text_path, vdd, time_ns, cells)
