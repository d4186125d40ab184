"""Indexing after PyTorch: ``index_add index_fill masked_scatter masked_select diagonal`` as functions and
methods, ``x.unfold(dimension, size, step)``, and the in-place
forms ``scatter_ scatter_add_ index_add_ index_fill_ masked_scatter_ addmm_``, with ``apply_ map_`` (Python
functions, element by element, outside autograd) (:class:`IndexingMethods`, a base class of Tensor).

Each differentiable one is a composition of ``getitem``, ``index_add``, ``where`` and ``transpose`` from the
op table, so its gradient is exact at every order; the in-place forms go through chainrule.inplace (version
counter, a leaf that requires grad refused, the change recorded in the graph when a gradient flows).
"""
from __future__ import annotations

import numpy as np

from . import autograd, everyday, functions
from .errors import ArgumentError, AxisError, DtypeError, IndexRangeError, ShapeError
from .inplace import _memory, _record, _records
from .ops import elementwise as _ew, shape as _shp
from .ops.registry import normalize_axis, raw

__all__ = ["index_add", "index_fill", "masked_scatter", "masked_select", "diagonal"]


def _dim_index(input, dim, index, name, negative):
    """The dim (normalized) and the 1-D int64 index along it, checked as PyTorch checks them (``negative``:
    whether indices may count from the end; an empty tensor checks no values)."""
    shape = np.shape(raw(input))
    d = normalize_axis(dim, max(len(shape), 1), name)
    idx = np.asarray(raw(index))
    if idx.dtype.kind not in "iu" or idx.ndim > 1:
        raise DtypeError(f"{name}: index must be a 0-d or 1-D integer tensor, got {idx.ndim}-D of dtype {idx.dtype}.")
    n = shape[d] if shape else 1
    idx = idx.reshape(-1)
    if idx.size and np.size(raw(input)) and (idx.min() < (-n if negative else 0) or idx.max() >= n):
        bad = idx.max() if idx.max() >= n else idx.min()
        raise IndexRangeError(f"{name}: index {bad} is out of bounds for dimension {d} with size {n}.")
    return d, idx % n if n else idx[:0]


def index_add(input, dim, index, source, *, alpha=1):
    """``input`` with ``alpha * source[..., i, ...]`` added at ``input[..., index[i], ...]`` along ``dim``
    (repeated indices add up)."""
    d, idx = _dim_index(input, dim, index, "index_add", False)
    shape, src_shape = np.shape(raw(input)), np.shape(raw(source))
    if not shape and not src_shape and idx.size != 1:
        raise AxisError("index_add_(): dimension specified as 0 but the 0-d source has no dimensions to hold "
                        f"{idx.size} indices.")
    if len(src_shape) != len(shape) or (shape and (src_shape[:d] + src_shape[d + 1:] != shape[:d] + shape[d + 1:]
                                                   or src_shape[d] != idx.size)):
        raise ShapeError(f"index_add_(): source of shape {src_shape} does not fit {len(idx)} indices into an "
                         f"input of shape {shape} along dim {d}.")
    placed = _shp.index_add(source if alpha == 1 else source * alpha, index=(slice(None),) * d + (idx,),
                            shape=shape) if shape else _shp.reshape(source if alpha == 1 else source * alpha,
                                                                    shape=())
    return input + placed


def index_fill(input, dim, index, value):
    """``input`` with ``value`` (a number or a 0-d tensor, which gets the gradient) at the places ``index``
    names along ``dim``."""
    d, idx = _dim_index(input, dim, index, "index_fill", True)
    if np.ndim(raw(value)):
        raise ShapeError(f"index_fill: value must be a number or a 0-d tensor, got shape {np.shape(raw(value))}.")
    mask = np.zeros(np.shape(raw(input)), bool)
    mask[(slice(None),) * d + (idx,) if mask.ndim else ()] = bool(mask.ndim or idx.size)
    if isinstance(value, autograd.TensorBase) and value.dtype != input.dtype:
        value = value.astype(input.dtype)
    return _ew.where(mask, value, input)


def _bool_mask(mask, name):
    m = np.asarray(raw(mask))
    if m.dtype != np.bool_:
        raise DtypeError(f"{name} only supports boolean masks, but got mask with dtype {m.dtype}; compare first "
                         f"(x > 0).")
    return m


def masked_scatter(input, mask, source):
    """``input`` with the positions where ``mask`` holds filled, in row-major order, by the leading values of
    ``source`` (input and mask broadcast together; in place, the mask broadcasts to the tensor)."""
    m = _bool_mask(mask, "masked_scatter_")
    try:
        shape = np.broadcast_shapes(np.shape(raw(input)), m.shape)
    except ValueError:
        raise ShapeError(f"masked_scatter: a mask of shape {m.shape} does not broadcast with the input's shape "
                         f"{np.shape(raw(input))}.") from None
    m = np.broadcast_to(m, shape)
    if np.shape(raw(input)) != shape:
        input = _shp.broadcast_to(input, shape=shape)
    k = int(m.sum())
    if np.size(raw(source)) < k:
        raise ShapeError(f"masked_scatter: number of elements of source ({np.size(raw(source))}) < number of ones "
                         f"in mask ({k}).")
    values = _shp.getitem(_shp.reshape(source, shape=(-1,)), index=slice(0, k))
    return _ew.where(m, _shp.index_add(values, index=m, shape=shape), input)


def masked_select(input, mask):
    """A 1-D tensor of the values of ``input`` where ``mask`` holds (the two broadcast together)."""
    m = _bool_mask(mask, "masked_select: expected a BoolTensor for mask;")
    try:
        shape = np.broadcast_shapes(np.shape(raw(input)), m.shape)
    except ValueError:
        raise ShapeError(f"masked_select: shapes {np.shape(raw(input))} and {m.shape} do not broadcast.") from None
    x = input if np.shape(raw(input)) == shape else _shp.broadcast_to(input, shape=shape)
    return _shp.getitem(x, index=np.broadcast_to(m, shape).copy())


def diagonal(input, offset=0, dim1=0, dim2=1):
    """The diagonal ``offset`` (above the main one if positive) of the planes spanned by ``dim1`` and ``dim2``,
    as the last dim; the other dims stay in order."""
    ndim = np.ndim(raw(input))
    if ndim < 2:
        raise AxisError(f"diagonal: expected a tensor with at least 2 dimensions, got {ndim}.")
    a, b = normalize_axis(dim1, ndim, "diagonal"), normalize_axis(dim2, ndim, "diagonal")
    if a == b:
        raise ShapeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}.")
    rest = [i for i in range(ndim) if i not in (a, b)]
    x = _shp.transpose(input, axes=tuple(rest) + (a, b))
    rows, cols = np.shape(raw(x))[-2:]
    n = max(0, min(rows, cols - offset) if offset >= 0 else min(rows + offset, cols))
    i = np.arange(n)
    start = (0, offset) if offset >= 0 else (-offset, 0)
    return _shp.getitem(x, index=(Ellipsis, i + start[0], i + start[1]))


def _unfold(input, dimension, size, step):
    """Windows of ``size`` elements every ``step`` along ``dimension``: that dim becomes the window count and a
    last dim of ``size`` is appended."""
    shape = np.shape(raw(input))
    d = normalize_axis(dimension, max(len(shape), 1), "unfold")
    n = shape[d] if shape else 1
    if size > n:
        raise ArgumentError(f"unfold: maximum size for tensor at dimension {d} is {n} but size is {size}.")
    if step <= 0:
        raise ArgumentError(f"unfold: step is {step} but must be > 0.")
    if not shape:
        return _shp.getitem(_shp.reshape(input, shape=(1,)), index=slice(0, size))
    windows = np.arange(0, n - size + 1, step)[:, None] + np.arange(size)
    out = _shp.getitem(input, index=(slice(None),) * d + (windows,))
    axes = tuple(i for i in range(len(shape) + 1) if i != d + 1) + (d + 1,)
    return _shp.transpose(out, axes=axes)


def _in_place(t, name, compute, *others):
    """``t`` changed in place to ``compute(t)``, recorded in the graph when a gradient flows through it."""
    if not any(_records(t, o) for o in others + (None,)):
        with autograd.no_grad():
            new = compute(t)
        np.copyto(_memory(t, name), raw(new), casting="same_kind")
        autograd.bump_version(t)
        return t
    return _record(t, compute, True, name)


def _python_loop(t, name, function, other=None):
    if t.requires_grad:
        raise RuntimeError(f"Can't call {name}() on Variable that requires grad. Use var.detach().{name}() "
                           f"instead.")
    data = _memory(t, name)
    others = None if other is None else np.broadcast_to(raw(other), data.shape)
    for i in np.ndindex(data.shape):        # no version bump, as PyTorch's (it writes past autograd)
        data[i] = function(data[i].item()) if others is None else function(data[i].item(), others[i].item())
    return t


class IndexingMethods:
    """The indexing methods of :class:`~chainrule.tensor.Tensor`: this module's functions as methods, and the
    in-place forms."""

    __slots__ = ()

    index_add, index_fill, masked_scatter, masked_select, diagonal = (
        everyday._method(f) for f in (index_add, index_fill, masked_scatter, masked_select, diagonal))
    unfold = _unfold

    def scatter_(self, dim, index, src=None, *, value=None, reduce=None):
        """``scatter`` in place."""
        return _in_place(self, "scatter_", lambda old: functions.scatter(old, dim, index, src, value=value,
                                                                            reduce=reduce),
                         src)

    def scatter_add_(self, dim, index, src):
        """``scatter_add`` in place."""
        return _in_place(self, "scatter_add_", lambda old: functions.scatter_add(old, dim, index, src), src)

    def index_add_(self, dim, index, source, *, alpha=1):
        """``index_add`` in place."""
        return _in_place(self, "index_add_", lambda old: index_add(old, dim, index, source, alpha=alpha), source)

    def index_fill_(self, dim, index, value):
        """``index_fill`` in place."""
        return _in_place(self, "index_fill_", lambda old: index_fill(old, dim, index, value), value)

    def masked_scatter_(self, mask, source):
        """``masked_scatter`` in place."""
        return _in_place(self, "masked_scatter_", lambda old: masked_scatter(old, mask, source), source)

    def addmm_(self, mat1, mat2, *, beta=1, alpha=1):
        """``addmm`` in place: ``self = beta * self + alpha * (mat1 @ mat2)``."""
        return _in_place(self, "addmm_", lambda old: everyday.addmm(old, mat1, mat2, beta=beta, alpha=alpha),
                         mat1, mat2)

    def apply_(self, callable):
        """Replace each element ``v`` by ``callable(v)`` (a Python number in, one out); not for tensors that
        require grad, as in PyTorch."""
        return _python_loop(self, "apply_", callable)

    def map_(self, tensor, callable):
        """Replace each element ``v`` by ``callable(v, w)``, ``w`` the element of ``tensor`` (broadcast to
        this shape) at the same place; not for tensors that require grad."""
        return _python_loop(self, "map_", callable, tensor)
