"""Statistics, products, grids and picking after PyTorch's test_torch.py / test_reductions.py /
test_autograd.py cases (test_nansum, test_quantile, test_mode, test_cross, test_kron, test_cdist,
test_meshgrid, test_take_along_dim, test_repeat_interleave): values and gradients on chainrule and torch."""
import numpy as np
import pytest

from acc_helpers import arrays, check, same_error

torch = pytest.importorskip("torch")

NAN = float("nan")

CASES = [
    ("nansum", [(3, 4)], lambda m, x: m.nansum(m.where(x > 1, NAN, x))),
    ("nansum_dim", [(3, 4)], lambda m, x: m.where(x > 1, NAN, x).nansum(1, keepdim=True)),
    ("nanmean_dims", [(2, 3, 4)], lambda m, x: m.nanmean(m.where(x < -1, NAN, x), dim=(0, 2))),
    ("quantile_linear", [(7,)], lambda m, x: m.quantile(x, 0.3)),
    ("quantile_levels", [(4, 5)], lambda m, x: m.quantile(x, m.tensor([0.0, 0.25, 1.0], dtype=m.float64), dim=1)),
    ("quantile_keepdim", [(4, 5)], lambda m, x: x.quantile(0.5, dim=0, keepdim=True)),
    ("quantile_midpoint", [(6,)], lambda m, x: m.quantile(x, 0.55, interpolation="midpoint")),
    ("quantile_nearest", [(3, 6)], lambda m, x: m.quantile(x, 0.5, -1, interpolation="nearest")),
    ("std_mean", [(3, 4)], lambda m, x: m.stack(m.std_mean(x, 1))),
    ("std_mean_biased", [(3, 4)], lambda m, x: m.stack(m.std_mean(x, correction=0))),
    ("mode_values", [(3, 6)], lambda m, x: m.mode(x - x.detach() + (x.detach() * 1.5).round()).values),
    ("mode_dim0", [(5, 2)], lambda m, x: (x - x.detach() + x.detach().round()).mode(0, True).values),
    ("cross", [(4, 3), (4, 3)], lambda m, x, y: m.cross(x, y, dim=1)),
    ("cross_broadcast", [(3, 2), (3, 1)], lambda m, x, y: x.cross(y, dim=0)),
    ("kron", [(2, 3), (3, 2)], lambda m, x, y: m.kron(x, y)),
    ("kron_vector", [(2, 2), (3,)], lambda m, x, y: x.kron(y)),
    ("dist", [(5,), (5,)], lambda m, x, y: m.dist(x, y)),
    ("dist_p", [(2, 3), (3,)], lambda m, x, y: x.dist(y, 3)),
    ("cdist", [(4, 3), (5, 3)], lambda m, x, y: m.cdist(x, y)),
    ("cdist_p1_batch", [(2, 4, 3), (2, 5, 3)], lambda m, x, y: m.cdist(x, y, p=1)),
    ("meshgrid_ij", [(3,), (4,)], lambda m, x, y: m.stack(m.meshgrid(x, y, indexing="ij")) * 2),
    ("meshgrid_xy", [(3,), (4,)], lambda m, x, y: m.meshgrid(x, y, indexing="xy")[0] * m.meshgrid(x, y,
                                                                                             indexing="xy")[1]),
    ("broadcast_tensors", [(3, 1), (4,)], lambda m, x, y: m.stack(m.broadcast_tensors(x, y))),
    ("cartesian_prod", [(3,), (2,)], lambda m, x, y: m.cartesian_prod(x, y)),
    ("take", [(3, 4)], lambda m, x: m.take(x, m.tensor([[0, 5], [-1, 5]]))),
    ("take_along_dim", [(3, 4)], lambda m, x: m.take_along_dim(x, m.argsort(x, 1), 1)),
    ("take_along_dim_broadcast", [(3, 4)], lambda m, x: x.take_along_dim(m.tensor([[0], [3], [1]]), dim=1)),
    ("take_along_dim_flat", [(3, 4)], lambda m, x: m.take_along_dim(x, m.tensor([0, 11, 11]))),
    ("repeat_interleave", [(2, 3)], lambda m, x: m.repeat_interleave(x, 2)),
    ("repeat_interleave_dim", [(2, 3)], lambda m, x: x.repeat_interleave(m.tensor([1, 0, 3]), dim=1)),
]


@pytest.mark.parametrize("name,shapes,fn", CASES, ids=[c[0] for c in CASES])
def test_values_and_gradients(name, shapes, fn):
    check(fn, arrays(shapes, seed=len(name)), torch)


ERRORS = [
    ("quantile_empty", lambda m: m.quantile(m.zeros(0), 0.5)),
    ("quantile_range", lambda m: m.quantile(m.ones(3), 1.5)),
    ("quantile_dtype", lambda m: m.quantile(m.ones(3), m.tensor([0.5], dtype=m.float64))),
    ("quantile_int", lambda m: m.quantile(m.tensor([1, 2]), 0.5)),
    ("mode_empty", lambda m: m.mode(m.zeros(0))),
    ("cross_no_three", lambda m: m.cross(m.ones(2, 4), m.ones(2, 4))),
    ("cross_dim", lambda m: m.cross(m.ones(3, 4), m.ones(3, 4), dim=1)),
    ("cdist_columns", lambda m: m.cdist(m.ones(2, 3), m.ones(2, 4))),
    ("cdist_1d", lambda m: m.cdist(m.ones(3), m.ones(2, 3))),
    ("meshgrid_2d", lambda m: m.meshgrid(m.ones(2, 2), indexing="ij")),
    ("take_range", lambda m: m.take(m.ones(2, 2), m.tensor([4]))),
    ("take_along_dim_ndim", lambda m: m.take_along_dim(m.ones(2, 2), m.tensor([0]), dim=0)),
    ("repeat_interleave_size", lambda m: m.repeat_interleave(m.ones(3), m.tensor([1, 2]))),
    ("tril_indices_negative", lambda m: m.tril_indices(-1, 2)),
]


@pytest.mark.parametrize("name,make", ERRORS, ids=[c[0] for c in ERRORS])
def test_errors(name, make):
    same_error(make, torch)


def test_mode_ties_pick_the_smallest_value_and_its_last_index():
    import chainrule as cr
    x = [[1.0, 2, 2, 3, 3], [4, 4, 1, 1, 0]]
    ours, theirs = cr.mode(cr.tensor(x)), torch.mode(torch.tensor(x))
    np.testing.assert_array_equal(ours.values.data, theirs.values.numpy())
    np.testing.assert_array_equal(ours.indices.data, theirs.indices.numpy())
    assert type(ours).__name__ == "mode"
