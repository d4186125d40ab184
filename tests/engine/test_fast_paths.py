"""The engine's fast paths give exactly what the plain paths give.

- A number beside a float tensor is handed to NumPy as a 0-d array of the tensor's dtype (faster in every
  ufunc); values, dtypes and warnings must equal NumPy's own weak-scalar rule (NEP 50) bit for bit.
- Backward visits nodes newest first; a node must see the complete gradient of every consumer however the
  graph interleaves branches.
"""
from __future__ import annotations

import operator
import os
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import chainrule as cr

BINARY = {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv,
          "pow": operator.pow}
FLOATS = [np.float16, np.float32, np.float64]


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("dtype", FLOATS)
@given(data=st.data())
@settings(max_examples=25, deadline=None)
def test_tensor_and_python_number_match_numpy_bit_for_bit(name, dtype, data):
    fn = BINARY[name]
    a = data.draw(hnp.arrays(dtype, hnp.array_shapes(max_dims=2, max_side=4),
                             elements=st.floats(0.25, 4, width=16)))
    c = data.draw(st.one_of(st.floats(-3, 3, allow_nan=False), st.integers(-3, 3)))
    for left in (True, False):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = fn(a, c) if left else fn(c, a)
            got = (fn(cr.Tensor(a), c) if left else fn(c, cr.Tensor(a))).data
        assert got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected)


def test_a_number_that_overflows_the_dtype_warns_as_numpy_does():
    a = np.ones(3, np.float32)
    with pytest.warns(RuntimeWarning, match="overflow"):
        expected = a * 1e300
    with pytest.warns(RuntimeWarning, match="overflow"):
        got = (cr.Tensor(a) * 1e300).data
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("constant", [2.5, 3, np.float64(2.5), np.float32(2.5)])
def test_constants_keep_float32_and_get_no_gradient(constant):
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = (x * constant + constant) / constant - constant
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.data, [1.0, 1.0], rtol=1e-6)


def test_an_integer_tensor_with_a_number_promotes_as_pytorch():
    """Off the fast path: int64 * 1.5 is the default float dtype (float32), int64 * 2 stays int64."""
    i = cr.Tensor(np.arange(3))
    assert (i * 1.5).dtype == np.float32
    assert (i * 2).dtype == np.int64


def test_a_number_becomes_no_shared_state_between_calls():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3.0
    z = x * 3.0
    (y * z).sum().backward()                      # d/dx (3x)(3x) = 18x
    np.testing.assert_allclose(x.grad.data, [18.0, 36.0])


def test_backward_sees_every_consumer_before_a_node_runs():
    # a is used by three consumers created at different times, interleaved with another branch
    x = cr.tensor(2.0, dtype=np.float64, requires_grad=True)
    a = x * 3.0                                    # da/dx = 3
    b = x * x                                      # made after a, consumed before a's other users
    c = a * b
    d = a + c
    e = (d * a).sum()
    seen = []
    a.register_hook(lambda g: seen.append(float(g.data)))
    e.backward()
    # e = (a + a b) a = a^2 + a^2 b; de/da = 2a + 2ab, de/db = a^2
    av, bv = 6.0, 4.0
    assert seen == [2 * av + 2 * av * bv]           # one call, with the summed gradient
    expected = (2 * av + 2 * av * bv) * 3 + av * av * 2 * 2.0
    assert x.grad.item() == pytest.approx(expected)


def test_nodes_that_receive_no_gradient_are_not_visited():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    used = x * 2.0
    unused = (x * 5.0).exp()                       # shares the input, not part of the loss
    used.sum().backward()
    np.testing.assert_allclose(x.grad.data, [2.0, 2.0])
    assert not unused.grad_fn.freed                # never reached, so never released


def test_nodes_fed_only_by_leaves_run_last_so_parameter_gradients_come_after_the_activations():
    # loss = CE(W2 relu(W1 x)) + L2(W1, W2): the L2 node is created last, yet its parameter-sized gradient
    # must be made after the first layer's (when the activations are already freed), not before.
    cr.manual_seed(0)
    model = cr.nn.MLP(6, [5], 3)
    x = cr.Tensor(np.random.default_rng(0).standard_normal((4, 6)).astype(np.float32))
    order = []
    w1 = model[0].weight
    w1.register_hook(lambda g: order.append("W1") or None)
    loss = cr.nn.functional.cross_entropy(model(x), np.array([0, 1, 2, 1])) + cr.nn.l2_penalty(model, 0.1)
    l2_node = loss.grad_fn.inputs[1].grad_fn
    l2_node.hooks = [lambda g: order.append("L2") or None]
    loss.backward()
    assert order == ["W1", "L2", "W1"]             # first layer, then the penalty, whose output feeds W1 again


def test_the_first_layer_and_the_penalty_are_numbered_below_every_other_node():
    cr.manual_seed(0)
    model = cr.nn.MLP(6, [5], 3)
    x = cr.Tensor(np.ones((2, 6), np.float32))
    h = model[0](x)                                # inputs: a constant batch and two leaves
    s = model[2](model[1](h))
    assert h.grad_fn.seq < 0 < s.grad_fn.seq
    assert cr.nn.l2_penalty(model, 0.1).grad_fn.seq < h.grad_fn.seq


def test_cached_constants_are_read_only_and_keep_the_sign_of_zero():
    from chainrule.ops.registry import _constant
    a = np.ones(2, np.float32)
    half = _constant(0.5, a)
    assert half is _constant(0.5, a) and not half.flags.writeable      # converted once, shared, never written
    assert _constant(0.5, np.ones(2)).dtype == np.float64              # one entry per dtype
    x = cr.Tensor(np.array([1.0, -1.0], np.float32))
    np.testing.assert_array_equal(np.signbit((x * -0.0).data), np.signbit(np.array([1.0, -1.0], np.float32) * -0.0))
    np.testing.assert_array_equal(np.signbit((x * 0.0).data), np.signbit(np.array([1.0, -1.0], np.float32) * 0.0))
    assert np.isnan((x * float("nan")).data).all()


@given(data=st.data())
@settings(max_examples=int(os.environ.get("CHAINRULE_FUZZ_EXAMPLES", 60)), deadline=None)
def test_random_graphs_get_the_numerical_gradient(data):
    """Random DAGs (values reused by later ops, branches of every length, some values left out of the loss)
    exercise every path of the traversal: the heap, a chain's next node, fan-out and fan-in."""
    n_leaves = data.draw(st.integers(1, 3))
    plan = data.draw(st.lists(st.tuples(st.sampled_from(["add", "mul", "sub", "tanh", "scale"]),
                                        st.integers(0, 10**6), st.integers(0, 10**6)), min_size=1, max_size=12))
    picks = data.draw(st.lists(st.integers(0, 10**6), min_size=1, max_size=4))
    values = [np.random.default_rng(i).uniform(-1, 1, 3) for i in range(n_leaves)]

    def f(*leaves):
        pool = list(leaves)
        for op, i, j in plan:
            a, b = pool[i % len(pool)], pool[j % len(pool)]
            pool.append({"add": lambda: (a + b) * 0.5, "mul": lambda: a * b, "sub": lambda: (a - b) * 0.5,
                         "tanh": lambda: a.tanh(), "scale": lambda: a * 0.5}[op]())   # every value in [-1, 1]
        total = pool[-1].sum()
        for k in picks:
            total = total + pool[k % len(pool)].sum()
        return total

    leaves = [cr.tensor(v, dtype=np.float64, requires_grad=True) for v in values]
    f(*leaves).backward()
    expected = cr.numerical_grad(f, [cr.tensor(v, dtype=np.float64) for v in values])
    for leaf, e in zip(leaves, expected):
        got = np.zeros(3) if leaf.grad is None else leaf.grad.data        # a leaf the loss never reached
        np.testing.assert_allclose(got, e, rtol=1e-6, atol=1e-8)


def test_a_node_with_an_older_and_a_newer_input_runs_the_newer_first():
    # c = a * tanh(a): the second input of c is newer than the first and consumes it, so it must run first
    x = cr.tensor([0.3, -0.7], dtype=np.float64, requires_grad=True)
    a = x * 2.0 + 1.0
    c = a * a.tanh()
    c.sum().backward()
    av = x.data * 2 + 1
    expected = 2 * (np.tanh(av) + av * (1 - np.tanh(av) ** 2))
    np.testing.assert_allclose(x.grad.data, expected, rtol=1e-12)


def test_a_range_in_an_index_acts_as_its_arange():
    """``x[range(N), y]`` (the lecture's way to pick each row's score) is read as ``np.arange``: same values
    and gradients, negative steps included."""
    a = np.arange(20.0).reshape(4, 5)
    y = np.array([0, 3, 3, 1])
    for index, ref in [((range(4), y), (np.arange(4), y)), (range(3, -1, -2), np.arange(3, -1, -2)),
                       ((range(1, 4), 2), (np.arange(1, 4), 2))]:
        x = cr.tensor(a, requires_grad=True)
        x2 = cr.tensor(a, requires_grad=True)
        out, expect = x[index], x2[ref]
        np.testing.assert_array_equal(out.data, a[ref])
        (out * out).sum().backward()
        (expect * expect).sum().backward()
        np.testing.assert_array_equal(x.grad.data, x2.grad.data)
