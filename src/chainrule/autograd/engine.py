"""The backward pass: the traversal (newest node first), ``backward`` and ``grad``."""
from __future__ import annotations

import heapq

import numpy as np

from ..errors import ShapeError
from . import graph as _graph
from .accumulate import Scaled, _accumulate_leaf, _add_to_grad, _run_hooks, wrap
from .anomaly import check_finite
from .gradients import _fix_grad
from .mode import _GradMode, _defer, set_grad_enabled
from .versions import check_versions, grad_fn_at

_Tensor = None  # chainrule.tensor.Tensor, set when it is declared (graph.TensorBase)


def _observe(node, g, graph, node_caps, captured):
    """Run a node's tensor hooks, fill ``retain_grad`` tensors and captured gradients; return the gradient."""
    if node.hooks:
        g = _run_hooks(node.hooks, g, graph)
    if node.retained is not None and node_caps is None:  # grad() fills no .grad, not even retained ones
        tensor = node.retained()
        if tensor is not None:
            gt = g if graph else wrap(g.copy())
            tensor.grad = gt if tensor.grad is None else tensor.grad + gt
    i = node_caps.get(id(node)) if node_caps is not None else None
    if i is not None:
        captured[i] = g
    return g


def run_backward(roots, root_grads, retain_graph=False, create_graph=False, capture=None):
    """Backpropagate ``root_grads`` from the ``roots`` tensors.

    With ``capture`` (a list of tensors) the gradients of those tensors are returned instead of being
    accumulated into any ``.grad``; otherwise leaves accumulate into ``.grad``.
    """
    graph = create_graph
    grads, handed = {}, set()
    owned = set()  # the nodes whose pending gradient is an array the engine summed (see own_grad)
    leaf_caps = {id(t): i for i, t in enumerate(capture)} if capture is not None else {}
    node_caps = ({id(t.grad_fn): i for i, t in enumerate(capture) if t.grad_fn is not None}
                 if capture is not None else None)
    captured = [None] * (len(capture) if capture is not None else 0)

    def deliver_leaf(t, g, made=None):
        if capture is not None:
            i = leaf_caps.get(id(t))
            if i is not None:
                if t._hooks:
                    g = _run_hooks(t._hooks, g, graph)
                captured[i] = g if captured[i] is None else captured[i] + g
        elif t.requires_grad:
            _accumulate_leaf(t, g, graph, handed, made)

    observe = capture is not None

    # Newest node first: every consumer of a value runs before the node that made it, so a node's
    # gradient is complete when it runs. Only nodes that receive a gradient are ever visited. The heap holds
    # the waiting nodes; a node found newer than all of them runs next without entering it (``nxt``).
    heap = []
    for t, g in zip(roots, root_grads):
        fn = t.grad_fn
        if fn is None:
            deliver_leaf(t, g)
        elif fn in grads:
            grads[fn] = grads[fn] + g
        else:
            grads[fn] = g
            heapq.heappush(heap, (-fn.seq, fn))

    anomaly = _GradMode.anomaly
    push, pop = heapq.heappush, heapq.heappop
    node = None  # the next node, when it is known to be the newest: a chain never touches the heap
    with set_grad_enabled(graph), _defer(capture is None and not anomaly and not graph):
        while node is not None or heap:
            if node is None:
                node = pop(heap)[1]
            g = grads.pop(node)     # (a node stays in ``owned`` after: newest first, it never receives again)
            args = node.args
            if args is None:
                node._check_alive()
            stale = node.born != _graph._clock  # something was changed in place since this node was recorded
            if stale:
                check_versions(node)
            if observe or node.hooks or node.retained is not None:
                g = _observe(node, g, graph, node_caps, captured)
            in_grads = node.op.backward(node, g, graph)
            nxt = None
            i = -1
            for gi in in_grads:
                i += 1
                if gi is None:
                    continue
                a = args[i]
                if type(gi) is Scaled and (a.grad_fn is not None or a._hooks or stale):
                    gi = gi.value()         # deferred only into a leaf's .grad
                data = a.data
                if gi.shape != data.shape or gi.dtype != data.dtype:
                    gi = _fix_grad(gi, a, node.op.name)
                if anomaly:
                    check_finite(gi, "backward", node.op.name, node.site)
                fn = a.grad_fn if not stale else grad_fn_at(a, node.born)
                if fn is None:
                    deliver_leaf(a, gi, (node, g, in_grads))
                    continue
                prev = grads.get(fn)
                if prev is None:
                    grads[fn] = gi
                    if nxt is None and (not heap or fn.seq > -heap[0][0]):
                        nxt = fn
                    elif nxt is not None and fn.seq > nxt.seq:
                        push(heap, (-nxt.seq, nxt))
                        nxt = fn
                    else:
                        push(heap, (-fn.seq, fn))
                elif graph:
                    grads[fn] = prev + gi
                elif fn in owned:
                    prev += gi  # the copy gate, accumulated in place into a buffer no one else sees
                else:
                    grads[fn] = prev = prev + gi
                    if type(prev) is np.ndarray:    # (a 0-d sum is a NumPy scalar)
                        owned.add(fn)
            if not retain_graph:
                node.args = node.arrays = node.ans = node.cache = None
            node = nxt
    return captured


def _as_grad_array(gradient, t, graph):
    if gradient is None:
        if t.data.size != 1:
            raise RuntimeError(
                f"backward() on a tensor of shape {t.shape} needs a `gradient` of that shape "
                f"(the upstream gradient); only a scalar output gets the implicit gradient 1.")
        g = np.array(1, t.data.dtype)
        if t.data.ndim:
            g = g.reshape(t.data.shape)
        return _Tensor(g) if graph else g
    if isinstance(gradient, _Tensor):
        g = gradient if graph else gradient.data
    else:
        g = np.asarray(gradient, dtype=t.data.dtype)
        g = _Tensor(g) if graph else g
    if g.shape != t.shape:
        raise ShapeError(f"backward: the gradient has shape {tuple(g.shape)} but the output has shape {t.shape}; "
                         f"they must match.")
    return g


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate the gradients of ``tensors`` (one tensor, or several roots in one pass, as
    ``torch.autograd.backward``) into every leaf's ``.grad``, or with ``inputs`` (a tensor or a list) only into
    those tensors' ``.grad``; ``grad_tensors`` gives each root's upstream gradient (``None`` for a scalar
    root). See :meth:`Tensor.backward`."""
    single = isinstance(tensors, _Tensor)
    roots = [tensors] if single else list(tensors)
    if grad_tensors is None:
        grads = [None] * len(roots)
    elif single or isinstance(grad_tensors, _Tensor) or not isinstance(grad_tensors, (list, tuple)):
        grads = [grad_tensors]
    else:
        grads = list(grad_tensors)
    if len(grads) != len(roots):
        raise RuntimeError(f"backward: {len(grads)} gradients for {len(roots)} tensors; give one per tensor "
                           f"(None for a scalar).")
    for i, t in enumerate(roots):
        if not isinstance(t, _Tensor):
            raise TypeError(f"backward: tensors must be Tensors, got {type(t).__name__}.")
        if not t.requires_grad:
            raise RuntimeError(f"backward(): element {i} of tensors does not require grad: no input of its "
                               f"computation had requires_grad=True, so there is nothing to differentiate.")
    gs = [_as_grad_array(g, t, create_graph) for g, t in zip(grads, roots)]
    retain = create_graph if retain_graph is None else retain_graph
    if inputs is None:
        run_backward(roots, gs, retain_graph=retain or create_graph, create_graph=create_graph)
        return
    inputs = [inputs] if isinstance(inputs, _Tensor) else list(inputs)
    for t in inputs:
        if not isinstance(t, _Tensor) or not t.requires_grad:
            raise RuntimeError("backward(inputs=...): every input must be a Tensor that requires grad.")
    captured = run_backward(roots, gs, retain_graph=retain or create_graph, create_graph=create_graph,
                            capture=inputs)   # hooks already ran while capturing
    handed = set()
    for t, g in zip(inputs, captured):
        if g is not None:
            _add_to_grad(t, g if create_graph else _fix_grad(g, t, "backward"), create_graph, handed)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=False):
    """Return the gradients of ``outputs`` with respect to ``inputs`` without touching any ``.grad``.

    As ``torch.autograd.grad``: with ``create_graph=True`` the backward pass is recorded, so the result can
    be differentiated again (second derivatives).
    """
    single_out = isinstance(outputs, _Tensor) or not hasattr(outputs, "__iter__")
    outputs = [outputs] if single_out else list(outputs)
    single_in = isinstance(inputs, _Tensor) or not hasattr(inputs, "__iter__")
    inputs = [inputs] if single_in else list(inputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, _Tensor) or not isinstance(grad_outputs, (list, tuple)):
        grad_outputs = [grad_outputs]
    for t in outputs + inputs:
        if not isinstance(t, _Tensor):
            raise TypeError(f"grad(): outputs and inputs must be Tensors (or lists of them), got {type(t).__name__}.")
    for t in outputs:
        if not t.requires_grad:
            raise RuntimeError("grad(): an output does not require grad, so it does not depend on any input.")
    gs = [_as_grad_array(g, t, create_graph) for g, t in zip(grad_outputs, outputs)]
    retain = create_graph if retain_graph is None else retain_graph
    captured = run_backward(outputs, gs, retain_graph=retain, create_graph=create_graph, capture=inputs)
    result = []
    for t, g in zip(inputs, captured):
        if g is None:
            if not allow_unused:
                raise RuntimeError("grad(): one of the inputs was not used to compute the outputs; "
                                   "pass allow_unused=True to get None for it.")
            result.append(None)
        elif create_graph:
            result.append(g)
        else:
            result.append(_Tensor(_fix_grad(g, t, "grad") if t.grad_fn is None else g))
    return tuple(result)
