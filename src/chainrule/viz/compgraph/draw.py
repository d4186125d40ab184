"""graph() and trace(): the public entry points that walk a tensor's graph."""
from __future__ import annotations

import numpy as np

from ...errors import ChainruleError
from ...tensor import Tensor
from .collapse import _assign_clusters, _collapse, _module_types
from .dot_text import _to_dot
from .model import (GraphFreedError, ValueInfo, _Builder, _FREED_HINT, _backward_order, _compute_gradients,
                    _describe_routes, _param_names)
from .render import Graph
from .text import _array_text


def graph(tensor: Tensor, *, params=None, module=None, backward: bool | None = None, gradient=None,
          max_values: int = 4, edge_labels: bool | None = None, stats: bool = True, collapse: bool | int = True,
          rankdir: str | None = None, title: str | None = None, legend: bool = True) -> Graph:
    """Draw the graph behind ``tensor``; returns a :class:`Graph` (DOT text, ``render``, Jupyter display).

    - ``params``: ``{name: tensor}`` (e.g. ``dict(model.named_parameters())``) names parameter leaves, as in
      torchviz; dotted names (``fc1.weight``) group each module's ops into a box. ``module`` does the same
      from a module (and labels the boxes with the module's class).
    - ``backward``: compute every value's gradient for the picture (default: when ``tensor`` is a scalar and
      its graph is intact). Done with ``cr.grad(..., retain_graph=True)``: no ``.grad`` is modified, and
      the graph can still be backpropagated afterwards (gradient hooks registered on non-leaf tensors do
      run, as in any backward pass; ``retain_grad()`` tensors are not updated). ``backward=False`` shows the ``.grad`` the tensors
      already hold (leaves after your own ``backward``). ``gradient`` is the upstream gradient for a
      non-scalar ``tensor``.
    - ``max_values``: values and gradients of tensors with at most this many elements are printed; larger
      ones show their shape (and, with ``stats``, mean/std and the gradient's norm).
    - ``edge_labels``: write "downstream = local × upstream" on each edge (default: when all values are
      scalars).
    - ``rankdir``: Graphviz layout direction; default "LR" (left to right, as in the lecture) for up to 12
      drawn ops, "TB" (top to bottom) for larger graphs.
    - ``collapse``: with a module/params, runs of >= 4 identical consecutive layers (or the int given) are
      drawn as first layer, one box for the middle ones, last layer.

    If ``backward()`` already freed part of the graph, what is still reachable is drawn (plus the named
    ``params`` with their ``.grad``) and a note says how to see all of it.
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"graph: expected a chainrule Tensor, got {type(tensor).__name__}.")
    if max_values < 0:
        raise ValueError("graph: max_values must be >= 0.")
    names, params = _param_names(params, module)
    b = _Builder(tensor, names)
    intact = not b.freed
    can_backward = tensor.requires_grad and intact and (tensor.size == 1 or gradient is not None)
    if backward is None:
        backward = can_backward
    elif backward:
        if b.freed:
            raise GraphFreedError("graph(backward=True): the graph behind this tensor was freed by backward(); "
                                  + _FREED_HINT + ".")
        if not tensor.requires_grad:
            raise ChainruleError("graph(backward=True): this tensor does not require grad, so it has no "
                                 "gradients to show.")
        if tensor.size != 1 and gradient is None:
            raise ChainruleError(f"graph(backward=True) on a tensor of shape {tensor.shape} needs "
                                 f"gradient= (the upstream gradient of that shape).")
    if backward:
        _compute_gradients(b, gradient, max_values)
    else:
        for v in b.values.values():
            g = v.tensor.grad
            v.grad = None if g is None else np.asarray(g.data if isinstance(g, Tensor) else g)

    extra_params = []
    if b.freed and params is not None:
        items = params.items() if hasattr(params, "items") else params
        for name, t in items:
            if id(t) not in b.values:
                v = ValueInfo(key=b._key("v"), name=str(name), shape=tuple(t.shape), dtype=str(t.dtype),
                              data=t.data, tensor=t, is_param=True, requires_grad=t.requires_grad)
                v.grad = None if t.grad is None else np.asarray(t.grad.data)
                extra_params.append(v)

    def name_of(v):
        return v.name or ("const " + _array_text(v.data) if v.is_constant else "input")

    _describe_routes(b, name_of)
    clustered = bool(names)
    types = _module_types(module) if module is not None else {}
    if clustered:
        _assign_clusters(b)
    forward_ops = list(reversed(_backward_order(b.root, b.ops)))
    forward_ops += [op for op in b.ops if op not in set(forward_ops)]
    mapping, placeholders = {}, []
    if clustered and collapse:
        min_run = 4 if collapse is True else max(3, int(collapse))
        mapping, placeholders = _collapse(b, forward_ops, min_run, types)

    all_scalar = all(v.size == 1 for v in b.values.values())
    if edge_labels is None:
        edge_labels = all_scalar and backward
    values = list(b.values.values())
    if rankdir is None:
        drawn = sum(1 for op in forward_ops if op.key not in mapping) + len(placeholders)
        rankdir = "LR" if drawn <= 12 else "TB"
    src = _to_dot(b, values, forward_ops, mapping, placeholders, types, max_values=max_values,
                  edge_labels=edge_labels, stats=stats, rankdir=rankdir, title=title, legend=legend,
                  backward=backward, extra_params=extra_params)
    return Graph(src, values, forward_ops, b.root, b.freed, backward)


def trace(tensor: Tensor, *, module=None, params=None, max_values: int = 4096) -> list:
    """The records behind a scalar ``tensor`` without drawing: its ops (`OpInfo`) in forward order.

    Every value gets its gradient (``cr.grad``, retain_graph: no ``.grad`` changes); ops whose values have
    at most ``max_values`` elements also get their per-edge downstream gradients (``op.downstream``), local
    gradients for scalars (``op.local``) and router details (``op.detail``). ``module``/``params`` name the
    parameter leaves as in :func:`graph`. Pages that show the backward pass step by step read this.
    """
    if not isinstance(tensor, Tensor) or tensor.size != 1 or not tensor.requires_grad:
        raise ChainruleError("trace: expects a scalar tensor that requires grad (a loss).")
    names, _ = _param_names(params, module)
    b = _Builder(tensor, names)
    if b.freed:
        raise GraphFreedError("trace: the graph behind this tensor was freed by backward(); " + _FREED_HINT + ".")
    _compute_gradients(b, None, max_values)
    _describe_routes(b, lambda v: v.name or "input")
    return list(reversed(_backward_order(b.root, b.ops)))
