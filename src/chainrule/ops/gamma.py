"""The gamma-family functions and the inverse and complementary error functions: ``lgamma digamma polygamma
erfinv erfc``, with their
VJPs (``lgamma' = digamma``, ``digamma' = polygamma(1)``, ``polygamma(n)' = polygamma(n + 1)``,
``erfinv'(x) = sqrt(pi) / 2 * exp(erfinv(x)^2)``, ``erfc'(x) = -2 / sqrt(pi) exp(-x^2)``), so derivatives of every
order are exact.

Values come from ``scipy.special`` where scipy is installed (imported at the first call), else from the
vectorized NumPy code below, in float64 (a float32 input is computed in float64 and rounded once):

- lgamma: Stirling's series for x >= 8, the recurrence down to [1.5, 2.5) and the Taylor series of lgamma
  about 2 (coefficients zeta(k) - 1) below, the reflection formula for x < 0.5.
- digamma: the asymptotic series for x >= 10 after the recurrence, the Taylor series about its positive root
  near it (so values close to 0 keep their relative accuracy), the reflection formula for x <= 0.
- polygamma(n, x), n >= 1: the recurrence up to x >= 20 + n, then the asymptotic series; the reflection
  formula (derivatives of cot) for x < 0.
- erfinv: a rational first guess, then Halley steps on ``erf(y) - x`` (Newton steps on ``log erfc(y) -
  log(1 - x)`` in the tails, so that values near +-1 keep their digits).
- erfc: Cody's rational approximations for erfc(|x|) (:func:`chainrule.ops.special.erfc_positive`).

At the poles the values are PyTorch's: lgamma(0, -1, ...) = inf, digamma(0) = -inf, digamma(-1, ...) = nan,
polygamma(n, 0, -1, ...) = inf, erfinv(+-1) = +-inf.
"""
from __future__ import annotations

import math

import numpy as np

from . import special as _special
from .elementwise import exp
from .registry import defop

_SCIPY = []


def _scipy():
    """``scipy.special``, or None without scipy; looked up at the first call, not at import."""
    if not _SCIPY:
        try:
            import scipy.special as found
        except ImportError:
            found = None
        _SCIPY.append(found)
    return _SCIPY[0]


def _float64(x):
    x = np.asarray(x)
    return x.astype(np.float64) if x.dtype != np.float64 else x


def _as(out, x):
    """``out`` in ``x``'s float dtype (float64 for integers and bools)."""
    x = np.asarray(x)
    dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)
    return np.asarray(out).astype(dtype, copy=False)


def _horner(t, coeffs):
    """``coeffs[0] + coeffs[1] t + ...``."""
    acc = np.full_like(t, coeffs[-1])
    for c in coeffs[-2::-1]:
        acc = acc * t + c
    return acc


def _sinpi(x):
    """sin(pi x) with the argument reduced exactly first (zero at the integers)."""
    r = x - np.round(x)
    return np.sin(np.pi * r) * np.where(np.round(x) % 2 == 0, 1.0, -1.0)


# --- lgamma --------------------------------------------------------------------------------------------------

_ZETA_MINUS_1 = (0.6449340668482264, 0.2020569031595943, 0.08232323371113819, 0.03692775514336993,  # k = 2..
                 0.01734306198444914, 0.008349277381922827, 0.00407735619794434, 0.0020083928260822143,
                 0.0009945751278180853, 0.0004941886041194645, 0.0002460865533080483, 0.00012271334757848915,
                 6.124813505870483e-05, 3.058823630702049e-05, 1.528225940865187e-05, 7.637197637899763e-06,
                 3.81729326499984e-06, 1.908212716553939e-06, 9.539620338727962e-07, 4.769329867878064e-07,
                 2.38450502727733e-07, 1.1921992596531106e-07, 5.960818905125948e-08, 2.980350351465228e-08,
                 1.4901554828365043e-08, 7.45071178983543e-09, 3.725334024788457e-09, 1.862659723513049e-09,
                 9.313274324196682e-10, 4.656629065033784e-10)
_EULER = 0.5772156649015329
# lgamma(2 + t) = (1 - gamma) t + sum_k (-1)^k (zeta(k) - 1) t^k / k
_LGAMMA_AT_2 = (0.0, 1.0 - _EULER) + tuple((-1) ** k * z / k for k, z in enumerate(_ZETA_MINUS_1, start=2))
# Stirling: B_2k / (2k (2k - 1) x^(2k - 1)), k = 1..8
_STIRLING = (1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156, -3617 / 122400)
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def _lgamma_positive(x):
    """lgamma for x >= 0.5 (finite)."""
    out = np.empty_like(x)
    big = x >= 8.0
    if big.any():
        xb = x[big]
        r = 1.0 / (xb * xb)
        out[big] = (xb - 0.5) * np.log(xb) - xb + _HALF_LOG_2PI + _horner(r, _STIRLING) / xb
    small = ~big
    if small.any():
        xs = x[small].copy()
        below = xs < 1.5
        scale = np.ones_like(xs)
        for _ in range(6):                                  # x in [2.5, 8): down to [1.5, 2.5)
            high = xs >= 2.5
            scale = np.where(high, scale * (xs - 1.0), scale)
            xs = np.where(high, xs - 1.0, xs)
        t = np.where(below, xs - 1.0, xs - 2.0)             # x in [0.5, 1.5): lgamma(x + 1) - log(x)
        value = _horner(t, _LGAMMA_AT_2)
        out[small] = np.where(below, value - np.log1p(xs - 1.0), value + np.log(scale))
    return out


def _lgamma_numpy(x):
    x = _float64(x)
    out = np.full(x.shape, np.inf)
    finite = np.isfinite(x)
    out[np.isnan(x)] = np.nan
    pole = finite & (x <= 0) & (x == np.round(x))
    right = finite & (x >= 0.5)
    if right.any():
        out[right] = _lgamma_positive(x[right])
    left = finite & (x < 0.5) & ~pole
    if left.any():
        xl = x[left]
        out[left] = np.log(np.pi / np.abs(_sinpi(xl))) - _lgamma_positive(1.0 - xl)
    return out


# --- digamma and polygamma ------------------------------------------------------------------------------------

_ROOT_HI, _ROOT_LO = 1.4616321449683622, 9.549995429965697e-17
_AT_ROOT = (0.0, 0.9676722454476212, -0.4427631689835921, 0.258499760955651, -0.16394270544240652,
            0.10782405069126237, -0.07219956125645471, 0.04880428816414311, -0.03316112647484736,
            0.022597648232218104, -0.01542476590494896, 0.010538791616612175, -0.007204534386356869,
            0.004926781395729853, -0.003369801655439328, 0.002305126326734928, -0.0015769367714301972,
            0.0010788252019162967, -0.0007380709389960052, 0.000504953265834602, -0.0003454680251063077,
            0.00023635601564027053, -0.00016170622091974803, 0.0001106337276874741)
# psi(x) ~ log x - 1/(2x) - sum_k B_2k / (2k x^2k), k = 1..7
_PSI_SERIES = (1 / 12, -1 / 120, 1 / 252, -1 / 240, 1 / 132, -691 / 32760, 1 / 12)
_BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510, 43867 / 798)


def _digamma_positive(x):
    """digamma for x > 0 (finite)."""
    xs, shift = x.copy(), np.zeros_like(x)
    for _ in range(10):                                      # up to x >= 10: psi(x) = psi(x + 1) - 1/x
        low = xs < 10.0
        shift = np.where(low, shift + 1.0 / xs, shift)
        xs = np.where(low, xs + 1.0, xs)
    r = 1.0 / (xs * xs)
    out = np.log(xs) - 0.5 / xs - r * _horner(r, _PSI_SERIES) - shift
    near = np.abs(x - _ROOT_HI) < 0.25                       # near the root: its Taylor series
    if near.any():
        out[near] = _horner((x[near] - _ROOT_HI) - _ROOT_LO, _AT_ROOT)
    return out


def _digamma_numpy(x):
    x = _float64(x)
    out = np.full(x.shape, np.nan)
    out[x == np.inf] = np.inf
    out[x == 0] = -np.inf
    right = np.isfinite(x) & (x > 0)
    if right.any():
        out[right] = _digamma_positive(x[right])
    left = np.isfinite(x) & (x < 0) & (x != np.round(x))
    if left.any():                                           # psi(x) = psi(1 - x) - pi cot(pi x)
        xl = x[left]
        r = xl - np.round(xl)
        out[left] = _digamma_positive(1.0 - xl) - np.pi / np.tan(np.pi * r)
    return out


def _polygamma_positive(n, x):
    """psi^(n)(x) for x > 0 = (-1)^(n+1) n! sum_k 1 / (x + k)^(n+1): the recurrence up to x >= 20 + n (at
    most 20 + n steps), then the asymptotic series
    (-1)^(n+1) [(n-1)!/x^n + n!/(2 x^(n+1)) + sum_k B_2k (2k+n-1)! / ((2k)! x^(2k+n))]."""
    xs, acc, bound = x.copy(), np.zeros_like(x), 20.0 + n
    while (xs < bound).any():
        low = xs < bound
        acc = np.where(low, acc + 1.0 / xs ** (n + 1), acc)
        xs = np.where(low, xs + 1.0, xs)
    series = math.factorial(n - 1) / xs ** n + math.factorial(n) / (2 * xs ** (n + 1))
    for k, b in enumerate(_BERNOULLI, start=1):
        series = series + b * math.factorial(2 * k + n - 1) / math.factorial(2 * k) / xs ** (2 * k + n)
    return (-1.0) ** (n + 1) * (series + math.factorial(n) * acc)


def _cot_derivative(n, x):
    """d^n/dz^n cot(z) at z = pi x, as P_n(cot z) with P_0(c) = c and P_(k+1)(c) = -(1 + c^2) P_k'(c)."""
    p = np.polynomial.Polynomial([0.0, 1.0])
    for _ in range(n):
        p = -np.polynomial.Polynomial([1.0, 0.0, 1.0]) * p.deriv()
    r = x - np.round(x)
    return p(1.0 / np.tan(np.pi * r))


def _polygamma_numpy(n, x):
    """psi^(n)(x): the series for x > 0, the reflection formula
    psi^(n)(1 - x) + (-1)^(n+1) psi^(n)(x) = (-1)^n pi^(n+1) P_n(cot(pi x)) for x < 0."""
    x = _float64(x)
    out = np.where(np.isnan(x) | (x == -np.inf), np.nan, np.inf)     # poles at 0, -1, ...: inf
    out[x == np.inf] = 0.0
    right = np.isfinite(x) & (x > 0)
    if right.any():
        out[right] = _polygamma_positive(n, x[right])
    left = np.isfinite(x) & (x < 0) & (x != np.round(x))
    if left.any():
        xl = x[left]
        mirror = (-1.0) ** n * np.pi ** (n + 1) * _cot_derivative(n, xl) - _polygamma_positive(n, 1.0 - xl)
        out[left] = (-1.0) ** (n + 1) * mirror
    return out


# --- erfinv ---------------------------------------------------------------------------------------------------

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _erfinv_numpy(x):
    x = _float64(x)
    a = np.abs(x)
    inside = a < 1.0
    out = np.where(a == 1.0, np.copysign(np.inf, x), np.nan)
    if not inside.any():
        return out
    ai = a[inside]
    # first guess: Giles's single-precision form in w = -log(1 - a^2), good to ~1e-7
    w = -np.log((1.0 - ai) * (1.0 + ai))                 # 1 - a is exact near 1
    central = w < 5.0
    wc, wt = w - 2.5, np.sqrt(np.maximum(w, 5.0)) - 3.0
    pc = _horner(wc, (1.50140941, 0.246640727, -0.00417768164, -0.00125372503, 0.00021858087, -4.39150654e-06,
                      -3.5233877e-06, 3.43273939e-07, 2.81022636e-08))
    pt = _horner(wt, (2.83297682, 1.00167406, 0.00943887047, -0.0076224613, 0.00573950773, -0.00367342844,
                      0.00134934322, 0.000100950558, -0.000200214257))
    y = np.where(central, pc, pt) * ai
    tail, rest = ai > 0.5, 1.0 - ai                          # 1 - a is exact for a > 0.5
    for _ in range(4):
        slope = _TWO_OVER_SQRT_PI * np.exp(-y * y)
        f = _special.erf(y) - ai                             # Halley on erf(y) - a in the middle
        middle = y - f / (slope + y * f)
        with np.errstate(divide="ignore", invalid="ignore"):  # Newton on log erfc(y) - log(1 - a) in the tails
            e = _special.erfc_positive(np.maximum(y, 0.0))
            tails = y + (np.log(e) - np.log(rest)) * e / slope
        y = np.where(tail, tails, middle)
    out[inside] = np.copysign(y, x[inside])
    return out


def _evaluate(x, fallback, from_scipy):
    """``from_scipy(scipy.special, x64)`` where scipy is installed, else ``fallback(x)``, in x's float dtype."""
    sp = _scipy()
    with np.errstate(over="ignore", divide="ignore", invalid="ignore", under="ignore"):   # inf and nan, silently
        return _as(fallback(x) if sp is None else from_scipy(sp, _float64(x)), x)


def _pole(x):
    return (x <= 0) & (x == np.round(x))


def _lgamma(x):
    return _evaluate(x, _lgamma_numpy, lambda sp, x: np.where(x == -np.inf, np.inf, sp.gammaln(x)))


def _digamma(x):
    return _evaluate(x, _digamma_numpy, lambda sp, x: np.where(_pole(x) & (x < 0), np.nan, sp.digamma(x)))


def _polygamma(n, x):
    if n == 0:
        return _digamma(x)
    return _evaluate(x, lambda x: _polygamma_numpy(n, x), lambda sp, x: np.where(_pole(x), np.inf, sp.polygamma(n, x)))


def _erfinv(x):
    return _evaluate(x, _erfinv_numpy, lambda sp, x: sp.erfinv(x))


def _erfc_numpy(x):
    """erfc(x) = erfc(|x|) for x >= 0 and 2 - erfc(|x|) below, so the right tail keeps its digits."""
    x = _float64(x)
    out = np.where(np.isnan(x), np.nan, 0.0)
    finite = ~np.isnan(x)
    a = np.minimum(np.abs(x[finite]), 30.0)
    e = _special.erfc_positive(a)
    out[finite] = np.where(x[finite] < 0, 2.0 - e, e)
    return out


def _erfc(x):
    return _evaluate(x, _erfc_numpy, lambda sp, x: sp.erfc(x))


# --- the ops --------------------------------------------------------------------------------------------------

@defop("lgamma", promote="float", vjps=(lambda g, ans, x: g * digamma(x),))
def lgamma(x):
    """The natural logarithm of |Gamma(x)|."""
    return _lgamma(x)


@defop("digamma", promote="float", vjps=(lambda g, ans, x: g * polygamma(x, n=1),))
def digamma(x):
    """The logarithmic derivative of Gamma, psi(x)."""
    return _digamma(x)


@defop("polygamma", promote="float", vjps=(lambda g, ans, x, n: g * polygamma(x, n=n + 1),))
def polygamma(x, n):
    """The n-th derivative of digamma, psi^(n)(x)."""
    return _polygamma(int(n), x)


@defop("erfinv", promote="float", vjps=(lambda g, ans, x: g * (math.sqrt(math.pi) / 2) * exp(ans * ans),),
       uses_ans=True)
def erfinv(x):
    """The inverse of erf on (-1, 1) (+-inf at +-1, nan outside)."""
    return _erfinv(x)


@defop("erfc", promote="float", vjps=(lambda g, ans, x: g * -_TWO_OVER_SQRT_PI * exp(-(x * x)),))
def erfc(x):
    """The complementary error function 1 - erf(x), without the cancellation for large x."""
    return _erfc(x)

