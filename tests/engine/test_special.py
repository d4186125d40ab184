"""erf and the normal CDF behind exact GELU: accuracy against ``math.erf`` on a dense grid, tails included,
with scipy and with the NumPy-only fallback; GELU's cached backward against the composition it replaces."""
from __future__ import annotations

import math

import numpy as np
import pytest

import chainrule as cr
from chainrule.ops import elementwise as ew, special

GRID = np.concatenate([np.linspace(-7, 7, 28001), np.geomspace(1e-300, 30, 4000), -np.geomspace(1e-300, 30, 4000),
                       [0.0, -0.0, 0.46875, -0.46875, 4.0, -4.0, 6.0, 27.0, np.inf, -np.inf]])


def _ulps(got, ref, dtype):
    ref = np.asarray(ref, dtype)
    spacing = np.spacing(np.abs(ref)).astype(np.float64)
    return np.abs(got.astype(np.float64) - ref.astype(np.float64)) / np.maximum(spacing, np.finfo(dtype).tiny)


@pytest.fixture(params=["scipy", "numpy"])
def backend(request, monkeypatch):
    if request.param == "scipy":
        pytest.importorskip("scipy.special", reason="scipy not installed")
    else:
        monkeypatch.setattr(special, "_FOUND", [None])
    return request.param


def test_float64_erf_is_within_4_ulp_of_math_erf(backend):
    ref = [math.erf(v) for v in GRID]
    assert _ulps(special.erf(GRID), ref, np.float64).max() <= 4


def test_float64_fallback_agrees_with_scipy():
    scipy_special = pytest.importorskip("scipy.special", reason="scipy not installed")
    ref = scipy_special.erf(GRID)
    assert _ulps(special._cody_erf(GRID), ref, np.float64).max() <= 6


def test_float32_erf_is_within_5_ulp_and_keeps_float32():
    x = GRID.astype(np.float32)
    got = special.erf(x)
    assert got.dtype == np.float32
    assert _ulps(got, [math.erf(float(v)) for v in x], np.float32).max() <= 5


def test_erf_of_nan_integers_and_scalars():
    assert np.isnan(special.erf(np.array([np.nan, 1.0]))[0])
    assert special.erf(np.array([1, 2])).dtype == np.float64
    assert float(special.erf(np.float64(0.5))) == math.erf(0.5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_normal_cdf_is_half_one_plus_erf(dtype):
    x = GRID.astype(dtype)
    ref = np.array([0.5 * (1 + math.erf(float(v) / math.sqrt(2))) for v in x])
    tol = 4 * np.finfo(dtype).eps / 2                     # a few ulp of 1/2
    np.testing.assert_allclose(special.normal_cdf(x), ref, rtol=0, atol=tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gelu_cached_backward_equals_the_composition(dtype):
    x = np.random.default_rng(0).standard_normal((17, 9)).astype(dtype) * 3
    g = np.random.default_rng(1).standard_normal(x.shape).astype(dtype)

    def grads(fn):
        t = cr.tensor(x, requires_grad=True)
        y = fn(t)
        y.backward(g)
        return y.data, t.grad.data

    fused = grads(lambda t: cr.nn.functional.gelu(t))
    composed = grads(lambda t: t * (0.5 * (1 + ew.erf(t * (1 / math.sqrt(2))))))
    tol = 1e-6 if dtype == np.float32 else 1e-13
    for a, b in zip(fused, composed):
        assert a.dtype == dtype
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def test_gelu_and_erf_pass_gradcheck_and_second_derivatives():
    x = cr.tensor(np.linspace(-3, 3, 7), dtype=np.float64, requires_grad=True)
    assert cr.gradcheck(lambda t: cr.nn.functional.gelu(t), (x,))
    assert cr.gradcheck(lambda t: cr.erf(t), (x,))
    (g,) = cr.grad(cr.nn.functional.gelu(x).sum(), x, create_graph=True)
    (h,) = cr.grad(g.sum(), x)
    xs = x.data
    pdf = np.exp(-xs * xs / 2) / math.sqrt(2 * math.pi)
    np.testing.assert_allclose(h.data, pdf * (2 - xs * xs), rtol=1e-10)
