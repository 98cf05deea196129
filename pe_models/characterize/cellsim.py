"""Behavioural Verilog models of Liberty cells, for simulating a mapped netlist.

Each output becomes ``assign #D PIN = <function>;`` with D the cell's Liberty delay in ps
(an inertial delay: the simulation shows the glitches that unequal path delays cause and
filters pulses shorter than a gate delay, as real gates do); each flip-flop becomes an
edge-triggered register with its asynchronous clear/preset.
"""

from __future__ import annotations

import re
from functools import cache

from pe_models.characterize.liberty import Cell, Library

_BOOL_TOKEN = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_\[\]]*|[01]|[!'&*|+^()])")


class _BoolParser:
    """Liberty boolean syntax -> expression tree: ! and postfix ' are NOT, & * and juxtaposition
    are AND, ^ is XOR, | + are OR (precedence NOT > AND > XOR > OR, with parentheses).
    Nodes: ("or"|"xor"|"and", [children]), ("not", child), ("const", 0|1), ("var", name)."""

    def __init__(self, text: str):
        self.toks = list(_BOOL_TOKEN.findall(text))
        self.i = 0

    def peek(self) -> str | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> str:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def parse(self) -> tuple:
        out = self.or_()
        if self.peek() is not None:
            raise ValueError(f"unexpected {self.peek()!r}")
        return out

    def _chain(self, op: str, ops: tuple[str, ...], sub) -> tuple:
        terms = [sub()]
        while self.peek() in ops:
            self.take()
            terms.append(sub())
        return terms[0] if len(terms) == 1 else (op, terms)

    def or_(self) -> tuple:
        return self._chain("or", ("|", "+"), self.xor)

    def xor(self) -> tuple:
        return self._chain("xor", ("^",), self.and_)

    def and_(self) -> tuple:
        terms = [self.unary()]
        while self.peek() is not None and self.peek() not in ("|", "+", "^", ")"):
            if self.peek() in ("&", "*"):
                self.take()
            terms.append(self.unary())
        return terms[0] if len(terms) == 1 else ("and", terms)

    def unary(self) -> tuple:
        if self.peek() == "!":
            self.take()
            out = ("not", self.unary())
        elif self.peek() == "(":
            self.take()
            out = self.or_()
            if self.take() != ")":
                raise ValueError("missing )")
        else:
            tok = self.take()
            out = ("const", int(tok)) if tok in ("0", "1") else ("var", tok)
        while self.peek() == "'":
            self.take()
            out = ("not", out)
        return out


_VERILOG_OP = {"or": " | ", "xor": " ^ ", "and": " & "}


def _verilog(node: tuple) -> str:
    kind, arg = node
    if kind == "var":
        return arg
    if kind == "const":
        return f"1'b{arg}"
    if kind == "not":
        return f"(~{_verilog(arg)})"
    return "(" + _VERILOG_OP[kind].join(_verilog(a) for a in arg) + ")"


def _value(node: tuple, env: dict[str, int]) -> int:
    kind, arg = node
    if kind == "var":
        return env[arg]
    if kind == "const":
        return arg
    if kind == "not":
        return 1 - _value(arg, env)
    vals = [_value(a, env) for a in arg]
    if kind == "and":
        return int(all(vals))
    if kind == "or":
        return int(any(vals))
    return sum(vals) % 2  # xor


@cache  # a library has a few hundred distinct functions, evaluated per instance
def _tree(function: str) -> tuple:
    try:
        return _BoolParser(function).parse()
    except (ValueError, IndexError) as exc:
        raise ValueError(f"cannot translate Liberty function {function!r}: {exc}") from None


def to_verilog(function: str) -> str:
    """Translate a Liberty boolean function to a Verilog expression."""
    return _verilog(_tree(function))


def variables(function: str) -> set[str]:
    """Pin/state names a Liberty boolean function reads."""
    out, stack = set(), [_tree(function)]
    while stack:
        kind, arg = stack.pop()
        if kind == "var":
            out.add(arg)
        elif kind == "not":
            stack.append(arg)
        elif kind != "const":
            stack.extend(arg)
    return out


def evaluate(function: str, env: dict[str, int]) -> int:
    """Value (0/1) of a Liberty boolean function for the given pin values."""
    return _value(_tree(function), env)


def cell_model(cell: Cell, delay_ps: dict[str, int] | int = 1) -> str:
    """Verilog module for one cell; each output has an inertial delay (ps) per pin (dict) or one
    for all pins (int; 0 gives zero-delay simulation, which hides glitches)."""
    pins = [p for p in cell.pins.values() if p.direction in ("input", "output")]
    lines = [f"module {cell.name} ({', '.join(p.name for p in pins)});"]
    lines += [f"  {p.direction} {p.name};" for p in pins]
    if cell.ff is not None:
        ff = cell.ff
        lines += [f"  reg {ff.state} = 1'b0;", f"  wire {ff.state_n} = ~{ff.state};"]
        lines.append(f"  wire clk_i = {to_verilog(ff.clocked_on)};")
        lines.append(f"  wire d_i = {to_verilog(ff.next_state)};")
        events, body = ["posedge clk_i"], []
        if ff.clear:
            lines.append(f"  wire clr_i = {to_verilog(ff.clear)};")
            events.append("posedge clr_i")
            body.append(f"if (clr_i) {ff.state} <= 1'b0; else")
        if ff.preset:
            lines.append(f"  wire pre_i = {to_verilog(ff.preset)};")
            events.append("posedge pre_i")
            body.append(f"if (pre_i) {ff.state} <= 1'b1; else")
        body.append(f"{ff.state} <= d_i;")
        lines.append(f"  always @({' or '.join(events)}) " + " ".join(body))
    for p in cell.outputs:
        if p.function is None:
            raise ValueError(f"cell {cell.name} output {p.name} has no function")
        d = delay_ps.get(p.name, 1) if isinstance(delay_ps, dict) else delay_ps
        lines.append(f"  assign #{d} {p.name} = {to_verilog(p.function)};")
    lines.append("endmodule")
    return "\n".join(lines)


def library_models(lib: Library, delays_ps: dict[str, dict[str, int] | int]) -> str:
    """Verilog models of the cells named in ``delays_ps`` (cell -> per-pin or uniform delay, ps)."""
    return "\n\n".join(cell_model(lib.cells[n], d) for n, d in sorted(delays_ps.items())) + "\n"
