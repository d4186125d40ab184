"""Typed expressions drawn as the lecture's scalar graphs: ``(x + y) * z``.

    g = expression_graph("(x + y) * z", {"x": -2, "y": 5, "z": -4})
    g.render("f.svg")
    explain("max(x, y) * z", "x=3,y=-4,z=2")

The language itself (grammar, parser, :func:`build_expression`) lives in :mod:`chainrule.viz.language`; this
module joins it to the graph pictures, one way: it imports :mod:`chainrule.viz.compgraph`, never the reverse.
"""
from __future__ import annotations

from .compgraph import graph
from .language import (FUNCTIONS, Binary, Call, ExpressionError, Num, Unary, Var, build_expression, evaluate, parse,
                       parse_values, variables)

__all__ = ["ExpressionError", "parse", "parse_values", "build_expression", "evaluate", "expression_graph", "FUNCTIONS",
           "Num", "Var", "Unary", "Binary", "Call"]


def expression_graph(expression: str, values=None, *, name: str = "f", **graph_kw):
    """Parse ``expression``, build it on scalar tensors, run backward and return the annotated graph.

    ``backward(retain_graph=True)`` runs, so the leaf tensors' ``.grad`` hold df/dx (reachable through
    ``graph.values``); the returned :class:`~chainrule.viz.compgraph.Graph` shows values, gradients and gate roles.
    """
    f = build_expression(expression, values, name=name)
    if f.requires_grad:
        f.backward(retain_graph=True)
    return graph(f, **graph_kw)
