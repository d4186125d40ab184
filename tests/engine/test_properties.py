"""Property-based tests (hypothesis): random broadcastable shapes and axes for the engine's ops."""
import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import chainrule as cr

finite = st.floats(-3, 3, allow_nan=False, allow_infinity=False, width=64)
settings.register_profile("chainrule", deadline=None, max_examples=60)
settings.load_profile("chainrule")


@st.composite
def broadcastable_pair(draw):
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=4))
    a = draw(hnp.arrays(np.float64, shapes.input_shapes[0], elements=finite))
    b = draw(hnp.arrays(np.float64, shapes.input_shapes[1], elements=finite))
    return a, b


BINARY = {
    "add": (lambda x, y: x + y, lambda a, b: a + b),
    "sub": (lambda x, y: x - y, lambda a, b: a - b),
    "mul": (lambda x, y: x * y, lambda a, b: a * b),
    "div": (lambda x, y: x / (y * y + 1), lambda a, b: a / (b * b + 1)),
}


@given(pair=broadcastable_pair(), name=st.sampled_from(sorted(BINARY)))
def test_binary_ops_broadcast_like_numpy_and_gradients_keep_shapes(pair, name):
    a, b = pair
    ours, ref = BINARY[name]
    x = cr.tensor(a, requires_grad=True)
    y = cr.tensor(b, requires_grad=True)
    out = ours(x, y)
    np.testing.assert_allclose(out.data, ref(a, b), rtol=1e-12, atol=1e-12)
    assert x.shape == a.shape and y.shape == b.shape
    assert cr.gradcheck(ours, [x, y])


@st.composite
def array_and_axis(draw):
    arr = draw(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), elements=finite))
    axis = draw(st.one_of(st.none(), st.integers(-arr.ndim, arr.ndim - 1),
                          st.lists(st.integers(0, arr.ndim - 1), min_size=1, max_size=arr.ndim, unique=True).map(tuple)))
    return arr, axis, draw(st.booleans())


@given(data=array_and_axis(), name=st.sampled_from(["sum", "mean", "logsumexp", "var"]))
def test_reductions_match_numpy_and_gradcheck(data, name):
    a, axis, keepdims = data
    x = cr.tensor(a, requires_grad=True)
    out = getattr(x, name)(axis=axis, keepdims=keepdims)
    if name == "logsumexp":
        m = a.max(axis=axis, keepdims=True)
        ref = np.log(np.exp(a - m).sum(axis=axis, keepdims=True)) + m
        ref = ref if keepdims else (ref.reshape(()) if axis is None else np.squeeze(ref, axis=axis))
    elif name == "var":                    # unbiased, as PyTorch: N - 1 in the denominator
        assume(a.size // np.mean(a, axis=axis, keepdims=True).size > 1)
        ref = np.var(a, axis=axis, ddof=1, keepdims=keepdims)
    else:
        ref = getattr(np, name)(a, axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(out.data, ref, rtol=1e-10, atol=1e-12)
    assert cr.gradcheck(lambda t: getattr(t, name)(axis=axis, keepdims=keepdims), [x])


@given(a=hnp.arrays(np.float64, hnp.array_shapes(max_dims=3, max_side=4), elements=finite))
def test_x_plus_x_and_two_x_have_the_same_gradient(a):
    x1 = cr.tensor(a, requires_grad=True)
    x2 = cr.tensor(a, requires_grad=True)
    (x1 + x1).sum().backward()
    (2 * x2).sum().backward()
    np.testing.assert_array_equal(x1.grad.data, x2.grad.data)


@given(pair=broadcastable_pair())
def test_product_gradients_are_the_swapped_inputs(pair):
    a, b = pair
    if a.shape != b.shape:
        b = np.broadcast_to(b, np.broadcast_shapes(a.shape, b.shape)).copy()
        a = np.broadcast_to(a, b.shape).copy()
    x, y = cr.tensor(a, requires_grad=True), cr.tensor(b, requires_grad=True)
    (x * y).backward(np.ones(a.shape))
    np.testing.assert_array_equal(x.grad.data, b)
    np.testing.assert_array_equal(y.grad.data, a)


@given(x=hnp.arrays(np.float32, hnp.array_shapes(min_dims=2, max_dims=2, max_side=6),
                    elements=st.sampled_from([-1e4, -800.0, -30.0, 0.0, 30.0, 800.0, 1e4])))
def test_stable_functions_stay_finite_on_huge_float32_inputs(x):
    F = cr.nn.functional
    for fn in (F.softmax, F.log_softmax, F.sigmoid, F.softplus, F.gelu, F.tanh, F.silu,
               lambda t: F.cross_entropy(t, np.zeros(t.shape[0], dtype=np.int64))):
        t = cr.tensor(x, requires_grad=True)
        out = fn(t)
        out.backward(np.ones(out.shape, dtype=np.float32))
        assert np.all(np.isfinite(out.data)) and np.all(np.isfinite(t.grad.data))


@given(x=hnp.arrays(np.float32, hnp.array_shapes(min_dims=2, max_dims=2, max_side=6),
                    elements=st.sampled_from([-1e4, -800.0, -30.0, 0.0, 30.0, 800.0, 1e4])),
       seed=st.integers(0, 2**16))
def test_losses_and_the_remaining_activations_stay_finite_on_huge_float32_inputs(x, seed):
    """BCE with logits (also with pos_weight), BCE of sigmoid, NLL of log_softmax, the hinge loss, logsumexp
    and the activations the test above leaves out: finite values and gradients at +-1e4 in float32."""
    F = cr.nn.functional
    rng = np.random.default_rng(seed)
    y01 = rng.integers(0, 2, x.shape).astype(np.float32)
    labels = rng.integers(0, x.shape[1], x.shape[0])
    pos_weight = np.full(x.shape[1], 3.0, np.float32)
    for fn in (lambda t: F.binary_cross_entropy_with_logits(t, y01),
               lambda t: F.binary_cross_entropy_with_logits(t, y01, pos_weight=pos_weight, reduction="none"),
               lambda t: F.binary_cross_entropy(F.sigmoid(t), y01),
               lambda t: F.nll_loss(F.log_softmax(t, axis=1), labels),
               lambda t: F.cross_entropy(t, labels, label_smoothing=0.1),
               lambda t: F.multi_margin_loss(t, labels, p=2),
               lambda t: cr.logsumexp(t, axis=1),
               F.leaky_relu, F.elu, F.relu, lambda t: F.gelu(t, approximate="tanh")):
        t = cr.tensor(x, requires_grad=True)
        out = fn(t)
        assert out.dtype == np.float32
        out.backward(np.ones(out.shape, dtype=np.float32))
        assert np.all(np.isfinite(out.data)) and np.all(np.isfinite(t.grad.data))


def test_bce_with_logits_at_huge_scores_is_exact():
    """softplus(x) - y x at +-1e4: the loss is 0 when the sign is right and |x| when it is wrong; the gradient is
    sigmoid(x) - y."""
    F = cr.nn.functional
    x = cr.tensor(np.array([1e4, -1e4, 1e4, -1e4], np.float32), requires_grad=True)
    y = np.array([1, 0, 0, 1], np.float32)
    loss = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    np.testing.assert_array_equal(loss.data, [0, 0, 1e4, 1e4])
    loss.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0, 0, 1, -1])
