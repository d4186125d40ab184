"""Weight initialisation, as ``torch.nn.init``: every function fills a tensor in place and returns it.

Samples come from chainrule's one seeded generator (:func:`chainrule.manual_seed`), or from the NumPy
``generator`` passed in. No graph is recorded. The variance formulas:

- He / Kaiming (for ReLU-like units): ``std = gain / sqrt(fan)``, ``gain = sqrt(2)`` for ReLU, so
  ``Var[w] = 2 / fan_in``; the uniform version draws from ``U(-b, b)`` with ``b = sqrt(3) * std``.
- Glorot / Xavier (for tanh/sigmoid): ``std = gain * sqrt(2 / (fan_in + fan_out))``.

For a weight of shape ``(out, in, *k)``: ``fan_in = in * prod(k)``, ``fan_out = out * prod(k)``.
"""
from __future__ import annotations

import math

import numpy as np

from .. import random as _random
from ..autograd import bump_version
from ..tensor import Tensor

__all__ = ["calculate_gain", "uniform_", "normal_", "constant_", "zeros_", "ones_", "xavier_uniform_",
           "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "trunc_normal_"]

_LINEAR_LIKE = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                "conv_transpose3d", "sigmoid", "identity")


def calculate_gain(nonlinearity: str, param=None) -> float:
    """The recommended gain for a nonlinearity (PyTorch's table).

    linear, conv*, sigmoid, identity: 1; tanh: 5/3; relu: sqrt(2); leaky_relu: sqrt(2 / (1 + slope^2))
    with ``param`` the negative slope (0.01 by default); selu: 3/4.
    """
    if nonlinearity in _LINEAR_LIKE:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = float(param)
        else:
            raise ValueError(f"calculate_gain: negative_slope {param!r} is not a valid number.")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}; use one of "
                     f"{', '.join(_LINEAR_LIKE + ('tanh', 'relu', 'leaky_relu', 'selu'))}.")


def _array(tensor) -> np.ndarray:
    if isinstance(tensor, Tensor):
        return tensor.data
    if isinstance(tensor, np.ndarray):
        return tensor
    raise TypeError(f"init functions fill a Tensor (or NumPy array) in place, got {type(tensor).__name__}.")


def _rng(generator):
    return _random.generator() if generator is None else generator


def _sample_dtype(arr):
    return arr.dtype if arr.dtype in (np.float32, np.float64) else np.float64


def _fill(tensor, sample):
    arr = _array(tensor)
    if not arr.flags.writeable:
        raise ValueError("init: the tensor's array is read-only and cannot be filled in place.")
    np.copyto(arr, sample, casting="unsafe")
    if isinstance(tensor, Tensor):
        bump_version(tensor)
    return tensor


def _calculate_fan_in_and_fan_out(tensor):
    shape = _array(tensor).shape
    if len(shape) < 2:
        raise ValueError(f"fan in and fan out need a tensor with at least 2 dimensions, got shape {shape}; "
                         f"a bias has no fan in (initialise it with uniform_ or zeros_).")
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def _fan(tensor, mode):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}.")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor, a: float = 0.0, b: float = 1.0, generator=None):
    """Fill with samples from U(a, b)."""
    if not a <= b:
        raise ValueError(f"uniform_: need a <= b, got a={a}, b={b}.")
    arr = _array(tensor)
    return _fill(tensor, _rng(generator).uniform(a, b, arr.shape))


def normal_(tensor, mean: float = 0.0, std: float = 1.0, generator=None):
    """Fill with samples from N(mean, std^2)."""
    if std < 0:
        raise ValueError(f"normal_: std must be >= 0, got {std}.")
    arr = _array(tensor)
    sample = _rng(generator).standard_normal(arr.shape, dtype=_sample_dtype(arr))
    sample *= std
    sample += mean
    return _fill(tensor, sample)


def trunc_normal_(tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0, generator=None):
    """Fill with N(mean, std^2) samples redrawn until they fall inside [a, b]."""
    if not a < b:
        raise ValueError(f"trunc_normal_: need a < b, got a={a}, b={b}.")
    arr = _array(tensor)
    rng = _rng(generator)
    out = rng.normal(mean, std, arr.shape)
    bad = (out < a) | (out > b)
    while bad.any():
        out[bad] = rng.normal(mean, std, int(bad.sum()))
        bad = (out < a) | (out > b)
    return _fill(tensor, out)


def constant_(tensor, val: float):
    """Fill with ``val``."""
    _array(tensor)[...] = val
    return tensor


def zeros_(tensor):
    return constant_(tensor, 0.0)


def ones_(tensor):
    return constant_(tensor, 1.0)


def xavier_uniform_(tensor, gain: float = 1.0, generator=None):
    """Glorot uniform: U(-b, b) with ``b = gain * sqrt(6 / (fan_in + fan_out))``."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = math.sqrt(3.0) * gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor, gain: float = 1.0, generator=None):
    """Glorot normal: N(0, std^2) with ``std = gain * sqrt(2 / (fan_in + fan_out))``."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / float(fan_in + fan_out)), generator)


def kaiming_uniform_(tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                     generator=None):
    """He uniform: U(-b, b) with ``b = sqrt(3) * gain / sqrt(fan)``; ``a`` is leaky_relu's negative slope.

    With the defaults (``a=0``) the gain is sqrt(2), i.e. ``Var[w] = 2 / fan_in``. ``a=sqrt(5)`` gives
    ``b = 1 / sqrt(fan_in)``: the default initialisation of :class:`~chainrule.nn.Linear` (and PyTorch's).
    """
    fan = _fan(tensor, mode)
    if fan == 0:
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                    generator=None):
    """He normal: N(0, std^2) with ``std = gain / sqrt(fan)`` (``2 / fan_in`` variance for ReLU)."""
    fan = _fan(tensor, mode)
    if fan == 0:
        return tensor
    return normal_(tensor, 0.0, calculate_gain(nonlinearity, a) / math.sqrt(fan), generator)
