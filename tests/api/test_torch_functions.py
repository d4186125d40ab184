"""PyTorch's tensor functions added to chainrule, called as a PyTorch user does (function and method forms),
compared with torch itself: values, dtypes, return types and which outputs carry gradients."""
import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")

X = np.array([[0.3, -1.2, 2.5, 0.7], [-0.4, 1.9, -2.6, 0.1], [1.1, 0.0, -0.8, 3.3]])


def both(a, requires_grad=True):
    return cr.tensor(a, requires_grad=requires_grad), torch.tensor(a, requires_grad=requires_grad)


def same(ours, theirs):
    """Same values and dtype."""
    expected = theirs.detach().numpy()
    assert ours.dtype == expected.dtype, (ours.dtype, expected.dtype)
    np.testing.assert_allclose(ours.data, expected, rtol=1e-12, atol=1e-12)


UNARY = ["sin", "cos", "atan", "sinh", "cosh", "expm1", "square", "floor", "ceil", "round", "trunc"]


@pytest.mark.parametrize("name", UNARY)
def test_unary_function_and_method(name):
    x, t = both(X)
    same(getattr(cr, name)(x), getattr(torch, name)(t))
    same(getattr(x, name)(), getattr(t, name)())


@pytest.mark.parametrize("name", ["log1p", "log2", "log10", "rsqrt", "reciprocal"])
def test_unary_positive_domain(name):
    x, t = both(np.abs(X) + 0.5)
    same(getattr(x, name)(), getattr(t, name)())


@pytest.mark.parametrize("name", ["asin", "acos", "atanh", "tan"])
def test_unary_unit_domain(name):
    x, t = both(X / 4)
    same(getattr(cr, name)(x), getattr(torch, name)(t))


def test_round_decimals_is_keyword_only_and_halves_go_to_even():
    a = np.array([0.5, 1.5, 2.5, -0.5, 1.2345])
    x, t = both(a)
    same(cr.round(x), torch.round(t))
    same(x.round(decimals=2), t.round(decimals=2))
    with pytest.raises(TypeError):
        cr.round(x, 2)


@pytest.mark.parametrize("name", ["floor", "ceil", "round", "trunc"])
def test_rounding_has_zero_gradient_and_keeps_integers(name):
    x, t = both(X)
    getattr(x, name)().sum().backward()
    getattr(t, name)().sum().backward()
    np.testing.assert_array_equal(x.grad.data, t.grad.numpy())
    ints = cr.tensor([3, -2, 7])
    same(getattr(ints, name)(), getattr(torch.tensor([3, -2, 7]), name)())


@pytest.mark.parametrize("name", ["isnan", "isinf", "isfinite"])
def test_value_tests_are_boolean_and_not_differentiable(name):
    a = np.array([1.0, np.nan, np.inf, -np.inf, 0.0])
    x, t = both(a)
    out = getattr(x, name)()
    same(out, getattr(t, name)())
    assert out.dtype == np.bool_ and not out.requires_grad and out.grad_fn is None
    same(getattr(cr, name)(cr.tensor([1, 2])), getattr(torch, name)(torch.tensor([1, 2])))


@pytest.mark.parametrize("name", ["atan2", "logaddexp"])
def test_binary_function_and_method(name):
    x, t = both(X)
    y, u = both(X[::-1].copy() + 0.25)
    same(getattr(cr, name)(x, y), getattr(torch, name)(t, u))
    out, ref = getattr(x, name)(y), getattr(t, name)(u)
    same(out, ref)
    out.sum().backward()
    ref.sum().backward()
    np.testing.assert_allclose(y.grad.data, u.grad.numpy(), rtol=1e-12)


def test_pow_function_and_method():
    x, t = both(np.abs(X) + 0.1)
    same(x.pow(3), t.pow(3))
    same(cr.pow(x, 0.5), torch.pow(t, 0.5))
    same(cr.pow(2.0, x), torch.pow(2.0, t))
