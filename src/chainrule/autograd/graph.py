"""The recorded graph: :class:`Node` (a tensor's ``grad_fn``), the tensor class the engine makes, the in-place clock."""
from __future__ import annotations

import itertools
import sys

import numpy as np

from .anomaly import creation_site
from .gradients import unbroadcast
from .mode import _GradMode, _defer, set_grad_enabled

_Tensor = None  # the class the engine makes tensors of: chainrule.tensor.Tensor, named by TensorBase below


class TensorBase:
    """The base of every tensor the engine records, differentiates and creates (gradients, Function outputs).

    The engine and the op table sit below ``chainrule.tensor`` and never import it: ``isinstance(x,
    TensorBase)`` tells them a tensor, and the one subclass declared with ``class Tensor(..., TensorBase,
    engine_tensor=True)`` is the class they create: it becomes the ``_Tensor`` of every module of this package
    that names one (each reads it as a global, as fast as a local class).
    """

    __slots__ = ()

    def __init_subclass__(cls, engine_tensor: bool = False, **kw):
        super().__init_subclass__(**kw)
        if engine_tensor:
            package = __name__.rpartition(".")[0]
            for name, module in list(sys.modules.items()):
                if (name == package or name.startswith(package + ".")) and hasattr(module, "_Tensor"):
                    module._Tensor = cls


_clock = 0  # in-place changes made so far, to any tensor: a node records the reading when it is created


_next_seq = itertools.count().__next__
_next_leaf_seq = itertools.count(-1, -1).__next__


class Node:
    """One recorded op application: the ``grad_fn`` of the tensor it produced.

    ``op`` knows how to compute the vector-Jacobian products; ``args`` are the op's inputs (tensors and
    constants) and ``arrays`` the same with tensors replaced by their arrays, ``kw`` its parameters,
    ``ans``/``cache`` the forward results its backward reuses, ``needs`` which inputs need a gradient.
    ``born`` is the in-place clock at creation: backward checks the saved values only when the clock has
    moved since (``out_vc``, the output's version counter, is set once one exists for ops that keep their
    output). ``seq`` numbers nodes in creation order: a node is always newer than the nodes of its inputs, so
    processing the newest node first is a topological order. A node whose inputs are all leaves (``leafy``:
    the first layer, the L2 penalty) is numbered below every other node, so it runs last, once the
    activations are freed: its parameter-sized gradients then do not add to the peak. The order stays
    topological, as no node waits for one whose inputs are leaves.
    """

    __slots__ = ("op", "args", "arrays", "kw", "ans", "cache", "needs", "seq", "hooks", "retained", "site",
                 "born", "out_vc", "__weakref__")

    def __init__(self, op, args, kw, needs, ans=None, cache=None, arrays=None, leafy=False):
        self.op = op
        self.args = args
        self.arrays = arrays
        self.kw = kw
        self.needs = needs
        self.ans = ans
        self.cache = cache
        self.seq = _next_leaf_seq() if leafy else _next_seq()
        self.born = _clock
        self.hooks = self.retained = None
        self.site = creation_site() if _GradMode.anomaly else None

    @property
    def name(self) -> str:
        """The op's name, e.g. ``"mul"``."""
        return self.op.name

    @property
    def gate(self) -> str | None:
        """The op's gate role in the lecture's terms (``"distributor"``, ``"swap multiplier"``, ``"router"``)."""
        return getattr(self.op, "gate", None)

    @property
    def freed(self) -> bool:
        return self.args is None

    @property
    def inputs(self) -> tuple:
        """The tensors this node consumed (constants left out), so a graph can be walked and drawn."""
        self._check_alive()
        return tuple(a for a in self.args if isinstance(a, _Tensor))

    @property
    def next_functions(self) -> tuple:
        """The ``grad_fn`` of each input (``None`` for leaves), as in PyTorch."""
        return tuple(t.grad_fn for t in self.inputs)

    def vjps(self, upstream) -> list:
        """The gradient this node sends to each recorded input for the gradient ``upstream`` of its output (an
        array of the output's shape): the op's VJPs run once, each result reduced to its input's shape;
        nothing is accumulated and no hook runs. ``None`` for an input that needs none (a constant). An op
        recorded once for one tensor on both sides (``x * x``) has one input and gives one gradient. For
        pictures and teaching tools; needs the graph (``retain_graph=True``)."""
        self._check_alive()
        with set_grad_enabled(False), _defer(False):
            down = self.op.backward(self, np.asarray(upstream), False)
        out = []
        for g, a in zip(down, self.args):
            if g is not None and isinstance(a, _Tensor):
                g = unbroadcast(np.asarray(g), a.shape)
            out.append(g)
        return out

    def _check_alive(self):
        if self.args is None:
            raise RuntimeError(
                f"the graph behind this {self.name} node has been freed by backward(); "
                f"call backward(retain_graph=True) to backpropagate or inspect it again.")

    def release(self):
        """Drop the inputs and saved buffers: the graph can no longer be backpropagated."""
        self.args = None
        self.arrays = None
        self.ans = None
        self.cache = None

    def __repr__(self):
        return f"<{self.name} backward>"
