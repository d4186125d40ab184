"""The conformance table: every public function and Tensor method of chainrule beside its PyTorch twin.

One :class:`Entry` per public name. ``call(lib, *inputs, *args, **kw)`` is written once and run with
``lib = chainrule`` and ``lib = torch``; the inputs are drawn by hypothesis (``inputs``: how many and of
which kind, ``domain``: their values) and the arguments by ``forms``, a function ``(draw, arrays) -> [(args,
kw), ...]`` listing every spelling a user writes (positional and keyword, ``dim`` and ``axis``, negative
dims). NumPy spellings (``axis``, ``keepdims``) reach torch as ``dim``, ``keepdim``. Integer NumPy arrays among
the arguments become tensors of each library. To cover a new public name, add an entry here (or, with the
reason, to :data:`EXCLUDED`); ``test_every_public_name_has_an_entry`` fails until one or the other is done.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from hypothesis import strategies as st


@dataclass(frozen=True)
class Entry:
    name: str                      # "sum" (chainrule.sum) or "Tensor.sum"
    call: Callable                 # call(lib, *inputs, *args, **kw), the same code for both libraries
    forms: Callable = None         # (draw, arrays) -> list of (args, kw); None: no arguments
    inputs: object = "one"         # one | two (broadcast) | matmul | pair_vectors | cat | draw -> shapes
    domain: str = "real"           # real | positive | unit | distinct (no ties) | nonzero | factors (0 or nonzero)
    grad: bool = True              # compare first, second and third derivatives
    third: bool = True             # False: not the third (the reason beside the entry)
    torch_third: Callable = None   # torch's function made of its elementary ops, for third derivatives
    min_dims: int = 0
    max_dims: int = 3
    float_only: bool = True


def fn(name, **kw):
    """An entry calling ``lib.name(x, ...)``."""
    return Entry(name, lambda lib, *a, **k: getattr(lib, name)(*a, **k), **kw)


def method(name, **kw):
    """An entry calling ``x.name(...)``."""
    return Entry("Tensor." + name, lambda lib, x, *a, **k: getattr(x, name)(*a, **k), **kw)


def both(name, **kw):
    return [fn(name, **kw), method(name, **kw)]


# --- argument forms -----------------------------------------------------------------------------------

def _dim(draw, ndim):
    span = max(ndim, 1)
    return draw(st.integers(-span, span - 1))


def reduce_forms(tuples=True, dim_required=False):
    """Every way to say "over this dim": none, positional, keyword, NumPy's, keepdim, tuples."""
    def forms(draw, arrays):
        ndim = arrays[0].ndim
        d, keep = _dim(draw, ndim), draw(st.booleans())
        out = [((d,), {}), ((d, keep), {}), ((), {"dim": d}), ((), {"dim": d, "keepdim": keep}),
               ((), {"axis": d}), ((), {"axis": d, "keepdims": keep})]
        if not dim_required:
            out.append(((), {}))
        if tuples and ndim >= 2:
            pair = tuple(draw(st.lists(st.integers(-ndim, ndim - 1), min_size=2, max_size=2, unique_by=lambda a: a % ndim)))
            out += [((pair,), {}), ((), {"dim": pair, "keepdim": keep}), ((), {"dim": list(pair)})]
        return out
    return forms


def dim_forms(draw, arrays):
    """A required dim: positional, keyword, NumPy's keyword, negative."""
    d = _dim(draw, arrays[0].ndim)
    return [((d,), {}), ((), {"dim": d}), ((), {"axis": d})]


def var_forms(draw, arrays):
    d, keep = _dim(draw, arrays[0].ndim), draw(st.booleans())
    return reduce_forms()(draw, arrays) + [
        ((d, False), {}), ((d, True, keep), {}), ((), {"unbiased": False}), ((), {"correction": 0}),
        ((), {"dim": d, "correction": 2}), ((False,), {})]


def extreme_forms(draw, arrays):
    """max/min/argmax/argmin: all, one int dim (positional or keyword), keepdim."""
    d, keep = _dim(draw, arrays[0].ndim), draw(st.booleans())
    return [((), {}), ((d,), {}), ((d, keep), {}), ((), {"dim": d}), ((), {"dim": d, "keepdim": keep}),
            ((), {"axis": d, "keepdims": keep})]


# --- entries --------------------------------------------------------------------------------------------

UNARY = {"exp": "real", "log": "positive", "sqrt": "positive", "abs": "nonzero", "erf": "real", "relu": "nonzero",
         "sigmoid": "real", "tanh": "real", "sin": "real", "cos": "real", "tan": "unit", "asin": "unit",
         "acos": "unit", "atan": "real", "sinh": "real", "cosh": "real", "atanh": "unit", "log1p": "positive",
         "expm1": "real", "log2": "positive", "log10": "positive", "square": "real", "rsqrt": "positive",
         "reciprocal": "positive", "floor": "real", "ceil": "real", "round": "real", "trunc": "real"}
NOT_DIFFERENTIABLE = ["isnan", "isinf", "isfinite"]
BINARY = {"maximum": "distinct", "minimum": "distinct", "atan2": "nonzero", "logaddexp": "real", "pow": "positive"}
REDUCTIONS = ["sum", "mean", "amax", "amin"]

ENTRIES: list[Entry] = []
for _name, _domain in UNARY.items():
    ENTRIES += both(_name, domain=_domain)
for _name in NOT_DIFFERENTIABLE:
    ENTRIES += both(_name, grad=False)
for _name, _domain in BINARY.items():
    ENTRIES += both(_name, inputs="two", domain=_domain)
ENTRIES += both("sign")
for _name in REDUCTIONS:
    ENTRIES += both(_name, forms=reduce_forms(), domain="distinct" if _name in ("amax", "amin") else
                    "positive" if _name == "prod" else "real")
ENTRIES += both("logsumexp", forms=reduce_forms(dim_required=True))       # torch needs the dim
ENTRIES += both("prod", forms=reduce_forms(tuples=False), domain="positive")  # torch: one dim only
ENTRIES += both("var", forms=var_forms) + both("std", forms=var_forms, domain="distinct")
ENTRIES += both("max", forms=extreme_forms, domain="distinct") + both("min", forms=extreme_forms, domain="distinct")
ENTRIES += both("argmax", forms=extreme_forms, domain="distinct", grad=False)
ENTRIES += both("argmin", forms=extreme_forms, domain="distinct", grad=False)
ENTRIES += [fn("max", inputs="two", domain="distinct"), fn("min", inputs="two", domain="distinct")]
ENTRIES += [Entry("max(x, y)", lambda lib, x, y: x.max(y), inputs="two", domain="distinct"),
            Entry("min(x, y)", lambda lib, x, y: x.min(y), inputs="two", domain="distinct")]
ENTRIES += both("softmax", forms=dim_forms) + both("log_softmax", forms=dim_forms)
ENTRIES += [Entry("nn.functional.softmax", lambda lib, x, *a, **k: lib.nn.functional.softmax(x, *a, **k),
                  forms=dim_forms),
            Entry("nn.functional.log_softmax", lambda lib, x, *a, **k: lib.nn.functional.log_softmax(x, *a, **k),
                  forms=dim_forms)]
ENTRIES += both("cumsum", forms=dim_forms)


def norm_forms(draw, arrays):
    d, keep = _dim(draw, arrays[0].ndim), draw(st.booleans())
    return [((), {}), ((1,), {}), ((3, d), {}), ((2, d, keep), {}), ((), {"p": float("inf"), "dim": d}),
            ((), {"p": 1, "axis": d, "keepdims": keep}), (("fro",), {})]


def sort_forms(draw, arrays):
    d = _dim(draw, arrays[0].ndim)
    return [((), {}), ((d,), {}), ((d, True), {}), ((), {"dim": d, "descending": True}), ((), {"axis": d})]


def topk_forms(draw, arrays):
    d = _dim(draw, arrays[0].ndim)
    n = arrays[0].shape[d] if arrays[0].ndim else 1
    k = draw(st.integers(0, n))
    return [((k,), {}), ((k, d), {}), ((k, d, False), {}), ((k,), {"dim": d, "largest": False}),
            ((k,), {"axis": d})]


def index_forms(draw, arrays):
    """index_select(x, dim, index): an int64 index along the dim."""
    x = arrays[0]
    d = _dim(draw, x.ndim)
    n = x.shape[d] if x.ndim else 1
    index = np.array(draw(st.lists(st.integers(0, n - 1), max_size=4)) if n else [], dtype=np.int64)
    return [((d, index), {}), ((), {"dim": d, "index": index})]


def gather_forms(draw, arrays):
    x = arrays[0]
    d = _dim(draw, x.ndim)
    n = x.shape[d] if x.ndim else 1
    shape = tuple(n if i != d % max(x.ndim, 1) else draw(st.integers(0, 3)) for i, n in enumerate(x.shape))
    index = np.asarray(draw(st.lists(st.integers(0, max(n - 1, 0)), min_size=int(np.prod(shape)),
                                     max_size=int(np.prod(shape)))), dtype=np.int64).reshape(shape)
    return [((d, index), {})] if n else []


def flip_forms(draw, arrays):
    d = _dim(draw, arrays[0].ndim)
    return [(((d,),), {}), (([d],), {})]


def roll_forms(draw, arrays):
    d = _dim(draw, arrays[0].ndim)
    return [((2,), {}), ((-1, d), {}), ((), {"shifts": 1, "dims": d})]


def split_forms(draw, arrays):
    d = _dim(draw, arrays[0].ndim)
    return [((2,), {}), ((1, d), {}), ((2,), {"dim": d})]


def chunk_forms(draw, arrays):
    d = _dim(draw, arrays[0].ndim)
    return [((2,), {}), ((3, d), {}), ((2,), {"dim": d})]


def squeeze_forms(draw, arrays):
    d = _dim(draw, arrays[0].ndim)
    return [((), {}), ((d,), {}), ((), {"dim": d})]


def unsqueeze_forms(draw, arrays):
    ndim = arrays[0].ndim
    d = draw(st.integers(-ndim - 1, ndim))
    return [((d,), {}), ((), {"dim": d})]


def transpose_forms(draw, arrays):
    ndim = arrays[0].ndim
    a, b = _dim(draw, ndim), _dim(draw, ndim)
    return [((a, b), {})]


def permute_forms(draw, arrays):
    ndim = arrays[0].ndim
    perm = draw(st.permutations(range(ndim)))
    signs = draw(st.lists(st.booleans(), min_size=ndim, max_size=ndim))
    perm = [p - ndim if s else p for p, s in zip(perm, signs)]
    return [(tuple(perm), {}), ((tuple(perm),), {})]


def movedim_forms(draw, arrays):
    ndim = arrays[0].ndim
    return [((_dim(draw, ndim), _dim(draw, ndim)), {})] if ndim else []


def flatten_forms(draw, arrays):
    ndim = arrays[0].ndim
    a = _dim(draw, ndim)
    return [((), {}), ((a,), {}), ((0, a), {})]


def reshape_forms(draw, arrays):
    n = arrays[0].size
    return [((n,), {}), ((-1,), {}), (((1, n),), {}), ((n, 1), {})]


def cat_forms(draw, arrays):
    d = _dim(draw, arrays[0].ndim)
    return [((d,), {}), ((), {"dim": d}), ((), {"axis": d}), ((), {})]


def stack_forms(draw, arrays):
    ndim = arrays[0].ndim
    d = draw(st.integers(-ndim - 1, ndim))
    return [((d,), {}), ((), {"dim": d}), ((), {})]


def clip_forms(draw, arrays):
    return [((-0.5, 0.5), {}), ((), {"min": -0.25}), ((), {"max": 0.1}), ((), {"min": -1.0, "max": 1.0})]


def diagonal_forms(draw, arrays):
    return [((), {}), ((1,), {}), ((), {"diagonal": -1})]


def size_forms(draw, arrays):
    return [((), {})] + ([((_dim(draw, arrays[0].ndim),), {})] if arrays[0].ndim else [])


def to_forms(draw, arrays):
    return [(("float64",), {}), (("cpu",), {}), (("cpu", "float32"), {}), ((), {"dtype": "float64"})]


ENTRIES += both("norm", forms=norm_forms, domain="nonzero")
ENTRIES += [fn("var_mean", forms=var_forms)]
ENTRIES += both("sort", forms=sort_forms, domain="distinct") + both("argsort", forms=sort_forms, domain="distinct",
                                                                     grad=False)
ENTRIES += both("topk", forms=topk_forms, domain="distinct")
ENTRIES += both("index_select", forms=index_forms, min_dims=1) + both("gather", forms=gather_forms)
ENTRIES += both("flip", forms=flip_forms) + both("roll", forms=roll_forms)
ENTRIES += both("split", forms=split_forms, min_dims=1) + both("chunk", forms=chunk_forms, min_dims=1)
ENTRIES += both("unbind", forms=dim_forms, min_dims=1) + both("movedim", forms=movedim_forms, min_dims=1)
ENTRIES += [method("moveaxis", forms=movedim_forms, min_dims=1)]
ENTRIES += both("tril", forms=diagonal_forms, min_dims=2, max_dims=2)
ENTRIES += both("triu", forms=diagonal_forms, min_dims=2, max_dims=2)
ENTRIES += both("diag", forms=diagonal_forms, min_dims=1, max_dims=2)
ENTRIES += both("outer", inputs="pair_vectors") + both("matmul", inputs="matmul")
ENTRIES += [fn("clip", forms=clip_forms, domain="nonzero"), method("clip", forms=clip_forms, domain="nonzero"),
            method("clamp", forms=clip_forms, domain="nonzero")]
ENTRIES += [Entry(n, (lambda n: lambda lib, x, y, *a, **k: getattr(lib, n)([x, y * 2], *a, **k))(n), forms=cat_forms,
                  inputs="cat", min_dims=1) for n in ("cat", "concatenate")]
ENTRIES += [Entry("stack", lambda lib, x, y, *a, **k: lib.stack((x, y), *a, **k), forms=stack_forms, inputs="cat")]
ENTRIES += [method("unsqueeze", forms=unsqueeze_forms)]   # squeeze: conformance_everyday.py
ENTRIES += [method("transpose", forms=transpose_forms, min_dims=1), method("swapaxes", forms=transpose_forms,
                                                                            min_dims=1),
            method("permute", forms=permute_forms), method("flatten", forms=flatten_forms),
            method("reshape", forms=reshape_forms), method("view", forms=reshape_forms),
            method("t", max_dims=2), Entry("Tensor.T", lambda lib, x: x.T, max_dims=2)]
ENTRIES += [method("size", forms=size_forms, grad=False), method("dim", grad=False), method("numel", grad=False),
            Entry("Tensor.ndim", lambda lib, x: x.ndim, grad=False),
            Entry("Tensor.shape", lambda lib, x: tuple(x.shape), grad=False),
            method("tolist", grad=False), method("item", max_dims=0, grad=False),
            Entry("Tensor.to", lambda lib, x, *a, **k: x.to(*[_dtype(lib, v) for v in a],
                                                           **{n: _dtype(lib, v) for n, v in k.items()}),
                  forms=to_forms),
            method("double"), method("float"), method("long", grad=False), method("detach", grad=False)]
ENTRIES += [Entry("Tensor.any", lambda lib, x, *a, **k: (x > 0).any(*a, **k), forms=extreme_forms, grad=False),
            Entry("Tensor.all", lambda lib, x, *a, **k: (x > 0).all(*a, **k), forms=extreme_forms, grad=False)]


ENTRIES += [  # factories: the drawn input only gives a shape and a dtype
    Entry("zeros", lambda lib, x: (lib.zeros(tuple(x.shape), dtype=x.dtype), lib.zeros(*x.shape) if x.ndim else None),
          grad=False),
    Entry("ones", lambda lib, x: lib.ones(tuple(x.shape), dtype=x.dtype), grad=False),
    Entry("full", lambda lib, x: lib.full(tuple(x.shape), 2.5, dtype=x.dtype), grad=False),
    Entry("zeros_like", lambda lib, x: lib.zeros_like(x), grad=False),
    Entry("ones_like", lambda lib, x: lib.ones_like(x), grad=False),
    Entry("full_like", lambda lib, x: lib.full_like(x, -1.5), grad=False),
    Entry("arange", lambda lib, x: (lib.arange(x.numel()), lib.arange(1, 4), lib.arange(0.0, 1.0, 0.25)),
          grad=False),
    Entry("eye", lambda lib, x: (lib.eye(x.numel()), lib.eye(2, x.numel())), grad=False),
    Entry("linspace", lambda lib, x: lib.linspace(-1, 2, x.numel()), grad=False),
    Entry("tensor", lambda lib, x: (lib.tensor(x.tolist()), lib.tensor(x.tolist(), dtype=x.dtype)), grad=False),
    Entry("from_numpy", lambda lib, x: lib.from_numpy(np.array(x.tolist())), grad=False),
]


def _dtype(lib, value):
    """The names 'float32'/'float64' as each library's dtype (a device string stays as it is)."""
    return getattr(lib, value) if value in ("float32", "float64") else value


# Names covered elsewhere or without a PyTorch twin of the same contract, each with its reason.
EXCLUDED = {
    # not functions of tensors
    "Tensor": "the class; its methods have entries", "return_types": "module of named tuples, checked by max/min/sort",
    "data": "module", "distributed": "module", "nn": "module (nn.functional.softmax/log_softmax have entries)",
    "viz": "module", "optim": "module", "playground": "module",
    "bool": "dtype name", "float16": "dtype name", "float32": "dtype name", "float64": "dtype name",
    "double": "dtype name", "int32": "dtype name", "int64": "dtype name", "long": "dtype name", "uint8": "dtype name",
    "ChainruleError": "exception class", "ShapeError": "exception class", "AnomalyError": "exception class",
    "GradcheckError": "exception class", "KinkWarning": "warning class",
    # autograd machinery: tests/api/test_autograd_semantics.py, tests/engine/test_autograd.py
    "no_grad": "grad mode", "enable_grad": "grad mode", "set_grad_enabled": "grad mode",
    "is_grad_enabled": "grad mode", "grad": "autograd.grad", "Function": "custom functions",
    "detect_anomaly": "anomaly mode", "Tensor.backward": "autograd", "Tensor.grad": "autograd",
    "Tensor.grad_fn": "autograd", "Tensor.is_leaf": "autograd", "Tensor.requires_grad": "autograd",
    "Tensor.requires_grad_": "autograd", "Tensor.register_hook": "autograd", "Tensor.retain_grad": "autograd",
    # chainrule's own (no PyTorch function with this contract)
    "gradcheck": "chainrule's checker (torch.autograd.gradcheck has another signature)",
    "numerical_grad": "chainrule's own", "jacobian": "chainrule's own", "rel_error": "CS231n's helper",
    "save": "safetensors format, tests/io", "load": "safetensors format, tests/io",
    "set_default_dtype": "global state, tests/engine", "get_default_dtype": "global state, tests/engine",
    "manual_seed": "chainrule's own generator, tests/engine",
    "Tensor.expand_dims": "NumPy's spelling of unsqueeze (no torch twin)",
    "Tensor.astype": "NumPy's spelling (to(dtype) has an entry)", "Tensor.data": "the NumPy array (torch: a tensor)",
    "Tensor.dtype": "a NumPy dtype (torch: torch.dtype); checked by every entry's dtype comparison",
    "Tensor.name": "chainrule's own label", "Tensor.numpy": "tests/api/test_autograd_semantics.py",
    # random values: shapes and dtypes in tests/engine
    "randn": "random values", "rand": "random values",
}

ENTRIES += [fn("moveaxis", forms=movedim_forms, min_dims=1), method("clone")]
ENTRIES += [  # in-place methods, on a non-leaf copy (a leaf that requires grad refuses them, as in torch)
    Entry("Tensor.add_", lambda lib, x: ((x * 1).add_(0.5), (x * 1).add_(x * x))),
    Entry("Tensor.sub_", lambda lib, x: (x * 1).sub_(x * x)),
    Entry("Tensor.mul_", lambda lib, x: ((x * 1).mul_(x), (x * 1).mul_(-2.0))),
    Entry("Tensor.div_", lambda lib, x: (x * 1).div_(x * x + 1)),
    Entry("Tensor.pow_", lambda lib, x: (x * 1).pow_(2), domain="positive"),
    Entry("Tensor.clamp_", lambda lib, x: (x * 1).clamp_(-0.5, 0.5), domain="nonzero"),
    Entry("Tensor.clip_", lambda lib, x: (x * 1).clip_(min=-0.25), domain="nonzero"),
    Entry("Tensor.fill_", lambda lib, x: (x * 1).fill_(2.0)),
    Entry("Tensor.zero_", lambda lib, x: (x * 1).zero_()),
    Entry("Tensor.copy_", lambda lib, x: (x * 1).copy_(x * 3)),
]


# --- torch.nn.functional: activations, losses, normalization, embedding -----------------------------------

def nnf(name, **kw):
    """An entry calling ``lib.nn.functional.name(inputs..., ...)``."""
    return Entry("nn.functional." + name, lambda lib, *a, **k: getattr(lib.nn.functional, name)(*a, **k), **kw)


def _like(array, values):
    return np.asarray(values, dtype=array.dtype)


def hardtanh_forms(draw, arrays):
    return [((), {}), ((-0.5, 0.5), {}), ((), {"min_val": 0.0, "max_val": 2.0}), ((1.0, -1.0), {})]


def prelu_forms(draw, arrays):
    x = arrays[0]
    out = [((_like(x, [0.25]),), {}), ((_like(x, -1.5),), {})]
    if x.ndim >= 2:
        out.append(((_like(x, np.linspace(-1, 2, x.shape[1])),), {}))
    return out


def _loss_reductions(arrays):
    """'mean' of an empty batch is chainrule's ValueError (torch: nan), a listed difference."""
    return ["sum", "none"] + (["mean"] if arrays[0].size else [])


def smooth_l1_forms(draw, arrays):
    return [((), {"reduction": r, "beta": b}) for r in _loss_reductions(arrays) for b in (1.0, 0.5, 0.0)] + \
        [((), {"beta": -1.0})]


def huber_forms(draw, arrays):
    return [((), {"reduction": r, "delta": d}) for r in _loss_reductions(arrays) for d in (1.0, 0.25)] + \
        [((r,), {}) for r in _loss_reductions(arrays)] + [((), {"delta": 0.0})]


def kl_div_forms(draw, arrays):
    reductions = _loss_reductions(arrays) + (["batchmean"] if arrays[0].size else [])
    return [((), {"reduction": r, "log_target": t}) for r in reductions for t in (False, True)]


def normalize_forms(draw, arrays):
    d = _dim(draw, arrays[0].ndim)
    return [((), {}), ((1.0, d), {}), ((), {"p": 3.0, "dim": d, "eps": 0.5})]


def cosine_forms(draw, arrays):
    d = _dim(draw, max(a.ndim for a in arrays))
    return [((), {}), ((d,), {}), ((), {"dim": d, "eps": 0.5})]


def layer_norm_forms(draw, arrays):
    x = arrays[0]
    k = draw(st.integers(1, x.ndim))
    shape = x.shape[x.ndim - k:]
    w, b = _like(x, np.linspace(0.5, 2, int(np.prod(shape))).reshape(shape)), _like(x, np.full(shape, 0.25))
    return [((shape,), {}), ((list(shape), w, b), {}), ((shape,), {"bias": b, "eps": 0.1}), ((x.shape[-1],), {})]


def batch_norm_forms(draw, arrays):
    x = arrays[0]
    if not x.size:
        return []                       # statistics of no values: nan (chainrule) or an error, not compared
    c = x.shape[1]
    mean, var = _like(x, np.linspace(-1, 1, c)), _like(x, np.linspace(0.5, 2, c))
    w, b = _like(x, np.linspace(0.5, 1.5, c)), _like(x, np.full(c, -0.5))
    return [((mean, var), {}), ((mean, var, w, b), {}), ((mean, var), {"training": True, "momentum": 0.3}),
            ((None, None, w, b, True), {}), ((mean, var), {"training": True, "eps": 0.5}), ((mean[:1], var), {})]


def batch_norm(lib, x, running_mean, running_var, *a, **k):
    """The output and the running statistics it leaves behind."""
    out = lib.nn.functional.batch_norm(x, running_mean, running_var, *a, **k)
    return out, running_mean, running_var


def _standardized(x, dims, eps):
    d = x - x.mean(dims, keepdim=True)
    return d * ((d * d).mean(dims, keepdim=True) + eps).rsqrt()


def layer_norm_composed(torch, x, shape, weight=None, bias=None, eps=1e-5):
    """F.layer_norm from torch's elementary ops: the double backward of torch's fused kernel is not itself
    differentiated right (x = [0.3, 1, -0.7]: third derivative [0.53, 1.58, -2.05]; finite differences of
    the second, which all agree: [0.280, -0.292, 0.011], chainrule's)."""
    y = _standardized(x, tuple(range(-len(shape), 0)), eps)
    return y * (1 if weight is None else weight) + (0 if bias is None else bias)


def batch_norm_composed(torch, x, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1,
                        eps=1e-5):
    """F.batch_norm from torch's elementary ops, as layer_norm_composed (the same defect in the fused kernel)."""
    shape = (1, -1) + (1,) * (x.ndim - 2)
    y = (_standardized(x, (0,) + tuple(range(2, x.ndim)), eps) if training else
         (x - running_mean.reshape(shape)) * (running_var.reshape(shape) + eps).rsqrt())
    return (y * (1 if weight is None else weight.reshape(shape)) + (0 if bias is None else bias.reshape(shape)),
            running_mean, running_var)


def embedding_forms(draw, arrays):
    rows = arrays[0].shape[0]
    if not rows:
        return []
    idx = np.asarray(draw(st.lists(st.integers(0, rows - 1), min_size=6, max_size=6)), dtype=np.int64)
    return [((idx,), {}), ((idx.reshape(2, 3),), {"padding_idx": int(idx[0])}), ((idx[:2], -1), {}),
            ((idx,), {"max_norm": 1.0}), ((idx + rows,), {})]


ENTRIES += [nnf("logsigmoid"), nnf("mish"), nnf("relu6"), nnf("hardtanh", forms=hardtanh_forms),
            nnf("prelu", forms=prelu_forms),
            nnf("smooth_l1_loss", forms=smooth_l1_forms, inputs="cat"),
            nnf("huber_loss", forms=huber_forms, inputs="cat"),
            nnf("kl_div", forms=kl_div_forms, inputs="cat", domain="positive"),
            nnf("normalize", forms=normalize_forms, domain="nonzero"),
            nnf("cosine_similarity", forms=cosine_forms, inputs="two", domain="nonzero"),
            nnf("layer_norm", forms=layer_norm_forms, min_dims=1, domain="distinct", torch_third=layer_norm_composed),
            Entry("nn.functional.batch_norm", batch_norm, forms=batch_norm_forms, min_dims=2, domain="distinct",
                  torch_third=batch_norm_composed),
            Entry("nn.functional.embedding", lambda lib, w, idx, *a, **k: lib.nn.functional.embedding(idx, w, *a, **k),
                  forms=embedding_forms, min_dims=2, max_dims=2)]
