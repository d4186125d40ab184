"""PyTorch's tensor functions beyond the original core, with PyTorch's names, argument order and defaults,
and the Tensor methods that call them (:class:`TensorMethods`, a base class of Tensor).

Each function is an op of the table (``cr.sin`` is ``ops.elementwise.sin``) or a short composition of ops
whose gradient is exact; the derivatives live in :mod:`chainrule.ops`, none here.
"""
from __future__ import annotations

import numpy as np

from . import return_types
from .errors import ShapeError
from .ops import elementwise as _ew, reduce as _red, shape as _shp
from .ops.registry import raw

__all__ = ["sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "atanh", "log1p", "expm1", "log2",
           "log10", "square", "rsqrt", "reciprocal", "floor", "ceil", "round", "trunc", "isnan", "isinf",
           "isfinite", "atan2", "logaddexp", "pow", "prod", "cumsum", "norm", "var_mean", "sort", "argsort", "topk",
           "gather", "scatter", "scatter_add"]

sin, cos, tan, asin, acos, atan = _ew.sin, _ew.cos, _ew.tan, _ew.asin, _ew.acos, _ew.atan
sinh, cosh, atanh = _ew.sinh, _ew.cosh, _ew.atanh
log1p, expm1, log2, log10, square, rsqrt, reciprocal = (_ew.log1p, _ew.expm1, _ew.log2, _ew.log10, _ew.square,
                                                         _ew.rsqrt, _ew.reciprocal)
floor, ceil, trunc = _ew.floor, _ew.ceil, _ew.trunc
isnan, isinf, isfinite = _ew.isnan, _ew.isinf, _ew.isfinite
atan2, logaddexp, pow = _ew.atan2, _ew.logaddexp, _ew.pow


def round(input, *, decimals: int = 0):
    """Round to ``decimals`` places, halves to even; gradient 0."""
    return _ew.round(input, decimals=decimals)


def _dims(dim):
    """A dim argument as the ops take it: an int, a tuple of ints, or None (all)."""
    return tuple(dim) if isinstance(dim, list) else dim


def _cast(input, dtype):
    return input if dtype is None else input.astype(dtype)


def prod(input, dim=None, keepdim: bool = False, *, dtype=None):
    """The product over ``dim`` (all elements by default)."""
    return _red.prod(_cast(input, dtype), axis=_dims(dim), keepdims=keepdim)


def cumsum(input, dim, *, dtype=None):
    """Running sums along ``dim``."""
    return _red.cumsum(_cast(input, dtype), axis=dim)


def norm(input, p="fro", dim=None, keepdim: bool = False, dtype=None):
    """The vector ``p``-norm over ``dim`` (all elements by default); ``'fro'`` is the 2-norm."""
    if p == "fro":
        p = 2.0
    elif isinstance(p, str):
        raise ValueError(f"norm: p={p!r} is not supported; use a number, inf or 'fro' "
                         f"(the nuclear norm is not implemented).")
    return _red.norm(_cast(input, dtype), p=float(p), axis=_dims(dim), keepdims=keepdim)


def var_mean(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """``(var, mean)`` over ``dim``; the variance divides by N - correction (correction 1 by default), as
    PyTorch (``var_mean(x, unbiased)`` and ``var_mean(x, dim, unbiased, keepdim)`` too)."""
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError("var_mean: give unbiased or correction, not both.")
    ddof = int(unbiased) if unbiased is not None else 1 if correction is None else correction
    axis = _dims(dim)
    return (_red.var(input, axis=axis, ddof=ddof, keepdims=keepdim),
            _red.mean(input, axis=axis, keepdims=keepdim))


def argsort(input, dim: int = -1, descending: bool = False, *, stable: bool = False):
    """The int64 indices that sort ``input`` along ``dim`` (not differentiable)."""
    return _red.argsort(input, axis=dim, descending=descending, stable=stable)


def sort(input, dim: int = -1, descending: bool = False, *, stable: bool = False):
    """``(values, indices)`` sorted along ``dim``; the values are differentiable (the gradient goes back to
    where each value came from)."""
    indices = _red.argsort(input, axis=dim, descending=descending, stable=stable)
    return return_types.sort(_shp.gather(input, index=raw(indices), axis=dim), indices)


def topk(input, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):
    """``(values, indices)`` of the ``k`` largest (``largest=False``: smallest) along ``dim``, in order."""
    shape = np.shape(raw(input))
    n = shape[dim] if shape else 1
    if not 0 <= k <= n:
        raise ShapeError(f"topk: k={k} is out of range for a dimension of size {n}; pick 0 <= k <= {n}.")
    indices = _red.argsort(input, axis=dim, descending=largest, stable=True)
    if shape:
        indices = _shp.getitem(indices, index=(slice(None),) * (dim % len(shape)) + (slice(0, k),))
    return return_types.topk(_shp.gather(input, index=raw(indices), axis=dim), indices)


def gather(input, dim: int, index, *, sparse_grad: bool = False):
    """``out[i][j] = input[index[i][j]][j]`` for ``dim=0``, and so on: values picked along ``dim``."""
    return _shp.gather(input, index=raw(index), axis=dim)


def scatter(input, dim: int, index, src=None, *, value=None, reduce=None):
    """A copy of ``input`` with ``src`` (a tensor, or a number ``value``) written where ``index`` points
    along ``dim``."""
    if (src is None) == (value is None):
        raise TypeError("scatter: give src (a tensor or a number) or value, not both or neither.")
    src = value if src is None else src
    if reduce is not None:
        raise ValueError(f"scatter: reduce={reduce!r} is not supported (PyTorch deprecates it); "
                         f"use scatter_add to add.")
    return _shp.scatter(input, src, index=raw(index), axis=dim)


def scatter_add(input, dim: int, index, src):
    """A copy of ``input`` with ``src`` added where ``index`` points along ``dim`` (repeats accumulate)."""
    return _shp.scatter_add(input, src, index=raw(index), axis=dim)


def _unary_method(op):
    def method(self):
        return op(self)
    method.__name__, method.__doc__ = op.name, op.doc
    return method


class TensorMethods:
    """The methods of :class:`~chainrule.tensor.Tensor` that mirror the functions of this module."""

    __slots__ = ()

    sin, cos, tan, asin, acos, atan = (_unary_method(op) for op in (sin, cos, tan, asin, acos, atan))
    sinh, cosh, atanh = (_unary_method(op) for op in (sinh, cosh, atanh))
    log1p, expm1, log2, log10 = (_unary_method(op) for op in (log1p, expm1, log2, log10))
    square, rsqrt, reciprocal = (_unary_method(op) for op in (square, rsqrt, reciprocal))
    floor, ceil, trunc = (_unary_method(op) for op in (floor, ceil, trunc))
    isnan, isinf, isfinite = (_unary_method(op) for op in (isnan, isinf, isfinite))

    def round(self, *, decimals: int = 0):
        """Round to ``decimals`` places, halves to even; gradient 0."""
        return _ew.round(self, decimals=decimals)

    def atan2(self, other):
        """atan2(self, other), elementwise."""
        return _ew.atan2(self, other)

    def logaddexp(self, other):
        """log(exp(self) + exp(other)), stable."""
        return _ew.logaddexp(self, other)

    def pow(self, exponent):
        """self ** exponent."""
        return _ew.pow(self, exponent)

    def prod(self, dim=None, keepdim: bool = False, *, dtype=None):
        return prod(self, dim, keepdim, dtype=dtype)

    def cumsum(self, dim, *, dtype=None):
        return cumsum(self, dim, dtype=dtype)

    def norm(self, p="fro", dim=None, keepdim: bool = False, dtype=None):
        return norm(self, p, dim, keepdim, dtype)

    def sort(self, dim: int = -1, descending: bool = False, *, stable: bool = False):
        return sort(self, dim, descending, stable=stable)

    def argsort(self, dim: int = -1, descending: bool = False, *, stable: bool = False):
        return argsort(self, dim, descending, stable=stable)

    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):
        return topk(self, k, dim, largest, sorted)

    def gather(self, dim: int, index, *, sparse_grad: bool = False):
        return gather(self, dim, index)

    def scatter(self, dim: int, index, src=None, *, value=None, reduce=None):
        return scatter(self, dim, index, src, value=value, reduce=reduce)

    def scatter_add(self, dim: int, index, src):
        return scatter_add(self, dim, index, src)
