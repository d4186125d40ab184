"""More activations of ``torch.nn.functional``: logsigmoid, hardtanh, relu6, mish, prelu.

Each is a composition of ops of the table with PyTorch's values and gradients, kinks included: hardtanh
and relu6 pass the gradient only strictly inside (min_val, max_val), prelu takes the slope at exactly 0.
``inplace=`` is accepted where PyTorch has it and ignored (the result is always a new tensor).
"""
from __future__ import annotations

import numpy as np

from ..errors import ShapeError
from ..ops import elementwise as _ew
from ..ops import shape as _shp
from ..ops.registry import raw

__all__ = ["logsigmoid", "hardtanh", "relu6", "mish", "prelu"]


def logsigmoid(input):
    """log(sigmoid(x)) = -softplus(-x), finite for any x; gradient sigmoid(-x)."""
    return -_ew.softplus(-input, beta=1.0, threshold=np.inf)


def hardtanh(input, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False):
    """x clamped into [min_val, max_val]; the gradient is 1 strictly inside and 0 at and beyond the bounds
    (PyTorch's, unlike ``clamp``'s, which passes it at the bounds)."""
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val cannot be greater than max_val, got {min_val!r} > {max_val!r}.")
    x = np.asarray(raw(input))
    inside = (x > min_val) & (x < max_val)
    return _ew.where(inside, input, np.clip(x, min_val, max_val))


def relu6(input, inplace: bool = False):
    """min(max(0, x), 6): ``hardtanh(x, 0, 6)``, gradient 0 at 0 and at 6 as in PyTorch."""
    return hardtanh(input, 0.0, 6.0)


def mish(input, inplace: bool = False):
    """x * tanh(softplus(x)) (Misra 2019), a smooth relu-like curve."""
    return input * _ew.tanh(_ew.softplus(input, beta=1.0, threshold=np.inf))


def prelu(input, weight):
    """max(0, x) + weight * min(0, x), with one learned slope (``weight`` of 1 element) or one per channel
    (dimension 1 of the input; ``weight`` of C elements). At x = 0 the gradient is the slope, as PyTorch's
    (whose double backward, unlike its backward, counts 0 as positive: second derivatives there differ)."""
    w = np.asarray(raw(weight))
    if w.ndim > 1:
        raise ShapeError(f"prelu: expected weight to be a scalar or 1-D tensor, got {w.ndim} dimensions.")
    channels = np.shape(input)[1] if np.ndim(input) >= 2 else 1
    if w.size != 1 and w.size != channels:
        raise ShapeError(f"prelu: mismatch of parameter numbers and input channel size: {w.size} parameters, "
                         f"{channels} channels (dimension 1 of the input).")
    if w.size != 1 or w.ndim:
        shape = (w.size,) + (1,) * (np.ndim(input) - 2) if np.ndim(input) >= 2 else ()
        weight = _shp.reshape(weight, shape=shape)
    return _ew.where(np.asarray(raw(input)) > 0, input, input * weight)
