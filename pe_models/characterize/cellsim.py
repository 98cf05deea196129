"""Behavioural Verilog models of Liberty cells, for simulating a mapped netlist.

Each output becomes ``assign #D PIN = <function>;`` with D the cell's Liberty delay in ps
(an inertial delay: the simulation shows the glitches that unequal path delays cause and
filters pulses shorter than a gate delay, as real gates do); each flip-flop becomes an
edge-triggered register with its asynchronous clear/preset.
"""

from __future__ import annotations

import re

from pe_models.characterize.liberty import Cell, Library

_BOOL_TOKEN = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_\[\]]*|[01]|[!'&*|+^()])")


class _BoolParser:
    """Liberty boolean syntax -> Verilog: ! and postfix ' are NOT, & * and juxtaposition are
    AND, ^ is XOR, | + are OR (precedence NOT > AND > XOR > OR, with parentheses)."""

    def __init__(self, text: str):
        self.toks = [t for t in _BOOL_TOKEN.findall(text)]
        self.i = 0

    def peek(self) -> str | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> str:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def parse(self) -> str:
        out = self.or_()
        if self.peek() is not None:
            raise ValueError(f"unexpected {self.peek()!r}")
        return out

    def or_(self) -> str:
        terms = [self.xor()]
        while self.peek() in ("|", "+"):
            self.take()
            terms.append(self.xor())
        return terms[0] if len(terms) == 1 else "(" + " | ".join(terms) + ")"

    def xor(self) -> str:
        terms = [self.and_()]
        while self.peek() == "^":
            self.take()
            terms.append(self.and_())
        return terms[0] if len(terms) == 1 else "(" + " ^ ".join(terms) + ")"

    def and_(self) -> str:
        terms = [self.unary()]
        while self.peek() is not None and self.peek() not in ("|", "+", "^", ")"):
            if self.peek() in ("&", "*"):
                self.take()
            terms.append(self.unary())
        return terms[0] if len(terms) == 1 else "(" + " & ".join(terms) + ")"

    def unary(self) -> str:
        if self.peek() == "!":
            self.take()
            out = f"(~{self.unary()})"
        elif self.peek() == "(":
            self.take()
            out = self.or_()
            if self.take() != ")":
                raise ValueError("missing )")
        else:
            tok = self.take()
            out = {"0": "1'b0", "1": "1'b1"}.get(tok, tok)
        while self.peek() == "'":
            self.take()
            out = f"(~{out})"
        return out


def to_verilog(function: str) -> str:
    """Translate a Liberty boolean function to a Verilog expression."""
    try:
        return _BoolParser(function).parse()
    except (ValueError, IndexError) as exc:
        raise ValueError(f"cannot translate Liberty function {function!r}: {exc}") from None


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
