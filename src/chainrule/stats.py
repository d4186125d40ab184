"""Statistics with PyTorch's names and semantics: ``nansum nanmean quantile std_mean mode``, and their Tensor
method twins (:class:`StatsMethods`, a base class of Tensor).

Each is a composition of ops of the table (``where``, ``sum``, ``gather``, ``getitem``), so its derivatives
are exact at every order; no derivative is written here. The gradient of a quantile goes to the one or two
sorted values it interpolates, and that of a mode to the element its index names, as in PyTorch.
"""
from __future__ import annotations

import numpy as np

from . import autograd, return_types
from .errors import AxisError, DtypeError, ShapeError
from .ops import elementwise as _ew, reduce as _red, shape as _shp
from .ops.registry import normalize_axis, one_of, raw

__all__ = ["nansum", "nanmean", "quantile", "std_mean", "mode"]


def _axes(name, input, dim, axis):
    d = one_of(name, "dim", dim, "axis", axis)
    return tuple(d) if isinstance(d, list) else d


def _keep(name, keepdim, keepdims):
    return bool(one_of(name, "keepdim", keepdim, "keepdims", keepdims, False))


def _cast(input, dtype):
    return input if dtype is None else input.astype(dtype)


def _not_nan(input):
    return ~np.isnan(raw(input)) if raw(input).dtype.kind == "f" else np.ones(np.shape(raw(input)), bool)


def nansum(input, dim=None, keepdim=None, *, dtype=None, axis=None, keepdims=None):
    """The sum over ``dim`` (all elements by default) with NaNs counted as zero; their gradient is 0."""
    x = _cast(input, dtype)
    kept = _ew.where(_not_nan(x), x, 0) if raw(x).dtype.kind == "f" else x
    return _red.sum(kept, axis=_axes("nansum", x, dim, axis), keepdims=_keep("nansum", keepdim, keepdims))


def nanmean(input, dim=None, keepdim=None, *, dtype=None, axis=None, keepdims=None):
    """The mean of the values that are not NaN over ``dim`` (all by default); nan where there is none."""
    x = _cast(input, dtype)
    if raw(x).dtype.kind != "f":
        raise DtypeError(f"nanmean(): expected input to have floating point dtype but got {raw(x).dtype}.")
    dims, keep = _axes("nanmean", x, dim, axis), _keep("nanmean", keepdim, keepdims)
    mask = _not_nan(x)
    count = np.sum(mask, axis=normalize_axis(dims, mask.ndim, "nanmean"), keepdims=keep).astype(raw(x).dtype)
    with np.errstate(invalid="ignore", divide="ignore"):
        return nansum(x, dims, keep) / count


def std_mean(input, dim=None, unbiased=None, keepdim=None, *, correction=None, axis=None, keepdims=None,
             ddof=None):
    """``(std, mean)`` over ``dim``, with :func:`std`'s arguments and defaults (unbiased by default)."""
    if isinstance(dim, bool):                           # std_mean(x, unbiased)
        dim, unbiased = None, dim
    s = _red.std(input, dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims, ddof=ddof)
    return s, _red.mean(input, axis=_axes("std_mean", input, dim, axis), keepdims=_keep("std_mean", keepdim,
                                                                                          keepdims))


# --- quantiles ------------------------------------------------------------------------------------------------

_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile_levels(input, q):
    """``q`` as a 1-D float array of levels in [0, 1] and whether it was a scalar, with PyTorch's checks."""
    x = raw(input)
    if isinstance(q, autograd.TensorBase):
        qa = q.data
        if qa.ndim > 1:
            raise ShapeError("quantile() q must be a scalar or 1D tensor.")
        if qa.dtype != x.dtype:
            raise DtypeError(f"quantile() q tensor must be same dtype as the input tensor, got {qa.dtype} and "
                             f"{x.dtype}.")
        scalar = qa.ndim == 0
    else:
        qa, scalar = np.asarray(q, x.dtype), True
    levels = qa.reshape(-1)
    if ((levels < 0) | (levels > 1)).any() or np.isnan(levels).any():
        raise ShapeError(f"quantile() q must be in the range [0, 1] but got {q}.")
    return levels, scalar


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear", axis=None, keepdims=None):
    """The ``q``-th quantiles (a number or a 1-D tensor in [0, 1]) of ``input`` along ``dim`` (flattened by
    default), interpolating between the two sorted values around position ``q * (n - 1)`` as
    ``interpolation`` says; a 1-D ``q`` puts the levels first. A row with a NaN gives NaN."""
    x = raw(input)
    if x.dtype not in (np.float32, np.float64):
        raise DtypeError(f"quantile() input tensor must be either float or double dtype, got {x.dtype}.")
    if interpolation not in _INTERPOLATIONS:
        raise ShapeError(f"quantile() interpolation must be one of linear, lower, higher, midpoint or nearest, "
                         f"but got {interpolation}.")
    if not x.size:
        raise ShapeError("quantile() input tensor must be non-empty.")
    levels, scalar = _quantile_levels(input, q)
    dim = one_of("quantile", "dim", dim, "axis", axis)
    keep = _keep("quantile", keepdim or None, keepdims)
    if dim is None:
        shape_kept = (1,) * x.ndim
        values, d = _shp.reshape(input, shape=(-1,)), 0
    else:
        d = normalize_axis(dim, x.ndim, "quantile", False)
        values = input if x.ndim else _shp.reshape(input, shape=(1,))
        shape_kept = x.shape[:d] + (1,) + x.shape[d + 1:] if x.ndim else ()
    ndim = values.data.ndim
    moved = _shp.transpose(values, axes=tuple(i for i in range(ndim) if i != d) + (d,))   # the dim last
    order = np.argsort(moved.data, axis=-1, kind="stable")                               # NaN last
    ranked = _shp.gather(moved, index=order, axis=ndim - 1)
    n = moved.data.shape[-1]
    pos = levels.astype(np.float64) * (n - 1)
    lo, hi = np.floor(pos).astype(np.int64), np.ceil(pos).astype(np.int64)
    if interpolation == "nearest":
        lo = hi = np.round(pos).astype(np.int64)        # halves to even, as torch.round
    elif interpolation == "lower":
        hi = lo
    elif interpolation == "higher":
        lo = hi
    a = _shp.getitem(ranked, index=(Ellipsis, lo))
    if interpolation == "linear":
        frac = (pos - lo).astype(x.dtype)
        out = a + (_shp.getitem(ranked, index=(Ellipsis, hi)) - a) * frac
    elif interpolation == "midpoint":
        out = (a + _shp.getitem(ranked, index=(Ellipsis, hi))) * 0.5
    else:
        out = a
    has_nan = np.isnan(moved.data).any(axis=-1, keepdims=True)
    if has_nan.any():
        out = _ew.where(has_nan, np.asarray(np.nan, x.dtype), out)
    out = _shp.transpose(out, axes=(out.data.ndim - 1,) + tuple(range(out.data.ndim - 1)))  # levels first
    rest = shape_kept if keep else tuple(s for i, s in enumerate(x.shape) if dim is not None and i != d)
    return _shp.reshape(out, shape=(() if scalar else (len(levels),)) + rest)


# --- modes ----------------------------------------------------------------------------------------------------

def _mode_rows(rows):
    """The most frequent value of each row (the smallest of equally frequent ones) and the index of its last
    occurrence, by one sort: each element's run of equal sorted values gives its count."""
    m, n = rows.shape
    ranked = np.sort(rows, axis=1)
    at = np.broadcast_to(np.arange(n), (m, n))
    change = ranked[:, 1:] != ranked[:, :-1]
    start = np.concatenate([np.ones((m, 1), bool), change], axis=1)
    end = np.concatenate([change, np.ones((m, 1), bool)], axis=1)
    first = np.maximum.accumulate(np.where(start, at, 0), axis=1)
    last = np.minimum.accumulate(np.where(end, at, n - 1)[:, ::-1], axis=1)[:, ::-1]
    best = np.argmax(last - first, axis=1)
    value = ranked[np.arange(m), best]
    index = n - 1 - np.argmax((rows == value[:, None])[:, ::-1], axis=1)
    return index.astype(np.int64)


def mode(input, dim=-1, keepdim=False, *, axis=None, keepdims=None):
    """The named tuple ``(values, indices)`` of the most frequent value along ``dim`` (the smallest of equally
    frequent ones; its index is that of its last occurrence); the values are differentiable."""
    x = raw(input)
    dim = one_of("mode", "dim", None if dim == -1 else dim, "axis", axis, -1)
    keep = _keep("mode", keepdim or None, keepdims)
    d = normalize_axis(dim, x.ndim, "mode", False)
    if x.ndim == 0:
        return return_types.mode(_shp.reshape(input, shape=()), autograd._Tensor(np.zeros((), np.int64)))
    if x.shape[d] == 0:
        raise AxisError(f"mode(): Expected reduction dim {d} to have non-zero size.")
    moved = np.moveaxis(x, d, -1)
    index = _mode_rows(moved.reshape(-1, x.shape[d])).reshape(moved.shape[:-1])
    index = np.expand_dims(index, d)
    values = _shp.gather(input, index=index, axis=d)
    if not keep:
        values, index = _shp.reshape(values, shape=index.shape[:d] + index.shape[d + 1:]), np.squeeze(index, d)
    return return_types.mode(values, autograd._Tensor(index))


class StatsMethods:
    """``x.nansum()``, ``x.nanmean()``, ``x.quantile(q)``, ``x.mode()`` (``std_mean`` is a function only, as in
    PyTorch)."""

    __slots__ = ()

    def nansum(self, dim=None, keepdim=None, *, dtype=None, axis=None, keepdims=None):
        return nansum(self, dim, keepdim, dtype=dtype, axis=axis, keepdims=keepdims)

    def nanmean(self, dim=None, keepdim=None, *, dtype=None, axis=None, keepdims=None):
        return nanmean(self, dim, keepdim, dtype=dtype, axis=axis, keepdims=keepdims)

    def quantile(self, q, dim=None, keepdim=False, *, interpolation="linear", axis=None, keepdims=None):
        return quantile(self, q, dim, keepdim, interpolation=interpolation, axis=axis, keepdims=keepdims)

    def mode(self, dim=-1, keepdim=False, *, axis=None, keepdims=None):
        return mode(self, dim, keepdim, axis=axis, keepdims=keepdims)
