"""Shape ops: they move values around without changing them, so backward moves the gradient back.

squeeze, unsqueeze and flatten are reshapes; swapaxes and permute are transposes; ``expand`` is broadcast_to.
"""
from __future__ import annotations

import numpy as np

from ..errors import IndexRangeError, ShapeError
from .elementwise import where
from .registry import defop, normalize_axis, one_of


@defop("reshape", vjps=(lambda g, ans, x, shape: reshape(g, x.shape),), saves=(), view=True)
def reshape(x, shape):
    """The same values in a new shape (a view when possible)."""
    try:
        return np.reshape(x, shape)
    except ValueError:
        raise ShapeError(f"reshape: cannot reshape a tensor of shape {np.shape(x)} "
                         f"({np.size(x)} values) into {tuple(shape)}.") from None


def _inverse(axes, ndim):
    """The permutation that undoes ``axes`` (negative axes count from the end)."""
    return tuple(np.argsort([a % ndim for a in axes]))


@defop("transpose", vjps=(lambda g, ans, x, axes=None: transpose(g, None if axes is None else _inverse(axes, x.ndim)),),
       saves=(), view=True)
def transpose(x, axes=None):
    """Permute the axes (reverse them by default); a view."""
    return np.transpose(x, axes)


@defop("broadcast_to", vjps=(lambda g, ans, x, shape: g,), gate="copy", saves=())
def broadcast_to(x, shape):
    """Repeat x along broadcast axes (a view); backward sums the copies' gradients back (the copy gate)."""
    try:
        return np.broadcast_to(x, shape)
    except ValueError:
        raise ShapeError(f"expand: cannot broadcast shape {np.shape(x)} to {tuple(shape)}.") from None


def _is_basic_index(index) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return all(i is None or i is Ellipsis or isinstance(i, (slice, int, np.integer)) for i in items)


def _has_int_array(index) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return any(isinstance(i, (np.ndarray, list)) and np.asarray(i).dtype != bool for i in items)


def _getitem_grad(g, ans, x, index):
    if type(g) is np.ndarray:                    # no op call on plain arrays: its bookkeeping is half the cost
        return index_add.forward(g, index, x.shape)
    return index_add(g, index=index, shape=x.shape)


@defop("getitem", vjps=(_getitem_grad,), saves=(), view=True)
def getitem(x, index):
    """x[index] with slices, integers, integer arrays or boolean masks."""
    return x[index]


@defop("index_add", vjps=(lambda g, ans, src, index, shape: getitem(g, index),), saves=())
def index_add(src, index, shape):
    """A zero array of ``shape`` with ``src`` added at ``index``; repeated indices accumulate."""
    out = np.zeros(shape, dtype=np.result_type(src))
    if _has_int_array(index):
        np.add.at(out, index, src)
    else:
        out[index] = src
    return out


@defop("clone", vjps=(lambda g, ans, x: g,), saves=())
def clone(x):
    """A copy with its own memory; the gradient passes unchanged (``x.clone()``)."""
    return np.array(x, copy=True)


@defop("contiguous", vjps=(lambda g, ans, x: g,), saves=())
def contiguous(x):
    """A row-major copy; the gradient passes unchanged (``x.contiguous()`` of a non-contiguous tensor)."""
    return np.array(x, order="C", copy=True)


def _split_grads(g, ans, needs, *xs, axis=0, stacked=False):
    grads, start = [], 0
    for x, need in zip(xs, needs):
        n = 1 if stacked else x.shape[axis]
        if need:
            index = (slice(None),) * (axis % g.ndim) + ((start if stacked else slice(start, start + n)),)
            grads.append(getitem(g, index))
        else:
            grads.append(None)
        start += n
    return grads


def _joined(name, xs, axis, new_axis):
    """The axis of a cat (``new_axis=False``) or stack, checked against the inputs as PyTorch does."""
    if not xs:
        raise ValueError(f"{name}: needs at least one tensor.")
    ndim = np.ndim(xs[0])
    if ndim == 0 and not new_axis:
        raise ShapeError(f"{name}: a 0-d tensor cannot be concatenated; unsqueeze it or use stack.")
    return normalize_axis(axis, ndim + new_axis, name)


# The ops take the arrays one by one (as every op does); cat and stack below are the public functions.
@defop("concatenate", vjp_all=_split_grads, saves=(), promote="same")
def _concatenate(*xs, axis=0):
    """Join tensors along an existing axis; backward hands each input its slice of the gradient."""
    axis = _joined("cat", xs, axis, False)
    try:
        return np.concatenate(xs, axis=axis)
    except ValueError:
        raise ShapeError(f"cat: shapes {[np.shape(x) for x in xs]} differ outside dim {axis}; make them equal "
                         f"there.") from None


@defop("stack", vjp_all=lambda g, ans, needs, *xs, axis=0: _split_grads(g, ans, needs, *xs, axis=axis, stacked=True),
       saves=(), promote="same")
def _stack(*xs, axis=0):
    """Join same-shaped tensors along a new axis."""
    axis = _joined("stack", xs, axis, True)
    try:
        return np.stack(xs, axis=axis)
    except ValueError:
        raise ShapeError(f"stack: all shapes must be equal, got {[np.shape(x) for x in xs]}.") from None


def cat(tensors, *more, dim=None, axis=None):
    """Join tensors along an existing dim, as ``torch.cat(tensors, dim=0)``; ``cat(a, b)`` also works."""
    tensors, dim = _sequence(tensors, more, dim, "cat")
    return _concatenate(*tensors, axis=one_of("cat", "dim", dim, "axis", axis, 0))


concatenate = cat      # torch.concatenate: the same function


def stack(tensors, *more, dim=None, axis=None):
    """Join same-shaped tensors along a new dim, as ``torch.stack(tensors, dim=0)``; ``stack(a, b)`` also works."""
    tensors, dim = _sequence(tensors, more, dim, "stack")
    return _stack(*tensors, axis=one_of("stack", "dim", dim, "axis", axis, 0))


def _sequence(first, more, dim, name):
    """``(tensors, dim)`` from PyTorch's ``f(tensors, dim)`` or the form ``f(a, b, ...)``."""
    if not isinstance(first, (list, tuple)):
        return (first,) + more, dim
    if len(more) > 1:
        raise TypeError(f"{name}() takes the tensors and one dim, got {len(more) + 1} positional arguments.")
    if more and dim is not None:
        raise TypeError(f"{name}() got multiple values for argument 'dim'.")
    return tuple(first), (more[0] if more else dim)


# --- gather and scatter along one axis (PyTorch's gather / scatter / scatter_add) -------------------------

def along(index, axis, shape, name):
    """The NumPy index that picks ``index[i][j]...`` along ``axis`` (PyTorch's gather/scatter addressing).

    ``index`` has ``len(shape)`` dimensions, none larger than ``shape``'s except along ``axis``, and its
    values are in ``[0, n)`` for the axis's size ``n`` (PyTorch refuses negative ones here).
    """
    index = np.asarray(index)
    ndim = len(shape)
    if index.dtype.kind not in "iu":
        raise TypeError(f"{name}: index must be an integer tensor, got dtype {index.dtype}.")
    if index.ndim != ndim:
        raise ShapeError(f"{name}: index has {index.ndim} dimensions but the tensor has {ndim}; "
                         f"give the index the tensor's number of dimensions.")
    axis %= max(ndim, 1)
    if ndim == 0:
        return ()
    for d, (i, n) in enumerate(zip(index.shape, shape)):
        if d != axis and i > n:
            raise ShapeError(f"{name}: index of shape {index.shape} is larger than the tensor's {tuple(shape)} "
                             f"in dimension {d}.")
    n = shape[axis]
    if index.size and (index.min() < 0 or index.max() >= n):
        raise IndexRangeError(f"{name}: index {index.max() if index.max() >= n else index.min()} is out of "
                              f"range for dimension {axis} of size {n}; indices must be in 0..{n - 1}.")
    return tuple(index if d == axis else np.arange(k).reshape((-1,) + (1,) * (ndim - 1 - d))
                 for d, k in enumerate(index.shape))


def _leading(src, index):
    """The part of ``src`` that ``index`` addresses (PyTorch reads only its leading block)."""
    src = np.asarray(src)
    if src.ndim == 0 or src.shape == np.shape(index):
        return src
    return src[tuple(slice(0, k) for k in np.shape(index))]


def _src_grad(g, index, axis, src):
    """The gradient of scatter's ``src``: the upstream values it was written to, zero outside the index's block."""
    picked = gather(g, index=index, axis=axis)
    return picked if src.shape == picked.shape else index_add(picked, index=tuple(slice(0, k) for k in index.shape),
                                                               shape=src.shape)


@defop("gather", vjps=(lambda g, ans, x, index, axis: scatter_add(np.zeros(x.shape, x.dtype), g, index=index,
                                                                    axis=axis),))
def gather(x, index, axis):
    """``out[i][j] = x[index[i][j]][j]`` for ``axis=0`` (PyTorch's gather); backward adds into the picked places."""
    x = np.asarray(x)
    return x[along(index, axis, x.shape, "gather")]


@defop("scatter_add", vjps=(lambda g, ans, x, src, index, axis: g,
                            lambda g, ans, x, src, index, axis: _src_grad(g, index, axis, src)))
def scatter_add(x, src, index, axis):
    """A copy of x with ``src`` added at the places ``index`` names along ``axis`` (repeats accumulate)."""
    out = np.array(x, dtype=np.result_type(x, src))
    np.add.at(out, along(index, axis, out.shape, "scatter_add"), _leading(src, index))
    return out


def _scatter_grad_x(g, ans, x, src, index, axis):
    hit = np.zeros(x.shape, dtype=bool)
    hit[along(index, axis, x.shape, "scatter")] = True
    return where(hit, 0, g)


@defop("scatter", vjps=(_scatter_grad_x, lambda g, ans, x, src, index, axis: _src_grad(g, index, axis, src)))
def scatter(x, src, index, axis):
    """A copy of x with ``src`` written at the places ``index`` names along ``axis`` (PyTorch's scatter)."""
    out = np.array(x, dtype=np.result_type(x, src))
    out[along(index, axis, out.shape, "scatter")] = _leading(src, index)
    return out


# --- rolls and pads -----------------------------------------------------------------------------------------

def _negated(shifts):
    return tuple(-s for s in shifts) if isinstance(shifts, (tuple, list)) else -shifts


@defop("roll", vjps=(lambda g, ans, x, shifts, dims=None: roll(g, shifts=_negated(shifts), dims=dims),))
def roll(x, shifts, dims=None):
    """Shift the values along ``dims`` cyclically (over the flattened tensor when ``dims`` is None)."""
    return np.roll(x, shifts, axis=dims)


def pad_widths(pad, shape, name="pad"):
    """PyTorch's ``pad`` (left, right pairs from the last dimension backwards) as one ``(before, after)`` pair
    per dimension."""
    if len(pad) % 2 or len(pad) > 2 * len(shape):
        raise ShapeError(f"{name}: pad must hold an even number of sizes, at most two per dimension "
                         f"({2 * len(shape)} for shape {tuple(shape)}), got {len(pad)}.")
    widths = [(0, 0)] * len(shape)
    for i in range(len(pad) // 2):
        d = len(shape) - 1 - i
        widths[d] = (int(pad[2 * i]), int(pad[2 * i + 1]))
        if shape[d] + widths[d][0] + widths[d][1] < 0:
            raise ShapeError(f"{name}: padding {widths[d]} leaves a negative size in dimension {d} of "
                             f"shape {tuple(shape)}.")
    return widths


def _pad_grad(g, ans, x, pad, value=0.0):
    return constant_pad(g, pad=tuple(-p for p in pad))


@defop("pad", vjps=(_pad_grad,))
def constant_pad(x, pad, value=0.0):
    """``value`` added around x (negative sizes crop); backward crops the gradient back (pad with -sizes)."""
    widths = pad_widths(pad, x.shape)
    crop = tuple(slice(max(-lo, 0), n - max(-hi, 0)) for (lo, hi), n in zip(widths, x.shape))
    return np.pad(x[crop], [(max(lo, 0), max(hi, 0)) for lo, hi in widths], constant_values=value)


# --- integer outputs, not differentiable ---------------------------------------------------------------------

@defop("one_hot")
def one_hot(x, num_classes=-1):
    """int64 indicators: ``out[..., c] = 1`` where ``x == c`` (PyTorch's ``F.one_hot``)."""
    if x.dtype.kind not in "iu":
        raise TypeError(f"one_hot: the classes must be an integer tensor, got dtype {x.dtype}.")
    if num_classes == -1:
        if x.size == 0:
            raise ValueError("one_hot: cannot infer num_classes from an empty tensor; pass num_classes.")
        num_classes = int(x.max()) + 1
    if x.size and (x.min() < 0 or x.max() >= num_classes):
        raise IndexRangeError(f"one_hot: class {x.min() if x.min() < 0 else x.max()} is out of range for "
                              f"{num_classes} classes (classes must be in 0..{num_classes - 1}).")
    return (x[..., None] == np.arange(num_classes)).astype(np.int64)


@defop("nonzero")
def nonzero(x):
    """The int64 coordinates of the nonzero elements, one row per element in row-major order."""
    return np.argwhere(x).astype(np.int64, copy=False)
