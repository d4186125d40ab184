"""Reductions and log-softmax without NumPy's Python wrappers give exactly what the wrapped calls give.

- ``sum`` and ``mean`` call the ufunc reduction that ``np.sum``/``np.mean`` call: bit for bit their values.
- A reduction's backward hands on one value broadcast as a read-only stride-0 view made directly.
- ``log_softmax`` keeps its exponentials and their sums, so backward needs no second ``exp``: its gradient
  equals the composition ``x - logsumexp(x)`` to rounding, and second derivatives still work.
"""
from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.ops import reduce as red, registry

AXES = [None, 0, 1, -1, (0, 1), (0, 2)]


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int32, np.bool_])
@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("keepdims", [False, True])
def test_sum_and_mean_equal_numpy_bit_for_bit(dtype, axis, keepdims):
    x = (np.random.default_rng(0).standard_normal((7, 33, 5)) * 100).astype(dtype)
    for ours, theirs in ((red.sum, np.sum), (red.mean, np.mean)):
        got, ref = ours(x, axis=axis, keepdims=keepdims), theirs(x, axis=axis, keepdims=keepdims)
        assert np.asarray(got).dtype == np.asarray(ref).dtype and np.shape(got) == np.shape(ref)
        np.testing.assert_array_equal(np.asarray(got).reshape(-1).view(np.uint8), np.asarray(ref).reshape(-1).view(np.uint8))


def test_mean_of_an_empty_tensor_is_nan_as_before():
    assert np.isnan(red.mean(np.zeros((0, 3), np.float32)))


@pytest.mark.parametrize("shape", [(), (5,), (3, 4), (0, 2)])
def test_one_value_spread_is_a_read_only_broadcast_view(shape):
    g = np.float32(2.5)
    view = registry.spread(g, shape)
    ref = np.broadcast_to(g, shape)
    assert view.shape == ref.shape and view.dtype == np.float32 and not view.flags.writeable
    np.testing.assert_array_equal(view, ref)
    rows = registry.spread(np.ones((3, 1)), (3, 4))             # more than one value: np.broadcast_to
    assert rows.shape == (3, 4) and not rows.flags.writeable


def test_a_reduction_gradient_reaches_a_leaf_as_its_own_buffer():
    w = cr.tensor(np.ones((3, 4), np.float32), requires_grad=True)
    w.sum().backward()
    assert w.grad.data.flags.writeable and w.grad.data.flags.owndata
    w.grad.data[0, 0] = 7.0                                     # the leaf's gradient is not a stride-0 view
    assert w.grad.data[1, 1] == 1.0


def _logsumexp_composition(t, axis):
    return t - red.logsumexp(t, axis=axis, keepdims=True)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,axis", [((6, 10), 1), ((6, 10), 0), ((2, 3, 4), 1), ((5,), -1), ((), -1)])
def test_log_softmax_equals_x_minus_logsumexp(dtype, shape, axis):
    rng = np.random.default_rng(1)
    x = (rng.standard_normal(shape) * 5).astype(dtype)
    g = rng.standard_normal(shape).astype(dtype)
    a, b = cr.tensor(x, requires_grad=True), cr.tensor(x, requires_grad=True)
    out, ref = red.log_softmax(a, axis=axis), _logsumexp_composition(b, axis if shape else None)
    out.backward(g)
    ref.backward(g)
    tol = 16 * np.finfo(dtype).eps
    assert out.dtype == a.grad.dtype == dtype
    np.testing.assert_allclose(out.data, ref.data, rtol=tol, atol=tol * 10)
    np.testing.assert_allclose(a.grad.data, b.grad.data, rtol=tol, atol=tol * np.abs(g).sum())


def test_log_softmax_of_large_scores_and_empty_input():
    x = cr.tensor(np.array([[-1000.0, 0.0, 1000.0]], np.float32), requires_grad=True)
    out = red.log_softmax(x, axis=1)
    out.backward(np.ones((1, 3), np.float32))
    np.testing.assert_allclose(out.data, [[-2000.0, -1000.0, 0.0]])
    np.testing.assert_allclose(x.grad.data, [[1.0, 1.0, -2.0]])
    e = cr.tensor(np.zeros((0, 3), np.float32), requires_grad=True)
    red.log_softmax(e, axis=1).sum().backward()
    assert e.grad.shape == (0, 3)


def test_log_softmax_passes_gradcheck_and_second_derivatives():
    x = cr.tensor(np.random.default_rng(2).standard_normal((3, 4)), requires_grad=True)
    assert cr.gradcheck(lambda t: red.log_softmax(t, axis=1), (x,))
    w = np.arange(12.0).reshape(3, 4)
    (g,) = cr.grad((red.log_softmax(x, axis=1) * w).sum(), x, create_graph=True)
    (h,) = cr.grad((g * g).sum(), x)
    y = cr.tensor(x.data, requires_grad=True)
    (g2,) = cr.grad((_logsumexp_composition(y, 1) * w).sum(), y, create_graph=True)
    (h2,) = cr.grad((g2 * g2).sum(), y)
    np.testing.assert_allclose(g.data, g2.data, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(h.data, h2.data, rtol=1e-10, atol=1e-12)
