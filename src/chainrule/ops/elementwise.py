"""Elementwise ops: the lecture's gates (add, mul, max) and the activation functions.

Kinks and ties follow one convention, the same as PyTorch's: relu, leaky_relu, abs and clip pass the
gradient of the side they are on and pass 0 (relu, abs) at exactly 0; ``maximum``/``minimum`` split the
gradient equally between the inputs at a tie; reductions ``max``/``min`` split it equally among tied winners.
"""
from __future__ import annotations

import math

import numpy as np

from . import special as _special
from .registry import Op, defop, raw, scalar_of, scaled

_SQRT_2 = math.sqrt(2.0)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _dtype_of(*xs):
    for x in xs:
        d = getattr(raw(x), "dtype", None)
        if d is not None and np.issubdtype(d, np.floating):
            return d
    return np.float32


# --- binary gates ---------------------------------------------------------------------------------------

add = defop("add", local=("1", "1"), vjps=(lambda g, ans, x, y: g, lambda g, ans, x, y: g), gate="distributor", saves=(), promote="same",
            doc="x + y: the add gate hands the upstream gradient unchanged to both inputs.")(np.add)

sub = defop("sub", local=("1", "-1"), vjps=(lambda g, ans, x, y: g, lambda g, ans, x, y: -g), gate="distributor", saves=(), promote="same",
            doc="x - y.")(np.subtract)

def _square_grad(g, ans, x):
    """d(x * x) = 2 x g: exactly the sum g x + g x of the two swap-multiplier VJPs, computed once."""
    return scaled(x, scalar_of(g) * 2)


mul = defop("mul", local=("{1}", "{0}"), vjps=(lambda g, ans, x, y: g * y, lambda g, ans, x, y: g * x), gate="swap multiplier",
            saves=((1,), (0,)), promote="same",
            doc="x * y: each input's gradient is the upstream gradient times the *other* input.",
            same=Op("mul", lambda x: np.multiply(x, x), vjps=(_square_grad,), gate="swap multiplier",
                    doc="x * x with one tensor on both sides: one VJP, 2 x g."))(np.multiply)

div = defop("div", local=("1/{1}", "-{0}/{1}^2"), vjps=(lambda g, ans, x, y: g / y, lambda g, ans, x, y: -g * x / (y * y)), saves=((1,), (0, 1)), promote="float",
            doc="x / y (true division: integers give the default float dtype).")(np.true_divide)


def _nonzero_divisor(name, x, y):
    """PyTorch's error for an integer division by zero (NumPy would give 0 with a warning)."""
    if np.result_type(x, y).kind in "iu" and not np.all(y):
        raise RuntimeError(f"{name}: ZeroDivisionError (an integer divided by 0); divide floats for inf.")


@defop("floor_divide", promote="same")
def floor_divide(x, y):
    """x // y, rounded towards -inf as Python and PyTorch; integers stay integers. Not differentiable."""
    _nonzero_divisor("floor_divide", x, y)
    return np.floor_divide(x, y)


@defop("remainder", vjps=(lambda g, ans, x, y: g, lambda g, ans, x, y: -g * floor(x / y)), promote="same")
def remainder(x, y):
    """x % y with the sign of y (Python's and PyTorch's): x - floor(x / y) y."""
    _nonzero_divisor("remainder", x, y)
    return np.remainder(x, y)


# comparisons: boolean results, computed in the promoted dtype as PyTorch does, never differentiable
eq = defop("eq", promote="same", doc="x == y.")(np.equal)
ne = defop("ne", promote="same", doc="x != y.")(np.not_equal)
lt = defop("lt", promote="same", doc="x < y.")(np.less)
le = defop("le", promote="same", doc="x <= y.")(np.less_equal)
gt = defop("gt", promote="same", doc="x > y.")(np.greater)
ge = defop("ge", promote="same", doc="x >= y.")(np.greater_equal)


def _anywhere(mask) -> bool:
    """True if any element of a boolean mask (an array, a NumPy bool or a Python bool) is set; cheap on 0-d."""
    return bool(mask.any()) if isinstance(mask, (np.ndarray, np.bool_)) else bool(mask)


def _pow_grad_base(g, ans, x, y):
    """y x^(y-1) g, and 0 where y == 0 (PyTorch's and HIPS autograd's value for d/dx x^0 at x = 0)."""
    zero = raw(y) == 0
    if not _anywhere(zero):
        return g * y * x ** (y - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return g * where(zero, 0, y * x ** (y - 1))


def _pow_grad_exponent(g, ans, x, y):
    """x^y log(x) g as PyTorch: NaN where x < 0 (no real logarithm), 0 where x == 0 and y >= 0."""
    zero = (raw(x) == 0) & (raw(y) >= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        if not _anywhere(zero):
            return g * (ans * log(x))
        return g * where(zero, 0, ans * log(where(zero, 1, x)))


pow = defop("pow", local=("{1}*{0}^({1}-1)", "{out}*log({0})"), vjps=(_pow_grad_base, _pow_grad_exponent), uses_ans=True, promote="same",
            doc="x ** y.")(np.power)


def _tie_split(x, y):
    """Share of the gradient that max(x, y) routes to x: 1 where x wins, 1/2 at a tie, 0 where y wins."""
    rx, ry = raw(x), raw(y)
    return _select(rx > ry, 1.0, _select(rx == ry, 0.5, 0.0)).astype(_dtype_of(x, y))


maximum = defop("maximum", vjps=(lambda g, ans, x, y: g * _tie_split(x, y), lambda g, ans, x, y: g * _tie_split(y, x)),
                gate="router", promote="same",
                doc="Elementwise max: the max gate routes the gradient to the winner (split equally at a tie).",
                )(np.maximum)

minimum = defop("minimum", vjps=(lambda g, ans, x, y: g * _tie_split(y, x), lambda g, ans, x, y: g * _tie_split(x, y)),
                gate="router", promote="same",
                doc="Elementwise min: routes the gradient to the smaller input (split equally at a tie).",
                )(np.minimum)


_UINT = {np.dtype(np.float32): np.uint32, np.dtype(np.float64): np.uint64}


def _select(condition, x, y):
    """``np.where(condition, x, y)``, bit for bit; for a large float result by bit masks, branch-free.

    ``np.where``'s loop branches on every element: 0.9 ms on a random 256 x 1024 mask, against 0.13 ms for
    the masks (NaN, inf and -0 pass through untouched, as they are only copied).
    """
    if (type(condition) is np.ndarray and condition.dtype == bool and condition.size >= 1024
            and isinstance(x, (np.ndarray, float, int, np.generic)) and isinstance(y, (np.ndarray, float, int, np.generic))):
        dtype = np.result_type(x, y)
        uint = _UINT.get(dtype)
        if uint is not None and np.broadcast_shapes(np.shape(x), np.shape(y), condition.shape) == condition.shape:
            xb, yb = np.asarray(x, dtype).view(uint), np.asarray(y, dtype).view(uint)
            m = condition.astype(uint)
            np.negative(m, out=m)                    # all ones where the condition holds
            out = np.bitwise_and(xb, m)
            np.invert(m, out=m)
            m &= yb
            out |= m
            return out.view(dtype)
    return np.where(condition, x, y)


@defop("where", vjps=(None, lambda g, ans, c, x, y: where(raw(c), g, 0), lambda g, ans, c, x, y: where(raw(c), 0, g)),
       gate="router", saves=(0,), promote="where")
def where(condition, x, y):
    """Pick x where ``condition`` holds, else y; the gradient is routed the same way."""
    return _select(condition, x, y)


@defop("astype", vjps=(lambda g, ans, x, dtype: g,), saves=())
def astype(x, dtype):
    """x converted to another floating dtype; the gradient is converted back by the engine."""
    return x.astype(dtype)


# --- unary math -----------------------------------------------------------------------------------------

neg = defop("neg", local=("-1",), vjps=(lambda g, ans, x: -g,), saves=(), promote="same", doc="-x.")(np.negative)

exp = defop("exp", promote="float", local=("e^{0} = {out}",), vjps=(lambda g, ans, x: g * ans,), uses_ans=True, doc="e ** x.")(np.exp)

log = defop("log", promote="float", local=("1/{0}",), vjps=(lambda g, ans, x: g / x,), doc="Natural logarithm.")(np.log)

sqrt = defop("sqrt", promote="float", local=("1/(2*{out})",), vjps=(lambda g, ans, x: g / (ans * 2),), uses_ans=True, doc="Square root.")(np.sqrt)

@defop("sign", vjps=(lambda g, ans, x: g * 0,))
def sign(x):
    """-1, 0 or 1 (a bool stays itself); gradient 0 (PyTorch's)."""
    return np.array(x, copy=True) if getattr(x, "dtype", None) == bool else np.sign(x)

abs = defop("abs", local=("sign({0})",), vjps=(lambda g, ans, x: g * np.sign(raw(x)),), promote="same",
            doc="|x|; gradient sign(x), 0 at exactly 0.")(np.abs)


def _clip_grad(g, ans, x, min=None, max=None):
    rx = raw(x)
    inside = np.ones(rx.shape, dtype=bool)
    if min is not None:
        inside &= rx >= min
    if max is not None:
        inside &= rx <= max
    return g * inside


@defop("clip", vjps=(_clip_grad,), promote="clip")
def clip(x, min=None, max=None):
    """Clamp into [min, max]; the gradient passes where min <= x <= max (bounds included)."""
    return np.clip(x, min, max)


def _erf_grad(g, ans, x):
    """2 / sqrt(pi) exp(-x^2) g: on arrays in one scratch buffer, on tensors (create_graph) as ops."""
    if not isinstance(x, np.ndarray):
        return g * exp(-(x * x)) * _TWO_OVER_SQRT_PI
    d = np.multiply(x, x, out=np.empty_like(x))  # an array for 0-d x too
    np.negative(d, out=d)
    np.exp(d, out=d)
    d *= _TWO_OVER_SQRT_PI
    d *= g
    return d


@defop("erf", promote="float", vjps=(_erf_grad,))
def erf(x):
    """The error function, accurate to a few ulp of ``math.erf`` (float64) and of float32 (see ops/special.py)."""
    return _special.erf(x)


# --- activation functions -------------------------------------------------------------------------------

@defop("relu", local=("1 if {0} > 0 else 0",), vjps=(lambda g, ans, x: g * (raw(ans) > 0),), uses_ans=True, gate="router",
       promote="same")
def relu(x):
    """max(0, x): a max gate against 0. Backward keeps only the output's sign (no copy of the input)."""
    out = np.empty_like(x)
    out.fill(0)  # against an array of zeros NumPy's SIMD loop runs; against a broadcast 0 it is 2-4x slower
    return np.maximum(x, out, out=out)


def _step(mask, below, dtype):
    """1 where ``mask`` holds, else ``below`` (a number or a finite array): ``m + (1 - m) below`` with m in
    {0, 1}, exact, and branch-free: ``np.where`` branches per element, 10x slower on a random mask."""
    m = mask.astype(dtype)
    out = np.subtract(1, m, dtype=dtype)
    out *= below
    out += m
    return out


def _leaky_grad(g, ans, x, negative_slope=0.01):
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        return g * np.where(raw(x) > 0, 1, negative_slope).astype(_dtype_of(x))
    out = _step(x > 0, x.dtype.type(negative_slope), x.dtype)
    out *= g
    return out


@defop("leaky_relu", promote="floating", vjps=(_leaky_grad,))
def leaky_relu(x, negative_slope=0.01):
    """max(negative_slope * x, x): a small slope for x < 0 keeps units from dying.

    For 0 < slope <= 1 it is exactly ``maximum(x, slope * x)`` (min for a slope above 1), one SIMD pass.
    """
    scaled = x * negative_slope
    if 0 < negative_slope <= 1:
        return np.maximum(x, scaled, out=scaled) if isinstance(scaled, np.ndarray) else np.maximum(x, scaled)
    if negative_slope > 1:
        return np.minimum(x, scaled)
    return np.where(x > 0, x, scaled)


def _elu_grad(g, ans, x, alpha=1.0):
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        return g * where(raw(x) > 0, 1, ans + alpha)
    below = np.minimum(ans, 0)             # alpha e^x = ans + alpha where x <= 0; finite where x > 0
    below += alpha
    out = _step(x > 0, below, x.dtype)
    out *= g
    return out


@defop("elu", promote="floating", vjps=(_elu_grad,), uses_ans=True)
def elu(x, alpha=1.0):
    """x for x > 0, alpha * (exp(x) - 1) otherwise: ``max(x, 0) + alpha expm1(min(x, 0))``, branch-free."""
    out = np.expm1(np.minimum(x, 0))
    out = np.multiply(out, alpha, out=out) if isinstance(out, np.ndarray) else out * alpha
    return np.maximum(x, 0) + out


@defop("sigmoid", promote="float", local=("{out}*(1-{out})",), vjps=(lambda g, ans, x: g * ans * (1 - ans),), uses_ans=True)
def sigmoid(x):
    """1 / (1 + e^-x), computed as (1 + tanh(x/2)) / 2: finite for any input (sigmoid(-800) is 0)."""
    return 0.5 * (1 + np.tanh(0.5 * x))


tanh = defop("tanh", promote="float", local=("1-{out}^2",), vjps=(lambda g, ans, x: g * (1 - ans * ans),), uses_ans=True,
             doc="Hyperbolic tangent: squashes into [-1, 1], saturates (gradient near 0) for |x| >> 1.")(np.tanh)


def _silu_grad(g, ans, x, cache=None):
    if cache is None or not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        s = sigmoid(x)
        return g * (s + x * s * (1 - s))
    d = np.subtract(1, cache, dtype=x.dtype)   # g (s + x s (1 - s)), s = sigmoid(x) from forward
    d *= cache
    d *= x
    d += cache
    d *= g
    return d


@defop("silu", promote="floating", vjps=(_silu_grad,), cached=True)
def silu(x):
    """x * sigmoid(x) (Swish); sigmoid(x) is kept for backward."""
    s = np.multiply(x, 0.5)
    if not isinstance(s, np.ndarray) or s.dtype.kind != "f":
        s = 0.5 * (1 + np.tanh(s))
        return x * s, s
    np.tanh(s, out=s)
    s += 1
    s *= 0.5
    return x * s, s


def _above(z, threshold, out, value):
    """``out`` with ``value`` where ``z > threshold``: a rare case, so the mask is applied only if it is used."""
    mask = z > threshold
    if mask.any():
        if out.ndim == 0:
            return np.asarray(value if mask else out, out.dtype)
        np.copyto(out, value, where=mask)
    return out


def _softplus_grad(g, ans, x, beta=1.0, threshold=20.0):
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        rx = raw(x)
        return g * where(rx * beta > threshold, 1, sigmoid(x * beta))
    z = np.multiply(x, beta, dtype=x.dtype)
    out = sigmoid.forward(z)
    out = _above(z, threshold, np.asarray(out), 1)
    out *= g
    return out


@defop("softplus", promote="floating", vjps=(_softplus_grad,))
def softplus(x, beta=1.0, threshold=20.0):
    """log(1 + e^(beta x)) / beta, linear above ``threshold`` as in PyTorch; stable for any input.

    Computed as ``max(z, 0) + log1p(exp(-|z|))`` with z = beta x, NumPy's own ``logaddexp(0, z)`` formula,
    with SIMD loops: ``np.logaddexp`` itself is 20x slower here.
    """
    x = np.asarray(x)
    dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)
    z = np.multiply(x, beta, dtype=dtype)
    if z.ndim == 0:
        return np.asarray(x if z > threshold else np.logaddexp(0, z) / beta, dtype)
    out = np.abs(z)
    np.negative(out, out=out)
    np.exp(out, out=out)
    np.log1p(out, out=out)
    out += np.maximum(z, 0)
    if beta != 1:
        out /= beta
    return _above(z, threshold, out, x)


def _gelu_grad(g, ans, x, approximate="none", cache=None):
    if approximate == "tanh" and (cache is None or not isinstance(x, np.ndarray) or x.dtype.kind != "f"):
        inner = (x + x * x * x * 0.044715) * _SQRT_2_OVER_PI
        t = tanh(inner)
        dinner = (1 + x * x * (3 * 0.044715)) * _SQRT_2_OVER_PI
        return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * dinner)
    if approximate == "tanh":   # the same formula in two scratch arrays, t = tanh(inner) from forward
        t = cache
        d = np.multiply(x, x, out=np.empty_like(x))
        d *= 3 * 0.044715
        d += 1
        d *= _SQRT_2_OVER_PI
        u = np.multiply(t, t, out=np.empty_like(t))
        np.subtract(1, u, out=u)
        u *= x
        u *= 0.5
        u *= d
        np.add(t, 1, out=d)
        d *= 0.5
        d += u
        d *= g
        return d
    if cache is None or x.dtype.kind != "f":   # create_graph (on tensors), or integer inputs
        cdf = 0.5 * (1 + erf(x * (1 / _SQRT_2)))
        pdf = exp(x * x * -0.5) * _INV_SQRT_2PI
        return g * (cdf + x * pdf)
    d = np.multiply(x, x, out=np.empty_like(x))  # g (Phi(x) + x phi(x)), Phi from forward, phi = exp(-x^2 / 2) / sqrt(2 pi)
    d *= -0.5
    np.exp(d, out=d)
    d *= _INV_SQRT_2PI
    d *= x
    d += cache
    d *= g
    return d


@defop("gelu", promote="floating", vjps=(_gelu_grad,), cached=True)
def gelu(x, approximate="none"):
    """x * Phi(x) (exact, via erf) or its tanh approximation (``approximate='tanh'``, faster).

    The exact form keeps Phi(x) for backward, which then needs one ``exp`` and no ``erf``.
    """
    if approximate == "tanh":     # tanh(inner) is kept for backward
        if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
            t = np.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x * x * x))
            return 0.5 * x * (1 + t), t
        t = np.multiply(x, 0.044715, out=np.empty_like(x))
        t *= x
        t *= x
        t += x
        t *= _SQRT_2_OVER_PI
        np.tanh(t, out=t)
        out = np.add(t, 1)
        out *= x
        out *= 0.5
        return out, t
    if approximate != "none":
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    cdf = _special.normal_cdf(x)
    return x * cdf, cdf


# --- trigonometric, hyperbolic, logarithmic (PyTorch's names) -------------------------------------------

sin = defop("sin", promote="float", vjps=(lambda g, ans, x: g * cos(x),), doc="Sine.")(np.sin)

cos = defop("cos", promote="float", vjps=(lambda g, ans, x: -g * sin(x),), doc="Cosine.")(np.cos)

tan = defop("tan", promote="float", vjps=(lambda g, ans, x: g * (1 + ans * ans),), uses_ans=True, doc="Tangent.")(np.tan)

asin = defop("asin", promote="float", vjps=(lambda g, ans, x: g / sqrt(1 - x * x),), doc="Inverse sine.")(np.arcsin)

acos = defop("acos", promote="float", vjps=(lambda g, ans, x: -g / sqrt(1 - x * x),), doc="Inverse cosine.")(np.arccos)

atan = defop("atan", promote="float", vjps=(lambda g, ans, x: g / (1 + x * x),), doc="Inverse tangent.")(np.arctan)

sinh = defop("sinh", promote="float", vjps=(lambda g, ans, x: g * cosh(x),), doc="Hyperbolic sine.")(np.sinh)

cosh = defop("cosh", promote="float", vjps=(lambda g, ans, x: g * sinh(x),), doc="Hyperbolic cosine.")(np.cosh)

atanh = defop("atanh", promote="float", vjps=(lambda g, ans, x: g / (1 - x * x),), doc="Inverse hyperbolic tangent.")(np.arctanh)

log1p = defop("log1p", promote="float", vjps=(lambda g, ans, x: g / (1 + x),), doc="log(1 + x), accurate for small x.")(np.log1p)

expm1 = defop("expm1", promote="float", vjps=(lambda g, ans, x: g * (ans + 1),), uses_ans=True,
              doc="exp(x) - 1, accurate for small x.")(np.expm1)

log2 = defop("log2", promote="float", vjps=(lambda g, ans, x: g / (x * math.log(2.0)),), doc="Base-2 logarithm.")(np.log2)

log10 = defop("log10", promote="float", vjps=(lambda g, ans, x: g / (x * math.log(10.0)),), doc="Base-10 logarithm.")(np.log10)

square = defop("square", vjps=(lambda g, ans, x: g * x * 2,), promote="same", doc="x * x.")(np.square)


@defop("rsqrt", promote="float", vjps=(lambda g, ans, x: g * ans * ans * ans * -0.5,), uses_ans=True)
def rsqrt(x):
    """1 / sqrt(x)."""
    return 1 / np.sqrt(x)


@defop("reciprocal", promote="float", vjps=(lambda g, ans, x: -g * ans * ans,), uses_ans=True)
def reciprocal(x):
    """1 / x."""
    return 1 / x


atan2 = defop("atan2", promote="float", vjps=(lambda g, ans, y, x: g * x / (x * x + y * y),
                             lambda g, ans, y, x: -g * y / (x * x + y * y)),
              doc="atan2(input, other): the angle of the point (other, input), in (-pi, pi].")(np.arctan2)

logaddexp = defop("logaddexp", promote="float", vjps=(lambda g, ans, x, y: g * exp(x - ans), lambda g, ans, x, y: g * exp(y - ans)),
                  uses_ans=True, doc="log(exp(x) + exp(y)), stable for any inputs.")(np.logaddexp)


# --- rounding: piecewise constant, so the gradient is 0 (as PyTorch); integers stay integers ------------

def _zero_grad(g, ans, x, **params):
    return g * 0


floor = defop("floor", vjps=(_zero_grad,), promote="same", doc="The largest whole number <= x; gradient 0.")(np.floor)
ceil = defop("ceil", vjps=(_zero_grad,), promote="same", doc="The smallest whole number >= x; gradient 0.")(np.ceil)
trunc = defop("trunc", vjps=(_zero_grad,), promote="same", doc="x rounded towards 0; gradient 0.")(np.trunc)


@defop("round", vjps=(_zero_grad,), promote="same")
def round(x, decimals=0):
    """x rounded to ``decimals`` places, halves to even (as PyTorch); gradient 0."""
    return np.round(x, decimals)


# --- tests of values: boolean outputs, not differentiable -----------------------------------------------

isnan = defop("isnan", doc="True where x is NaN.")(np.isnan)
isinf = defop("isinf", doc="True where x is +inf or -inf.")(np.isinf)
isfinite = defop("isfinite", doc="True where x is neither NaN nor infinite.")(np.isfinite)


# --- clamp with tensor bounds, hypot --------------------------------------------------------------------

def _bool_as(mask, like):
    return mask.astype(_dtype_of(like), copy=False)


@defop("clamp", vjps=(lambda g, ans, x, lo, hi: g * _bool_as((raw(x) >= raw(lo)) & (raw(x) <= raw(hi)), x),
                      lambda g, ans, x, lo, hi: g * _bool_as((raw(x) < raw(lo)) & (raw(lo) < raw(hi)), x),
                      lambda g, ans, x, lo, hi: g * _bool_as((raw(x) > raw(hi)) | (raw(hi) < raw(lo)), x)))
def clamp(x, lo, hi):
    """min(max(x, lo), hi) with tensor bounds, PyTorch's rule for the gradient: x gets it where lo <= x <= hi,
    lo where x < lo < hi, hi where x > hi or hi < lo (then the result is hi)."""
    return np.minimum(np.maximum(x, lo), hi)


def clamp_bounds(x, min=None, max=None):
    """``torch.clamp``: number bounds go to :func:`clip`, a tensor bound to :func:`clamp` (a missing one is
    -inf or inf there); no bound at all is PyTorch's RuntimeError."""
    if min is None and max is None:
        raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None.")
    if not (hasattr(min, "grad_fn") or hasattr(max, "grad_fn")):
        return clip(x, min=min, max=max)
    return clamp(x, -math.inf if min is None else min, math.inf if max is None else max)


hypot = defop("hypot", vjps=(lambda g, ans, x, y: g * x / ans, lambda g, ans, x, y: g * y / ans), uses_ans=True,
              doc="sqrt(x ** 2 + y ** 2) without overflow; the gradient is x / hypot (nan at (0, 0)).")(np.hypot)
