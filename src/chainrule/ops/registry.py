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
from ..errors import ChainruleError, ShapeError

OPS: dict[str, "Op"] = {}
_Tensor = None  # chainrule.tensor.Tensor, bound by bind_tensor_type once that class exists


def bind_tensor_type(cls) -> None:
    """Tell the ops which class is the tensor (tensor.py imports the ops, so it cannot be imported here)."""
    global _Tensor
    _Tensor = cls


def raw(x):
    """The NumPy array behind a tensor (or ``x`` itself): for masks and indices, which are never differentiated."""
    return x.data if isinstance(x, _Tensor) else x


class Op:
    """A primitive: ``forward(*arrays, **params)`` plus one VJP per differentiable input.

    ``gate`` names its role in the lecture's gate patterns; ``uses_ans`` says whether a VJP reads the output
    (then it is kept, and recomputed as a tensor for higher-order gradients); ``cached`` ops return
    ``(out, cache)`` from forward and their VJPs get ``cache=`` (``None`` when differentiating the backward).
    ``vjp_all(g, ans, needs, *inputs, **params)`` replaces ``vjps`` for ops with a variable number of inputs.
    """

    __slots__ = ("name", "forward", "vjps", "vjp_all", "gate", "uses_ans", "cached", "differentiable", "doc")

    def __init__(self, name, forward, vjps=(), vjp_all=None, gate=None, uses_ans=False, cached=False):
        self.name, self.forward, self.vjps, self.vjp_all = name, forward, tuple(vjps), vjp_all
        self.gate, self.uses_ans, self.cached = gate, uses_ans, cached
        self.differentiable = bool(self.vjps) or vjp_all is not None
        self.doc = (forward.__doc__ or "").strip()

    def __call__(self, *args, **kw):
        tensor_in = grad_in = False
        arrays, needs = [], []
        for a in args:
            if isinstance(a, _Tensor):
                tensor_in = True
                arrays.append(a.data)
                if a.requires_grad:
                    grad_in = True
                    needs.append(True)
                    continue
            elif isinstance(a, np.generic) and a.dtype.kind == "f":
                arrays.append(float(a))  # a NumPy scalar is as weak as a Python float: float32 stays float32
            else:
                arrays.append(a)
            needs.append(False)
        try:
            out = self.forward(*arrays, **kw)
        except (ValueError, TypeError) as e:      # free when nothing is raised: the hot path pays nothing
            clear = _clear_error(self.name, arrays, e, kw)
            if clear is None:
                raise
            raise clear from None
        cache = None
        if self.cached:
            out, cache = out
        if not tensor_in:
            return out
        if grad_in and _GradMode.enabled and self.differentiable:
            return record(self, args, kw, out, cache, needs, arrays)
        return record(self, args, kw, out, None, None)

    def backward(self, node, g, graph):
        """The downstream gradients for every input of ``node`` (``None`` where none is needed)."""
        kw = node.kw
        if graph:
            args = node.args
            ans = self(*args, **kw) if self.uses_ans else None
            cache = None
        else:
            args, ans, cache = node.arrays, node.ans, node.cache
        if self.cached:
            kw = dict(kw, cache=cache)
        if self.vjp_all is not None:
            return self.vjp_all(g, ans, node.needs, *args, **kw)
        vjps = self.vjps
        if len(vjps) == 1:  # one input, and it needs a gradient, or there would be no node
            return (vjps[0](g, ans, *args, **kw),)
        return [vjp(g, ans, *args, **kw) if need else None for vjp, need in zip(vjps, node.needs)]

    def __repr__(self):
        return f"Op({self.name})"


def _describe(arrays, attr) -> str:
    """``(2, 3) and (4,)``: each operand's shape (or dtype), for an error message."""
    parts = []
    for a in arrays:
        try:
            parts.append(str(getattr(np.asarray(a), attr)))
        except Exception:                        # noqa: BLE001 - a ragged list or odd object: say what it is
            parts.append(type(a).__name__)
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _clear_error(name, arrays, e, kw=None):
    """One sentence naming the op for NumPy's raw shape and dtype complaints; None keeps ``e`` as it is."""
    if isinstance(e, ChainruleError):
        return None
    text = str(e)
    if isinstance(e, ValueError) and "broadcast" in text:
        return ShapeError(f"{name}: shapes {_describe(arrays, 'shape')} do not broadcast; make the sizes of each "
                          f"dimension equal or 1 (reshape or unsqueeze an operand).")
    if isinstance(e, ValueError) and ("axis" in text or "axes" in text):      # AxisError, repeated axes
        return ShapeError(f"{name}: {text.rstrip('.')} (input shape {_describe(arrays, 'shape')}).")
    if isinstance(e, TypeError) and (type(e).__module__.startswith("numpy") or "unsupported operand" in text):
        return TypeError(f"{name}: cannot compute with operands of dtype {_describe(arrays, 'dtype')}; "
                         f"pass numbers or numeric tensors (and numeric options).")      # e.g. UFuncTypeError
    if isinstance(e, TypeError) and "interpreted as an integer" in text and "axis" in (kw or {}):
        return TypeError(f"{name}: axis must be an integer or a tuple of integers, got {kw['axis']!r}.")
    return None


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
