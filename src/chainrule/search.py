"""Counting and searching, with PyTorch's names and semantics: ``unique bincount histc searchsorted bucketize
count_nonzero``, and the comparisons of whole tensors ``isclose allclose equal`` and ``logical_and/or/xor/not``.

None of them is differentiable: each returns a tensor without a gradient (``allclose`` and ``equal`` a Python
bool), as PyTorch's do. :class:`SearchMethods` (a base class of Tensor) gives the method twins.
"""
from __future__ import annotations

import numpy as np

from . import autograd
from .errors import AxisError, DtypeError, ShapeError
from .ops.registry import normalize_axis, raw

__all__ = ["unique", "bincount", "histc", "searchsorted", "bucketize", "count_nonzero", "isclose", "allclose",
           "equal", "logical_and", "logical_or", "logical_xor", "logical_not"]


def _tensor(array):
    return autograd._Tensor(np.asarray(array))


def _array(x, name, what="input"):
    """``x`` as an array (a tensor's, or a number's 0-d array)."""
    if isinstance(x, (list, tuple)):
        raise TypeError(f"{name}(): argument '{what}' must be a Tensor, not {type(x).__name__}.")
    return np.asarray(raw(x))


def _integral(a):
    return a.dtype.kind in "iub"


# --- unique and counts -----------------------------------------------------------------------------------

def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct values of ``input`` in ascending order (flattened), or with ``dim`` the distinct slices
    along ``dim``; with ``return_inverse`` / ``return_counts`` a tuple ``(output, inverse_indices, counts)``
    of what was asked (int64 indices: ``output[inverse_indices]`` rebuilds ``input``). NaNs stay distinct."""
    x = _array(input, "unique")
    if dim is None:
        values, inverse, counts = np.unique(x.reshape(-1), return_inverse=True, return_counts=True,
                                            equal_nan=False)
        inverse = inverse.reshape(x.shape)
    else:
        if x.ndim == 0:
            raise AxisError(f"unique(): dim {dim} was given, but a 0-d tensor has no dimensions.")
        d = normalize_axis(dim, x.ndim, "unique", False)
        empty = [i for i, n in enumerate(x.shape) if n == 0]
        if empty and empty != [d]:
            raise ShapeError(f"unique(): dims {empty} have size 0 and not only the dim {d} given, so unique "
                             f"cannot be applied.")
        if empty:
            values, inverse, counts = x, np.zeros(0, np.int64), np.zeros(0, np.int64)
        else:
            values, inverse, counts = np.unique(x, return_inverse=True, return_counts=True, axis=d,
                                                equal_nan=False)
            inverse = inverse.reshape(-1)
    out = [_tensor(values)]
    if return_inverse:
        out.append(_tensor(inverse.astype(np.int64)))
    if return_counts:
        out.append(_tensor(counts.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def bincount(input, weights=None, minlength=0):
    """How often each value 0, 1, ... occurs in a 1-D tensor of non-negative integers (int64; at least
    ``minlength`` bins), or the sums of ``weights`` (float32 weights give float32, others float64; an empty
    input gives int64 zeros)."""
    x = _array(input, "bincount")
    if not _integral(x):
        raise NotImplementedError(f"bincount(): input must be an integer tensor, got dtype {x.dtype}.")
    if x.ndim != 1 or x.size and x.min() < 0:
        raise ShapeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise ShapeError(f"bincount(): minlength should be >= 0, got {minlength}.")
    if weights is None or not x.size:                     # PyTorch: an empty input counts, even with weights
        return _tensor(np.bincount(x, minlength=minlength).astype(np.int64))
    w = _array(weights, "bincount", "weights")
    if w.shape != x.shape:
        raise ShapeError(f"bincount(): weights should be 1-d and have the same length as input, got shapes "
                         f"{w.shape} and {x.shape}.")
    dtype = np.float32 if w.dtype == np.float32 else np.float64
    return _tensor(np.bincount(x, weights=w.astype(np.float64), minlength=minlength).astype(dtype))


def histc(input, bins=100, min=0, max=0):
    """A histogram of ``bins`` equal bins over ``[min, max]`` (both 0: the data's own range, widened by 1 on
    each side when all values are equal); values outside are ignored. Float tensors only, as PyTorch."""
    x = _array(input, "histc")
    if x.dtype.kind != "f":
        raise NotImplementedError(f"histc(): input must be a float tensor, got dtype {x.dtype}.")
    if bins <= 0:
        raise ShapeError(f"torch.histc(): bins must be > 0, but got {bins}.")
    lo, hi = float(raw(min)), float(raw(max))
    if lo == hi and x.size:
        lo, hi = float(x.min()), float(x.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if lo > hi:
        raise ShapeError("torch.histc: max must be larger than min.")
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ShapeError(f"torch.histc: range of [{lo}, {hi}] is not finite.")
    flat = x.reshape(-1)
    flat = flat[(flat >= lo) & (flat <= hi)]
    index = ((flat.astype(np.float64) - lo) * bins / (hi - lo)).astype(np.int64)
    index[index == bins] = bins - 1                       # the right edge belongs to the last bin
    return _tensor(np.bincount(index, minlength=bins).astype(x.dtype))


def count_nonzero(input, dim=None):
    """The number of nonzero elements (over ``dim``, an int or a tuple), an int64 tensor."""
    x = _array(input, "count_nonzero")
    axes = normalize_axis(dim, x.ndim, "count_nonzero")
    if isinstance(axes, tuple) and len(set(axes)) != len(axes):
        raise ShapeError(f"count_nonzero(): dim {dim} appears multiple times in the list of dims.")
    return _tensor(np.asarray(np.count_nonzero(x, axis=axes), np.int64))


# --- sorted search -------------------------------------------------------------------------------------------

def _side(name, right, side):
    if side is not None and side not in ("left", "right"):
        raise ShapeError(f"{name}(): side can only be 'left' or 'right' but got {side!r}.")
    if side == "left" and right:
        raise ShapeError(f"{name}(): side and right can't be set to opposites, got side of left while right "
                         f"was True.")
    return "right" if right or side == "right" else "left"


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, sorter=None):
    """For each value of ``input``, the index where it would be inserted into ``sorted_sequence`` to keep it
    sorted (``right=True`` or ``side='right'``: after equal values). ``sorted_sequence`` is 1-D, or its leading
    dims match ``input``'s and each row is searched for its row of values; ``sorter`` sorts it when it is not.
    int64 (``out_int32``: int32), not differentiable."""
    seq = _array(sorted_sequence, "searchsorted", "sorted_sequence")
    values = np.asarray(raw(input))
    how = _side("searchsorted", right, side)
    if seq.ndim == 0 or seq.ndim > 1 and (values.ndim == 0 or seq.shape[:-1] != values.shape[:-1]):
        raise ShapeError(f"torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                         f"dimensions of boundaries tensor and input value tensor must match, but we got "
                         f"boundaries tensor {list(seq.shape)} and input value tensor {list(values.shape)}.")
    if sorter is not None:
        order = _array(sorter, "searchsorted", "sorter")
        if order.shape != seq.shape or not _integral(order):
            raise ShapeError(f"searchsorted(): sorter must be an integer tensor of the boundaries' shape "
                             f"{seq.shape}, got {order.dtype} of shape {order.shape}.")
        seq = np.take_along_axis(seq, order, axis=-1)
    dtype = np.int32 if out_int32 else np.int64
    if seq.ndim == 1:
        return _tensor(np.searchsorted(seq, values, side=how).astype(dtype))
    return _tensor(_rowwise_search(seq, values, how).astype(dtype))


def _rowwise_search(seq, values, how):
    """:func:`numpy.searchsorted` of each row of values in its row of ``seq``: one vectorized bisection."""
    n = seq.shape[-1]
    lead = int(np.prod(seq.shape[:-1]))
    rows, vals = seq.reshape(lead, n), values.reshape(lead, values.shape[-1])
    lo, hi = np.zeros(vals.shape, np.int64), np.full(vals.shape, n, np.int64)
    if n == 0 or not vals.size:
        return lo.reshape(values.shape)
    row = np.arange(rows.shape[0])[:, None]
    before = np.less_equal if how == "right" else np.less
    for _ in range(int(n).bit_length() + 1):
        active = lo < hi
        mid = (lo + hi) // 2
        go = active & before(rows[row, np.minimum(mid, n - 1)], vals)
        lo = np.where(go, mid + 1, lo)
        hi = np.where(active & ~go, mid, hi)
    return lo.reshape(values.shape)


def bucketize(input, boundaries, *, out_int32=False, right=False):
    """The bucket of each value of ``input`` among the sorted 1-D ``boundaries``: ``searchsorted(boundaries,
    input, right=right)``."""
    b = _array(boundaries, "bucketize", "boundaries")
    if b.ndim != 1:
        raise ShapeError(f"boundaries tensor must be 1 dimension, but got dim({b.ndim}).")
    return searchsorted(b, input, out_int32=out_int32, right=right)


# --- comparisons of whole tensors, logic ----------------------------------------------------------------------

def _same_dtype(name, a, b):
    if a.dtype != b.dtype:
        raise DtypeError(f"{name}(): expected both inputs to have the same dtype, got {a.dtype} and {b.dtype}; "
                         f"convert one with .to(dtype).")


def _broadcast(name, a, b):
    try:
        return np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ShapeError(f"{name}(): shapes {a.shape} and {b.shape} do not broadcast.") from None


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Elementwise ``|input - other| <= atol + rtol * |other|`` (equal infinities are close; NaNs only with
    ``equal_nan``), a boolean tensor; both tensors of one dtype, broadcast."""
    a, b = _array(input, "isclose"), _array(other, "isclose", "other")
    _same_dtype("isclose", a, b)
    _broadcast("isclose", a, b)
    if rtol < 0 or atol < 0:
        raise ShapeError(f"isclose(): rtol and atol must be non-negative, got rtol={rtol}, atol={atol}.")
    if a.dtype == np.bool_:
        return _tensor(a == b)
    with np.errstate(invalid="ignore", over="ignore"):
        return _tensor(np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    """Whether every element of ``input`` is close to ``other``'s (:func:`isclose`), a Python bool."""
    return bool(raw(isclose(input, other, rtol, atol, equal_nan)).all())


def equal(input, other) -> bool:
    """Whether both tensors have the same shape and the same values, a Python bool."""
    a, b = _array(input, "equal"), _array(other, "equal", "other")
    return a.shape == b.shape and bool(np.array_equal(a, b))


def _logical(name, function):
    def logical(input, other):
        a, b = _array(input, name), _array(other, name, "other")
        _broadcast(name, a, b)
        return _tensor(function(a, b))
    logical.__name__ = name
    logical.__doc__ = f"Elementwise {name.split('_')[1]} of the truth of ``input`` and ``other`` (nonzero is " \
                      f"true), a boolean tensor."
    return logical


logical_and = _logical("logical_and", np.logical_and)
logical_or = _logical("logical_or", np.logical_or)
logical_xor = _logical("logical_xor", np.logical_xor)


def logical_not(input):
    """True where ``input`` is zero, a boolean tensor."""
    return _tensor(np.logical_not(_array(input, "logical_not")))


def _method(function):
    def method(self, *args, **kw):
        return function(self, *args, **kw)
    method.__name__, method.__doc__ = function.__name__, function.__doc__
    return method


class SearchMethods:
    """The Tensor methods of this module's functions (``x.unique()``, ``x.isclose(y)``, ``x.logical_not()``);
    ``searchsorted`` and ``bucketize`` are functions only, as in PyTorch."""

    __slots__ = ()

    unique, bincount, histc, count_nonzero = (_method(f) for f in (unique, bincount, histc, count_nonzero))
    isclose, allclose, equal = (_method(f) for f in (isclose, allclose, equal))
    logical_and, logical_or, logical_xor, logical_not = (_method(f) for f in (logical_and, logical_or, logical_xor,
                                                                               logical_not))
