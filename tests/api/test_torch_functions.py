"""PyTorch's tensor functions added to chainrule, called as a PyTorch user does (function and method forms),
compared with torch itself: values, dtypes, return types and which outputs carry gradients."""
import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")

X = np.array([[0.3, -1.2, 2.5, 0.7], [-0.4, 1.9, -2.6, 0.1], [1.1, 0.0, -0.8, 3.3]])


def both(a, requires_grad=True):
    return cr.tensor(a, requires_grad=requires_grad), torch.tensor(a, requires_grad=requires_grad)


def same(ours, theirs):
    """Same values and dtype."""
    expected = theirs.detach().numpy()
    assert ours.dtype == expected.dtype, (ours.dtype, expected.dtype)
    np.testing.assert_allclose(ours.data, expected, rtol=1e-12, atol=1e-12)


UNARY = ["sin", "cos", "atan", "sinh", "cosh", "expm1", "square", "floor", "ceil", "round", "trunc"]


@pytest.mark.parametrize("name", UNARY)
def test_unary_function_and_method(name):
    x, t = both(X)
    same(getattr(cr, name)(x), getattr(torch, name)(t))
    same(getattr(x, name)(), getattr(t, name)())


@pytest.mark.parametrize("name", ["log1p", "log2", "log10", "rsqrt", "reciprocal"])
def test_unary_positive_domain(name):
    x, t = both(np.abs(X) + 0.5)
    same(getattr(x, name)(), getattr(t, name)())


@pytest.mark.parametrize("name", ["asin", "acos", "atanh", "tan"])
def test_unary_unit_domain(name):
    x, t = both(X / 4)
    same(getattr(cr, name)(x), getattr(torch, name)(t))


def test_round_decimals_is_keyword_only_and_halves_go_to_even():
    a = np.array([0.5, 1.5, 2.5, -0.5, 1.2345])
    x, t = both(a)
    same(cr.round(x), torch.round(t))
    same(x.round(decimals=2), t.round(decimals=2))
    with pytest.raises(TypeError):
        cr.round(x, 2)


@pytest.mark.parametrize("name", ["floor", "ceil", "round", "trunc"])
def test_rounding_has_zero_gradient_and_keeps_integers(name):
    x, t = both(X)
    getattr(x, name)().sum().backward()
    getattr(t, name)().sum().backward()
    np.testing.assert_array_equal(x.grad.data, t.grad.numpy())
    ints = cr.tensor([3, -2, 7])
    same(getattr(ints, name)(), getattr(torch.tensor([3, -2, 7]), name)())


@pytest.mark.parametrize("name", ["isnan", "isinf", "isfinite"])
def test_value_tests_are_boolean_and_not_differentiable(name):
    a = np.array([1.0, np.nan, np.inf, -np.inf, 0.0])
    x, t = both(a)
    out = getattr(x, name)()
    same(out, getattr(t, name)())
    assert out.dtype == np.bool_ and not out.requires_grad and out.grad_fn is None
    same(getattr(cr, name)(cr.tensor([1, 2])), getattr(torch, name)(torch.tensor([1, 2])))


@pytest.mark.parametrize("name", ["atan2", "logaddexp"])
def test_binary_function_and_method(name):
    x, t = both(X)
    y, u = both(X[::-1].copy() + 0.25)
    same(getattr(cr, name)(x, y), getattr(torch, name)(t, u))
    out, ref = getattr(x, name)(y), getattr(t, name)(u)
    same(out, ref)
    out.sum().backward()
    ref.sum().backward()
    np.testing.assert_allclose(y.grad.data, u.grad.numpy(), rtol=1e-12)


def test_pow_function_and_method():
    x, t = both(np.abs(X) + 0.1)
    same(x.pow(3), t.pow(3))
    same(cr.pow(x, 0.5), torch.pow(t, 0.5))
    same(cr.pow(2.0, x), torch.pow(2.0, t))


def grads_match(f, a, rtol=1e-12):
    """``f`` on both libraries: same values and dtype, and the same gradient of a weighted sum."""
    x, t = both(a)
    out, ref = f(x), f(t)
    same(out, ref)
    w = np.random.default_rng(0).standard_normal(ref.shape)
    (out * cr.tensor(w)).sum().backward()
    (ref * torch.tensor(w)).sum().backward()
    expected = np.zeros(a.shape) if t.grad is None else t.grad.numpy()
    np.testing.assert_allclose(x.grad.data, expected, rtol=rtol, atol=1e-12)


# --- reductions and scans ------------------------------------------------------------------------------------

@pytest.mark.parametrize("f", [lambda m: m.prod(), lambda m: m.prod(1), lambda m: m.prod(dim=0, keepdim=True),
                               lambda m: m.prod(-1, True)], ids=["all", "dim", "keepdim", "positional"])
def test_prod_forms(f):
    grads_match(lambda x: f(x) if isinstance(x, torch.Tensor) else f(x), X + 4)


@pytest.mark.parametrize("a", [np.array([2.0, 0.0, 3.0, -1.5]), np.array([0.0, 2.0, 0.0, 3.0]),
                               np.array([0.0, 0.0, 0.0, 3.0]), np.array([[0.0, 1.5], [2.0, 0.0]])],
                         ids=["one-zero", "two-zeros", "three-zeros", "zero-per-row"])
def test_prod_gradient_with_zeros(a):
    grads_match(lambda x: cr.prod(x) if isinstance(x, cr.Tensor) else torch.prod(x), a)
    grads_match(lambda x: x.prod(-1), a)


def test_prod_second_derivative_with_two_zeros_matches_torch():
    a = np.array([0.0, 2.0, 0.0, 3.0])
    x, t = both(a)
    (g,) = cr.grad(cr.prod(x), [x], create_graph=True)
    (u,) = torch.autograd.grad(torch.prod(t), [t], create_graph=True)
    (g * cr.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    (u * torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float64)).sum().backward()
    np.testing.assert_allclose(x.grad.data, t.grad.numpy())


def test_cumsum_forms_and_integer_dtype():
    grads_match(lambda x: x.cumsum(1), X)
    grads_match(lambda x: x.cumsum(dim=-2), X)
    same(cr.cumsum(cr.tensor([1, 2, 3]), 0), torch.cumsum(torch.tensor([1, 2, 3]), 0))
    same(cr.cumsum(cr.tensor([1, 2, 3]), 0, dtype=np.float64), torch.cumsum(torch.tensor([1, 2, 3]), 0,
                                                                              dtype=torch.float64))


@pytest.mark.parametrize("f", [lambda m: m.norm(), lambda m: m.norm(1), lambda m: m.norm(3, 1),
                               lambda m: m.norm(p=float("inf"), dim=0), lambda m: m.norm(float("-inf"), 1, True),
                               lambda m: m.norm("fro", dim=(0, 1)), lambda m: m.norm(dim=[1], keepdim=True),
                               lambda m: m.norm(0.5, dim=1), lambda m: m.norm(0)],
                         ids=["fro", "p1", "p3-dim", "inf", "-inf-keepdim", "fro-dims", "dim-list", "p0.5", "p0"])
def test_norm_forms(f):
    grads_match(f, X + 0.05)


def test_norm_of_zeros_has_zero_gradient_and_inf_norm_splits_ties():
    grads_match(lambda x: x.norm(), np.zeros(3))
    grads_match(lambda x: x.norm(dim=1), np.array([[0.0, 0.0], [3.0, 4.0]]))
    grads_match(lambda x: x.norm(float("inf")), np.array([1.0, -3.0, 3.0]))


def test_norm_refuses_the_nuclear_norm_in_one_sentence():
    with pytest.raises(ValueError, match="not supported"):
        cr.norm(cr.tensor(X), "nuc")


@pytest.mark.parametrize("call", [lambda m, lib: lib.var_mean(m), lambda m, lib: lib.var_mean(m, 1),
                                  lambda m, lib: lib.var_mean(m, dim=0, keepdim=True),
                                  lambda m, lib: lib.var_mean(m, 1, correction=0),
                                  lambda m, lib: lib.var_mean(m, False), lambda m, lib: lib.var_mean(m, 1, True, True),
                                  lambda m, lib: lib.var_mean(m, (0, 1), unbiased=False)],
                         ids=["all", "dim", "keepdim", "correction", "unbiased-only", "legacy", "dims"])
def test_var_mean_returns_var_then_mean(call):
    x, t = both(X)
    (v, m), (tv, tm) = call(x, cr), call(t, torch)
    same(v, tv)
    same(m, tm)
    (v.sum() + 2 * m.sum()).backward()
    (tv.sum() + 2 * tm.sum()).backward()
    np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=1e-12)


# --- sorting ---------------------------------------------------------------------------------------------------

TIES = np.array([[3.0, 1.0, 3.0, np.nan, 1.0], [2.0, -np.inf, 2.0, 0.5, 2.0]])


@pytest.mark.parametrize("kw", [{}, {"descending": True}, {"dim": 0}, {"dim": 0, "descending": True}])
def test_sort_returns_a_named_tuple_like_torch(kw):
    x, t = both(TIES)
    out, ref = x.sort(stable=True, **kw), t.sort(stable=True, **kw)
    assert isinstance(out, tuple) and out._fields == ("values", "indices")
    values, indices = out
    assert values is out.values and indices is out.indices
    same(values, ref.values)
    same(indices, ref.indices)
    assert indices.dtype == np.int64 and not indices.requires_grad
    same(cr.argsort(x, stable=True, **kw), torch.argsort(t, stable=True, **kw))


def test_sort_values_are_differentiable():
    grads_match(lambda x: x.sort(1, True).values, X)
    grads_match(lambda x: (cr if isinstance(x, cr.Tensor) else torch).sort(x, dim=0)[0], X)


@pytest.mark.parametrize("kw", [{"k": 2}, {"k": 3, "dim": 0}, {"k": 1, "largest": False}, {"k": 4, "dim": -1}])
def test_topk_values_indices_and_gradient(kw):
    x, t = both(X)
    out, ref = x.topk(**kw), t.topk(**kw)
    assert type(out).__name__ == "topk" and out._fields == ("values", "indices")
    same(out.values, ref.values)
    same(out.indices, ref.indices)
    grads_match(lambda m: m.topk(**kw).values, X)
    grads_match(lambda m: (cr if isinstance(m, cr.Tensor) else torch).topk(m, **kw)[0], X)


def test_topk_refuses_k_larger_than_the_dimension_as_torch():
    with pytest.raises(RuntimeError):
        torch.tensor(X).topk(5)
    with pytest.raises(RuntimeError, match="out of range"):
        cr.tensor(X).topk(5)


# --- gather and scatter ---------------------------------------------------------------------------------------

IDX = np.array([[0, 3], [2, 2], [1, 0]])


def test_gather_function_and_method():
    for lib_call in (lambda m: m.gather(1, _index(m, IDX)), lambda m: _lib(m).gather(m, 0, _index(m, IDX[:2] % 3))):
        grads_match(lib_call, X)


def _lib(m):
    return cr if isinstance(m, cr.Tensor) else torch


def _index(m, a):
    return cr.tensor(a) if isinstance(m, cr.Tensor) else torch.tensor(a)


@pytest.mark.parametrize("call", [lambda m, s: m.scatter(1, _index(m, IDX[:, :1]), s[:, :1]),
                                  lambda m, s: _lib(m).scatter(m, 1, _index(m, IDX[:, :1]), 2.5),
                                  lambda m, s: m.scatter(1, _index(m, IDX[:, :1]), value=-1.0),
                                  lambda m, s: m.scatter_add(1, _index(m, IDX), s[:, :2])],
                         ids=["src", "number", "value", "scatter_add"])
def test_scatter_forms(call):
    src = np.arange(12.0).reshape(3, 4)
    x, t = both(X)
    s, u = both(src)
    out, ref = call(x, s), call(t, u)
    same(out, ref)
    out.sum().backward()
    ref.sum().backward()
    np.testing.assert_allclose(x.grad.data, t.grad.numpy())


def test_scatter_reads_only_the_block_of_src_that_the_index_covers():
    src = np.arange(12.0).reshape(3, 4)
    index = cr.tensor([[1], [0]])
    x, s = cr.tensor(X, requires_grad=True), cr.tensor(src, requires_grad=True)
    same(cr.scatter(x, 0, index, s), torch.scatter(torch.tensor(X), 0, torch.tensor([[1], [0]]), torch.tensor(src)))
    assert cr.gradcheck(lambda a, b: cr.scatter(a, 0, index, b), [x, s])
    assert cr.gradcheck(lambda a, b: cr.scatter_add(a, 0, index, b), [x, s])


@pytest.mark.parametrize("bad", [[[4, 0]], [[-1, 0]]], ids=["too-large", "negative"])
def test_gather_refuses_indices_out_of_range_as_torch(bad):
    with pytest.raises(RuntimeError):
        torch.tensor(X).gather(1, torch.tensor(bad))
    with pytest.raises(RuntimeError, match="out of range"):
        cr.tensor(X).gather(1, cr.tensor(bad))
    with pytest.raises(IndexError):
        cr.tensor(X).scatter(1, cr.tensor(bad), 0.0)


# --- pieces, reorderings, shapes -------------------------------------------------------------------------------

B = np.arange(24.0).reshape(2, 3, 4) / 5 - 2


def pieces_match(f, a):
    """``f`` returns a tuple of tensors in both libraries: same pieces, and gradients of a weighted sum."""
    x, t = both(a)
    ours, theirs = f(x), f(t)
    assert isinstance(ours, tuple) and len(ours) == len(theirs)
    total, ref = 0, 0
    for k, (o, r) in enumerate(zip(ours, theirs)):
        same(o, r)
        total = total + (o * (k + 1.0)).sum()
        ref = ref + (r * (k + 1.0)).sum()
    total.backward()
    ref.backward()
    np.testing.assert_allclose(x.grad.data, t.grad.numpy())


@pytest.mark.parametrize("f", [lambda m: m.split(2), lambda m: m.split(3, dim=2), lambda m: m.split([1, 2], 1),
                               lambda m: _lib(m).split(m, [3, 0, 1], -1), lambda m: m.chunk(2, 2),
                               lambda m: _lib(m).chunk(m, 3, dim=2), lambda m: m.chunk(5, 1), lambda m: m.unbind(),
                               lambda m: _lib(m).unbind(m, dim=-1)],
                         ids=["split", "split-dim", "sections", "sections-empty", "chunk", "chunk-uneven",
                              "chunk-more-than-size", "unbind", "unbind-last"])
def test_pieces(f):
    pieces_match(f, B)


def test_split_refuses_sections_that_do_not_add_up_as_torch():
    with pytest.raises(RuntimeError):
        torch.tensor(B).split([1, 1], 1)
    with pytest.raises(RuntimeError, match="add up"):
        cr.tensor(B).split([1, 1], 1)


@pytest.mark.parametrize("f", [lambda m: m.flip(0), lambda m: m.flip(0, 2), lambda m: _lib(m).flip(m, (-1,)),
                               lambda m: _lib(m).flip(m, [1, 2]), lambda m: m.roll(1, 2),
                               lambda m: _lib(m).roll(m, (1, -2), (0, 2)), lambda m: m.roll(7),
                               lambda m: m.repeat(2, 1, 3), lambda m: m.repeat(2, 1, 1, 2),
                               lambda m: m.tile((2,)), lambda m: _lib(m).tile(m, (2, 1, 1, 1)),
                               lambda m: m.movedim(0, -1), lambda m: _lib(m).movedim(m, (0, 1), (2, 0)),
                               lambda m: m.moveaxis(1, 0), lambda m: m.unflatten(2, (2, 2)),
                               lambda m: _lib(m).unflatten(m, -2, (-1, 1))],
                         ids=["flip", "flip-2", "flip-neg", "flip-list", "roll", "roll-2", "roll-flat", "repeat",
                              "repeat-new-dim", "tile-short", "tile-long", "movedim", "movedim-2", "moveaxis",
                              "unflatten", "unflatten-minus-one"])
def test_reorderings(f):
    grads_match(f, B)


def test_flip_needs_a_sequence_of_dims_as_torch():
    with pytest.raises(TypeError):
        torch.flip(torch.tensor(B), 0)
    with pytest.raises(TypeError, match="tuple or list"):
        cr.flip(cr.tensor(B), 0)


@pytest.mark.parametrize("pad, kw", [((1, 2), {}), ((1, 0, 0, 2), {"value": 1.5}), ((-1, 1, 2, -1), {}),
                                     ((2, 1), {"mode": "reflect"}), ((1, 2, 2, 1), {"mode": "reflect"}),
                                     ((3, 1, 0, 2), {"mode": "replicate"}), ((1, 3, 2, 0), {"mode": "circular"})],
                         ids=["constant", "value", "crop", "reflect", "reflect-2d", "replicate", "circular"])
def test_pad_modes(pad, kw):
    import chainrule.nn.functional as F
    import torch.nn.functional as TF
    grads_match(lambda m: (F if isinstance(m, cr.Tensor) else TF).pad(m, pad, **kw), B)


def test_pad_reflect_refuses_padding_not_smaller_than_the_size_as_torch():
    import chainrule.nn.functional as F
    with pytest.raises(RuntimeError):
        torch.nn.functional.pad(torch.tensor(B), (4, 0), mode="reflect")
    with pytest.raises(RuntimeError, match="at most 3"):
        F.pad(cr.tensor(B), (4, 0), mode="reflect")


# --- selection ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("f", [lambda m: m.index_select(1, _index(m, [2, 0, 2])),
                               lambda m: _lib(m).index_select(m, -1, _index(m, [3])),
                               lambda m: m.index_select(0, _index(m, 1)),
                               lambda m: m.masked_fill(m > 0, 0.5), lambda m: _lib(m).masked_fill(m, m < 0, -2),
                               lambda m: _lib(m).where(m > 0, m, 0.0), lambda m: m.where(m < 1, -m)],
                         ids=["index_select", "index_select-neg-dim", "index_select-0d", "masked_fill",
                              "masked_fill-int-value", "where", "where-method"])
def test_selection(f):
    grads_match(f, B)


def test_masked_fill_with_a_tensor_value_keeps_the_dtype_and_passes_its_gradient():
    x, t = both(B)
    v, u = both(np.array(3.0))
    out, ref = x.float().masked_fill(x > 0, v), t.float().masked_fill(t > 0, u)
    same(out, ref)
    out.sum().backward()
    ref.sum().backward()
    np.testing.assert_allclose(v.grad.data, u.grad.numpy())


def test_masked_fill_needs_a_boolean_mask():
    with pytest.raises(TypeError, match="boolean"):
        cr.tensor(B).masked_fill(cr.tensor(np.ones(B.shape, dtype=np.int64)), 0.0)


@pytest.mark.parametrize("a", [np.array([[0.0, 1.5, 0.0], [-2.0, 0.0, 0.3]]), np.array(2.0), np.array(0.0),
                               np.zeros((2, 0)), np.array([True, False, True])],
                         ids=["2d", "0d", "0d-zero", "empty", "bool"])
def test_nonzero_and_one_argument_where(a):
    x, t = cr.tensor(a), torch.tensor(a)
    out = x.nonzero()
    same(out, t.nonzero())
    assert out.dtype == np.int64 and not out.requires_grad
    for ours, theirs in [(cr.nonzero(x, as_tuple=True), torch.nonzero(t, as_tuple=True)),
                         (cr.where(x), torch.where(t))]:
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for o, r in zip(ours, theirs):
            same(o, r)


@pytest.mark.parametrize("labels, kw", [([0, 2, 1], {}), ([[1], [0]], {"num_classes": 3}), ([4], {"num_classes": 6})])
def test_one_hot_is_int64_as_torch(labels, kw):
    import chainrule.nn.functional as F
    out = F.one_hot(cr.tensor(labels), **kw)
    same(out, torch.nn.functional.one_hot(torch.tensor(labels), **kw))
    assert not out.requires_grad


def test_one_hot_refuses_classes_out_of_range_as_torch():
    import chainrule.nn.functional as F
    with pytest.raises(RuntimeError):
        torch.nn.functional.one_hot(torch.tensor([0, 3]), 3)
    with pytest.raises(RuntimeError, match="out of range"):
        F.one_hot(cr.tensor([0, 3]), 3)


# --- einsum, products, triangles, diagonals -----------------------------------------------------------------

R = np.random.default_rng(3)


@pytest.mark.parametrize("equation, shapes", [
    ("ij,jk", [(3, 4), (4, 2)]), ("ij,jk->ki", [(3, 4), (4, 2)]), ("ii", [(3, 3)]), ("ii->i", [(3, 3)]),
    ("ba", [(2, 3)]), ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]), ("...ij,...jk", [(2, 1, 3, 4), (5, 4, 2)]),
    ("i...->...", [(3, 2, 2)]), ("i,j", [(3,), (4,)]), ("ij,ij->", [(1, 3), (4, 3)]), ("a b, b c -> a c", [(2, 3), (3, 2)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]), ("iij->j", [(3, 3, 2)]),
], ids=lambda v: str(v).replace(" ", ""))
def test_einsum_matches_torch(equation, shapes):
    arrays = [R.standard_normal(s) for s in shapes]
    ours = [cr.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, ref = cr.einsum(equation, *ours), torch.einsum(equation, *theirs)
    same(out, ref)
    w = R.standard_normal(ref.shape)
    (out * cr.tensor(w)).sum().backward()
    (ref * torch.tensor(w)).sum().backward()
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.grad.data, t.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_einsum_takes_a_list_of_operands_and_refuses_a_wrong_count():
    a, b = R.standard_normal((2, 3)), R.standard_normal((3, 4))
    same(cr.einsum("ij,jk", [cr.tensor(a), cr.tensor(b)]), torch.einsum("ij,jk", [torch.tensor(a), torch.tensor(b)]))
    with pytest.raises(ValueError, match="2 operands"):
        cr.einsum("ij,jk", cr.tensor(a))


@pytest.mark.parametrize("f", [lambda m: m[0].outer(m[1]), lambda m: _lib(m).outer(m[0], m[2, :2]),
                               lambda m: m.tril(), lambda m: m.triu(1), lambda m: _lib(m).tril(m, -1),
                               lambda m: _lib(m).triu(m, diagonal=2), lambda m: m.diag(), lambda m: m.diag(1),
                               lambda m: _lib(m).diag(m, -1), lambda m: m[0].diag(), lambda m: _lib(m).diag(m[1], -2)],
                         ids=["outer", "outer-fn", "tril", "triu1", "tril-1", "triu2", "diag", "diag1", "diag-1",
                              "diag-1d", "diag-1d-neg"])
def test_products_triangles_diagonals(f):
    grads_match(f, X)


def test_tril_refuses_a_vector_as_torch():
    with pytest.raises(RuntimeError):
        torch.tensor([1.0, 2.0]).tril()
    with pytest.raises(RuntimeError, match="at least 2"):
        cr.tensor([1.0, 2.0]).tril()


# --- creation -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("make", [lambda lib: lib.eye(3), lambda lib: lib.eye(2, 4), lambda lib: lib.eye(3, dtype=lib.float64),
                                  lambda lib: lib.linspace(0, 1, 5), lambda lib: lib.linspace(-2.0, 3.0, steps=7),
                                  lambda lib: lib.linspace(1, 1, 1), lambda lib: lib.linspace(0, 10, 11, dtype=lib.float64),
                                  lambda lib: lib.full_like(lib.tensor([[1, 2]]), 7),
                                  lambda lib: lib.full_like(lib.tensor([1.5, 2.0]), 0.25),
                                  lambda lib: lib.full_like(lib.tensor([1, 2]), 2.0, dtype=lib.float32),
                                  lambda lib: lib.zeros_like(lib.tensor([[1, 2]])),
                                  lambda lib: lib.zeros_like(lib.tensor([1.5]), dtype=lib.float64)],
                         ids=["eye", "eye-nm", "eye-dtype", "linspace", "linspace-steps", "linspace-1", "linspace-f64",
                              "full_like-int", "full_like-float", "full_like-dtype", "zeros_like", "zeros_like-dtype"])
def test_creation_functions(make):
    out, ref = make(cr), make(torch)
    assert out.dtype == ref.numpy().dtype
    np.testing.assert_allclose(out.data, ref.numpy(), rtol=1e-6)


def test_creation_functions_with_numpy_dtypes():
    assert cr.eye(2).dtype == np.float32 and cr.eye(2, dtype=np.float64).dtype == np.float64
    same(cr.linspace(0, 1, 5), torch.linspace(0, 1, 5))
    same(cr.full_like(cr.tensor([1, 2]), 7), torch.full_like(torch.tensor([1, 2]), 7))
    x = cr.eye(3, requires_grad=True)
    assert x.requires_grad and x.is_leaf


def test_from_numpy_shares_memory_and_dtype():
    a = np.arange(6, dtype=np.int32).reshape(2, 3)
    x = cr.from_numpy(a)
    assert x.dtype == np.int32 and x.shape == (2, 3)
    a[0, 0] = 42
    assert x[0, 0].item() == 42
    with pytest.raises(TypeError):
        torch.from_numpy([1, 2])
    with pytest.raises(TypeError, match="NumPy array"):
        cr.from_numpy([1, 2])


# --- NumPy's spellings: axis / keepdims beside dim / keepdim ----------------------------------------------

@pytest.mark.parametrize("numpy_form, torch_form", [
    (lambda x: x.prod(axis=1, keepdims=True), lambda t: t.prod(1, keepdim=True)),
    (lambda x: cr.cumsum(x, axis=0), lambda t: torch.cumsum(t, 0)),
    (lambda x: x.norm(axis=1, keepdims=True), lambda t: t.norm(dim=1, keepdim=True)),
    (lambda x: x.sort(axis=0).values, lambda t: t.sort(0).values),
    (lambda x: cr.argsort(x, axis=0), lambda t: torch.argsort(t, 0)),
    (lambda x: x.topk(2, axis=0).values, lambda t: t.topk(2, 0).values),
    (lambda x: x.gather(index=cr.tensor(IDX), axis=1), lambda t: t.gather(1, torch.tensor(IDX))),
    (lambda x: x.split(1, axis=1)[2], lambda t: t.split(1, 1)[2]),
    (lambda x: x.chunk(2, axis=1)[1], lambda t: t.chunk(2, 1)[1]),
    (lambda x: x.unbind(axis=1)[3], lambda t: t.unbind(1)[3]),
    (lambda x: cr.flip(x, axis=1), lambda t: torch.flip(t, (1,))),
    (lambda x: x.roll(1, axis=0), lambda t: t.roll(1, 0)),
], ids=["prod", "cumsum", "norm", "sort", "argsort", "topk", "gather", "split", "chunk", "unbind", "flip", "roll"])
def test_numpy_spellings_of_dim(numpy_form, torch_form):
    x, t = both(X)
    same(numpy_form(x), torch_form(t))


def test_dim_and_axis_together_is_a_type_error():
    with pytest.raises(TypeError, match="both"):
        cr.tensor(X).prod(dim=0, axis=0)
    with pytest.raises(TypeError, match="required argument 'dim'"):
        cr.cumsum(cr.tensor(X))


NEW_NAMES = ("sin cos tan asin acos atan sinh cosh atanh log1p expm1 log2 log10 square rsqrt reciprocal floor ceil "
             "round trunc isnan isinf isfinite atan2 logaddexp pow prod cumsum norm var_mean sort argsort topk split "
             "chunk unbind flip roll tile movedim moveaxis unflatten gather scatter scatter_add index_select masked_fill "
             "nonzero where einsum outer tril triu diag eye linspace zeros_like full_like from_numpy").split()


@pytest.mark.parametrize("name", NEW_NAMES)
def test_each_name_is_a_function_and_a_method_where_torch_has_both(name):
    assert callable(cr.Tensor.repeat)                     # a method only, as in PyTorch
    assert callable(getattr(cr, name))
    if hasattr(torch.Tensor, name):
        assert callable(getattr(cr.Tensor, name)), f"x.{name}() is missing"
