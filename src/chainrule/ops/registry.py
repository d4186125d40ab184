"""The derivative table: every primitive op registered once, its forward beside its vector-Jacobian products.

An :class:`Op` is callable on NumPy arrays (it just computes) and on tensors (it computes and records a
:class:`~chainrule.autograd.Node`).
That makes the VJP formulas themselves "dual": written with ``+ - * /`` and other ops, the same formula
runs on arrays during an ordinary backward pass and on tensors when ``create_graph=True`` asks for a
differentiable backward (second derivatives).

A VJP is ``vjp(g, ans, *inputs, **params)``: ``g`` is the upstream gradient (shape of the output), ``ans``
the forward output, and it returns the downstream gradient for one input. It may return a gradient with the
output's broadcast shape: the engine reduces it to the input's shape in one place.
"""
from __future__ import annotations

import inspect
import sys
from types import MappingProxyType

import numpy as np

from .. import autograd as _autograd
from ..autograd import Node, Scaled, TensorBase, _GradMode, check_finite, creation_site, track_view
from . import promotion as _promotion
from ..errors import AxisError, ChainruleError, DtypeError, ShapeError

OPS: dict[str, "Op"] = {}
NO_PARAMS = MappingProxyType({})  # the parameters of a call that has none (shared, read-only)
def raw(x):
    """The NumPy array behind a tensor (or ``x`` itself): for masks and indices, which are never differentiated."""
    return x.data if isinstance(x, TensorBase) else x


class Op:
    """A primitive: ``forward(*arrays, **params)`` plus one VJP per differentiable input.

    ``gate`` names its role in the lecture's gate patterns; ``uses_ans`` says whether a VJP reads the output
    (then it is kept, and recomputed as a tensor for higher-order gradients); ``cached`` ops return
    ``(out, cache)`` from forward and their VJPs get ``cache=`` (``None`` when differentiating the backward).
    ``vjp_all(g, ans, needs, *inputs, **params)`` replaces ``vjps`` for ops with a variable number of inputs.
    ``same`` is a one-input op that a two-input op becomes when one tensor is both inputs (``x * x``): one
    node, one VJP and one gradient delivered, instead of two VJPs whose results are summed.
    For the pictures: ``local`` is each input's local gradient as text (``{0}``, ``{1}``: the inputs' names,
    ``{out}``: the output's), ``role`` the lecture's words where the gate's own are not enough.
    ``promote`` is the op's part in PyTorch's type promotion (:mod:`chainrule.ops.promotion`); ``None``
    leaves the dtypes to NumPy.

    Calls bind as PyTorch's do: positionals after the inputs fill the parameters in order (``sum(x, 1)``),
    and an axis parameter takes both spellings, ``dim``/``keepdim`` and ``axis``/``keepdims`` (see
    :func:`_bind`).
    """

    new_vjps = True   # a VJP returns arrays it computed, views, or its own arguments, never an array kept elsewhere

    __slots__ = ("name", "forward", "vjps", "vjp_all", "gate", "uses_ans", "cached", "differentiable", "doc",
                 "binary_vjps", "same", "pair", "arity", "params", "aliases", "axis_name", "two",
                 "saves", "view", "local", "role", "promote")

    def __init__(self, name, forward, vjps=(), vjp_all=None, gate=None, uses_ans=False, cached=False, doc=None,
                 same=None, saves=None, view=False, local=None, role=None, promote=None):
        self.name, self.forward, self.vjps, self.vjp_all = name, forward, tuple(vjps), vjp_all
        self.gate, self.uses_ans, self.cached, self.same = gate, uses_ans, cached, same
        self.saves, self.view, self.promote = saves, view, promote
        self.local, self.role = (tuple(local) if local else None), role
        self.pair = None            # on a ``same`` op: the two-input op it stands for (pictures draw x twice)
        if same is not None:
            same.pair = self
        self.differentiable = bool(self.vjps) or vjp_all is not None
        self.binary_vjps = len(self.vjps) == 2 and vjp_all is None and not cached  # backward's fast path
        self.doc = (doc or forward.__doc__ or "").strip()
        self.arity, self.params, self.aliases, self.axis_name = _signature(forward, self.vjps, vjp_all)
        # op(a, b): the unrolled binary path, unless the op has one input and b is its first parameter
        self.two = self._one_and_parameter if self.arity == 1 else self.binary

    def __call__(self, *args, **kw):
        """``forward`` on the inputs' arrays; with a tensor among the inputs, a tensor that records its node."""
        if len(args) == 2 and not kw:
            return self.two(args[0], args[1])
        if len(args) > self.arity or kw and self.aliases is not None and not self.aliases.keys().isdisjoint(kw):
            args, kw = _bind(self, args, kw)
        if len(args) == 1 and isinstance(args[0], TensorBase):      # one tensor: the path of reductions, x[i]
            return self._unary(args[0], kw)
        tensor_in, leafy = False, True
        arrays, needs = [], []
        for a in args:
            if isinstance(a, TensorBase):
                tensor_in = True
                arrays.append(a.data)
                needs.append(a.requires_grad)
                if a.grad_fn is not None:
                    leafy = False
            else:
                arrays.append(_weak(a))
                needs.append(False)
        if self.promote is not None and tensor_in:
            arrays, kw = self._promoted_call(args, arrays, kw)
        try:
            out = self.forward(*arrays, **kw)
        except (ValueError, TypeError) as e:      # free when nothing is raised: the hot path pays nothing
            return self._retry(args, kw, arrays, e)
        if tensor_in:
            t = self._output(out, args, kw, arrays, needs, leafy)
            if self.view:
                track_view(t, args[0], self, kw)
            return t
        return out[0] if self.cached else out

    def _unary(self, x, kw):
        """``op(x, **kw)`` for one tensor, unrolled; a float tensor skips the promotion."""
        xa = x.data
        if self.promote is not None and (dt := xa.dtype) is not _F32 and dt is not _F64 and dt.kind not in "fc":
            (xa,), kw = self._promoted_call((x,), [xa], kw)
        try:
            out = self.forward(xa, **kw)
        except (ValueError, TypeError) as e:
            return self._retry((x,), kw, (xa,), e)
        t = self._output(out, (x,), kw, (xa,), (x.requires_grad,), x.grad_fn is None)
        if self.view:
            track_view(t, x, self, kw)
        return t

    def _retry(self, args, kw, arrays, e):
        """After a failed forward: again with the axis read as PyTorch reads it, else one clear error."""
        fixed = _axis_as_pytorch_reads_it(self, arrays, kw)
        if fixed is not None:                 # axis=[0, 1], or axis=0 of a 0-d input
            return self(*args, **fixed)
        raise _clear_error(self.name, arrays, e, kw) from None

    def _one_and_parameter(self, x, p):
        """``op(x, p)`` for an op with one input: ``p`` is its first parameter (``sum(x, 1)``)."""
        if not self.params:
            raise TypeError(f"{self.name}() takes 1 positional argument but 2 were given.")
        return self(x, **{self.params[0]: p})

    def binary(self, x, y):
        """``op(x, y)`` for two inputs and no parameters, unrolled: the path of Tensor's ``+ - * / ** @``.

        Two tensors of one float dtype go straight to NumPy, and a number beside a float tensor becomes a 0-d
        array of the tensor's dtype (:func:`_constant`); anything else takes PyTorch's promotion.
        """
        if x is y and self.same is not None and isinstance(x, TensorBase):
            return self.same(x)
        x_is_t, y_is_t = isinstance(x, TensorBase), isinstance(y, TensorBase)
        if x_is_t:
            xa = x.data
            if y_is_t:
                ya = y.data
                if (dt := xa.dtype) is not ya.dtype or dt is not _F32 and dt is not _F64 and dt.kind not in "fc":
                    xa, ya = self._promoted(xa, ya, True, True)
            else:
                ya = _constant(y, xa)
                if ya is None:
                    xa, ya = self._promoted(xa, y, True, False)
        elif y_is_t:
            ya = y.data
            xa = _constant(x, ya)
            if xa is None:
                xa, ya = self._promoted(x, ya, False, True)
        else:
            xa, ya = _weak(x), _weak(y)
        try:
            out = self.forward(xa, ya)
        except (ValueError, TypeError) as e:
            raise _clear_error(self.name, (xa, ya), e) from None
        if x_is_t or y_is_t:
            return self._output(out, (x, y), NO_PARAMS, (xa, ya),
                                (x_is_t and x.requires_grad, y_is_t and y.requires_grad),
                                (not x_is_t or x.grad_fn is None) and (not y_is_t or y.grad_fn is None))
        return out[0] if self.cached else out

    def _promoted(self, x, y, x_is_t, y_is_t):
        """The arrays of a two-input call off the fast path: PyTorch's promotion, or NumPy's without one."""
        if self.promote is None:
            return (x if x_is_t else _weak(x)), (y if y_is_t else _weak(y))
        return _promotion.operands(self, (x, y), (x_is_t, y_is_t))

    def _promoted_call(self, args, arrays, kw):
        """The arrays (and keywords) of a general call with a tensor input, promoted as PyTorch does."""
        if len(arrays) == 1 and self.promote != "clip":
            return [_promotion.unary(self, arrays[0])], kw
        tensors = [isinstance(a, TensorBase) for a in args]
        start = self.promote == "where"                   # the condition is not promoted
        first = arrays[start]
        if all(tensors[start:]) and first.dtype.kind in "fc" and all(a.dtype is first.dtype for a in arrays[start:]):
            return arrays, kw                             # one float dtype: nothing to do
        if start:
            return [arrays[0], *_promotion.operands(self, arrays[1:], tensors[1:])], kw
        if self.promote == "clip":                        # the bounds take part: clamp(int, 0.5) is float
            names = [n for n in ("min", "max") if kw.get(n) is not None]
            bounds = [raw(kw[n]) for n in names]
            values = _promotion.operands(self, [arrays[0], *bounds],
                                         [True, *(isinstance(kw[n], TensorBase) for n in names)])
            return [values[0]], dict(kw, **dict(zip(names, values[1:])))
        return list(_promotion.operands(self, arrays, tensors)), kw

    def _output(self, out, args, kw, arrays, needs, leafy):
        """The output tensor of a call with tensor inputs; its node when some input needs a gradient
        (``leafy``: every input is a leaf, see :class:`~chainrule.autograd.Node`)."""
        cache = None
        if self.cached:
            out, cache = out
        cls = _autograd._Tensor
        t = cls.__new__(cls)                      # fields set one by one: the engine's tightest spot
        t.data = out
        t._grad = t.name = t._hooks = None
        if True in needs and _GradMode.enabled and self.differentiable:
            t.grad_fn = Node(self, args, kw, needs, out if self.uses_ans else None, cache, arrays, leafy)
            t.requires_grad = True
        else:
            t.grad_fn = None
            t.requires_grad = False
        if _GradMode.anomaly:
            check_finite(out, "forward", self.name, creation_site())
        return t

    def backward(self, node, g, graph):
        """The downstream gradients for every input of ``node`` (``None`` where none is needed)."""
        kw = node.kw
        if self.binary_vjps and not (graph or kw):  # two inputs, no parameters: the hottest backward
            x, y = node.arrays
            ans, needs, vjps = node.ans, node.needs, self.vjps
            return (vjps[0](g, ans, x, y) if needs[0] else None, vjps[1](g, ans, x, y) if needs[1] else None)
        if graph:
            args = node.args
            ans = self(*args, **kw) if self.uses_ans else None
        else:
            args, ans = node.arrays, node.ans
        if self.cached:
            kw = dict(kw, cache=None if graph else node.cache)
        if self.vjp_all is not None:
            return self.vjp_all(g, ans, node.needs, *args, **kw)
        vjps, needs = self.vjps, node.needs
        if len(vjps) == 1:  # one input, and it needs a gradient, or there would be no node
            return (vjps[0](g, ans, *args, **kw),)
        return [vjp(g, ans, *args, **kw) if need else None for vjp, need in zip(vjps, needs)]

    def __repr__(self):
        return f"Op({self.name})"


_SPELLINGS = {"axis": "dim", "dim": "axis", "keepdims": "keepdim", "keepdim": "keepdims"}
_VARIADIC = sys.maxsize


def _signature(forward, vjps, vjp_all):
    """``(arity, params, aliases, axis_name)`` of a forward: how many inputs it takes (``_VARIADIC`` for
    ``*xs`` and ``vjp_all`` ops), the names its further positionals bind to, ``{other spelling: its own
    name}`` for its axis parameters (``None`` when it has none) and the name of its axis parameter."""
    if isinstance(forward, np.ufunc):
        return forward.nin, (), None, None
    sig = inspect.signature(forward).parameters.values()
    positional = [p for p in sig if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if vjp_all is not None or any(p.kind is p.VAR_POSITIONAL for p in sig):
        arity = _VARIADIC
    elif vjps:
        arity = len(vjps)
    else:                                                  # not differentiable: the required positionals
        arity = sum(p.default is p.empty for p in positional)
    params = tuple(p.name for p in positional[arity:]) if arity != _VARIADIC else ()
    own = [p.name for p in sig if p.name in _SPELLINGS]
    axis_name = next((n for n in own if n in ("axis", "dim")), None)
    return arity, params, {_SPELLINGS[n]: n for n in own} or None, axis_name


def _bind(op, args, kw):
    """PyTorch's binding of ``op(*args, **kw)``: ``dim`` and ``axis`` (``keepdim``, ``keepdims``) are two
    spellings of one parameter (both at once is a TypeError), extra positionals fill ``op.params`` in order,
    and an axis given so is checked against the input's dimensions as PyTorch does (:func:`normalize_axis`).
    Returns the inputs and the keywords."""
    arity = op.arity if op.arity != _VARIADIC else len(args)
    kw = dict(kw)
    if op.aliases is not None:
        for alias in op.aliases.keys() & kw.keys():
            canonical = op.aliases[alias]
            if canonical in kw:
                raise TypeError(f"{op.name}(): got both {alias}= and {canonical}=; pass one of them.")
            kw[canonical] = kw.pop(alias)
    extra = args[arity:]
    if len(extra) > len(op.params):
        raise TypeError(f"{op.name}() takes {arity + len(op.params)} positional arguments but {len(args)} "
                        f"were given.")
    for name, value in zip(op.params, extra):
        if name in kw:
            raise TypeError(f"{op.name}() got multiple values for argument {name!r}.")
        kw[name] = value
    if op.axis_name in kw and arity == 1:
        kw[op.axis_name] = normalize_axis(kw[op.axis_name], np.ndim(raw(args[0])), op.name, _reduces(op))
    return args[:arity], kw


def _reduces(op):
    """Whether the op reduces over its axis (it has ``keepdims``): a 0-d input's axis then means all."""
    return "keepdims" in op.aliases.values() or "keepdim" in op.aliases.values()


def _axis_as_pytorch_reads_it(op, arrays, kw):
    """After a failed call, the keywords with the axis read as PyTorch reads it, if that changes it."""
    name = op.axis_name
    if name is None or name not in kw or op.arity != 1:
        return None
    axis = normalize_axis(kw[name], np.ndim(arrays[0]), op.name, _reduces(op))  # PyTorch's error if out of range
    return None if axis == kw[name] and type(axis) is type(kw[name]) else dict(kw, **{name: axis})


def normalize_axis(axis, ndim, name="op", reduction=True):
    """An axis (or tuple of axes) as non-negative ints for an ``ndim``-dimensional input, as PyTorch reads it.

    ``None`` stays ``None``; a list becomes a tuple; an empty tuple means every axis (PyTorch's reductions);
    a 0-d input takes the axes 0 and -1 (a ``reduction`` then reduces over everything: ``None``). Out of
    range is an :class:`~chainrule.errors.AxisError`, an IndexError as in PyTorch.
    """
    if axis is None:
        return None
    single = not isinstance(axis, (tuple, list))
    axes = (axis,) if single else tuple(axis)
    if not axes:
        return None
    span = ndim if ndim else 1
    out = []
    for a in axes:
        if isinstance(a, bool) or not isinstance(a, (int, np.integer)):
            raise TypeError(f"{name}: axis must be an integer or a tuple of integers (dim= is the same), "
                            f"got {axis!r}.")
        if not -span <= a < span:
            raise AxisError(f"{name}: dimension out of range (expected to be in range of [{-span}, {span - 1}] for "
                            f"a {ndim}-d input, but got {a}).")
        out.append(int(a) % span)
    if ndim == 0 and reduction:
        return None
    return out[0] if single else tuple(out)


def var_sizes(sizes: tuple) -> tuple:
    """The sizes of a call written ``f(2, 3)`` or ``f((2, 3))``, as PyTorch reads both."""
    return tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else tuple(sizes)


def one_of(name, torch_name, torch_value, numpy_name, numpy_value, default=None):
    """The value of a parameter with two spellings (``dim``/``axis``); both given is a TypeError."""
    if torch_value is not None and numpy_value is not None:
        raise TypeError(f"{name}(): got both {torch_name}= and {numpy_name}=; pass one of them.")
    return torch_value if torch_value is not None else numpy_value if numpy_value is not None else default


def _weak(a):
    """A NumPy float scalar as a Python float, which is weak in NumPy's promotion: float32 stays float32."""
    return float(a) if isinstance(a, np.generic) and a.dtype.kind == "f" else a


_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)
_CONSTANTS: dict = {}  # (number, dtype) -> read-only 0-d array, shared by every call that uses the number
_CONSTANTS_MAX = 4096


def _constant(c, array):
    """A number beside a float tensor as a 0-d array of the tensor's dtype, an array of the tensor's float
    dtype as it is; ``None`` for anything else.

    This is exactly NumPy's rule for a weak scalar (NEP 50 casts it to the array's dtype), and a ufunc takes
    a 0-d array about twice as fast as a Python float, in forward and again in every VJP that reads the
    constant. The arrays are cached: a loop multiplying by 0.5 converts 0.5 once. Zeros (``-0.0 == 0.0``),
    NaN (equal to nothing) and numbers that overflow the dtype (NumPy warns at every cast) are not cached.
    """
    kind = type(c)
    if kind is float or kind is int or isinstance(c, np.floating):
        key = (c, array.dtype)
        const = _CONSTANTS.get(key)      # only float dtypes are ever cached
        if const is not None:
            return const
        if array.dtype.kind == "f":
            const = np.array(c, array.dtype)
            if c and c == c and np.isfinite(const):
                if len(_CONSTANTS) >= _CONSTANTS_MAX:
                    _CONSTANTS.clear()
                const.flags.writeable = False
                _CONSTANTS[key] = const
            return const
    elif kind is np.ndarray:             # an array beside a tensor (a dropout mask): a tensor of its own
        return c if c.dtype is array.dtype and c.dtype.kind in "fc" else None
    return None


def _describe(arrays, attr) -> str:
    """``(2, 3) and (4,)``: each operand's shape (or dtype), for an error message."""
    parts = []
    for a in arrays:
        try:
            parts.append(str(getattr(np.asarray(a), attr)))
        except Exception:                        # noqa: BLE001 - a ragged list or odd object: say what it is
            parts.append(type(a).__name__)
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _numeric(v) -> bool:
    """A number, ``None`` or a numeric array: an operand or option that is not the cause of a TypeError."""
    if v is None or isinstance(v, (int, float, complex, np.generic)):
        return True
    return getattr(v, "dtype", np.dtype(object)).kind in "biufc"


def _clear_error(name, arrays, e, kw=None):
    """One sentence naming the op for NumPy's raw shape and dtype complaints; else ``e`` itself."""
    if isinstance(e, ChainruleError):
        return e
    text = str(e)
    if isinstance(e, ValueError) and "broadcast" in text:
        return ShapeError(f"{name}: shapes {_describe(arrays, 'shape')} do not broadcast; make the sizes of each "
                          f"dimension equal or 1 (reshape or unsqueeze an operand).")
    if isinstance(e, np.exceptions.AxisError):
        return AxisError(f"{name}: {text.rstrip('.')} (input shape {_describe(arrays, 'shape')}).")
    if isinstance(e, ValueError) and ("axis" in text or "axes" in text):      # repeated axes
        return ShapeError(f"{name}: {text.rstrip('.')} (input shape {_describe(arrays, 'shape')}).")
    numeric = all(_numeric(a) for a in (*arrays, *(kw or {}).values()))
    if isinstance(e, TypeError) and numeric and type(e).__module__.startswith("numpy"):   # no loop for the dtype
        return DtypeError(f"{name}: not implemented for operands of dtype {_describe(arrays, 'dtype')}; "
                          f"convert them first (e.g. .float()).")
    if isinstance(e, TypeError) and (type(e).__module__.startswith("numpy") or "unsupported operand" in text):
        return TypeError(f"{name}: cannot compute with operands of dtype {_describe(arrays, 'dtype')}; "
                         f"pass numbers or numeric tensors (and numeric options).")      # e.g. UFuncTypeError
    if isinstance(e, TypeError) and "interpreted as an integer" in text and "axis" in (kw or {}):
        return TypeError(f"{name}: axis must be an integer or a tuple of integers, got {kw['axis']!r}.")
    return e


def defop(name, vjps=(), **options):
    """Decorator: register ``forward`` under ``name`` with its VJPs; returns the callable :class:`Op`.

    A NumPy ufunc can be the forward itself (``defop("mul", ..., doc="x * y")(np.multiply)``): no Python
    frame between the op and the ufunc.
    """
    def register(forward):
        if name in OPS:
            raise ValueError(f"op {name!r} is registered twice")
        op = Op(name, forward, vjps, **options)
        OPS[name] = op
        return op
    return register


def expand_reduced(g, shape, axis, keepdims):
    """Reshape a reduction's upstream gradient so it broadcasts against the reduced input's ``shape``."""
    if keepdims or axis is None and g.ndim == 0 or not shape:    # a 0-d input: its gradient is g itself
        return g
    axes = (axis,) if isinstance(axis, (int, np.integer)) else (tuple(range(len(shape))) if axis is None else axis)
    axes = {a % len(shape) for a in axes}
    return g.reshape(tuple(1 if i in axes else n for i, n in enumerate(shape)))


def spread(g, shape):
    """``g`` broadcast to ``shape`` as a read-only view: ``np.broadcast_to``, or for one value (a reduction's
    gradient) the same view made directly, 1 us instead of 7."""
    a = np.asarray(g)
    if a.size != 1 or a.dtype.hasobject:
        return np.broadcast_to(a, shape)
    view = np.ndarray(shape, a.dtype, a.reshape(()), 0, (0,) * len(shape))
    view.flags.writeable = False
    return view


def scaled(x, factor):
    """``x * factor`` for a 0-d ``factor``; inside a backward that fills ``.grad``, a large array's product is
    handed on deferred (:class:`~chainrule.autograd.Scaled`), to be added into the gradient in blocks."""
    if (_GradMode.defer and type(x) is np.ndarray and x.size > 2 * Scaled.BLOCK and np.ndim(factor) == 0
            and np.result_type(x, factor) == x.dtype):
        return Scaled(x, factor)
    return x * factor


def scalar_of(g):
    """A gradient that is one value broadcast (every stride 0, as a sum's VJP hands on) as a 0-d array, so a
    VJP multiplies by a number instead of reading a broadcast array; any other gradient unchanged."""
    if type(g) is np.ndarray and g.ndim and g.size and not any(g.strides):
        return np.asarray(g[(0,) * g.ndim])
    return g


def float_mask(mask, dtype):
    """A boolean mask as 0/1 in ``dtype``, so multiplying by it keeps float32 float32."""
    return mask.astype(dtype, copy=False)
