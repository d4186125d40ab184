"""Conformance entries for chainrule.arithmetic: arithmetic names as functions and methods, the arc*
spellings, in-place forms of elementwise functions, and dtype and size facts; the format is
conformance_table's."""
from __future__ import annotations

from conformance_table import Entry, _dim, both, method  # noqa: E402  (tests/api is on the path)

ENTRIES: list[Entry] = []


def alpha_forms(draw, arrays):
    return [((), {}), ((), {"alpha": 2.5}), ((), {"alpha": -1})]


def div_forms(draw, arrays):
    return [((), {}), ((), {"rounding_mode": "trunc"}), ((), {"rounding_mode": "floor"}),
            ((), {"rounding_mode": "round"})]


def _pair(name):
    """``name(x, y)`` with tensors (broadcast), a number, and int64 operands."""
    def call(lib, x, y, **k):
        f = getattr(lib, name)
        return f(x, y, **k), getattr(x, name)(y, **k), f(x, 3, **k), f((x * 4).long(), (y * 0 + 3).long(), **k)
    return call


for _name in ("add", "sub", "subtract"):
    ENTRIES += [Entry(_name, _pair(_name), forms=alpha_forms, inputs="two"),
                Entry("Tensor." + _name, _pair(_name), forms=alpha_forms, inputs="two")]
for _name in ("div", "divide"):
    ENTRIES += [Entry(_name, _pair(_name), forms=div_forms, inputs="two", domain="nonzero"),
                Entry("Tensor." + _name, _pair(_name), forms=div_forms, inputs="two", domain="nonzero")]
for _name in ("mul", "multiply", "true_divide"):
    ENTRIES += [Entry(_name, _pair(_name), inputs="two", domain="nonzero"),
                Entry("Tensor." + _name, _pair(_name), inputs="two", domain="nonzero")]
ENTRIES += [Entry("add (int alpha)", lambda lib, x: lib.add(x.long(), 1, alpha=0.5), grad=False)]

for _name, _domain in {"neg": "real", "negative": "real", "absolute": "nonzero", "arccos": "unit", "arcsin": "unit",
                       "arctan": "real", "arctanh": "unit"}.items():
    ENTRIES += both(_name, domain=_domain)
ENTRIES += both("arctan2", inputs="two", domain="nonzero")
ENTRIES += [Entry(n, (lambda n: lambda lib, x: (getattr(lib, n)(x), getattr(x, n)()))(n)) for n in ("positive",)]
ENTRIES += [Entry("Tensor.positive", lambda lib, x: x.positive()),
            Entry("positive (bool)", lambda lib, x: lib.positive(x > 0), grad=False),
            Entry("neg (bool)", lambda lib, x: lib.neg(x > 0), grad=False)]


def swap_forms(draw, arrays):
    ndim = arrays[0].ndim
    return [((_dim(draw, ndim), _dim(draw, ndim)), {})]


ENTRIES += both("swapdims", forms=swap_forms) + both("ravel")
ENTRIES += [method("ndimension", grad=False), method("is_floating_point", grad=False),
            Entry("Tensor.is_signed", lambda lib, x: (x.is_signed(), (x > 0).is_signed(), x.long().is_signed()),
                  grad=False),
            Entry("Tensor.is_nonzero", lambda lib, x: (x != 0).is_nonzero(), grad=False),
            Entry("Tensor.is_same_size", lambda lib, x: (x.is_same_size(x * 2), x.is_same_size(x.reshape(-1))),
                  grad=False)]

UNARY_IN_PLACE = {"abs": "nonzero", "absolute": "nonzero", "neg": "real", "negative": "real", "exp": "real",
                  "log": "positive", "sqrt": "positive", "sign": "real", "relu": "nonzero", "sigmoid": "real",
                  "tanh": "real", "erf": "real", "sin": "real", "cos": "real", "tan": "unit", "asin": "unit",
                  "acos": "unit", "atan": "real", "sinh": "real", "cosh": "real", "atanh": "unit",
                  "log1p": "positive", "expm1": "real", "log2": "positive", "log10": "positive", "square": "real",
                  "rsqrt": "positive", "reciprocal": "positive", "floor": "real", "ceil": "real", "trunc": "real",
                  "arccos": "unit", "arcsin": "unit", "arctan": "real", "arctanh": "unit"}


def _unary_(name):
    def call(lib, x):
        y = x * 1
        out = getattr(y, name + "_")()
        return out, out is y, y._version
    return call


def _leaf_(name):
    return lambda lib, x: getattr(x, name + "_")()


for _name, _domain in UNARY_IN_PLACE.items():
    _grad = _name not in ("atanh", "arctanh")           # torch: "the derivative for 'inplace version of atanh'
    ENTRIES += [Entry(f"Tensor.{_name}_", _unary_(_name), domain=_domain, grad=_grad),   # is not implemented"
                Entry(f"Tensor.{_name}_ (leaf)", _leaf_(_name), domain=_domain, grad=_grad)]


def _binary_(name):
    def call(lib, x, y):
        z = x * 1 + y * 0
        out = getattr(z, name + "_")(y)
        return out, out is z, z._version
    return call


for _name, _domain in {"multiply": "nonzero", "subtract": "real", "divide": "nonzero", "true_divide": "nonzero",
                       "atan2": "nonzero", "arctan2": "nonzero", "hypot": "nonzero"}.items():
    ENTRIES += [Entry(f"Tensor.{_name}_", _binary_(_name), inputs="two", domain=_domain)]
