"""Edge cases after tinygrad's test_ops.py (zero-size shapes, 0-d tensors, large values), HIPS autograd's
test_numpy.py / test_systematic.py (stable log-sum-exp, jacobians) and PyTorch's type-promotion and error tests
(test_type_promotion.py, test_autograd's error checks): values, dtypes and exception classes against torch."""
import numpy as np
import pytest

import chainrule as cr

from acc_helpers import check

torch = pytest.importorskip("torch")

EMPTY = [
    ("sum_rows", (0, 3), lambda m, x: x.sum(0)), ("sum_all", (0, 3), lambda m, x: x.sum()),
    ("sum_cols", (0, 3), lambda m, x: x.sum(1)), ("prod_all", (0,), lambda m, x: m.prod(x)),
    ("cumsum", (0, 2), lambda m, x: m.cumsum(x, 0)), ("reshape", (0, 4), lambda m, x: x.reshape(2, 0, 2)),
    ("cat", (0, 2), lambda m, x: m.cat([x, m.ones(1, 2, dtype=m.float64)], 0)),
    ("softmax", (0, 3), lambda m, x: m.softmax(x, 1)), ("exp", (2, 0), lambda m, x: x.exp()),
    ("matmul_inner0", (3, 0), lambda m, x: x @ m.ones(0, 2, dtype=m.float64)),
    ("slice_empty", (3, 2), lambda m, x: x[2:1]), ("transpose", (0, 3), lambda m, x: x.t()),
    ("logsumexp_rows", (3, 0), lambda m, x: m.logsumexp(x, 1)), ("amax_keep", (0, 3), lambda m, x: m.amax(x, 1)),
]


@pytest.mark.parametrize("name,shape,fn", EMPTY, ids=[e[0] for e in EMPTY])
def test_zero_size(name, shape, fn):
    check(fn, [np.zeros(shape)], torch)


ZERO_D = [
    ("sum_dim0", lambda m, x: x.sum(0)), ("sum_dim_neg", lambda m, x: x.sum(-1, keepdim=True)),
    ("mean_dim0", lambda m, x: m.mean(x, 0)), ("softmax0", lambda m, x: m.softmax(x, 0)),
    ("log_softmax", lambda m, x: m.log_softmax(x, -1)), ("unsqueeze", lambda m, x: x.unsqueeze(0)),
    ("squeeze", lambda m, x: x.squeeze()), ("reshape", lambda m, x: x.reshape(1, 1)),
    ("flip", lambda m, x: m.flip(x, (0,))), ("amax", lambda m, x: m.amax(x, 0)),
    ("cumsum", lambda m, x: m.cumsum(x, 0)), ("expand", lambda m, x: x.expand(3)),
    ("stack", lambda m, x: m.stack([x, x * 2])), ("mul_vec", lambda m, x: x * m.ones(3, dtype=m.float64)),
    ("max_dim", lambda m, x: x.max(0).values), ("var_biased", lambda m, x: x.var(unbiased=False)),
]


@pytest.mark.parametrize("name,fn", ZERO_D, ids=[z[0] for z in ZERO_D])
def test_zero_dim(name, fn):
    check(fn, [np.array(1.7)], torch)


LARGE = [
    ("logsumexp_big", [1000.0, 1000.5, -1000.0], lambda m, x: m.logsumexp(x, 0)),
    ("softmax_big", [1000.0, 999.0, -5.0], lambda m, x: m.softmax(x, 0)),
    ("log_softmax_big", [-1000.0, 0.0, 1000.0], lambda m, x: m.log_softmax(x, 0)),
    ("sigmoid_tails", [-800.0, 0.0, 800.0], lambda m, x: m.sigmoid(x)),
    ("tanh_tails", [-400.0, 400.0], lambda m, x: m.tanh(x)),
    ("softplus_tails", [-100.0, 100.0], lambda m, x: m.nn.functional.softplus(x)),
    ("bce_logits_tails", [-200.0, 200.0], lambda m, x: m.nn.functional.binary_cross_entropy_with_logits(
        x, m.tensor(np.array([1.0, 0.0])), reduction="none")),
    ("ce_big", [[1000.0, -1000.0, 0.0]], lambda m, x: m.nn.functional.cross_entropy(
        x, m.tensor(np.array([1], dtype=np.int64)))),
]


@pytest.mark.parametrize("name,vals,fn", LARGE, ids=[v[0] for v in LARGE])
def test_large_values_stay_finite(name, vals, fn):
    check(fn, [np.array(vals)], torch, rtol=1e-9, atol=1e-12)


def pair(dtype_a, dtype_b, m):
    a = m.tensor(np.array([1, 2, 3]).astype(dtype_a))
    b = m.tensor(np.array([2, 1, 4]).astype(dtype_b))
    return a, b


PROMOTION = [
    ("f32+f64", "float32", "float64", lambda a, b: a + b), ("f64*f32", "float64", "float32", lambda a, b: a * b),
    ("f32*py_float", "float32", "float32", lambda a, b: a * 2.5), ("i64+i64", "int64", "int64", lambda a, b: a + b),
    ("f32+py_int", "float32", "float32", lambda a, b: a + 3),
    ("i32+i64", "int32", "int64", lambda a, b: a + b), ("bool+i64", "bool", "int64", lambda a, b: a + b),
    ("f32_cmp", "float32", "float32", lambda a, b: a < b), ("f32_sum", "float32", "float32", lambda a, b: a.sum()),
    ("i64_sum", "int64", "int64", lambda a, b: a.sum()), ("i64_mean_float", "float64", "int64", lambda a, b: a.mean()),
    ("f32_matmul", "float32", "float32", lambda a, b: a @ b), ("f32_exp", "float32", "float32", lambda a, b: a.exp()),
]


@pytest.mark.parametrize("name,da,db,fn", PROMOTION, ids=[p[0] for p in PROMOTION])
def test_dtype_promotion(name, da, db, fn):
    ours = fn(*pair(da, db, cr))
    theirs = fn(*pair(da, db, torch))
    assert str(ours.data.dtype) == str(theirs.dtype).replace("torch.", ""), (ours.data.dtype, theirs.dtype)
    np.testing.assert_allclose(np.asarray(ours.data, dtype=float), theirs.double().numpy(), rtol=1e-6)


def _t(m, shape=(2, 3)):
    return m.tensor(np.arange(np.prod(shape), dtype=float).reshape(shape))


BAD = [
    ("dim_out_of_range", IndexError, lambda m: _t(m).sum(2)), ("dim_neg_out_of_range", IndexError, lambda m: _t(m).mean(-3)),
    ("softmax_dim", IndexError, lambda m: m.softmax(_t(m), 5)), ("index_out_of_range", IndexError, lambda m: _t(m)[2]),
    ("index_col_out_of_range", IndexError, lambda m: _t(m)[:, 3]), ("matmul_mismatch", RuntimeError, lambda m: _t(m) @ _t(m)),
    ("cat_mismatch", RuntimeError, lambda m: m.cat([_t(m), _t(m, (2, 2))], 0)),
    ("stack_mismatch", RuntimeError, lambda m: m.stack([_t(m), _t(m, (3, 2))])),
    ("reshape_bad", RuntimeError, lambda m: _t(m).reshape(4, 2)),
    ("broadcast_bad", RuntimeError, lambda m: _t(m) + _t(m, (3, 2))),
    ("transpose_dim", IndexError, lambda m: _t(m).transpose(0, 2)), ("permute_dim", (IndexError, RuntimeError), lambda m: _t(m).permute(0, 2)),
    ("unsqueeze_dim", IndexError, lambda m: _t(m).unsqueeze(4)), ("argmax_dim", IndexError, lambda m: _t(m).argmax(3)),
    ("gather_range", RuntimeError, lambda m: m.gather(_t(m), 1, m.tensor(np.array([[5]], dtype=np.int64)))),
    ("t_3d", RuntimeError, lambda m: _t(m, (2, 2, 2)).t()),
    ("item_many", RuntimeError, lambda m: _t(m).item()),
    ("both_dim_spellings", TypeError, lambda m: m.sum(_t(m), 1, dim=1)),
]


@pytest.mark.parametrize("name,error,fn", BAD, ids=[b[0] for b in BAD])
def test_error_classes(name, error, fn):
    with pytest.raises(error):
        fn(torch)
    with pytest.raises(error):
        fn(cr)


JAC = [("tanh", lambda m, x: m.tanh(x) * x[0]), ("softmax", lambda m, x: m.softmax(x, 0)),
       ("cumsum", lambda m, x: m.cumsum(x, 0) ** 2), ("outer", lambda m, x: m.outer(x, x).sum(0))]


@pytest.mark.parametrize("name,fn", JAC, ids=[j[0] for j in JAC])
def test_jacobian(name, fn):
    x = np.array([0.3, -0.8, 1.1])
    ours = cr.jacobian(lambda t: fn(cr, t), cr.tensor(x))
    theirs = torch.autograd.functional.jacobian(lambda t: fn(torch, t), torch.tensor(x))
    ours = ours.data if isinstance(ours, cr.Tensor) else np.asarray(ours)
    np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", ["exp", "tanh", "sigmoid", "log_softmax", "matmul", "sum"])
def test_float32_and_float64_keep_their_dtype_through_backward(name, dtype):
    x = np.random.default_rng(0).normal(size=(3, 3)).astype(dtype)
    fns = {"exp": lambda m, t: t.exp(), "tanh": lambda m, t: t.tanh(), "sigmoid": lambda m, t: t.sigmoid(),
           "log_softmax": lambda m, t: m.log_softmax(t, 1), "matmul": lambda m, t: t @ t, "sum": lambda m, t: t.sum(0)}
    xc, xt = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yc, yt = fns[name](cr, xc), fns[name](torch, xt)
    yc.sum().backward()
    yt.sum().backward()
    assert yc.dtype == np.dtype(dtype) and xc.grad.dtype == np.dtype(dtype)
    tol = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(xc.grad.data, xt.grad.numpy(), rtol=tol, atol=tol)
