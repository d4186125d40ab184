"""The error function on whole arrays, with NumPy alone: ``erf`` and the normal CDF that exact GELU needs.

- float64: W. J. Cody's rational Chebyshev approximations ("Rational Chebyshev approximations for the error
  function", Math. Comp. 23, 1969; the coefficients of his CALERF): ``x P(x^2) / Q(x^2)`` for
  ``|x| <= 0.46875``, ``1 - exp(-x^2) P(|x|) / Q(|x|)`` up to 4 and an asymptotic form beyond. Each of the
  three ranges is evaluated only on the elements that fall in it; within a few ulp of ``math.erf``.
- float32: one odd rational ``x P(x^2) / Q(x^2)`` on ``[-4, 4]`` (the float32 minimax fit used by Eigen and
  XLA), no branch and no ``exp``: about 25 passes over the array, within a few float32 ulp.

In float64 ``scipy.special.erf`` is used where scipy is installed (it is about 4x faster than the Cody
fallback here); in float32 the rational above is about 5x faster than scipy's, so it is always used.
"""
from __future__ import annotations

import math
import threading

import numpy as np

_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02, 3.20937758913846947e03,
      1.85777706184603153e-1)
_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03, 2.84423683343917062e03)
_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01, 2.98635138197400131e02,
      8.81952221241769090e02, 1.71204761263407058e03, 2.05107837782607147e03, 1.23033935479799725e03,
      2.15311535474403846e-8)
_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02, 1.62138957456669019e03,
      3.29079923573345963e03, 4.36261909014324716e03, 3.43936767414372164e03, 1.23033935480374942e03)
_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1, 1.60837851487422766e-2,
      6.58749161529837803e-4, 1.63153871373020978e-2)
_Q = (2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1, 6.05183413124413191e-2,
      2.33520497626869185e-3)
_SQRPI = 5.6418958354775628695e-1   # 1 / sqrt(pi)

# float32: erf(z) = z P(z^2) / Q(z^2) on [-4, 4], coefficients from the constant term up
_ALPHA = (-1.60960333262415e-02, -2.95459980854025e-03, -7.34990630326855e-04, -5.69250639462346e-05,
          -2.10102402082508e-06, 2.77068142495902e-08, -2.72614225801306e-10)
_BETA = (-1.42647390514189e-02, -7.37332916720468e-03, -1.68282697438203e-03, -2.13374055278905e-04,
         -1.45660718464996e-05)


def _horner(t, coeffs, out):
    """``c[n] t^n + ... + c[1] t + c[0]`` into ``out`` (a leading 1 costs no multiply)."""
    if coeffs[-1] == 1:
        np.add(t, coeffs[-2], out=out)
    else:
        np.multiply(t, coeffs[-1], out=out)
        out += coeffs[-2]
    for c in coeffs[-3::-1]:
        out *= t
        out += c
    return out


def _cody_erf(x):
    """float64 erf by Cody's three rational approximations, each on the elements in its range."""
    y = np.abs(x)
    out = np.empty_like(x)
    small = y <= 0.46875
    if small.any():
        xs = x[small]
        t = xs * xs
        num = _horner_tail(t, _A[4], _A[:4])
        den = _horner_tail(t, 1.0, _B)
        out[small] = xs * num / den
    mid = (~small) & (y <= 4.0)
    if mid.any():
        out[mid] = np.copysign(0.5 - _erfc_mid(y[mid]) + 0.5, x[mid])
    big = y > 4.0
    if big.any():
        out[big] = np.copysign(0.5 - _erfc_big(y[big], 6.0) + 0.5, x[big])   # erfc(6) < 1e-16
    nan = np.isnan(x)
    if nan.any():
        out[nan] = np.nan
    return out


def _erfc_mid(y):
    """erfc for 0.46875 < y <= 4 (float64): Cody's second rational times exp(-y^2)."""
    return _scaled_exp(y, _horner_tail(y, _C[8], _C[:8]) / _horner_tail(y, 1.0, _D))


def _erfc_big(y, zero_from):
    """erfc for y > 4 (float64): Cody's asymptotic rational times exp(-y^2); 0 from ``zero_from`` on."""
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        t = 1.0 / (y * y)
        r = t * _horner_tail(t, _P[5], _P[:5]) / _horner_tail(t, 1.0, _Q)
        r = (_SQRPI - r) / y
        return np.where(y < zero_from, _scaled_exp(np.minimum(y, zero_from), r), 0.0)


def erfc_positive(y):
    """erfc(y) for a float64 array of y >= 0, to a few ulp of its own value (no cancellation in the tail)."""
    out = np.empty_like(y)
    small, big = y <= 0.46875, y > 4.0
    mid = ~small & ~big
    out[small] = 1.0 - _cody_erf(y[small])
    out[mid] = _erfc_mid(y[mid])
    out[big] = _erfc_big(y[big], 27.3)                 # erfc(27.3) is below the smallest float64
    return out


def _horner_tail(t, first, coeffs):
    """CALERF's loop: ``acc = first t; acc = (acc + c) t`` for all but the last c; then ``acc + c[-1]``."""
    acc = np.multiply(t, first)
    for c in coeffs[:-1]:
        acc += c
        acc *= t
    acc += coeffs[-1]
    return acc


def _scaled_exp(y, r):
    """``exp(-y^2) r`` with y^2 split as CALERF does (y rounded to 1/16 first), so the tail keeps its digits."""
    ysq = np.trunc(y * 16.0) / 16.0
    d = (y - ysq) * (y + ysq)
    return np.exp(-ysq * ysq) * np.exp(-d) * r


_scratch = threading.local()


def _workspace(shape, n):
    """``n`` float32 scratch arrays of ``shape``, kept per thread for the next call of the same shape.

    A fresh array of a megabyte or more is new memory from the OS, and touching it page-faults: at
    256 x 1024 that costs more than the arithmetic. Only temporaries that never leave this module use it.
    """
    held = getattr(_scratch, "arrays", None)
    if held is None or held[0].shape != shape:
        held = _scratch.arrays = [np.empty(shape, np.float32) for _ in range(n)]
    return held


def _rational32(x, alpha, beta, bound):
    """``x P(x^2) / Q(x^2)`` in float32 with x clamped to ``[-bound, bound]``, Q made monic: a new array."""
    xc, t, q = _workspace(x.shape, 3)
    np.clip(x, np.float32(-bound), np.float32(bound), out=xc)   # one pass; minimum then maximum take two
    np.multiply(xc, xc, out=t)
    lead = beta[-1]
    p = _horner(t, [np.float32(a / lead) for a in alpha], np.empty_like(x))
    _horner(t, [np.float32(b / lead) for b in beta], q)
    p *= xc
    p /= q
    return p


def erf(x):
    """The error function of an array, in its float dtype (integers and float16 as float64 / float32)."""
    x = np.asarray(x)
    if x.dtype == np.float32:
        return _rational32(x, _ALPHA, _BETA, 4.0)
    if x.dtype == np.float16:
        return _rational32(x.astype(np.float32), _ALPHA, _BETA, 4.0).astype(np.float16)
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    if x.ndim == 0:
        return np.asarray(math.erf(float(x)), x.dtype)
    fast = _scipy_erf()
    if fast is not None:
        return fast(x)
    return _cody_erf(x).astype(x.dtype, copy=False)


_FOUND = []


def _scipy_erf():
    """``scipy.special.erf``, or None without scipy; looked up at the first float64 call, not at import."""
    if not _FOUND:
        try:
            from scipy.special import erf as found
        except ImportError:
            found = None
        _FOUND.append(found)
    return _FOUND[0]


# Phi(x) = 1/2 + 1/2 erf(x / sqrt 2): in float32 the 1/sqrt(2) and the 1/2 go into the coefficients
_S = 1.0 / math.sqrt(2.0)
_ALPHA_PHI = tuple(0.5 * a * _S ** (2 * k + 1) for k, a in enumerate(_ALPHA))
_BETA_PHI = tuple(b * _S ** (2 * k) for k, b in enumerate(_BETA))


def normal_cdf(x):
    """Phi(x), the standard normal CDF, as ``0.5 * (1 + erf(x / sqrt(2)))`` (the form exact GELU uses)."""
    x = np.asarray(x)
    if x.dtype == np.float32:
        p = _rational32(x, _ALPHA_PHI, _BETA_PHI, 4.0 * math.sqrt(2.0))
        p += np.float32(0.5)
        return p
    e = erf(x * _S)
    e += 1.0
    e *= 0.5
    return e
