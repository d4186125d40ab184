"""Layers: Linear (the fused ``x @ W.T + b`` op), Flatten, Identity, Dropout."""
from __future__ import annotations

import math

import numpy as np

from ..errors import ConfigError, ShapeError
from ..tensor import Tensor, get_default_dtype
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter

__all__ = ["Linear", "Flatten", "Identity", "Dropout"]


class Identity(Module):
    """Returns its input unchanged (accepts and ignores constructor arguments, as in PyTorch)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, x):
        return x


class Linear(Module):
    """``y = x @ W.T + b`` with ``weight`` of shape (out_features, in_features) and ``bias`` (out_features,).

    Default initialisation, PyTorch's: ``kaiming_uniform_(weight, a=sqrt(5))``, which is
    ``U(-1/sqrt(in_features), 1/sqrt(in_features))``, and the bias from the same interval. Re-initialise
    with :mod:`chainrule.nn.init` (e.g. ``kaiming_normal_(layer.weight, nonlinearity='relu')``).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, dtype=None):
        super().__init__()
        for name, n in (("in_features", in_features), ("out_features", out_features)):
            if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
                raise TypeError(f"Linear: {name} must be an integer, got {n!r}.")
            if n < 1:
                raise ConfigError(f"Linear: {name} must be a positive integer, got {n!r}.")
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        dtype = np.dtype(dtype) if dtype is not None else get_default_dtype()
        self.weight = Parameter(np.empty((self.out_features, self.in_features), dtype=dtype))
        if bias:
            self.bias = Parameter(np.empty((self.out_features,), dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw fresh weights: U(-1/sqrt(in), 1/sqrt(in)) for weight and bias (PyTorch's default)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0.0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x):
        data = x.data if isinstance(x, Tensor) else np.asarray(x)
        if data.shape[-1:] != (self.in_features,):
            _raise_shape(self, x)
        if data.dtype.kind != "f":
            _raise_dtype(self, x)
        params = self._parameters     # self.weight and self.bias, without Module.__getattr__'s 1 us apiece
        return F.linear(x, params["weight"], params["bias"])

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"

    def get_config(self) -> dict:
        return {"in_features": self.in_features, "out_features": self.out_features, "bias": self.bias is not None}


def _raise_shape(layer, x):
    hint = " (flatten images first, e.g. with nn.Flatten())" if len(np.shape(x)) > 2 else ""
    raise ShapeError(f"{type(layer).__name__}(in_features={layer.in_features}) got an input of shape "
                     f"{tuple(np.shape(x))}; its last dimension must be {layer.in_features}{hint}.")


def _raise_dtype(layer, x):
    dtype = getattr(x, "dtype", None)
    dtype = dtype if dtype is not None else np.asarray(x).dtype
    raise TypeError(f"{type(layer).__name__} needs a floating-point input, got dtype {dtype}; convert it first, "
                    f"e.g. x.astype('float32') (images: scale uint8 pixels to floats).")


class Flatten(Module):
    """Merge dimensions ``start_dim..end_dim`` (by default all but the batch dimension): (N, 3, 32, 32) -> (N, 3072)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        if not isinstance(x, Tensor):
            x = Tensor(np.asarray(x))
        return x.flatten(self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Dropout(Module):
    """Inverted dropout with drop probability ``p`` while training; the identity in ``eval()`` mode.

    Masks come from chainrule's seeded generator, so :func:`chainrule.manual_seed` repeats them.
    """

    def __init__(self, p: float = 0.5, inplace: bool = False):
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p <= 1.0:
            raise ConfigError(f"Dropout: p must be a probability in [0, 1], got {p!r}.")
        self.p = float(p)
        self.inplace = inplace

    def forward(self, x):
        return F.dropout(x, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}"
