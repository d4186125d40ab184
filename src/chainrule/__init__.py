"""chainrule: backpropagation you can read, fast enough to train real networks.

    import chainrule as cr
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    x.grad  # tensor([2., 4.])
"""
from . import ops  # noqa: F401  (registers every primitive)
from .autograd import (AnomalyError, Function, detect_anomaly, enable_grad, grad, is_grad_enabled, no_grad,
                       set_grad_enabled)
from .errors import ChainruleError, ShapeError
from .functions import (acos, asin, atan, atan2, ceil, cos, cosh, expm1, floor, isfinite, isinf, isnan,
                        log1p, log2, log10, logaddexp, pow, reciprocal, round, rsqrt, sin, sinh, square, tan,
                        trunc, atanh, prod, cumsum, norm, var_mean, sort, argsort, topk, gather, scatter,
                        scatter_add, split, chunk, unbind, flip, roll, tile, movedim, moveaxis, unflatten,
                        index_select, masked_fill, nonzero, where, einsum, outer, tril, triu, diag)
from .everyday import (addcdiv, addcmul, addmm, all, any, baddbmm, bmm, broadcast_to, clamp, clamp_max,
                       clamp_min, clone, cumprod, detach, diff, dot, flatten, hypot, lerp, median, mm, mv, narrow,
                       numel, permute, reshape, squeeze, swapaxes, t, trace, transpose, unsqueeze)
from . import return_types  # noqa: F401
from .inference import inference_mode, is_inference_mode_enabled
from .layout import is_tensor
from .products import (broadcast_tensors, cartesian_prod, cdist, cross, dist, kron, meshgrid, tril_indices,
                       triu_indices)
from .search import (allclose, bincount, bucketize, count_nonzero, equal, histc, isclose, logical_and, logical_not,
                     logical_or, logical_xor, searchsorted, unique)
from .sampling import (bernoulli, empty_like, multinomial, poisson, rand_like, randint, randint_like, randn_like,
                       randperm)
from .selection import repeat_interleave, take, take_along_dim
from .special import digamma, erfc, erfinv, lgamma, logit, polygamma
from .stats import mode, nanmean, nansum, quantile, std_mean
from .gradcheck import GradcheckError, KinkWarning, gradcheck, jacobian, numerical_grad, rel_error
from .ops.elementwise import (abs, erf, exp, log, maximum, minimum, relu, sigmoid, sign, sqrt, tanh)
from .ops.linalg import matmul
from .ops.reduce import (amax, amin, argmax, argmin, logsumexp, max, mean, min, softmax, log_softmax, std, sum,
                         var)
from .ops.shape import cat, concatenate, stack
from .random import manual_seed
from .tensor import (Tensor, arange, eye, from_numpy, full, full_like, get_default_dtype, linspace, ones, ones_like,
                     rand, randn, set_default_dtype, tensor, zeros, zeros_like)
from numpy import bool_ as bool, float16, float32, float64, int32, int64, uint8  # noqa: A004  (torch's names)
from .factories import empty, normal  # noqa: E402
from .printing import set_printoptions  # noqa: E402
from .arithmetic import (absolute, add, arccos, arcsin, arctan, arctan2, arctanh, div, divide, mul,  # noqa: E402
                         multiply, neg, negative, positive, ravel, sub, subtract, swapdims, true_divide)
from .indexing_ops import diagonal, index_add, index_fill, masked_scatter, masked_select  # noqa: E402
from .comparisons import (eq, ge, greater, greater_equal, gt, le, less, less_equal, lt, ne,  # noqa: E402
                          not_equal)
from . import data, distributed, nn  # noqa: E402,F401
from . import viz  # noqa: E402,F401  (matplotlib and graphviz load only when used)
from . import optim  # noqa: E402,F401
from .io import load, save  # noqa: E402
from ._version import __version__  # noqa: E402,F401

clip = clamp
double, long = float64, int64

__all__ = [
    "Tensor", "tensor", "zeros", "ones", "full", "zeros_like", "ones_like", "randn", "rand", "arange",
    "set_default_dtype", "get_default_dtype", "manual_seed",
    "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "grad", "Function", "detect_anomaly",
    "AnomalyError", "gradcheck", "numerical_grad", "jacobian", "rel_error", "GradcheckError", "KinkWarning",
    "ChainruleError", "ShapeError",
    "exp", "log", "sqrt", "abs", "clip", "erf", "maximum", "minimum", "where", "relu", "sigmoid", "sign", "tanh",
    "sum", "mean", "max", "min", "amax", "amin", "argmax", "argmin", "var", "std", "logsumexp", "softmax", "log_softmax", "matmul", "concatenate", "cat",
    "stack", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "atanh", "log1p", "expm1", "log2",
    "log10", "square", "rsqrt", "reciprocal", "floor", "ceil", "round", "trunc", "isnan", "isinf", "isfinite",
    "atan2", "logaddexp", "pow", "prod", "cumsum", "norm", "var_mean", "sort", "argsort", "topk", "gather",
    "scatter", "scatter_add", "split", "chunk", "unbind", "flip", "roll", "tile", "movedim", "moveaxis",
    "unflatten", "index_select", "masked_fill", "nonzero", "einsum", "outer", "tril", "triu", "diag", "eye", "linspace",
    "full_like", "from_numpy", "return_types",
    "bool", "float16", "float32", "float64", "double", "int32", "int64", "long", "uint8", "data", "distributed", "nn", "viz", "optim", "save", "load",
    "playground",
    "clamp", "clamp_min", "clamp_max", "mm", "bmm", "dot", "mv", "addmm", "baddbmm", "flatten", "squeeze",
    "unsqueeze", "narrow", "cumprod", "diff", "trace", "median", "hypot", "lerp", "addcmul", "addcdiv", "reshape",
    "permute", "transpose", "swapaxes", "t", "broadcast_to", "clone", "numel", "detach", "all", "any",
    "is_tensor", "inference_mode", "is_inference_mode_enabled",
    "randint", "randint_like", "randperm", "rand_like", "randn_like", "bernoulli", "poisson", "multinomial", "normal",
    "empty", "empty_like",
    "eq", "ne", "lt", "le", "gt", "ge", "not_equal", "less", "less_equal", "greater", "greater_equal",
    "index_add", "index_fill", "masked_scatter", "masked_select", "diagonal", "set_printoptions",
    "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "neg", "negative", "positive",
    "absolute", "arccos", "arcsin", "arctan", "arctan2", "arctanh", "swapdims", "ravel",
]

__all__ += ["unique", "bincount", "histc", "searchsorted", "bucketize", "count_nonzero", "isclose", "allclose",
            "equal", "logical_and", "logical_or", "logical_xor", "logical_not",
            "cross", "kron", "dist", "cdist", "meshgrid", "broadcast_tensors", "cartesian_prod", "tril_indices",
            "triu_indices", "take", "take_along_dim", "repeat_interleave", "nansum", "nanmean", "quantile",
            "std_mean", "mode", "lgamma", "digamma", "polygamma", "erfinv", "erfc", "logit"]


def __getattr__(name):
    """``cr.playground``, a callable package (``cr.playground()`` starts the page), loaded on first use."""
    if name == "playground":
        import importlib
        return importlib.import_module(".playground", __name__)
    raise AttributeError(f"module 'chainrule' has no attribute {name!r}")
