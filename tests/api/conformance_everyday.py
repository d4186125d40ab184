"""Conformance entries for matrix products, shape helpers as functions, scans, medians, clamp with tensor
bounds and the ``new_*`` / ``*_as`` methods (chainrule.everyday); the format is conformance_table's."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from conformance_table import (Entry, _dim, both, clip_forms, dim_forms, extreme_forms, flatten_forms, fn,  # noqa: E402
                               method, permute_forms, squeeze_forms, unsqueeze_forms)

ENTRIES: list[Entry] = []



def _sizes(draw, k=4):
    return [draw(st.integers(0, 3)) for _ in range(k)]


def mm_shapes(draw):
    n, k, m, j = _sizes(draw)
    return draw(st.sampled_from([[(n, k), (k, m)]] * 4 + [[(n, k), (j + 4, m)], [(n,), (n, m)]]))


def bmm_shapes(draw):
    b, n, k, m = _sizes(draw)
    return draw(st.sampled_from([[(b, n, k), (b, k, m)]] * 4 + [[(b + 1, n, k), (1, k, m)], [(n, k), (k, m)]]))


def dot_shapes(draw):
    k = draw(st.integers(0, 4))
    return draw(st.sampled_from([[(k,), (k,)]] * 4 + [[(k,), (k + 1,)], [(1, k), (k,)]]))


def mv_shapes(draw):
    n, k, _, _ = _sizes(draw)
    return draw(st.sampled_from([[(n, k), (k,)]] * 4 + [[(n, k), (k + 1,)], [(k,), (k,)]]))


def addmm_shapes(draw):
    n, k, m, _ = _sizes(draw)
    bias = draw(st.sampled_from([(n, m), (m,), (1, m), (n, 1), (), (2, n, m)]))
    return [bias, (n, k), (k, m)]


def baddbmm_shapes(draw):
    b, n, k, m = _sizes(draw)
    bias = draw(st.sampled_from([(b, n, m), (n, m), (m,), (), (b + 1, n, m)]))
    return [bias, (b, n, k), (b, k, m)]


def squeeze_tuple_forms(draw, arrays):
    ndim = arrays[0].ndim
    out = squeeze_forms(draw, arrays)
    if ndim >= 2:
        out += [(((0, _dim(draw, ndim)),), {}), ((), {"dim": (_dim(draw, ndim),)}), (((),), {})]
    return out


def narrow_forms(draw, arrays):
    x = arrays[0]
    d = _dim(draw, x.ndim)
    n = x.shape[d] if x.ndim else 0
    start, length = draw(st.integers(-n - 1, n)), draw(st.integers(-1, n + 1))
    return [((d, start, length), {}), ((d, max(start, 0), min(length, n - max(start, 0))), {})]


def diff_forms(draw, arrays):
    x = arrays[0]
    d = _dim(draw, x.ndim)
    edge = np.full(x.shape[:d % max(x.ndim, 1)] + (2,) + x.shape[d % max(x.ndim, 1) + 1:], 0.5, x.dtype)
    return [((), {}), ((2,), {}), ((1, d), {}), ((), {"n": 3, "dim": d}), ((0,), {}),
            ((1, d, edge), {}), ((), {"dim": d, "append": edge}), ((2, d, edge, edge * 3), {})]


def transpose_zero_forms(draw, arrays):
    ndim = arrays[0].ndim
    return [((_dim(draw, ndim), _dim(draw, ndim)), {})]


def function_permute_forms(draw, arrays):
    return permute_forms(draw, arrays)[1:]       # torch.permute takes the dims as one tuple


def bound_pairs(lib, x, y):
    """clamp with tensor bounds: min only, max only, both, min > max (the result is max). A number beside a
    tensor bound works in both, but torch's argument parser refuses it for some 0-d inputs (a quirk left out)."""
    return (lib.clamp(x, min=y), lib.clamp(x, max=y), lib.clamp(x, y - 1, y + 1), lib.clamp(x, y + 0.5, y - 0.5),
            x.clamp(y), x.clip(max=y * 2))


def new_tensors(lib, x):
    """new_* take this tensor's dtype unless told; new_empty's values are arbitrary, so they are filled."""
    return (x.new_zeros(tuple(x.shape)), x.new_zeros(2, 3), x.new_ones((2,)), x.new_ones(()),
            x.new_zeros((2,), dtype=lib.int64), x.new_full((2, 1), 1.5), x.new_empty(3).fill_(1),
            x.new_empty((1, 2), dtype=lib.float64).fill_(2), x.new_tensor([1, 2]), x.new_tensor(x.tolist()))


ENTRIES += both("clamp_min", forms=lambda draw, a: [((0.1,), {}), ((), {"min": -0.5})], domain="nonzero")
ENTRIES += both("clamp_max", forms=lambda draw, a: [((0.1,), {}), ((), {"max": -0.5})], domain="nonzero")
ENTRIES += [fn("clamp", forms=clip_forms, domain="nonzero"),
            Entry("clamp(tensor bounds)", bound_pairs, inputs="two", domain="distinct"),
            Entry("Tensor.clamp_min_", lambda lib, x, y: ((x * 1).clamp_min_(0.25), (x * 1).clamp_min_(y)),
                  inputs="two", domain="distinct"),
            Entry("Tensor.clamp_max_", lambda lib, x: (x * 1).clamp_max_(-0.25), domain="nonzero"),
            Entry("Tensor.clamp_(tensor)", lambda lib, x, y: (x * 1).clamp_(y - 0.5, y), inputs="two",
                  domain="distinct")]
ENTRIES += both("mm", inputs=mm_shapes) + both("bmm", inputs=bmm_shapes) + both("dot", inputs=dot_shapes)
ENTRIES += both("mv", inputs=mv_shapes)
ENTRIES += [Entry("addmm", lambda lib, c, a, b: (lib.addmm(c, a, b), lib.addmm(c, a, b, beta=0.5, alpha=-2),
                                                 c.addmm(a, b, beta=0)), inputs=addmm_shapes),
            Entry("Tensor.addmm", lambda lib, c, a, b: c.addmm(a, b, alpha=3), inputs=addmm_shapes),
            Entry("baddbmm", lambda lib, c, a, b: (lib.baddbmm(c, a, b), lib.baddbmm(c, a, b, beta=2, alpha=0.5)),
                  inputs=baddbmm_shapes),
            Entry("Tensor.baddbmm", lambda lib, c, a, b: c.baddbmm(a, b, beta=0), inputs=baddbmm_shapes)]
ENTRIES += [fn("flatten", forms=flatten_forms), fn("unsqueeze", forms=unsqueeze_forms)]
ENTRIES += both("squeeze", forms=squeeze_tuple_forms)
ENTRIES += both("narrow", forms=narrow_forms) + both("diff", forms=diff_forms)
# cumprod: exact zeros among the factors, and no factor near 0, where both libraries' ``ans / x`` leaves
# third derivatives of order eps / x^2 (x = [2^-23, 2^-23] in float64: torch -4.4e-3, the exact value 0)
ENTRIES += both("cumprod", forms=dim_forms, domain="factors") + both("trace") + both("hypot", inputs="two", domain="nonzero")
ENTRIES += both("median", forms=extreme_forms, domain="distinct")
ENTRIES += [Entry("lerp", lambda lib, x, y: (lib.lerp(x, y, 0.3), lib.lerp(x, y, y), lib.lerp(x, y, weight=-2.0)),
                  inputs="two"),
            Entry("Tensor.lerp", lambda lib, x, y: (x.lerp(y, 0.75), x.lerp(y, x)), inputs="two"),
            Entry("Tensor.lerp_", lambda lib, x, y: ((x * 1).lerp_(y, 0.5), (x * 1).lerp_(y, y)), inputs="two")]
for _name, _op in (("addcmul", "mul"), ("addcdiv", "div")):
    ENTRIES += [Entry(_name, (lambda n: lambda lib, x, y: (getattr(lib, n)(x, y, y * y + 1),
                                                            getattr(lib, n)(x, x, y * y + 1, value=-0.5)))(_name),
                      inputs="two"),
                Entry("Tensor." + _name, (lambda n: lambda lib, x, y: getattr(x, n)(y, x * x + 1, value=2))(_name),
                      inputs="two"),
                Entry("Tensor." + _name + "_", (lambda n: lambda lib, x, y: getattr(x * 1, n + "_")(y, y * y + 1,
                                                                                                   value=3))(_name),
                      inputs="two")]
ENTRIES += [Entry("reshape", lambda lib, x: (lib.reshape(x, (-1,)), lib.reshape(x, (1,) + tuple(x.shape)))),
            fn("permute", forms=function_permute_forms),
            fn("transpose", forms=transpose_zero_forms), fn("swapaxes", forms=transpose_zero_forms),
            fn("t"), Entry("broadcast_to", lambda lib, x: lib.broadcast_to(x, (2,) + tuple(x.shape))),
            fn("clone"), fn("numel", grad=False), fn("detach", grad=False),
            Entry("any", lambda lib, x, *a, **k: lib.any(x > 0, *a, **k), forms=extreme_forms, grad=False),
            Entry("all", lambda lib, x, *a, **k: lib.all(x > 0, *a, **k), forms=extreme_forms, grad=False),
            method("bool", grad=False)]
ENTRIES += [Entry("Tensor.expand_as", lambda lib, x: x.expand_as(lib.zeros((2,) + tuple(x.shape)))),
            Entry("Tensor.view_as", lambda lib, x: x.view_as(lib.zeros(x.numel()))),
            Entry("Tensor.reshape_as", lambda lib, x: x.reshape_as(lib.zeros((1, x.numel())))),
            Entry("Tensor.type_as", lambda lib, x: (x.type_as(lib.zeros(1, dtype=lib.float64)),
                                                    x.type_as(lib.zeros(1)))),
            Entry("Tensor.masked_fill_", lambda lib, x: ((x * 1).masked_fill_(x > 0, 0.5),
                                                         (x * 1).masked_fill_(x < 0, (x * x).sum()))),
            *(Entry("Tensor." + n, new_tensors, grad=False)
              for n in ("new_zeros", "new_ones", "new_full", "new_empty", "new_tensor"))]
