"""Autograd semantics after PyTorch's test/test_autograd.py (test_accumulate_grad, test_retain_grad,
test_hooks, test_grad_mode_*, test_inplace_*, test_custom_function_*, test_grad_nonleaf, test_sparse_backward...),
HIPS autograd's test_core.py / test_higher_order (grad of grad) and MyGrad's tests/test_graph_*.  Each case runs
the same story on chainrule and torch and compares what it reports."""
import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")

A = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
B = np.array([[1.0, 2.0, -1.0], [0.5, -0.5, 3.0]])


def leaves(m, *arrays):
    return [m.tensor(a, requires_grad=True) for a in arrays]


def story(fn):
    """fn(m) returns a list of arrays/tensors/numbers; both libraries must report the same."""
    ours, theirs = fn(cr), fn(torch)
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        if t is None:
            assert o is None
            continue
        o = o.data if isinstance(o, cr.Tensor) else o
        t = t.detach().numpy() if isinstance(t, torch.Tensor) else t
        np.testing.assert_allclose(np.asarray(o, dtype=float), np.asarray(t, dtype=float), rtol=1e-10, atol=1e-12)


def accumulate_twice(m):
    x, = leaves(m, A)
    (x * x).sum().backward()
    (3 * x).sum().backward()
    return [x.grad]


def retain_graph_twice(m):
    x, = leaves(m, A)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    return [x.grad]


def nonscalar_backward(m):
    x, = leaves(m, A)
    y = x * 2 + x.sin()
    y.backward(m.tensor(B))
    return [x.grad]


def grad_fn_outputs(m):
    x, y = leaves(m, A, B)
    z = (x * y + y.exp()).sum()
    gx, gy = m.autograd.grad(z, [x, y])
    return [gx, gy, x.grad, y.grad]


def grad_of_grad(m):
    x, = leaves(m, A)
    (g,) = m.autograd.grad((x ** 3).sum(), x, create_graph=True)
    (gg,) = m.autograd.grad(g.sum(), x)
    return [g, gg]


def third_derivative(m):
    x, = leaves(m, np.array([0.3, -0.7, 1.2]))
    (g,) = m.autograd.grad(m.tanh(x).sum(), x, create_graph=True)
    (gg,) = m.autograd.grad(g.sum(), x, create_graph=True)
    (ggg,) = m.autograd.grad(gg.sum(), x)
    return [g, gg, ggg]


def grad_of_grad_mixed(m):
    x, y = leaves(m, A, B)
    (gx,) = m.autograd.grad((x * x * y).sum(), x, create_graph=True)
    (gy,) = m.autograd.grad((gx * gx).sum(), y)
    return [gx, gy]


def backward_create_graph(m):
    x, = leaves(m, np.array([1.0, 2.0]))
    (x ** 4).sum().backward(create_graph=True)
    g = x.grad
    x.grad = None
    g.sum().backward()
    return [g, x.grad]


def allow_unused(m):
    x, y = leaves(m, A, B)
    gx, gy = m.autograd.grad((x * 2).sum(), [x, y], allow_unused=True)
    return [gx, gy]


def grad_outputs(m):
    x, = leaves(m, A)
    (g,) = m.autograd.grad(x * x, x, grad_outputs=m.tensor(B))
    return [g]


def hook_scales(m):
    x, = leaves(m, A)
    y = x * 2
    y.register_hook(lambda g: g * 10)
    y.sum().backward()
    return [x.grad]


def hook_removed(m):
    x, = leaves(m, A)
    y = x * 2
    h = y.register_hook(lambda g: g * 10)
    h.remove()
    y.sum().backward()
    return [x.grad]


def hook_sees_grad(m):
    x, = leaves(m, A)
    seen = []
    x.register_hook(lambda g: seen.append(g.detach().clone() if hasattr(g, "clone") else g))
    (x * m.tensor(B)).sum().backward()
    return [seen[0], x.grad]


def hook_on_leaf_changes_grad(m):
    x, = leaves(m, A)
    x.register_hook(lambda g: g + 1)
    (x * 3).sum().backward()
    return [x.grad]


def retain_grad(m):
    x, = leaves(m, A)
    y = x * x
    y.retain_grad()
    (y * 3).sum().backward()
    return [y.grad, x.grad]


def nonleaf_grad_is_none(m):
    x, = leaves(m, A)
    y = x * 2
    y.sum().backward()
    return [y.grad, x.grad]


def no_grad_result(m):
    x, = leaves(m, A)
    with m.no_grad():
        y = x * 2
    return [float(y.requires_grad), float(m.is_grad_enabled())]


def nested_modes(m):
    flags = []
    with m.no_grad():
        flags.append(m.is_grad_enabled())
        with m.enable_grad():
            flags.append(m.is_grad_enabled())
            with m.no_grad():
                flags.append(m.is_grad_enabled())
        flags.append(m.is_grad_enabled())
    flags.append(m.is_grad_enabled())
    with m.set_grad_enabled(False):
        flags.append(m.is_grad_enabled())
    flags.append(m.is_grad_enabled())
    return [float(f) for f in flags]


def no_grad_decorator(m):
    @m.no_grad()
    def f(x):
        return x * 2

    x, = leaves(m, A)
    return [float(f(x).requires_grad), float(m.is_grad_enabled())]


def no_grad_generator(m):
    @m.no_grad()
    def gen(x):
        yield x * 2
        yield x * 3

    x, = leaves(m, A)
    return [float(y.requires_grad) for y in gen(x)]


def set_grad_enabled_call(m):
    m.set_grad_enabled(False)
    try:
        x, = leaves(m, A)
        r = float((x * 2).requires_grad)
    finally:
        m.set_grad_enabled(True)
    return [r]


def detach_stops(m):
    x, = leaves(m, A)
    y = (x.detach() * x).sum()
    y.backward()
    return [x.grad]


def detach_shares_memory(m):
    x, = leaves(m, A)
    d = x.detach()
    return [float(d.requires_grad), float(d.data is not None)]


def requires_grad_propagates(m):
    x = m.tensor(A)
    y, = leaves(m, B)
    return [float((x * 2).requires_grad), float((x * y).requires_grad), float(x.is_leaf), float((x * y).is_leaf)]


def requires_grad_inplace_flag(m):
    x = m.tensor(A).requires_grad_()
    (x * x).sum().backward()
    return [x.grad]


def zero_grad_manual(m):
    x, = leaves(m, A)
    (x * 2).sum().backward()
    x.grad.zero_()
    (x * 5).sum().backward()
    return [x.grad]


def reuse_leaf_many_paths(m):
    x, = leaves(m, A)
    y = x * x + x.exp() * x - x / (1 + x * x)
    y.sum().backward()
    return [x.grad]


def diamond(m):
    x, = leaves(m, A)
    a = x * 2
    b = a.sin()
    c = a.cos()
    (b * c).sum().backward()
    return [x.grad]


def inplace_on_nonleaf(m):
    x, = leaves(m, A)
    y = x * 2
    y.add_(1)
    y.mul_(3)
    y.sum().backward()
    return [y, x.grad]


def setitem_grad(m):
    x, y = leaves(m, A, np.array([7.0, 8.0]))
    z = x * 1
    z[:, 0] = y * 2
    (z * z).sum().backward()
    return [z, x.grad, y.grad]


def clone_grad(m):
    x, = leaves(m, A)
    c = x.clone()
    (c * c).sum().backward()
    return [x.grad]


def multiple_roots(m):
    x, = leaves(m, A)
    a, b = (x * 2).sum(), (x * x).sum()
    m.autograd.backward([a, b], [m.tensor(1.0, dtype=m.float64), m.tensor(3.0, dtype=m.float64)])
    return [x.grad]


def no_grad_inplace_update(m):
    x, = leaves(m, A)
    (x * x).sum().backward()
    with m.no_grad():
        x -= 0.1 * x.grad
    return [x, x.grad]


def version_counter(m):
    x = m.tensor(A)
    v0 = x._version
    x.add_(1)
    x.mul_(2)
    return [x._version - v0, x]


STORIES = [accumulate_twice, retain_graph_twice, nonscalar_backward, grad_fn_outputs, grad_of_grad, third_derivative,
           grad_of_grad_mixed, backward_create_graph, allow_unused, grad_outputs, hook_scales, hook_removed,
           hook_sees_grad, hook_on_leaf_changes_grad, retain_grad, nonleaf_grad_is_none, no_grad_result, nested_modes,
           no_grad_decorator, no_grad_generator, set_grad_enabled_call, detach_stops, detach_shares_memory,
           requires_grad_propagates, requires_grad_inplace_flag, zero_grad_manual, reuse_leaf_many_paths, diamond,
           inplace_on_nonleaf, setitem_grad, clone_grad, multiple_roots, no_grad_inplace_update, version_counter]


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True:UserWarning")
@pytest.mark.filterwarnings("ignore:The .grad attribute of a Tensor that is not a leaf:UserWarning")
@pytest.mark.parametrize("fn", STORIES, ids=[s.__name__ for s in STORIES])
def test_story(fn):
    story(fn)


def grad_is_same_object(m):
    x, = leaves(m, A)
    (x * 2).sum().backward()
    g = x.grad
    (x * 2).sum().backward()
    return x.grad is g


def backward_twice_without_retain(m):
    x, = leaves(m, A)
    y = (x.exp() * x).sum()
    y.backward()
    y.backward()


def backward_nonscalar_without_grad(m):
    x, = leaves(m, A)
    (x * 2).backward()


def inplace_on_leaf(m):
    x, = leaves(m, A)
    x.add_(1)


def augmented_on_leaf(m):
    x, = leaves(m, A)
    x += 5


def modified_saved_tensor(m):
    x, y = leaves(m, A, B)
    z = (x * y).sum()
    with m.no_grad():
        x *= 2
    z.backward()


def modified_saved_output(m):
    x, = leaves(m, A)
    y = x.exp()
    y.add_(1)
    y.sum().backward()


def numpy_of_requires_grad(m):
    x, = leaves(m, A)
    x.numpy()


def unused_without_allow(m):
    x, y = leaves(m, A, B)
    m.autograd.grad((x * 2).sum(), [x, y])


def grad_of_no_grad_output(m):
    x, = leaves(m, A)
    with m.no_grad():
        y = (x * 2).sum()
    y.backward()


ERRORS = [backward_twice_without_retain, backward_nonscalar_without_grad, inplace_on_leaf, augmented_on_leaf,
          modified_saved_tensor, modified_saved_output, numpy_of_requires_grad, unused_without_allow,
          grad_of_no_grad_output]


@pytest.mark.parametrize("fn", ERRORS, ids=[e.__name__ for e in ERRORS])
def test_error_is_runtime_error(fn):
    with pytest.raises(RuntimeError):
        fn(torch)
    with pytest.raises(RuntimeError):
        fn(cr)


def test_grad_accumulates_into_same_tensor():
    assert grad_is_same_object(torch) and grad_is_same_object(cr)


class _Exp:
    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y


class _ScaleWithNone:
    @staticmethod
    def forward(ctx, x, k):
        ctx.k = k
        return x * k

    @staticmethod
    def backward(ctx, g):
        return g * ctx.k, None


def function_class(m, body):
    attrs = {k: v for k, v in vars(body).items() if k in ("forward", "backward")}
    return type(body.__name__, (m.autograd.Function,), attrs)


def custom_saved_output_double_backward(m):
    Exp = function_class(m, _Exp)
    x, = leaves(m, np.array([0.5, -1.0]))
    y = Exp.apply(x)
    (g,) = m.autograd.grad(y.sum(), x, create_graph=True)
    (gg,) = m.autograd.grad(g.sum(), x)
    return [y, g, gg]


def custom_two_outputs(m):
    class Two(m.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            ctx.save_for_backward(x, y)
            return x * y, x + y

        @staticmethod
        def backward(ctx, ga, gb):
            x, y = ctx.saved_tensors
            return ga * y + gb, ga * x + gb

    x, y = leaves(m, A, B)
    a, b = Two.apply(x, y)
    (a.sum() + (b * 2).sum()).backward()
    return [a, b, x.grad, y.grad]


def custom_one_output_used(m):
    class Two(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, ga, gb):
            return ga * 2 + gb * 3

    x, = leaves(m, A)
    a, _ = Two.apply(x)
    a.sum().backward()
    return [x.grad]


def custom_extra_none(m):
    Scale = function_class(m, _ScaleWithNone)
    x, = leaves(m, A)
    Scale.apply(x, 3.0).sum().backward()
    return [x.grad]


def custom_needs_input_grad(m):
    seen = []

    class F(m.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, g):
            seen.append(tuple(ctx.needs_input_grad))
            return g, g

    x, = leaves(m, A)
    F.apply(x, m.tensor(B)).sum().backward()
    return [float(v) for v in seen[0]]


CUSTOM = [custom_saved_output_double_backward, custom_two_outputs, custom_one_output_used, custom_extra_none,
          custom_needs_input_grad]


@pytest.mark.parametrize("fn", CUSTOM, ids=[c.__name__ for c in CUSTOM])
def test_custom_function(fn):
    story(fn)


def backward_inputs(m):
    x, y = leaves(m, A, B)
    (x * y).sum().backward(inputs=[x])
    return [x.grad, y.grad]


def grad_fn_presence(m):
    x, = leaves(m, A)
    with m.no_grad():
        a = x * 2
    b = x * 2
    return [float(a.grad_fn is None), float(b.grad_fn is None), float(x.grad_fn is None)]


def requires_grad_off(m):
    x, = leaves(m, A)
    z = m.tensor(B).requires_grad_(False)
    return [float((x.detach() * z).requires_grad), float(z.requires_grad)]


def grad_retain_graph(m):
    x, = leaves(m, A)
    y = (x.sin() * x).sum()
    (g1,) = m.autograd.grad(y, x, retain_graph=True)
    (g2,) = m.autograd.grad(y, x)
    return [g1, g2]


def grad_wrt_intermediate(m):
    x, = leaves(m, A)
    h = x.exp()
    (g,) = m.autograd.grad((h * h).sum(), h)
    return [g]


def shared_subgraph_two_backwards(m):
    x, = leaves(m, A)
    h = x * x
    (h * 2).sum().backward(retain_graph=True)
    h.exp().sum().backward()
    return [x.grad]


def backward_inputs_accumulates_with_hook(m):
    x, y = leaves(m, A, B)
    x.register_hook(lambda g: g * 2)
    (x * y).sum().backward(inputs=[x, y], retain_graph=True)
    (x * x).sum().backward(inputs=x)
    return [x.grad, y.grad]


def backward_inputs_nonleaf(m):
    x, = leaves(m, A)
    h = x.exp()
    (h * h).sum().backward(inputs=[h])
    return [h.grad, x.grad]


def autograd_backward_inputs(m):
    x, y = leaves(m, A, B)
    m.autograd.backward([(x * y).sum()], inputs=[y])
    return [x.grad, y.grad]


MORE = [backward_inputs, backward_inputs_accumulates_with_hook, backward_inputs_nonleaf, autograd_backward_inputs, grad_fn_presence, requires_grad_off, grad_retain_graph, grad_wrt_intermediate,
        shared_subgraph_two_backwards]


@pytest.mark.parametrize("fn", MORE, ids=[s.__name__ for s in MORE])
def test_more_stories(fn):
    story(fn)
