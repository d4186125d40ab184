"""Custom gates in PyTorch's style: :class:`Function` subclasses with static ``forward`` and ``backward``."""
from __future__ import annotations

import numpy as np

from .anomaly import check_finite, creation_site
from .graph import Node
from .mode import _GradMode, no_grad, set_grad_enabled

_Tensor = None  # chainrule.tensor.Tensor, set when it is declared (graph.TensorBase)


class FunctionCtx:
    """The ``ctx`` of a custom :class:`Function`: save what backward needs, read which inputs need grads."""

    def __init__(self, needs_input_grad):
        self.needs_input_grad = needs_input_grad
        self._saved = ()
        self._non_differentiable = ()
        self._outputs = None  # while backward runs: a function giving output i as a tensor of the graph
        self._arrays = None   # the outputs' arrays, kept only when an output is saved
        self.materialize_grads = True
        self._reached = None  # without materialized grads: the outputs whose gradient this backward computed

    def save_for_backward(self, *tensors):
        self._saved = tensors

    def mark_non_differentiable(self, *tensors):
        """Outputs that get no gradient: they do not require grad, and backward receives zeros for them."""
        self._non_differentiable = tuple(id(t) for t in tensors)

    def set_materialize_grads(self, value: bool):
        """``False``: backward gets ``None``, not zeros, for an output no gradient reached (unused, or marked
        non-differentiable), as in PyTorch; call it in forward."""
        self.materialize_grads = bool(value)

    @property
    def saved_tensors(self) -> tuple:
        """What ``save_for_backward`` got; a saved output is, during backward, that output as a tensor of the
        graph, so ``create_graph=True`` differentiates through it (second derivatives), as in PyTorch."""
        return tuple(t if not isinstance(t, _SavedOutput) else
                     _Tensor(self._arrays[1][t.index]) if self._outputs is None else self._outputs(t.index)
                     for t in self._saved)


class _SavedOutput:
    """An output passed to ``save_for_backward``: its index (no reference cycle through the node)."""

    __slots__ = ("index",)

    def __init__(self, index):
        self.index = index


class _FunctionOp:
    """Adapts a user's :class:`Function` subclass to the engine's op protocol.

    With several outputs the node's value is all differentiable outputs packed into one flat array
    (``layout``: output index, offset, shape, dtype); each output is a slice of it, so the engine sums the
    gradients of the outputs used, and the slots of the others stay zero.
    """

    gate = None
    saves = None

    def __init__(self, cls, ctx, shapes, layout=None):
        self.cls, self.ctx, self.shapes, self.layout = cls, ctx, shapes, layout
        self.name = cls.__name__
        self.uses_ans = any(isinstance(t, _SavedOutput) for t in ctx._saved)  # outputs' changes are checked

    def _output_grads(self, g, graph):
        if self.layout is None:
            return (g if graph else _Tensor(g),)
        reached = self.ctx._reached
        grads = [_Tensor(np.zeros(shape, dtype)) if reached is None else None for shape, dtype in self.shapes]
        for i, offset, shape, dtype in self.layout:
            if reached is None or i in reached:
                gi = g[offset:offset + int(np.prod(shape, dtype=np.int64))].reshape(shape)
                grads[i] = gi if graph else _Tensor(gi)
        return tuple(grads)

    def _outputs(self, node):
        """Output ``i`` as a tensor whose node is ``node`` (a saved output, read during backward)."""
        if not self.uses_ans:
            return None
        packed, arrays = self.ctx._arrays
        value = _Tensor(packed)
        value.grad_fn, value.requires_grad = node, True

        def output(i):
            if self.layout is None:
                return value
            for j, offset, shape, dtype in self.layout:
                if j == i:
                    return value[offset:offset + int(np.prod(shape, dtype=np.int64))].reshape(shape)
            return _Tensor(arrays[i])
        return output

    def backward(self, node, g, graph):
        ctx = self.ctx
        ctx._outputs = self._outputs(node)
        try:
            with set_grad_enabled(graph):
                out = self.cls.backward(ctx, *self._output_grads(g, graph))
        finally:
            ctx._outputs = None
            if ctx._reached is not None:
                ctx._reached.clear()          # the next backward through the graph (retain_graph) counts anew
        if not isinstance(out, tuple):
            out = (out,)
        n = len(node.args)
        if len(out) < n or any(o is not None for o in out[n:]):
            raise RuntimeError(f"{self.name}.backward returned {len(out)} gradients for {n} inputs; "
                               f"return one per input of forward (None for inputs that need none).")
        out = [o if need else None for o, need in zip(out, node.needs)]
        if graph:
            return out
        return [None if o is None else (o.data if isinstance(o, _Tensor) else np.asarray(o)) for o in out]


class Function:
    """A custom gate, in PyTorch's style: it knows only its inputs and the upstream gradient.

    Subclass it with static ``forward(ctx, *inputs)`` and ``backward(ctx, *grad_outputs)``, save what backward
    needs with ``ctx.save_for_backward(...)``, and call it as ``MyOp.apply(x, y)``. ``forward`` may return
    several tensors (a tuple): ``backward`` then gets one gradient per output (zeros for an output that was not
    used or is marked with ``ctx.mark_non_differentiable``). ``ctx.needs_input_grad`` says which inputs need
    a gradient; ``backward`` returns one per input (``None`` for none; extra trailing ``None`` are allowed).
    Check it with :func:`chainrule.gradcheck`.
    """

    @staticmethod
    def forward(ctx, *args):  # pragma: no cover - abstract
        raise NotImplementedError("a Function subclass must define a static forward(ctx, *inputs)")

    @staticmethod
    def backward(ctx, *grad_outputs):  # pragma: no cover - abstract
        raise NotImplementedError("a Function subclass must define a static backward(ctx, *grad_outputs)")

    @classmethod
    def apply(cls, *args):
        needs = tuple(isinstance(a, _Tensor) and a.requires_grad for a in args)
        ctx = FunctionCtx(needs)
        with no_grad():
            out = cls.forward(ctx, *args)
        several = isinstance(out, tuple)
        raw = out if several else (out,)
        arrays = [np.asarray(o.data if isinstance(o, _Tensor) else o) for o in raw]
        if _GradMode.anomaly:
            for a in arrays:
                check_finite(a, "forward", cls.__name__, creation_site())
        diff = [i for i, (o, a) in enumerate(zip(raw, arrays))
                if id(o) not in ctx._non_differentiable and a.dtype.kind in "fc"]
        if not (_GradMode.enabled and any(needs) and diff):
            outs = tuple(_Tensor(a) for a in arrays)
            return outs if several else outs[0]
        saved_ids = {id(o): i for i, o in enumerate(raw)}
        ctx._saved = tuple(_SavedOutput(saved_ids[id(t)]) if id(t) in saved_ids else t for t in ctx._saved)
        shapes = [(a.shape, a.dtype) for a in arrays]
        if not several:
            op = _FunctionOp(cls, ctx, shapes)
            if op.uses_ans:
                ctx._arrays = (arrays[0], arrays)
            t = _Tensor(arrays[0])
            t.grad_fn, t.requires_grad = Node(op, args, {}, needs), True
            return t
        dtype = np.result_type(*[arrays[i] for i in diff])
        layout, offset = [], 0
        for i in diff:
            layout.append((i, offset, arrays[i].shape, arrays[i].dtype))
            offset += arrays[i].size
        packed = np.concatenate([arrays[i].ravel().astype(dtype, copy=False) for i in diff])
        op = _FunctionOp(cls, ctx, shapes, layout)
        if op.uses_ans:
            ctx._arrays = (packed, arrays)
        p = _Tensor(packed)
        p.grad_fn, p.requires_grad = Node(op, args, {}, needs), True
        outs = [_Tensor(a) for a in arrays]
        for i, offset, shape, dt in layout:
            o = p[offset:offset + arrays[i].size].reshape(shape)
            outs[i] = o if dt == dtype else o.astype(dt)
        if not ctx.materialize_grads:                     # which outputs backward reaches, for None gradients
            ctx._reached = set()
            for i, *_ in layout:
                outs[i].register_hook(_Reach(ctx._reached, i))
        return tuple(outs)


class _Reach:
    """A hook noting that output ``index`` got a gradient (it leaves the gradient as it is)."""

    __slots__ = ("reached", "index")

    def __init__(self, reached, index):
        self.reached, self.index = reached, index

    def __call__(self, grad):
        self.reached.add(self.index)
