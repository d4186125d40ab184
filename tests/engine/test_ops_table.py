"""One sweep over the derivative table: every registered op is gradchecked in float64 (and compared with
PyTorch when it is installed) on shapes that include 0-d, broadcasting and batched cases."""
import numpy as np
import pytest

import chainrule as cr
from chainrule.ops import OPS

rng = np.random.default_rng(1234)


def away_from_zero(*shape):
    """Values in +-[0.3, 1.5]: keeps finite-difference probes away from kinks at 0."""
    return rng.uniform(0.3, 1.5, shape) * rng.choice([-1.0, 1.0], shape)


def positive(*shape):
    return rng.uniform(0.5, 2.0, shape)


def normal(*shape):
    return rng.standard_normal(shape)


def distinct(*shape):
    """Values whose pairwise gaps are far larger than eps (no ties for max/min)."""
    n = int(np.prod(shape)) if shape else 1
    return (rng.permutation(n) * 0.37 - n * 0.15).reshape(shape)


def inside_unit(*shape):
    """Values in (-0.8, 0.8): the domain of asin, acos and atanh, away from its edges."""
    return rng.uniform(-0.8, 0.8, shape)


def off_grid(*shape, step=1.0):
    """Values at least 0.1 step from any multiple of step / 2: rounding is locally constant there."""
    return (rng.integers(-3, 4, shape) + rng.uniform(0.1, 0.4, shape) * rng.choice([1.0, -1.0], shape)) * step


# name -> list of (inputs (arrays, or non-array constants), params). Arrays become float64 tensors with grad.
CASES = {
    "add": [((normal(3, 4), normal(4)), {}), ((normal(), normal(2, 3)), {}), ((normal(2, 1, 3), normal(4, 1)), {})],
    "sub": [((normal(3, 4), normal(3, 1)), {}), ((normal(5), normal()), {})],
    "mul": [((normal(3, 4), normal(4)), {}), ((normal(), normal(2, 2)), {})],
    "div": [((normal(3, 4), positive(3, 1)), {}), ((normal(2), positive()), {})],
    "pow": [((positive(3, 2), normal(3, 2)), {}), ((positive(4), 3), {}), ((positive(2, 3), normal(3)), {})],
    "maximum": [((distinct(3, 4), distinct(3, 4) + 0.1), {}), ((distinct(2, 3), 0.05), {})],
    "minimum": [((distinct(3, 4), distinct(3, 4) + 0.1), {}), ((distinct(4), distinct(3, 1)), {})],
    "where": [((normal(3, 4) > 0, normal(3, 4), normal(4)), {})],
    "floor_divide": [((off_grid(3, 4, step=0.7), np.full(4, 0.7)), {}), ((normal(2, 3), positive()), {})],
    "remainder": [((off_grid(3, 4, step=0.7), np.full(4, 0.7)), {}), ((off_grid(5, step=0.6), -0.6), {})],
    "eq": [((normal(3, 4), normal(4)), {})], "ne": [((normal(3, 4), normal(4)), {})],
    "lt": [((normal(3, 4), normal(4)), {})], "le": [((normal(3, 4), normal(4)), {})],
    "gt": [((normal(3, 4), normal(4)), {})], "ge": [((normal(3, 4), normal(4)), {})],
    "astype": [((normal(3, 2),), {"dtype": np.float64})],
    "neg": [((normal(3, 4),), {})],
    "exp": [((normal(3, 4),), {}), ((normal(),), {})],
    "log": [((positive(3, 4),), {})],
    "sqrt": [((positive(3, 4),), {})],
    "abs": [((away_from_zero(3, 4),), {})],
    "sign": [((away_from_zero(3, 4),), {}), ((normal(),), {})],
    "clip": [((away_from_zero(4, 5),), {"min": -0.9, "max": 0.8}), ((away_from_zero(6),), {"min": 0.1})],
    "erf": [((normal(3, 4),), {})],
    "lgamma": [((positive(3, 4),), {}), ((inside_unit(4) * 0.5 - 1.5,), {})],
    "digamma": [((positive(3, 4),), {}), ((inside_unit(4) * 0.5 - 1.5,), {})],
    "polygamma": [((positive(3, 4),), {"n": 2}), ((positive(5),), {"n": 3})],   # torch's n = 1 is good to 5e-10 only
    "erfinv": [((inside_unit(3, 4),), {})],
    "erfc": [((normal(3, 4) * 3,), {})],
    "relu": [((away_from_zero(3, 4),), {})],
    "leaky_relu": [((away_from_zero(3, 4),), {"negative_slope": 0.1})],
    "elu": [((away_from_zero(3, 4),), {"alpha": 1.3})],
    "sigmoid": [((normal(3, 4) * 3,), {})],
    "tanh": [((normal(3, 4) * 2,), {})],
    "silu": [((normal(3, 4) * 2,), {})],
    "softplus": [((normal(3, 4) * 3,), {}), ((normal(5) * 3,), {"beta": 2.0, "threshold": 4.0})],
    "gelu": [((normal(3, 4) * 2,), {}), ((normal(3, 4) * 2,), {"approximate": "tanh"})],
    "sum": [((normal(3, 4),), {}), ((normal(2, 3, 4),), {"axis": 1}), ((normal(2, 3, 4),), {"axis": (0, 2), "keepdims": True})],
    "mean": [((normal(3, 4),), {"axis": 0}), ((normal(2, 3),), {}), ((normal(2, 3, 4),), {"axis": -1, "keepdims": True})],
    "max": [((distinct(3, 4),), {"axis": 1}), ((distinct(5),), {}), ((distinct(2, 3, 4),), {"axis": (0, 2), "keepdims": True})],
    "min": [((distinct(3, 4),), {"axis": 0}), ((distinct(2, 3),), {})],
    "argmax": [((distinct(3, 4),), {"axis": 1}), ((distinct(5),), {}), ((distinct(2, 3),), {"axis": 0, "keepdims": True})],
    "argmin": [((distinct(3, 4),), {"axis": -1}), ((distinct(2, 3),), {})],
    "var": [((normal(4, 5),), {"axis": 1}), ((normal(6),), {"correction": 0}), ((normal(2, 3, 4),), {"axis": (0, 1), "keepdims": True})],
    "std": [((normal(4, 5),), {"axis": 1}), ((normal(6),), {"correction": 0}), ((normal(2, 3, 4),), {"axis": (0, 1), "keepdims": True})],
    "logsumexp": [((normal(3, 4),), {"axis": 1}), ((normal(5),), {}), ((normal(2, 3),), {"axis": 0, "keepdims": True})],
    "softmax": [((normal(3, 4),), {"axis": -1}), ((normal(3, 4),), {"axis": 0})],
    "log_softmax": [((normal(3, 4),), {"axis": -1}), ((normal(2, 3, 4),), {"axis": 1})],
    "reshape": [((normal(3, 4),), {"shape": (2, 6)}), ((normal(),), {"shape": (1, 1)})],
    "transpose": [((normal(3, 4),), {}), ((normal(2, 3, 4),), {"axes": (1, 2, 0)})],
    "broadcast_to": [((normal(3, 1),), {"shape": (2, 3, 4)}), ((normal(),), {"shape": (3,)})],
    "getitem": [((normal(4, 5),), {"index": (slice(1, 3), slice(None, None, 2))}),
                ((normal(4, 5),), {"index": np.array([0, 2, 2, 3])}),
                ((normal(4, 5),), {"index": normal(4, 5) > 0}),
                ((normal(4, 5),), {"index": (np.array([1, 1, 0]), np.array([2, 2, 4]))}),
                ((normal(3, 4),), {"index": (1, Ellipsis, None)})],
    "index_add": [((normal(3, 5),), {"index": np.array([0, 2, 0]), "shape": (4, 5)}),
                  ((normal(2, 2),), {"index": (slice(0, 2), slice(1, 3)), "shape": (3, 4)})],
    "clone": [((normal(3, 4),), {})],
    "contiguous": [((normal(3, 4),), {})],
    "concatenate": [((normal(2, 3), normal(4, 3)), {"axis": 0}), ((normal(2, 3), normal(2, 1), normal(2, 2)), {"axis": -1})],
    "stack": [((normal(2, 3), normal(2, 3)), {"axis": 0}), ((normal(3), normal(3), normal(3)), {"axis": -1})],
    "matmul": [((normal(3, 4), normal(4, 2)), {}), ((normal(4), normal(4, 2)), {}), ((normal(3, 4), normal(4)), {}),
               ((normal(4), normal(4)), {}), ((normal(2, 3, 4), normal(4, 5)), {}), ((normal(2, 1, 3, 4), normal(3, 4, 2)), {}),
               ((normal(5), normal(2, 5, 3)), {})],
    "sin": [((normal(3, 4),), {})], "cos": [((normal(3, 4),), {})], "tan": [((inside_unit(3, 4),), {})],
    "asin": [((inside_unit(3, 4),), {})], "acos": [((inside_unit(3, 4),), {})], "atan": [((normal(3, 4) * 2,), {})],
    "sinh": [((normal(3, 4),), {})], "cosh": [((normal(3, 4),), {})], "atanh": [((inside_unit(3, 4),), {})],
    "log1p": [((positive(3, 4) - 0.4,), {})], "expm1": [((normal(3, 4),), {}), ((normal(),), {})],
    "log2": [((positive(3, 4),), {})], "log10": [((positive(3, 4),), {})], "square": [((normal(3, 4),), {})],
    "rsqrt": [((positive(3, 4),), {})], "reciprocal": [((away_from_zero(3, 4),), {})],
    "floor": [((off_grid(3, 4),), {})], "ceil": [((off_grid(3, 4),), {})], "trunc": [((off_grid(3, 4),), {})],
    "round": [((off_grid(3, 4),), {}), ((off_grid(5, step=0.1),), {"decimals": 1})],
    "isnan": [((np.array([0.0, np.nan, np.inf, -1.0]),), {})],
    "isinf": [((np.array([0.0, np.nan, np.inf, -np.inf]),), {})],
    "isfinite": [((np.array([0.0, np.nan, np.inf, -1.0]),), {})],
    "atan2": [((normal(3, 4), normal(3, 4)), {}), ((normal(3, 1), normal(4)), {})],
    "logaddexp": [((normal(3, 4), normal(3, 4)), {}), ((normal(2, 3), normal(3) * 30), {})],
    "prod": [((away_from_zero(3, 4),), {}), ((away_from_zero(2, 3, 4),), {"axis": 1}),
             ((away_from_zero(3, 4),), {"axis": -1, "keepdims": True}),
             ((np.array([[0.0, 0.7, -1.3, 0.4], [0.0, 1.2, 0.0, 0.9], [0.5, 0.0, 0.0, 0.0], [0.8, -0.6, 1.1, 0.3]]),),
              {"axis": 1}),
             ((np.array([0.0, 0.7, 0.0, -1.3]),), {})],
    "cumsum": [((normal(3, 4),), {"axis": 1}), ((normal(2, 3, 4),), {"axis": -3}), ((normal(),), {"axis": 0})],
    "cumprod": [((normal(3, 4),), {"axis": 1}), ((normal(2, 3, 4),), {"axis": -3}), ((normal(),), {"axis": 0}),
                ((np.array([[0.5, 0.0, 1.5, -0.7], [1.2, -0.4, 0.0, 0.0], [0.0, 0.9, 1.1, 0.6]]),), {"axis": 1})],
    "hypot": [((away_from_zero(3, 4), normal(3, 4)), {}), ((normal(3, 1), away_from_zero(4)), {})],
    "clamp": [((distinct(3, 4), normal(3, 4) - 0.5, normal(4) + 0.5), {}),
              ((distinct(3, 4), normal(3, 1) + 0.5, normal(4) - 0.5), {})],
    "norm": [((normal(3, 4),), {}), ((normal(3, 4),), {"p": 1.0, "axis": 1}), ((distinct(3, 4),), {"p": np.inf, "axis": 0}),
             ((distinct(3, 4),), {"p": -np.inf, "axis": 1, "keepdims": True}), ((away_from_zero(2, 3, 4),), {"p": 3.0, "axis": (0, 2)}),
             ((away_from_zero(5),), {"p": 0.0}), ((positive(4, 2),), {"p": 1.5, "axis": -1})],
    "argsort": [((np.array([[3.0, 1.0, 3.0, np.nan], [2.0, 2.0, -1.0, 0.5]]),), {"axis": 1, "stable": True}),
                ((np.array([[3.0, 1.0, 3.0, np.nan], [2.0, 2.0, -1.0, 0.5]]),), {"axis": 1, "descending": True, "stable": True}),
                ((distinct(3, 4),), {"axis": 0}), ((normal(),), {})],
    "gather": [((normal(3, 4),), {"index": np.array([[0, 0, 3], [1, 2, 2]]), "axis": 1}),
               ((normal(3, 4),), {"index": np.array([[2, 0, 2, 1], [0, 0, 1, 2]]), "axis": 0}),
               ((normal(2, 3, 4),), {"index": np.array([[[1], [3]]]), "axis": -1}), ((normal(),), {"index": np.array(0), "axis": 0})],
    "scatter_add": [((normal(3, 4), normal(2, 3)), {"index": np.array([[0, 0, 3], [1, 2, 2]]), "axis": 1}),
                    ((normal(3, 4), normal(2, 4)), {"index": np.array([[2, 0, 2, 1], [0, 0, 1, 2]]), "axis": 0})],
    "scatter": [((normal(3, 4), normal(2, 3)), {"index": np.array([[0, 1, 3], [1, 2, 0]]), "axis": 1}),
                ((normal(3, 4), normal(2, 4)), {"index": np.array([[2, 0, 1, 1], [0, 1, 2, 0]]), "axis": 0}),
                ((normal(3, 4), 0.5), {"index": np.array([[2], [0]]), "axis": 1})],
    "roll": [((normal(3, 4),), {"shifts": 1, "dims": 1}), ((normal(3, 4),), {"shifts": (2, -1), "dims": (0, 1)}),
             ((normal(3, 4),), {"shifts": 5})],
    "pad": [((normal(3, 4),), {"pad": (1, 2)}), ((normal(2, 3, 4),), {"pad": (0, 1, 2, 0), "value": 0.5}),
            ((normal(3, 4),), {"pad": (-1, 2, 1, -2)})],
    "one_hot": [((np.array([[0, 2], [1, 1]]),), {"num_classes": 4}), ((np.array([3, 0, 1]),), {})],
    "nonzero": [((np.array([[0.0, 1.5, 0.0], [-2.0, 0.0, 0.3]]),), {}), ((np.array(2.0),), {}), ((np.zeros(3),), {})],
    "scatter_reduced": [((normal(3, 4), normal(2, 4)), {"index": np.array([[0, 2, 2, 1], [2, 0, 2, 1]]), "axis": 0,
                                                         "reduce": "multiply"})],
    "einsum": [((normal(3, 4), normal(4, 2)), {"equation": "ij,jk->ik"}), ((normal(3, 3),), {"equation": "ii->"}),
               ((normal(3, 3),), {"equation": "ii->i"}), ((normal(2, 3, 4),), {"equation": "abc->ca"}),
               ((normal(2, 3), normal(3), normal(2, 5)), {"equation": "ij,j,ik->k"}),
               ((normal(2, 1, 3), normal(4, 3)), {"equation": "abc,bc->abc"}),
               ((normal(3, 3, 2), normal(2)), {"equation": "iij,j->i"})],
    "tril": [((normal(4, 3),), {}), ((normal(2, 3, 4),), {"diagonal": 1}), ((normal(3, 5),), {"diagonal": -2})],
    "triu": [((normal(4, 3),), {}), ((normal(2, 3, 4),), {"diagonal": -1})],
    "diag": [((normal(3),), {}), ((normal(3),), {"diagonal": 2}), ((normal(3, 4),), {}), ((normal(4, 3),), {"diagonal": -1}),
             ((normal(3, 5),), {"diagonal": 2})],
    "linear": [((normal(5, 4), normal(3, 4), normal(3)), {}), ((normal(2, 5, 4), normal(3, 4)), {})],
    "sumsq": [((normal(3, 4),), {}), ((normal(),), {}), ((normal(3, 4), normal(5), normal(2, 1, 3)), {"scale": 0.3})],
    "binary_cross_entropy": [((rng.uniform(0.05, 0.95, (3, 4)), rng.uniform(0, 1, (3, 4))), {}),
                             ((rng.uniform(0.05, 0.95, (5,)), rng.uniform(0, 1, (5,))), {})],
    "cross_entropy": [((normal(5, 4) * 3, np.array([0, 3, 1, 1, 2])), {}),
                      ((normal(4, 3), np.array([2, 0, 1, 1])), {"reduction": "sum"}),
                      ((normal(4, 3), np.array([2, 0, 1, 1])), {"reduction": "none", "label_smoothing": 0.2})],
}


def test_every_op_in_the_table_has_test_cases():
    assert set(CASES) == set(OPS), f"ops without cases: {set(OPS) - set(CASES)}; stale cases: {set(CASES) - set(OPS)}"


def _tensors(inputs):
    return [cr.tensor(a, dtype=np.float64, requires_grad=True)
            if isinstance(a, np.ndarray) and a.dtype.kind == "f" else a for a in inputs]


PARAMS = [pytest.param(name, i, id=f"{name}-{i}") for name in sorted(CASES) for i in range(len(CASES[name]))]


@pytest.mark.parametrize("name,i", PARAMS)
def test_gradcheck(name, i):
    inputs, kw = CASES[name][i]
    op = OPS[name]
    tensors = _tensors(inputs)
    if not op.differentiable:
        pytest.skip("not differentiable")
    assert cr.gradcheck(lambda *ts: op(*ts, **kw), tensors)


@pytest.mark.parametrize("name,i", PARAMS)
def test_second_derivatives_match_numerical(name, i):
    """Every VJP also runs on tensors (create_graph=True): the derivative of <grad f . v>, f = sum(tanh(op) u),
    is checked against centred differences of the first-order gradient, so a VJP that drops to raw NumPy is
    caught."""
    inputs, kw = CASES[name][i]
    op = OPS[name]
    if not op.differentiable:
        pytest.skip("not differentiable")
    template = _tensors(inputs)
    rng = np.random.default_rng(1)
    upstream = rng.standard_normal(np.shape(op(*inputs, **kw)))
    directions = [rng.standard_normal(t.shape) for t in template if isinstance(t, cr.Tensor)]

    def first_order(*xs):
        it = iter(xs)
        args = [next(it) if isinstance(t, cr.Tensor) else t for t in template]
        out = (op(*args, **kw).tanh() * upstream).sum()   # tanh: the op's upstream gradient depends on x
        grads = cr.grad(out, list(xs), create_graph=True, allow_unused=True)
        total = cr.tensor(0.0, dtype=np.float64)
        for g, v in zip(grads, directions):
            if g is not None:
                total = total + (g * v).sum()
        return total

    xs = [t for t in template if isinstance(t, cr.Tensor)]
    expected = cr.numerical_grad(first_order, [cr.tensor(x.data, requires_grad=True) for x in xs])
    total = first_order(*xs)
    if not total.requires_grad:            # the first-order gradient does not depend on the inputs
        for e in expected:
            np.testing.assert_allclose(e, 0.0, atol=1e-6)
        return
    got = cr.grad(total, xs, allow_unused=True)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(np.zeros_like(e) if g is None else g.data, e, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name,i", PARAMS)
def test_gradients_have_their_variables_shape(name, i):
    inputs, kw = CASES[name][i]
    if not OPS[name].differentiable:
        pytest.skip("not differentiable")
    tensors = _tensors(inputs)
    if not OPS[name].differentiable:
        pytest.skip("not differentiable")
    out = OPS[name](*tensors, **kw)
    out.backward(np.ones(out.shape))
    for t in tensors:
        if isinstance(t, cr.Tensor):
            assert t.grad is not None and t.grad.shape == t.shape and t.grad.dtype == t.dtype


@pytest.mark.parametrize("name,i", PARAMS)
def test_array_call_equals_tensor_call(name, i):
    """An op called on plain arrays computes the same values as on tensors (the 'dual' VJP contract)."""
    inputs, kw = CASES[name][i]
    a = OPS[name](*inputs, **kw)
    t = OPS[name](*_tensors(inputs), **kw)
    np.testing.assert_allclose(np.asarray(a), t.data, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name,i", PARAMS)
def test_positional_call_equals_keyword_call(name, i):
    """``op(x, 1, True)`` binds as ``op(x, axis=1, keepdims=True)``: the parameters in the forward's order."""
    inputs, kw = CASES[name][i]
    op = OPS[name]
    if not kw or list(kw) != list(op.params[:len(kw)]):
        pytest.skip("no parameters, or not in the order of the positional signature")
    by_name, by_position = _tensors(inputs), _tensors(inputs)
    t, p = op(*by_name, **kw), op(*by_position, *kw.values())
    np.testing.assert_array_equal(p.data, t.data)
    if op.differentiable:
        t.backward(np.ones(t.shape))
        p.backward(np.ones(p.shape))
        for a, b in zip(by_name, by_position):
            if isinstance(a, cr.Tensor):
                np.testing.assert_array_equal(b.grad.data, a.grad.data)


# --- PyTorch as an oracle -----------------------------------------------------------------------------------

def _torch_fns(torch):
    F = torch.nn.functional

    def dims(kw):
        return kw.get("axis") if kw.get("axis") is not None else None

    def red(fn):
        def call(x, axis=None, keepdims=False, **kw):
            if axis is None:
                out = fn(x)
                return out
            return fn(x, dim=axis, keepdim=keepdims)
        return call

    return {
        "add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y, "div": lambda x, y: x / y,
        "pow": lambda x, y: x ** y, "floor_divide": lambda x, y: x // y, "remainder": lambda x, y: x % y,
        "eq": torch.eq, "ne": torch.ne, "lt": torch.lt, "le": torch.le, "gt": torch.gt, "ge": torch.ge,
        "maximum": lambda x, y: torch.maximum(x, torch.as_tensor(y, dtype=x.dtype)),
        "minimum": torch.minimum, "where": torch.where, "neg": torch.neg, "clone": torch.clone,
        "contiguous": lambda x: x.contiguous(), "exp": torch.exp, "log": torch.log,
        "sqrt": torch.sqrt, "abs": torch.abs, "sign": torch.sign, "erf": torch.erf,
        "lgamma": torch.lgamma, "digamma": torch.digamma, "polygamma": lambda x, n: torch.polygamma(n, x),
        "erfinv": torch.erfinv, "erfc": torch.erfc,
        "clip": lambda x, min=None, max=None: torch.clamp(x, min, max), "relu": torch.relu,
        "leaky_relu": lambda x, negative_slope: F.leaky_relu(x, negative_slope),
        "elu": lambda x, alpha: F.elu(x, alpha), "sigmoid": torch.sigmoid, "tanh": torch.tanh, "silu": F.silu,
        "softplus": lambda x, beta=1.0, threshold=20.0: F.softplus(x, beta, threshold),
        "gelu": lambda x, approximate="none": F.gelu(x, approximate=approximate),
        "sum": red(torch.sum), "mean": red(torch.mean), "max": red(torch.amax), "min": red(torch.amin),
        "var": lambda x, axis=None, correction=1, keepdims=False: torch.var(x, dim=axis, correction=correction,
                                                                           keepdim=keepdims),
        "std": lambda x, axis=None, correction=1, keepdims=False: torch.std(x, dim=axis, correction=correction,
                                                                           keepdim=keepdims),
        "argmax": lambda x, axis=None, keepdims=False: torch.argmax(x, dim=axis, keepdim=keepdims),
        "argmin": lambda x, axis=None, keepdims=False: torch.argmin(x, dim=axis, keepdim=keepdims),
        "logsumexp": lambda x, axis=None, keepdims=False: torch.logsumexp(
            x, dim=tuple(range(x.ndim)) if axis is None else axis, keepdim=keepdims),
        "softmax": lambda x, axis: torch.softmax(x, axis), "log_softmax": lambda x, axis: torch.log_softmax(x, axis),
        "sin": torch.sin, "cos": torch.cos, "tan": torch.tan, "asin": torch.asin, "acos": torch.acos,
        "atan": torch.atan, "sinh": torch.sinh, "cosh": torch.cosh, "atanh": torch.atanh, "log1p": torch.log1p,
        "expm1": torch.expm1, "log2": torch.log2, "log10": torch.log10, "square": torch.square,
        "rsqrt": torch.rsqrt, "reciprocal": torch.reciprocal, "floor": torch.floor, "ceil": torch.ceil,
        "trunc": torch.trunc, "round": torch.round, "isnan": torch.isnan, "isinf": torch.isinf,
        "isfinite": torch.isfinite, "atan2": torch.atan2, "logaddexp": torch.logaddexp,
        "prod": lambda x, axis=None, keepdims=False: torch.prod(x) if axis is None else torch.prod(x, axis, keepdims),
        "cumsum": lambda x, axis: torch.cumsum(x, axis),
        "norm": lambda x, p=2.0, axis=None, keepdims=False: torch.linalg.vector_norm(x, p, axis, keepdims),
        "argsort": lambda x, axis=-1, descending=False, stable=False: torch.argsort(
            x, dim=axis, descending=descending, stable=stable),
        "gather": lambda x, index, axis: torch.gather(x, axis, torch.from_numpy(index)),
        "scatter_add": lambda x, src, index, axis: torch.scatter_add(x, axis, torch.from_numpy(index), src),
        "scatter": lambda x, src, index, axis: torch.scatter(x, axis, torch.from_numpy(index), src),
        "roll": lambda x, shifts, dims=None: torch.roll(x, shifts, dims),
        "pad": lambda x, pad, value=0.0: F.pad(x, pad, value=value),
        "one_hot": lambda x, num_classes=-1: F.one_hot(x, num_classes), "nonzero": torch.nonzero,
        "scatter_reduced": lambda x, src, index, axis, reduce: x.scatter(axis, torch.as_tensor(index), src,
                                                                         reduce=reduce),
        "einsum": lambda *xs, equation: torch.einsum(equation, *xs),
        "tril": lambda x, diagonal=0: torch.tril(x, diagonal), "triu": lambda x, diagonal=0: torch.triu(x, diagonal),
        "diag": lambda x, diagonal=0: torch.diag(x, diagonal),
        "matmul": torch.matmul, "linear": F.linear, "sumsq": lambda *xs, scale=1.0: scale * sum((x * x).sum() for x in xs),
        "cross_entropy": lambda x, t, reduction="mean", label_smoothing=0.0: F.cross_entropy(
            x, t, reduction=reduction, label_smoothing=label_smoothing),
    }


def _to_torch(torch, a):
    if isinstance(a, np.ndarray):
        t = torch.from_numpy(a.copy())
        if a.dtype.kind == "f":
            t.requires_grad_(True)
        return t
    return a


@pytest.mark.parametrize("name,i", PARAMS)
def test_matches_torch(name, i):
    torch = pytest.importorskip("torch")
    fns = _torch_fns(torch)
    if name not in fns:
        pytest.skip("no direct torch counterpart (shape/indexing ops are covered by gradcheck)")
    inputs, kw = CASES[name][i]
    ours_in = _tensors(inputs)
    ours = OPS[name](*ours_in, **kw)
    theirs_in = [_to_torch(torch, a) for a in inputs]
    theirs = fns[name](*theirs_in, **kw)
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-10, atol=1e-12)
    assert ours.dtype == theirs.detach().numpy().dtype
    if not OPS[name].differentiable:
        return
    upstream = np.random.default_rng(0).standard_normal(ours.shape)
    ours.backward(upstream)
    theirs.backward(torch.from_numpy(upstream))
    for a, t in zip(ours_in, theirs_in):
        if isinstance(a, cr.Tensor):
            expected = np.zeros(a.shape) if t.grad is None else t.grad.numpy()   # torch: None for a zero gradient
            np.testing.assert_allclose(a.grad.data, expected, rtol=1e-9, atol=1e-12)
