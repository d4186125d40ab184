"""A gradient array the user holds is never changed by a later backward: the engine adds into a gradient
buffer in place only when nothing outside it can see that buffer (a ``.grad`` read, a hook, a gradient passed
to backward, a Function's backward, retain_grad all hand one out). Each case backpropagates twice (or into a
shared node) and checks what the user kept against a copy taken at once, and the gradients against torch."""
import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")

X = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], np.float32)


def leaf():
    return cr.tensor(X.copy(), requires_grad=True)


def loss(x):
    """x used three times: its .grad buffer receives three gradients in one backward."""
    return (x * 2.0).sum() + (x * x).sum() + x.exp().sum()


def torch_grad(times=1):
    t = torch.tensor(X, requires_grad=True)
    for _ in range(times):
        ((t * 2.0).sum() + (t * t).sum() + t.exp().sum()).backward()
    return t.grad.numpy()


def keep(array):
    return array, np.array(array, copy=True)


HOLD = {
    ".grad.data": lambda x: x.grad.data,
    ".grad.numpy()": lambda x: x.grad.numpy(),
    "np.asarray(.grad)": lambda x: np.asarray(x.grad),
    ".grad[0] (a view)": lambda x: x.grad[0].data,
    ".grad.reshape(-1) (a view)": lambda x: x.grad.reshape(-1).data,
    ".grad.T (a view)": lambda x: x.grad.T.data,
}


@pytest.mark.parametrize("how", HOLD)
def test_an_array_read_from_grad_is_not_changed_by_the_next_backward(how):
    x = leaf()
    loss(x).backward()
    held, before = keep(HOLD[how](x))
    loss(x).backward()
    np.testing.assert_array_equal(held, before)
    np.testing.assert_allclose(x.grad.data, torch_grad(2), rtol=1e-6)


def test_the_grad_tensor_keeps_its_identity_and_sees_the_sum():
    x = leaf()
    loss(x).backward()
    g = x.grad
    loss(x).backward()
    assert x.grad is g
    np.testing.assert_allclose(g.data, torch_grad(2), rtol=1e-6)


def test_a_leaf_hook_keeps_what_it_was_given():
    x = leaf()
    seen = []
    x.register_hook(lambda g: seen.append(keep(g.data)))
    loss(x).backward()
    loss(x).backward()
    assert len(seen) == 6
    for held, before in seen:
        np.testing.assert_array_equal(held, before)
    np.testing.assert_allclose(x.grad.data, torch_grad(2), rtol=1e-6)


def test_a_node_hook_keeps_what_it_was_given():
    x = leaf()
    y = x * 3.0
    seen = []
    y.register_hook(lambda g: seen.append(keep(g.data)))
    z = (y * 2.0) + y + y.exp()          # y's gradient arrives three times, then y's hook sees it
    z.sum().backward(retain_graph=True)
    (y * 1.0).sum().backward()
    for held, before in seen:
        np.testing.assert_array_equal(held, before)
    t = torch.tensor(X, requires_grad=True)
    ty = t * 3.0
    ((ty * 2.0) + ty + ty.exp()).sum().backward(retain_graph=True)
    (ty * 1.0).sum().backward()
    np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=1e-5)


def test_a_hook_that_returns_an_array_it_keeps():
    x = leaf()
    mine = np.ones_like(X)
    kept = mine.copy()
    x.register_hook(lambda g: cr.Tensor(mine))
    loss(x).backward()
    loss(x).backward()
    np.testing.assert_array_equal(mine, kept)
    np.testing.assert_array_equal(x.grad.data, 6 * kept)


@pytest.mark.parametrize("root", ["leaf", "x + 0", "x * 1", "x.reshape(6)"])
def test_a_gradient_passed_to_backward_is_not_changed(root):
    x = leaf()
    make = {"leaf": lambda: x, "x + 0": lambda: x + 0.0, "x * 1": lambda: x * 1.0,
            "x.reshape(6)": lambda: x.reshape(6)}[root]
    out = make()
    G = cr.tensor(np.full(out.shape, 0.5, np.float32))
    held, before = keep(G.data)
    for _ in range(3):
        make().backward(G)
    (x * 2.0).sum().backward()
    np.testing.assert_array_equal(held, before)
    np.testing.assert_allclose(x.grad.data.reshape(-1), np.full(6, 3.5, np.float32))


def test_a_gradient_passed_to_a_node_with_other_consumers_is_not_changed():
    x = leaf()
    y = x * 1.0
    G = cr.tensor(np.full(X.shape, 0.5, np.float32))
    held, before = keep(G.data)
    cr.autograd.backward([y, y * 2.0 + y], [G, G])
    np.testing.assert_array_equal(held, before)
    np.testing.assert_allclose(x.grad.data, np.full(X.shape, 2.0, np.float32))


def test_a_function_backward_that_returns_an_array_it_keeps():
    kept = {}

    class Twice(cr.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            kept["g"] = np.asarray(g.data) * 2        # the Function keeps the gradient it returns
            kept["copy"] = kept["g"].copy()
            return cr.Tensor(kept["g"])

    x = leaf()
    (Twice.apply(x) + x * 1.0 + x.exp()).sum().backward()      # x's buffer starts as the Function's array
    (x * 1.0).sum().backward()
    np.testing.assert_array_equal(kept["g"], kept["copy"])
    y = x.detach() * 1.0
    y.requires_grad_(True)
    z = Twice.apply(y)
    (z + z * 1.0).sum().backward()                               # a node slot starts as the Function's output
    np.testing.assert_array_equal(kept["g"], kept["copy"])


def test_retain_grad_keeps_what_was_read():
    x = leaf()
    y = x * 3.0
    y.retain_grad()
    (y * y).sum().backward(retain_graph=True)
    held, before = keep(y.grad.data)
    (y * y).sum().backward()
    np.testing.assert_array_equal(held, before)
    np.testing.assert_allclose(y.grad.data, 4 * 3.0 * X, rtol=1e-6)


def test_two_leaves_given_one_array_do_not_share_a_buffer():
    a, b = leaf(), leaf()
    (a + b).sum().backward()           # add hands the same upstream array to both
    ga = a.grad.data
    (a * 2.0).sum().backward()
    np.testing.assert_array_equal(b.grad.data, np.ones_like(X))
    np.testing.assert_array_equal(a.grad.data, np.full(X.shape, 3.0, np.float32))
    del ga


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad_then_accumulate_keeps_what_the_optimizer_read(set_to_none):
    w = cr.nn.Parameter(cr.tensor(X.copy()))
    opt = cr.optim.SGD([w], lr=0.1, momentum=0.9)
    loss(w).backward()
    opt.step()
    state = [v.copy() if isinstance(v, np.ndarray) else v for v in opt.state[w].values()]
    opt.zero_grad(set_to_none=set_to_none)
    loss(w).backward()
    loss(w).backward()
    for v, was in zip(opt.state[w].values(), state):
        if isinstance(v, np.ndarray):
            np.testing.assert_array_equal(v, was)
