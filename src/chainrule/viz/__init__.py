"""Pictures of what backprop does: computational graphs (DOT), training plots, self-contained HTML reports.

- :func:`graph` (in :mod:`chainrule.viz.compgraph`) draws the graph behind a tensor with values, gradients and gate roles; :func:`explain`
  writes its backward pass as "downstream = local × upstream" lines.
- :func:`expression_graph` (:mod:`chainrule.viz.expression`) does both for a typed expression (``"(x + y) * z"``), behind ``chainrule graph``.
- :mod:`chainrule.viz.plots`: loss curves, weight templates, decision boundaries, activations, gradient
  norms, dead ReLUs, confusion matrices (matplotlib, imported only when a plot is drawn).
- :func:`write_report`: one HTML file with tables, pictures and text, readable offline.
- :class:`LiveCurves` (:mod:`chainrule.viz.live`): loss/accuracy curves redrawn in place in a notebook.
"""
from .expression import ExpressionError, build_expression, evaluate, expression_graph, parse, parse_values
from .compgraph import Graph, GraphFreedError, GraphvizNotFoundError, dot_available, explain, graph
from .report import write_report
from . import plots  # noqa: E402  (matplotlib itself is imported only when a plot is drawn)
from .live import LiveCurves  # noqa: E402
from . import run_pictures  # noqa: E402,F401  (a run's pictures, for chainrule.train.run_experiment)

__all__ = ["graph", "explain", "Graph", "GraphvizNotFoundError", "GraphFreedError", "dot_available",
           "ExpressionError", "parse", "parse_values", "build_expression", "evaluate", "expression_graph", "write_report", "plots",
           "LiveCurves"]

