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

_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}();:,]|[^\s{}();:,"\\]+', re.S)
_COMMENT = re.compile(r"/\*.*?\*/", re.S)


class LibertyError(ValueError):
    """A Liberty file we cannot use; the message names the file and what is wrong."""


@dataclass
class Group:
    kind: str
    args: list[str]
    attrs: dict[str, object] = field(default_factory=dict)
    groups: list["Group"] = field(default_factory=list)

    def sub(self, kind: str) -> list["Group"]:
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
class EnergyTable:
    """Internal energy of one internal_power group: rise and fall tables."""

    rise: Lut
    fall: Lut

    def at(self, slew_ns: float, load_pf: float) -> float:
        """Mean of the rise and fall energy per transition (pJ)."""
        return 0.5 * (self.rise.at(slew_ns, load_pf) + self.fall.at(slew_ns, load_pf))


@dataclass(frozen=True)
class Pin:
    name: str
    direction: str
    capacitance_pf: float
    function: str | None
    energy: tuple[EnergyTable, ...]  # internal-power tables of this pin (averaged when used)


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
    path: Path  # the file as given (.lib or .lib.gz)
    text_path: Path  # an uncompressed copy for tools that cannot read gzip (yosys 0.23, OpenSTA 2.0)
    nom_voltage_v: float
    cells: dict[str, Cell]


def _floats(text: str | list[str]) -> np.ndarray:
    parts = text if isinstance(text, list) else [text]
    return np.array([float(x) for p in parts for x in p.replace(",", " ").replace("\\", " ").split()])


def _lut(grp: Group, templates: dict[str, Group], energy_scale: float) -> Lut:
    tmpl = templates.get(grp.args[0]) if grp.args else None
    vals = _floats(grp.attrs["values"]) * energy_scale

    def axis(k: int) -> np.ndarray | None:
        key = f"index_{k}"
        if key in grp.attrs:
            return _floats(grp.attrs[key])
        if tmpl is not None and key in tmpl.attrs:
            return _floats(tmpl.attrs[key])
        return None

    i1, i2 = axis(1), axis(2)
    if vals.size == 1 or i1 is None:
        return Lut(None, None, vals[:1])
    if i2 is None:
        return Lut(i1, None, vals)
    var1 = str(tmpl.attrs.get("variable_1", "")) if tmpl is not None else ""
    if "capacitance" in var1:  # stored as (load, slew): transpose to (slew, load)
        return Lut(i2, i1, vals.reshape(len(i1), len(i2)).T)
    return Lut(i1, i2, vals.reshape(len(i1), len(i2)))


def _energy_table(ipow: Group, templates: dict[str, Group], energy_scale: float) -> EnergyTable | None:
    rise = next(iter(ipow.sub("rise_power")), None)
    fall = next(iter(ipow.sub("fall_power")), None)
    if rise is None and fall is None:
        return None
    rise_lut = _lut(rise or fall, templates, energy_scale)
    fall_lut = _lut(fall or rise, templates, energy_scale)
    return EnergyTable(rise_lut, fall_lut)


def load(path: str | Path) -> Library:
    """Read a .lib or .lib.gz file."""
    path = Path(path).resolve()
    if not path.is_file():
        raise LibertyError(f"{path}: Liberty file not found")
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", errors="replace") as fh:
        text = fh.read()
    text_path = path
    if path.suffix == ".gz":
        digest = hashlib.sha256(text.encode()).hexdigest()[:16]
        text_path = Path(tempfile.gettempdir()) / f"{path.stem}.{digest}.lib"
        if not text_path.exists():
            tmp = text_path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(text)
            tmp.replace(text_path)
    lib = parse(text)
    try:
        cap_unit = lib.attrs["capacitive_load_unit"]
        cap_pf = float(cap_unit[0]) * _si(cap_unit[1], "f") / 1e-12
        leak_uw = _si(lib.attrs.get("leakage_power_unit", "1uW"), "W") / 1e-6
        vdd = float(lib.attrs["nom_voltage"])
    except (KeyError, AttributeError) as exc:
        raise LibertyError(f"{path}: missing or unreadable library unit attribute ({exc})") from None
    # internal power is energy per transition in cap_unit * V^2; convert to pJ (pF * V^2)
    energy_pj = cap_pf
    templates = {g.args[0]: g for g in lib.groups if g.kind in ("power_lut_template", "lu_table_template")}
    cells: dict[str, Cell] = {}
    for cg in lib.sub("cell"):
        pins: dict[str, Pin] = {}
        for pg in cg.sub("pin"):
            tables = [_energy_table(ip, templates, energy_pj) for ip in pg.sub("internal_power")]
            for name in pg.args:
                pins[name] = Pin(
                    name=name,
                    direction=str(pg.attrs.get("direction", "")),
                    capacitance_pf=float(pg.attrs.get("capacitance", 0.0)) * cap_pf,
                    function=pg.attrs.get("function"),
                    energy=tuple(t for t in tables if t is not None),
                )
        ff = None
        ffs = cg.sub("ff")
        if ffs:
            g = ffs[0]
            ff = FlipFlop(g.args[0], g.args[1], g.attrs["next_state"], g.attrs["clocked_on"],
                          g.attrs.get("clear"), g.attrs.get("preset"))
        leak = cg.attrs.get("cell_leakage_power")
        if leak is None:
            states = [float(lp.attrs["value"]) for lp in cg.sub("leakage_power") if "value" in lp.attrs]
            leak = np.mean(states) if states else 0.0
        cells[cg.args[0]] = Cell(cg.args[0], float(cg.attrs.get("area", 0.0)), float(leak) * leak_uw, pins, ff)
    return Library(lib.args[0], path, text_path, vdd, cells)
