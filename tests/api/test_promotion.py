"""Type promotion, differential against torch: every dtype pair of bool, uint8, int8, int16, int32, int64,
float16, float32, float64, each operand a tensor with dims, a 0-d tensor or a Python number, through the
operators, ``where``, ``maximum``, in-place updates, the float functions and the reductions. Each case
compares the result's dtype and values, or the class of the error where torch raises."""
import operator

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import chainrule as cr

torch = pytest.importorskip("torch")

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
VALUES = {"bool": [True, False, True], "uint8": [1, 2, 3]}         # bool: a False divisor is part of the test
NUMBERS = [2, -1, 2.5, -0.5, True]


class Tensor:
    """A tensor operand: ``dtype`` and dims (``zero_d``), built for each library."""

    def __init__(self, dtype, zero_d=False, values=None):
        self.dtype, self.zero_d, self.values = dtype, zero_d, values

    def array(self):
        values = VALUES.get(self.dtype, [1, -2, 3]) if self.values is None else self.values
        return np.array(values[1] if self.zero_d else values).astype(self.dtype)

    def make(self, lib):
        a = self.array()
        return cr.tensor(a) if lib is cr else torch.from_numpy(np.array(a))

    def __repr__(self):
        values = "" if self.values is None else f"={self.array().tolist()}"
        return f"{self.dtype}{'[0-d]' if self.zero_d else '[3]'}{values}"


TENSORS = [Tensor(d, z) for d in DTYPES for z in (False, True)]
OPERANDS = TENSORS + NUMBERS


def _make(operand, lib):
    return operand.make(lib) if isinstance(operand, Tensor) else operand


def outcome(fn, lib, *operands):
    """``("ok", dtype name, values)`` or ``("raise", exception)`` of ``fn`` on the operands made in ``lib``."""
    try:
        out = fn(lib, *[_make(o, lib) for o in operands])
    except Exception as e:                       # noqa: BLE001 - the exception is the outcome compared
        return "raise", e
    if lib is torch:
        return "ok", str(out.dtype).replace("torch.", ""), out.numpy()
    return "ok", str(out.dtype), np.asarray(out.data)


def mismatch(fn, *operands):
    """A description of how chainrule's outcome differs from torch's, or None."""
    mine, theirs = outcome(fn, cr, *operands), outcome(fn, torch, *operands)
    if theirs[0] == "raise":
        if mine[0] == "raise" and isinstance(mine[1], type(theirs[1])):
            return None
        return f"{operands}: torch raises {type(theirs[1]).__name__} ({theirs[1]}), chainrule gives {mine[:2]}"
    if mine[0] == "raise":
        return f"{operands}: chainrule raises {type(mine[1]).__name__}: {mine[1]}; torch gives {theirs[1]}"
    if mine[1] != theirs[1]:
        return f"{operands}: dtype {mine[1]}, torch {theirs[1]}"
    tol = 2e-3 if "float16" in (mine[1],) else 1e-6
    try:
        np.testing.assert_allclose(mine[2].astype(np.float64), theirs[2].astype(np.float64), rtol=tol, atol=tol)
    except AssertionError:
        return f"{operands}: values {mine[2]}, torch {theirs[2]}"
    return None


def _check(fn, cases):
    found = [m for m in (mismatch(fn, *c) for c in cases) if m]
    assert not found, f"{len(found)} of {len(cases)} cases differ from torch:\n" + "\n".join(found[:25])


def _pairs():
    """Every ordered pair of operands with at least one tensor."""
    return [(a, b) for a in OPERANDS for b in OPERANDS if isinstance(a, Tensor) or isinstance(b, Tensor)]


OPERATORS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
             "//": operator.floordiv, "%": operator.mod, "**": operator.pow, "==": operator.eq,
             "<": operator.lt, ">=": operator.ge}


def _bool_power_of_a_bool_number(symbol, a, b):
    """``bool_tensor ** True``: torch gives bool, chainrule refuses a bool power as torch does for tensors
    (NumPy's power has no bool loop), the one pair left out."""
    return symbol == "**" and isinstance(a, Tensor) and a.dtype == "bool" and isinstance(b, bool)


@pytest.mark.parametrize("symbol", OPERATORS)
def test_binary_operators_promote_as_torch(symbol):
    op = OPERATORS[symbol]
    _check(lambda lib, a, b: op(a, b), [p for p in _pairs() if not _bool_power_of_a_bool_number(symbol, *p)])


def _operand(draw):
    """A tensor (dims or 0-d) of any dtype with small values (halves for floats), or a Python number."""
    kind = draw(st.sampled_from(["dims", "0-d", "int", "float", "bool"]))
    if kind == "int":
        return draw(st.integers(-100, 100))       # wraps around int8/uint8 as in torch (never to -128)
    if kind == "float":
        return draw(st.integers(-8, 8)) / 2
    if kind == "bool":
        return draw(st.booleans())
    dtype = draw(st.sampled_from(DTYPES))
    values = np.array(draw(st.lists(st.integers(-4, 4), min_size=3, max_size=3)))
    return Tensor(dtype, kind == "0-d", values / 2 if dtype.startswith("float") else values)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(data=st.data())
def test_drawn_values_and_operands_as_torch(data):
    """Zeros (integer division by zero raises), negatives (wrapping in uint8, negative powers), halves."""
    symbol = data.draw(st.sampled_from(sorted(OPERATORS)), label="operator")
    a, b = _operand(data.draw), _operand(data.draw)
    if not (isinstance(a, Tensor) or isinstance(b, Tensor)) or _bool_power_of_a_bool_number(symbol, a, b):
        return
    found = mismatch(lambda lib, x, y: OPERATORS[symbol](x, y), a, b)
    assert found is None, f"{symbol}: {found}"


@pytest.mark.parametrize("name", ["maximum", "minimum", "atan2", "cat", "stack", "matmul"])
def test_two_tensor_functions_promote_as_torch(name):
    """Functions of two tensors (torch takes no numbers there); cat/stack promote, matmul refuses mixed dtypes."""
    fns = {"cat": lambda lib, a, b: lib.cat([a.reshape(-1), b.reshape(-1)]),
           "stack": lambda lib, a, b: lib.stack([a, b]) if a.shape == b.shape else lib.cat([a.reshape(-1), b.reshape(-1)])}
    fn = fns.get(name, lambda lib, a, b: getattr(lib, name)(a, b))
    _check(fn, [(a, b) for a in TENSORS for b in TENSORS if name != "matmul" or not (a.zero_d or b.zero_d)])


def test_where_promotes_its_two_values():
    cond = Tensor("bool")
    _check(lambda lib, c, a, b: lib.where(c, a, b), [(cond, a, b) for a, b in _pairs()]
           + [(cond, a, b) for a in NUMBERS for b in NUMBERS])


UNARY = ["exp", "log", "sqrt", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "atanh",
         "sigmoid", "erf", "rsqrt", "reciprocal", "log1p", "expm1", "log2", "log10", "square", "abs", "sign",
         "floor", "ceil", "round", "trunc", "relu", "isnan", "isfinite"]


@pytest.mark.parametrize("name", UNARY)
def test_elementwise_functions_of_integers_as_torch(name):
    """Float functions of bool and integer tensors give the default float dtype; the others keep the dtype."""
    _check(lambda lib, x: getattr(lib, name)(x), [(t,) for t in TENSORS])


def test_negation_as_torch():
    _check(lambda lib, x: -x, [(t,) for t in TENSORS])


REDUCTIONS = {"sum": lambda lib, x: x.sum(), "sum(0)": lambda lib, x: lib.sum(x, 0), "prod": lambda lib, x: x.prod(),
              "cumsum": lambda lib, x: lib.cumsum(x, 0), "mean": lambda lib, x: x.mean(), "var": lambda lib, x: x.var(),
              "std": lambda lib, x: x.std(), "amax": lambda lib, x: x.amax(), "norm": lambda lib, x: x.norm(),
              "logsumexp": lambda lib, x: lib.logsumexp(x, 0), "softmax": lambda lib, x: lib.softmax(x, 0)}


@pytest.mark.parametrize("name", REDUCTIONS)
def test_reductions_of_integers_as_torch(name):
    """sum/prod/cumsum of bool and integers give int64; mean/var/std/norm of them raise as torch does."""
    _check(REDUCTIONS[name], [(t,) for t in TENSORS])


def test_clamp_promotes_with_its_bounds():
    bounds = [(0.5, 2.5), (1, 2), (0.5, None), (None, 2)]
    cases = [(t,) for t in TENSORS if t.dtype != "bool"]
    for lo, hi in bounds:
        _check(lambda lib, x: lib.clamp(x, lo, hi) if lib is torch else lib.clip(x, lo, hi), cases)


INPLACE = {"+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv}


@pytest.mark.parametrize("symbol", INPLACE)
def test_inplace_operators_refuse_a_higher_category_as_torch(symbol):
    """``int_tensor += 2.5`` raises torch's RuntimeError; ``float32 += float64`` computes and casts back."""
    op = INPLACE[symbol]

    def update(lib, a, b):
        a = a.clone()
        return op(a, b)
    _check(update, [(a, b) for a in TENSORS if not a.zero_d for b in OPERANDS])


@pytest.mark.parametrize("number", [np.float64(2.5), np.float32(2.5), np.float16(2.5), np.int64(2), np.int32(-3)])
def test_numpy_scalars_count_as_numbers(number):
    _check(lambda lib, a, b: a * b, [(t, number) for t in TENSORS])


def test_gradients_have_their_variables_dtype():
    """A float64 leaf with a float32 tensor: float64 result, each gradient in its own variable's dtype; a 0-d
    float64 leaf beside a float32 tensor with dims: float32 result, a float64 gradient."""
    for lib in (cr, torch):
        a = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        b = lib.tensor([3.0, 4.0], dtype=lib.float32, requires_grad=True)
        s = lib.tensor(2.0, dtype=lib.float64, requires_grad=True)
        (a * b).sum().backward()
        (b * s).sum().backward()
        assert str(a.grad.dtype).endswith("float64") and str(b.grad.dtype).endswith("float32")
        assert str(s.grad.dtype).endswith("float64") and str((b * s).dtype).endswith("float32")
        assert str((a * b).dtype).endswith("float64")
    x = cr.tensor([1.0, 2.0], dtype=cr.float64, requires_grad=True)
    y = cr.tensor([3.0, 4.0], dtype=cr.float32, requires_grad=True)
    (x * y + x / y).sum().backward()
    np.testing.assert_allclose(x.grad.data, [3 + 1 / 3, 4 + 1 / 4])
    np.testing.assert_allclose(y.grad.data, [1 - 1 / 9, 2 - 2 / 16], rtol=1e-6)


def test_the_default_dtype_is_what_python_floats_and_integer_division_give():
    cr.set_default_dtype(cr.float64)
    try:
        assert (cr.tensor([1, 2]) * 2.5).dtype == np.float64
        assert (cr.tensor([1, 2]) / 2).dtype == np.float64
        assert cr.exp(cr.tensor([1, 2])).dtype == np.float64
        assert (cr.tensor([1.0], dtype=cr.float32) * 2.5).dtype == np.float32
    finally:
        cr.set_default_dtype(cr.float32)
