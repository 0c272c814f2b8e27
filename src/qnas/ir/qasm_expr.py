"""OpenQASM 2 lexing and safe parameter expressions (no ``eval``).

Expressions are parsed into small tuples and evaluated with an environment of
gate-parameter values. Supported: numbers, ``pi``, ``+ - * / ^``, unary minus,
parentheses and the functions ``sin cos tan asin acos atan exp ln sqrt``.

>>> toks = tokenize("rz(-pi/2 + 2^-1) q[0];")
>>> p = TokenStream(toks)
>>> _ = p.next(), p.next()
>>> round(evaluate(parse_expr(p), {}), 6)
-1.070796
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

_TOKEN_RE = re.compile(
    r"(?P<ws>[ \t\r\f\v]+)|(?P<nl>\n)|(?P<comment>//[^\n]*)"
    r"|(?P<real>(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[0-9]+[eE][-+]?[0-9]+)"
    r"|(?P<int>[0-9]+)|(?P<id>[A-Za-z_][A-Za-z0-9_]*)|(?P<str>\"[^\"\n]*\")"
    r"|(?P<sym>->|==|[;,()\[\]{}+\-*/^])"
)

FUNCTIONS = {
    "sin": math.sin, "cos": math.cos, "tan": math.tan, "asin": math.asin,
    "acos": math.acos, "atan": math.atan, "exp": math.exp, "ln": math.log, "sqrt": math.sqrt,
}


@dataclass(frozen=True)
class Token:
    kind: str  # real | int | id | str | sym | eof
    text: str
    line: int


def qasm_error(line: int, msg: str) -> ValueError:
    return ValueError(f"QASM line {line}: {msg}")


def tokenize(text: str) -> list[Token]:
    """Split QASM source into tokens (comments dropped); bad characters raise ValueError."""
    out: list[Token] = []
    line, pos = 1, 0
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if m is None:
            raise qasm_error(line, f"unexpected character {text[pos]!r}")
        kind = m.lastgroup
        if kind == "nl":
            line += 1
        elif kind not in ("ws", "comment"):
            out.append(Token(kind, m.group(), line))
        pos = m.end()
    out.append(Token("eof", "<end of file>", line))
    return out


class TokenStream:
    """A cursor over tokens with ``expect`` helpers that raise line-numbered errors."""

    def __init__(self, tokens: list[Token]):
        self.toks = tokens
        self.i = 0

    def peek(self, k: int = 0) -> Token:
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def next(self) -> Token:
        t = self.peek()
        self.i = min(self.i + 1, len(self.toks) - 1)
        return t

    def at(self, text: str) -> bool:
        t = self.peek()
        return t.kind in ("sym", "id") and t.text == text

    def accept(self, text: str) -> bool:
        if self.at(text):
            self.next()
            return True
        return False

    def expect(self, text: str, what: str = "") -> Token:
        t = self.peek()
        if not self.at(text):
            if text == ";":
                prev = self.toks[self.i - 1] if self.i else t
                raise qasm_error(prev.line, f"missing ';' after {prev.text!r} (found {t.text!r})")
            raise qasm_error(t.line, f"expected {text!r}{what} but found {t.text!r}")
        return self.next()

    def expect_kind(self, kind: str, what: str) -> Token:
        t = self.peek()
        if t.kind != kind:
            raise qasm_error(t.line, f"expected {what} but found {t.text!r}")
        return self.next()


# --- expressions: ('num', v) | ('var', name, line) | ('neg', a) | ('bin', op, a, b)
#     | ('call', fn, a, line)
def parse_expr(ts: TokenStream):
    return _left_assoc(ts, ("+", "-"), _term)


def _term(ts: TokenStream):
    return _left_assoc(ts, ("*", "/"), _unary)


def _left_assoc(ts: TokenStream, ops: tuple[str, ...], operand):
    """``operand (op operand)*`` for the binary operators ``ops``, grouped to the left."""
    node = operand(ts)
    while any(ts.at(op) for op in ops):
        op = ts.next().text
        node = ("bin", op, node, operand(ts))
    return node


def _unary(ts: TokenStream):
    if ts.accept("-"):
        return ("neg", _unary(ts))
    if ts.accept("+"):
        return _unary(ts)
    base = _atom(ts)
    if ts.accept("^"):
        return ("bin", "^", base, _unary(ts))
    return base


def _atom(ts: TokenStream):
    t = ts.next()
    if t.kind in ("real", "int"):
        return ("num", float(t.text))
    if t.kind == "id":
        if t.text == "pi":
            return ("num", math.pi)
        if t.text in FUNCTIONS:
            ts.expect("(", f" after function {t.text!r}")
            arg = parse_expr(ts)
            ts.expect(")", f" to close {t.text}(")
            return ("call", t.text, arg, t.line)
        return ("var", t.text, t.line)
    if t.kind == "sym" and t.text == "(":
        node = parse_expr(ts)
        ts.expect(")", " to close '('")
        return node
    raise qasm_error(t.line, f"expected a parameter expression but found {t.text!r}")


def free_names(node) -> list[tuple[str, int]]:
    """``(name, line)`` of every variable used in an expression."""
    if node[0] == "var":
        return [(node[1], node[2])]
    if node[0] == "num":
        return []
    return [v for child in node[1:] if isinstance(child, tuple) for v in free_names(child)]


def evaluate(node, env: dict[str, float]) -> float:
    """Evaluate an expression; unknown names and math errors raise ValueError."""
    kind = node[0]
    if kind == "num":
        return node[1]
    if kind == "var":
        if node[1] not in env:
            raise qasm_error(node[2], f"unknown name {node[1]!r} in parameter expression")
        return env[node[1]]
    if kind == "neg":
        return -evaluate(node[1], env)
    if kind == "call":
        x = evaluate(node[2], env)
        try:
            return FUNCTIONS[node[1]](x)
        except (ValueError, OverflowError):
            raise qasm_error(node[3], f"{node[1]}({x!r}) is undefined") from None
    a, b = evaluate(node[2], env), evaluate(node[3], env)
    op = node[1]
    try:
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            return a / b
        return float(a**b)
    except (ZeroDivisionError, OverflowError, TypeError):
        raise ValueError(f"QASM: cannot evaluate {a!r} {op} {b!r}") from None
