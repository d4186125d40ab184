"""The lecture's four gate patterns (section 4.3) and its worked micro-examples, as named tests."""
import numpy as np
import pytest

import chainrule as cr


def scalars(**values):
    return {k: cr.tensor(v, dtype=np.float64, requires_grad=True, name=k) for k, v in values.items()}


def test_add_gate_distributes_the_upstream_gradient():
    v = scalars(x=3.0, y=-4.0)
    z = v["x"] + v["y"]
    z.backward(np.float64(5.0))
    assert v["x"].grad.item() == 5.0 and v["y"].grad.item() == 5.0


def test_mul_gate_swaps_the_inputs():
    v = scalars(x=3.0, y=-4.0)
    (v["x"] * v["y"]).backward(np.float64(2.0))
    assert v["x"].grad.item() == -8.0  # upstream 2 times the *other* input y=-4
    assert v["y"].grad.item() == 6.0


def test_copy_gate_adds_the_branch_gradients():
    x = cr.tensor(3.0, dtype=np.float64, requires_grad=True)
    z1, z2, z3 = x * 2.0, x * 5.0, x.exp()
    (z1 + z2 + z3).backward()
    assert x.grad.item() == pytest.approx(2.0 + 5.0 + np.exp(3.0))


def test_max_gate_routes_to_the_winner_only():
    v = scalars(x=4.0, y=2.0)
    cr.maximum(v["x"], v["y"]).backward(np.float64(7.0))
    assert v["x"].grad.item() == 7.0 and v["y"].grad.item() == 0.0


def test_max_gate_splits_equally_at_a_tie():
    """The documented tie rule: maximum/minimum split the gradient equally; max() splits among tied winners."""
    v = scalars(x=2.0, y=2.0)
    cr.maximum(v["x"], v["y"]).backward()
    assert v["x"].grad.item() == 0.5 and v["y"].grad.item() == 0.5
    x = cr.tensor([1.0, 3.0, 3.0, 0.0], requires_grad=True)
    x.max().backward()
    np.testing.assert_array_equal(x.grad.data, [0, 0.5, 0.5, 0])


def test_relu_passes_no_gradient_at_exactly_zero():
    x = cr.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    x.relu().sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0, 0, 1])


def test_lecture_example_f_equals_x_plus_y_times_z():
    v = scalars(x=-2.0, y=5.0, z=-4.0)
    q = v["x"] + v["y"]
    f = q * v["z"]
    q.retain_grad()
    f.backward()
    assert f.item() == -12.0
    assert q.grad.item() == -4.0                       # df/dq = z
    assert (v["x"].grad.item(), v["y"].grad.item(), v["z"].grad.item()) == (-4.0, -4.0, 3.0)


def test_lecture_sigmoid_neuron_example():
    """f(w, x) = 1 / (1 + exp(-(w0 x0 + w1 x1 + w2))) with w=(2,-3,-3), x=(-1,-2): dw = (-0.2, -0.4, 0.2)."""
    w = cr.tensor([2.0, -3.0, -3.0], dtype=np.float64, requires_grad=True)
    x = cr.tensor([-1.0, -2.0], dtype=np.float64, requires_grad=True)
    s = w[0] * x[0] + w[1] * x[1] + w[2]
    f = 1.0 / (1.0 + (-s).exp())
    f.backward()
    np.testing.assert_allclose(w.grad.data, [-0.196612, -0.393224, 0.196612], atol=1e-6)
    np.testing.assert_allclose(x.grad.data, [0.393224, -0.589836], atol=1e-6)
    w2 = cr.tensor([2.0, -3.0, -3.0], dtype=np.float64, requires_grad=True)
    (w2[0] * x.detach()[0] + w2[1] * x.detach()[1] + w2[2]).sigmoid().backward()
    np.testing.assert_allclose(w2.grad.data, w.grad.data, atol=1e-12)  # the fused sigmoid gate agrees


def test_vectorized_gradient_has_the_variables_shape():
    """Section 4.4: dL/dW of y = x @ W is x.T @ g, shape (D, H), never the (N*H) x (D*H) Jacobian."""
    x = cr.randn(8, 5, dtype=np.float64)
    W = cr.randn(5, 3, dtype=np.float64, requires_grad=True)
    g = np.random.default_rng(0).standard_normal((8, 3))
    (x @ W).backward(g)
    assert W.grad.shape == W.shape
    np.testing.assert_allclose(W.grad.data, x.data.T @ g)
    J = cr.jacobian(lambda w: x @ w, W)
    assert J.shape == (8, 3, 5, 3)
    np.testing.assert_allclose(np.einsum("nh,nhdk->dk", g, J), W.grad.data)  # VJP == g . J
