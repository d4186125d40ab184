"""MLP: the fully connected networks of the lecture, from the linear classifier to deep nets.

``MLP(3072, [], 10)`` is the linear classifier ``f = W x`` (one Linear layer), ``MLP(3072, [100], 10)`` the
2-layer net ``f = W2 max(0, W1 x)``. With ``activation=None`` the layers compose to a single linear map
(``W2 W1 = W3``, lecture section 1.3): :meth:`MLP.collapsed` computes it.
"""
from __future__ import annotations

import numpy as np

from ..errors import ConfigError
from .activations import PReLU, activation_by_name
from .layers import Dropout, Identity, Linear
from .container import Sequential
from .normalization import BatchNorm1d, LayerNorm

__all__ = ["MLP"]


class MLP(Sequential):
    """``Linear [-> norm] -> activation [-> Dropout]`` for each hidden size, then a final ``Linear`` to
    ``out_features``.

    ``activation`` is a name from :data:`chainrule.nn.ACTIVATIONS` (``'relu'``, ``'leaky_relu'``, ``'elu'``,
    ``'gelu'``, ``'silu'``, ``'sigmoid'``, ``'tanh'``, ``'softplus'``, ``'mish'``, ``'prelu'`` (one learned slope
    per layer), ``'relu6'``, ``'hardtanh'``) or ``None``/``'none'`` for none.
    ``dropout`` > 0 adds a Dropout after every activation; ``norm='batch'`` a BatchNorm1d and ``norm='layer'`` a
    LayerNorm after every hidden Linear (``model.train()``/``eval()`` switch BatchNorm). Children are numbered as in a Sequential, so
    parameter names are ``"0.weight"``, ``"0.bias"``, ``"2.weight"``, ...; :meth:`get_config` returns the
    constructor arguments, which :func:`chainrule.save` stores so :func:`chainrule.load` can rebuild the model.
    """

    def __init__(self, in_features: int, hidden, out_features: int, activation="relu",
                 dropout: float = 0.0, bias: bool = True, dtype=None, norm=None):
        for name, n in (("in_features", in_features), ("out_features", out_features)):
            if not _is_int(n):
                raise TypeError(f"MLP: {name} must be an integer, got {n!r}.")
            if n < 1:
                raise ConfigError(f"MLP: {name} must be a positive integer, got {n!r}.")
        if _is_int(hidden):
            hidden = [hidden]
        if isinstance(hidden, (str, bytes)) or not hasattr(hidden, "__iter__"):
            raise ConfigError(f"MLP: hidden must be a list of layer sizes, got {hidden!r}.")
        hidden = list(hidden)
        if not all(_is_int(h) for h in hidden):
            raise TypeError(f"MLP: every hidden size must be an integer (as in torch.nn.Linear), got {hidden}.")
        if not all(h >= 1 for h in hidden):
            raise ConfigError(f"MLP: every hidden size must be a positive integer, got {hidden}.")
        hidden = [int(h) for h in hidden]
        in_features, out_features = int(in_features), int(out_features)
        act_cls = activation_by_name(activation)
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0.0 <= dropout < 1.0:
            raise ConfigError(f"MLP: dropout must be in [0, 1), got {dropout!r}.")
        if norm not in _NORMS:
            raise ConfigError(f"MLP: norm must be None, 'batch' or 'layer', got {norm!r}.")
        layers = []
        sizes = [in_features] + hidden
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            layers.append(Linear(fan_in, fan_out, bias=bias, dtype=dtype))
            if norm is not None:
                layers.append(_NORMS[norm](fan_out, dtype=dtype))
            if act_cls is not Identity:                     # PReLU's learned slope in the model's dtype
                layers.append(act_cls(dtype=dtype) if act_cls is PReLU else act_cls())
            if dropout > 0:
                layers.append(Dropout(dropout))
        layers.append(Linear(sizes[-1], out_features, bias=bias, dtype=dtype))
        super().__init__(*layers)
        self.in_features = int(in_features)
        self.hidden = hidden
        self.out_features = int(out_features)
        self.activation = _canonical(activation)
        self.dropout = float(dropout)
        self.bias = bool(bias)
        self.norm = norm

    def get_config(self) -> dict:
        """The constructor arguments (JSON-able): in_features, hidden, out_features, activation, dropout, bias,
        and norm when there is one."""
        config = {"in_features": self.in_features, "hidden": list(self.hidden), "out_features": self.out_features,
                  "activation": self.activation, "dropout": self.dropout, "bias": self.bias}
        if self.norm is not None:
            config["norm"] = self.norm
        return config

    @classmethod
    def from_config(cls, config: dict, dtype=None) -> "MLP":
        """Build an MLP from :meth:`get_config`'s dict (fresh random weights)."""
        if not isinstance(config, dict):
            raise ConfigError(f"MLP config: expected a dict of constructor arguments, got {type(config).__name__}.")
        allowed = {"in_features", "hidden", "out_features", "activation", "dropout", "bias", "norm"}
        unknown = set(config) - allowed
        if unknown:
            raise ConfigError(f"MLP config: unknown keys {sorted(unknown)}; allowed: {sorted(allowed)}.")
        return cls(**config, dtype=dtype)

    @property
    def linear_layers(self) -> list:
        """The Linear layers in order (W1, W2, ...)."""
        return [m for m in self if isinstance(m, Linear)]

    def collapsed(self):
        """``(W, b)`` of the single linear map this network computes when it has no activation.

        ``W = W_L ... W_2 W_1`` and ``b`` the matching bias: lecture eq. (2), ``W2 W1 = W3``. Raises
        :class:`~chainrule.errors.ConfigError` when there is an activation (the network is then not linear).
        """
        if self.activation is not None:
            raise ConfigError(f"MLP.collapsed: this network has activation {self.activation!r}, so it is not a "
                              f"single linear map; only activation=None collapses.")
        if self.norm is not None:
            raise ConfigError(f"MLP.collapsed: this network has norm={self.norm!r} layers; only a network of "
                              f"Linear layers collapses.")
        w, b = None, None
        for layer in self.linear_layers:
            lw = layer.weight.data
            lb = layer.bias.data if layer.bias is not None else np.zeros(lw.shape[0], dtype=lw.dtype)
            w = lw if w is None else lw @ w
            b = lb if b is None else lw @ b + lb
        return w, b


_NORMS = {None: None, "batch": BatchNorm1d, "layer": LayerNorm}


def _is_int(n) -> bool:
    """A layer width's type: an integer, not a bool or a float (PyTorch refuses floats with a TypeError)."""
    return isinstance(n, (int, np.integer)) and not isinstance(n, bool)


def _canonical(activation):
    """The name stored in configs: the ACTIVATIONS key of the chosen class, None for no activation."""
    from .activations import ACTIVATIONS
    cls = activation_by_name(activation)
    for key, value in ACTIVATIONS.items():
        if value is cls:
            return None if key == "none" else key
    return None  # pragma: no cover
