"""Conformance entries whose arguments depend on the drawn shape: scatter and scatter_add indices, masks,
where's three broadcast operands, nonzero, einsum equations that fit the drawn operands, tile/repeat/expand/
broadcast_to sizes, unflatten's factors; the format is conformance_table's."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from conformance_table import Entry, _dim, both, method  # noqa: E402

ENTRIES: list[Entry] = []


def _shape(draw, min_dims=0, max_dims=3):
    return draw(hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=0, max_side=3))


def _target_and_src(draw):
    """A nonempty input and a src no larger in any dim. The index takes src's shape: torch's backward gives
    src a gradient of the index's shape, which its engine refuses when they differ (and when it is empty)."""
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3))
    return [shape, tuple(draw(st.integers(1, n)) for n in shape)]


def _scatter_index(draw, shape, sizes, d, distinct):
    """An int64 index of ``sizes``, its values in [0, shape[d]); distinct along d (scatter's writes to one
    place would otherwise race, torch leaves the winner undefined)."""
    if not shape:
        return np.zeros((), np.int64)
    d %= len(shape)
    n = shape[d]
    if distinct:
        keys = np.asarray(draw(st.lists(st.floats(0, 1), min_size=int(np.prod(shape)), max_size=int(np.prod(shape)))))
        order = np.argsort(keys.reshape(shape), axis=d, kind="stable")
        return order[tuple(slice(0, s) for s in sizes)].astype(np.int64)
    count = int(np.prod(sizes))
    return np.asarray(draw(st.lists(st.integers(0, n - 1), min_size=count, max_size=count)), np.int64).reshape(sizes)


def scatter_forms(distinct):
    def forms(draw, arrays):
        shape, sizes = arrays[0].shape, arrays[1].shape
        d = _dim(draw, len(shape))
        return [((d, _scatter_index(draw, shape, sizes, d, distinct)), {}) for _ in range(2)]
    return forms


ENTRIES += [Entry("scatter", lambda lib, x, s, d, i: (lib.scatter(x, d, i, s), lib.scatter(x, d, i, 2.5),
                                                      lib.scatter(x, dim=d, index=i, src=s)),
                  forms=scatter_forms(True), inputs=_target_and_src),
            Entry("Tensor.scatter", lambda lib, x, s, d, i: (x.scatter(d, i, s), x.scatter(d, i, value=-1.0)),
                  forms=scatter_forms(True), inputs=_target_and_src),
            Entry("scatter_add", lambda lib, x, s, d, i: (lib.scatter_add(x, d, i, s),
                                                          lib.scatter_add(x, dim=d, index=i, src=s)),
                  forms=scatter_forms(False), inputs=_target_and_src),
            Entry("Tensor.scatter_add", lambda lib, x, s, d, i: x.scatter_add(d, i, s), forms=scatter_forms(False),
                  inputs=_target_and_src)]


def mask_forms(draw, arrays):
    """Boolean masks that broadcast to the input (and one that only broadcasts with it)."""
    shape = arrays[0].shape
    out = []
    for mask_shape in (shape, draw(hnp.broadcastable_shapes(shape, min_side=0, max_side=3)), ()):
        out.append(((draw(hnp.arrays(np.bool_, mask_shape)),), {}))
    return out


ENTRIES += [Entry("masked_fill", lambda lib, x, m: (lib.masked_fill(x, m, 0.5), lib.masked_fill(x, m, x.sum()),
                                                    lib.masked_fill(x, mask=m, value=-2)), forms=mask_forms),
            Entry("Tensor.masked_fill", lambda lib, x, m: (x.masked_fill(m, -1.5), x.masked_fill(m, (x * x).sum())),
                  forms=mask_forms)]


def three_shapes(draw):
    return list(draw(hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, min_side=0, max_side=3)).input_shapes)


ENTRIES += [Entry("where", lambda lib, c, x, y: (lib.where(c > 0, x, y), lib.where(c > 0, x, 0.5),
                                                 lib.where(c < 0, 2.0, y), lib.where(c > 0)), inputs=three_shapes),
            Entry("Tensor.where", lambda lib, c, x, y: (x.where(c > 0, y), x.where(c < 0, -1.0)), inputs=three_shapes),
            Entry("nonzero", lambda lib, x: (lib.nonzero(x > 0), lib.nonzero(x > 0, as_tuple=True)), grad=False),
            Entry("Tensor.nonzero", lambda lib, x: ((x > 0).nonzero(), (x < 0).nonzero(as_tuple=True)), grad=False)]

EINSUM = ["i->", "i", "ij->ji", "ij", "ij->", "ij->j", "ii->i", "ii", "ij,jk->ik", "ij,jk", "i,i->", "i,j->ij",
          "bij,bjk->bik", "ij,j->i", "...ij->...ji", "...i,...i->...", "ijk->kji", "i,i,i->i"]


def _letters(equation):
    return [op.strip() for op in equation.split("->")[0].split(",")]


def einsum_shapes(draw):
    equation = draw(st.sampled_from(EINSUM))
    sizes = {c: draw(st.integers(0, 3)) for c in "bijk"}
    lead = tuple(draw(st.integers(0, 2)) for _ in range(draw(st.integers(0, 2))))
    return [(lead if op.startswith("...") else ()) + tuple(sizes[c] for c in op.replace("...", "")) for op in
            _letters(equation)]


def _fits(equation, arrays):
    if len(_letters(equation)) != len(arrays):
        return False
    sizes = {}
    for op, a in zip(_letters(equation), arrays):
        letters = op.replace("...", "")
        if (a.ndim < len(letters)) if op.startswith("...") else a.ndim != len(letters):
            return False
        for c, n in zip(letters, a.shape[a.ndim - len(letters):]):
            if sizes.setdefault(c, n) != n:
                return False
    return True


def einsum_forms(draw, arrays):
    fits = [e for e in EINSUM if _fits(e, arrays) and e.count("...") in (0, len(arrays))]
    return [((draw(st.sampled_from(fits)),), {})] if fits else []


ENTRIES += [Entry("einsum", lambda lib, *a: (lib.einsum(a[-1], *a[:-1]), lib.einsum(a[-1], list(a[:-1]))),
                  forms=einsum_forms, inputs=einsum_shapes)]


def reps_forms(draw, arrays):
    reps = tuple(draw(st.lists(st.integers(0, 2), max_size=4)))
    return [((reps,), {})] + ([(reps, {})] if reps else [])


def repeat_forms(draw, arrays):
    ndim = arrays[0].ndim
    sizes = tuple(draw(st.lists(st.integers(0, 2), min_size=ndim, max_size=ndim + 2)))
    short = tuple(draw(st.lists(st.integers(1, 2), max_size=max(ndim - 1, 0))))
    return [(sizes, {}), ((sizes,), {})] + ([(short, {})] if ndim > 1 else [])


ENTRIES += [Entry("tile", lambda lib, x, reps: lib.tile(x, reps), forms=lambda d, a: reps_forms(d, a)[:1]),
            Entry("Tensor.tile", lambda lib, x, *reps: x.tile(*reps), forms=reps_forms),
            method("repeat", forms=repeat_forms)]


def unflatten_forms(draw, arrays):
    x = arrays[0]
    d = _dim(draw, x.ndim)
    n = x.shape[d]
    splits = [(n,), (1, -1), (-1, 1), (n, 1, 1)] + ([(2, n // 2), (-1, 2)] if n % 2 == 0 and n else [])
    sizes = draw(st.sampled_from(splits))
    return [((d, sizes), {}), ((d, list(sizes)), {}), ((), {"dim": d, "sizes": sizes}), ((d, (n + 1,)), {})]


ENTRIES += both("unflatten", forms=unflatten_forms, min_dims=1)


def expand_forms(draw, arrays):
    """Sizes the input broadcasts to: new leading dims, -1 or the same size for a dim, any size for a 1;
    and one size it does not fit."""
    shape = arrays[0].shape
    lead = tuple(draw(st.lists(st.integers(0, 2), max_size=2)))
    keep = tuple(draw(st.sampled_from([-1, n] if n != 1 else [-1, 1, 0, 3])) for n in shape)
    sizes = lead + keep
    wrong = [n + 1 for n in shape if n > 1]
    return [(sizes, {}), ((sizes,), {})] + ([((4,) + tuple(wrong), {})] if wrong and len(wrong) == len(shape) else [])


ENTRIES += [method("expand", forms=expand_forms),
            Entry("Tensor.broadcast_to", lambda lib, x, *sizes: x.broadcast_to(sizes), forms=expand_forms)]
