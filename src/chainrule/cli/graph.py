"""``chainrule graph "EXPRESSION" --values x=3,y=-4,z=2``: draw a scalar expression's graph with its gradients.

The ``chainrule`` command's main module calls :func:`register` with its subparsers; the parsed arguments
come back to :func:`run_graph`, which returns the exit status (errors raise, for the command to report). Standalone:
``python -m chainrule.cli.graph "(x+y)*z" --values x=-2,y=5,z=-4 --explain``.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import EXIT_INCOMPLETE, EXIT_OK

__all__ = ["register", "run_graph", "main"]

_EPILOG = """\
examples:
  chainrule graph "(x + y) * z" --values x=-2,y=5,z=-4 --explain
  chainrule graph "max(x, y) * z" --values x=3,y=-4,z=2 --out max.png
  chainrule graph "sigmoid(w0*x0 + w1*x1 + w2)" --values w0=2,x0=-1,w1=-3,x1=-2,w2=-3 --out neuron.dot

operators: + - * / ** (power), unary minus, parentheses
functions: max(a, b), min(a, b), exp, log, relu, sigmoid, tanh, sqrt, abs
"""


def register(subparsers) -> argparse.ArgumentParser:
    """Register the ``graph`` subcommand on an argparse ``subparsers`` object; sets ``func=run_graph``."""
    p = subparsers.add_parser(
        "graph", help="draw a scalar expression's computational graph with values and gradients",
        description="Build EXPRESSION on scalar tensors, run backward, and draw the graph: every value with "
                    "its forward value (green) and gradient (red), every op with its gate role "
                    "(distributor, swap multiplier, router, adder).",
        epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("expression", help='the expression, e.g. "(x + y) * z" (quote it for the shell)')
    p.add_argument("--values", default="", metavar="NAME=NUM,...",
                   help="a value for every variable, e.g. x=3,y=-4,z=2")
    p.add_argument("--out", default="graph.svg", metavar="FILE",
                   help="output file: .svg, .png or .pdf (needs Graphviz), or .dot (DOT text); default graph.svg")
    p.add_argument("--explain", action="store_true",
                   help="also print the backward pass, one 'downstream = local × upstream' line per edge")
    p.set_defaults(func=run_graph)
    return p


def run_graph(args) -> int:
    """Run ``chainrule graph`` with parsed ``args``; prints what it did, returns the exit status."""
    from ..viz.expression import build_expression, parse, parse_values, variables
    from ..viz.compgraph import INSTALL_HINT, GraphvizNotFoundError, explain, graph
    out = Path(args.out)
    values = parse_values(args.values)
    f = build_expression(args.expression, values)
    lines = explain(f) if (args.explain and f.requires_grad) else []
    if f.requires_grad:
        f.backward(retain_graph=True)
    g = graph(f)
    print(f"{f.name} = {_num(f.item())}")
    order = {name: i for i, name in enumerate(variables(parse(args.expression)))}
    leaves = sorted((v for v in g.values if v.is_leaf and v.tensor is not None and v.requires_grad),
                    key=lambda v: order.get(v.name, len(order)))
    if leaves:
        print("  " + ", ".join(f"d{f.name}/d{v.name} = {_num(v.tensor.grad.item())}" for v in leaves
                               if v.tensor.grad is not None))
    if lines:
        print("backward pass (downstream = local × upstream):")
        for line in lines:
            print("  " + line)
    try:
        g.render(out)
    except GraphvizNotFoundError:
        dot_path = out.with_suffix(".dot")
        g.render(dot_path)
        print(f"chainrule graph: {INSTALL_HINT} Wrote the DOT text to {dot_path} instead; "
              f"render it with: dot -T{out.suffix.lstrip('.') or 'svg'} {dot_path} -o {out}", file=sys.stderr)
        return EXIT_INCOMPLETE
    print(f"wrote {out}")
    return EXIT_OK


def _num(v) -> str:
    from ..viz.compgraph.text import _num as fmt
    return fmt(v)


def main(argv=None) -> int:
    """Stand-alone entry point: ``python -m chainrule.cli.graph EXPRESSION ...``."""
    from .main import main as chainrule_main
    return chainrule_main(["graph"] + list(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    sys.exit(main())
