"""Conformance entries for memory layout, devices and dtype shorthands (chainrule.layout), ``is_tensor`` and
``inference_mode`` (chainrule.inference); the format is conformance_table's."""
from __future__ import annotations

from conformance_table import Entry, _dim, method  # noqa: E402  (tests/api is on the path)

ENTRIES: list[Entry] = []

# Names checked elsewhere, each with its reason.
EXCLUDED = {
    "Tensor.cuda": "tests/api/test_layout_and_modes.py (torch's error class depends on how torch was built)",
    "set_printoptions": "tests/api/test_layout_and_modes.py (reprs differ from torch's in their dtype part)",
}


def views(x):
    """``x`` and views of it with other strides: transposed, stepped, expanded, offset."""
    out = [x, x.unsqueeze(0).expand(2, *x.shape)]
    if x.ndim:
        out += [x.transpose(0, -1), x[..., ::2], x[1:], x[..., 1:]]
    return out


def each_view(name):
    """An entry calling ``v.name(...)`` on every view of the input."""
    return Entry("Tensor." + name, lambda lib, x, *a, **k: [getattr(v, name)(*a, **k) for v in views(x)],
                 grad=False)


def stride_forms(draw, arrays):
    ndim = arrays[0].ndim
    return [((), {}), ((ndim + 3,), {})] + ([((_dim(draw, ndim),), {}), ((), {"dim": -1})] if ndim else [((0,), {})])


def _stride(v, dim=None):
    """``v.stride(dim)``, None for the dims whose stride addresses nothing (size 1, or an empty tensor):
    NumPy and torch give those different values."""
    if dim is None:
        return tuple(_stride(v, d) for d in range(v.ndim)) or v.stride()
    s = v.stride(dim)
    return s if v.numel() and v.shape[dim] > 1 else None


def to_forms(draw, arrays):
    """``to`` beside conformance_table's forms: another tensor, positional non_blocking/copy, keywords."""
    return [((), {"device": "cpu"}), (("cpu",), {"copy": True}), (("float64", False, True), {}),
            (("cpu", "float32", True, True), {}), (("other",), {}), (("other",), {"copy": True}),
            ((), {"dtype": "float32", "non_blocking": True}), (("cpu", "float64"), {"copy": True})]


def _to(lib, x, *args, **kw):
    """``x.to(...)`` and whether it returned ``x`` itself; "other" is an int64 tensor, dtype names each
    library's dtype."""
    names = {"float32": lib.float32, "float64": lib.float64, "other": lib.tensor([1], dtype=lib.int64)}
    args = [names.get(a, a) if isinstance(a, str) else a for a in args]
    kw = {k: names.get(v, v) if isinstance(v, str) else v for k, v in kw.items()}
    out = x.to(*args, **kw)
    return out, out is x


ENTRIES += [each_view("contiguous"), each_view("is_contiguous"),
            Entry("Tensor.storage_offset", grad=False,    # NumPy keeps no offset in an empty view (docs/api.md)
                  call=lambda lib, x: [v.storage_offset() for v in views(x) if v.numel()]),
            Entry("Tensor.stride", lambda lib, x, *a, **k: [_stride(v, *a, **k) for v in views(x)],
                  forms=stride_forms, grad=False),
            Entry("Tensor.contiguous (gradient)", lambda lib, x: x.transpose(0, -1).contiguous() * 2, min_dims=1),
            method("element_size", grad=False), method("nelement", grad=False),
            Entry("Tensor.cpu", lambda lib, x: (x.cpu(), x.cpu() is x)),
            method("half"), method("int", grad=False), method("short", grad=False), method("char", grad=False),
            method("byte", grad=False, domain="positive"),
            Entry("Tensor.to (forms)", _to, forms=to_forms)]


def _inference(lib, x):
    """What grad mode and inference mode say, and what is recorded, inside nested and decorated modes."""
    seen = []

    def look(y):
        seen.extend([lib.is_grad_enabled(), lib.is_inference_mode_enabled(), y.requires_grad])

    with lib.inference_mode():
        look(x * 2)
        with lib.inference_mode(False):
            look(x * 3)
        with lib.no_grad():
            look(x * 4)
    with lib.no_grad(), lib.inference_mode(False):
        look(x * 5)

    @lib.inference_mode
    def bare(y):
        look(y * 6)
        return y * 6

    @lib.inference_mode(mode=False)
    def leaving(y):
        look(y * 7)

    @lib.inference_mode()
    def steps(y):
        for k in range(2):
            look(y * k)
            yield y * k

    out = bare(x)
    leaving(x)
    list(steps(x))
    look(x * 8)
    return out, tuple(seen)


ENTRIES += [Entry("is_tensor", lambda lib, x: (lib.is_tensor(x), lib.is_tensor(x.tolist()), lib.is_tensor(2.0),
                                               lib.is_tensor(lib.nn.Parameter(x.detach()))), grad=False),
            Entry("inference_mode", _inference), Entry("is_inference_mode_enabled", _inference)]


# --- comparisons (chainrule.comparisons) --------------------------------------------------------------------

COMPARISONS = ["eq", "ne", "lt", "le", "gt", "ge", "not_equal", "less", "less_equal", "greater", "greater_equal"]


def _compare(name):
    """Function, method and in-place forms: tensor pairs that broadcast, numbers, int64 and bool operands
    (promotion), and a number first (torch's TypeError)."""
    def call(lib, x, y, *a):
        f = getattr(lib, name)
        out = [f(x, y), getattr(x, name)(y), f(x, 0.5), getattr(y, name)(1), f(x.long(), y), f(x > 0, y.long()),
               getattr(x * 0 + y * 0 + 1, name + "_")(y)]
        return out + ([f(*a)] if a else [])
    return call


def _compare_forms(draw, arrays):
    return [((), {}), ((2.0, arrays[1] if arrays[1].size else arrays[0]), {})]


for _name in COMPARISONS:
    ENTRIES += [Entry(_name, _compare(_name), forms=_compare_forms, inputs="two", grad=False),
                Entry("Tensor." + _name, _compare(_name), inputs="two", grad=False),
                Entry(f"Tensor.{_name}_", _compare(_name), inputs="two", grad=False),
                Entry(f"{_name} (shapes that do not broadcast)", lambda lib, x, y, n=_name: getattr(lib, n)(x, y),
                      inputs=lambda draw: [(2, 3), (4,)], grad=False)]
