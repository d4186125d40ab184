"""Activation functions measured: ``f`` and ``f'`` by chainrule's own backward, and the tails of a range where
little gradient passes (what :func:`chainrule.viz.plots.plot_activations` shades)."""
from __future__ import annotations

import numpy as np

from ..errors import ConfigError

#: The activation functions drawn by :func:`plot_activations`, by name (functional forms in chainrule.nn).
ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", "silu", "softplus")


def activation_derivatives(name: str, x) -> tuple[np.ndarray, np.ndarray]:
    """``(f(x), f'(x))`` for a chainrule activation, the derivative computed by chainrule's own backward."""
    import chainrule as cr
    from ..nn import functional as F
    fn = getattr(F, name, None)
    if name not in ACTIVATIONS or fn is None:
        raise ConfigError(f"unknown activation {name!r}; known: {', '.join(ACTIVATIONS)}.")
    t = cr.tensor(np.asarray(x, dtype=np.float64), dtype=np.float64, requires_grad=True)
    out = fn(t)
    (g,) = cr.grad(out.sum(), [t])  # elementwise f, so d(sum f)/dx_i = f'(x_i)
    return np.asarray(out.data), np.asarray(g.data)


def _spans(mask):
    """Start/end indices of the runs where ``mask`` is True."""
    runs, start = [], None
    for i, m in enumerate(mask):
        if m and start is None:
            start = i
        elif not m and start is not None:
            runs.append((start, i - 1))
            start = None
    if start is not None:
        runs.append((start, len(mask) - 1))
    return runs


def _blocked_tails(x, df, threshold):
    """The ends of the x range where little gradient passes: ``[(x0, x1, kind)]``, kind "zero" or "vanishing".

    Only the tails count (saturation is about large inputs), and only where the derivative is exactly 0
    ("zero": ReLU's dead side) or shrinks toward the end of the range ("vanishing": sigmoid, tanh, ELU,
    GELU's left tail). A small derivative that stays constant (Leaky ReLU's 0.01) is not shaded: the unit
    keeps learning there. A dip that does not reach an end (GELU's minimum near -0.75) is not either.
    """
    mag = np.abs(df)
    out = []
    for a, b in _spans(mag < threshold):
        if a != 0 and b != len(x) - 1:
            continue
        seg = mag[a:b + 1]
        if np.all(seg == 0):
            out.append((x[a], x[b], "zero"))
            continue
        towards_end = seg if a == 0 else seg[::-1]   # from the range's end inward
        if towards_end[0] < 0.5 * towards_end[-1] and np.all(np.diff(towards_end) >= -1e-12):
            out.append((x[a], x[b], "vanishing"))
    return out

