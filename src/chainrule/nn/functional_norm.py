"""Normalization of ``torch.nn.functional``: batch_norm, layer_norm, normalize, cosine_similarity.

Compositions of ops of the table (mean, the biased variance, rsqrt, norm), so every derivative is exact
and differentiable again. batch_norm's running statistics are updated in place, outside the graph, as in
PyTorch: the batch's biased variance normalizes, its unbiased variance enters the running estimate.
"""
from __future__ import annotations

import numpy as np

from ..autograd import bump_version
from ..errors import ShapeError
from ..ops import elementwise as _ew
from ..ops import reduce as _red
from ..ops import shape as _shp
from ..ops.registry import raw
from ..tensor import Tensor

__all__ = ["batch_norm", "layer_norm", "normalize", "cosine_similarity"]


def _standardize(x, axes, eps):
    """(x - mean) / sqrt(biased var + eps) over ``axes``, and the mean and variance (kept dims)."""
    mean = _red.mean(x, axis=axes, keepdims=True)
    d = x - mean
    var = _red.mean(d * d, axis=axes, keepdims=True)
    return d * _ew.rsqrt(var + eps), mean, var


def _affine(y, weight, bias, shape):
    if weight is not None:
        y = y * _shp.reshape(weight, shape=shape)
    if bias is not None:
        y = y + _shp.reshape(bias, shape=shape)
    return y


def _check_stat(stat, name, channels):
    if stat is not None and np.size(raw(stat)) != channels:
        raise ShapeError(f"batch_norm: {name} should contain {channels} elements, not {np.size(raw(stat))} "
                         f"(one per channel, dimension 1 of the input).")


def _update(stat, batch_value, momentum):
    """``stat = (1 - momentum) stat + momentum batch_value``, in place and outside the graph."""
    arr = stat.data if isinstance(stat, Tensor) else stat
    if not arr.flags.writeable:
        arr = stat.data = arr.copy()
    arr *= 1 - momentum
    arr += momentum * batch_value.reshape(arr.shape)
    if isinstance(stat, Tensor):
        bump_version(stat)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5):
    """Normalize each channel (dimension 1 of an (N, C, ...) input) by the batch's statistics
    (``training=True``) or by ``running_mean``/``running_var``; then ``* weight + bias`` per channel.

    While training, the running statistics (if given) become ``(1 - momentum) running + momentum batch``,
    with the batch's unbiased variance, as PyTorch; a channel with a single value raises ValueError.
    """
    x = np.asarray(raw(input))
    if x.ndim < 2:
        raise ShapeError(f"batch_norm: expected an input of shape (N, C, ...), got {x.shape}.")
    channels = x.shape[1]
    _check_stat(running_mean, "running_mean", channels)
    _check_stat(running_var, "running_var", channels)
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, channels) + (1,) * (x.ndim - 2)
    if training:
        count = x.size // channels if channels else 0
        if count == 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when training, got input of "
                             f"shape {x.shape}.")
        y, mean, var = _standardize(input, axes, eps)
        if running_mean is not None:
            _update(running_mean, np.asarray(raw(mean)), momentum)
        if running_var is not None:
            _update(running_var, np.asarray(raw(var)) * (count / max(count - 1, 1)), momentum)
    else:
        if running_mean is None or running_var is None:
            raise ShapeError("batch_norm: running_mean and running_var must be given in evaluation mode "
                             "(training=False).")
        mean = _shp.reshape(running_mean, shape=shape)
        y = (input - mean) * _ew.rsqrt(_shp.reshape(running_var, shape=shape) + eps)
    return _affine(y, weight, bias, shape)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps: float = 1e-5):
    """Normalize over the last ``len(normalized_shape)`` dimensions (mean 0, biased variance 1), then
    ``* weight + bias`` (both of ``normalized_shape``), as ``torch.nn.functional.layer_norm``."""
    if isinstance(normalized_shape, (int, np.integer)):
        raise TypeError("layer_norm: normalized_shape must be a tuple (or list) of ints, got an int; "
                        "pass (n,) (nn.LayerNorm takes an int).")
    normalized_shape = tuple(int(n) for n in normalized_shape)
    k = len(normalized_shape)
    x_shape = tuple(np.shape(input))
    if not k or x_shape[-k:] != normalized_shape:
        raise ShapeError(f"layer_norm: given normalized_shape={list(normalized_shape)}, expected an input of shape "
                         f"[*, {', '.join(map(str, normalized_shape))}], got {list(x_shape)}.")
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and tuple(np.shape(raw(p))) != normalized_shape:
            raise ShapeError(f"layer_norm: expected {name} of the shape of normalized_shape "
                             f"{list(normalized_shape)}, got {list(np.shape(raw(p)))}.")
    y, _, _ = _standardize(input, tuple(range(len(x_shape) - k, len(x_shape))), eps)
    return _affine(y, weight, bias, normalized_shape)


def normalize(input, p: float = 2.0, dim: int = 1, eps: float = 1e-12):
    """``input / max(norm_p(input, dim), eps)``: unit vectors along ``dim``, as PyTorch."""
    n = _red.norm(input, p=p, axis=dim, keepdims=True)
    return input / _ew.clip(n, min=eps)


def _clamped_norm(x, dim, eps):
    """The 2-norm along ``dim`` with the value max(norm, eps) but the gradient of the norm itself: PyTorch
    clamps it in place without recording the clamp."""
    n = _red.norm(x, p=2.0, axis=dim, keepdims=True)
    value = np.asarray(raw(n))
    return n + (np.maximum(value, eps) - value)


def cosine_similarity(x1, x2, dim: int = 1, eps: float = 1e-8):
    """``sum(x1 / |x1| * x2 / |x2|, dim)``, each norm at least ``eps``; x1 and x2 broadcast."""
    try:
        shape = np.broadcast_shapes(np.shape(x1), np.shape(x2))
    except ValueError:
        raise ShapeError(f"cosine_similarity: shapes {tuple(np.shape(x1))} and {tuple(np.shape(x2))} do not "
                         f"broadcast.") from None
    x1, x2 = (x if tuple(np.shape(x)) == shape else _shp.broadcast_to(x, shape=shape) for x in (x1, x2))
    return _red.sum((x1 / _clamped_norm(x1, dim, eps)) * (x2 / _clamped_norm(x2, dim, eps)), axis=dim)
