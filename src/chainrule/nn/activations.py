"""Activation modules (lecture section 2) and a lookup by name.

Each wraps the function of the same name in :mod:`chainrule.nn.functional`. ``activation_by_name('relu')``
returns the class, so configurations (the CLI, :class:`~chainrule.nn.MLP`, saved models) can name them.
"""
from __future__ import annotations

import warnings

import numpy as np

from .._validate import real
from ..errors import ConfigError
from ..ops import reduce as _red
from ..tensor import get_default_dtype, to_arguments
from . import functional as F
from . import init
from .layers import Identity
from .module import Module
from .parameter import Parameter

__all__ = ["ReLU", "LeakyReLU", "ELU", "GELU", "SiLU", "Sigmoid", "Tanh", "Softplus", "Softmax", "LogSoftmax",
           "LogSigmoid", "Hardtanh", "ReLU6", "Mish", "PReLU", "ACTIVATIONS", "activation_by_name"]


def _number(owner, name, value, positive=False) -> float:
    """``value`` as a float, or a ConfigError naming the option (``positive``: it must be > 0)."""
    x = real(value)
    if x is None:
        raise ConfigError(f"{owner}: {name} must be a number, got {value!r}.")
    if positive and not x > 0:
        raise ConfigError(f"{owner}: {name} must be > 0, got {value!r}.")
    return x


class ReLU(Module):
    """max(0, x): the default for hidden layers. ``inplace`` is accepted for PyTorch compatibility and ignored."""

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, x):
        return F.relu(x)


class LeakyReLU(Module):
    """max(negative_slope * x, x): a small gradient for x < 0 keeps units from dying."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False):
        super().__init__()
        self.negative_slope = _number(type(self).__name__, "negative_slope", negative_slope)
        self.inplace = inplace

    def forward(self, x):
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class ELU(Module):
    """x for x > 0, alpha * (exp(x) - 1) otherwise."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__()
        self.alpha = _number(type(self).__name__, "alpha", alpha)
        self.inplace = inplace

    def forward(self, x):
        return F.elu(x, self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}"


class GELU(Module):
    """x * Phi(x) (``approximate='none'``, exact) or its tanh approximation (``approximate='tanh'``)."""

    def __init__(self, approximate: str = "none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ConfigError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}.")
        self.approximate = approximate

    def forward(self, x):
        return F.gelu(x, self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """x * sigmoid(x) (Swish)."""

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, x):
        return F.silu(x)


class Sigmoid(Module):
    """1 / (1 + e^-x): saturates (vanishing gradient) for large |x|."""

    def forward(self, x):
        return F.sigmoid(x)


class Tanh(Module):
    """tanh(x): zero-centred, but saturates like sigmoid."""

    def forward(self, x):
        return F.tanh(x)


class Softplus(Module):
    """log(1 + exp(beta x)) / beta, linear above ``threshold``."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0):
        super().__init__()
        self.beta = _number("Softplus", "beta", beta, positive=True)
        self.threshold = _number("Softplus", "threshold", threshold)

    def forward(self, x):
        return F.softplus(x, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class LogSigmoid(Module):
    """log(sigmoid(x)), finite for any x."""

    def forward(self, x):
        return F.logsigmoid(x)


class Hardtanh(Module):
    """x clamped into [min_val, max_val]; gradient 1 strictly inside, 0 at and beyond the bounds.

    ``min_value``/``max_value`` are PyTorch's deprecated spellings (they win, with its warning).
    """

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False, min_value=None,
                 max_value=None):
        super().__init__()
        if min_value is not None or max_value is not None:
            warnings.warn("Hardtanh: keyword arguments min_value and max_value are deprecated (as in PyTorch); use "
                          "min_val and max_val.", DeprecationWarning, stacklevel=2)
            min_val = min_val if min_value is None else min_value
            max_val = max_val if max_value is None else max_value
        self.min_val = _number("Hardtanh", "min_val", min_val)
        self.max_val = _number("Hardtanh", "max_val", max_val)
        if not self.max_val > self.min_val:
            raise ConfigError(f"Hardtanh: max_val ({max_val}) must be greater than min_val ({min_val}).")
        self.inplace = inplace

    def forward(self, x):
        return F.hardtanh(x, self.min_val, self.max_val)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}"


class ReLU6(Hardtanh):
    """min(max(0, x), 6): ``Hardtanh(0, 6)``."""

    def __init__(self, inplace: bool = False):
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self):
        return ""


class Mish(Module):
    """x * tanh(softplus(x))."""

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, x):
        return F.mish(x)


class PReLU(Module):
    """max(0, x) + weight * min(0, x) with a learned slope: one (``num_parameters=1``) or one per channel
    (dimension 1 of the input), each starting at ``init``; the parameter is named ``weight``, as PyTorch."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device=None, dtype=None):
        super().__init__()
        if isinstance(num_parameters, bool) or not isinstance(num_parameters, (int, np.integer)):
            raise TypeError(f"PReLU: num_parameters must be an integer, got {num_parameters!r}.")
        if num_parameters < 1:
            raise ConfigError(f"PReLU: num_parameters must be a positive integer, got {num_parameters!r}.")
        self.num_parameters = int(num_parameters)
        self.init = _number("PReLU", "init", init)
        dtype = to_arguments("PReLU", (), {"device": device, "dtype": dtype}) or get_default_dtype()
        self.weight = Parameter(np.full((self.num_parameters,), self.init, dtype=dtype))

    def reset_parameters(self) -> None:
        """Every slope back to ``init``."""
        init.constant_(self.weight, self.init)

    def forward(self, x):
        return F.prelu(x, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


def _softmax_dim(owner, dim, ndim):
    """PyTorch's choice when ``dim`` is None (deprecated there, with the same warning): 0 for 0-, 1- and 3-D
    inputs, else 1."""
    if dim is not None:
        return dim
    warnings.warn(f"{owner}: implicit dimension choice is deprecated (as in PyTorch); pass dim.", UserWarning,
                  stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


class Softmax(Module):
    """Probabilities along ``dim``: exp(x) / sum(exp(x))."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return _red.softmax(x, axis=_softmax_dim("Softmax", self.dim, x.ndim))

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """Log-probabilities along ``dim``: x - logsumexp(x)."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return _red.log_softmax(x, axis=_softmax_dim("LogSoftmax", self.dim, x.ndim))

    def extra_repr(self):
        return f"dim={self.dim}"


#: Activation classes by the names configurations use (``None`` and ``"none"`` mean no activation); the
#: hidden-layer nonlinearities, so not LogSigmoid (never positive), Softmax or LogSoftmax (not elementwise).
ACTIVATIONS = {
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "elu": ELU,
    "gelu": GELU,
    "silu": SiLU,
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "softplus": Softplus,
    "mish": Mish,
    "prelu": PReLU,
    "relu6": ReLU6,
    "hardtanh": Hardtanh,
    "none": Identity,
}


def activation_by_name(name):
    """The activation module class for ``name`` (``'relu'``, ``'tanh'``, ..., ``None``/``'none'`` -> Identity).

    Names are case-insensitive; ``'swish'`` is an alias of ``'silu'``, ``'identity'``/``'linear'`` of
    ``'none'``. An unknown name raises :class:`~chainrule.errors.ConfigError` listing the valid ones.
    """
    if name is None:
        return Identity
    if not isinstance(name, str):
        raise ConfigError(f"an activation is named by a string or None, got {type(name).__name__}; valid names: "
                          f"{', '.join(ACTIVATIONS)}.")
    key = name.strip().lower().replace("-", "_")
    key = {"swish": "silu", "identity": "none", "linear": "none", "leakyrelu": "leaky_relu"}.get(key, key)
    if key not in ACTIVATIONS:
        raise ConfigError(f"unknown activation {name!r}; valid names: {', '.join(ACTIVATIONS)} (or None).")
    return ACTIVATIONS[key]
