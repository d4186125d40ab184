"""Draw the computational graph behind a tensor, the way lecture 4 draws it.

    f = (x + y) * z
    g = cr.viz.graph(f)          # Graph: .source (DOT), .render("f.svg"), shows itself in Jupyter
    print(cr.viz.explain(f))     # the backward pass as "downstream = local × upstream" lines

Every value is a box with its name, its shape and, when it is small, its forward value (green, above) and its
gradient (red, below). Every op is an ellipse with its name and its gate role in the lecture's words
(gradient distributor, swap multiplier, gradient router); a value used more than once is drawn with a double
border as the *gradient adder*, with the sum of the gradients its branches sent back.

The gradients are computed here (``cr.grad`` with ``retain_graph=True``), so drawing never touches the
``.grad`` of your tensors. The walk over the graph is iterative: a graph thousands of ops deep draws fine.
"""
from .draw import graph, trace
from .explain import explain
from .model import GATE_ROLES, GraphFreedError, OpInfo, ValueInfo
from .render import INSTALL_HINT, Graph, GraphvizNotFoundError, dot_available

__all__ = ["graph", "explain", "trace", "Graph", "ValueInfo", "OpInfo", "GraphvizNotFoundError", "GraphFreedError",
           "GATE_ROLES", "INSTALL_HINT", "dot_available"]
