"""In-place changes of tensors, with PyTorch's safety rules (:class:`InplaceMethods`, a base class of Tensor).

Every in-place change writes into the tensor's memory (its views see it) and bumps its version counter, so a
node of the graph that saved the old value refuses to backpropagate (``autograd.check_versions``). When a
gradient must flow through the change (grad mode on, and the tensor or the other operand requires grad) it is
recorded in the graph: the tensor's ``grad_fn`` becomes the node of the out-of-place result, and a change of a
view also re-records its root tensor as "the old value, with the view's region replaced" (PyTorch's
CopySlices). A leaf that requires grad, or a view of one, is never changed in grad mode.
"""
from __future__ import annotations

import numpy as np

from . import autograd
from .autograd import _GradMode, bump_version, live_views, rebase, saved_inputs, version_counter
from .errors import ShapeError
from .ops import elementwise as _ew, promotion as _promotion, registry as _registry, shape as _shp

_SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**"}
_NOWHERE = np.array(False)  # where(_NOWHERE, old, new): the new value, with a zero gradient for the old one


def plain_index(index):
    """Replace tensors inside an index by their arrays (an index is never differentiated)."""
    Tensor = autograd._Tensor
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(plain_index(i) if isinstance(i, (Tensor, range)) else i for i in index)
    if isinstance(index, list):
        return np.asarray(index)
    if isinstance(index, range):     # NumPy reads a range item by item (0.4 ms at 256): the same as arange
        return np.arange(index.start, index.stop, index.step)
    return index


class InplaceMethods:
    """``add_ sub_ mul_ div_ pow_ clamp_ fill_ zero_ copy_``, ``a op= b``, ``x[i] = v``, ``clone`` and ``_version``."""

    __slots__ = ()

    @property
    def _version(self) -> int:
        """How many times this tensor's memory (or a view's) was changed in place, as PyTorch's ``_version``."""
        vc = getattr(self, "_vc", None)
        return 0 if vc is None else vc.version

    def clone(self):
        """A copy with its own memory; differentiable (the gradient passes unchanged)."""
        return _shp.clone(self)

    def add_(self, other, *, alpha=1):
        return _binary(self, _ew.add, other if alpha == 1 else other * alpha, np.add)

    def sub_(self, other, *, alpha=1):
        return _binary(self, _ew.sub, other if alpha == 1 else other * alpha, np.subtract)

    def mul_(self, other):
        return _binary(self, _ew.mul, other, np.multiply)

    def div_(self, other):
        return _binary(self, _ew.div, other, np.true_divide)

    def pow_(self, exponent):
        return _binary(self, _ew.pow, exponent, np.power)

    __iadd__, __isub__, __imul__, __itruediv__, __ipow__ = add_, sub_, mul_, div_, pow_

    def clamp_(self, min=None, max=None):
        """Clamp into [min, max] in place; the gradient passes where min <= x <= max."""
        if not (_records(self, min) or _records(self, max)):
            if min is None and max is None:
                raise RuntimeError("clamp_: at least one of 'min' or 'max' must not be None.")
            np.clip(_memory(self, "clamp_"), _registry.raw(min), _registry.raw(max), out=self.data)
            bump_version(self)
            return self
        return _record(self, lambda old: _ew.clamp_bounds(old, min, max), True, "clamp_")

    clip_ = clamp_

    def fill_(self, value):
        """Set every element to ``value`` (a number or a one-element tensor)."""
        return self.copy_(value)

    def zero_(self):
        return self.copy_(0)

    def copy_(self, src):
        """Copy ``src``'s values (broadcast to this shape, converted to this dtype) into this tensor."""
        value = src.data if isinstance(src, autograd._Tensor) else src
        if not _records(self, src):
            try:
                np.copyto(_memory(self, "copy_"), value, casting="unsafe")
            except ValueError:
                raise _not_broadcastable("copy_", value, self.data) from None
            bump_version(self)
            return self
        return _record(self, lambda old: _ew.where(_NOWHERE, old, src), False, "copy_")

    def __setitem__(self, index, value):
        """``x[index] = value``: in place; in the graph (as PyTorch's index_put) when a gradient flows."""
        index = plain_index(index)
        array = value.data if isinstance(value, autograd._Tensor) else value
        if not _records(self, value):
            try:
                _memory(self, "setitem")[index] = array
            except ValueError:
                raise _not_broadcastable("setitem", array, self.data[index]) from None
            bump_version(self)
            return
        region = self.data[index].shape

        def put(old):
            v = value if isinstance(value, autograd._Tensor) else autograd._Tensor(np.asarray(array, self.dtype))
            if v.shape != region:
                try:
                    v = _shp.broadcast_to(v, shape=region)
                except ShapeError:
                    raise _not_broadcastable("setitem", v.data, self.data[index]) from None
            mask = _shp.index_add(np.ones(region, bool), index=index, shape=self.shape)
            return _ew.where(mask, _shp.index_add(v, index=index, shape=self.shape), old)
        _record(self, put, False, "setitem", write=lambda: self.data.__setitem__(index, array))


def _records(t, other) -> bool:
    """True when the change must be recorded in the graph: grad mode on and a gradient can flow through it.
    A view taken in no_grad mode cannot be (PyTorch's error), when its root or ``other`` requires grad."""
    if not _GradMode.enabled:
        return False
    flows = isinstance(other, autograd._Tensor) and other.requires_grad
    view = getattr(t, "_view", None)
    if view is not None and view[2] and (flows or view[0].requires_grad):
        raise RuntimeError("A view was created in no_grad mode and is being modified inplace with grad mode "
                           "enabled; do both inside the no_grad block (not recorded) or both outside (recorded).")
    return t.requires_grad or flows


def _memory(t, name):
    """The array to write into: a NumPy scalar (a 0-d result) gets memory of its own; read-only is refused."""
    data = t.data
    if type(data) is not np.ndarray:
        data = t.data = np.array(data)
    if not data.flags.writeable:
        raise RuntimeError(f"{name}: this tensor's memory is read-only (an expand/broadcast view, or a constant), "
                           f"so it cannot be changed in place; clone() it first.")
    return data


def _binary(t, op, other, ufunc):
    """``t op= other`` in place, computed in the promoted dtype and written back into ``t``'s (a result of a
    higher category is refused, as PyTorch does); recorded as ``t = t op other`` when a gradient flows."""
    if not _records(t, other):
        is_tensor = isinstance(other, autograd._Tensor)
        value = other.data if is_tensor else other
        memory = _memory(t, f"{op.name}_")
        a, b = _promotion.operands(op, (memory, value), (True, is_tensor))
        _promotion.check_cast(f"{op.name}_", np.result_type(a, b), memory.dtype)
        try:
            ufunc(a, b, out=memory, casting="unsafe")
        except (ValueError, TypeError) as e:
            raise _inplace_error(op.name, memory, value, e) from None
        bump_version(t)
        return t
    needs = (t.requires_grad, isinstance(other, autograd._Tensor) and other.requires_grad)
    return _record(t, lambda old: op(old, other), 0 in saved_inputs(op, needs, 2), op.name)


def _record(t, compute, saves_self, name, write=None):
    """Change ``t`` in place to ``compute(old value)``, recording the change in the graph."""
    if t.grad_fn is None and t.requires_grad:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    view = getattr(t, "_view", None)
    if view is not None and view[0].grad_fn is None and view[0].requires_grad:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")
    memory = _memory(t, name)
    new = compute(_alias(t, copy=saves_self))           # the old value is kept where the op's backward reads it
    if new.shape != memory.shape:
        raise ShapeError(f"{name} (in place): the result has shape {new.shape} but the tensor being updated has "
                         f"shape {memory.shape}; write it out of place instead (a = a + b, not a += b).")
    if name != "copy_":
        _promotion.check_cast(name, new.dtype, memory.dtype)
    if view is not None:
        base, steps, _ = view
        old_base = _alias(base, copy=False)
        mask = _scatter(np.ones(memory.shape, bool), steps)
        new_base = _ew.where(mask, _scatter(new, steps), old_base)
    if write is None:
        np.copyto(memory, new.data, casting="unsafe" if name == "copy_" else "same_kind")
    else:
        write()
    bump_version(t)
    root, new_root = (t, new) if view is None else (base, new_base)
    rebase(root, new_root.grad_fn)
    root.requires_grad = new_root.requires_grad
    for v in live_views(root):  # t, if a view, and its siblings: views of the new value
        replay = _alias(root, copy=False)
        for op, kw, _ in v._view[1]:
            replay = op(replay, **kw)
        rebase(v, replay.grad_fn)
        v.requires_grad = replay.requires_grad
    return t


def _alias(t, copy):
    """A second tensor object for ``t``'s current value and node (its memory copied when ``copy``)."""
    a = autograd._Tensor.__new__(autograd._Tensor)
    a.data = t.data.copy() if copy else t.data
    a._grad = a.name = a._hooks = None
    a.grad_fn, a.requires_grad = t.grad_fn, t.requires_grad
    if not copy:
        a._vc = version_counter(t)
    return a


def _scatter(g, steps):
    """Place a view's value (or gradient) into a zero array of its root's shape: the view ops' own VJPs."""
    for op, kw, x in reversed(steps):
        g = op.vjps[0](g, None, x, **kw)
    return g


def _not_broadcastable(name, value, target):
    return ShapeError(f"{name}: a value of shape {np.shape(value)} does not broadcast to the shape "
                      f"{np.shape(target)} being written.")


def _inplace_error(name, target, value, e):
    """A clear error for ``a op= b`` done on the array (no gradient), as the ops give for ``a op b``."""
    if isinstance(e, ValueError) and "output" in str(e):
        try:
            result = np.broadcast_shapes(np.shape(target), np.shape(value))
        except ValueError:
            result = None
        if result is not None:
            return ShapeError(f"{name} (in place): the result has shape {result} but the tensor being updated has "
                              f"shape {target.shape}; write a = a {_SYMBOLS.get(name, name)} b instead.")
    return _registry._clear_error(f"{name} (in place)", (target, value), e)
