"""Reductions: sum, mean, amax/amin, max/min, argmax/argmin, var/std, logsumexp, softmax, log_softmax,
prod, cumsum (a scan), the vector norm and argsort.

Each takes PyTorch's ``dim``/``keepdim`` and NumPy's ``axis``/``keepdims``, positionally too (``sum(x, 1)``).
The backward of a reduction broadcasts the upstream gradient back over the reduced axes: the copy gate seen
from the other side (one value was used by every element it summarised).
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from .. import autograd as _autograd, return_types
from ..errors import AxisError, DtypeError
from .elementwise import abs, exp, maximum, minimum, where
from .registry import defop, expand_reduced, normalize_axis, one_of, raw, spread
from .shape import broadcast_to, concatenate, getitem, reshape


def _count(shape, axis):
    if axis is None or not shape:
        return math.prod(shape)
    axes = (axis,) if isinstance(axis, (int, np.integer)) else axis
    return math.prod(shape[a] for a in axes)


def _nonempty(name, x, axis):
    """PyTorch's IndexError for a max/min/argmax over no values."""
    shape = np.shape(x)
    if axis is None and np.size(x) == 0:
        raise AxisError(f"{name}(): the input is empty; give a dim whose size is not 0 (the result over no "
                        f"values is undefined).")
    for a in () if axis is None else (axis,) if isinstance(axis, (int, np.integer)) else axis:
        if -len(shape) <= a < len(shape) and shape[a] == 0:      # out of range: NumPy's AxisError follows
            raise AxisError(f"{name}(): dim {a} has size 0, so there is no value to reduce; reduce another dim.")


def _no_bool(name, x):
    if x.dtype == bool:
        raise DtypeError(f"{name}(): does not support bool input, as in PyTorch; convert with .long() first.")


def _sum_grad(g, ans, x, axis=None, keepdims=False):
    g = expand_reduced(g, x.shape, axis, keepdims)
    if isinstance(g, (np.ndarray, np.generic)):     # a read-only view, no copy; keeps g's dtype (a float32
        return spread(g, x.shape)                    # scalar through the op would become a weak Python float)
    return broadcast_to(g, x.shape)


@defop("sum", vjps=(_sum_grad,), saves=(), gate="distributor", promote="int64")
def sum(x, axis=None, keepdims=False):
    """Sum over ``axis`` (all axes by default)."""
    return np.add.reduce(x, axis=axis, keepdims=keepdims)     # np.sum's own call, without its wrappers


def _mean_grad(g, ans, x, axis=None, keepdims=False):
    n = _count(x.shape, axis)                      # n == 0: the gradient is empty
    return _sum_grad(g * (1.0 / n if n else 0.0), ans, x, axis, keepdims)  # scaled before it is broadcast


@defop("mean", vjps=(_mean_grad,), saves=(), gate="distributor", promote="floating", role="gradient distributor (x 1/n)")
def mean(x, axis=None, keepdims=False):
    """Mean over ``axis``; over no values it is nan, as in PyTorch."""
    if type(x) is np.ndarray and x.size and x.dtype.kind == "f" and x.dtype.itemsize >= 4:
        # np.mean's own steps for these dtypes (a pairwise sum in the dtype, then one division) without
        # its Python wrappers: bit for bit the same, a third of the time on a small tensor
        return np.add.reduce(x, axis=axis, keepdims=keepdims) / _count(x.shape, axis)
    if np.size(x) == 0:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.sum(x, axis=axis, keepdims=keepdims) / np.float32(_count(np.shape(x), axis))
    return np.mean(x, axis=axis, keepdims=keepdims)


def _extreme_grad(g, ans, x, axis=None, keepdims=False):
    rx = raw(x)
    winners = rx == expand_reduced(raw(ans), rx.shape, axis, keepdims)
    share = winners / winners.sum(axis=axis, keepdims=True)  # ties split the gradient equally
    return expand_reduced(g, rx.shape, axis, keepdims) * share.astype(rx.dtype, copy=False)


@defop("max", vjps=(_extreme_grad,), uses_ans=True, gate="router")
def amax(x, axis=None, keepdims=False):
    """Largest value over ``axis`` (PyTorch's ``amax``); the gradient goes to the winner, split among ties."""
    _nonempty("amax", x, axis)
    return np.max(x, axis=axis, keepdims=keepdims)


@defop("min", vjps=(_extreme_grad,), uses_ans=True, gate="router")
def amin(x, axis=None, keepdims=False):
    """Smallest value over ``axis`` (PyTorch's ``amin``); the gradient goes to the winner, split among ties."""
    _nonempty("amin", x, axis)
    return np.min(x, axis=axis, keepdims=keepdims)


@defop("argmax")
def argmax(x, axis=None, keepdims=False):
    """Index of the largest value over ``axis`` (of the flattened input by default); the first one at a tie."""
    _no_bool("argmax", x)
    _nonempty("argmax", x, axis)
    return np.argmax(x, axis=axis, keepdims=keepdims)


@defop("argmin")
def argmin(x, axis=None, keepdims=False):
    """Index of the smallest value over ``axis`` (of the flattened input by default); the first one at a tie."""
    _no_bool("argmin", x)
    _nonempty("argmin", x, axis)
    return np.argmin(x, axis=axis, keepdims=keepdims)


def _extreme(name, reduce_all, pick, elementwise, input, dim, keepdim, axis, keepdims):
    """torch.max/min: the reduction over everything, ``(values, indices)`` along a dim, or ``max(x, y)``."""
    if dim is not None and not isinstance(dim, (int, np.integer, tuple, list)):
        return elementwise(input, dim)                  # max(x, other): the elementwise maximum
    dim = one_of(name, "dim", dim, "axis", axis)
    keep = bool(one_of(name, "keepdim", keepdim, "keepdims", keepdims, False))
    if dim is None:
        return reduce_all(input, keepdims=keep) if keep else reduce_all(input)
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{name}(): dim must be one integer, got {dim!r}; over several dims use a{name}().")
    x = raw(input)
    chooser = _autograd._Tensor(x.view(np.uint8)) if x.dtype == bool else input    # argmax refuses booleans
    dim = normalize_axis(dim, np.ndim(x), name)
    if dim is None:                                     # a 0-d input: itself, at index 0
        return getattr(return_types, name)(reshape(input, shape=()), pick(chooser))
    _nonempty(name, x, dim)
    indices = pick(chooser, axis=dim, keepdims=True)
    grid = list(np.indices(x.shape, sparse=True))
    grid[dim] = raw(indices)
    values = getitem(input, index=tuple(grid))          # the gradient goes to the index, as in PyTorch
    if not keep:
        values = reshape(values, shape=x.shape[:dim] + x.shape[dim + 1:])
        indices = reshape(indices, shape=x.shape[:dim] + x.shape[dim + 1:])
    return getattr(return_types, name)(values, indices)


def max(input, dim=None, keepdim=None, *, axis=None, keepdims=None):
    """``max(x)``: the largest value; ``max(x, dim)``: ``(values, indices)`` along ``dim`` (a named tuple);
    ``max(x, y)`` with a tensor ``y``: the elementwise maximum. As ``torch.max``."""
    return _extreme("max", amax, argmax, maximum, input, dim, keepdim, axis, keepdims)


def min(input, dim=None, keepdim=None, *, axis=None, keepdims=None):
    """``min(x)``, ``min(x, dim)`` -> ``(values, indices)``, ``min(x, y)``: as :func:`max`, for the smallest."""
    return _extreme("min", amin, argmin, minimum, input, dim, keepdim, axis, keepdims)


def _var_grad(g, ans, x, axis=None, correction=1, keepdims=False):
    centered = x - mean(x, axis=axis, keepdims=True)
    dof = _count(x.shape, axis) - correction
    return expand_reduced(g, x.shape, axis, keepdims) * centered * (2.0 / dof if dof > 0 else math.inf)


@defop("var", vjps=(_var_grad,), promote="floating")
def variance(x, axis=None, correction=1, keepdims=False):
    """Variance over ``axis``: the squared deviations summed and divided by ``N - correction``."""
    if _count(np.shape(x), axis) - correction <= 0:
        warnings.warn("var(): degrees of freedom <= 0 (no more values than the correction), so the result is "
                      "nan or inf, as in PyTorch; reduce over more values or pass correction=0.", UserWarning,
                      stacklevel=5)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return np.var(x, axis=axis, ddof=correction, keepdims=keepdims)
    return np.var(x, axis=axis, ddof=correction, keepdims=keepdims)


def _std_grad(g, ans, x, axis=None, correction=1, keepdims=False):
    zero = raw(ans) == 0                                # PyTorch: no deviation, gradient 0 (not 0/0)
    return _var_grad(where(zero, 0, g / (where(zero, 1, ans) * 2)), None, x, axis, correction, keepdims)


@defop("std", vjps=(_std_grad,), uses_ans=True, promote="floating")
def deviation(x, axis=None, correction=1, keepdims=False):
    """Standard deviation over ``axis``: the square root of the variance."""
    return np.sqrt(variance.forward(x, axis, correction, keepdims))


def _correction(name, unbiased, correction, ddof):
    given = [k for k, v in (("unbiased", unbiased), ("correction", correction), ("ddof", ddof)) if v is not None]
    if len(given) > 1:
        raise TypeError(f"{name}(): got {' and '.join(given)}; pass one of them.")
    if unbiased is not None:
        return 1 if unbiased else 0
    return correction if correction is not None else ddof if ddof is not None else 1


def _spread(name, op, input, dim, unbiased, keepdim, correction, axis, keepdims, ddof):
    if isinstance(dim, bool):                           # torch.var(x, unbiased)
        dim, unbiased = None, dim
    dim = normalize_axis(one_of(name, "dim", dim, "axis", axis), np.ndim(raw(input)), name)
    return op(input, axis=dim, correction=_correction(name, unbiased, correction, ddof),
              keepdims=bool(one_of(name, "keepdim", keepdim, "keepdims", keepdims, False)))


def var(input, dim=None, unbiased=None, keepdim=None, *, correction=None, axis=None, keepdims=None, ddof=None):
    """Variance over ``dim``, unbiased (divided by N - 1) by default as in PyTorch; ``unbiased=False``,
    ``correction=0`` or NumPy's ``ddof=0`` divide by N."""
    return _spread("var", variance, input, dim, unbiased, keepdim, correction, axis, keepdims, ddof)


def std(input, dim=None, unbiased=None, keepdim=None, *, correction=None, axis=None, keepdims=None, ddof=None):
    """Standard deviation: the square root of :func:`var` (same arguments and defaults); where it is 0 its
    gradient is 0, as in PyTorch."""
    return _spread("std", deviation, input, dim, unbiased, keepdim, correction, axis, keepdims, ddof)


def _logsumexp_grad(g, ans, x, axis=None, keepdims=False):
    return expand_reduced(g, x.shape, axis, keepdims) * exp(x - expand_reduced(ans, x.shape, axis, keepdims))


@defop("logsumexp", vjps=(_logsumexp_grad,), uses_ans=True, promote="float")
def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x))) over ``axis``, computed stably by shifting by the max; -inf over no values."""
    m = np.max(x, axis=axis, keepdims=True, initial=-np.inf) if np.size(x) == 0 else np.max(x, axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    with np.errstate(divide="ignore"):
        out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis) if axis is not None else out.reshape(())


@defop("softmax", vjps=(lambda g, ans, x, axis=-1: ans * (g - sum(g * ans, axis=axis, keepdims=True)),),
       uses_ans=True, promote="floating")
def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along ``axis``, shifted by the max so large scores do not overflow."""
    if np.size(x) == 0:
        return np.exp(x)
    if np.ndim(x) == 0:
        axis = None
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    e /= np.sum(e, axis=axis, keepdims=True)
    return e


def _log_softmax_grad(g, ans, x, axis=-1, cache=None):
    """g - softmax(x) sum(g): from the forward's exponentials and their sums (no second exp), or, when
    differentiating the backward (``cache`` None), the same formula with ops."""
    if cache is None:
        return g - softmax(x, axis=axis) * sum(g, axis=axis, keepdims=True)
    exps, sums, axis = cache
    out = exps * (np.add.reduce(g, axis=axis, keepdims=True) / sums)
    if type(out) is not np.ndarray:                  # a 0-d input
        return g - out
    return np.subtract(g, out, out=out)


@defop("log_softmax", vjps=(_log_softmax_grad,), cached=True, promote="floating")
def log_softmax(x, axis=-1):
    """x - logsumexp(x) along ``axis``: log-probabilities, stable for any scores.

    Returns ``(out, cache)``: backward reads softmax(x) as the kept exponentials over their sums.
    """
    x = np.asarray(x)
    if x.size == 0:
        out = np.exp(x)
        return out, (out, np.ones((), out.dtype), None)
    if x.ndim == 0:
        axis = None
    shifted = x - np.maximum.reduce(x, axis=axis, keepdims=True)
    exps = np.exp(shifted)
    sums = np.add.reduce(exps, axis=axis, keepdims=True)
    log_z = np.log(sums)
    if type(shifted) is np.ndarray and shifted.dtype == log_z.dtype:
        shifted -= log_z
        return shifted, (exps, sums, axis)
    return shifted - log_z, (exps, sums, axis)



def _prod_grad(g, ans, x, axis=None, keepdims=False):
    """d prod / d x_i = the product of the others: ans / x_i without zeros; with one zero in a slice, the
    product of the nonzeros at the zero (0 elsewhere); with two, each zero gets the other times that product."""
    rx = raw(x)
    g = expand_reduced(g, rx.shape, axis, keepdims)
    ans = expand_reduced(ans, rx.shape, axis, keepdims)
    zero = rx == 0
    if not zero.any():
        return g * ans / x
    zeros = zero.sum(axis=axis, keepdims=True)
    nonzero_part = prod(where(zero, 1, x), axis=axis, keepdims=True)
    zero_sum = sum(where(zero, x, 0), axis=axis, keepdims=True)   # 0, but its derivative counts the zeros
    at_zero = where(zeros == 1, nonzero_part, where(zeros == 2, (zero_sum - x) * nonzero_part, 0))
    return g * where(zero, at_zero, ans / where(zero, 1, x))


@defop("prod", vjps=(_prod_grad,), uses_ans=True, promote="int64")
def prod(x, axis=None, keepdims=False):
    """Product over ``axis`` (all axes by default); the gradient is exact with zeros among the factors."""
    return np.prod(x, axis=axis, keepdims=keepdims)


def _reversed(a, axis):
    return getitem(a, index=(slice(None),) * (axis % a.ndim) + (slice(None, None, -1),))


def _cumsum_grad(g, ans, x, axis):
    if g.ndim == 0:
        return g
    return _reversed(cumsum(_reversed(g, axis), axis=axis), axis)


@defop("cumsum", vjps=(_cumsum_grad,), promote="int64")
def cumsum(x, axis):
    """Running sums along ``axis``; backward is the running sum of the gradient from the other end."""
    if x.ndim == 0:
        return np.array(np.cumsum(x.reshape(1), axis=axis)[0])
    return np.cumsum(x, axis=axis)


def _cumprod_grad(g, ans, x, axis):
    """Without zeros, the reversed running sum of g * ans, divided by x. With zeros, on arrays: that for the
    elements before a slice's first zero, the running sum of g times the products that leave it out at that
    zero, 0 after it; on tensors (create_graph), PyTorch's differentiable form: each element's gradient
    summed from the products that leave it out (n steps)."""
    rx = raw(x)
    if rx.ndim == 0 or rx.size == 0:
        return g
    zero = rx == 0
    if not zero.any():
        return _reversed(cumsum(_reversed(g * ans, axis), axis=axis), axis) / x
    if isinstance(x, np.ndarray):
        seen = np.cumsum(zero, axis=axis)
        before, first = seen == 0, zero & (seen == 1)
        tail = np.flip(np.cumsum(np.flip(g * ans, axis), axis), axis) / np.where(before, x, 1)
        left_out = np.cumprod(np.where(first, 1, x), axis)
        at_first = np.flip(np.cumsum(np.flip(g * left_out, axis), axis), axis)
        return np.where(before, tail, np.where(first, at_first, 0)).astype(rx.dtype, copy=False)
    n, lead = rx.shape[axis], (slice(None),) * (axis % rx.ndim)
    pieces = []
    for k in range(n):
        upto = prod(getitem(x, index=lead + (slice(0, k),)), axis=axis, keepdims=True)
        rest = cumprod(getitem(x, index=lead + (slice(k + 1, n),)), axis=axis)
        ones = np.ones(rx.shape[:axis % rx.ndim] + (1,) + rx.shape[axis % rx.ndim + 1:], rx.dtype)
        left_out = concatenate(ones, rest, axis=axis) * upto
        pieces.append(sum(getitem(g, index=lead + (slice(k, n),)) * left_out, axis=axis, keepdims=True))
    return concatenate(*pieces, axis=axis)


@defop("cumprod", vjps=(_cumprod_grad,), uses_ans=True)
def cumprod(x, axis):
    """Running products along ``axis``; the gradient is exact with zeros among the factors, to any order."""
    if x.ndim == 0:
        return np.array(np.cumprod(x.reshape(1), axis=axis)[0])
    return np.cumprod(x, axis=axis)


def _norm_grad(g, ans, x, p=2.0, axis=None, keepdims=False):
    rx = raw(x)
    g = expand_reduced(g, rx.shape, axis, keepdims)
    if p == 0:
        return g * np.zeros_like(rx)
    sign = np.sign(rx)
    if p == 1:
        return g * sign
    n = expand_reduced(ans, rx.shape, axis, keepdims)
    if p in (np.inf, -np.inf):
        winners = np.abs(rx) == raw(n)
        share = winners / winners.sum(axis=axis, keepdims=True)    # ties split the gradient, as PyTorch
        return g * (sign * share).astype(rx.dtype, copy=False)
    empty = raw(n) == 0
    safe = where(empty, 1, n)                                      # a zero norm has gradient 0 (PyTorch's choice)
    if p == 2:
        return where(empty, 0, g * x / safe)
    return where(empty, 0, g * sign * abs(x) ** (p - 1) / safe ** (p - 1))


@defop("norm", vjps=(_norm_grad,), uses_ans=True, promote="floating")
def norm(x, p=2.0, axis=None, keepdims=False):
    """The vector ``p``-norm over ``axis`` (all axes by default): (sum |x|^p)^(1/p), max |x| for inf,
    the count of nonzeros for 0."""
    a = np.abs(x)
    if p == 2:
        return np.sqrt(np.sum(x * x, axis=axis, keepdims=keepdims))
    if p in (np.inf, -np.inf):
        _nonempty("norm", x, axis)                      # the max of no values is undefined
    if p == np.inf:
        return np.max(a, axis=axis, keepdims=keepdims)
    if p == -np.inf:
        return np.min(a, axis=axis, keepdims=keepdims)
    if p == 0:
        return np.sum(a != 0, axis=axis, keepdims=keepdims).astype(a.dtype)
    if p == 1:
        return np.sum(a, axis=axis, keepdims=keepdims)
    return np.sum(a ** p, axis=axis, keepdims=keepdims) ** (1.0 / p)


@defop("argsort")
def argsort(x, axis=-1, descending=False, stable=False):
    """The int64 indices that sort x along ``axis`` (NaN counts as the largest value; equal values keep
    their order when ``stable``); not differentiable."""
    if x.ndim == 0:
        return np.zeros((), dtype=np.int64)
    kind = "stable" if stable else None
    if not descending:
        return np.argsort(x, axis=axis, kind=kind).astype(np.int64, copy=False)
    backwards = np.argsort(np.flip(x, axis), axis=axis, kind=kind)     # reversed, so ties keep their order
    return (x.shape[axis] - 1 - np.flip(backwards, axis)).astype(np.int64, copy=False)
