"""Normalization layers: BatchNorm1d and LayerNorm, as ``torch.nn``'s (parameters, buffers, state-dict names).

``BatchNorm1d`` normalizes each feature by the batch's statistics while training and by its running
estimates in ``eval()`` mode; ``LayerNorm`` normalizes each sample over its last dimensions, the same in
both modes. The computations are :func:`functional.batch_norm` and :func:`functional.layer_norm`.
"""
from __future__ import annotations

import numbers

import numpy as np

from ..autograd import bump_version
from ..errors import ConfigError, ShapeError
from ..tensor import get_default_dtype, to_arguments
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter

__all__ = ["BatchNorm1d", "LayerNorm"]


def _dtype(owner, device, dtype):
    return to_arguments(owner, (), {"device": device, "dtype": dtype}) or get_default_dtype()


def _positive_int(owner, name, n):
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"{owner}: {name} must be an integer, got {n!r}.")
    if n < 1:
        raise ConfigError(f"{owner}: {name} must be a positive integer, got {n!r}.")
    return int(n)


class BatchNorm1d(Module):
    """Batch normalization of (N, C) or (N, C, L) inputs over N (and L), per feature C (Ioffe & Szegedy 2015).

    While training: normalize by the batch's mean and biased variance, then update ``running_mean`` and
    ``running_var`` (the batch's *unbiased* variance) with ``momentum`` (``None``: the cumulative average
    over ``num_batches_tracked`` batches). In ``eval()`` mode: normalize by the running estimates. With
    ``track_running_stats=False`` there are no running estimates and the batch's statistics are used in
    both modes. ``affine`` adds the learned ``weight`` (ones) and ``bias`` (zeros; ``bias=False`` drops it).
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device=None, dtype=None, *, bias: bool = True):
        super().__init__()
        self.num_features = _positive_int(type(self).__name__, "num_features", num_features)
        if momentum is not None and (isinstance(momentum, bool) or not isinstance(momentum, numbers.Real)):
            raise ConfigError(f"{type(self).__name__}: momentum must be a number or None, got {momentum!r}.")
        self.eps, self.momentum = eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        dtype = _dtype(type(self).__name__, device, dtype)
        n = self.num_features
        if affine:
            self.weight = Parameter(np.empty(n, dtype))
        else:
            self.register_parameter("weight", None)
        if affine and bias:
            self.bias = Parameter(np.empty(n, dtype))
        else:
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", np.zeros(n, dtype))
            self.register_buffer("running_var", np.ones(n, dtype))
            self.register_buffer("num_batches_tracked", np.array(0, np.int64))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches tracked."""
        if self.track_running_stats:
            for buffer, value in ((self.running_mean, 0), (self.running_var, 1), (self.num_batches_tracked, 0)):
                buffer.data[...] = value
                bump_version(buffer)

    def reset_parameters(self) -> None:
        """Fresh running statistics, weight 1 and bias 0."""
        self.reset_running_stats()
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def _check_input_dim(self, x):
        if np.ndim(x) not in (2, 3):
            raise ShapeError(f"{type(self).__name__}: expected 2D or 3D input (got {np.ndim(x)}D input).")

    def forward(self, input):
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            count = self.num_batches_tracked
            np.add(count.data, 1, out=count.data)
            bump_version(count)
            factor = 1.0 / float(count.data) if self.momentum is None else self.momentum
        batch_stats = self.training or self.running_mean is None
        tracked = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if tracked else None, self.running_var if tracked else None,
                            self.weight, self.bias, batch_stats, factor, self.eps)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class LayerNorm(Module):
    """Normalize each sample over its last dimensions, ``normalized_shape`` (an int or a tuple), to mean 0
    and biased variance 1 (Ba et al. 2016); ``elementwise_affine`` adds ``weight`` (ones) and ``bias``
    (zeros; ``bias=False`` drops it) of that shape. The same in training and ``eval()`` mode."""

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True, bias: bool = True,
                 device=None, dtype=None):
        super().__init__()
        if isinstance(normalized_shape, (int, np.integer)):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(_positive_int("LayerNorm", "normalized_shape", n) for n in normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        dtype = _dtype("LayerNorm", device, dtype)
        if elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dtype))
        else:
            self.register_parameter("weight", None)
        if elementwise_affine and bias:
            self.bias = Parameter(np.zeros(self.normalized_shape, dtype))
        else:
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        """Weight 1 and bias 0."""
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")
