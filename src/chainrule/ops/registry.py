"""The derivative table: every primitive op registered once, its forward beside its vector-Jacobian products.

An :class:`Op` is callable on NumPy arrays (it just computes) and on tensors (it computes and records a node).
That makes the VJP formulas themselves "dual": written with ``+ - * /`` and other ops, the same formula
runs on arrays during an ordinary backward pass and on tensors when ``create_graph=True`` asks for a
differentiable backward (second derivatives).

A VJP is ``vjp(g, ans, *inputs, **params)``: ``g`` is the upstream gradient (shape of the output), ``ans``
the forward output, and it returns the downstream gradient for one input. It may return a gradient with the
output's broadcast shape: the engine reduces it to the input's shape in one place.
"""
from __future__ import annotations

import numpy as np

from ..autograd import _GradMode, record

OPS: dict[str, "Op"] = {}


def raw(x):
    """The NumPy array behind a tensor (or ``x`` itself): for masks and indices, which are never differentiated."""
    return getattr(x, "data", x) if hasattr(x, "grad_fn") else x


class Op:
    """A primitive: ``forward(*arrays, **params)`` plus one VJP per differentiable input.

    ``gate`` names its role in the lecture's gate patterns; ``uses_ans`` says whether a VJP reads the output
    (then it is kept, and recomputed as a tensor for higher-order gradients); ``cached`` ops return
    ``(out, cache)`` from forward and their VJPs get ``cache=`` (``None`` when differentiating the backward).
    ``vjp_all(g, ans, needs, *inputs, **params)`` replaces ``vjps`` for ops with a variable number of inputs.
    """

    __slots__ = ("name", "forward", "vjps", "vjp_all", "gate", "uses_ans", "cached", "doc")

    def __init__(self, name, forward, vjps=(), vjp_all=None, gate=None, uses_ans=False, cached=False):
        self.name, self.forward, self.vjps, self.vjp_all = name, forward, tuple(vjps), vjp_all
        self.gate, self.uses_ans, self.cached = gate, uses_ans, cached
        self.doc = (forward.__doc__ or "").strip()

    @property
    def differentiable(self) -> bool:
        return bool(self.vjps) or self.vjp_all is not None

    def __call__(self, *args, **kw):
        needs = None
        tensor_in = False
        for a in args:
            if hasattr(a, "grad_fn"):
                tensor_in = True
                if a.requires_grad:
                    needs = True
        if not tensor_in:
            out = self.forward(*args, **kw)
            return out[0] if self.cached else out
        arrays = [a.data if hasattr(a, "grad_fn") else a for a in args]
        out = self.forward(*arrays, **kw)
        cache = None
        if self.cached:
            out, cache = out
        if needs and _GradMode.enabled and self.differentiable:
            needs = tuple(hasattr(a, "grad_fn") and a.requires_grad for a in args)
        else:
            needs, cache = None, None
        return record(self, args, kw, out, cache, needs)

    def backward(self, node, g, graph):
        """The downstream gradients for every input of ``node``, given the upstream gradient ``g``."""
        kw = node.kw
        if graph:
            args = node.args
            ans = self(*args, **kw) if self.uses_ans else None
            cache = None
        else:
            args = [a.data if hasattr(a, "grad_fn") else a for a in node.args]
            ans, cache = node.ans, node.cache
        if self.cached:
            kw = dict(kw, cache=cache)
        if self.vjp_all is not None:
            return self.vjp_all(g, ans, node.needs, *args, **kw)
        return [vjp(g, ans, *args, **kw) if need else None for vjp, need in zip(self.vjps, node.needs)]

    def __repr__(self):
        return f"Op({self.name})"


def defop(name, vjps=(), **options):
    """Decorator: register ``forward`` under ``name`` with its VJPs; returns the callable :class:`Op`."""
    def register(forward):
        if name in OPS:
            raise ValueError(f"op {name!r} is registered twice")
        op = Op(name, forward, vjps, **options)
        OPS[name] = op
        return op
    return register


def expand_reduced(g, shape, axis, keepdims):
    """Reshape a reduction's upstream gradient so it broadcasts against the reduced input's ``shape``."""
    if keepdims or axis is None and g.ndim == 0:
        return g
    axes = (axis,) if isinstance(axis, (int, np.integer)) else (tuple(range(len(shape))) if axis is None else axis)
    axes = {a % len(shape) for a in axes}
    return g.reshape(tuple(1 if i in axes else n for i, n in enumerate(shape)))


def float_mask(mask, dtype):
    """A boolean mask as 0/1 in ``dtype``, so multiplying by it keeps float32 float32."""
    return mask.astype(dtype, copy=False)
