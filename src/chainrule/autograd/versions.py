"""In-place changes: version counters, the views that share them, and PyTorch's error for a changed saved value."""
from __future__ import annotations

import collections
import weakref

import numpy as np

from . import graph as _graph
from .mode import _GradMode

_Tensor = None  # chainrule.tensor.Tensor, set when it is declared (graph.TensorBase)


class VersionCounter:
    """How many times a tensor's memory was changed in place (``t._version``), shared by its views.

    ``recent`` keeps the clock readings of the latest changes, so backward can tell whether a change came
    after a node was recorded (``Node.born``) and name the version that node expected.
    """

    __slots__ = ("version", "recent")
    KEEP = 64

    def __init__(self):
        self.version = 0
        self.recent = collections.deque(maxlen=self.KEEP)

    def changed_since(self, born: int) -> bool:
        return bool(self.recent) and self.recent[-1] > born

    def expected(self, born: int) -> str:
        """The version a node recorded at clock ``born`` saw (a bound when older changes were dropped)."""
        later = sum(1 for c in self.recent if c > born)
        exact = later < len(self.recent) or len(self.recent) < self.KEEP
        return str(self.version - later) if exact else f"{self.version - later} or earlier"


def version_counter(t) -> VersionCounter:
    """The tensor's counter, made on first need; the node that made ``t`` (and kept its output) watches it."""
    vc = getattr(t, "_vc", None)
    if vc is None:
        vc = t._vc = VersionCounter()
        fn = t.grad_fn
        if fn is not None and getattr(fn.op, "uses_ans", False):
            fn.out_vc = vc
    return vc


def bump_version(t) -> None:
    """Record an in-place change of ``t``'s memory (every in-place method and optimizer update calls it)."""
    vc = version_counter(t)
    _graph._clock += 1
    vc.version += 1
    vc.recent.append(_graph._clock)


def rebase(t, fn) -> None:
    """Give ``t`` the node ``fn`` after an in-place change recorded in the graph; nodes recorded before the
    change still reach ``t``'s old node (:func:`grad_fn_at`), as their inputs were the old value."""
    history = getattr(t, "_history", None)
    entry = (_graph._clock, t.grad_fn)
    if history is None:
        t._history = [entry]
    else:
        history.append(entry)
    t.grad_fn = fn


def grad_fn_at(t, born):
    """The node that made ``t``'s value as a node recorded at clock ``born`` saw it."""
    for changed, old in getattr(t, "_history", None) or ():
        if changed > born:
            return old
    return t.grad_fn


def track_view(out, src, op, kw) -> None:
    """``out`` was made from ``src`` by a view op: if it shares ``src``'s memory it shares its version counter,
    and remembers its root tensor, the steps from it and whether one was taken in no_grad mode, and the root its
    live views (for an in-place change
    recorded in the graph, after which every view is re-recorded as a view of the new value)."""
    owner = getattr(out.data, "base", None)   # NumPy points a view at the array that owns the memory
    if owner is None or not isinstance(src, _Tensor):
        return
    s = src.data
    if owner is not s and owner is not getattr(s, "base", None):
        return
    out._vc = version_counter(src)
    base, steps, quiet = getattr(src, "_view", None) or (src, (), False)
    out._view = (base, steps + ((op, kw, src.data),), quiet or not _GradMode.enabled)
    views = getattr(base, "_views", None)
    if views is None:
        base._views = [weakref.ref(out)]
        return
    views.append(weakref.ref(out))
    n = len(views)
    if n >= 64 and not n & (n - 1):  # at 64, 128, 256, ...: drop the dead ones (amortized O(1) per view)
        views[:] = [r for r in views if r() is not None]


def live_views(t) -> list:
    """The views of ``t`` that are still alive."""
    return [v for v in (r() for r in getattr(t, "_views", None) or ()) if v is not None]


def saved_inputs(op, needs, n):
    """The inputs whose values the VJPs of the inputs that need a gradient read (``Op.saves``)."""
    saves = op.saves
    if saves is None:
        return range(n)
    if saves and isinstance(saves[0], tuple):  # one tuple per input's VJP
        return sorted({i for need, reads in zip(needs, saves) if need for i in reads})
    return saves


def check_versions(node) -> None:
    """Raise PyTorch's error when a value ``node``'s backward reads was changed in place after it was recorded."""
    op, born, args = node.op, node.born, node.args
    ctx = getattr(op, "ctx", None)
    if ctx is not None:
        watched = [(t, f"saved tensor {i} of {op.name}") for i, t in enumerate(ctx._saved)]
    else:
        watched = [(args[i], f"input {i} of {op.name}") for i in saved_inputs(op, node.needs, len(args))]
    for t, what in watched:
        vc = getattr(t, "_vc", None) if isinstance(t, _Tensor) else None
        if vc is not None and vc.changed_since(born):
            _version_error(t.data, what, vc, born)
    vc = getattr(node, "out_vc", None)
    if vc is not None and vc.changed_since(born):
        _version_error(node.ans if node.ans is not None else np.empty(0), f"output 0 of {op.name}", vc, born)


def _version_error(array, what, vc, born):
    raise RuntimeError(
        f"one of the variables needed for gradient computation has been modified by an inplace operation: "
        f"[{array.dtype} tensor of shape {tuple(array.shape)}], which is {what}, is at version {vc.version}; "
        f"expected version {vc.expected(born)} instead. Hint: compute out of place (y = x * 2, not x *= 2), "
        f"or clone() the tensor before changing it.")
