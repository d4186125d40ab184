"""Conformance entries for statistics, products, distances, grids and element picking (chainrule.stats,
chainrule.products, chainrule.selection); the format is conformance_table's."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from conformance_table import Entry, _dim, both, reduce_forms, var_forms  # noqa: E402

ENTRIES: list[Entry] = []


def _is_torch(lib):
    return lib.__name__ == "torch"


def _with_nans(lib, x):
    return lib.where(x > 2, float("nan"), x)


def _repeating(x):
    """x's values rounded so that they repeat, with x's gradient (an identity)."""
    return x - x.detach() + (x.detach() * 2).round()


for _name in ("nansum", "nanmean"):
    ENTRIES += [Entry(_name, (lambda n: lambda lib, x, *a, **k: getattr(lib, n)(_with_nans(lib, x), *a, **k))(_name),
                      forms=reduce_forms()),
                Entry("Tensor." + _name, (lambda n: lambda lib, x, *a, **k: getattr(_with_nans(lib, x), n)(*a, **k))(
                    _name), forms=reduce_forms())]
ENTRIES += [Entry("std_mean", lambda lib, x, *a, **k: lib.std_mean(x, *a, **k), forms=var_forms, domain="distinct")]


def quantile_forms(draw, arrays):
    x = arrays[0]
    d, keep = _dim(draw, x.ndim), draw(st.booleans())
    levels = np.asarray(draw(st.lists(st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.7, 1.0]), min_size=1, max_size=3)),
                        x.dtype)
    out = [((0.3,), {}), ((0.75, d), {}), ((levels, d, keep), {}), ((levels,), {"keepdim": True}),
           ((0.5,), {"axis": d, "keepdims": keep}), ((levels[:1].reshape(()),), {}), ((1.5,), {}),
           ((levels.astype(np.float64 if x.dtype == np.float32 else np.float32),), {}),
           ((0.5,), {"interpolation": "cubic"})]
    out += [((0.4, d), {"interpolation": i}) for i in ("lower", "higher", "midpoint", "nearest")]
    return out


ENTRIES += both("quantile", forms=quantile_forms, domain="distinct")


def mode_forms(draw, arrays):
    d, keep = _dim(draw, arrays[0].ndim), draw(st.booleans())
    return [((), {}), ((d,), {}), ((d, keep), {}), ((), {"dim": d, "keepdim": keep}), ((), {"axis": d})]


ENTRIES += [Entry("mode", lambda lib, x, *a, **k: lib.mode(_repeating(x), *a, **k), forms=mode_forms),
            Entry("Tensor.mode", lambda lib, x, *a, **k: _repeating(x).mode(*a, **k), forms=mode_forms)]


# --- products and distances -------------------------------------------------------------------------------

def cross_shapes(draw):
    n = draw(st.integers(0, 3))
    return draw(st.sampled_from([[(3,), (3,)], [(n, 3), (1, 3)], [(3, n), (3, n)], [(2, 3, n), (3, 1)],
                                 [(n, 2), (n, 2)], [(3,), (2, 3)]]))


def cross_forms(draw, arrays):
    shape = np.broadcast_shapes(*(a.shape for a in arrays)) if all(a.ndim for a in arrays) else arrays[0].shape
    threes = [i for i, n in enumerate(shape) if n == 3] or [0]
    d = draw(st.sampled_from(threes))
    return [((), {}), ((d,), {}), ((), {"dim": d - len(shape)}), ((len(shape),), {})]


def small_pairs(draw):
    return [tuple(draw(st.integers(0, 3)) for _ in range(draw(st.integers(0, 2)))) for _ in range(2)]


def dist_forms(draw, arrays):
    return [((), {}), ((1,), {}), ((3,), {}), ((), {"p": 2.5})]


def dist_value_forms(draw, arrays):
    """p = inf and p = 0: torch's double backward of these is nan or missing; the values are compared."""
    return [((), {"p": float("inf")}), ((0,), {}), ((-1,), {})]


ENTRIES += both("cross", inputs=cross_shapes, forms=cross_forms) + both("kron", inputs=small_pairs)
# away from a zero distance, where torch's second derivative is nan and chainrule's 0 (a norm's kink)
ENTRIES += [Entry("dist", lambda lib, x, y, *a, **k: lib.dist(x, y + 8, *a, **k), inputs="two", forms=dist_forms),
            Entry("Tensor.dist", lambda lib, x, y, *a, **k: x.dist(y + 8, *a, **k), inputs="two", forms=dist_forms)]
ENTRIES += [Entry("dist(p=inf, 0)", lambda lib, x, y, *a, **k: lib.dist(x, y, *a, **k), inputs="two",
                  forms=dist_value_forms, grad=False)]


def cdist_shapes(draw):
    p, r, m, b = (draw(st.integers(0, 3)) for _ in range(4))
    return draw(st.sampled_from([[(p, m), (r, m)]] * 3 + [[(b, p, m), (r, m)], [(2, 1, p, m), (b, r, m)],
                                                          [(p, m), (r, m + 1)], [(m,), (r, m)]]))


def cdist_forms(draw, arrays):
    return [((), {}), ((1.0,), {}), ((), {"p": 3.0}), ((0.0,), {}), ((float("inf"),), {}),
            ((), {"compute_mode": "donot_use_mm_for_euclid_dist"}), ((-1.0,), {}), ((), {"compute_mode": "fast"})]


def cdist_reference(lib, x, y, p=2.0, **kw):
    """cdist, and for torch (whose cdist has no second derivative) the same distances as a norm of
    differences, so that derivatives of every order are compared."""
    y = y + 8                                   # no zero distance (a kink, see dist)
    if not _is_torch(lib):
        return lib.cdist(x, y, p, **kw)
    return (x.unsqueeze(-2) - y.unsqueeze(-3)).norm(p=p, dim=-1)


ENTRIES += [Entry("cdist", lambda lib, x, y, *a, **k: lib.cdist(x, y, *a, **k), inputs=cdist_shapes,
                  forms=cdist_forms, grad=False),
            Entry("cdist(derivatives)", cdist_reference,
                  inputs=lambda draw: [(draw(st.integers(1, 3)), 2), (draw(st.integers(1, 3)), 2)],
                  forms=lambda draw, arrays: [((), {}), ((1.0,), {}), ((3.0,), {})], domain="nonzero")]


# --- grids ----------------------------------------------------------------------------------------------

def vectors(draw):
    return [draw(st.sampled_from([(), (draw(st.integers(0, 3)),)])) for _ in range(draw(st.integers(1, 3)))]


def meshgrid(lib, *xs, **kw):
    return lib.meshgrid(*xs, **kw), lib.meshgrid(list(xs), indexing="xy")


ENTRIES += [Entry("meshgrid", meshgrid, inputs=vectors,
                  forms=lambda draw, a: [((), {}), ((), {"indexing": "ij"}), ((), {"indexing": "xy"}),
                                         ((), {"indexing": "yx"})]),
            Entry("broadcast_tensors", lambda lib, x, y: lib.broadcast_tensors(x, y * 2), inputs="two"),
            Entry("broadcast_tensors(mismatch)", lambda lib, x: lib.broadcast_tensors(x, lib.ones(5, 1, dtype=x.dtype)
                                                                                    [:, :0]), grad=False),
            Entry("cartesian_prod", lambda lib, *xs: lib.cartesian_prod(*xs), inputs=vectors),
            Entry("tril_indices", lambda lib, x: (lib.tril_indices(3, 3), lib.tril_indices(4, 2, -1),
                                                  lib.tril_indices(2, 5, 2), lib.tril_indices(0, 3),
                                                  lib.tril_indices(3, 3, dtype=lib.int32),
                                                  lib.tril_indices(x.ndim + 1, 3, offset=-9)), grad=False),
            Entry("triu_indices", lambda lib, x: (lib.triu_indices(3, 3), lib.triu_indices(4, 2, -1),
                                                  lib.triu_indices(2, 5, 2), lib.triu_indices(3, 0),
                                                  lib.triu_indices(2, 3, dtype=lib.int32),
                                                  lib.triu_indices(x.ndim + 1, 4, offset=9)), grad=False),
            Entry("tril_indices(negative)", lambda lib, x: lib.tril_indices(-1, 3), grad=False)]


# --- picking elements -------------------------------------------------------------------------------------

def take_forms(draw, arrays):
    n = arrays[0].size
    index = np.asarray(draw(st.lists(st.integers(-n, max(n - 1, -n)), max_size=6)) if n else [], np.int64)
    out = [((index,), {}), ((), {"index": index.reshape(1, -1)}), ((np.asarray([n], np.int64),), {})]
    return out + [((np.asarray([[0, -1]], np.int64),), {})] if n else out


def along_forms(draw, arrays):
    x = arrays[0]
    d = _dim(draw, x.ndim)
    dd = d % max(x.ndim, 1)
    n = x.shape[dd] if x.ndim else 1
    shape = tuple(draw(st.sampled_from([1, s])) if i != dd else draw(st.integers(0, 3)) for i, s in enumerate(x.shape))
    index = np.asarray(draw(st.lists(st.integers(0, max(n - 1, 0)), min_size=int(np.prod(shape)),
                                     max_size=int(np.prod(shape)))), np.int64).reshape(shape)
    flat = np.asarray(draw(st.lists(st.integers(0, max(x.size - 1, 0)), max_size=4)) if x.size else [], np.int64)
    out = [((flat,), {}), ((index.reshape(-1)[:1],), {"dim": d})]
    return out + ([((index, d), {}), ((index,), {"dim": d})] if n else [])


def interleave_forms(draw, arrays):
    x = arrays[0]
    d = _dim(draw, x.ndim)
    n = x.shape[d % max(x.ndim, 1)] if x.ndim else 1
    counts = np.asarray(draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)), np.int64)
    return [((2,), {}), ((2, d), {}), ((counts, d), {}), ((), {"repeats": 3, "dim": d}), ((0,), {}),
            ((np.asarray([2], np.int64),), {}), ((counts,), {"dim": d, "output_size": int(counts.sum())}),
            ((-1,), {})]


ENTRIES += both("take", forms=take_forms) + both("take_along_dim", forms=along_forms)
ENTRIES += both("repeat_interleave", forms=interleave_forms)
ENTRIES += [Entry("repeat_interleave(counts)", lambda lib, x: lib.repeat_interleave((x.abs() * 2).long()),
                  inputs=lambda draw: [(draw(st.integers(0, 4)),)], grad=False)]
