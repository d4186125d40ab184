"""The expression language behind `chainrule graph`: parsing, errors with positions, gradients, explain."""
import math

import pytest

import chainrule as cr
from chainrule.errors import ChainruleError
from chainrule.viz import ExpressionError, evaluate, explain, expression_graph, parse, parse_values
from chainrule.viz.expression import Binary, Call, Num, Unary, Var, variables


def val(expr, **values):
    return evaluate(expr, values).item()


@pytest.mark.parametrize("expr, values, want", [
    ("2 + 3 * 4", {}, 14.0),
    ("(2 + 3) * 4", {}, 20.0),
    ("-x ** 2", {"x": 3}, -9.0),
    ("(-x) ** 2", {"x": 3}, 9.0),
    ("2 ** 3 ** 2", {}, 512.0),
    ("2 ** -1", {}, 0.5),
    ("x - y - z", {"x": 10, "y": 3, "z": 2}, 5.0),
    ("x / y / z", {"x": 12, "y": 3, "z": 2}, 2.0),
    ("--x", {"x": 4}, 4.0),
    ("+x", {"x": 4}, 4.0),
    ("max(x, y) * z", {"x": 3, "y": -4, "z": 2}, 6.0),
    ("min(x, y)", {"x": 3, "y": -4}, -4.0),
    ("exp(log(x))", {"x": 2.5}, 2.5),
    ("relu(x) + relu(-x)", {"x": -2}, 2.0),
    ("sigmoid(0) + tanh(0)", {}, 0.5),
    ("1e-3 * 1000 + .5", {}, 1.5),
    ("x_1 * X2", {"x_1": 2, "X2": 3}, 6.0),
])
def test_values(expr, values, want):
    assert val(expr, **values) == pytest.approx(want)


def test_tree_shapes():
    t = parse("-a * b + f")
    assert isinstance(t, Binary) and t.op == "+"
    assert isinstance(t.left, Binary) and t.left.op == "*" and isinstance(t.left.left, Unary)
    assert isinstance(parse("max(a, 2)"), Call) and isinstance(parse("-2"), Num) and parse("-2").value == -2
    assert isinstance(parse("x"), Var)
    assert variables(parse("y * x + y")) == ["y", "x"]


def test_gradients_of_lecture_examples():
    f = evaluate("(x + y) * z", "x=-2,y=5,z=-4")
    xs = {t.name: t for t in _leaves(f)}
    f.backward()
    assert (xs["x"].grad.item(), xs["y"].grad.item(), xs["z"].grad.item()) == (-4.0, -4.0, 3.0)

    g = expression_graph("1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))", "w0=2,x0=-1,w1=-3,x1=-2,w2=-3")
    assert g.value("w0").grad.item() == pytest.approx(-0.19661193)
    assert g.value("x0").grad.item() == pytest.approx(0.39322387)
    assert g.value("w2").grad.item() == pytest.approx(0.19661193)
    assert g.value("w0").tensor.grad.item() == pytest.approx(-0.19661193)  # backward really ran


def _leaves(t):
    out, stack, seen = [], [t], set()
    while stack:
        v = stack.pop()
        if id(v) in seen:
            continue
        seen.add(id(v))
        if v.grad_fn is None:
            out.append(v)
        else:
            stack.extend(v.grad_fn.inputs)
    return out


def test_intermediates_named_and_float64():
    f = evaluate("(x + y) * z", {"x": 1, "y": 2, "z": 3})
    assert f.name == "f" and f.dtype == "float64"
    assert f.grad_fn.inputs[0].name == "q1"
    f = evaluate("q1 * q2 + q3", {"q1": 1, "q2": 2, "q3": 3})
    assert f.grad_fn.inputs[0].name not in ("q1", "q2", "q3")


@pytest.mark.parametrize("expr, pos, words", [
    ("(x + y", 6, "')'"),
    ("x +", 3, "ends too early"),
    ("x $ y", 2, "unexpected character '$'"),
    ("2 ^ x", 2, "x ** 2"),
    ("foo(x)", 0, "unknown function 'foo'"),
    ("max(x)", 0, "takes 2 arguments, got 1"),
    ("exp(x, y)", 0, "takes 1 argument, got 2"),
    ("exp()", 4, "got none"),
    ("exp + 1", 0, "is a function"),
    ("x y", 2, "missing operator"),
    ("x + y)", 5, "unmatched ')'"),
    ("", 0, "empty expression"),
    ("*x", 0, "expected a number"),
    ("max(x,, y)", 6, "expected a number"),
])
def test_syntax_errors_with_position(expr, pos, words):
    with pytest.raises(ExpressionError) as e:
        evaluate(expr, {"x": 1, "y": 2})
    assert e.value.position == pos
    assert words in str(e.value)
    assert f"at position {pos + 1}" in str(e.value) and "^" in str(e.value)
    assert isinstance(e.value, ChainruleError)


def test_missing_and_bad_values():
    with pytest.raises(ExpressionError, match="no value for y, z"):
        evaluate("x * y + z", {"x": 1})
    for bad in ("x", "x=", "=3", "x=abc", "x=1,x=2", "1x=3"):
        with pytest.raises(ExpressionError):
            parse_values(bad)
    assert parse_values(" x = 3 , y=-4.5e1,") == {"x": 3.0, "y": -45.0}
    assert parse_values({"a": 1}) == {"a": 1.0}


def test_non_finite_results_are_errors():
    with pytest.raises(ExpressionError, match="position 1"):
        evaluate("log(x - 1)", {"x": 1})
    with pytest.raises(ExpressionError, match="'/'"):
        evaluate("1 / x", {"x": 0})
    with pytest.raises(ExpressionError):
        evaluate("1 / 0", {})


def test_no_eval_and_limits():
    for evil in ("__import__('os')", "x.__class__", "[x]", "x; y", "lambda: 1", "'a'"):
        with pytest.raises(ExpressionError):
            evaluate(evil, {"x": 1, "y": 1})
    with pytest.raises(ExpressionError, match="nested"):
        parse("(" * 1000 + "x" + ")" * 1000)
    with pytest.raises(ExpressionError, match="limit"):
        parse("x+" * 6000 + "x")


def test_long_flat_expression_evaluates_iteratively():
    n = 2000
    f = evaluate("+".join(["x"] * n), {"x": 0.5})
    assert f.item() == pytest.approx(n * 0.5)
    (x,) = _leaves(f)
    f.backward()
    assert x.grad.item() == pytest.approx(n)


def test_constant_only_expression():
    f = evaluate("2 * 3", {})
    assert f.item() == 6.0 and not f.requires_grad
    assert "6.0" in expression_graph("2 * 3").source


def test_explain_lecture_example():
    lines = explain("(x + y) * z", "x=-2,y=5,z=-4")
    assert lines[0].startswith("f = -12.0")
    assert lines[1:] == [
        "dq1: -4.0 = -4.0 (mul: swap multiplier, local = z) × 1.0 (upstream from f)",
        "dz: 3.0 = 3.0 (mul: swap multiplier, local = q1) × 1.0 (upstream from f)",
        "dx: -4.0 = 1.0 (add: gradient distributor) × -4.0 (upstream from q1)",
        "dy: -4.0 = 1.0 (add: gradient distributor) × -4.0 (upstream from q1)",
    ]


def test_explain_router_adder_and_rules():
    lines = explain("max(x, y) * x", "x=3,y=-4")
    text = "\n".join(lines)
    assert "dy: 0.0 = 0.0 (maximum: gradient router, x wins) × 3.0 (upstream from q1)" in text
    assert "dx: 6.0 = 3.0 + 3.0 (gradient adder: x is used 2 times)" in text
    assert lines[-1].startswith("dx: 6.0") or lines[-2].startswith("dx: 6.0")
    # every "downstream = local × upstream" line is arithmetically right
    for line in lines[1:]:
        if "gradient adder" in line:
            continue
        down, rest = line.split(": ", 1)[1].split(" = ", 1)
        local = rest.split(" (", 1)[0]
        up = rest.rsplit(" × ", 1)[1].split(" (")[0]
        assert float(down) == pytest.approx(float(local) * float(up), rel=1e-3, abs=1e-4)
    text = "\n".join(explain("sigmoid(x) * exp(y) / z", "x=0.5,y=0.2,z=2"))
    assert "local = q1*(1-q1)" in text and "local = 1/z" in text


def test_explain_on_tensors_and_errors():
    x = cr.tensor(2.0, requires_grad=True)
    lines = explain(x * x)
    assert lines[0].startswith("out = 4.0") and "dv1" in lines[-1]
    with pytest.raises(ChainruleError, match="scalars"):
        explain((cr.ones(3, requires_grad=True) * 2).sum())
    with pytest.raises(ChainruleError, match="requires_grad"):
        explain(cr.tensor(2.0) * 3)
    assert math.isclose(x.grad is None, True)
