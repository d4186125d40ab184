"""A small, safe expression language for the lecture's scalar graphs: ``(x + y) * z`` -> tensors.

    f = build_expression("(x + y) * z", {"x": -2, "y": 5, "z": -4})

Knows nothing about pictures: :mod:`chainrule.viz.expression` draws what this builds, and
:func:`chainrule.viz.compgraph.explain` uses it to read expression strings.

Grammar (Python's precedence; ``**`` binds tighter than unary minus and is right-associative)::

    expr  := term (("+" | "-") term)*
    term  := unary (("*" | "/") unary)*
    unary := ("-" | "+") unary | power
    power := atom ("**" unary)?
    atom  := NUMBER | NAME | NAME "(" expr ("," expr)* ")" | "(" expr ")"

Functions: max(a, b), min(a, b), exp, log, relu, sigmoid, tanh, sqrt, abs. Nothing is ever passed to
``eval``: text becomes tokens, tokens a syntax tree, and the tree is evaluated (iteratively) with chainrule's
ops on float64 scalar tensors, so backward runs through the same derivative table as everything else.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from ..errors import ChainruleError
from ..tensor import Tensor, tensor as _tensor

__all__ = ["ExpressionError", "parse", "parse_values", "variables", "build_expression", "evaluate", "FUNCTIONS",
           "Num", "Var", "Unary", "Binary", "Call"]

MAX_LENGTH = 10_000
MAX_DEPTH = 100  # nesting of parentheses, calls, unary minus and powers (the parser recurses ~5 frames a level)


class ExpressionError(ChainruleError, ValueError):
    """An expression that cannot be parsed or evaluated; ``position`` is the 0-based column (or None)."""

    def __init__(self, message: str, text: str | None = None, position: int | None = None):
        self.message, self.text, self.position = message, text, position
        full = message
        if text is not None and position is not None:
            full = f"{message} at position {position + 1}:\n  {text}\n  {' ' * position}^"
        super().__init__(full)


def _fn(name):
    from .. import ops
    return getattr(ops.elementwise, name)


# name -> (number of arguments, builder); builders take tensors or floats
FUNCTIONS = {
    "max": (2, lambda a, b: _fn("maximum")(a, b)),
    "min": (2, lambda a, b: _fn("minimum")(a, b)),
    "exp": (1, lambda a: _fn("exp")(a)),
    "log": (1, lambda a: _fn("log")(a)),
    "relu": (1, lambda a: _fn("relu")(a)),
    "sigmoid": (1, lambda a: _fn("sigmoid")(a)),
    "tanh": (1, lambda a: _fn("tanh")(a)),
    "sqrt": (1, lambda a: _fn("sqrt")(a)),
    "abs": (1, lambda a: _fn("abs")(a)),
}

_BINARY = {"+": "add", "-": "sub", "*": "mul", "/": "div", "**": "pow"}


# --- syntax tree ---------------------------------------------------------------------------------------

@dataclass
class Num:
    value: float
    pos: int


@dataclass
class Var:
    name: str
    pos: int


@dataclass
class Unary:
    op: str
    operand: object
    pos: int


@dataclass
class Binary:
    op: str
    left: object
    right: object
    pos: int


@dataclass
class Call:
    name: str
    args: list
    pos: int


# --- tokens --------------------------------------------------------------------------------------------

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\*\*|[-+*/(),])
""", re.VERBOSE)


@dataclass
class _Tok:
    kind: str   # number, name, op, end
    text: str
    pos: int


def _tokenize(text: str) -> list:
    toks, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            ch = text[pos]
            hint = ""
            if ch == "^":
                hint = " (write powers as x ** 2)"
            elif ch in "[]{}":
                hint = " (use parentheses for grouping)"
            raise ExpressionError(f"unexpected character {ch!r}{hint}", text, pos)
        kind = m.lastgroup
        if kind != "space":
            toks.append(_Tok(kind, m.group(), pos))
        pos = m.end()
    toks.append(_Tok("end", "", len(text)))
    return toks


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.toks = _tokenize(text)
        self.i = 0
        self.depth = 0

    def peek(self):
        return self.toks[self.i]

    def take(self):
        t = self.toks[self.i]
        self.i += 1
        return t

    def error(self, msg, tok=None):
        tok = tok or self.peek()
        return ExpressionError(msg, self.text, tok.pos)

    def expect(self, text, what):
        t = self.peek()
        if t.text != text or t.kind == "end":
            found = "the end of the expression" if t.kind == "end" else repr(t.text)
            raise self.error(f"expected {what}, found {found}", t)
        return self.take()

    def enter(self, tok):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"expression nested more than {MAX_DEPTH} levels deep", tok)

    def parse(self):
        if self.peek().kind == "end":
            raise self.error("empty expression")
        node = self.expr()
        t = self.peek()
        if t.kind != "end":
            if t.text == ")":
                raise self.error("unmatched ')'", t)
            raise self.error(f"unexpected {t.text!r} (missing operator?)", t)
        return node

    def expr(self):
        node = self.term()
        while self.peek().text in ("+", "-") and self.peek().kind == "op":
            op = self.take()
            node = Binary(op.text, node, self.term(), op.pos)
        return node

    def term(self):
        node = self.unary()
        while self.peek().text in ("*", "/") and self.peek().kind == "op":
            op = self.take()
            node = Binary(op.text, node, self.unary(), op.pos)
        return node

    def unary(self):
        t = self.peek()
        if t.kind == "op" and t.text in ("-", "+"):
            self.take()
            self.enter(t)
            operand = self.unary()
            self.depth -= 1
            if t.text == "+":
                return operand
            if isinstance(operand, Num):  # a negative literal is a number, not a neg gate
                return Num(-operand.value, t.pos)
            return Unary("-", operand, t.pos)
        return self.power()

    def power(self):
        base = self.atom()
        t = self.peek()
        if t.kind == "op" and t.text == "**":
            self.take()
            self.enter(t)
            exponent = self.unary()
            self.depth -= 1
            return Binary("**", base, exponent, t.pos)
        return base

    def atom(self):
        t = self.peek()
        if t.kind == "number":
            self.take()
            return Num(float(t.text), t.pos)
        if t.kind == "name":
            self.take()
            if self.peek().text == "(" and self.peek().kind == "op":
                return self.call(t)
            if t.text in FUNCTIONS:
                raise self.error(f"{t.text} is a function: call it as {t.text}(...)", t)
            return Var(t.text, t.pos)
        if t.text == "(":
            self.take()
            self.enter(t)
            node = self.expr()
            self.depth -= 1
            self.expect(")", "')' to close the '(' at position " + str(t.pos + 1))
            return node
        if t.kind == "end":
            raise self.error("the expression ends too early (missing operand)", t)
        raise self.error(f"expected a number, a name or '(', found {t.text!r}", t)

    def call(self, name_tok):
        if name_tok.text not in FUNCTIONS:
            raise self.error(f"unknown function {name_tok.text!r}; known: {', '.join(sorted(FUNCTIONS))}",
                             name_tok)
        arity = FUNCTIONS[name_tok.text][0]
        open_tok = self.take()
        self.enter(open_tok)
        args = []
        if self.peek().text == ")":
            raise self.error(f"{name_tok.text}() takes {arity} argument{'s' if arity > 1 else ''}, got none")
        while True:
            args.append(self.expr())
            if self.peek().text == "," and self.peek().kind == "op":
                self.take()
                continue
            break
        self.depth -= 1
        self.expect(")", f"')' to close {name_tok.text}(")
        if len(args) != arity:
            raise ExpressionError(f"{name_tok.text}() takes {arity} argument{'s' if arity > 1 else ''}, "
                                  f"got {len(args)}", self.text, name_tok.pos)
        return Call(name_tok.text, args, name_tok.pos)


def parse(text: str):
    """The syntax tree of ``text`` (Num, Var, Unary, Binary, Call nodes); raises :class:`ExpressionError`."""
    if not isinstance(text, str):
        raise TypeError(f"parse: expected a string, got {type(text).__name__}.")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression is {len(text)} characters long; the limit is {MAX_LENGTH}")
    try:
        return _Parser(text).parse()
    except RecursionError:  # only when called from an already deep stack
        raise ExpressionError(f"expression nested too deeply to parse (limit about {MAX_DEPTH} levels)") from None


def variables(tree) -> list:
    """The variable names used in a syntax tree, in order of first use."""
    out, stack = [], [tree]
    while stack:
        n = stack.pop()
        if isinstance(n, Var):
            if n.name not in out:
                out.append(n.name)
        elif isinstance(n, Unary):
            stack.append(n.operand)
        elif isinstance(n, Binary):
            stack.extend((n.right, n.left))
        elif isinstance(n, Call):
            stack.extend(reversed(n.args))
    return out


def parse_values(spec) -> dict:
    """``"x=3,y=-4,z=2"`` (or a dict) -> ``{"x": 3.0, "y": -4.0, "z": 2.0}``."""
    if spec is None:
        return {}
    if isinstance(spec, dict):
        out = {}
        for k, v in spec.items():
            try:
                out[str(k)] = float(v)
            except (TypeError, ValueError):
                raise ExpressionError(f"value of {k!r} must be a number, got {v!r}") from None
        return out
    out = {}
    for part in str(spec).split(","):
        part = part.strip()
        if not part:
            continue
        name, eq, num = part.partition("=")
        name, num = name.strip(), num.strip()
        if not eq or not name or not num:
            raise ExpressionError(f"bad value {part!r}: write name=number, e.g. x=3,y=-4")
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise ExpressionError(f"bad variable name {name!r} in {part!r}")
        if name in out:
            raise ExpressionError(f"{name} is given two values")
        try:
            out[name] = float(num)
        except ValueError:
            raise ExpressionError(f"value of {name} must be a number, got {num!r}") from None
    return out


def build_expression(expression, values=None, *, name: str = "f", name_intermediates: bool = True) -> Tensor:
    """Build ``expression`` with chainrule ops on float64 scalar tensors; returns the output tensor.

    ``values`` maps each variable to a number (a dict or ``"x=3,y=-4"``); each variable becomes a leaf tensor
    with ``requires_grad=True`` and its name. Intermediate results are named q1, q2, ... (in the order they
    are computed) so pictures and explanations can refer to them; the output is named ``name``.
    No backward is run.
    """
    text = expression if isinstance(expression, str) else None
    tree = parse(expression) if isinstance(expression, str) else expression
    vals = parse_values(values)
    names = variables(tree)
    missing = [n for n in names if n not in vals]
    if missing:
        given = f" (given: {', '.join(sorted(vals))})" if vals else ""
        raise ExpressionError(f"no value for {', '.join(missing)}: pass --values "
                              + ",".join(f"{n}=..." for n in missing) + given)
    leaves = {n: _tensor(vals[n], dtype=np.float64, requires_grad=True, name=n) for n in names}
    taken = set(names)
    counter = [0]

    def fresh():
        while True:
            counter[0] += 1
            q = f"q{counter[0]}"
            if q not in taken and q != name:
                return q

    # iterative post-order evaluation: a long chain like x+x+...+x must not hit the recursion limit
    results = {}
    stack = [(tree, False)]
    with np.errstate(all="ignore"):
        while stack:
            n, ready = stack.pop()
            if isinstance(n, Num):
                results[id(n)] = n.value
                continue
            if isinstance(n, Var):
                results[id(n)] = leaves[n.name]
                continue
            kids = [n.operand] if isinstance(n, Unary) else [n.left, n.right] if isinstance(n, Binary) else n.args
            if not ready:
                stack.append((n, True))
                stack.extend((k, False) for k in reversed(kids))
                continue
            args = [results.pop(id(k)) for k in kids]
            if isinstance(n, Unary):
                out = -args[0]
            elif isinstance(n, Binary):
                out = _binary(n.op, *args)
            else:
                out = FUNCTIONS[n.name][1](*args)
            where = n.name + "(...)" if isinstance(n, Call) else repr(n.op)
            value = out.data if isinstance(out, Tensor) else np.asarray(out)
            if not np.all(np.isfinite(value)):
                raise ExpressionError(f"{where} gives {float(value)} (division by zero, log of a non-positive "
                                      f"number or overflow?)", text, n.pos)
            if isinstance(out, Tensor) and name_intermediates:
                out.name = fresh()
            results[id(n)] = out
    out = results[id(tree)]
    if not isinstance(out, Tensor):
        out = _tensor(float(out), dtype=np.float64)
    out.name = name
    return out


#: The earlier name of `build_expression` (``chainrule.viz.evaluate``), kept for the code that calls it; it is
#: unrelated to `chainrule.train.evaluate`, which scores a model on data.
evaluate = build_expression


def _binary(op, a, b):
    from ..ops import elementwise as ew
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        a, b = float(a), float(b)
        if op == "/" and b == 0:
            return math.inf
        try:
            return {"+": a + b, "-": a - b, "*": a * b}[op] if op in "+-*" else (a / b if op == "/" else
                                                                                   float(np.power(a, b)))
        except (OverflowError, ZeroDivisionError):
            return math.inf
    return getattr(ew, _BINARY[op])(a, b)

