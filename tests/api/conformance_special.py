"""Conformance entries for the special functions (chainrule.special): values and first to third derivatives
against torch; the drawn values are moved into each function's domain (the format is conformance_table's)."""
from __future__ import annotations

from conformance_table import Entry  # noqa: E402

ENTRIES: list[Entry] = []


def _twins(name, call, **kw):
    """``lib.name(...)`` and ``x.name(...)`` on the input that ``call`` makes of the drawn one."""
    return [Entry(name, lambda lib, x, *a, **k: getattr(lib, name)(call(x), *a, **k), **kw),
            Entry("Tensor." + name, lambda lib, x, *a, **k: getattr(call(x), name)(*a, **k), **kw)]


def _between_poles(x):
    """Values in (-1.85, -1.15), between two poles of the gamma family."""
    return x * 0.4 - 1.5


ENTRIES += _twins("lgamma", lambda x: x, domain="positive")
ENTRIES += [Entry("lgamma(negative)", lambda lib, x: lib.lgamma(_between_poles(x)), domain="unit")]
ENTRIES += _twins("digamma", lambda x: x, domain="positive")
ENTRIES += [Entry("digamma(negative)", lambda lib, x: lib.digamma(_between_poles(x)), domain="unit")]
ENTRIES += _twins("erfinv", lambda x: x, domain="unit") + _twins("erfc", lambda x: x * 2)
ENTRIES += [Entry("erfinv(edges)", lambda lib, x: lib.erfinv(lib.where(x > 0.5, 1.0, lib.where(x < -0.5, 1.5, x))),
                  domain="unit", grad=False)]
ENTRIES += _twins("logit", lambda x: x.sigmoid() * 0.9 + 0.05,
                  forms=lambda draw, arrays: [((), {}), ((0.2,), {}), ((), {"eps": 0.4}), ((), {"eps": None})])
ENTRIES += [Entry("logit(outside)", lambda lib, x: lib.logit(x * 2), grad=False)]


def polygamma_forms(draw, arrays):
    return [((1,), {}), ((2,), {}), ((3,), {}), ((0,), {}), ((-1,), {})]


ENTRIES += [Entry("polygamma", lambda lib, x, n: lib.polygamma(n, x), forms=polygamma_forms, domain="positive"),
            Entry("Tensor.polygamma", lambda lib, x, n: x.polygamma(n), forms=polygamma_forms, domain="positive"),
            Entry("polygamma(negative)", lambda lib, x, n: lib.polygamma(n, _between_poles(x)),
                  forms=lambda draw, arrays: [((1,), {}), ((2,), {})], domain="unit")]
