"""Elementwise ops, values and gradients against torch, after the op sweeps of HIPS autograd (test_numpy.py,
test_scalar_ops.py), tinygrad (test_ops.py) and MyGrad (tests/math/)."""
import numpy as np
import pytest

import chainrule as cr

from acc_helpers import arrays, check

torch = pytest.importorskip("torch")

ANY = (-2.0, 2.0)
POS = (0.2, 3.0)
UNIT = (-0.9, 0.9)
AWAY = (0.3, 2.0)  # away from kinks at 0
UNARY = [
    ("neg", lambda m, x: -x, ANY), ("exp", lambda m, x: m.exp(x), ANY), ("log", lambda m, x: m.log(x), POS),
    ("sqrt", lambda m, x: m.sqrt(x), POS), ("sin", lambda m, x: m.sin(x), ANY), ("cos", lambda m, x: m.cos(x), ANY),
    ("tan", lambda m, x: m.tan(x), UNIT), ("asin", lambda m, x: m.asin(x), UNIT),
    ("acos", lambda m, x: m.acos(x), UNIT), ("atan", lambda m, x: m.atan(x), ANY),
    ("sinh", lambda m, x: m.sinh(x), ANY), ("cosh", lambda m, x: m.cosh(x), ANY),
    ("tanh", lambda m, x: m.tanh(x), ANY), ("atanh", lambda m, x: m.atanh(x), UNIT),
    ("sigmoid", lambda m, x: m.sigmoid(x), ANY), ("relu", lambda m, x: m.relu(x), ANY),
    ("abs", lambda m, x: m.abs(x), ANY), ("log1p", lambda m, x: m.log1p(x), POS),
    ("expm1", lambda m, x: m.expm1(x), ANY), ("log2", lambda m, x: m.log2(x), POS),
    ("log10", lambda m, x: m.log10(x), POS), ("square", lambda m, x: m.square(x), ANY),
    ("rsqrt", lambda m, x: m.rsqrt(x), POS), ("reciprocal", lambda m, x: m.reciprocal(x), AWAY),
    ("floor", lambda m, x: m.floor(x), ANY), ("ceil", lambda m, x: m.ceil(x), ANY),
    ("round", lambda m, x: m.round(x), ANY), ("trunc", lambda m, x: m.trunc(x), ANY),
    ("sign", lambda m, x: m.sign(x), ANY), ("erf", lambda m, x: m.erf(x), ANY),
    ("pow_const", lambda m, x: x ** 3, ANY), ("pow_half", lambda m, x: x ** 0.5, POS),
    ("pow_neg", lambda m, x: x ** -2, AWAY), ("rpow", lambda m, x: 2.0 ** x, ANY),
    ("pow_method", lambda m, x: x.pow(2), ANY), ("add_scalar", lambda m, x: x + 3, ANY),
    ("radd_scalar", lambda m, x: 3 + x, ANY), ("rsub_scalar", lambda m, x: 3 - x, ANY),
    ("mul_scalar", lambda m, x: x * -1.5, ANY), ("rdiv_scalar", lambda m, x: 2 / x, AWAY),
    ("div_scalar", lambda m, x: x / 4, ANY), ("x_times_x", lambda m, x: x * x, ANY),
    ("x_over_x", lambda m, x: x / x, AWAY), ("x_minus_x", lambda m, x: x - x, ANY),
    ("exp_log", lambda m, x: m.exp(m.log(x)), POS), ("tanh_chain", lambda m, x: m.tanh(m.sin(x) * 2), ANY),
    ("clip", lambda m, x: m.clip(x, -1.0, 1.0), ANY), ("softplus", lambda m, x: m.nn.functional.softplus(x), ANY),
    ("silu", lambda m, x: m.nn.functional.silu(x), ANY), ("gelu", lambda m, x: m.nn.functional.gelu(x), ANY),
    ("elu", lambda m, x: m.nn.functional.elu(x), ANY),
    ("gelu_tanh", lambda m, x: m.nn.functional.gelu(x, approximate="tanh"), ANY),
    ("leaky_relu", lambda m, x: m.nn.functional.leaky_relu(x, 0.1), ANY),
    ("method_exp", lambda m, x: x.exp(), ANY), ("method_abs", lambda m, x: x.abs(), ANY),
    ("method_sigmoid", lambda m, x: x.sigmoid(), ANY), ("method_tanh", lambda m, x: x.tanh(), ANY),
]
SHAPES = [(), (5,), (3, 4), (2, 3, 2)]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name,fn,dom", UNARY, ids=[u[0] for u in UNARY])
def test_unary(name, fn, dom, shape):
    (a,) = arrays([shape], low=dom[0], high=dom[1])
    check(fn, [a], torch)


BINARY = [
    ("add", lambda m, x, y: x + y, ANY), ("sub", lambda m, x, y: x - y, ANY),
    ("mul", lambda m, x, y: x * y, ANY), ("div", lambda m, x, y: x / y, AWAY),
    ("pow", lambda m, x, y: x ** y, POS), ("maximum", lambda m, x, y: m.maximum(x, y), ANY),
    ("minimum", lambda m, x, y: m.minimum(x, y), ANY), ("atan2", lambda m, x, y: m.atan2(x, y), AWAY),
    ("logaddexp", lambda m, x, y: m.logaddexp(x, y), ANY), ("fn_pow", lambda m, x, y: m.pow(x, y), POS),
    ("max_elementwise", lambda m, x, y: m.max(x, y), ANY), ("where_gt", lambda m, x, y: m.where(x > y, x, y), ANY),
    ("mixed", lambda m, x, y: (x * y + x.exp()) / (1 + y * y), ANY),
]
BROADCAST = [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((2, 3, 4), (3, 1)), ((), (3,)), ((4,), ())]


@pytest.mark.parametrize("shapes", BROADCAST, ids=str)
@pytest.mark.parametrize("name,fn,dom", BINARY, ids=[b[0] for b in BINARY])
def test_binary_broadcast(name, fn, dom, shapes):
    a, b = arrays(shapes, low=dom[0], high=dom[1])
    check(fn, [a, b], torch)


MATMUL = [((3, 4), (4, 5)), ((4,), (4, 2)), ((3, 4), (4,)), ((4,), (4,)), ((2, 3, 4), (4, 5)),
          ((2, 3, 4), (2, 4, 2)), ((1, 3, 4), (2, 4, 2)), ((5, 2, 3), (3,))]


@pytest.mark.parametrize("shapes", MATMUL, ids=str)
def test_matmul(shapes):
    a, b = arrays(shapes)
    check(lambda m, x, y: x @ y, [a, b], torch)
    check(lambda m, x, y: m.matmul(x, y), [a, b], torch)


COMPARE = [("lt", lambda x, y: x < y), ("le", lambda x, y: x <= y), ("gt", lambda x, y: x > y),
           ("ge", lambda x, y: x >= y), ("eq", lambda x, y: x == y), ("ne", lambda x, y: x != y)]


@pytest.mark.parametrize("name,fn", COMPARE, ids=[c[0] for c in COMPARE])
def test_comparisons_are_boolean_and_constant(name, fn):
    a = np.array([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]])
    b = np.array([2.0, 2.0, 2.0])
    check(lambda m, x, y: fn(x, y), [a, b], torch, grad=False)


SPECIAL = [("pow0_at0", lambda m, x: x ** 0, [0.0, 1.0]), ("abs_at0", lambda m, x: m.abs(x), [0.0, -1.0]),
           ("relu_at0", lambda m, x: m.relu(x), [0.0, 2.0]), ("sqrt_at1", lambda m, x: m.sqrt(x), [1.0, 4.0]),
           ("sign_grad", lambda m, x: m.sign(x), [0.0, -3.0]), ("clamp_edge", lambda m, x: m.clip(x, 0.0, 1.0), [0.0, 1.0, 0.5])]


@pytest.mark.parametrize("name,fn,vals", SPECIAL, ids=[s[0] for s in SPECIAL])
def test_special_points(name, fn, vals):
    check(fn, [np.array(vals)], torch)


POW_POINTS = [("zero_base_pos_exp", [0.0, 2.0], [2.0, 3.0]), ("zero_base_zero_exp", [0.0, 0.0], [0.0, 1.0]),
              ("negative_base_int_exp", [-2.0, -1.5], [2.0, 3.0]), ("positive", [1.5, 0.5], [-1.0, 2.5])]


@pytest.mark.parametrize("name,base,exponent", POW_POINTS, ids=[p[0] for p in POW_POINTS])
def test_pow_gradients_at_special_points(name, base, exponent):
    check(lambda m, x, y: x ** y, [np.array(base), np.array(exponent)], torch)


def second_derivative(m, fn, a):
    x = m.tensor(a, requires_grad=True)
    (g,) = m.autograd.grad(fn(m, x).sum(), x, create_graph=True)
    if not g.requires_grad:      # a constant first derivative (floor, sign...) has no graph in torch
        return g, np.zeros_like(a)
    (gg,) = m.autograd.grad((g * g).sum(), x, allow_unused=True)
    return g, (np.zeros_like(a) if gg is None else gg)


@pytest.mark.parametrize("name,fn,dom", UNARY, ids=[u[0] for u in UNARY])
def test_unary_second_derivative(name, fn, dom):
    """HIPS autograd's check_grads(order=2): the gradient of a function of the gradient, against torch."""
    (a,) = arrays([(4,)], seed=9, low=dom[0], high=dom[1])
    g_c, gg_c = second_derivative(cr, fn, a)
    g_t, gg_t = second_derivative(torch, fn, a)
    np.testing.assert_allclose(g_c.data, g_t.detach().numpy(), rtol=1e-7, atol=1e-9)
    gg_c = gg_c.data if hasattr(gg_c, "data") and not isinstance(gg_c, np.ndarray) else gg_c
    gg_t = gg_t.detach().numpy(force=True) if hasattr(gg_t, "detach") else gg_t
    np.testing.assert_allclose(gg_c, gg_t, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("shapes", BROADCAST[:4], ids=str)
@pytest.mark.parametrize("name,fn,dom", BINARY, ids=[b[0] for b in BINARY])
def test_binary_second_derivative(name, fn, dom, shapes):
    a, b = arrays(shapes, seed=10, low=dom[0], high=dom[1])
    res = []
    for m in (cr, torch):
        x, y = m.tensor(a, requires_grad=True), m.tensor(b, requires_grad=True)
        gx, gy = m.autograd.grad(fn(m, x, y).sum(), [x, y], create_graph=True)
        s = (gx * gx).sum() + (gy * gy * 0.5).sum()
        outs = m.autograd.grad(s, [x, y], allow_unused=True) if s.requires_grad else (None, None)
        res.append([np.zeros_like(v) if o is None else (o.data if m is cr else o.detach().numpy(force=True))
                    for o, v in zip(outs, (a, b))])
    for o, t in zip(*res):
        np.testing.assert_allclose(o, t, rtol=1e-7, atol=1e-9)
