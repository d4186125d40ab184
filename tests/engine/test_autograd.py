"""Semantics of tensors and backward: accumulation, freeing, hooks, grad modes, higher order, custom gates."""
import gc
import weakref

import numpy as np
import pytest

import chainrule as cr
from chainrule.errors import ShapeError


def test_python_numbers_become_float32_and_arrays_keep_their_dtype():
    assert cr.tensor(1.5).dtype == np.float32
    assert cr.tensor([[1.0, 2.0]]).dtype == np.float32
    assert cr.tensor(np.zeros(2, dtype=np.float64)).dtype == np.float64
    assert cr.tensor([1, 2]).dtype == np.int64
    cr.set_default_dtype(np.float64)
    assert cr.tensor(1.5).dtype == np.float64


def test_integer_tensors_cannot_require_grad():
    with pytest.raises(TypeError, match="floating"):
        cr.tensor([1, 2], requires_grad=True)


def test_float32_stays_float32_through_ops_with_python_scalars():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = ((x * 2.5 + 1) / 3.0 - 0.5) ** 2
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32


def test_backward_on_non_scalar_needs_a_gradient():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="gradient"):
        (x * 2).backward()


def test_gradients_accumulate_across_backward_calls_and_reset_with_none():
    x = cr.tensor(2.0, requires_grad=True)
    (x * x).backward()
    (x * x).backward()
    assert x.grad.item() == 8.0
    x.grad = None
    (x * 3).backward()
    assert x.grad.item() == 3.0


def test_second_backward_through_a_freed_graph_is_an_error():
    x = cr.tensor(2.0, requires_grad=True)
    y = (x * x).exp()
    y.backward()
    with pytest.raises(RuntimeError, match="freed"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = cr.tensor(2.0, requires_grad=True)
    y = x * x
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.item() == 8.0


def test_no_grad_builds_no_graph_and_enable_grad_reenables():
    x = cr.tensor(1.0, requires_grad=True)
    with cr.no_grad():
        y = x * 2
        with cr.enable_grad():
            z = x * 2
    assert y.grad_fn is None and not y.requires_grad
    assert z.grad_fn is not None


def test_inplace_add_in_a_graph_matches_out_of_place():
    a = cr.tensor([1.0, 2.0], requires_grad=True)
    b = cr.tensor([3.0, 4.0], requires_grad=True)
    c = a * 1.0
    c += b * b
    c.sum().backward()
    np.testing.assert_array_equal(a.grad.data, [1, 1])
    np.testing.assert_array_equal(b.grad.data, [6, 8])


def test_inplace_without_grad_mutates_the_array():
    w = cr.tensor([1.0, 2.0], requires_grad=True)
    before = w.data
    with cr.no_grad():
        w -= 0.5
    assert w.data is before and w.is_leaf
    np.testing.assert_array_equal(w.data, [0.5, 1.5])


def test_comparisons_are_non_differentiable_boolean_tensors():
    x = cr.tensor([1.0, -1.0], requires_grad=True)
    m = x > 0
    assert m.dtype == bool and not m.requires_grad


def test_reflected_operators_with_numbers_and_arrays():
    x = cr.tensor([1.0, 2.0], dtype=np.float64, requires_grad=True)
    y = 2.0 - x + np.array([1.0, 1.0]) * x + 1 / x + 2 ** x
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, -1 + 1 - 1 / x.data ** 2 + np.log(2) * 2 ** x.data)


def test_hooks_see_and_can_replace_the_gradient():
    x = cr.tensor(3.0, requires_grad=True)
    y = x * 2
    seen = []
    y.register_hook(lambda g: seen.append(g.item()))
    x.register_hook(lambda g: g * 10)
    (y * 5).backward()
    assert seen == [5.0]
    assert x.grad.item() == 100.0


def test_grad_returns_gradients_without_touching_dot_grad():
    x = cr.tensor(3.0, requires_grad=True)
    y = x ** 3
    (g,) = cr.grad(y, x)
    assert g.item() == pytest.approx(27.0) and x.grad is None


def test_second_derivative_of_sum_of_cubes_is_6x():
    x = cr.tensor([1.0, -2.0, 0.5], dtype=np.float64, requires_grad=True)
    (g,) = cr.grad((x ** 3).sum(), x, create_graph=True)
    np.testing.assert_allclose(g.data, 3 * x.data ** 2)
    (h,) = cr.grad(g.sum(), x)
    np.testing.assert_allclose(h.data, 6 * x.data)


@pytest.mark.parametrize("fn,d2", [
    (lambda x: x.exp(), lambda x: np.exp(x)),
    (lambda x: x.tanh(), lambda x: -2 * np.tanh(x) * (1 - np.tanh(x) ** 2)),
    (lambda x: x.sigmoid(), lambda x: (s := 1 / (1 + np.exp(-x))) * (1 - s) * (1 - 2 * s)),
    (lambda x: (x * x).log(), lambda x: -2 / x ** 2),
    (lambda x: cr.nn.functional.softplus(x), lambda x: (s := 1 / (1 + np.exp(-x))) * (1 - s)),
])
def test_second_derivatives_of_unary_ops(fn, d2):
    x = cr.tensor([0.3, -1.2, 0.8], dtype=np.float64, requires_grad=True)
    (g,) = cr.grad(fn(x).sum(), x, create_graph=True)
    (h,) = cr.grad(g.sum(), x)
    np.testing.assert_allclose(h.data, d2(x.data), rtol=1e-7)


def test_second_derivative_through_cross_entropy_matches_numerical():
    rng = np.random.default_rng(0)
    s = cr.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    t = np.array([1, 0, 3])
    v = rng.standard_normal((3, 4))

    def hvp(scores):
        (g,) = cr.grad(cr.nn.functional.cross_entropy(scores, t), scores, create_graph=True)
        return (g * v).sum()
    assert cr.gradcheck(hvp, [s])


def cube_gate(slope):
    """A custom gate for x**3 whose backward multiplies by ``slope * x**2`` (correct only for slope 3)."""
    class Cube(cr.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return cr.tensor(x.data ** 3)

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * slope * x.data ** 2
    return Cube


def test_custom_function_with_correct_backward_passes_gradcheck():
    x = cr.tensor([0.5, -1.5], dtype=np.float64, requires_grad=True)
    assert cr.gradcheck(cube_gate(3).apply, [x])


def test_custom_function_with_wrong_backward_is_caught_by_gradcheck():
    x = cr.tensor([0.5, -1.5], dtype=np.float64, requires_grad=True)
    with pytest.raises(cr.GradcheckError, match="input 0"):
        cr.gradcheck(cube_gate(2).apply, [x])  # wrong: d/dx x^3 = 3x^2


def test_gradcheck_warns_on_float32_and_near_kinks():
    with pytest.warns(UserWarning, match="float64"):
        cr.gradcheck(lambda x: x * 2, [cr.tensor([1.0], requires_grad=True)], atol=1e-2, rtol=1e-2)
    with pytest.warns(cr.KinkWarning):
        try:
            cr.gradcheck(lambda x: x.relu(), [cr.tensor([1e-7], dtype=np.float64, requires_grad=True)])
        except cr.GradcheckError:
            pass


def test_numerical_grad_with_upstream_matches_backward():
    x = cr.tensor(np.random.default_rng(0).standard_normal((3, 2)), requires_grad=True)
    up = np.random.default_rng(1).standard_normal((3, 2))
    (num,) = cr.numerical_grad(lambda t: t.tanh() * 3, [x], upstream=up)
    (x.tanh() * 3).backward(up)
    assert cr.rel_error(num, x.grad.data) < 1e-7


def test_detect_anomaly_names_the_op_forward_and_backward():
    x = cr.tensor([0.0, 1.0], requires_grad=True)
    with cr.detect_anomaly():
        with pytest.raises(cr.AnomalyError, match="log"):
            x.log()
    y = cr.tensor([0.0, 1.0], requires_grad=True)
    z = y.sqrt()  # sqrt(0) = 0 is finite; its gradient 1/(2*0) is not
    with cr.detect_anomaly():
        with pytest.raises(cr.AnomalyError, match="sqrt backward"):
            z.sum().backward()


def test_shape_errors_name_the_op_and_both_shapes():
    a = cr.randn(64, 3072)
    b = cr.randn(3000, 100)
    with pytest.raises(ShapeError, match=r"matmul: \(64, 3072\) @ \(3000, 100\): inner sizes 3072 and 3000 differ"):
        a @ b


def test_gradient_shape_invariant_is_enforced():
    class WrongShape(cr.Function):
        @staticmethod
        def forward(ctx, x):
            return cr.tensor(x.data * 2)

        @staticmethod
        def backward(ctx, g):
            return np.ones(5)

    x = cr.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ShapeError, match=r"WrongShape backward produced a gradient of shape \(5,\)"):
        WrongShape.apply(x).sum().backward()


def test_two_leaves_never_share_a_gradient_buffer():
    a = cr.tensor([1.0, 2.0], requires_grad=True)
    b = cr.tensor([1.0, 2.0], requires_grad=True)
    (a + b).sum().backward()
    assert not np.shares_memory(a.grad.data, b.grad.data)
    a.grad.data += 1
    np.testing.assert_array_equal(b.grad.data, [1, 1])


def test_deep_graph_of_100000_ops_backpropagates_without_recursion():
    x = cr.tensor(1.0, dtype=np.float64, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.backward()
    assert x.grad.item() == 1.0


def test_no_reference_cycle_keeps_a_graph_alive():
    gc.disable()
    try:
        x = cr.tensor(np.ones(1000), requires_grad=True)
        y = (x * 2).exp().sum()
        ref = weakref.ref(y.grad_fn)
        inner = weakref.ref(y.grad_fn.inputs[0])
        del y
        assert ref() is None and inner() is None  # freed by reference counting alone
    finally:
        gc.enable()


def test_backward_releases_saved_buffers():
    x = cr.tensor(np.ones(1000), requires_grad=True)
    h = (x * 2).exp()
    saved = weakref.ref(h.grad_fn)
    y = h.sum()
    y.backward()
    assert saved().ans is None and saved().args is None


def test_memory_of_matmul_backward_is_a_small_multiple_of_the_inputs():
    """x (64, 4096) @ W (4096, 4096): the Jacobian would be 275 GB; backward allocates about one W."""
    import tracemalloc
    x = cr.randn(64, 4096)
    W = cr.randn(4096, 4096, requires_grad=True)
    y = x @ W
    upstream = np.ones(y.shape, dtype=np.float32)
    tracemalloc.start()
    y.backward(upstream)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    inputs = x.data.nbytes + W.data.nbytes
    assert peak < 1.5 * inputs, (peak, inputs)
    assert W.grad.shape == W.shape


def test_accumulation_keeps_the_gradient_object_the_user_holds():
    w = cr.tensor([1.0, 2.0], requires_grad=True)
    (w * 3).sum().backward()
    held = w.grad
    (w * w).sum().backward()
    assert w.grad is held                                      # PyTorch accumulates into the same tensor
    np.testing.assert_array_equal(held.data, [5, 7])


def test_accumulation_never_writes_into_an_array_someone_else_holds():
    w = cr.tensor([1.0, 2.0], requires_grad=True)
    upstream = np.array([3.0, 3.0], dtype=np.float32)
    (w + 0).backward(upstream)                                 # the add gate hands `upstream` itself to w
    (w * w).sum().backward()
    np.testing.assert_array_equal(upstream, [3, 3])            # the caller's gradient is never changed
    np.testing.assert_array_equal(w.grad.data, [5, 7])


def test_fan_out_through_shared_upstream_buffers_sums_correctly():
    x = cr.tensor([1.0, -2.0], dtype=np.float64, requires_grad=True)
    a = x * 3
    b = a + a          # add gate: the same upstream buffer reaches a twice
    c = b + a + x      # and a third time, plus x directly
    (c * c).sum().backward()
    np.testing.assert_allclose(x.grad.data, 2 * (10 * x.data) * 10)


def test_tensor_html_repr_shows_shape_dtype_grad_fn_and_values():
    x = cr.tensor([[1.0, 2.0]], requires_grad=True, name="x<1>")
    y = x * 3
    html = y._repr_html_()
    assert "shape (1, 2)" in html and "float32" in html and "grad_fn mul" in html and "3., 6." in html
    assert "x&lt;1&gt;" in x._repr_html_()  # names are escaped


def test_grad_touches_no_grad_attribute_and_runs_leaf_hooks_like_backward():
    x = cr.tensor(2.0, requires_grad=True)
    x.register_hook(lambda g: g * 10)
    q = x * 3
    q.retain_grad()
    f = q * q
    (g,) = cr.grad(f, x, retain_graph=True)
    assert q.grad is None and x.grad is None
    f.backward()
    assert g.item() == x.grad.item() == 360.0


def test_numpy_float64_scalars_do_not_upcast_float32_tensors():
    x = cr.ones(3, requires_grad=True)
    y = x / np.float64(2) + np.float64(1) * x
    assert y.dtype == np.float32


def test_shape_methods_follow_pytorch():
    x = cr.randn(2, 3, 4, requires_grad=True)
    assert x.transpose(0, 2).shape == (4, 3, 2)          # two axes: a swap, as torch.transpose
    assert x.permute(2, 0, 1).shape == (4, 2, 3) and x.permute((2, 0, 1)).shape == (4, 2, 3)
    assert x.flatten().shape == (24,) and x.flatten(1).shape == (2, 12)
    assert x.reshape(6, 4).shape == x.view((6, 4)).shape == (6, 4)
    assert x.unsqueeze(1).shape == (2, 1, 3, 4) and x.unsqueeze(1).squeeze(1).shape == (2, 3, 4)
    assert x[:, :1].expand(-1, 5, -1).shape == (2, 5, 4)
    assert x.T.shape == (4, 3, 2)
    y = x.transpose(0, 2).permute(1, 0, 2).flatten()
    y.backward(np.arange(24, dtype=np.float32))
    np.testing.assert_array_equal(x.grad.data.transpose(2, 1, 0).transpose(1, 0, 2).reshape(-1), np.arange(24))


def test_a_nodes_vjps_are_its_inputs_gradients_and_change_nothing():
    x = cr.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = cr.tensor([10.0, 20.0], requires_grad=True)          # broadcast: its gradient is summed over rows
    z = x * y
    seen = []
    z.register_hook(lambda g: seen.append(g))
    up = np.array([[1.0, 0.5], [2.0, 1.0]], np.float32)
    gx, gy = z.grad_fn.vjps(up)
    np.testing.assert_array_equal(gx, up * y.data)
    np.testing.assert_array_equal(gy, (up * x.data).sum(axis=0))
    assert x.grad is None and y.grad is None and seen == []
    assert (x * 2.0).grad_fn.vjps(up)[1] is None                # a constant gets no gradient
