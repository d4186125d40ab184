"""Shared by the acceptance cases: run one expression on chainrule and on torch, compare values and gradients."""
import numpy as np
import pytest

import chainrule as cr


def arrays(shapes, seed=0, low=-2.0, high=2.0):
    rng = np.random.default_rng(seed)
    return [rng.uniform(low, high, size=s) for s in shapes]


def run_both(fn, inputs, torch, grad=True):
    """fn(lib, *tensors) on chainrule and torch with float64 leaves; returns (ours, theirs) outputs and grads."""
    ours = [cr.tensor(a, requires_grad=grad) for a in inputs]
    theirs = [torch.tensor(a, requires_grad=grad) for a in inputs]
    out_c = fn(cr, *ours)
    out_t = fn(torch, *theirs)
    return ours, theirs, out_c, out_t


def close(ours, theirs, rtol=1e-7, atol=1e-9):
    expected = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    got = ours.data if hasattr(ours, "data") and not isinstance(ours, np.ndarray) else np.asarray(ours)
    assert np.shape(got) == np.shape(expected), (np.shape(got), np.shape(expected))
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol, equal_nan=True)


def check(fn, inputs, torch, rtol=1e-7, atol=1e-9, grad=True):
    """Values and, through a weighted sum, the gradient of every input agree with torch."""
    ours, theirs, out_c, out_t = run_both(fn, inputs, torch, grad=grad)
    close(out_c, out_t, rtol, atol)
    if not grad:
        return
    w = np.random.default_rng(1).uniform(0.5, 1.5, size=tuple(out_t.shape))
    (out_c * cr.tensor(w)).sum().backward()
    (out_t * torch.tensor(w)).sum().backward()
    for a, b in zip(ours, theirs):
        if b.grad is None:
            assert a.grad is None or np.all(a.grad.data == 0)
        else:
            close(a.grad, b.grad, rtol, atol)


def same_error(make, torch):
    """``make(torch)`` raises, and ``make(chainrule)`` raises the same class (or a subclass of it)."""
    with pytest.raises(Exception) as theirs:
        make(torch)
    with pytest.raises(type(theirs.value)):
        make(cr)
