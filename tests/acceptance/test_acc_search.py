"""Counting, searching and comparing after PyTorch's test_torch.py / test_reductions.py cases (test_bincount,
test_histc, test_searchsorted, test_bucketize, test_unique, test_isclose, test_logical): each expression on
chainrule and on torch, values, dtypes and exception classes."""
import numpy as np
import pytest

import chainrule as cr

from acc_helpers import same_error

torch = pytest.importorskip("torch")

CASES = [
    ("bincount", lambda m: m.bincount(m.tensor([2, 3, 3, 0, 6]))),
    ("bincount_weights", lambda m: m.bincount(m.tensor([0, 1, 1, 4]), m.tensor([0.5, 1.5, 2.0, -1.0]))),
    ("bincount_minlength", lambda m: m.bincount(m.tensor([1, 1]), minlength=5)),
    ("bincount_empty", lambda m: m.bincount(m.tensor([], dtype=m.int64), minlength=3)),
    ("histc", lambda m: m.histc(m.tensor([1.0, 2.0, 1.0]), bins=4, min=0, max=3)),
    ("histc_data_range", lambda m: m.histc(m.tensor([1.0, 2.0, 1.0, 7.5, -3.0]), bins=5)),
    ("histc_all_equal", lambda m: m.histc(m.tensor([1.0, 1.0, 1.0]), bins=4)),
    ("histc_outside", lambda m: m.histc(m.tensor([1.0, 2.0, 5.0, -1.0], dtype=m.float64), bins=3, min=0, max=3)),
    ("searchsorted", lambda m: m.searchsorted(m.tensor([1.0, 3, 5, 7, 9]), m.tensor([[3.0, 6, 9], [3, 6, 9]]))),
    ("searchsorted_right", lambda m: m.searchsorted(m.tensor([1.0, 3, 5, 7, 9]), m.tensor([3.0, 6, 9]),
                                                    right=True)),
    ("searchsorted_rows", lambda m: m.searchsorted(m.tensor([[1.0, 3, 5, 7, 9], [2, 4, 6, 8, 10]]),
                                                   m.tensor([[3.0, 6, 9], [3, 6, 9]]), side="right")),
    ("searchsorted_sorter", lambda m: m.searchsorted(m.tensor([5.0, 1, 3]), m.tensor([2.0, 4]),
                                                     sorter=m.tensor([1, 2, 0]))),
    ("searchsorted_scalar", lambda m: m.searchsorted(m.tensor([1.0, 2, 3]), 2.5, out_int32=True)),
    ("bucketize", lambda m: m.bucketize(m.tensor([[3.0, 6, 9], [3, 6, 9]]), m.tensor([1.0, 3, 5, 7, 9]))),
    ("bucketize_right", lambda m: m.bucketize(m.tensor([3.0, 6, 9]), m.tensor([1.0, 3, 5, 7, 9]), right=True)),
    ("unique", lambda m: m.unique(m.tensor([1, 3, 2, 3]))),
    ("unique_all", lambda m: m.unique(m.tensor([[1, 3], [2, 3]]), return_inverse=True, return_counts=True)),
    ("unique_dim", lambda m: m.tensor([[1.0, 2], [1, 2], [0, 5]]).unique(dim=0, return_inverse=True)),
    ("unique_nan", lambda m: m.unique(m.tensor([1.0, float("nan"), float("nan")]))),
    ("count_nonzero", lambda m: m.count_nonzero(m.tensor([[0, 1, 7], [0, 0, 3]]), dim=0)),
    ("isclose", lambda m: m.isclose(m.tensor([1.0, 2.0, float("inf"), float("nan")]),
                                    m.tensor([1.0 + 1e-6, 2.1, float("inf"), float("nan")]))),
    ("isclose_nan", lambda m: m.tensor([float("nan"), 1.0]).isclose(m.tensor([float("nan"), 1.0]), equal_nan=True)),
    ("isclose_int", lambda m: m.isclose(m.tensor([1, 2]), m.tensor([1, 3]), atol=0, rtol=0)),
    ("logical_and", lambda m: m.logical_and(m.tensor([1.0, 0.0, 2.0]), m.tensor([True, True, False]))),
    ("logical_xor", lambda m: m.tensor([[0], [3]]).logical_xor(m.tensor([0, 1]))),
    ("logical_not", lambda m: m.logical_not(m.tensor([0.0, -1.5]))),
]


def _numpy(out):
    return [_numpy(o) for o in out] if isinstance(out, tuple) else (out.detach().numpy() if hasattr(out, "detach")
                                                                     else out.data)


def _compare(ours, theirs):
    if isinstance(theirs, tuple):
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            _compare(o, t)
        return
    assert ours.dtype == torch.empty(0, dtype=theirs.dtype).numpy().dtype, (ours.dtype, theirs.dtype)
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.data, theirs.numpy())


@pytest.mark.parametrize("name,make", CASES, ids=[c[0] for c in CASES])
def test_against_torch(name, make):
    _compare(make(cr), make(torch))


BOOLS = [("allclose", lambda m: m.allclose(m.tensor([1.0, 2.0]), m.tensor([1.0, 2.0 + 1e-6]))),
         ("allclose_broadcast", lambda m: m.tensor([1.0]).allclose(m.tensor([1.0, 1.1]))),
         ("equal", lambda m: m.equal(m.tensor([1.0, 2.0]), m.tensor([1.0, 2.0]))),
         ("equal_shape", lambda m: m.equal(m.tensor([1.0]), m.tensor([1.0, 1.0]))),
         ("equal_dtypes", lambda m: m.tensor([1, 2]).equal(m.tensor([1.0, 2.0])))]


@pytest.mark.parametrize("name,make", BOOLS, ids=[c[0] for c in BOOLS])
def test_python_bools(name, make):
    ours, theirs = make(cr), make(torch)
    assert type(ours) is bool and ours == theirs


ERRORS = [
    ("bincount_negative", lambda m: m.bincount(m.tensor([-1, 2]))),
    ("bincount_2d", lambda m: m.bincount(m.tensor([[1, 2]]))),
    ("bincount_float", lambda m: m.bincount(m.tensor([1.0]))),
    ("histc_int", lambda m: m.histc(m.tensor([1, 2]))),
    ("histc_range", lambda m: m.histc(m.tensor([1.0]), min=3, max=1)),
    ("searchsorted_rows_mismatch", lambda m: m.searchsorted(m.tensor([[1.0, 2], [3, 4]]), m.tensor([1.0, 2, 3]))),
    ("searchsorted_sides", lambda m: m.searchsorted(m.tensor([1.0]), m.tensor([1.0]), side="left", right=True)),
    ("bucketize_2d", lambda m: m.bucketize(m.tensor([1.0]), m.tensor([[1.0, 2]]))),
    ("isclose_dtypes", lambda m: m.isclose(m.tensor([1.0]), m.tensor([1.0], dtype=m.float64))),
    ("unique_dim_range", lambda m: m.unique(m.tensor([[1.0]]), dim=2)),
    ("count_nonzero_dim", lambda m: m.count_nonzero(m.tensor([1.0]), dim=1)),
]


@pytest.mark.parametrize("name,make", ERRORS, ids=[c[0] for c in ERRORS])
def test_errors(name, make):
    same_error(make, torch)
