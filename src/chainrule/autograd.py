"""The backward pass: graph nodes, traversal, ``backward``, ``grad``, grad mode, custom Functions, anomaly mode.

Every value computed from a tensor that requires grad gets a :class:`Node` (its ``grad_fn``): the op that made
it, its inputs, and what that op's vector-Jacobian products need. ``backward`` walks the nodes from the output
back to the leaves, newest node first (a topological order, kept in a heap), and applies, at every node, the
lecture's rule

    downstream gradient = local gradient x upstream gradient

Each gradient is reduced over broadcast axes in one place (:func:`unbroadcast`) and checked to have exactly its
variable's shape. Gradients flowing into a value used more than once are summed (the copy gate). Saved buffers
are released as soon as a node's backward has run, unless ``retain_graph=True``.
"""
from __future__ import annotations

import collections
import contextlib
import functools
import inspect
import heapq
import itertools
import traceback
import weakref

import numpy as np

from .errors import ChainruleError, ShapeError

__all__ = [
    "Node", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "backward", "grad", "Function",
    "detect_anomaly", "AnomalyError", "unbroadcast",
]


_Tensor = None  # the class the engine makes tensors of: chainrule.tensor.Tensor, named by TensorBase below


class TensorBase:
    """The base of every tensor the engine records, differentiates and creates (gradients, Function outputs).

    The engine and the op table sit below ``chainrule.tensor`` and never import it: ``isinstance(x,
    TensorBase)`` tells them a tensor, and the one subclass declared with ``class Tensor(..., TensorBase,
    engine_tensor=True)`` is the class they create.
    """

    __slots__ = ()

    def __init_subclass__(cls, engine_tensor: bool = False, **kw):
        super().__init_subclass__(**kw)
        if engine_tensor:
            global _Tensor
            _Tensor = cls


class _GradMode:
    enabled = True
    anomaly = False
    defer = False   # inside a first-order backward that fills .grad: VJPs may hand a Scaled (see below)


def is_grad_enabled() -> bool:
    """True when operations on tensors that require grad are being recorded."""
    return _GradMode.enabled


class _GradModeContext:
    """Base of the grad-mode switches: a context manager and a decorator (generator bodies included)."""

    mode = True

    def __enter__(self):
        self.prev = _GradMode.enabled
        _GradMode.enabled = self.mode

    def __exit__(self, *exc):
        _GradMode.enabled = self.prev
        return False

    def _again(self):
        """A fresh switch to this one's setting, entered around each call (and each generator step)."""
        return _switch(self.mode)

    def __call__(self, fn):
        again = self._again
        if inspect.isgeneratorfunction(fn):
            @functools.wraps(fn)
            def generator(*args, **kwargs):
                gen, sent = fn(*args, **kwargs), None
                while True:
                    with again():
                        try:
                            out = gen.send(sent)
                        except StopIteration as stop:
                            return stop.value
                    sent = yield out
            return generator

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with again():
                return fn(*args, **kwargs)
        return wrapper


class _switch(_GradModeContext):
    def __init__(self, mode: bool):
        self.mode = mode


class set_grad_enabled(_GradModeContext):
    """Set grad mode: at once as a plain call (``cr.set_grad_enabled(False)``), or for a ``with`` block or decorated function."""

    def __init__(self, mode: bool):
        self.mode = bool(mode)
        self.prev = _GradMode.enabled
        _GradMode.enabled = self.mode

    def __enter__(self):        # ``prev`` was taken in __init__, before the switch
        _GradMode.enabled = self.mode

    def __call__(self, fn):
        _GradMode.enabled = self.prev      # used as a decorator: switch only while ``fn`` runs
        return super().__call__(fn)


class no_grad(_GradModeContext):
    """Inside ``with cr.no_grad():`` no graph is built: for inference and parameter updates."""

    mode = False


class enable_grad(_GradModeContext):
    """Turn recording back on inside a ``no_grad`` block."""

    mode = True


class AnomalyError(ChainruleError, FloatingPointError, RuntimeError):
    """An op produced NaN or inf while :func:`detect_anomaly` was active."""


class detect_anomaly(contextlib.ContextDecorator):
    """Inside it, the first op whose forward or backward produces NaN/inf raises :class:`AnomalyError`.

    The error names the op and the line of user code that created it. Costs one ``isfinite`` per op.
    """

    def __enter__(self):
        self.prev = _GradMode.anomaly
        _GradMode.anomaly = True

    def __exit__(self, *exc):
        _GradMode.anomaly = self.prev
        return False


#: chainrule's own machinery, never the place to blame: the tensor and its ops
_ENGINE = ("/chainrule/autograd.py", "/chainrule/tensor.py", "/chainrule/ops/", "/chainrule/nn/functional.py")
#: chainrule code that drives a model (the trainer, the command line): the model's line is below it
_DRIVERS = ("/chainrule/train/", "/chainrule/cli/", "/chainrule/lecture/", "/chainrule/distributed.py")


def creation_site() -> str:
    """Where a value was created: the innermost line of user code, or, when chainrule itself runs the model
    (``chainrule train``), the line of the model that applied the op (not the console script's line)."""
    model_line = None
    for frame in reversed(traceback.extract_stack()[:-2]):
        name = frame.filename.replace("\\", "/")
        if "/chainrule/" not in name:
            return f"{frame.filename}:{frame.lineno} ({frame.line})"
        if any(part in name for part in _DRIVERS):
            break
        if model_line is None and not any(part in name for part in _ENGINE):
            model_line = frame
    if model_line is None:
        return "<unknown>"
    return f"{model_line.filename}:{model_line.lineno} ({model_line.line})"


def check_finite(array, what: str, op_name: str, site: str | None) -> None:
    data = array.data if hasattr(array, "grad_fn") else array
    if np.issubdtype(np.asarray(data).dtype, np.inexact) and not np.all(np.isfinite(data)):
        where = f", created at {site}" if site else ""
        raise AnomalyError(f"{op_name} {what} produced NaN or inf{where}; "
                           f"check its inputs (e.g. log of 0, overflow in exp, division by 0).")


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


_clock = 0  # in-place changes made so far, to any tensor: a node records the reading when it is created


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
    global _clock
    vc = version_counter(t)
    _clock += 1
    vc.version += 1
    vc.recent.append(_clock)


def rebase(t, fn) -> None:
    """Give ``t`` the node ``fn`` after an in-place change recorded in the graph; nodes recorded before the
    change still reach ``t``'s old node (:func:`grad_fn_at`), as their inputs were the old value."""
    history = getattr(t, "_history", None)
    entry = (_clock, t.grad_fn)
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
    and remembers its root tensor and the steps from it, and the root its live views (for an in-place change
    recorded in the graph, after which every view is re-recorded as a view of the new value)."""
    owner = getattr(out.data, "base", None)   # NumPy points a view at the array that owns the memory
    if owner is None or not isinstance(src, _Tensor):
        return
    s = src.data
    if owner is not s and owner is not getattr(s, "base", None):
        return
    out._vc = version_counter(src)
    base, steps = getattr(src, "_view", None) or (src, ())
    out._view = (base, steps + ((op, kw, src.data),))
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


def unbroadcast(g, shape):
    """Sum ``g`` over the axes that broadcasting added or stretched, so it gets ``shape``.

    The one place where broadcasting is undone; works on arrays and (for higher-order gradients) tensors.
    """
    gshape = g.shape
    if gshape == shape:
        return g
    lead = len(gshape) - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, n in enumerate(shape) if n == 1 and gshape[i + lead] != 1)
    if lead < 0 or any(n != 1 and gshape[i + lead] != n for i, n in enumerate(shape)):
        return g  # not a broadcast of shape: the shape check reports it
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g.reshape(shape)


def _fix_grad(g, var, op_name: str):
    """Undo broadcasting, match the variable's dtype and enforce the shape invariant."""
    shape = var.data.shape
    if g.shape != shape:
        g = unbroadcast(g, shape)
        if g.shape != shape:
            raise ShapeError(f"{op_name} backward produced a gradient of shape {g.shape} for a variable of "
                             f"shape {shape}; a gradient must have its variable's shape.")
    dtype = var.data.dtype
    if g.dtype != dtype:
        g = g.astype(dtype) if isinstance(g, np.ndarray) else g.astype(dtype)
    return g


def _observe(node, g, graph, node_caps, captured):
    """Run a node's tensor hooks, fill ``retain_grad`` tensors and captured gradients; return the gradient."""
    if node.hooks:
        g = _run_hooks(node.hooks, g, graph)
    if node.retained is not None and node_caps is None:  # grad() fills no .grad, not even retained ones
        tensor = node.retained()
        if tensor is not None:
            gt = g if graph else wrap(g.copy())
            tensor.grad = gt if tensor.grad is None else tensor.grad + gt
    i = node_caps.get(id(node)) if node_caps is not None else None
    if i is not None:
        captured[i] = g
    return g


def _run_hooks(hooks, g, graph):
    for hook in hooks:
        gt = g if graph else _Tensor(g)
        out = hook(gt)
        if out is not None:
            g = out if graph else np.asarray(out.data if isinstance(out, _Tensor) else out)
    return g


class Scaled:
    """A gradient ``array * factor`` (a 0-d factor of the array's dtype) not computed yet.

    The L2 penalty's VJPs hand one on during a backward that fills ``.grad``: added into a leaf's gradient
    buffer it runs in blocks, so no array-sized temporary is made (bit for bit ``buf += array * factor``);
    any other destination gets the product (:meth:`value`).
    """

    __slots__ = ("array", "factor", "shape", "dtype")
    BLOCK = 1 << 15

    def __init__(self, array, factor):
        self.array, self.factor, self.shape, self.dtype = array, factor, array.shape, array.dtype

    def value(self):
        return self.array * self.factor

    def add_to(self, buf):
        x, factor, block = self.array, self.factor, self.BLOCK
        if x.size <= 2 * block or not (x.flags.c_contiguous and buf.flags.c_contiguous):
            buf += x * factor
            return
        xs, bs, tmp = x.reshape(-1), buf.reshape(-1), np.empty(block, x.dtype)
        for i in range(0, x.size, block):
            part = np.multiply(xs[i:i + block], factor, out=tmp[:min(block, x.size - i)])
            bs[i:i + block] += part


class _defer:
    def __init__(self, mode):
        self.mode = mode

    def __enter__(self):
        self.prev, _GradMode.defer = _GradMode.defer, self.mode

    def __exit__(self, *exc):
        _GradMode.defer = self.prev


# Gradient ownership: the engine adds a gradient into a buffer in place only when it allocated that buffer
# itself and nothing outside it can have seen it. A node's pending gradient is owned once the engine has
# summed two arrivals into a new array (the first arrival may be anyone's: the user's gradient, a hook's
# result, a Function's array, an array handed to two inputs). A leaf's ``.grad`` buffer is owned while
# ``t._gown is t._grad.data``: set when the engine allocates it, cleared by every read or assignment of
# ``.grad`` (Tensor.grad's property), so an array a user took from ``.grad`` is never changed afterwards.

def wrap(array):
    """A tensor around an array the engine made (a gradient): no checks, no copy."""
    t = _Tensor.__new__(_Tensor)
    t.data = array
    t._grad = t.grad_fn = t.name = t._hooks = None
    t.requires_grad = False
    return t


def own_grad(t, array) -> None:
    """Make ``array`` (allocated by the caller, seen by no one else) ``t``'s ``.grad``, owned by the engine:
    later gradients are added into it in place."""
    t._grad = wrap(array)
    t._gown = array if type(array) is np.ndarray else None   # NumPy gives a 0-d result as a scalar


def _new_array(g, node, up, in_grads) -> bool:
    """Whether ``g``, which ``node``'s VJPs returned for upstream ``up``, is an array they made for one input:
    not a view, not the upstream, an input, the output or the cache; only the op table's VJPs are trusted."""
    return (type(g) is np.ndarray and g.base is None and g is not up and g is not node.ans
            and g is not node.cache and getattr(node.op, "new_vjps", False)
            and not any(g is a for a in node.arrays) and sum(o is g for o in in_grads) == 1
            and not any(g is v for v in node.kw.values()))


def _accumulate_leaf(t, g, graph, handed, made=None):
    if t._hooks:
        g, made = _run_hooks(t._hooks, g, graph), None
    _add_to_grad(t, g, graph, handed, made)


def _add_to_grad(t, g, graph, handed, made=None):
    """``t.grad += g``, keeping the ``.grad`` tensor's identity (``g`` an array, or a tensor when ``graph``).

    ``made``: ``(node, upstream, in_grads)`` where ``g`` comes from that node's VJPs (see `_new_array`)."""
    if graph:
        t.grad = g if t.grad is None else t.grad + g
        return
    old = t._grad
    if old is None:
        if type(g) is Scaled:
            own_grad(t, g.value())
        elif id(g) in handed or not g.flags.writeable:
            own_grad(t, g.copy())  # never let two leaves, or a read-only broadcast view, share one buffer
        elif made is not None and _new_array(g, *made):
            own_grad(t, g)
        else:
            t._grad = wrap(g)      # the array may be seen elsewhere (a hook, the user's gradient, ...)
            t._gown = None
        handed.add(id(t._grad.data))
        return
    buf = old.data  # accumulate into the gradient tensor the user may hold (PyTorch keeps its identity)
    if getattr(t, "_gown", None) is buf:
        if type(g) is Scaled:
            g.add_to(buf)
        else:
            buf += g  # an array the engine made and no one has read: add in place
    else:
        old.data = new = buf + (g.value() if type(g) is Scaled else g)
        if getattr(t, "_gown", False) is None and type(new) is np.ndarray:   # .grad never handed out
            t._gown = new


def run_backward(roots, root_grads, retain_graph=False, create_graph=False, capture=None):
    """Backpropagate ``root_grads`` from the ``roots`` tensors.

    With ``capture`` (a list of tensors) the gradients of those tensors are returned instead of being
    accumulated into any ``.grad``; otherwise leaves accumulate into ``.grad``.
    """
    graph = create_graph
    grads, handed = {}, set()
    owned = set()  # the nodes whose pending gradient is an array the engine summed (see own_grad)
    leaf_caps = {id(t): i for i, t in enumerate(capture)} if capture is not None else {}
    node_caps = ({id(t.grad_fn): i for i, t in enumerate(capture) if t.grad_fn is not None}
                 if capture is not None else None)
    captured = [None] * (len(capture) if capture is not None else 0)

    def deliver_leaf(t, g, made=None):
        if capture is not None:
            i = leaf_caps.get(id(t))
            if i is not None:
                if t._hooks:
                    g = _run_hooks(t._hooks, g, graph)
                captured[i] = g if captured[i] is None else captured[i] + g
        elif t.requires_grad:
            _accumulate_leaf(t, g, graph, handed, made)

    observe = capture is not None

    # Newest node first: every consumer of a value runs before the node that made it, so a node's
    # gradient is complete when it runs. Only nodes that receive a gradient are ever visited. The heap holds
    # the waiting nodes; a node found newer than all of them runs next without entering it (``nxt``).
    heap = []
    for t, g in zip(roots, root_grads):
        fn = t.grad_fn
        if fn is None:
            deliver_leaf(t, g)
        elif fn in grads:
            grads[fn] = grads[fn] + g
        else:
            grads[fn] = g
            heapq.heappush(heap, (-fn.seq, fn))

    anomaly = _GradMode.anomaly
    push, pop = heapq.heappush, heapq.heappop
    node = None  # the next node, when it is known to be the newest: a chain never touches the heap
    with set_grad_enabled(graph), _defer(capture is None and not anomaly and not graph):
        while node is not None or heap:
            if node is None:
                node = pop(heap)[1]
            g = grads.pop(node)     # (a node stays in ``owned`` after: newest first, it never receives again)
            args = node.args
            if args is None:
                node._check_alive()
            stale = node.born != _clock  # something was changed in place since this node was recorded
            if stale:
                check_versions(node)
            if observe or node.hooks or node.retained is not None:
                g = _observe(node, g, graph, node_caps, captured)
            in_grads = node.op.backward(node, g, graph)
            nxt = None
            i = -1
            for gi in in_grads:
                i += 1
                if gi is None:
                    continue
                a = args[i]
                if type(gi) is Scaled and (a.grad_fn is not None or a._hooks or stale):
                    gi = gi.value()         # deferred only into a leaf's .grad
                data = a.data
                if gi.shape != data.shape or gi.dtype != data.dtype:
                    gi = _fix_grad(gi, a, node.op.name)
                if anomaly:
                    check_finite(gi, "backward", node.op.name, node.site)
                fn = a.grad_fn if not stale else grad_fn_at(a, node.born)
                if fn is None:
                    deliver_leaf(a, gi, (node, g, in_grads))
                    continue
                prev = grads.get(fn)
                if prev is None:
                    grads[fn] = gi
                    if nxt is None and (not heap or fn.seq > -heap[0][0]):
                        nxt = fn
                    elif nxt is not None and fn.seq > nxt.seq:
                        push(heap, (-nxt.seq, nxt))
                        nxt = fn
                    else:
                        push(heap, (-fn.seq, fn))
                elif graph:
                    grads[fn] = prev + gi
                elif fn in owned:
                    prev += gi  # the copy gate, accumulated in place into a buffer no one else sees
                else:
                    grads[fn] = prev = prev + gi
                    if type(prev) is np.ndarray:    # (a 0-d sum is a NumPy scalar)
                        owned.add(fn)
            if not retain_graph:
                node.args = node.arrays = node.ans = node.cache = None
            node = nxt
    return captured


def _as_grad_array(gradient, t, graph):
    if gradient is None:
        if t.data.size != 1:
            raise RuntimeError(
                f"backward() on a tensor of shape {t.shape} needs a `gradient` of that shape "
                f"(the upstream gradient); only a scalar output gets the implicit gradient 1.")
        g = np.array(1, t.data.dtype)
        if t.data.ndim:
            g = g.reshape(t.data.shape)
        return _Tensor(g) if graph else g
    if isinstance(gradient, _Tensor):
        g = gradient if graph else gradient.data
    else:
        g = np.asarray(gradient, dtype=t.data.dtype)
        g = _Tensor(g) if graph else g
    if g.shape != t.shape:
        raise ShapeError(f"backward: the gradient has shape {tuple(g.shape)} but the output has shape {t.shape}; "
                         f"they must match.")
    return g


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate the gradients of ``tensors`` (one tensor, or several roots in one pass, as
    ``torch.autograd.backward``) into every leaf's ``.grad``, or with ``inputs`` (a tensor or a list) only into
    those tensors' ``.grad``; ``grad_tensors`` gives each root's upstream gradient (``None`` for a scalar
    root). See :meth:`Tensor.backward`."""
    single = isinstance(tensors, _Tensor)
    roots = [tensors] if single else list(tensors)
    if grad_tensors is None:
        grads = [None] * len(roots)
    elif single or isinstance(grad_tensors, _Tensor) or not isinstance(grad_tensors, (list, tuple)):
        grads = [grad_tensors]
    else:
        grads = list(grad_tensors)
    if len(grads) != len(roots):
        raise RuntimeError(f"backward: {len(grads)} gradients for {len(roots)} tensors; give one per tensor "
                           f"(None for a scalar).")
    for i, t in enumerate(roots):
        if not isinstance(t, _Tensor):
            raise TypeError(f"backward: tensors must be Tensors, got {type(t).__name__}.")
        if not t.requires_grad:
            raise RuntimeError(f"backward(): element {i} of tensors does not require grad: no input of its "
                               f"computation had requires_grad=True, so there is nothing to differentiate.")
    gs = [_as_grad_array(g, t, create_graph) for g, t in zip(grads, roots)]
    retain = create_graph if retain_graph is None else retain_graph
    if inputs is None:
        run_backward(roots, gs, retain_graph=retain or create_graph, create_graph=create_graph)
        return
    inputs = [inputs] if isinstance(inputs, _Tensor) else list(inputs)
    for t in inputs:
        if not isinstance(t, _Tensor) or not t.requires_grad:
            raise RuntimeError("backward(inputs=...): every input must be a Tensor that requires grad.")
    captured = run_backward(roots, gs, retain_graph=retain or create_graph, create_graph=create_graph,
                            capture=inputs)   # hooks already ran while capturing
    handed = set()
    for t, g in zip(inputs, captured):
        if g is not None:
            _add_to_grad(t, g if create_graph else _fix_grad(g, t, "backward"), create_graph, handed)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=False):
    """Return the gradients of ``outputs`` with respect to ``inputs`` without touching any ``.grad``.

    As ``torch.autograd.grad``: with ``create_graph=True`` the backward pass is recorded, so the result can
    be differentiated again (second derivatives).
    """
    single_out = isinstance(outputs, _Tensor) or not hasattr(outputs, "__iter__")
    outputs = [outputs] if single_out else list(outputs)
    single_in = isinstance(inputs, _Tensor) or not hasattr(inputs, "__iter__")
    inputs = [inputs] if single_in else list(inputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, _Tensor) or not isinstance(grad_outputs, (list, tuple)):
        grad_outputs = [grad_outputs]
    for t in outputs + inputs:
        if not isinstance(t, _Tensor):
            raise TypeError(f"grad(): outputs and inputs must be Tensors (or lists of them), got {type(t).__name__}.")
    for t in outputs:
        if not t.requires_grad:
            raise RuntimeError("grad(): an output does not require grad, so it does not depend on any input.")
    gs = [_as_grad_array(g, t, create_graph) for g, t in zip(grad_outputs, outputs)]
    retain = create_graph if retain_graph is None else retain_graph
    captured = run_backward(outputs, gs, retain_graph=retain, create_graph=create_graph, capture=inputs)
    result = []
    for t, g in zip(inputs, captured):
        if g is None:
            if not allow_unused:
                raise RuntimeError("grad(): one of the inputs was not used to compute the outputs; "
                                   "pass allow_unused=True to get None for it.")
            result.append(None)
        elif create_graph:
            result.append(g)
        else:
            result.append(_Tensor(_fix_grad(g, t, "grad") if t.grad_fn is None else g))
    return tuple(result)


class FunctionCtx:
    """The ``ctx`` of a custom :class:`Function`: save what backward needs, read which inputs need grads."""

    def __init__(self, needs_input_grad):
        self.needs_input_grad = needs_input_grad
        self._saved = ()
        self._non_differentiable = ()
        self._outputs = None  # while backward runs: a function giving output i as a tensor of the graph
        self._arrays = None   # the outputs' arrays, kept only when an output is saved

    def save_for_backward(self, *tensors):
        self._saved = tensors

    def mark_non_differentiable(self, *tensors):
        """Outputs that get no gradient: they do not require grad, and backward receives zeros for them."""
        self._non_differentiable = tuple(id(t) for t in tensors)

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
        grads = [_Tensor(np.zeros(shape, dtype)) for shape, dtype in self.shapes]
        for i, offset, shape, dtype in self.layout:
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
        return tuple(outs)
