"""Special functions after PyTorch's test_unary_ufuncs.py / test_autograd.py cases (lgamma, digamma,
polygamma, erfinv, erfc, logit): values and gradients on chainrule and torch."""
import pytest

from acc_helpers import arrays, check

torch = pytest.importorskip("torch")

CASES = [
    ("lgamma", lambda m, x: m.lgamma(x.abs() + 0.1)),
    ("lgamma_negative", lambda m, x: (x * 0.2 - 2.5).lgamma()),
    ("digamma", lambda m, x: m.digamma(x.abs() + 0.1)),
    ("digamma_negative", lambda m, x: (x * 0.2 - 0.5).digamma()),
    ("polygamma1", lambda m, x: m.polygamma(1, x.abs() + 0.5)),
    ("polygamma3", lambda m, x: (x.abs() + 0.5).polygamma(3)),
    ("erfinv", lambda m, x: m.erfinv(x * 0.45)),
    ("erfinv_erf", lambda m, x: m.erf(m.erfinv(x * 0.45))),
    ("erfc", lambda m, x: m.erfc(x * 3)),
    ("erfc_plus_erf", lambda m, x: (x * 2).erfc() + m.erf(x * 2)),
    ("logit", lambda m, x: m.logit(m.sigmoid(x))),
    ("logit_eps", lambda m, x: m.sigmoid(x * 3).logit(eps=0.1)),
    ("lgamma_sum_exp", lambda m, x: m.exp(m.lgamma(x.abs() + 1)).sum()),
]


@pytest.mark.parametrize("name,fn", CASES, ids=[c[0] for c in CASES])
def test_values_and_gradients(name, fn):
    check(fn, arrays([(3, 4)], seed=len(name)), torch, rtol=2e-9, atol=1e-10)
