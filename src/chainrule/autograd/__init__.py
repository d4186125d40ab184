"""The backward pass: graph nodes, traversal, ``backward``, ``grad``, grad mode, custom Functions, anomaly mode.

Every value computed from a tensor that requires grad gets a :class:`Node` (its ``grad_fn``): the op that made
it, its inputs, and what that op's vector-Jacobian products need. ``backward`` walks the nodes from the output
back to the leaves, newest node first (a topological order, kept in a heap), and applies, at every node, the
lecture's rule

    downstream gradient = local gradient x upstream gradient

Each gradient is reduced over broadcast axes in one place (:func:`unbroadcast`) and checked to have exactly its
variable's shape. Gradients flowing into a value used more than once are summed (the copy gate). Saved buffers
are released as soon as a node's backward has run, unless ``retain_graph=True``.

One job per module, each importing only those listed before it: ``mode`` (grad mode), ``anomaly``
(detect_anomaly, where a value was created), ``gradients`` (unbroadcast, a gradient's shape check), ``graph``
(Node, TensorBase, the in-place clock), ``versions`` (version counters, views, the in-place error),
``accumulate`` (hooks, ``.grad`` buffers and their ownership, Scaled), ``engine`` (the traversal, backward,
grad), ``function`` (custom Functions).
"""
from .mode import _GradMode, _GradModeContext, _defer, enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .anomaly import AnomalyError, check_finite, creation_site, detect_anomaly
from .gradients import unbroadcast
from .graph import Node, TensorBase, _Tensor
from .versions import bump_version, check_versions, live_views, rebase, saved_inputs, track_view, version_counter
from .accumulate import Scaled, own_grad, wrap
from .engine import backward, grad, run_backward
from .function import Function, FunctionCtx

__all__ = [
    "Node", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "backward", "grad", "Function",
    "detect_anomaly", "AnomalyError", "unbroadcast",
]
