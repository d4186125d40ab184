"""Conformance entries for counting, searching, whole-tensor comparisons and logic (chainrule.search): none is
differentiable; the drawn floats are rounded so that values repeat (the format is conformance_table's)."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from conformance_table import Entry, _dim  # noqa: E402

ENTRIES: list[Entry] = []


def _twins(name, call, **kw):
    """``lib.name(...)`` and ``x.name(...)``: ``call(f, lib, *inputs, *args, **kw)`` with ``f`` either."""
    function = Entry(name, lambda lib, *a, **k: call(getattr(lib, name), lib, *a, **k), grad=False, **kw)
    method = Entry("Tensor." + name, lambda lib, x, *a, **k: call(lambda s, *b, **c: getattr(s, name)(*b, **c),
                                                                  lib, x, *a, **k), grad=False, **kw)
    return [function, method]


def _rounded(x):
    return (x * 2).round()


def unique_forms(draw, arrays):
    d = _dim(draw, arrays[0].ndim)
    return [((), {}), ((True, True), {}), ((), {"return_inverse": True, "return_counts": True}),
            ((), {"sorted": True, "return_counts": True}), ((), {"dim": d}),
            ((), {"dim": d, "return_inverse": True, "return_counts": True})]


def count_forms(draw, arrays):
    ndim = arrays[0].ndim
    d = _dim(draw, ndim)
    out = [((), {}), ((d,), {}), ((), {"dim": d})]
    if ndim >= 2:
        out += [(((0, d),), {}), ((), {"dim": (-1, 0)})]
    return out


def histc_forms(draw, arrays):
    return [((), {}), ((4,), {}), ((5, -1.0, 1.0), {}), ((), {"bins": 3, "min": 0, "max": 2}), ((0,), {}),
            ((3, 2.0, 1.0), {})]


def one_dim(draw):
    return [(draw(st.integers(0, 6)),)]


def bincount_forms(draw, arrays):
    x = arrays[0]
    return [((), {}), ((), {"minlength": 6}), ((x * 0.5,), {}), ((), {"weights": x, "minlength": 2}),
            ((None, -1), {})]


ENTRIES += _twins("unique", lambda f, lib, x, *a, **k: f(_rounded(x), *a, **k), forms=unique_forms)
ENTRIES += _twins("count_nonzero", lambda f, lib, x, *a, **k: f(_rounded(x), *a, **k), forms=count_forms)
ENTRIES += _twins("histc", lambda f, lib, x, *a, **k: f(x, *a, **k), forms=histc_forms)
ENTRIES += _twins("bincount", lambda f, lib, x, *a, **k: f((x.abs() * 2).long(), *a, **k), forms=bincount_forms,
                  inputs=one_dim)
ENTRIES += [Entry("bincount(bad input)", lambda lib, x: (lib.bincount(x), lib.bincount((x * 2).long())),
                  grad=False)]
ENTRIES += [Entry("histc(integers)", lambda lib, x: lib.histc(x.long()), grad=False)]


def search_shapes(draw):
    n, m, b = draw(st.integers(0, 5)), draw(st.integers(0, 4)), draw(st.integers(1, 3))
    return draw(st.sampled_from([[(n,), (m,)], [(n,), (b, m)], [(b, n), (b, m)], [(2, b, n), (2, b, m)],
                                 [(n,), ()], [(b, n), (b + 1, m)], [(), ()], [(b, n), ()]]))


def search_forms(draw, arrays):
    return [((), {}), ((), {"right": True}), ((), {"side": "right"}), ((), {"side": "left"}),
            ((), {"out_int32": True, "right": True}), ((), {"side": "left", "right": True}),
            ((), {"side": "middle"})]


ENTRIES += [Entry("searchsorted", lambda lib, s, v, *a, **k: lib.searchsorted(_rounded(s).sort().values if s.ndim
                                                                              else s, _rounded(v), *a, **k),
                  forms=search_forms, inputs=search_shapes, grad=False),
            Entry("searchsorted(sorter)", lambda lib, s, v: lib.searchsorted(_rounded(s), _rounded(v),
                                                                             sorter=_rounded(s).argsort()),
                  inputs=search_shapes, grad=False),
            Entry("searchsorted(number)", lambda lib, s: lib.searchsorted(_rounded(s).sort().values, 0.5),
                  inputs=one_dim, grad=False),
            Entry("bucketize", lambda lib, v, s, *a, **k: lib.bucketize(_rounded(v), _rounded(s).sort().values
                                                                        if s.ndim else s, *a, **k),
                  forms=lambda draw, arrays: [((), {}), ((), {"right": True}), ((), {"out_int32": True})],
                  inputs=lambda draw: [s[::-1] for s in search_shapes(draw)], grad=False)]


def close_forms(draw, arrays):
    return [((), {}), ((1e-3,), {}), ((0.0, 1e-2), {}), ((), {"rtol": 0, "atol": 1e-7}), ((), {"equal_nan": True}),
            ((), {"rtol": -1.0})]


def _near(lib, x, y):
    """Values near x: a little off, inf where x is large, nan where it is small, far off elsewhere."""
    near = x + y * 1e-6
    return lib.where(x > 2.5, float("inf"), lib.where(x < -2.5, float("nan"), lib.where(x.abs() < 1, near, x + 1)))


ENTRIES += _twins("isclose", lambda f, lib, x, y, *a, **k: (f(x, _near(lib, x, y), *a, **k), f(x, y, *a, **k)),
                  forms=close_forms, inputs="two")
ENTRIES += _twins("allclose", lambda f, lib, x, y, *a, **k: (f(x, _near(lib, x, y), *a, **k), f(x, y, *a, **k),
                                                             f(x, x, *a, **k)), forms=close_forms, inputs="two")
ENTRIES += [Entry("isclose(two dtypes)", lambda lib, x: lib.isclose(x, x.double()), grad=False),
            Entry("isclose(integers)", lambda lib, x: lib.isclose(_rounded(x).long(), (x * 2).long()), grad=False)]
ENTRIES += _twins("equal", lambda f, lib, x, y: (f(x, y), f(x, x * 1), f(y, y + 0), f(x, x.reshape(-1))),
                  inputs="two")
for _name in ("logical_and", "logical_or", "logical_xor"):
    ENTRIES += _twins(_name, lambda f, lib, x, y: (f(_rounded(x), _rounded(y)), f(x > 0, _rounded(y)),
                                                   f(_rounded(x).long(), y > 0)), inputs="two")
ENTRIES += _twins("logical_not", lambda f, lib, x: (f(_rounded(x)), f(x > 0), f(_rounded(x).long())))
