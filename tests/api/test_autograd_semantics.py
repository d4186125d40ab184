"""Autograd semantics as PyTorch's test_autograd.py states them: error classes, hook handles, grad mode."""

import numpy as np
import pytest

import chainrule as cr
from chainrule.errors import ShapeError


def test_shape_error_is_value_and_runtime_error():
    with pytest.raises(RuntimeError):
        cr.tensor(np.ones((2, 3))) + cr.tensor(np.ones((4, 5)))
    assert issubclass(ShapeError, ValueError)


def test_axis_out_of_range_is_index_error():
    with pytest.raises(IndexError):
        cr.tensor(np.ones((2, 3))).sum(axis=5)


def test_anomaly_error_is_runtime_error():
    assert issubclass(cr.AnomalyError, RuntimeError)


def test_hook_handle_remove():
    calls = []
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    handle_leaf = x.register_hook(lambda g: calls.append("leaf"))
    handle_mid = y.register_hook(lambda g: calls.append("mid"))
    y.sum().backward(retain_graph=True)
    assert sorted(calls) == ["leaf", "mid"]
    handle_leaf.remove()
    handle_mid.remove()
    calls.clear()
    y.sum().backward()
    assert calls == []


def test_no_grad_decorator_covers_generator_body():
    x = cr.tensor([1.0], requires_grad=True)

    @cr.no_grad()
    def gen():
        for _ in range(2):
            yield (x * 2).requires_grad, cr.is_grad_enabled()

    for requires_grad, enabled in gen():
        assert not requires_grad and not enabled
        assert cr.is_grad_enabled()                     # outside the body, grad mode is back on

    @cr.enable_grad()
    def gen2():
        yield cr.is_grad_enabled()

    with cr.no_grad():
        assert list(gen2()) == [True]


def test_set_grad_enabled_plain_call_and_context():
    try:
        cr.set_grad_enabled(False)
        assert not cr.is_grad_enabled()
        with cr.set_grad_enabled(True):
            assert cr.is_grad_enabled()
        assert not cr.is_grad_enabled()
    finally:
        cr.set_grad_enabled(True)
    assert cr.is_grad_enabled()

    @cr.set_grad_enabled(False)
    def f():
        return cr.is_grad_enabled()

    assert cr.is_grad_enabled() and f() is False and cr.is_grad_enabled()


def test_numpy_refuses_a_tensor_that_requires_grad():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Can't call numpy\(\) on Tensor that requires grad"):
        x.numpy()
    with pytest.raises(RuntimeError, match="requires grad"):
        (x * 2).numpy()
    np.testing.assert_array_equal(x.detach().numpy(), [1, 2])
    (x * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2, 2])


def test_grad_accumulates_into_the_tensor_the_user_holds():
    # PyTorch's AccumulateGrad adds into the existing .grad: a reference taken earlier sees the sum
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    held = x.grad
    (x * x).sum().backward()
    assert x.grad is held
    np.testing.assert_array_equal(held.numpy(), [5, 7])
    (x * x).sum().backward(create_graph=True)                  # a recorded sum is a new tensor, as in torch
    assert x.grad is not held and x.grad.requires_grad


# --- in-place changes: version counters, PyTorch's refusals, and in-place ops recorded in the graph ------

def _torch():
    return pytest.importorskip("torch")


def test_inplace_change_of_a_saved_input_is_refused_not_silently_wrong():
    for lib in (cr, _torch()):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = lib.tensor([3.0, 4.0], requires_grad=True)
        z = (x * y).sum()
        with lib.no_grad():
            x *= 2
        assert x._version == 1
        with pytest.raises(RuntimeError, match=r"modified by an inplace operation: .* is at version 1; "
                                               r"expected version 0 instead"):
            z.backward()


def test_an_input_the_backward_does_not_read_may_change():
    # add saves nothing and t * 2 reads only the 2: PyTorch backpropagates, so must chainrule
    for lib in (cr, _torch()):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = lib.tensor([3.0, 4.0], requires_grad=True)
        z = x + y
        with lib.no_grad():
            x *= 2
        t = x * 1
        u = t * 2
        t.add_(5)
        (z.sum() + u.sum() + t.sum()).backward()
        np.testing.assert_array_equal(np.asarray(x.grad), [4, 4])
        np.testing.assert_array_equal(np.asarray(y.grad), [1, 1])


def test_changing_an_output_that_its_node_kept_is_refused():
    for lib in (cr, _torch()):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        e = x.exp()
        e.add_(1)
        with pytest.raises(RuntimeError, match="output 0 of .*is at version 1; expected version 0"):
            e.sum().backward()


def test_inplace_on_a_leaf_that_requires_grad_is_refused_outside_no_grad():
    a = cr.tensor([1.0, 2.0], requires_grad=True)
    before = a
    for change in (lambda: a.add_(1), lambda: a.mul_(2), lambda: a.zero_(), lambda: a.copy_(cr.ones(2)),
                   lambda: a.clamp_(0, 1), lambda: a.__setitem__(0, 5.0), lambda: a.__iadd__(5)):
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
            change()
    with pytest.raises(RuntimeError, match="a leaf Variable"):
        a += 5
    assert a is before and a._version == 0
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
        a[:1].mul_(2)
    with cr.no_grad():                                         # how optimizers update weights
        a += 5
        a[0] = 0.0
    assert a is before and a.is_leaf and a._version == 2
    np.testing.assert_array_equal(a.detach().numpy(), [0, 7])


def test_version_counter_is_shared_by_views_and_detach():
    for lib in (cr, _torch()):
        x = lib.tensor(np.arange(6.0), requires_grad=True)
        h = x * 1
        v = h.reshape(2, 3)
        d = h.detach()
        d.add_(1)
        v[0].mul_(2)
        assert h._version == v._version == d._version == 2
        np.testing.assert_array_equal(h.detach().numpy(), [2, 4, 6, 4, 5, 6])


def test_an_optimizer_step_between_forward_and_backward_is_refused():
    w = cr.nn.Parameter(cr.tensor([1.0, 2.0]).data)
    opt = cr.optim.SGD([w], lr=0.1)
    (w * w).sum().backward()
    loss = (w * w).sum()
    opt.step()
    assert w._version == 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


INPLACE_CASES = {
    "add_ alpha": lambda lib, x, w: (x * 1).add_(w, alpha=0.5),
    "sub_": lambda lib, x, w: (x * 1).sub_(w * w),
    "mul_": lambda lib, x, w: (x * 1).mul_(w),
    "div_": lambda lib, x, w: (x * x).div_(w),
    "pow_": lambda lib, x, w: (x * 1).pow_(2),
    "clamp_": lambda lib, x, w: (x * w).clamp_(-0.5, 0.5),
    "fill_ tensor": lambda lib, x, w: (x * 1).fill_(w.sum()),
    "zero_": lambda lib, x, w: (x * 1).zero_() + w,
    "copy_ broadcast": lambda lib, x, w: (x * 1).copy_(w[0]),
    "iadd mul chain": lambda lib, x, w: _iadd_chain(x, w),
    "setitem slice": lambda lib, x, w: _setitem(x * 1, (slice(1, 3),), w[:2] * 3),
    "setitem int": lambda lib, x, w: _setitem(x * 1, 0, w[3]),
    "setitem int array": lambda lib, x, w: _setitem(x * 1, lib.tensor([0, 3]), w[1:3]),
    "setitem mask": lambda lib, x, w: _setitem(x * 1, x > 0, 2.0),
    "setitem on a leaf without grad": lambda lib, x, w: _setitem(lib.zeros(4, dtype=x.dtype), 1, w[0] * x[0]),
    "x[i] += v": lambda lib, x, w: _index_iadd(x * 1, w),
    "view mul_": lambda lib, x, w: _view_change(x * 1, w),
    "reshape view mul_": lambda lib, x, w: _reshape_view_change(x * 1, w),
    "clone": lambda lib, x, w: x.clone().mul_(w),
}


def _iadd_chain(x, w):
    h = x * 1
    h += w
    h *= w
    return h


def _setitem(t, index, value):
    t[index] = value
    return t * t


def _index_iadd(h, w):
    h[1] += w[0]
    h[2:] *= w[2:]
    return h * h


def _view_change(h, w):
    h[1:3].mul_(w[1:3])
    return h * h


def _reshape_view_change(h, w):
    v = h.reshape(2, 2)
    v[1].add_(w[:2] * w[2:])
    return h * h + v.sum()


@pytest.mark.parametrize("name", sorted(INPLACE_CASES))
def test_inplace_ops_match_torch_values_and_gradients(name):
    torch = _torch()
    f = INPLACE_CASES[name]
    rng = np.random.default_rng(3)
    xa, wa = rng.standard_normal(4), rng.standard_normal(4)
    results = []
    for lib in (cr, torch):
        x = lib.tensor(xa, requires_grad=True)
        w = lib.tensor(wa, requires_grad=True)
        out = f(lib, x, w)
        upstream = lib.tensor(np.linspace(0.5, 2, out.numel()).reshape(out.shape))
        out.backward(upstream)
        grads = [np.zeros(4) if t.grad is None else t.grad.detach().numpy().copy() for t in (x, w)]
        results.append((out.detach().numpy().copy(), grads))
    (ours, our_grads), (theirs, their_grads) = results
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)
    for g, h in zip(our_grads, their_grads):
        np.testing.assert_allclose(g, h, rtol=1e-12, atol=1e-12)


def test_clone_has_its_own_memory_and_passes_the_gradient():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    c = x.clone()
    assert c.grad_fn.name == "clone" and not np.shares_memory(c.data, x.data)
    with cr.no_grad():
        c.zero_()
    np.testing.assert_array_equal(x.detach().numpy(), [1, 2])
    (x.clone() * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3, 3])


def test_nodes_recorded_before_a_change_see_the_old_value():
    torch = _torch()
    grads = []
    for lib in (cr, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        t = x * 3
        before = t.sum() * 2         # reads t's old node
        t.mul_(t.detach() ** 2)      # t's node becomes the mul (of a fresh array)
        (before + t.sum()).backward()
        grads.append(x.grad.detach().numpy().copy())
    np.testing.assert_allclose(grads[0], grads[1])


# --- custom Functions: several outputs, saved outputs in double backward, extra None; backward over roots --

def _exp_function(lib):
    class Exp(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)                 # an output: differentiable again under create_graph
            return y

        @staticmethod
        def backward(ctx, g):
            (y,) = ctx.saved_tensors
            return g * y
    return Exp


def _sincos_function(lib, seen):
    class SinCos(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            s, c = (x * k).sin(), (x * k).cos()
            ctx.save_for_backward(s, c)
            ctx.k = k
            idx = lib.tensor([1, 2])
            ctx.mark_non_differentiable(idx)
            return s, c, idx

        @staticmethod
        def backward(ctx, gs, gc, gi):
            seen.append((tuple(ctx.needs_input_grad), gs is None, gc is None))
            s, c = ctx.saved_tensors
            return (gs * c - gc * s) * ctx.k, None, None, None     # one extra None, as torch allows
    return SinCos


def _function_results(lib):
    seen = []
    x = lib.tensor(np.array([0.3, -1.2, 2.0]), requires_grad=True)
    y = _exp_function(lib).apply(x)
    (g,) = lib.autograd.grad(y.sum(), x, create_graph=True)
    (h,) = lib.autograd.grad(g.sum(), x)                           # d2/dx2 exp = exp, through the saved output
    s, c, idx = _sincos_function(lib, seen).apply(x, 2.0)
    out = {"exp": y, "d exp": g, "d2 exp": h, "sin": s, "cos": c,
           "idx requires grad": np.asarray(idx.requires_grad)}
    s.sum().backward(retain_graph=True)                            # c unused: its gradient arrives as zeros
    out["d sum sin"] = x.grad.numpy().copy()
    x.grad = None
    (g1,) = lib.autograd.grad((s * c).sum(), x, create_graph=True)
    (g2,) = lib.autograd.grad(g1.sum(), x, retain_graph=True)
    out.update({"d sin cos": g1, "d2 sin cos": g2})
    lib.autograd.backward([s.sum(), c], [None, lib.tensor(np.linspace(1, 2, 3))])
    out["two roots"] = x.grad
    out["seen"] = np.asarray(seen[0], dtype=object)
    return {k: np.asarray(v.detach().numpy() if hasattr(v, "detach") else v) for k, v in out.items()}


def test_custom_functions_match_torch():
    torch = _torch()
    ours, theirs = _function_results(cr), _function_results(torch)
    for key in ours:
        if key == "seen":
            assert list(ours[key]) == list(theirs[key]) == [(True, False), False, False], key
        elif key == "idx requires grad":
            assert not ours[key] and not theirs[key]
        else:
            np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-12, atol=1e-12, err_msg=key)


def test_a_function_with_several_outputs_returns_them_apart():
    s, c, idx = _sincos_function(cr, []).apply(cr.tensor([0.5, 1.0], requires_grad=True), 1.0)
    assert s.shape == c.shape == (2,) and idx.dtype == np.int64
    assert s.requires_grad and c.requires_grad and not idx.requires_grad


def test_backward_must_return_a_gradient_per_input():
    class Bad(cr.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, g):
            return g, g, g                                          # a third, non-None gradient

    x = cr.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="returned 3 gradients for 2 inputs"):
        Bad.apply(x, x).sum().backward()


def test_changing_a_saved_output_of_a_function_is_refused():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = _exp_function(cr).apply(x)
    with cr.no_grad():
        y.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


# --- pow at the edges of its domain, as PyTorch -------------------------------------------------------------

POW_BASES = np.array([0.0, 0.0, 0.0, -2.0, -2.0, 2.0, 0.0, 3.0])
POW_EXPONENTS = np.array([0.0, 2.0, -1.0, 2.0, 0.5, 3.0, 0.5, 0.0])


def _pow_grads(lib):
    x = lib.tensor(POW_BASES, requires_grad=True)
    y = lib.tensor(POW_EXPONENTS, requires_grad=True)
    (x ** y).sum().backward()
    z = lib.tensor(POW_BASES, requires_grad=True)
    (z ** 0.0).sum().backward()
    e = lib.tensor(POW_EXPONENTS, requires_grad=True)
    ((-2.0) ** e + 0.0 ** e).sum().backward()
    return [t.grad.numpy() for t in (x, y, z, e)]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")       # the forward's own 0 ** -1 and (-2) ** 0.5
def test_pow_gradients_at_the_edges_known_values():
    dx, dy, dz, de = _pow_grads(cr)
    np.testing.assert_array_equal(dz, np.zeros(8))            # d/dx x ** 0 is 0, also at x = 0
    assert dx[0] == 0 and dx[7] == 0                          # y == 0
    assert np.isnan(dy[3]) and np.isnan(dy[4])                # d/dy x ** y for x < 0: NaN
    assert dy[0] == dy[1] == dy[6] == 0                       # x == 0, y >= 0: 0
    assert np.isnan(de).all()                                 # (-2) ** y: NaN everywhere


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_pow_gradients_at_the_edges_match_torch():
    torch = _torch()
    for ours, theirs in zip(_pow_grads(cr), _pow_grads(torch)):
        np.testing.assert_array_equal(ours, theirs)


# --- retain_graph, hooks, allow_unused, non-scalar backward: the same answers as torch ----------------------

def test_retain_graph_allows_a_second_backward_and_accumulates_like_torch():
    for lib in (cr, _torch()):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).exp().sum()
        y.backward(retain_graph=True)
        first = x.grad.detach().numpy().copy()
        y.backward()
        np.testing.assert_allclose(x.grad.detach().numpy(), 2 * first)
        with pytest.raises(RuntimeError):
            y.backward()                                     # the second pass freed the graph


def test_hooks_change_the_gradient_and_handles_remove_them_like_torch():
    results = []
    for lib in (cr, _torch()):
        x = lib.tensor([1.0, -2.0], requires_grad=True)
        y = x * 3
        seen = []
        h1 = y.register_hook(lambda g: g * 10)
        h2 = x.register_hook(lambda g: seen.append(g.detach().numpy().copy()))
        y.retain_grad()
        (y * y).sum().backward(retain_graph=True)
        results.append((x.grad.detach().numpy().copy(), y.grad.detach().numpy().copy(), seen[0]))
        h1.remove()
        h2.remove()
        x.grad = None
        (y * y).sum().backward()
        results.append((x.grad.detach().numpy().copy(), len(seen)))
    np.testing.assert_allclose(results[0][0], results[2][0])   # the hook's x10 reaches x.grad
    np.testing.assert_allclose(results[0][1], results[2][1])   # retain_grad keeps y's gradient before the hook
    np.testing.assert_allclose(results[0][2], results[2][2])
    np.testing.assert_allclose(results[1][0], results[3][0])   # removed: no x10, no call
    assert results[1][1] == results[3][1] == 1


def test_allow_unused_gives_none_and_refuses_without_it_like_torch():
    for lib in (cr, _torch()):
        x = lib.tensor([1.0], requires_grad=True)
        unused = lib.tensor([2.0], requires_grad=True)
        y = (x * 3).sum()
        with pytest.raises(RuntimeError):
            lib.autograd.grad(y, [x, unused], retain_graph=True)
        gx, gu = lib.autograd.grad(y, [x, unused], allow_unused=True)
        assert gu is None and float(gx.sum()) == 3.0


def test_non_scalar_backward_needs_a_gradient_of_its_shape_like_torch():
    for lib in (cr, _torch()):
        x = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        y = x * x
        with pytest.raises(RuntimeError):
            y.backward()
        with pytest.raises(RuntimeError):
            y.backward(lib.ones(3), retain_graph=True)
        y.backward(lib.tensor([[1.0, 0.0], [0.5, 2.0]]))
        np.testing.assert_allclose(x.grad.detach().numpy(), [[2, 0], [3, 16]])


def test_grad_mode_nests_and_is_restored_after_an_error():
    x = cr.tensor([1.0], requires_grad=True)
    with cr.no_grad():
        with cr.enable_grad():
            assert (x * 2).requires_grad
            with cr.set_grad_enabled(False):
                assert not (x * 2).requires_grad
        assert not (x * 2).requires_grad
    with pytest.raises(ZeroDivisionError):
        with cr.no_grad():
            1 / 0
    assert cr.is_grad_enabled() and (x * 2).requires_grad
