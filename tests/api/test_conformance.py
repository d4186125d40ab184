"""Differential conformance: every entry of ``conformance_table.ENTRIES`` called on chainrule and on torch
with the same drawn inputs and every argument form; values, dtypes, return types (named tuples included),
which outputs carry gradients, first, second and third derivatives, and the exception class of calls torch
refuses.
"""
import dataclasses
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import chainrule as cr

from conformance_table import ENTRIES, EXCLUDED  # noqa: E402  (tests/api is on the path)
from conformance_everyday import ENTRIES as EVERYDAY  # noqa: E402
from conformance_drawn import ENTRIES as DRAWN  # noqa: E402
from conformance_methods import ENTRIES as METHODS, EXCLUDED as EXCLUDED_METHODS  # noqa: E402
from conformance_search import ENTRIES as SEARCH  # noqa: E402
from conformance_sampling import ENTRIES as SAMPLING  # noqa: E402
from conformance_indexing import ENTRIES as INDEXING  # noqa: E402
from conformance_arithmetic import ENTRIES as ARITHMETIC  # noqa: E402
from conformance_stats import ENTRIES as STATS  # noqa: E402
from conformance_special import ENTRIES as SPECIAL  # noqa: E402

torch = pytest.importorskip("torch")
ENTRIES = ENTRIES + EVERYDAY + METHODS + SEARCH + SAMPLING + INDEXING + ARITHMETIC + STATS + SPECIAL
ENTRIES += DRAWN
EXCLUDED = {**EXCLUDED, **EXCLUDED_METHODS}

ELEMENTS = {
    "real": st.floats(-3, 3, width=32),
    "distinct": st.floats(-3, 3, width=32),
    "positive": st.floats(0.125, 3, width=32),
    "unit": st.floats(-0.875, 0.875, width=32),
    "nonzero": st.one_of(st.floats(0.0625, 3, width=32), st.floats(-3, -0.0625, width=32)),
}
ELEMENTS["factors"] = st.one_of(st.just(0.0), ELEMENTS["nonzero"])     # zeros, and none near 0
TOLERANCE = {"float32": dict(rtol=2e-4, atol=2e-5), "float64": dict(rtol=1e-9, atol=1e-10)}
RENAMES = {"axis": "dim", "keepdims": "keepdim"}


def _array(data, entry, dtype, shape):
    return data.draw(hnp.arrays(dtype, shape, elements=ELEMENTS[entry.domain], unique=entry.domain == "distinct"))


def _inputs(data, entry, dtype):
    """The arrays an entry is called with: shapes from 0-d and empty to broadcast pairs."""
    if callable(entry.inputs):
        return [_array(data, entry, dtype, s) for s in entry.inputs(data.draw)]
    if entry.inputs == "two":
        shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, min_side=0, max_side=3))
        return [_array(data, entry, dtype, s) for s in shapes.input_shapes]
    if entry.inputs == "cat":
        shape = data.draw(hnp.array_shapes(min_dims=entry.min_dims, max_dims=entry.max_dims, min_side=0, max_side=3))
        return [_array(data, entry, dtype, shape) for _ in range(2)]
    if entry.inputs == "pair_vectors":
        return [_array(data, entry, dtype, (data.draw(st.integers(0, 4)),)) for _ in range(2)]
    if entry.inputs == "matmul":
        n, k, m, b = (data.draw(st.integers(1, 3)) for _ in range(4))
        pair = data.draw(st.sampled_from([((k,), (k,)), ((n, k), (k, m)), ((k,), (k, m)), ((n, k), (k,)),
                                          ((b, n, k), (k, m)), ((b, 1, n, k), (b, k, m))]))
        return [_array(data, entry, dtype, s) for s in pair]
    shape = data.draw(hnp.array_shapes(min_dims=entry.min_dims, max_dims=entry.max_dims, min_side=0, max_side=4))
    return [_array(data, entry, dtype, shape)]


def _argument(lib, value):
    if isinstance(value, np.ndarray):
        return cr.tensor(value) if lib is cr else torch.from_numpy(value.copy())
    return value


def _run(lib, entry, arrays, args, kw):
    """``(leaves, output, exception)`` of one call."""
    leaves = [(cr.tensor if lib is cr else torch.tensor)(a, requires_grad=entry.grad) for a in arrays]
    args = [_argument(lib, a) for a in args]
    kw = {(RENAMES.get(k, k) if lib is torch else k): _argument(lib, v) for k, v in kw.items()}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return leaves, entry.call(lib, *leaves, *args, **kw), None
    except Exception as e:                      # noqa: BLE001 - compared with torch's exception below
        return leaves, None, e


def _numpy_dtype(t):
    return torch.empty(0, dtype=t.dtype).numpy().dtype


def _same(ours, theirs, tol, where="output"):
    """The same structure, types, dtypes, shapes, values and requires_grad."""
    if theirs is None:
        assert ours is None, where
    elif isinstance(theirs, torch.Tensor):
        assert isinstance(ours, cr.Tensor), f"{where}: torch gives a tensor, chainrule {type(ours).__name__}"
        assert ours.dtype == _numpy_dtype(theirs), f"{where}: dtype {ours.dtype}, torch {theirs.dtype}"
        assert ours.shape == tuple(theirs.shape), f"{where}: shape {ours.shape}, torch {tuple(theirs.shape)}"
        if theirs.dtype in (torch.float32, torch.float16):
            tol = TOLERANCE["float32"]
        np.testing.assert_allclose(ours.data, theirs.detach().numpy(), err_msg=where, **tol)
        assert ours.requires_grad == theirs.requires_grad, f"{where}: requires_grad {ours.requires_grad}"
    elif isinstance(theirs, (tuple, list)):
        assert isinstance(ours, (tuple, list)) and len(ours) == len(theirs), f"{where}: {ours!r} vs {theirs!r}"
        if hasattr(theirs, "indices"):          # torch.return_types.max, sort, topk, ...
            assert type(ours).__name__ == type(theirs).__name__, f"{where}: a {type(ours).__name__}"
            assert ours.values is ours[0] and ours.indices is ours[1]
        for i, (o, t) in enumerate(zip(ours, theirs)):
            _same(o, t, tol, f"{where}[{i}]")
    else:
        assert type(ours) is type(theirs) or isinstance(ours, int) and type(theirs) is int, \
            f"{where}: {type(ours).__name__}, torch {type(theirs).__name__}"
        np.testing.assert_allclose(ours, theirs, err_msg=where, **tol)


def _flat(out):
    return [t for o in out for t in _flat(o)] if isinstance(out, (tuple, list)) else [out]


def _weighted(outputs, rng, lib):
    """sum_i <w_i, out_i>, the same random weights for both libraries."""
    total = 0
    for o in outputs:
        w = rng.standard_normal(tuple(o.shape))
        total = total + (o * (cr.tensor(w, dtype=o.dtype) if lib is cr else torch.tensor(w, dtype=o.dtype))).sum()
    return total


def _grads(lib, loss, leaves, create_graph):
    if not getattr(loss, "requires_grad", False):
        return [None] * len(leaves)
    grad = cr.grad if lib is cr else torch.autograd.grad
    return list(grad(loss, leaves, allow_unused=True, create_graph=create_graph))


def _same_grads(ours, theirs, leaves, tol, where):
    for i, (g, t, x) in enumerate(zip(ours, theirs, leaves)):
        expected = np.zeros(x.shape) if t is None or t._is_zerotensor() else t.detach().numpy()
        got = np.zeros(x.shape) if g is None else g.data
        np.testing.assert_allclose(got, expected, err_msg=f"{where} of input {i}", **tol)


def _compare_derivatives(ours_leaves, ours, theirs_leaves, theirs, tol, third=True):
    """First derivatives of a weighted sum of the outputs that need a gradient, then second derivatives
    (the derivative of <grad, v>) and third derivatives (the derivative of <second derivative, u>)."""
    pairs = [(o, t) for o, t in zip(_flat(ours), _flat(theirs)) if isinstance(t, torch.Tensor) and t.requires_grad]
    if not pairs or not all(torch.isfinite(t).all() for _, t in pairs):
        return                                  # no derivative at a nan or inf value (var of too few values)
    seed = sum(int(np.prod(t.shape)) for _, t in pairs)
    loss_ours = _weighted([o for o, _ in pairs], np.random.default_rng(seed), cr)
    loss_theirs = _weighted([t for _, t in pairs], np.random.default_rng(seed), torch)
    g_ours = _grads(cr, loss_ours, ours_leaves, True)
    g_theirs = _grads(torch, loss_theirs, theirs_leaves, True)
    _same_grads(g_ours, g_theirs, ours_leaves, tol, "gradient")
    rng = np.random.default_rng(seed + 1)
    directions = [rng.standard_normal(tuple(x.shape)) for x in theirs_leaves]
    second_ours = sum(((g * cr.tensor(v, dtype=g.dtype)).sum() for g, v in zip(g_ours, directions)
                       if g is not None), cr.tensor(0.0))
    second_theirs = sum(((g * torch.tensor(v, dtype=g.dtype)).sum() for g, v in zip(g_theirs, directions)
                         if g is not None and g.requires_grad), torch.tensor(0.0))
    h_ours, h_theirs = _grads(cr, second_ours, ours_leaves, True), _grads(torch, second_theirs, theirs_leaves, True)
    _same_grads(h_ours, h_theirs, ours_leaves, tol, "second derivative")
    if not third:
        return
    rng = np.random.default_rng(seed + 2)                 # third: the derivative of <second derivative, u>
    directions = [rng.standard_normal(tuple(x.shape)) for x in theirs_leaves]
    third_ours = sum(((h * cr.tensor(u, dtype=h.dtype)).sum() for h, u in zip(h_ours, directions)
                      if h is not None), cr.tensor(0.0))
    third_theirs = sum(((h * torch.tensor(u, dtype=h.dtype)).sum() for h, u in zip(h_theirs, directions)
                        if h is not None and h.requires_grad), torch.tensor(0.0))
    loose = {"rtol": max(tol["rtol"], 1e-7), "atol": max(tol["atol"], 1e-7)}     # float64: see _third_in_float64
    _same_grads(_grads(cr, third_ours, ours_leaves, False), _grads(torch, third_theirs, theirs_leaves, False),
                ours_leaves, loose, "third derivative")


def _builtin(kind):
    return next(k for k in kind.__mro__ if k.__module__ == "builtins")


def check(entry, arrays, args, kw):
    tol = TOLERANCE.get(str(arrays[0].dtype) if arrays else "", TOLERANCE["float64"])
    theirs_leaves, theirs, error = _run(torch, entry, arrays, args, kw)
    ours_leaves, ours, our_error = _run(cr, entry, arrays, args, kw)
    call = f"{entry.name}(shapes {[a.shape for a in arrays]}, {args}, {kw})"
    if error is not None:
        assert our_error is not None, f"{call}: torch raises {type(error).__name__} ({error}), chainrule returns"
        assert isinstance(our_error, _builtin(type(error))), \
            f"{call}: torch raises {type(error).__name__}, chainrule {type(our_error).__name__}: {our_error}"
        return
    if our_error is not None:
        raise AssertionError(f"{call}: chainrule raises {type(our_error).__name__}: {our_error}") from our_error
    _same(ours, theirs, tol, call)
    if not entry.grad:
        return
    apart = bool(arrays) and arrays[0].dtype == np.float32 or entry.torch_third is not None
    _compare_derivatives(ours_leaves, ours, theirs_leaves, theirs, tol, entry.third and not apart)
    if entry.third and apart:
        _third_in_float64(entry, arrays, args, kw)


def _third_in_float64(entry, arrays, args, kw):
    """Third derivatives of a float32 call, compared on the same values in float64 (against torch's
    composition ``entry.torch_third`` where it has one): in float32 the formulas' cancellations (``ans / x``
    in cumprod's) leave errors of order eps32 / x^2 near 0, in torch's third derivative as in chainrule's
    (x = [2^-8, 2^-8]: the exact cumprod third derivative is 0, torch gives -2.4e-3, chainrule -3.9e-3); in
    float64 the two agree to 1e-7 for factors of at least 2^-4 (the domain "factors")."""
    wide = [a.astype(np.float64) for a in arrays]
    args = [a.astype(np.float64) if isinstance(a, np.ndarray) and a.dtype == np.float32 else a for a in args]
    kw = {k: v.astype(np.float64) if isinstance(v, np.ndarray) and v.dtype == np.float32 else v
          for k, v in kw.items()}
    reference = dataclasses.replace(entry, call=entry.torch_third or entry.call)
    theirs_leaves, theirs, error = _run(torch, reference, wide, args, kw)
    ours_leaves, ours, our_error = _run(cr, entry, wide, args, kw)
    if error is None and our_error is None:
        _compare_derivatives(ours_leaves, ours, theirs_leaves, theirs, TOLERANCE["float64"], True)


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.name for e in ENTRIES])
@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
@given(data=st.data())
def test_conformance(entry, data):
    dtype = data.draw(st.sampled_from(["float32", "float64"]), label="dtype")
    arrays = _inputs(data, entry, np.dtype(dtype))
    forms = entry.forms(data.draw, arrays) if entry.forms else [((), {})]
    for args, kw in forms:
        check(entry, arrays, args, kw)


def _public_names():
    names = {n for n in cr.__all__}
    names |= {"Tensor." + n for n in dir(cr.Tensor) if not n.startswith("_")}
    return names


def test_every_public_name_has_an_entry():
    """A public function or Tensor method without an entry (or a documented exclusion) fails here."""
    covered = {e.name for e in ENTRIES} | set(EXCLUDED)
    missing = sorted(_public_names() - covered)
    assert not missing, f"add conformance entries (tests/api/conformance_table.py) for: {missing}"
    stale = sorted(set(EXCLUDED) - _public_names())
    assert not stale, f"exclusions of names that are not public: {stale}"
