"""A PyTorch name means PyTorch's behaviour: each spelling compared with torch itself (skipped without it)."""
import numpy as np
import pytest

import chainrule as cr
import chainrule.nn.functional as F

torch = pytest.importorskip("torch")

A = np.arange(12, dtype=np.float64).reshape(3, 4) / 7 - 0.5
B = np.arange(24, dtype=np.float64).reshape(2, 3, 4) / 11 - 1.0


def both(a):
    """The same values as a chainrule and a torch leaf that require grad."""
    return cr.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def check(f, a, weight_seed=0):
    """``f`` on both libraries: same forward, and the same gradient of a weighted sum of the output."""
    x, t = both(a)
    out, ref = f(x), f(t)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-12, atol=1e-12)
    w = np.random.default_rng(weight_seed).standard_normal(ref.shape)
    (out * cr.tensor(w)).sum().backward()
    (ref * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("f, a", [
    (lambda x: x.transpose(0, 1), A),
    (lambda x: x.transpose(1, 0), A),
    (lambda x: x.transpose(0, -1), A),
    (lambda x: x.transpose(-1, -2), B),
    (lambda x: x.transpose(0, 2), B),
    (lambda x: x.permute(0, -1), A),
    (lambda x: x.permute(-1, 0), A),
    (lambda x: x.permute(2, -3, 1), B),
    (lambda x: x.permute(-2, 0, -1), B),
], ids=["T01", "T10", "T0-1", "T-1-2_3d", "T02_3d", "P0-1", "P-10", "P2-31", "P-20-1"])
def test_transpose_and_permute(f, a):
    check(f, a)


def test_permute_negative_axis_gradient_is_w():
    x = cr.tensor(A, requires_grad=True)
    w = cr.tensor(A * 3 + 1)
    (x.permute(0, -1) * w).sum().backward()
    np.testing.assert_array_equal(x.grad.data, w.data)
