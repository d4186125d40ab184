"""Picking elements with PyTorch's names and semantics: ``take take_along_dim repeat_interleave`` and their
Tensor methods (:class:`SelectionMethods`, a base class of Tensor).

Each is a composition of ``reshape``, ``broadcast_to``, ``gather`` and ``getitem`` from the op table: the
gradient of a picked element goes back to where it came from (repeats add up), exact at every order.
"""
from __future__ import annotations

import numpy as np

from . import autograd
from .errors import AxisError, IndexRangeError, ShapeError
from .ops import shape as _shp
from .ops.registry import normalize_axis, one_of, raw

__all__ = ["take", "take_along_dim", "repeat_interleave"]


def _indices(name, index, what="index"):
    a = np.asarray(raw(index))
    if a.dtype.kind not in "iu":
        raise TypeError(f"{name}(): {what} must be an integer (long) tensor, got dtype {a.dtype}.")
    return a.astype(np.int64, copy=False)


def take(input, index):
    """The elements of ``input`` read as 1-D at ``index`` (any shape, which the output takes; negative
    indices count from the end)."""
    idx = _indices("take", index)
    n = int(np.size(raw(input)))
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = idx.min() if idx.min() < -n else idx.max()
        raise IndexRangeError(f"take(): index {bad} out of range for tensor of size {list(np.shape(raw(input)))}.")
    return _shp.getitem(_shp.reshape(input, shape=(-1,)), index=(idx % max(n, 1),))


def take_along_dim(input, indices, dim=None, *, axis=None):
    """``input``'s values at ``indices`` along ``dim`` (``gather`` after broadcasting both except along
    ``dim``); without ``dim`` both are read as 1-D."""
    idx = _indices("take_along_dim", indices, "indices")
    dim = one_of("take_along_dim", "dim", dim, "axis", axis)
    shape = np.shape(raw(input))
    if dim is None:                                     # gather's addressing: no negative indices
        if idx.min(initial=0) < 0:
            raise IndexRangeError(f"take_along_dim(): index {idx.min()} is out of bounds for a tensor of shape "
                                  f"{shape}.")
        return take(input, idx.reshape(-1))
    if idx.ndim != len(shape):
        raise ShapeError(f"torch.take_along_dim(): input and indices should have the same number of dimensions, "
                         f"but got {len(shape)} dimensions for input, and {idx.ndim} dimensions for indices.")
    if not shape:
        raise AxisError(f"take_along_dim(): dim {dim} was given, but a 0-d tensor has no dimensions.")
    d = normalize_axis(dim, len(shape), "take_along_dim", False)
    try:
        grid = np.broadcast_shapes(shape[:d] + (1,) + shape[d + 1:], idx.shape[:d] + (1,) + idx.shape[d + 1:])
    except ValueError:
        raise ShapeError(f"take_along_dim(): shapes {shape} and {idx.shape} do not broadcast outside dim "
                         f"{d}.") from None
    x_shape, i_shape = grid[:d] + (shape[d],) + grid[d + 1:], grid[:d] + (idx.shape[d],) + grid[d + 1:]
    x = input if shape == x_shape else _shp.broadcast_to(input, shape=x_shape)
    return _shp.gather(x, index=np.broadcast_to(idx, i_shape), axis=d)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None, axis=None):
    """Each element (or slice along ``dim``) repeated ``repeats`` times in place (a number, or a tensor with
    one count per element); without ``dim`` the input is read as 1-D. ``repeat_interleave(repeats)`` with
    only a 1-D tensor of counts gives the indices ``0, 0, ..., 1, ...`` (int64)."""
    if repeats is None:                                  # repeat_interleave(counts)
        counts = _indices("repeat_interleave", input, "repeats")
        if counts.ndim != 1 or (counts < 0).any():
            raise ShapeError("repeat_interleave: repeats must be a 1-D tensor of non-negative counts.")
        return autograd._Tensor(np.repeat(np.arange(len(counts), dtype=np.int64), counts))
    dim = one_of("repeat_interleave", "dim", dim, "axis", axis)
    if dim is not None and not np.ndim(raw(input)):
        raise AxisError(f"repeat_interleave(): dim {dim} was given, but a 0-d tensor has no dimensions.")
    x = input if dim is not None else _shp.reshape(input, shape=(-1,))
    shape = np.shape(raw(x))
    d = normalize_axis(dim if dim is not None else 0, len(shape), "repeat_interleave", False)
    n = shape[d] if shape else 1
    counts = _indices("repeat_interleave", repeats, "repeats")
    if counts.ndim > 1 or counts.ndim == 1 and counts.size not in (1, n):
        raise ShapeError(f"repeat_interleave: repeats must have the same size as input along dim, but got "
                         f"repeats.size(0) = {counts.size} and input.size({d}) = {n}.")
    if (counts < 0).any():
        raise ShapeError("repeat_interleave: repeats can not be negative.")
    index = np.repeat(np.arange(n), np.broadcast_to(counts.reshape(-1), (n,)))
    if output_size is not None and output_size != index.size:
        raise ShapeError(f"repeat_interleave: output_size {output_size} is not the sum of repeats "
                         f"({index.size}).")
    return _shp.getitem(x, index=(slice(None),) * d + (index,))


class SelectionMethods:
    """``x.take(index)``, ``x.take_along_dim(indices, dim=None)``, ``x.repeat_interleave(repeats, dim=None)``."""

    __slots__ = ()

    def take(self, index):
        return take(self, index)

    def take_along_dim(self, indices, dim=None, *, axis=None):
        return take_along_dim(self, indices, dim, axis=axis)

    def repeat_interleave(self, repeats=None, dim=None, *, output_size=None, axis=None):
        if repeats is None:
            raise TypeError("repeat_interleave() missing 1 required positional argument: 'repeats'.")
        return repeat_interleave(self, repeats, dim, output_size=output_size, axis=axis)
