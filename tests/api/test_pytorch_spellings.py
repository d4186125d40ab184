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


# --- positional axes and both spellings (dim/keepdim, axis/keepdims) -------------------------------------

@pytest.mark.parametrize("f", [
    lambda m, x: m.sum(x, 1), lambda m, x: m.mean(x, 1), lambda m, x: m.softmax(x, 1),
    lambda m, x: m.log_softmax(x, 0), lambda m, x: m.sum(x, -1, True), lambda m, x: m.sum(x, dim=(0, 1)),
    lambda m, x: m.mean(x, dim=-2, keepdim=True), lambda m, x: m.logsumexp(x, 1),
    lambda m, x: m.cat([x, x * 2], 1), lambda m, x: m.stack([x, x], 0), lambda m, x: m.stack([x, x], dim=-1),
    lambda m, x: x.sum(1), lambda m, x: x.mean(dim=1), lambda m, x: x.softmax(dim=0), lambda m, x: x.var(1),
    lambda m, x: x.var(1, unbiased=False), lambda m, x: x.var(), lambda m, x: x.std(0, keepdim=True),
    lambda m, x: x.var(correction=0), lambda m, x: x.amax(1), lambda m, x: m.amin(x, dim=0),
], ids=["sum1", "mean1", "softmax1", "log_softmax0", "sum-1keep", "sum_dims", "mean_keepdim", "logsumexp1",
        "cat1", "stack0", "stack_dim-1", "x.sum1", "x.mean_dim", "x.softmax_dim", "x.var1", "x.var_biased",
        "x.var", "x.std_keepdim", "x.var_correction0", "x.amax1", "amin_dim"])
def test_torch_spellings_of_reductions(f):
    check(lambda x: f(cr if isinstance(x, cr.Tensor) else torch, x), A)


@pytest.mark.parametrize("f", [lambda F, x: F.softmax(x, 1), lambda F, x: F.log_softmax(x, 1),
                               lambda F, x: F.softmax(x, dim=0)], ids=["softmax1", "log_softmax1", "softmax_dim"])
def test_functional_softmax_spellings(f):
    check(lambda x: f(F if isinstance(x, cr.Tensor) else torch.nn.functional, x), A)


def test_numpy_spellings_equal_torch_spellings():
    x = cr.tensor(B)
    np.testing.assert_array_equal(x.sum(axis=1, keepdims=True).data, x.sum(dim=1, keepdim=True).data)
    np.testing.assert_array_equal(cr.softmax(x, axis=0).data, cr.softmax(x, 0).data)
    np.testing.assert_array_equal(x.argmax(axis=-1).data, x.argmax(dim=-1).data)


@pytest.mark.parametrize("call, says", [(lambda x: x.sum(dim=1, axis=1), "both dim= and axis="),
                                        (lambda x: cr.mean(x, 1, dim=1), "multiple values"),
                                        (lambda x: x.sum(1, keepdim=True, keepdims=True), "both keepdim= and keepdims="),
                                        (lambda x: cr.exp(x, 1), "takes 1 positional argument")])
def test_two_values_for_one_parameter_is_a_type_error(call, says):
    with pytest.raises(TypeError, match=says):
        call(cr.tensor(A))


def test_argmax_and_argmin_take_a_dim():
    x, t = cr.tensor(B), torch.tensor(B)
    for ours, theirs in [(x.argmax(1), t.argmax(1)), (x.argmin(dim=-1, keepdim=True), t.argmin(dim=-1, keepdim=True)),
                         (cr.argmax(x), torch.argmax(t)), (x.argmax(), t.argmax())]:
        np.testing.assert_array_equal(ours.data, ref := theirs.numpy())
        assert ours.shape == ref.shape and ours.dtype == np.int64


# --- max / min return types -------------------------------------------------------------------------------

def test_max_with_a_dim_returns_values_and_indices():
    x = cr.tensor(A)
    result = x.max(1)
    values, indices = result
    ref = torch.tensor(A).max(1)
    assert isinstance(result, tuple) and result.values is values and result.indices is indices
    np.testing.assert_array_equal(values.data, ref.values.numpy())
    np.testing.assert_array_equal(indices.data, ref.indices.numpy())
    _, pred = cr.tensor(A[:2]).max(1)                  # the classic idiom, at batch 2
    np.testing.assert_array_equal(pred.data, [3, 3])
    assert cr.max(x, 0, keepdim=True).values.shape == (1, 4)
    assert type(x.min(dim=0)).__name__ == "min"


def test_max_without_a_dim_is_a_0d_tensor_and_of_two_tensors_is_elementwise():
    x, y = cr.tensor(A), cr.tensor(A[::-1].copy())
    assert isinstance(x.max(), cr.Tensor) and x.max().shape == ()
    np.testing.assert_array_equal(cr.max(x, y).data, np.maximum(A, A[::-1]))
    np.testing.assert_array_equal(cr.min(x, y).data, torch.min(torch.tensor(A), torch.tensor(A[::-1].copy())).numpy())


def test_max_along_a_dim_sends_the_gradient_to_the_index_as_torch():
    a = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
    check(lambda x: x.max(1).values, a)
    check(lambda x: x.min(dim=0, keepdim=True)[0], a)
    check(lambda x: x.max(), a)                        # the full reduction splits ties equally, as torch


# --- tensor facts and conversions ------------------------------------------------------------------------

def test_size_dim_numel_t():
    x, t = cr.tensor(B), torch.tensor(B)
    assert tuple(x.size()) == tuple(t.size()) and x.size(1) == t.size(1) and x.size(-1) == t.size(-1)
    assert x.dim() == t.dim() == x.ndim and x.numel() == t.numel()
    check(lambda v: v.t(), A)
    assert cr.tensor(A[0]).t().shape == (4,)
    with pytest.raises(IndexError):
        x.size(3)
    with pytest.raises(RuntimeError):
        x.t()


def test_to_dtype_and_cpu():
    x = cr.tensor(A, dtype=cr.float32)
    assert x.to(cr.float64).dtype == np.float64 and x.to("cpu") is x and x.to("cpu", cr.float64).dtype == np.float64
    assert x.to(dtype=cr.int64).dtype == cr.int64 and x.to(cr.tensor(A)).dtype == np.float64
    with pytest.raises(RuntimeError, match="CPU"):
        x.to("cuda")
    model = cr.nn.Linear(2, 3)
    assert model.to("cpu") is model and model.to(cr.float64).weight.dtype == np.float64
    with pytest.raises(RuntimeError, match="CPU"):
        model.to("cuda:0")
