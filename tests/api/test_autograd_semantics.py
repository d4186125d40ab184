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
