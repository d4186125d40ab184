"""Layers: Linear (the fused ``x @ W.T + b`` op), Embedding, Flatten, Unflatten, Identity, Dropout."""
from __future__ import annotations

import math

import numpy as np

from ..errors import ConfigError, ShapeError
from ..tensor import Tensor, get_default_dtype, to_arguments
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter

__all__ = ["Linear", "Embedding", "Flatten", "Unflatten", "Identity", "Dropout"]


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


class Unflatten(Module):
    """Split dimension ``dim`` into ``unflattened_size``: ``Unflatten(1, (3, 32, 32))`` makes (N, 3072) (N, 3, 32, 32)."""

    def __init__(self, dim: int, unflattened_size):
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, x):
        if not isinstance(x, Tensor):
            x = Tensor(np.asarray(x))
        return x.unflatten(self.dim, self.unflattened_size)

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class Embedding(Module):
    """A lookup table: ``weight`` of shape (num_embeddings, embedding_dim), drawn from N(0, 1); integer
    indices of any shape give their rows (see :func:`functional.embedding`).

    The ``padding_idx`` row starts at 0 and gets no gradient; ``max_norm`` rescales looked-up rows in place.
    :meth:`from_pretrained` wraps given rows, frozen (``requires_grad=False``) by default.
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx=None, max_norm=None,
                 norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False, _weight=None,
                 _freeze: bool = False, device=None, dtype=None):
        super().__init__()
        for name, n in (("num_embeddings", num_embeddings), ("embedding_dim", embedding_dim)):
            if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
                raise TypeError(f"Embedding: {name} must be an integer, got {n!r}.")
            if n < 0:
                raise ConfigError(f"Embedding: {name} must be >= 0, got {n!r}.")
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        if padding_idx is not None:
            if not -self.num_embeddings <= padding_idx < self.num_embeddings:
                raise ConfigError(f"Embedding: padding_idx must be within num_embeddings ({self.num_embeddings}), "
                                  f"got {padding_idx}.")
            padding_idx = int(padding_idx) % self.num_embeddings
        self.padding_idx, self.max_norm, self.norm_type = padding_idx, max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        dtype = to_arguments("Embedding", (), {"device": device, "dtype": dtype}) or get_default_dtype()
        if _weight is None:
            self.weight = Parameter(np.empty((self.num_embeddings, self.embedding_dim), dtype),
                                    requires_grad=not _freeze)
            self.reset_parameters()
        else:
            if tuple(np.shape(_weight)) != (self.num_embeddings, self.embedding_dim):
                raise ShapeError(f"Embedding: the shape of _weight {tuple(np.shape(_weight))} does not match "
                                 f"(num_embeddings, embedding_dim) = {(self.num_embeddings, self.embedding_dim)}.")
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        """Rows from N(0, 1), the padding row 0."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight.data[self.padding_idx] = 0

    def forward(self, input):
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                           self.scale_grad_by_freq, self.sparse)

    @classmethod
    def from_pretrained(cls, embeddings, freeze: bool = True, padding_idx=None, max_norm=None, norm_type: float = 2.0,
                        scale_grad_by_freq: bool = False, sparse: bool = False) -> "Embedding":
        """An Embedding whose weight is ``embeddings`` (2-D, memory shared), trainable only if ``freeze=False``."""
        if np.ndim(embeddings) != 2:
            raise ShapeError(f"Embedding.from_pretrained: embeddings must be 2-dimensional, got shape "
                             f"{tuple(np.shape(embeddings))}.")
        rows, dim = np.shape(embeddings)
        return cls(rows, dim, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse, _weight=embeddings,
                   _freeze=freeze)

    def extra_repr(self):
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        for name, default in (("padding_idx", None), ("max_norm", None), ("norm_type", 2.0),
                              ("scale_grad_by_freq", False), ("sparse", False)):
            if getattr(self, name) != default:
                text += f", {name}={getattr(self, name)}"
        return text


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
