"""Optimizers and learning-rate schedulers step by step against torch.optim, after PyTorch's test/test_optim.py
(every optimizer over its option grid, maximize included, parameter groups, closures, state_dict round trips) and
test/test_lrscheduler.py (test_step_lr, test_exp_lr, test_cos_anneal_lr, test_onecycle_lr_*, test_reduce_lr_on_plateau*,
test_multi_step_lr, test_linear_lr, test_sequential_lr, test_lambda_lr)."""
import math

import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")

W0 = np.array([[0.5, -1.5], [2.0, 0.25]])
B0 = np.array([1.0, -0.5])
X = np.array([[1.0, 2.0], [-1.0, 0.5], [0.3, -0.7]])


def loss(m, w, b):
    y = m.tensor(X) @ w + b
    return (y.tanh() * y).sum() + (w * w).sum() * 0.1


def run(m, opt_name, kw, steps=6, groups=False, closure=False):
    w = m.tensor(W0.copy(), requires_grad=True)
    b = m.tensor(B0.copy(), requires_grad=True)
    params = [{"params": [w]}, {"params": [b], "lr": 0.05}] if groups else [w, b]
    opt = getattr(m.optim, opt_name)(params, **kw)
    trail = []
    for _ in range(steps):
        if closure:
            def f():
                opt.zero_grad()
                val = loss(m, w, b)
                val.backward()
                return val
            opt.step(f)
        else:
            opt.zero_grad()
            loss(m, w, b).backward()
            opt.step()
        trail.append(np.concatenate([np.array(w.detach().numpy() if m is torch else w.data).ravel(),
                                     np.array(b.detach().numpy() if m is torch else b.data)]))
    return np.array(trail)


OPTIMIZERS = [
    ("SGD", dict(lr=0.1)), ("SGD", dict(lr=0.1, momentum=0.9)), ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.1, weight_decay=0.1)), ("SGD", dict(lr=0.1, momentum=0.5, dampening=0.5)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("SGD", dict(lr=0.1, momentum=0.9, weight_decay=0.1, dampening=0.1)),
    ("Adam", dict(lr=0.1)), ("Adam", dict(lr=0.1, betas=(0.8, 0.9))), ("Adam", dict(lr=0.1, amsgrad=True)),
    ("Adam", dict(lr=0.1, weight_decay=0.1)), ("Adam", dict(lr=0.1, weight_decay=0.1, amsgrad=True)),
    ("Adam", dict(lr=0.01, eps=1e-3)), ("AdamW", dict(lr=0.1)), ("AdamW", dict(lr=0.1, weight_decay=0.5)),
    ("AdamW", dict(lr=0.1, amsgrad=True)), ("AdamW", dict(lr=0.1, betas=(0.5, 0.99), weight_decay=0.1, amsgrad=True)),
    ("RMSprop", dict(lr=0.01)), ("RMSprop", dict(lr=0.01, momentum=0.9)), ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True, weight_decay=0.01)),
    # test_optim's OptimizerInfo grids for the other optimizers, and maximize where torch has it
    ("SGD", dict(lr=0.1, momentum=0.9, maximize=True)), ("Adam", dict(lr=0.1, maximize=True, amsgrad=True)),
    ("Adam", dict(lr=0.1, weight_decay=0.1, decoupled_weight_decay=True)), ("AdamW", dict(lr=0.1, maximize=True)),
    ("RMSprop", dict(lr=0.01, maximize=True, centered=True)),
    ("Adagrad", dict(lr=0.1)), ("Adagrad", dict(lr=0.1, lr_decay=0.5)), ("Adagrad", dict(lr=0.1, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1, initial_accumulator_value=0.1)), ("Adagrad", dict(lr=0.1, maximize=True)),
    ("Adadelta", dict()), ("Adadelta", dict(lr=0.01)), ("Adadelta", dict(rho=0.95, weight_decay=0.9)),
    ("Adadelta", dict(lr=0.5, maximize=True, weight_decay=0.1)),
    ("Adamax", dict(lr=0.1)), ("Adamax", dict(lr=0.1, weight_decay=0.1)), ("Adamax", dict(lr=0.1, maximize=True)),
    ("NAdam", dict(lr=0.1)), ("NAdam", dict(lr=0.1, weight_decay=0.1)), ("NAdam", dict(lr=0.1, momentum_decay=6e-3)),
    ("NAdam", dict(lr=0.1, weight_decay=0.1, momentum_decay=6e-3, decoupled_weight_decay=True)),
    ("NAdam", dict(lr=0.1, maximize=True)),
    ("RAdam", dict(lr=0.1)), ("RAdam", dict(lr=0.1, weight_decay=0.1)),
    ("RAdam", dict(lr=0.1, weight_decay=0.1, decoupled_weight_decay=True)), ("RAdam", dict(lr=0.1, maximize=True)),
    ("RAdam", dict(lr=0.1, betas=(0.9, 0.5))),
]


@pytest.mark.parametrize("variant", ["plain", "groups", "closure"])
@pytest.mark.parametrize("name,kw", OPTIMIZERS, ids=[f"{n}-{kw}" for n, kw in OPTIMIZERS])
def test_optimizer_steps(name, kw, variant):
    ours = run(cr, name, kw, groups=variant == "groups", closure=variant == "closure")
    theirs = run(torch, name, kw, groups=variant == "groups", closure=variant == "closure")
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name,kw", [OPTIMIZERS[1], OPTIMIZERS[9], OPTIMIZERS[19]], ids=["SGD", "Adam", "RMSprop"])
def test_optimizer_state_dict_resume(name, kw):
    """Three steps, state_dict into a fresh optimizer, three more: the same trail as six steps straight."""
    straight = run(cr, name, kw, steps=6)
    w = cr.tensor(W0.copy(), requires_grad=True)
    b = cr.tensor(B0.copy(), requires_grad=True)
    opt = getattr(cr.optim, name)([w, b], **kw)
    for _ in range(3):
        opt.zero_grad()
        loss(cr, w, b).backward()
        opt.step()
    sd = opt.state_dict()
    opt2 = getattr(cr.optim, name)([w, b], **kw)
    opt2.load_state_dict(sd)
    for _ in range(3):
        opt2.zero_grad()
        loss(cr, w, b).backward()
        opt2.step()
    np.testing.assert_allclose(np.concatenate([w.data.ravel(), b.data]), straight[-1], rtol=1e-12)


def test_optimizer_state_dict_layout_matches_torch():
    sds = []
    for m in (cr, torch):
        w = m.tensor(W0.copy(), requires_grad=True)
        opt = m.optim.Adam([w], lr=0.1)
        (w * w).sum().backward()
        opt.step()
        sds.append(opt.state_dict())
    ours, theirs = sds
    assert set(ours["state"][0]) == set(theirs["state"][0])
    assert ours["param_groups"][0]["params"] == theirs["param_groups"][0]["params"]
    assert float(ours["state"][0]["step"]) == float(theirs["state"][0]["step"])


def lr_trail(m, make, steps=25, base=0.1, momentum=False):
    w = m.tensor(np.zeros(1), requires_grad=True)
    opt = m.optim.SGD([w], lr=base, momentum=0.9) if momentum else m.optim.SGD([w], lr=base)
    sched = make(m.optim.lr_scheduler, opt)
    lrs = [opt.param_groups[0]["lr"]]
    moms = [opt.param_groups[0].get("momentum")]
    for _ in range(steps):
        opt.step()
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
        moms.append(opt.param_groups[0].get("momentum"))
    return lrs, moms, [float(v) for v in sched.get_last_lr()]


SCHEDULERS = [
    ("StepLR", lambda s, o: s.StepLR(o, step_size=3)), ("StepLR_gamma", lambda s, o: s.StepLR(o, 5, gamma=0.5)),
    ("MultiStepLR", lambda s, o: s.MultiStepLR(o, milestones=[2, 5, 9], gamma=0.3)),
    ("ExponentialLR", lambda s, o: s.ExponentialLR(o, gamma=0.9)),
    ("CosineAnnealingLR", lambda s, o: s.CosineAnnealingLR(o, T_max=10)),
    ("CosineAnnealingLR_eta", lambda s, o: s.CosineAnnealingLR(o, T_max=7, eta_min=0.01)),
    ("LinearLR", lambda s, o: s.LinearLR(o)), ("LinearLR_args", lambda s, o: s.LinearLR(o, 0.1, 0.5, total_iters=8)),
    ("LambdaLR", lambda s, o: s.LambdaLR(o, lambda e: 1 / (1 + e))),
    ("SequentialLR", lambda s, o: s.SequentialLR(o, [s.LinearLR(o, 0.2, total_iters=4), s.ExponentialLR(o, 0.8)],
                                                milestones=[4])),
    ("OneCycleLR", lambda s, o: s.OneCycleLR(o, max_lr=1.0, total_steps=30)),
    ("OneCycleLR_linear", lambda s, o: s.OneCycleLR(o, max_lr=0.5, total_steps=26, anneal_strategy="linear")),
    ("OneCycleLR_three_phase", lambda s, o: s.OneCycleLR(o, max_lr=0.3, total_steps=26, three_phase=True)),
    ("OneCycleLR_epochs", lambda s, o: s.OneCycleLR(o, max_lr=0.2, epochs=5, steps_per_epoch=6, pct_start=0.5,
                                                    div_factor=10, final_div_factor=100)),
]


@pytest.mark.parametrize("momentum", [False, True])
@pytest.mark.parametrize("name,make", SCHEDULERS, ids=[s[0] for s in SCHEDULERS])
def test_scheduler_sequence(name, make, momentum):
    ours = lr_trail(cr, make, momentum=momentum)
    theirs = lr_trail(torch, make, momentum=momentum)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-9, atol=1e-15)
    if momentum:
        np.testing.assert_allclose(np.array(ours[1], dtype=float), np.array(theirs[1], dtype=float), rtol=1e-9)


PLATEAU = [dict(), dict(patience=2), dict(mode="max", patience=1, factor=0.5), dict(patience=0, cooldown=2),
           dict(patience=1, threshold=0.1, threshold_mode="abs"), dict(patience=1, min_lr=0.02, factor=0.3),
           dict(mode="max", threshold=0.05, patience=2, threshold_mode="rel")]
METRICS = [1.0, 0.9, 0.95, 0.95, 0.94, 0.96, 0.97, 0.5, 0.55, 0.6, 0.6, 0.6, 0.45, 0.46, 0.47, 0.48, 0.2, 0.3, 0.3, 0.3]


@pytest.mark.parametrize("metrics", [METRICS, METRICS[::-1]], ids=["falling", "rising"])
@pytest.mark.parametrize("kw", PLATEAU, ids=str)
def test_reduce_lr_on_plateau(kw, metrics):
    trails = []
    for m in (cr, torch):
        w = m.tensor(np.zeros(1), requires_grad=True)
        opt = m.optim.SGD([w], lr=0.1)
        sched = m.optim.lr_scheduler.ReduceLROnPlateau(opt, **kw)
        lrs = []
        for v in metrics:
            opt.step()
            sched.step(v)
            lrs.append(opt.param_groups[0]["lr"])
        trails.append(lrs)
    np.testing.assert_allclose(trails[0], trails[1], rtol=1e-12)


def test_scheduler_state_dict_resume():
    """test_lrscheduler's state-dict round trip: a fresh optimizer and schedule, both states loaded, go on as
    the original (the schedules are recursive: the optimizer's lr is part of the state)."""
    trails = []
    for m in (cr, torch):
        w = m.tensor(np.zeros(1), requires_grad=True)
        opt = m.optim.SGD([w], lr=0.1)
        sched = m.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10)
        for _ in range(4):
            opt.step()
            sched.step()
        opt2 = m.optim.SGD([w], lr=0.1)
        sched2 = m.optim.lr_scheduler.CosineAnnealingLR(opt2, T_max=10)
        opt2.load_state_dict(opt.state_dict())
        sched2.load_state_dict(sched.state_dict())
        lrs = []
        for _ in range(8):
            opt2.step()
            sched2.step()
            lrs.append(opt2.param_groups[0]["lr"])
        trails.append(lrs)
    np.testing.assert_allclose(trails[0], trails[1], rtol=1e-12)
    assert trails[0][0] == pytest.approx(0.05 * (1 + math.cos(math.pi * 5 / 10)))


BAD_OPT = [("SGD", dict(lr=-0.1)), ("SGD", dict(lr=0.1, momentum=-0.5)), ("SGD", dict(lr=0.1, nesterov=True)),
           ("SGD", dict(lr=0.1, weight_decay=-1)), ("Adam", dict(betas=(1.5, 0.9))), ("Adam", dict(betas=(0.9, -0.1))),
           ("Adam", dict(eps=-1.0)), ("AdamW", dict(lr=-1.0)), ("RMSprop", dict(alpha=-0.5)),
           ("RMSprop", dict(lr=0.1, momentum=-1.0)), ("Adagrad", dict(lr=-0.1)), ("Adagrad", dict(lr_decay=-0.5)),
           ("Adagrad", dict(initial_accumulator_value=-0.5)), ("Adadelta", dict(rho=1.1)), ("Adadelta", dict(eps=-1)),
           ("Adamax", dict(betas=(0.9, 1.0))), ("NAdam", dict(momentum_decay=-0.2)), ("NAdam", dict(lr=-1.0)),
           ("RAdam", dict(betas=(-1.0, 0.9))), ("RAdam", dict(weight_decay=-0.1))]


@pytest.mark.parametrize("name,kw", BAD_OPT, ids=[f"{n}-{kw}" for n, kw in BAD_OPT])
def test_bad_hyperparameters_are_value_errors(name, kw):
    for m in (cr, torch):
        w = m.tensor(np.zeros(2), requires_grad=True)
        with pytest.raises(ValueError):
            getattr(m.optim, name)([w], **kw)
