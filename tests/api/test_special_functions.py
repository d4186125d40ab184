"""lgamma, digamma, polygamma, erfinv and erfc on both of their paths: scipy.special where it is installed and the
NumPy-only code without it (the scipy import made to fail), against scipy in float64 over each function's
range, PyTorch's values at the poles and edges, and gradients to the third order against torch."""
import numpy as np
import pytest

import chainrule as cr
from chainrule.ops import gamma

torch = pytest.importorskip("torch")
special = pytest.importorskip("scipy.special")


@pytest.fixture(params=["scipy", "numpy"])
def path(request, monkeypatch):
    """Each test once with scipy and once as on a machine without it."""
    if request.param == "numpy":
        monkeypatch.setattr(gamma, "_SCIPY", [None])
    return request.param


def _grid():
    rng = np.random.default_rng(0)
    x = np.concatenate([np.linspace(-30.5, 30.5, 20011), rng.uniform(-40, 40, 4000), np.logspace(-300, 300, 601),
                        -np.logspace(-300, 1.5, 301), 1 + np.linspace(-1e-3, 1e-3, 201),
                        2 + np.linspace(-1e-3, 1e-3, 201),
                        1.4616321449683622 + np.linspace(-0.3, 0.3, 601)])
    return x[~((x <= 0) & (x == np.round(x)))]


def _close(got, expected, rtol, atol=0.0):
    finite = np.isfinite(expected)
    np.testing.assert_array_equal(np.isfinite(got), finite)
    np.testing.assert_allclose(got[finite], expected[finite], rtol=rtol, atol=atol)


def test_lgamma_to_a_few_ulp(path):
    x = _grid()
    _close(cr.lgamma(cr.tensor(x)).data, special.gammaln(x), rtol=8e-15, atol=1e-15)


def test_digamma_to_a_few_ulp(path):
    x = _grid()
    far = np.abs(x - np.round(x)) > 1e-3          # beside a pole the reflection's cot loses digits
    _close(cr.digamma(cr.tensor(x[far])).data, special.digamma(x[far]), rtol=2e-13, atol=1e-15)
    near_root = 1.4616321449683622 + np.linspace(-0.3, 0.3, 601)
    _close(cr.digamma(cr.tensor(near_root)).data, special.digamma(near_root), rtol=4e-15, atol=1e-17)


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_polygamma_to_a_few_ulp(path, n):
    x = _grid()
    x = x[(np.abs(x - np.round(x)) > 1e-3) & (x < 1e6)]
    _close(cr.polygamma(n, cr.tensor(x)).data, special.polygamma(n, x), rtol=2e-12 if n == 2 else 1e-13, atol=1e-14)


def test_erfinv_to_a_few_ulp_up_to_the_edges(path):
    x = np.concatenate([np.linspace(-1, 1, 100001)[1:-1], 1 - np.logspace(-16, -1, 500), -1 + np.logspace(-16, -1, 500),
                        np.logspace(-300, -1, 300)])
    _close(cr.erfinv(cr.tensor(x)).data, special.erfinv(x), rtol=1e-15, atol=1e-300)


def test_erfc_to_a_few_ulp_into_the_tail(path):
    x = np.linspace(-6, 6, 100001)
    _close(cr.erfc(cr.tensor(x)).data, special.erfc(x), rtol=5e-15)
    tail = np.linspace(6, 26, 10001)   # scipy's erfc drifts there (3e-14 of mpmath at 17; chainrule's 5e-16)
    _close(cr.erfc(cr.tensor(tail)).data, special.erfc(tail), rtol=6e-14)


EDGES = [("lgamma", [0.0, -1.0, -7.0, float("-inf"), float("inf"), float("nan"), 1.0, 2.0]),
         ("digamma", [0.0, -1.0, -3.0, float("inf"), float("nan"), 1e-300]),
         ("erfinv", [1.0, -1.0, 1.5, -2.0, 0.0, float("nan")]),
         ("erfc", [float("inf"), float("-inf"), float("nan"), 0.0, 30.0, -30.0])]


@pytest.mark.parametrize("name,values", EDGES, ids=[e[0] for e in EDGES])
def test_poles_and_edges_as_torch(path, name, values):
    ours = getattr(cr, name)(cr.tensor(values, dtype=cr.float64)).data
    theirs = getattr(torch, name)(torch.tensor(values, dtype=torch.float64)).numpy()
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", ["lgamma", "digamma", "erfinv", "erfc", "polygamma1"])
def test_dtypes_and_third_derivatives_as_torch(path, name, dtype):
    x = np.linspace(0.1, 0.9, 7).astype(dtype)
    call = (lambda m, t: m.polygamma(1, t)) if name == "polygamma1" else (lambda m, t: getattr(m, name)(t))
    ours, theirs = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out_c, out_t = call(cr, ours), call(torch, theirs)
    assert out_c.dtype == np.dtype(dtype)
    # torch's float64 trigamma (polygamma(1), digamma's derivative) is good to about 5e-10 (mpmath: 0.1 ->
    # 101.43329915079275, torch 101.43329914989455); chainrule's and scipy's agree with mpmath to an ulp
    tol = dict(rtol=2e-5, atol=1e-6) if dtype == "float32" else dict(rtol=2e-9, atol=1e-12)
    np.testing.assert_allclose(out_c.data, out_t.detach().numpy(), **tol)
    gc, gt = out_c.sum(), out_t.sum()
    for _ in range(3):
        (gc,), (gt,) = cr.grad(gc, [ours], create_graph=True), torch.autograd.grad(gt, [theirs], create_graph=True)
        np.testing.assert_allclose(gc.data, gt.detach().numpy(), **{k: v * 100 for k, v in tol.items()})
        gc, gt = gc.sum(), gt.sum()


def test_integer_inputs_give_the_default_float_dtype():
    assert cr.lgamma(cr.tensor([1, 2, 5])).dtype == np.float32
    assert torch.lgamma(torch.tensor([1, 2, 5])).dtype == torch.float32
