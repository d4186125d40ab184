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
