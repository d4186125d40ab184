"""Health of the hidden units while training (lecture section 2): dead ReLUs and saturated sigmoids/tanhs.

A ReLU unit is *dead* on a set of examples when its input is <= 0 for every one of them: its gradient is 0
everywhere, so it never learns again. A sigmoid or tanh output is *saturated* when it sits on a flat part of
the curve (local gradient below 5% of its maximum), where backprop multiplies the upstream gradient by almost 0.
"""
from __future__ import annotations

import numpy as np

from .. import autograd
from ..tensor import Tensor

RELU_LIKE = ("ReLU",)
SQUASHING = {"Sigmoid": lambda h: h * (1 - h) < 0.05 * 0.25, "Tanh": lambda h: 1 - h * h < 0.05}


def hidden_unit_stats(model, X, max_examples: int = 1000) -> dict:
    """``{"dead_units": fraction, "dead_per_layer": [...]}`` for ReLU layers and ``{"saturated": fraction}``
    for sigmoid/tanh layers, measured on the first ``max_examples`` rows of ``X``; {} for a model without them."""
    if not hasattr(model, "named_modules") or len(X) == 0:
        return {}
    layers = [(name, m) for name, m in model.named_modules() if type(m).__name__ in RELU_LIKE + tuple(SQUASHING)]
    if not layers:
        return {}
    seen = {}

    def hook(module, inputs, output):
        seen[id(module)] = output.data if isinstance(output, Tensor) else np.asarray(output)

    handles = [m.register_forward_hook(hook) for _, m in layers]
    was_training = getattr(model, "training", False)
    model.eval()
    try:
        with autograd.no_grad():
            model(Tensor(np.ascontiguousarray(X[:max_examples], dtype=np.float32)))
    finally:
        for h in handles:
            h.remove()
        if was_training:
            model.train()
    out = {}
    dead, n_dead, units, sat, total = [], 0, 0, 0, 0
    for _, m in layers:
        h = seen.get(id(m))
        if h is None:
            continue
        kind = type(m).__name__
        if kind in RELU_LIKE:
            d = int((~(h > 0).any(axis=0)).sum())
            dead.append(d / h.shape[1])
            n_dead += d
            units += h.shape[1]
        else:
            sat += int(SQUASHING[kind](h).sum())
            total += h.size
    if dead:
        out["dead_units"] = n_dead / units
        out["dead_per_layer"] = dead
    if total:
        out["saturated"] = sat / total
    return out


QUANTILES = (0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0)
SAMPLE = 1 << 20                 # values of one tensor the quantiles are taken from
MAX_TENSORS = 64                 # parameter tensors summarized (a deeper net: the first 64)


def parameter_summaries(model) -> dict:
    """``{"layers": {name: {"w": quantiles, "g": quantiles}}, "grad_norm": total}`` of the model's parameters
    now: the `QUANTILES` of each tensor's weights and of its gradient (at the end of an epoch, the gradient of
    its last step, regularization included), 6 significant digits; ``grad_norm`` is the L2 norm of all the
    gradients (of the first `MAX_TENSORS` tensors).
    {} for a model without named parameters."""
    if not hasattr(model, "named_parameters"):
        return {}
    layers, total = {}, 0.0
    for name, p in list(model.named_parameters())[:MAX_TENSORS]:
        entry = {"w": _quantiles(p.data)}
        g = getattr(p, "grad", None)
        if g is not None:
            g = g.data if isinstance(g, Tensor) else np.asarray(g)
            flat = g.ravel()
            total += float(np.dot(flat, flat))
            entry["g"] = _quantiles(g)
        layers[name] = entry
    if not layers:
        return {}
    out = {"layers": layers}
    if any("g" in e for e in layers.values()):
        out["grad_norm"] = float(np.sqrt(total))
    return out


def _quantiles(a) -> list:
    """`QUANTILES` of ``a``: exact up to `SAMPLE` values; of a larger tensor, from every k-th value (about
    `SAMPLE` of them; min and max still exact: a quarter of the time for a 3072x2048 layer)."""
    a = np.asarray(a).ravel()
    if a.size == 0 or not np.isfinite(a).all():
        return []
    sample = a if a.size <= SAMPLE else a[::a.size // SAMPLE]
    q = np.quantile(sample, QUANTILES)
    q[0], q[-1] = a.min(), a.max()
    return [float(f"{v:.6g}") for v in q]
