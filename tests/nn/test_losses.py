"""Losses: float64 gradchecks of every loss and reduction, PyTorch values and gradients, clear errors."""
import numpy as np
import pytest

import chainrule as cr
import chainrule.nn.functional as F
from chainrule import nn
from chainrule.errors import ShapeError

rng = np.random.default_rng(11)
N, C = 6, 4
REDUCTIONS = ["mean", "sum", "none"]


def scores():
    return rng.standard_normal((N, C)) * 2


def labels():
    return rng.integers(0, C, N)


def binary_targets():
    return rng.integers(0, 2, (N, C)).astype(np.float64)


def probabilities():
    return rng.uniform(0.05, 0.95, (N, C))


def class_weights():
    return rng.uniform(0.5, 2.0, C)


# Each case: (name, our fn(x, target, **kw), torch fn name, make input, make target, kwargs)
def _cases():
    with_ignore = labels()
    with_ignore[[1, 4]] = -100
    return [
        ("cross_entropy", F.cross_entropy, "cross_entropy", scores, labels, {}),
        ("cross_entropy_smooth", F.cross_entropy, "cross_entropy", scores, labels, {"label_smoothing": 0.2}),
        ("cross_entropy_weight", F.cross_entropy, "cross_entropy", scores, labels, {"weight": class_weights()}),
        ("cross_entropy_ignore", F.cross_entropy, "cross_entropy", scores, lambda: with_ignore, {}),
        ("cross_entropy_all", F.cross_entropy, "cross_entropy", scores, lambda: with_ignore,
         {"weight": class_weights(), "label_smoothing": 0.1}),
        ("cross_entropy_ignore_smooth", F.cross_entropy, "cross_entropy", scores, lambda: with_ignore,
         {"label_smoothing": 0.3}),
        ("nll_loss", F.nll_loss, "nll_loss", lambda: np.log(np.full((N, C), 0.1) + rng.uniform(0, 1, (N, C))),
         labels, {}),
        ("nll_loss_weight_ignore", F.nll_loss, "nll_loss", scores, lambda: with_ignore,
         {"weight": class_weights(), "ignore_index": -100}),
        ("multi_margin", F.multi_margin_loss, "multi_margin_loss", scores, labels, {}),
        ("multi_margin_p2", F.multi_margin_loss, "multi_margin_loss", scores, labels, {"p": 2, "margin": 0.5}),
        ("multi_margin_weight", F.multi_margin_loss, "multi_margin_loss", scores, labels,
         {"weight": class_weights()}),
        ("bce_logits", F.binary_cross_entropy_with_logits, "binary_cross_entropy_with_logits", scores,
         binary_targets, {}),
        ("bce_logits_soft", F.binary_cross_entropy_with_logits, "binary_cross_entropy_with_logits", scores,
         probabilities, {"weight": rng.uniform(0.5, 2, (N, C)), "pos_weight": rng.uniform(0.5, 3, C)}),
        ("bce", F.binary_cross_entropy, "binary_cross_entropy", probabilities, binary_targets, {}),
        ("bce_weight", F.binary_cross_entropy, "binary_cross_entropy", probabilities, probabilities,
         {"weight": rng.uniform(0.5, 2, (N, C))}),
        ("mse", F.mse_loss, "mse_loss", scores, scores, {}),
        ("l1", F.l1_loss, "l1_loss", scores, scores, {}),
    ]


CASES = _cases()


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_loss_gradcheck_float64(case, reduction):
    name, fn, _, make_x, make_t, kw = case
    x = cr.tensor(make_x(), dtype=np.float64, requires_grad=True)
    t = make_t()
    assert cr.gradcheck(lambda a: fn(a, t, reduction=reduction, **kw), [x])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_loss_matches_torch(case, reduction):
    torch = pytest.importorskip("torch")
    name, fn, torch_name, make_x, make_t, kw = case
    x, t = make_x(), make_t()
    tkw = {k: torch.from_numpy(np.asarray(v)) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    xt = torch.tensor(x, requires_grad=True)
    tt = torch.from_numpy(t)
    out_t = getattr(torch.nn.functional, torch_name)(xt, tt, reduction=reduction, **tkw)
    g = rng.standard_normal(out_t.shape)
    out_t.backward(torch.from_numpy(g))
    xc = cr.tensor(x, requires_grad=True)
    out = fn(xc, t, reduction=reduction, **kw)
    assert out.shape == tuple(out_t.shape)
    out.backward(g)
    np.testing.assert_allclose(out.data, out_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(xc.grad.data, xt.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_targets_can_require_grad_for_regression_losses():
    for fn in (F.mse_loss, F.l1_loss, F.binary_cross_entropy_with_logits):
        x = cr.tensor(scores(), dtype=np.float64, requires_grad=True)
        y = cr.tensor(probabilities(), dtype=np.float64, requires_grad=True)
        assert cr.gradcheck(lambda a, b: fn(a, b), [x, y])


def test_multi_margin_is_cs231n_svm_loss_over_c():
    """CS231n's SVM loss: sum over j != y of max(0, s_j - s_y + 1), averaged over the batch."""
    x, t = scores(), labels()
    correct = x[np.arange(N), t][:, None]
    margins = np.maximum(0, x - correct + 1)
    margins[np.arange(N), t] = 0
    svm = margins.sum(axis=1).mean()
    assert F.multi_margin_loss(cr.tensor(x), t).item() * C == pytest.approx(svm, rel=1e-12)


def test_cross_entropy_is_stable_for_huge_scores():
    x = cr.tensor(np.array([[1000.0, -1000.0, 0.0], [-5e4, 5e4, 0.0]]), requires_grad=True)
    loss = F.cross_entropy(x, np.array([0, 0]))
    assert np.isfinite(loss.item()) and loss.item() == pytest.approx(5e4, rel=1e-12)
    loss.backward()
    assert np.all(np.isfinite(x.grad.data))


def test_bce_with_logits_is_stable_and_bce_clamps_like_torch():
    x = cr.tensor(np.array([800.0, -800.0, 0.0]), requires_grad=True)
    y = np.array([0.0, 1.0, 1.0])
    loss = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    np.testing.assert_allclose(loss.data, [800.0, 800.0, np.log(2)], rtol=1e-12)
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.data, [1.0, -1.0, -0.5], rtol=1e-12)
    p = cr.tensor(np.array([0.0, 1.0, 0.5]), requires_grad=True)
    out = F.binary_cross_entropy(p, np.array([1.0, 0.0, 1.0]), reduction="none")
    np.testing.assert_allclose(out.data, [100.0, 100.0, np.log(2)], rtol=1e-12)
    out.sum().backward()
    assert np.all(np.isfinite(p.grad.data))


def test_float32_losses_stay_float32():
    x = cr.tensor(scores().astype(np.float32), requires_grad=True)
    t = labels()
    for out in (F.cross_entropy(x, t), F.cross_entropy(x, t, weight=class_weights()), F.nll_loss(x, t),
                F.multi_margin_loss(x, t), F.binary_cross_entropy_with_logits(x, binary_targets()),
                F.mse_loss(x, np.zeros((N, C), np.float32)),
                F.binary_cross_entropy(cr.tensor(probabilities().astype(np.float32)), binary_targets())):
        assert out.dtype == np.float32, out


@pytest.mark.parametrize("fn", [F.cross_entropy, F.nll_loss, F.multi_margin_loss])
def test_classification_losses_reject_bad_labels(fn):
    x = cr.tensor(scores())
    with pytest.raises(ValueError, match="label 4 is out of range for 4 classes"):
        fn(x, np.array([0, 1, 4, 0, 0, 0]))
    with pytest.raises(ShapeError, match="6 rows of scores but targets of shape"):
        fn(x, np.array([0, 1]))
    with pytest.raises(TypeError, match="integer class indices"):
        fn(x, np.zeros(6))
    with pytest.raises(ShapeError, match=r"shape \(N, C\)"):
        fn(cr.tensor(np.zeros((2, 3, 4))), np.zeros(2, dtype=int))
    with pytest.raises(ValueError, match="reduction"):
        fn(x, labels(), reduction="avg")


def test_regression_losses_reject_shape_mismatch():
    for fn in (F.mse_loss, F.l1_loss, F.binary_cross_entropy_with_logits, F.binary_cross_entropy):
        with pytest.raises(ShapeError, match="must be equal"):
            fn(cr.tensor(np.full((4, 1), 0.5)), np.full(4, 0.5))
    with pytest.raises(ValueError, match="probability in \\[0, 1\\]"):
        F.binary_cross_entropy(cr.tensor([1.5, 0.2]), np.array([1.0, 0.0]))
    with pytest.raises(ShapeError, match="one entry per class"):
        F.cross_entropy(cr.tensor(scores()), labels(), weight=np.ones(3))


def test_multi_margin_rejects_other_p():
    with pytest.raises(ValueError, match="p=1 and p=2"):
        F.multi_margin_loss(cr.tensor(scores()), labels(), p=3)


MODULES = [
    (nn.CrossEntropyLoss, F.cross_entropy, {"label_smoothing": 0.1}, scores, labels),
    (nn.NLLLoss, F.nll_loss, {"weight": np.array([1.0, 2.0, 0.5, 1.0])}, scores, labels),
    (nn.MultiMarginLoss, F.multi_margin_loss, {"margin": 2.0}, scores, labels),
    (nn.BCEWithLogitsLoss, F.binary_cross_entropy_with_logits, {"pos_weight": np.full(C, 2.0)}, scores,
     binary_targets),
    (nn.BCELoss, F.binary_cross_entropy, {}, probabilities, binary_targets),
    (nn.MSELoss, F.mse_loss, {}, scores, scores),
    (nn.L1Loss, F.l1_loss, {}, scores, scores),
]


@pytest.mark.parametrize("cls,fn,kw,mx,mt", MODULES, ids=[m[0].__name__ for m in MODULES])
def test_loss_modules_match_functional(cls, fn, kw, mx, mt):
    x, t = cr.tensor(mx()), mt()
    for reduction in REDUCTIONS:
        module = cls(reduction=reduction, **kw)
        np.testing.assert_allclose(module(x, t).data, fn(x, t, reduction=reduction, **kw).data, rtol=1e-12)
    with pytest.raises(ValueError):
        cls(reduction="bogus")
    assert "reduction='sum'" in repr(cls(reduction="sum"))


def test_weighted_loss_keeps_weight_as_buffer():
    loss = nn.CrossEntropyLoss(weight=np.array([1.0, 2.0, 3.0]))
    assert list(loss.state_dict()) == ["weight"]
    assert list(nn.CrossEntropyLoss().state_dict()) == []
