"""Reductions with dim/keepdim, shape ops and indexing, values and gradients against torch, after
tinygrad's test_ops.py (test_sum_axis, test_max_dont_collapse, test_flip, test_pad ...), MyGrad's
tests/tensor_ops and tests/indexing, and HIPS autograd's test_numpy.py (test_sum_*, test_index_*)."""
import numpy as np
import pytest

import chainrule as cr

from acc_helpers import arrays, check

torch = pytest.importorskip("torch")

REDUCTIONS = [
    ("sum", lambda m, x, kw: m.sum(x, **kw)), ("mean", lambda m, x, kw: m.mean(x, **kw)),
    ("method_sum", lambda m, x, kw: x.sum(**kw)), ("method_mean", lambda m, x, kw: x.mean(**kw)),
    ("prod", lambda m, x, kw: m.prod(x, **kw)), ("amax", lambda m, x, kw: m.amax(x, **kw)),
    ("amin", lambda m, x, kw: m.amin(x, **kw)), ("var", lambda m, x, kw: m.var(x, **kw)),
    ("std", lambda m, x, kw: m.std(x, **kw)), ("logsumexp", lambda m, x, kw: m.logsumexp(x, **kw)),
    ("norm", lambda m, x, kw: m.norm(x, **kw)),
]
DIMS = [dict(dim=0), dict(dim=1), dict(dim=-1), dict(dim=0, keepdim=True), dict(dim=-1, keepdim=True),
        dict(dim=(0, 2)), dict(dim=(0, -1), keepdim=True)]
SINGLE_DIM_ONLY = {"prod", "logsumexp"}


CASES = [(n, f, kw) for n, f in REDUCTIONS for kw in DIMS if not (n == "prod" and isinstance(kw["dim"], tuple))]


@pytest.mark.parametrize("name,fn,kw", CASES, ids=[f"{n}-{kw}" for n, _, kw in CASES])
def test_reduction_dims(name, fn, kw):
    (a,) = arrays([(3, 4, 2)], low=0.5, high=2.0)
    check(lambda m, x: fn(m, x, kw), [a], torch)


@pytest.mark.parametrize("name,fn", [r for r in REDUCTIONS if r[0] not in SINGLE_DIM_ONLY], ids=[r[0] for r in REDUCTIONS if r[0] not in SINGLE_DIM_ONLY])
def test_reduction_all(name, fn):
    (a,) = arrays([(3, 4)], low=0.5, high=2.0)
    check(lambda m, x: fn(m, x, {}), [a], torch)


POSITIONAL = [("sum1", lambda m, x: m.sum(x, 1)), ("mean1", lambda m, x: m.mean(x, 1)),
              ("softmax1", lambda m, x: m.softmax(x, 1)), ("log_softmax0", lambda m, x: m.log_softmax(x, 0)),
              ("x.sum(-1)", lambda m, x: x.sum(-1)), ("cumsum", lambda m, x: m.cumsum(x, 1)),
              ("cumsum_neg", lambda m, x: x.cumsum(-2)), ("var_unbiased_false", lambda m, x: x.var(1, unbiased=False)),
              ("var_correction0", lambda m, x: x.var(dim=0, correction=0)), ("std_keepdim", lambda m, x: x.std(0, keepdim=True)),
              ("norm_p1", lambda m, x: m.norm(x, 1)), ("norm_inf", lambda m, x: m.norm(x, float("inf"))),
              ("norm_p3_dim", lambda m, x: m.norm(x, 3, dim=1)), ("max_values", lambda m, x: x.max(1).values),
              ("max_all", lambda m, x: x.max()), ("min_values", lambda m, x: x.min(0)[0]),
              ("min_keepdim", lambda m, x: x.min(1, keepdim=True).values),
              ("sort_values", lambda m, x: m.sort(x, 1).values), ("sort_desc", lambda m, x: x.sort(0, descending=True)[0]),
              ("topk", lambda m, x: m.topk(x, 2).values), ("topk_smallest", lambda m, x: x.topk(2, dim=0, largest=False).values),
              ("var_mean", lambda m, x: m.var_mean(x, 1)[0] + m.var_mean(x, 1)[1])]


@pytest.mark.parametrize("name,fn", POSITIONAL, ids=[p[0] for p in POSITIONAL])
def test_reduction_spellings(name, fn):
    (a,) = arrays([(3, 4)], seed=3)
    check(fn, [a], torch)


INDEX_RESULTS = [("argmax", lambda m, x: x.argmax(1)), ("argmin", lambda m, x: m.argmin(x, 0)),
                 ("argmax_all", lambda m, x: x.argmax()), ("max_indices", lambda m, x: x.max(1).indices),
                 ("min_indices", lambda m, x: m.min(x, dim=0).indices), ("argsort", lambda m, x: m.argsort(x, 1)),
                 ("sort_indices", lambda m, x: x.sort(0).indices), ("topk_indices", lambda m, x: x.topk(3).indices),
                 ("argmax_keepdim", lambda m, x: x.argmax(1, keepdim=True))]


@pytest.mark.parametrize("name,fn", INDEX_RESULTS, ids=[p[0] for p in INDEX_RESULTS])
def test_index_results(name, fn):
    (a,) = arrays([(3, 4)], seed=4)
    ours = fn(cr, cr.tensor(a))
    theirs = fn(torch, torch.tensor(a))
    np.testing.assert_array_equal(ours.data, theirs.numpy())
    assert ours.data.dtype == np.int64


SHAPES = [
    ("reshape", lambda m, x: x.reshape(4, 6)), ("reshape_neg", lambda m, x: x.reshape(-1, 3)),
    ("view", lambda m, x: x.view(2, 12)), ("flatten", lambda m, x: x.flatten()),
    ("transpose01", lambda m, x: x.transpose(0, 1)), ("transpose_neg", lambda m, x: x.transpose(-1, 0)),
    ("permute", lambda m, x: x.permute(2, 0, 1)), ("permute_neg", lambda m, x: x.permute(0, -1, 1)),
    ("unsqueeze", lambda m, x: x.unsqueeze(1)), ("unsqueeze_neg", lambda m, x: x.unsqueeze(-1)),
    ("squeeze_noop", lambda m, x: x.squeeze(0)), ("squeeze_all", lambda m, x: x.unsqueeze(0).squeeze()),
    ("flip", lambda m, x: m.flip(x, (0, 2))), ("flip_method", lambda m, x: x.flip(1)),
    ("roll", lambda m, x: m.roll(x, 1, 2)), ("roll_multi", lambda m, x: m.roll(x, (1, -1), (0, 1))),
    ("roll_flat", lambda m, x: m.roll(x, 5)), ("repeat", lambda m, x: x.repeat(1, 2, 1)),
    ("tile", lambda m, x: m.tile(x, (2, 1))), ("movedim", lambda m, x: m.movedim(x, 0, -1)),
    ("unflatten", lambda m, x: m.unflatten(x, 2, (2, 2))), ("expand", lambda m, x: x[:, :1].expand(2, 5, 4)),
    ("cat0", lambda m, x: m.cat([x, x * 2], 0)), ("cat_neg", lambda m, x: m.cat([x, x.exp()], dim=-1)),
    ("stack", lambda m, x: m.stack([x, -x], 1)), ("stack_neg", lambda m, x: m.stack([x, x], dim=-1)),
    ("split_int", lambda m, x: m.split(x, 2, 1)[1]), ("split_sections", lambda m, x: m.split(x, [1, 2], dim=1)[0]),
    ("chunk", lambda m, x: m.chunk(x, 2, 2)[1]), ("unbind", lambda m, x: m.unbind(x, 1)[2] * 3),
    ("t", lambda m, x: x[0].t()), ("T2d", lambda m, x: x[1].T), ("tril", lambda m, x: m.tril(x[0])),
    ("triu_k", lambda m, x: m.triu(x[1], 1)), ("diag", lambda m, x: m.diag(x[0])),
    ("diag_vec", lambda m, x: m.diag(x[0, 0])), ("outer", lambda m, x: m.outer(x[0, 0], x[1, 1])),
    ("einsum_mm", lambda m, x: m.einsum("ij,kj->ik", x[0], x[1])), ("einsum_trace", lambda m, x: m.einsum("ii", x[0, :, :3])),
    ("einsum_batch", lambda m, x: m.einsum("bij,bkj->bik", x, x)), ("pad_const", lambda m, x: m.nn.functional.pad(x, (1, 2))),
    ("pad_reflect", lambda m, x: m.nn.functional.pad(x, (1, 1), mode="reflect")),
    ("pad_replicate", lambda m, x: m.nn.functional.pad(x, (2, 0), mode="replicate")),
    ("pad_circular", lambda m, x: m.nn.functional.pad(x, (1, 1), mode="circular")),
    ("pad_crop", lambda m, x: m.nn.functional.pad(x, (-1, 0, 1, 1), value=2.0)),
]


@pytest.mark.parametrize("name,fn", SHAPES, ids=[s[0] for s in SHAPES])
def test_shape_ops(name, fn):
    (a,) = arrays([(2, 3, 4)], seed=5)
    check(fn, [a], torch)


INDEX = [
    ("int", lambda x: x[1]), ("neg_int", lambda x: x[-1]), ("slice", lambda x: x[1:3]),
    ("step_slice", lambda x: x[::2]), ("neg_step_free", lambda x: x[:, 1:-1]), ("int_slice", lambda x: x[0, 1:]),
    ("ellipsis", lambda x: x[..., 2]), ("none", lambda x: x[None, 1]), ("list", lambda x: x[[0, 2, 2]]),
    ("list_pair", lambda x: x[[0, 1], [2, 3]]), ("bool_mask", lambda x: x[x > 0]),
    ("row_mask", lambda x: x[[True, False, True, False]]),
    ("tensor_index", lambda x: x[x.argmax(1) * 0]), ("repeated_cols", lambda x: x[:, [1, 1, 3]]),
    ("scalar_elem", lambda x: x[2, 3]), ("slice_list", lambda x: x[1:, [0, 2]]),
]


@pytest.mark.parametrize("name,fn", INDEX, ids=[i[0] for i in INDEX])
def test_indexing(name, fn):
    (a,) = arrays([(4, 5)], seed=6)
    check(lambda m, x: fn(x), [a], torch)


GATHERS = [
    ("gather1", lambda m, x: m.gather(x, 1, ix(m, [[0, 0], [1, 0], [3, 2]]))),
    ("gather0", lambda m, x: x.gather(0, ix(m, [[0, 1, 2, 0]]))),
    ("index_select", lambda m, x: m.index_select(x, 1, ix(m, [3, 0, 3]))),
    ("scatter_src", lambda m, x: m.scatter(x, 1, ix(m, [[0], [2], [1]]), x[:, :1] * 5)),
    ("scatter_add", lambda m, x: m.scatter_add(x, 0, ix(m, [[0, 1, 2, 0]]), x[:1] * 2)),
    ("masked_fill", lambda m, x: m.masked_fill(x, x > 0.5, 0.0)), ("where_scalar", lambda m, x: m.where(x > 0, x, 0.0)),
    ("one_hot_mul", lambda m, x: x * m.nn.functional.one_hot(ix(m, [0, 3, 2]), 4)),
]


def ix(m, values):
    return m.tensor(np.array(values, dtype=np.int64))


@pytest.mark.parametrize("name,fn", GATHERS, ids=[g[0] for g in GATHERS])
def test_gather_scatter(name, fn):
    (a,) = arrays([(3, 4)], seed=7)
    check(fn, [a], torch)


CREATION = [("zeros", lambda m: m.zeros(2, 3)), ("ones_tuple", lambda m: m.ones((3,))), ("full", lambda m: m.full((2, 2), 7.0)),
            ("eye", lambda m: m.eye(3)), ("eye_rect", lambda m: m.eye(2, 4)), ("arange", lambda m: m.arange(5)),
            ("arange_step", lambda m: m.arange(1, 10, 3)), ("arange_float", lambda m: m.arange(0, 1, 0.25)),
            ("linspace", lambda m: m.linspace(0, 1, 5)), ("zeros_like", lambda m: m.zeros_like(m.ones(2, 3))),
            ("full_like", lambda m: m.full_like(m.ones(2), 3.0)), ("ones_like", lambda m: m.ones_like(m.zeros(4)))]


@pytest.mark.parametrize("name,fn", CREATION, ids=[c[0] for c in CREATION])
def test_creation(name, fn):
    ours, theirs = fn(cr), fn(torch)
    assert ours.shape == tuple(theirs.shape)
    assert str(ours.data.dtype) == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_allclose(ours.data, theirs.numpy())
