"""Every optimizer against torch.optim, table-driven: 25 steps of a logistic-regression problem in float64 with
two parameter groups, positional and keyword arguments, a state_dict round trip mid-run, the signature itself
and the error class of bad arguments."""
import copy
import inspect
import json

import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")

NAMES = ["SGD", "RMSprop", "Adagrad", "Adadelta", "Adam", "AdamW", "Adamax", "NAdam", "RAdam"]

# (name, keyword options, the second group's own options)
CASES = [
    ("SGD", dict(lr=0.1), {}),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.2, weight_decay=0.01), dict(momentum=0.5)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1), dict(lr=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.8, maximize=True), {}),
    ("RMSprop", dict(lr=0.01), dict(alpha=0.9)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5, weight_decay=0.1), dict(centered=False)),
    ("RMSprop", dict(lr=0.005, maximize=True, momentum=0.9), {}),
    ("Adagrad", {}, {}),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.3), dict(lr_decay=0.0)),
    ("Adagrad", dict(lr=0.05, eps=1e-6, maximize=True), dict(lr=0.2)),
    ("Adadelta", {}, {}),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-4, weight_decay=0.1), dict(rho=0.95)),
    ("Adadelta", dict(maximize=True), {}),
    ("Adam", dict(lr=0.01), dict(betas=(0.8, 0.99))),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1), dict(amsgrad=False)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True), {}),
    ("Adam", dict(lr=0.02, betas=(0.3, 0.9), eps=1e-4), {}),
    ("AdamW", dict(lr=0.01), dict(weight_decay=0.5)),
    ("AdamW", dict(lr=0.01, amsgrad=True, maximize=True), {}),
    ("Adamax", {}, {}),
    ("Adamax", dict(lr=0.01, betas=(0.5, 0.9), weight_decay=0.1), dict(eps=1e-3)),
    ("Adamax", dict(lr=0.01, maximize=True), {}),
    ("NAdam", {}, {}),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, momentum_decay=0.01), dict(momentum_decay=0.0)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True), dict(betas=(0.8, 0.95))),
    ("NAdam", dict(maximize=True), {}),
    ("RAdam", {}, {}),
    ("RAdam", dict(lr=0.01, weight_decay=0.1), dict(betas=(0.8, 0.9))),
    ("RAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True), {}),
    ("RAdam", dict(lr=0.01, betas=(0.9, 0.5)), {}),                 # rho_t never above 5: the SGD branch only
]
IDS = [f"{n}-{kw}-{g2}" for n, kw, g2 in CASES]

RNG = np.random.default_rng(7)
X = RNG.standard_normal((40, 5))
Y = (X @ RNG.standard_normal(5) + 0.3 * RNG.standard_normal(40) > 0).astype(np.float64)
W0, B0 = 0.5 * RNG.standard_normal((5, 1)), np.array([0.2])


def _loss(m, w, b):
    """Logistic loss plus a quadratic term, in either library."""
    z = (m.tensor(X) @ w).reshape(-1) + b
    y = m.tensor(Y)
    return (m.nn.functional.softplus(z) - y * z).mean() + 0.05 * (w * w).sum()


def _params(m):
    return m.tensor(W0.copy(), requires_grad=True), m.tensor(B0.copy(), requires_grad=True)


def _make(m, name, kw, group2, params, lr_override=None):
    w, b = params
    kw = dict(kw) if lr_override is None else dict(kw, lr=lr_override)
    return getattr(m.optim, name)([{"params": [w]}, dict(group2, params=[b])], **kw)


def _steps(m, opt, params, n):
    w, b = params
    for _ in range(n):
        opt.zero_grad()
        _loss(m, w, b).backward()
        opt.step()


def _values(m, params):
    return np.concatenate([(p.detach().numpy() if m is torch else p.data).ravel() for p in params])


@pytest.mark.parametrize("name,kw,group2", CASES, ids=IDS)
def test_25_steps_with_two_groups_equal_torch(name, kw, group2):
    ours, theirs = _params(cr), _params(torch)
    opt, ref = _make(cr, name, kw, group2, ours), _make(torch, name, kw, group2, theirs)
    for _ in range(25):
        _steps(cr, opt, ours, 1)
        _steps(torch, ref, theirs, 1)
        np.testing.assert_allclose(_values(cr, ours), _values(torch, theirs), rtol=1e-10, atol=1e-14)
    assert not np.allclose(_values(cr, ours), np.concatenate([W0.ravel(), B0]))


@pytest.mark.parametrize("name,kw,group2", CASES, ids=IDS)
def test_state_dict_round_trip_mid_run_continues_as_torch(name, kw, group2):
    theirs = _params(torch)
    ref = _make(torch, name, kw, group2, theirs)
    _steps(torch, ref, theirs, 24)
    ours = _params(cr)
    opt = _make(cr, name, kw, group2, ours)
    _steps(cr, opt, ours, 11)
    saved = copy.deepcopy(opt.state_dict())
    json.dumps(saved["param_groups"])
    resumed = _make(cr, name, kw, group2, ours, lr_override=0.123)      # the state dict restores every option
    resumed.load_state_dict(saved)
    assert resumed.param_groups == opt.param_groups
    _steps(cr, resumed, ours, 13)
    np.testing.assert_allclose(_values(cr, ours), _values(torch, theirs), rtol=1e-10, atol=1e-14)
    ref_groups = [{k: v for k, v in g.items() if k != "params"} for g in ref.state_dict()["param_groups"]]
    our_groups = [{k: v for k, v in g.items() if k != "params"} for g in resumed.state_dict()["param_groups"]]
    assert our_groups == ref_groups
    assert [set(s) for s in resumed.state_dict()["state"].values()] == \
        [set(s) for s in ref.state_dict()["state"].values()]


POSITIONAL = {          # every positional argument after params, in torch's order
    "SGD": (0.05, 0.9, 0.1, 0.01, False), "RMSprop": (0.01, 0.9, 1e-6, 0.01, 0.5, True, False, None, True),
    "Adagrad": (0.1, 0.01, 0.01, 0.2, 1e-9, None), "Adadelta": (0.9, 0.8, 1e-5, 0.01, None),
    "Adam": (0.01, (0.8, 0.9), 1e-6, 0.01, True), "AdamW": (0.01, (0.8, 0.9), 1e-6, 0.05, True),
    "Adamax": (0.01, (0.8, 0.9), 1e-6, 0.01, None), "NAdam": (0.01, (0.8, 0.9), 1e-6, 0.01, 0.01, True),
    "RAdam": (0.01, (0.8, 0.9), 1e-6, 0.01, True),
}


@pytest.mark.parametrize("name", NAMES)
def test_positional_arguments_mean_what_they_mean_in_torch(name):
    ours, theirs = _params(cr), _params(torch)
    opt = getattr(cr.optim, name)(list(ours), *POSITIONAL[name])
    ref = getattr(torch.optim, name)(list(theirs), *POSITIONAL[name])
    _steps(cr, opt, ours, 20)
    _steps(torch, ref, theirs, 20)
    np.testing.assert_allclose(_values(cr, ours), _values(torch, theirs), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("name", NAMES)
def test_signature_is_torchs(name):
    ours = inspect.signature(getattr(cr.optim, name).__init__).parameters
    theirs = inspect.signature(getattr(torch.optim, name).__init__).parameters
    assert [(k, p.kind, p.default) for k, p in ours.items()] == [(k, p.kind, p.default) for k, p in theirs.items()]


BAD = [(n, {"lr": -0.1}) for n in NAMES] + [(n, {"weight_decay": -1.0}) for n in NAMES] + [
    ("SGD", dict(lr=0.1, momentum=-0.1)), ("SGD", dict(lr=0.1, nesterov=True)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.5, nesterov=True)),
    ("RMSprop", dict(alpha=-0.5)), ("RMSprop", dict(eps=-1.0)), ("RMSprop", dict(momentum=-0.5)),
    ("Adagrad", dict(lr_decay=-0.1)), ("Adagrad", dict(initial_accumulator_value=-1.0)), ("Adagrad", dict(eps=-1.0)),
    ("Adadelta", dict(rho=1.5)), ("Adadelta", dict(rho=-0.1)), ("Adadelta", dict(eps=-1.0)),
    ("NAdam", dict(momentum_decay=-0.1)),
] + [(n, dict(betas=b)) for n in ("Adam", "AdamW", "Adamax", "NAdam", "RAdam")
     for b in [(1.0, 0.9), (0.9, 1.5), (-0.1, 0.9)]] + [(n, dict(eps=-1e-8)) for n in ("Adamax", "NAdam", "RAdam")]


@pytest.mark.parametrize("name,kw", BAD, ids=[f"{n}-{kw}" for n, kw in BAD])
def test_bad_arguments_raise_torchs_error_class(name, kw):
    for m in (cr, torch):
        with pytest.raises(ValueError):
            getattr(m.optim, name)([m.tensor(np.zeros(2), requires_grad=True)], **kw)


@pytest.mark.parametrize("name", NAMES)
def test_differentiable_is_refused_and_flags_checked(name):
    p = cr.tensor(np.zeros(2), requires_grad=True)
    with pytest.raises(ValueError, match="differentiable=True is not supported"):
        getattr(cr.optim, name)([p], differentiable=True)
    with pytest.raises(ValueError, match="maximize must be True or False"):
        getattr(cr.optim, name)([p], maximize="yes")
    opt = getattr(cr.optim, name)([p], foreach=False)             # accepted: the update is the same
    assert opt.param_groups[0]["foreach"] is False


def test_adagrad_state_exists_from_construction_as_in_torch():
    ours = cr.optim.Adagrad([cr.tensor(np.zeros(3), requires_grad=True)], initial_accumulator_value=0.25)
    theirs = torch.optim.Adagrad([torch.zeros(3, requires_grad=True)], initial_accumulator_value=0.25)
    assert ours.state_dict()["state"][0]["step"] == float(theirs.state_dict()["state"][0]["step"])
    np.testing.assert_array_equal(ours.state_dict()["state"][0]["sum"], theirs.state_dict()["state"][0]["sum"])


def test_adamw_stays_decoupled_after_loading_an_adam_state():
    p = cr.tensor(np.ones(2), requires_grad=True)
    sd = cr.optim.Adam([p], weight_decay=0.1).state_dict()
    opt = cr.optim.AdamW([p])
    opt.load_state_dict(sd)
    assert opt.param_groups[0]["decoupled_weight_decay"] is True
