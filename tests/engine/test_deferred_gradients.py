"""The L2 penalty's gradient (``2 scale W``) is added into a weight's gradient in blocks, with no weight-sized
temporary (``autograd.Scaled``): bit for bit the plain sum, never seen anywhere but inside ``.grad``."""
from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import engine

D, H = 2000, 300          # a weight of 600,000 elements: many blocks and a partial last one


def _problem(dtype=np.float32):
    rng = np.random.default_rng(0)
    w = cr.tensor((rng.standard_normal((D, H)) * 0.1).astype(dtype), requires_grad=True)
    x = cr.Tensor(rng.standard_normal((8, D)).astype(dtype))
    return w, x


LOSSES = {
    "l2_penalty": lambda w, x: (x @ w).tanh().sum() + cr.nn.l2_penalty([w], 1e-3),
    "w * w": lambda w, x: (x @ w).tanh().sum() + 0.5 * 1e-3 * (w * w).sum(),
    "penalty first": lambda w, x: cr.nn.l2_penalty([w], 1e-3) + (x @ w).sum(),
    "penalty twice": lambda w, x: cr.nn.l2_penalty([w, w], 0.3) + (x @ w).sum(),
}


@pytest.mark.parametrize("name", sorted(LOSSES))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_deferred_gradient_equals_the_plain_sum_bit_for_bit(name, dtype, monkeypatch):
    w, x = _problem(dtype)
    LOSSES[name](w, x).backward()
    deferred = w.grad.data.copy()
    w.grad = None
    original = engine._defer
    monkeypatch.setattr(engine, "_defer", lambda mode: original(False))       # every product computed
    LOSSES[name](w, x).backward()
    assert w.grad.dtype == dtype
    np.testing.assert_array_equal(deferred, w.grad.data)


def test_backward_of_a_weight_and_its_penalty_makes_no_weight_sized_temporary():
    w, x = _problem()
    loss = (x @ w).tanh().sum() + cr.nn.l2_penalty([w], 1e-3)
    tracemalloc.start()
    try:
        loss.backward()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1.3 * w.data.nbytes, f"peak {peak} bytes for a {w.data.nbytes}-byte weight and its gradient"


def test_the_deferred_gradient_never_leaves_the_engine():
    w, x = _problem()
    seen = []
    w.register_hook(lambda g: seen.append(type(g.data)))
    (grad,) = cr.grad(cr.nn.l2_penalty([w], 1e-3) + (x @ w).sum(), w)          # captured, not .grad
    assert type(grad.data) is np.ndarray
    cr.nn.l2_penalty([w], 1e-3).backward()                                      # a hook on the leaf
    assert seen and all(t is np.ndarray for t in seen)
    v = cr.tensor(w.data.copy(), requires_grad=True)
    u = v * 1.0                                                                 # a weight that is no leaf
    (cr.nn.l2_penalty([u], 1e-3) + (x @ u).sum()).backward()
    np.testing.assert_allclose(v.grad.data, 2e-3 * w.data + x.data.sum(0)[:, None], rtol=1e-5, atol=1e-6)
    held = w.grad                                                               # a gradient the user holds
    before = held.data.copy()
    (cr.nn.l2_penalty([w], 1e-3) + (x @ w).sum()).backward()
    assert w.grad is held and type(held.data) is np.ndarray
    np.testing.assert_allclose(held.data, before + 2e-3 * w.data + x.data.sum(0)[:, None], rtol=1e-5, atol=1e-6)


def test_second_derivatives_of_the_penalty_still_work():
    w = cr.tensor(np.random.default_rng(1).standard_normal((300, 250)), requires_grad=True)
    (g,) = cr.grad(cr.nn.l2_penalty([w], 0.5) + 0.5 * (w * w).sum(), w, create_graph=True)
    (h,) = cr.grad(g.sum(), w)
    np.testing.assert_allclose(h.data, np.full(w.shape, 2.0), rtol=1e-12)
