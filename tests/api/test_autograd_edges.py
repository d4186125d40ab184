"""Autograd edge cases after PyTorch's test_autograd.py, each run on chainrule and on torch: what a custom
Function's backward receives with ``ctx.set_materialize_grads(False)`` (None, not zeros, for an output no
gradient reached); in-place changes of views and of what ``detach()`` and ``.data`` share: the values, the
gradients, the version counters and the errors."""
import itertools

import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")


def _values(lib, t):
    return None if t is None else np.asarray(t.detach().numpy() if lib is torch else t.data).tolist()


def two_outputs(lib, seen):
    """A Function returning (2x, 3x) that records the gradients its backward receives."""
    class Two((cr.Function if lib is cr else torch.autograd.Function)):
        @staticmethod
        def forward(ctx, x, materialize, non_differentiable):
            ctx.set_materialize_grads(materialize)
            a, b = x * 2, x * 3
            if non_differentiable:
                ctx.mark_non_differentiable(b)
            return a, b

        @staticmethod
        def backward(ctx, ga, gb):
            seen.append((_values(lib, ga), _values(lib, gb)))
            out = 0
            if ga is not None:
                out = out + ga * 2
            if gb is not None:
                out = out + gb * 3
            return out, None, None
    return Two


def _run(lib, materialize, non_differentiable, uses, create_graph=False):
    """What backward saw in each of the passes (one per entry of ``uses``, the graph retained) and x.grad."""
    seen = []
    x = (cr.tensor if lib is cr else torch.tensor)(np.array([1.0, -2.0]), requires_grad=True)
    a, b = two_outputs(lib, seen).apply(x, materialize, non_differentiable)
    for use in uses:
        loss = ((a * a).sum() if "a" in use else 0) + ((b * b).sum() if "b" in use else 0)
        loss.backward(retain_graph=True, create_graph=create_graph)
    return seen, _values(lib, x.grad)


CASES = list(itertools.product([True, False], [False, True], [["a"], ["b"], ["ab"], ["a", "b"], ["b", "ab"]]))


@pytest.mark.parametrize("materialize,non_differentiable,uses", CASES)
def test_set_materialize_grads(materialize, non_differentiable, uses):
    if non_differentiable and "b" in uses:
        uses = [u for u in uses if u != "b"] or ["a"]
    for create_graph in (False, True):
        assert _run(cr, materialize, non_differentiable, uses, create_graph) == \
            _run(torch, materialize, non_differentiable, uses, create_graph)


def test_one_output_gets_its_gradient_without_materialized_grads():
    for lib in (cr, torch):
        class Square((cr.Function if lib is cr else torch.autograd.Function)):
            @staticmethod
            def forward(ctx, x):
                ctx.set_materialize_grads(False)
                ctx.save_for_backward(x)
                return x * x

            @staticmethod
            def backward(ctx, g):
                x, = ctx.saved_tensors
                return g * 2 * x
        x = (cr.tensor if lib is cr else torch.tensor)(np.array([3.0]), requires_grad=True)
        Square.apply(x).sum().backward()
        assert _values(lib, x.grad) == [6.0]


# --- views, in-place changes, detach and .data -----------------------------------------------------------------

def _leaf(lib, requires_grad=True):
    return (cr.tensor if lib is cr else torch.tensor)(np.array([1.0, 2.0, 3.0]), requires_grad=requires_grad)


def _grad_of(lib, loss, x):
    loss.backward()
    return _values(lib, x.grad)


def _no_grad_view(lib, x):
    with lib.no_grad():
        return x[:2]


VIEW_CASES = {}


def case(f):
    VIEW_CASES[f.__name__] = f
    return f


@case
def in_place_on_a_view_of_a_leaf(lib):
    return _values(lib, _leaf(lib)[:2].add_(1))


@case
def in_place_on_a_view_of_a_leaf_under_no_grad(lib):
    x = _leaf(lib)
    with lib.no_grad():
        x[:2].add_(1)
    return _values(lib, x), x._version


@case
def in_place_on_a_view_then_backward_through_the_base(lib):
    x = _leaf(lib)
    y = x * 1
    y[:2].mul_(2)
    return _values(lib, y), _grad_of(lib, (y * y).sum(), x)


@case
def in_place_on_the_base_then_backward_through_a_view(lib):
    x = _leaf(lib)
    y = x * 1
    v = y[1:]
    y.mul_(3)
    return _values(lib, v), _grad_of(lib, (v * v).sum(), x)


@case
def setitem_on_a_view(lib):
    x = _leaf(lib)
    y = x * 1
    y[1:][0] = 10.0
    return _values(lib, y), _grad_of(lib, y.sum(), x)


@case
def a_view_and_its_base_share_one_version_counter(lib):
    y = _leaf(lib) * 1
    v = y[0:2]
    w = v.view(2, 1)
    y.add_(1)
    first = (y._version, v._version, w._version)
    w.mul_(2)
    return first, (y._version, v._version, w._version), _values(lib, y)


@case
def a_saved_view_changed_through_its_base(lib):
    x = _leaf(lib)
    y = x * 1
    z = (y[:2] * y[:2]).sum()
    y.add_(1)
    return _grad_of(lib, z, x)


@case
def a_saved_base_changed_through_a_view(lib):
    x = _leaf(lib)
    y = x * 1
    z = (y * y).sum()
    y[:2].add_(1)
    return _grad_of(lib, z, x)


@case
def detach_shares_memory_and_version(lib):
    x = _leaf(lib)
    d = x.detach()
    d.add_(1)
    return _values(lib, x), x._version, d._version, d.requires_grad


@case
def a_saved_leaf_changed_through_detach(lib):
    x = _leaf(lib)
    z = (x * x).sum()
    x.detach().mul_(2)
    return _grad_of(lib, z, x)


@case
def a_saved_output_changed_through_detach(lib):
    x = _leaf(lib)
    y = x.exp()
    z = y.sum()
    y.detach().zero_()
    return _grad_of(lib, z, x)


@case
def a_saved_leaf_changed_under_no_grad(lib):
    x = _leaf(lib)
    z = (x * x).sum()
    with lib.no_grad():
        x.mul_(2)
    return _grad_of(lib, z, x)


@case
def data_changed_in_place(lib):
    """No version bump, so no error: backward reads the new values (chainrule's x.data is the array)."""
    x = _leaf(lib)
    z = (x * x).sum()
    x.data.mul_(2) if lib is torch else np.multiply(x.data, 2, out=x.data)
    return _grad_of(lib, z, x), x._version


def _view_in_no_grad(lib, base, other=2):
    _no_grad_view(lib, base).mul_(other)
    return _values(lib, base)


for _name, _make in {"of_a_leaf": lambda lib: (_leaf(lib),), "of_a_non_leaf": lambda lib: (_leaf(lib) * 1,),
                     "of_a_tensor_without_grad": lambda lib: (_leaf(lib, False),),
                     "by_a_tensor_that_requires_grad": lambda lib: (_leaf(lib, False), _leaf(lib)[:2]),
                     "of_detach": lambda lib: (_leaf(lib).detach(),)}.items():
    VIEW_CASES["a_view_taken_in_no_grad_changed_with_grad_" + _name] = (
        lambda make: lambda lib: _view_in_no_grad(lib, *make(lib)))(_make)


@case
def a_view_of_a_view_taken_in_no_grad(lib):
    x = _leaf(lib)
    _no_grad_view(lib, x)[:1].mul_(2)
    return _values(lib, x)


def _outcome(lib, f):
    try:
        return repr(f(lib))
    except RuntimeError:
        return "RuntimeError"


@pytest.mark.parametrize("name", VIEW_CASES)
def test_views_and_in_place_changes(name):
    assert _outcome(cr, VIEW_CASES[name]) == _outcome(torch, VIEW_CASES[name])
