"""Every fused kernel equals the composition of primitive ops it replaces, in value and in gradient.

The fused ops exist for speed (fewer passes, fewer temporaries, fewer nodes); the composition is the
definition. Both are run on the same random inputs in float64 and compared, for first derivatives and
(through ``create_graph``) for second derivatives of the fused cross-entropy and linear.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import chainrule as cr
from chainrule.ops import elementwise as ew, fused, linalg, reduce as red, shape as shp

finite = st.floats(-3, 3, allow_nan=False, width=64)


def _grads(fn, arrays):
    ts = [cr.tensor(a, dtype=np.float64, requires_grad=True) for a in arrays]
    out = fn(*ts)
    upstream = np.random.default_rng(0).standard_normal(out.shape)
    out.backward(upstream)
    return out.data, [t.grad.data for t in ts]


def _same(fused_fn, composed_fn, arrays):
    value, grads = _grads(fused_fn, arrays)
    value_ref, grads_ref = _grads(composed_fn, arrays)
    np.testing.assert_allclose(value, value_ref, rtol=1e-12, atol=1e-12)
    for g, r in zip(grads, grads_ref):
        np.testing.assert_allclose(g, r, rtol=1e-10, atol=1e-12)


@given(data=st.data())
@settings(max_examples=40, deadline=None)
def test_linear_equals_matmul_plus_bias(data):
    n, d, h = (data.draw(st.integers(1, 5)) for _ in range(3))
    x, w, b = (data.draw(hnp.arrays(np.float64, s, elements=finite)) for s in ((n, d), (h, d), (h,)))
    _same(lambda x, w, b: fused.linear(x, w, b), lambda x, w, b: linalg.matmul(x, w.T) + b, [x, w, b])
    _same(lambda x, w: fused.linear(x, w), lambda x, w: linalg.matmul(x, w.T), [x, w])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("smoothing", [0.0, 0.3])
@given(data=st.data())
@settings(max_examples=20, deadline=None)
def test_cross_entropy_equals_log_softmax_and_picking(reduction, smoothing, data):
    n, c = data.draw(st.integers(1, 6)), data.draw(st.integers(1, 5))
    scores = data.draw(hnp.arrays(np.float64, (n, c), elements=finite))
    target = np.asarray(data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))

    def composed(s):
        logp = red.log_softmax(s, axis=1)
        loss = -shp.getitem(logp, index=(np.arange(n), target)) * (1 - smoothing) \
            - red.mean(logp, axis=1) * smoothing
        return red.mean(loss) if reduction == "mean" else red.sum(loss) if reduction == "sum" else loss

    _same(lambda s: fused.cross_entropy(s, target, reduction=reduction, label_smoothing=smoothing), composed,
          [scores])


@given(data=st.data())
@settings(max_examples=40, deadline=None)
def test_sumsq_equals_the_sum_of_squares_of_every_input(data):
    shapes = data.draw(st.lists(hnp.array_shapes(max_dims=3, max_side=4), min_size=1, max_size=3))
    arrays = [data.draw(hnp.arrays(np.float64, s, elements=finite)) for s in shapes]
    scale = data.draw(st.floats(0, 2))

    def composed(*xs):
        total = red.sum(xs[0] * xs[0])
        for x in xs[1:]:
            total = total + red.sum(x * x)
        return total * scale

    _same(lambda *xs: fused.sumsq(*xs, scale=scale), composed, arrays)


@given(x=hnp.arrays(np.float64, hnp.array_shapes(max_dims=3, max_side=5), elements=finite))
@settings(max_examples=40, deadline=None)
def test_relu_equals_the_max_gate_against_zero(x):
    x = np.where(x == 0, 0.5, x)                       # away from the kink, where the conventions agree
    _same(lambda t: ew.relu(t), lambda t: ew.maximum(t, np.zeros_like(x)), [x])


def test_relu_keeps_nan_and_maps_minus_infinity_to_zero():
    x = np.array([np.nan, -np.inf, np.inf, -1.0, 2.0], np.float32)
    np.testing.assert_array_equal(ew.relu(x), np.maximum(x, 0))


def test_l2_penalty_equals_lambda_times_the_sum_of_squared_weights():
    cr.manual_seed(0)
    model = cr.nn.MLP(5, [4, 3], 2, dtype=np.float64)
    weights = [p for _, p in cr.nn.regularized_parameters(model)]
    penalty = cr.nn.l2_penalty(model, 0.3)
    penalty.backward()
    fused_grads = [w.grad.data.copy() for w in weights]
    model.zero_grad()
    composed = sum(((w * w).sum() for w in weights), cr.tensor(0.0, dtype=np.float64)) * 0.3
    composed.backward()
    assert penalty.item() == pytest.approx(composed.item(), rel=1e-12)
    for g, w in zip(fused_grads, weights):
        np.testing.assert_allclose(g, w.grad.data, rtol=1e-12)
        np.testing.assert_allclose(g, 0.6 * w.data, rtol=1e-12)


@pytest.mark.parametrize("name", ["linear", "cross_entropy"])
def test_second_derivatives_of_fused_and_composed_agree(name):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 3))
    w = rng.standard_normal((2, 3))
    b = rng.standard_normal(2)
    target = np.array([0, 2, 1, 2])
    if name == "linear":
        fused_fn = lambda x, w, b: fused.linear(x, w, b).tanh().sum()                        # noqa: E731
        composed_fn = lambda x, w, b: (linalg.matmul(x, w.T) + b).tanh().sum()              # noqa: E731
        arrays = [x, w, b]
    else:
        fused_fn = lambda s: fused.cross_entropy(s * s, target)                             # noqa: E731
        composed_fn = lambda s: -red.mean(shp.getitem(red.log_softmax(s * s, axis=1),      # noqa: E731
                                                      index=(np.arange(4), target)))
        arrays = [rng.standard_normal((4, 3))]

    def second(fn):
        ts = [cr.tensor(a, requires_grad=True) for a in arrays]
        grads = cr.grad(fn(*ts), ts, create_graph=True)
        total = sum(((g * g).sum() for g in grads), cr.tensor(0.0, dtype=np.float64))
        return [g.data for g in cr.grad(total, ts)]

    for a, b_ in zip(second(fused_fn), second(composed_fn)):
        np.testing.assert_allclose(a, b_, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduce", ["sum", "mean", "none"])
def test_a_tensor_times_itself_has_the_gradient_of_two_separate_factors(dtype, reduce):
    """``x * x`` runs one VJP (2 x g); it must equal ``x * y`` with y a copy of x, summed, bit for bit."""
    a = np.random.default_rng(0).standard_normal((5, 7)).astype(dtype)
    g = np.random.default_rng(1).standard_normal((5, 7)).astype(dtype)

    def finish(t):
        return t.sum() if reduce == "sum" else t.mean() if reduce == "mean" else t

    x = cr.tensor(a, requires_grad=True)
    square = x * x
    assert square.grad_fn.name == "mul" and len(square.grad_fn.inputs) == 1
    out = finish(square)
    out.backward(None if reduce != "none" else g)
    x2, y2 = cr.tensor(a, requires_grad=True), cr.tensor(a, requires_grad=True)
    ref = finish(x2 * y2)
    ref.backward(None if reduce != "none" else g)
    assert out.data.dtype == x.grad.dtype == dtype
    np.testing.assert_array_equal(out.data, ref.data)
    np.testing.assert_array_equal(x.grad.data, x2.grad.data + y2.grad.data)


def test_a_tensor_times_itself_passes_gradcheck_and_second_derivatives():
    x = cr.tensor(np.linspace(-2, 2, 6), dtype=np.float64, requires_grad=True)
    assert cr.gradcheck(lambda t: (t * t).sum() * 0.5 + (t * t * t).mean(), (x,))
    (g,) = cr.grad((x * x).sum(), x, create_graph=True)
    (h,) = cr.grad((g * x).sum(), x)                  # d/dx sum(2 x * x) = 4 x
    np.testing.assert_allclose(h.data, 4 * x.data, rtol=1e-14)


@pytest.mark.parametrize("reduce", ["sum", "mean"])
def test_reductions_hand_float32_gradients_back_in_float32(reduce, monkeypatch):
    """No float64 detour: sum's VJP broadcasts the upstream gradient as it is (a float32 scalar stays float32)."""
    from chainrule.autograd import engine
    converted = []
    original = engine._fix_grad
    monkeypatch.setattr(engine, "_fix_grad", lambda g, var, name: converted.append(g.dtype) or original(g, var, name))
    w = cr.tensor(np.ones((3, 4), np.float32), requires_grad=True)
    loss = 0.5 * 1e-3 * getattr(w * w, reduce)() + getattr(w, reduce)()
    loss.backward()
    assert np.float64 not in converted and w.grad.dtype == np.float32


SPECIAL = np.array([-np.inf, -30.0, -2.0, -1e-8, -0.0, 0.0, 1e-8, 0.5, 3.0, 19.9, 20.1, 40.0, np.inf, np.nan])


def _where_definitions():
    """Each activation written with np.where, as PyTorch documents it: the reference its branch-free form meets."""
    sig = lambda z: 0.5 * (1 + np.tanh(0.5 * z))                                          # noqa: E731
    return {
        "leaky_relu": (lambda x, s=0.01: np.where(x > 0, x, x * s), lambda x, s=0.01: np.where(x > 0, 1, s)),
        "leaky_relu_steep": (lambda x: np.where(x > 0, x, x * 3.0), lambda x: np.where(x > 0, 1, 3.0)),
        "elu": (lambda x: np.where(x > 0, x, 1.5 * np.expm1(np.minimum(x, 0))),
                lambda x: np.where(x > 0, 1, 1.5 * np.exp(np.minimum(x, 0)))),
        "softplus": (lambda x: np.where(x > 20, x, np.logaddexp(0, x)), lambda x: np.where(x > 20, 1, sig(x))),
        "softplus_beta": (lambda x: np.where(2 * x > 5, x, np.logaddexp(0, 2 * x) / 2),
                          lambda x: np.where(2 * x > 5, 1, sig(2 * x))),
    }


OURS = {"leaky_relu": lambda t: ew.leaky_relu(t), "leaky_relu_steep": lambda t: ew.leaky_relu(t, negative_slope=3.0),
        "elu": lambda t: ew.elu(t, alpha=1.5), "softplus": lambda t: ew.softplus(t),
        "softplus_beta": lambda t: ew.softplus(t, beta=2.0, threshold=5.0)}


@pytest.mark.parametrize("name", sorted(OURS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_branch_free_activations_equal_their_np_where_definitions(name, dtype):
    forward, derivative = _where_definitions()[name]
    x = np.concatenate([SPECIAL, np.random.default_rng(0).standard_normal(200) * 4]).astype(dtype)
    g = np.random.default_rng(1).standard_normal(x.shape).astype(dtype)
    t = cr.tensor(x, requires_grad=True)
    with np.errstate(invalid="ignore", over="ignore"):
        out = OURS[name](t)
        out.backward(g)
        ref, dref = forward(x), derivative(x) * g
    assert out.dtype == t.grad.dtype == dtype
    tol = 4 * np.finfo(dtype).eps
    np.testing.assert_allclose(out.data, ref, rtol=tol, atol=tol)
    finite = ~np.isinf(x)                # at +-inf the derivative is a limit; at NaN both say the same
    np.testing.assert_allclose(t.grad.data[finite], dref[finite], rtol=tol, atol=tol)


@pytest.mark.parametrize("name", sorted(OURS))
def test_branch_free_activations_pass_gradcheck_and_second_derivatives(name):
    x = cr.tensor(np.array([-3.0, -1.2, -0.3, 0.4, 1.1, 2.9]), dtype=np.float64, requires_grad=True)
    assert cr.gradcheck(OURS[name], (x,))
    (g,) = cr.grad(OURS[name](x).sum(), x, create_graph=True)     # the tensor formulas, differentiable
    (first,) = cr.grad(OURS[name](x).sum(), x)
    np.testing.assert_allclose(g.data, first.data, rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["silu", "gelu_tanh"])
def test_activations_that_keep_a_forward_result_equal_their_formula(name, dtype):
    """silu keeps sigmoid(x), tanh-GELU keeps tanh(inner): value and gradient as the plain formula's."""
    x = np.concatenate([SPECIAL[np.isfinite(SPECIAL)], np.random.default_rng(0).standard_normal(200) * 4]).astype(dtype)
    g = np.random.default_rng(1).standard_normal(x.shape).astype(dtype)
    k = np.sqrt(2 / np.pi)
    if name == "silu":
        ours = ew.silu
        composed = lambda t: t * ew.sigmoid(t)                                                   # noqa: E731
    else:
        ours = lambda t: ew.gelu(t, approximate="tanh")                                         # noqa: E731
        composed = lambda t: t * 0.5 * (1 + ew.tanh((t + t * t * t * 0.044715) * k))            # noqa: E731
    a, b = cr.tensor(x, requires_grad=True), cr.tensor(x, requires_grad=True)
    out, ref = ours(a), composed(b)
    out.backward(g)
    ref.backward(g)
    tol = 8 * np.finfo(dtype).eps
    assert out.dtype == a.grad.dtype == dtype
    np.testing.assert_allclose(out.data, ref.data, rtol=tol, atol=tol)
    np.testing.assert_allclose(a.grad.data, b.grad.data, rtol=tol, atol=tol * np.abs(g).max())
    t = cr.tensor(x[:8].astype(np.float64), requires_grad=True)
    assert cr.gradcheck(ours, (t,))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_where_equals_np_where_bit_for_bit(dtype):
    """The branch-free select (bit masks on large float results) is np.where, NaN, inf and -0 included."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 40)).astype(dtype)
    x.reshape(-1)[:len(SPECIAL)] = SPECIAL
    y = rng.standard_normal((64, 40)).astype(dtype)
    c = rng.random((64, 40)) < 0.5
    row = rng.standard_normal((1, 40)).astype(dtype)
    for a, b in [(x, y), (x, 1.0), (0, y), (row, x), (x, np.float64(2.5)), (x, -0.0), (0.5, 0.0)]:
        got, ref = ew.where.forward(c, a, b), np.where(c, a, b)
        assert got.dtype == ref.dtype and got.shape == ref.shape
        np.testing.assert_array_equal(got.view(np.uint8), ref.view(np.uint8))
    t = cr.tensor(x, requires_grad=True)
    ew.where(c, t, 0.0).sum().backward()
    np.testing.assert_array_equal(t.grad.data, c.astype(dtype))


def _clamped_log_composed(q):
    inside = np.asarray(q.data if isinstance(q, cr.Tensor) else q) > np.exp(-100.0)
    return ew.where(inside, ew.log(ew.where(inside, q, 1.0)), -100.0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_binary_cross_entropy_equals_its_clamped_log_composition(dtype):
    """The fused elementwise BCE against ``-(y clog(p) + (1 - y) clog(1 - p))``, p = 0 and 1 included."""
    rng = np.random.default_rng(0)
    p = np.concatenate([[0.0, 1.0, 1e-45, 1 - 1e-7, 0.5], rng.uniform(0, 1, 300)]).astype(dtype)
    y = np.concatenate([[0.0, 1.0, 0.3, 1.0, 0.5], rng.uniform(0, 1, 300)]).astype(dtype)
    g = rng.standard_normal(p.shape).astype(dtype)
    a, ya = cr.tensor(p, requires_grad=True), cr.tensor(y, requires_grad=True)
    b, yb = cr.tensor(p, requires_grad=True), cr.tensor(y, requires_grad=True)
    out = fused.binary_cross_entropy(a, ya)
    ref = -(yb * _clamped_log_composed(b) + (1 - yb) * _clamped_log_composed(1 - b))
    out.backward(g)
    ref.backward(g)
    tol = 8 * np.finfo(dtype).eps
    assert out.dtype == a.grad.dtype == dtype
    np.testing.assert_allclose(out.data, ref.data, rtol=tol, atol=tol)
    for ours, theirs in ((a.grad.data, b.grad.data), (ya.grad.data, yb.grad.data)):
        np.testing.assert_allclose(ours, theirs, rtol=tol, atol=tol * np.abs(theirs).max())
    loss = cr.nn.functional.binary_cross_entropy(a, y)        # the public function takes the fused op
    assert loss.dtype == dtype and np.isfinite(loss.item())
