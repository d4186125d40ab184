"""Conformance entries for the random functions and fills (chainrule.sampling, chainrule.factories): random
values differ between the libraries, so each call returns its facts (shape, dtype, requires_grad, identity and
version of a filled tensor) and bad calls their exception class; tests/api/test_sampling.py checks the
distributions and gradients. The format is conformance_table's."""
from __future__ import annotations

from conformance_table import Entry  # noqa: E402  (tests/api is on the path)

ENTRIES: list[Entry] = []


def facts(t):
    """Shape, dtype (as an empty tensor of it) and requires_grad."""
    return tuple(t.shape), t.detach().reshape(-1)[:0], t.requires_grad


def _lib_value(lib, v):
    """Dtype names as each library's dtype."""
    return getattr(lib, v) if isinstance(v, str) and v in ("float32", "float64", "int64", "int32", "bool") else v


def _call(lib, f, a, k):
    return f(*[_lib_value(lib, v) for v in a], **{n: _lib_value(lib, v) for n, v in k.items()})


def factory(name, forms, prepare=lambda lib, x: ()):
    """An entry for ``lib.name(*prepare(x), *args, **kw)`` returning the result's facts."""
    return Entry(name, lambda lib, x, *a, **k: facts(_call(lib, getattr(lib, name), prepare(lib, x) + a, k)),
                 forms=forms, grad=False)


def shape_of(lib, x):
    return ()


def randint_forms(draw, arrays):
    s = arrays[0].shape
    return [((5, s), {}), ((-2, 3, s), {}), ((3,), {"size": s}), ((), {"low": 1, "high": 4, "size": list(s)}),
            ((5, s), {"dtype": "float64"}), ((5, s), {"requires_grad": True}),
            ((5, s), {"dtype": "float32", "requires_grad": True}), ((5, 5, s), {}), ((5, 2), {}), ((2.5, s), {})]


def like_forms(draw, arrays):
    return [((), {}), ((), {"dtype": "float64"}), ((), {"dtype": "float32", "requires_grad": True}),
            ((), {"dtype": "int64"})]


def randint_like_forms(draw, arrays):
    return [((5,), {}), ((-1, 2), {}), ((), {"high": 3}), ((4,), {"dtype": "int64"}), ((3, 3), {})]


def randperm_forms(draw, arrays):
    n = arrays[0].size
    return [((n,), {}), ((n,), {"dtype": "float64"}), ((-1,), {}), ((2.0,), {})]


def empty_forms(draw, arrays):
    s = arrays[0].shape
    return [(s, {}), ((s,), {}), ((list(s),), {"dtype": "int64"}), ((s,), {"requires_grad": True}),
            ((-1,), {})] + ([((*s,), {"dtype": "float64"})] if s else [])


def normal_forms(draw, arrays):
    s = arrays[0].shape
    return [((0.5, 2.0, s), {}), ((0.0, 1.0), {"size": s, "dtype": "float64"}), ((0.0, -1.0, s), {}),
            ((1.0, 1.0), {}), ((0.0, 1.0, s), {"requires_grad": True})]


ENTRIES += [factory("randint", randint_forms), factory("randperm", randperm_forms),
            factory("empty", empty_forms), factory("normal", normal_forms)]

for _name in ("rand_like", "randn_like", "empty_like"):
    ENTRIES.append(factory(_name, like_forms, lambda lib, x: (x,)))
ENTRIES.append(factory("randint_like", randint_like_forms, lambda lib, x: (x,)))


def _sample(lib, x, kind):
    """bernoulli / poisson / normal of tensors made from the drawn input (leaves that require grad)."""
    p = x.abs() / 3
    calls = {"bernoulli": lambda: [lib.bernoulli(p), lib.bernoulli(p, 0.25), p.bernoulli(), p.bernoulli(p=0.5),
                                   lib.bernoulli(p.detach() * 0 + 1)],
             "poisson": lambda: [lib.poisson(p * 4), lib.poisson(p.detach())],
             "normal": lambda: [lib.normal(x, p), lib.normal(x, 2.0), lib.normal(1.0, p), lib.normal(x),
                                lib.normal(x.detach(), p.detach())]}
    return [facts(t) for t in calls[kind]()]


def _bad_sample(lib, x, kind):
    calls = {"bernoulli": lambda: lib.bernoulli(x.detach() * 0 + 2), "poisson": lambda: lib.poisson(x * 0 - 1),
             "normal": lambda: lib.normal(x, x * 0 - 1)}
    return calls[kind]()


for _name in ("bernoulli", "poisson", "normal"):
    ENTRIES += [Entry(_name if _name != "normal" else "normal (tensors)", (lambda n: lambda lib, x: _sample(lib, x, n))(_name)),
                Entry(f"{_name} (bad)", (lambda n: lambda lib, x: _bad_sample(lib, x, n))(_name), min_dims=1,
                      domain="positive")]
ENTRIES += [Entry("Tensor.bernoulli", lambda lib, x: _sample(lib, x, "bernoulli"))]


def multinomial_forms(draw, arrays):
    x = arrays[0]
    n = x.shape[-1] if x.ndim else 1
    return [((1,), {}), ((n,), {}), ((n + 2, True), {}), ((3,), {"replacement": True}), ((n + 1,), {}),
            ((0,), {}), ((-1, True), {})]


def _multinomial(lib, x, *a, **k):
    w = x.abs() + 0.125
    return facts(lib.multinomial(w, *a, **k)), facts(w.multinomial(*a, **k))


def _bad_weights(lib, x):
    return {"zero": lambda: lib.multinomial(x * 0, 1), "negative": lambda: lib.multinomial(x - 10, 1),
            "integer": lambda: lib.multinomial(x.long() + 1, 1), "inf": lambda: lib.multinomial(x / 0, 1)}


ENTRIES += [Entry("multinomial", _multinomial, forms=multinomial_forms, grad=False),
            Entry("Tensor.multinomial", _multinomial, forms=multinomial_forms, grad=False)]
ENTRIES += [Entry(f"multinomial ({k})", (lambda k: lambda lib, x: _bad_weights(lib, x)[k]())(k), min_dims=1,
                  max_dims=2, domain="positive", grad=False) for k in ("zero", "negative", "integer", "inf")]


def fill(name, forms):
    """``y.name(*args)`` on a non-leaf copy ``y`` (facts, identity, version), on the leaf (refused in grad
    mode), under no_grad, and on an int64 tensor."""
    def call(lib, x, *a, **k):
        y = x * 1
        out = getattr(y, name)(*a, **k)
        with lib.no_grad():
            plain = getattr(x.detach().clone(), name)(*a, **k)
        return facts(out), out is y, y._version, facts(plain)
    return [Entry("Tensor." + name, call, forms=forms),
            Entry(f"Tensor.{name} (leaf)", lambda lib, x, *a, **k: getattr(x, name)(*a, **k), forms=forms,
                  grad=True),
            Entry(f"Tensor.{name} (int64)", lambda lib, x, *a, **k: facts(getattr(x.long(), name)(*a, **k)),
                  forms=forms, grad=False)]


def _forms(*forms):
    return lambda draw, arrays: list(forms)


ENTRIES += fill("uniform_", _forms(((), {}), ((-2.0, 3.0), {}), ((), {"to": 5.0}), ((2.0, 1.0), {})))
ENTRIES += fill("normal_", _forms(((), {}), ((1.0, 2.0), {}), ((), {"std": 0.5}), ((0.0, -1.0), {})))
ENTRIES += fill("random_", _forms(((), {}), ((7,), {}), ((-3, 4), {}), ((), {"to": 9}), ((3, 3), {})))
ENTRIES += fill("bernoulli_", _forms(((), {}), ((0.25,), {}), ((), {"p": 1.0}), ((1.5,), {})))
ENTRIES += fill("exponential_", _forms(((), {}), ((2.5,), {}), ((0.0,), {}), ((-1.0,), {})))
ENTRIES += fill("cauchy_", _forms(((), {}), ((1.0, 0.5), {}), ((0.0, 0.0), {})))
ENTRIES += fill("log_normal_", _forms(((), {}), ((0.0, 0.5), {}), ((1.0, 0.0), {})))
ENTRIES += fill("geometric_", _forms(((0.5,), {}), ((0.25,), {}), ((0.0,), {}), ((1.0,), {})))
