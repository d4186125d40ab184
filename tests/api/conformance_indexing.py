"""Conformance entries for chainrule.indexing_ops (index_add, index_fill, masked_scatter, masked_select,
diagonal, unfold, the in-place scatter/index/mask forms, addmm_, apply_, map_) and scatter's reduce; the
format is conformance_table's. Index and mask arguments are drawn to fit the drawn input (and a few not)."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from conformance_table import Entry, _dim  # noqa: E402  (tests/api is on the path)

ENTRIES: list[Entry] = []


def _index(draw, n, k=None, bad=False):
    k = draw(st.integers(0, 4)) if k is None else k
    values = draw(st.lists(st.integers(-n, n - 1) if n else st.just(0), min_size=k, max_size=k)) if n or not k else []
    return np.asarray(values + ([n + 2] if bad else []), dtype=np.int64)


def index_add_forms(draw, arrays):
    x = arrays[0]
    d = _dim(draw, x.ndim)
    n = x.shape[d] if x.ndim else 1
    idx = _index(draw, n, None if n else 0)
    shape = x.shape[:d % max(x.ndim, 1)] + (len(idx),) + x.shape[d % max(x.ndim, 1) + 1:] if x.ndim else ()
    src = np.linspace(-1, 1, int(np.prod(shape))).reshape(shape).astype(x.dtype)
    out = [((d, idx, src), {}), ((d, idx, src), {"alpha": 2.5}), ((), {"dim": d, "index": idx, "source": src})]
    if x.ndim:
        out.append(((d, idx, src[..., :0] if src.shape[-1] else np.ones(shape + (1,), x.dtype)), {}))
    if n:
        out.append(((d, _index(draw, n, len(idx), bad=True)[1:], src), {}))
    return out


def index_fill_forms(draw, arrays):
    x = arrays[0]
    d = _dim(draw, x.ndim)
    n = x.shape[d] if x.ndim else 1
    idx = _index(draw, n, None if n else 0)
    out = [((d, idx, -1.5), {}), ((d, idx, np.asarray(2.0, x.dtype)), {}), ((), {"dim": d, "index": idx, "value": 0.5}),
           ((d, idx[:1].reshape(()) if len(idx) else idx, 1.0), {})]
    return out + ([((d, _index(draw, n, 1, bad=True)[1:], 1.0), {})] if n else [])


def _mask(draw, shape):
    return np.asarray(draw(st.lists(st.booleans(), min_size=int(np.prod(shape)), max_size=int(np.prod(shape)))),
                      bool).reshape(shape)


def mask_forms(draw, arrays):
    x = arrays[0]
    m = _mask(draw, x.shape)
    out = [((m,), {}), ((m.astype(np.float64),), {})]
    if x.ndim:
        out += [((m[..., :1],), {}), ((_mask(draw, x.shape[-1:]),), {}), ((_mask(draw, (x.shape[-1] + 1,)),), {})]
    return out


def _masked_scatter(lib, x, mask):
    """The source holds twice as many values as the input, enough for any mask that fits."""
    return lib.masked_scatter(x, mask, lib.cat([x.reshape(-1) * 3, x.reshape(-1) - 1]))


def diagonal_forms(draw, arrays):
    ndim = arrays[0].ndim
    a, b = _dim(draw, ndim), _dim(draw, ndim)
    o = draw(st.integers(-3, 3))
    return [((), {}), ((o,), {}), ((o, a, b), {}), ((), {"offset": o, "dim1": a, "dim2": b}), ((0, a, a), {})]


def unfold_forms(draw, arrays):
    x = arrays[0]
    d = _dim(draw, x.ndim)
    n = x.shape[d] if x.ndim else 1
    size, step = draw(st.integers(0, n)), draw(st.integers(1, 3))
    return [((d, size, step), {}), ((d, n + 1, 1), {}), ((d, size, 0), {}), ((), {"dimension": d, "size": size,
                                                                               "step": step})]


def scatter_reduce_forms(draw, arrays):
    x = arrays[0]
    d = _dim(draw, x.ndim)
    n = x.shape[d % max(x.ndim, 1)] if x.ndim else 1
    if not n or not x.ndim:
        return []
    shape = tuple(min(k, 2) if i != d % x.ndim else 2 for i, k in enumerate(x.shape))
    idx = np.asarray(draw(st.lists(st.integers(0, n - 1), min_size=int(np.prod(shape)), max_size=int(np.prod(shape)))),
                     np.int64).reshape(shape)
    src = np.linspace(0.5, 2, int(np.prod(shape))).reshape(shape).astype(x.dtype)
    return [((d, idx, src), {"reduce": "add"}), ((d, idx, src), {"reduce": "multiply"}),
            ((d, idx, 1.5), {"reduce": "multiply"}), ((d, idx), {"value": 2.0, "reduce": "add"}),
            ((d, idx, src), {"reduce": "mean"})]


def _fn_and_method(name, forms, **kw):
    return [Entry(name, lambda lib, x, *a, **k: getattr(lib, name)(x, *a, **k), forms=forms, **kw),
            Entry("Tensor." + name, lambda lib, x, *a, **k: getattr(x, name)(*a, **k), forms=forms, **kw)]


ENTRIES += _fn_and_method("index_add", index_add_forms) + _fn_and_method("index_fill", index_fill_forms)
ENTRIES += _fn_and_method("masked_select", mask_forms)
ENTRIES += _fn_and_method("diagonal", diagonal_forms, min_dims=2)
ENTRIES += [Entry("masked_scatter", _masked_scatter, forms=mask_forms),
            Entry("Tensor.masked_scatter", lambda lib, x, m, *a: x.masked_scatter(m, x * 2 + 1), forms=mask_forms),
            Entry("Tensor.unfold", lambda lib, x, *a, **k: x.unfold(*a, **k), forms=unfold_forms),
            Entry("scatter (reduce)", lambda lib, x, *a, **k: (lib.scatter(x, *a, **k), x.scatter(*a, **k)),
                  forms=scatter_reduce_forms, grad=False)]


def _in_place_entry(name, forms, **kw):
    def call(lib, x, *a, **k):
        y = x * 1
        out = getattr(y, name)(*a, **k)
        return out, out is y, y._version
    return [Entry("Tensor." + name, call, forms=forms, **kw),
            Entry(f"Tensor.{name} (leaf)", lambda lib, x, *a, **k: getattr(x, name)(*a, **k), forms=forms, **kw)]


def scatter_forms(draw, arrays):
    out = scatter_reduce_forms(draw, arrays)
    return [(a, {}) for a, k in out if "value" not in k][:1] + [(out[0][0][:2], {"value": -1.0})] if out else []


def scatter_add_forms(draw, arrays):
    return [(a, {}) for a, k in scatter_reduce_forms(draw, arrays)[:1]]


def addmm_forms(draw, arrays):
    x = arrays[0]
    n, m = x.shape
    k = draw(st.integers(0, 3))
    a = np.linspace(-1, 1, n * k).reshape(n, k).astype(x.dtype)
    b = np.linspace(2, -1, k * m).reshape(k, m).astype(x.dtype)
    return [((a, b), {}), ((a, b), {"beta": 0.5, "alpha": -2.0}), ((b.T, a.T), {})]


ENTRIES += _in_place_entry("scatter_", scatter_forms)
ENTRIES += [Entry("Tensor.scatter_ (reduce)", lambda lib, x, *a, **k: x.detach().clone().scatter_(*a, **k),
                  forms=scatter_reduce_forms, grad=False)]
ENTRIES += _in_place_entry("scatter_add_", scatter_add_forms)
ENTRIES += _in_place_entry("index_add_", index_add_forms) + _in_place_entry("index_fill_", index_fill_forms)
ENTRIES += _in_place_entry("masked_scatter_", lambda draw, arrays: [(f[0] + (np.asarray(arrays[0] * 2),), {})
                                                                     for f in mask_forms(draw, arrays)])
ENTRIES += _in_place_entry("addmm_", addmm_forms, min_dims=2, max_dims=2)


def _python_loops(lib, x):
    y = x.detach().clone()
    z = y.apply_(lambda v: v * 2 - 1)
    w = x.detach().clone().map_(x.detach()[..., :1] if x.ndim else x.detach(), lambda a, b: a * b + 1)
    return z, z is y, y._version, w


ENTRIES += [Entry("Tensor.apply_", _python_loops, grad=False), Entry("Tensor.map_", _python_loops, grad=False),
            Entry("Tensor.apply_ (requires grad)", lambda lib, x: x.apply_(float)),
            Entry("Tensor.map_ (requires grad)", lambda lib, x: x.map_(x, lambda a, b: a))]
