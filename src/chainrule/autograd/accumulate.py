"""Where gradients land: tensor hooks, a leaf's ``.grad`` buffer and who owns it, and deferred products (``Scaled``)."""
from __future__ import annotations

import numpy as np

_Tensor = None  # chainrule.tensor.Tensor, set when it is declared (graph.TensorBase)


def _run_hooks(hooks, g, graph):
    for hook in hooks:
        gt = g if graph else _Tensor(g)
        out = hook(gt)
        if out is not None:
            g = out if graph else np.asarray(out.data if isinstance(out, _Tensor) else out)
    return g


class Scaled:
    """A gradient ``array * factor`` (a 0-d factor of the array's dtype) not computed yet.

    The L2 penalty's VJPs hand one on during a backward that fills ``.grad``: added into a leaf's gradient
    buffer it runs in blocks, so no array-sized temporary is made (bit for bit ``buf += array * factor``);
    any other destination gets the product (:meth:`value`).
    """

    __slots__ = ("array", "factor", "shape", "dtype")
    BLOCK = 1 << 15

    def __init__(self, array, factor):
        self.array, self.factor, self.shape, self.dtype = array, factor, array.shape, array.dtype

    def value(self):
        return self.array * self.factor

    def add_to(self, buf):
        x, factor, block = self.array, self.factor, self.BLOCK
        if x.size <= 2 * block or not (x.flags.c_contiguous and buf.flags.c_contiguous):
            buf += x * factor
            return
        xs, bs, tmp = x.reshape(-1), buf.reshape(-1), np.empty(block, x.dtype)
        for i in range(0, x.size, block):
            part = np.multiply(xs[i:i + block], factor, out=tmp[:min(block, x.size - i)])
            bs[i:i + block] += part


# Gradient ownership: the engine adds a gradient into a buffer in place only when it allocated that buffer
# itself and nothing outside it can have seen it. A node's pending gradient is owned once the engine has
# summed two arrivals into a new array (the first arrival may be anyone's: the user's gradient, a hook's
# result, a Function's array, an array handed to two inputs). A leaf's ``.grad`` buffer is owned while
# ``t._gown is t._grad.data``: set when the engine allocates it, cleared by every read or assignment of
# ``.grad`` (Tensor.grad's property), so an array a user took from ``.grad`` is never changed afterwards.

def wrap(array):
    """A tensor around an array the engine made (a gradient): no checks, no copy."""
    t = _Tensor.__new__(_Tensor)
    t.data = array
    t._grad = t.grad_fn = t.name = t._hooks = None
    t.requires_grad = False
    return t


def own_grad(t, array) -> None:
    """Make ``array`` (allocated by the caller, seen by no one else) ``t``'s ``.grad``, owned by the engine:
    later gradients are added into it in place."""
    t._grad = wrap(array)
    t._gown = array if type(array) is np.ndarray else None   # NumPy gives a 0-d result as a scalar


def _new_array(g, node, up, in_grads) -> bool:
    """Whether ``g``, which ``node``'s VJPs returned for upstream ``up``, is an array they made for one input:
    not a view, not the upstream, an input, the output or the cache; only the op table's VJPs are trusted."""
    return (type(g) is np.ndarray and g.base is None and g is not up and g is not node.ans
            and g is not node.cache and getattr(node.op, "new_vjps", False)
            and not any(g is a for a in node.arrays) and sum(o is g for o in in_grads) == 1
            and not any(g is v for v in node.kw.values()))


def _accumulate_leaf(t, g, graph, handed, made=None):
    if t._hooks:
        g, made = _run_hooks(t._hooks, g, graph), None
    _add_to_grad(t, g, graph, handed, made)


def _add_to_grad(t, g, graph, handed, made=None):
    """``t.grad += g``, keeping the ``.grad`` tensor's identity (``g`` an array, or a tensor when ``graph``).

    ``made``: ``(node, upstream, in_grads)`` where ``g`` comes from that node's VJPs (see `_new_array`)."""
    if graph:
        t.grad = g if t.grad is None else t.grad + g
        return
    old = t._grad
    if old is None:
        if type(g) is Scaled:
            own_grad(t, g.value())
        elif id(g) in handed or not g.flags.writeable:
            own_grad(t, g.copy())  # never let two leaves, or a read-only broadcast view, share one buffer
        elif made is not None and _new_array(g, *made):
            own_grad(t, g)
        else:
            t._grad = wrap(g)      # the array may be seen elsewhere (a hook, the user's gradient, ...)
            t._gown = None
        handed.add(id(t._grad.data))
        return
    buf = old.data  # accumulate into the gradient tensor the user may hold (PyTorch keeps its identity)
    if getattr(t, "_gown", None) is buf:
        if type(g) is Scaled:
            g.add_to(buf)
        else:
            buf += g  # an array the engine made and no one has read: add in place
    else:
        old.data = new = buf + (g.value() if type(g) is Scaled else g)
        if getattr(t, "_gown", False) is None and type(new) is np.ndarray:   # .grad never handed out
            t._gown = new
