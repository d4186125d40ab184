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
