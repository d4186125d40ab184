"""Learning-rate schedules against torch.optim.lr_scheduler, state dicts and resumption, validation."""
import copy
import json
import math

import numpy as np
import pytest

import chainrule as cr
from chainrule.errors import ConfigError
from chainrule.nn import Parameter
from chainrule.optim import SGD, Adam, lr_scheduler as S


def _ours(opt_cls=SGD, groups=1, **kw):
    ps = [Parameter(np.zeros(2)) for _ in range(groups)]
    lrs = [0.1 * (i + 1) for i in range(groups)]
    return opt_cls([{"params": [p], "lr": lr} for p, lr in zip(ps, lrs)], **kw)


def _theirs(torch, opt_name="SGD", groups=1, **kw):
    ps = [torch.nn.Parameter(torch.zeros(2)) for _ in range(groups)]
    lrs = [0.1 * (i + 1) for i in range(groups)]
    return getattr(torch.optim, opt_name)([{"params": [p], "lr": lr} for p, lr in zip(ps, lrs)], **kw)


SCHEDULES = [
    ("StepLR", {"step_size": 3, "gamma": 0.5}),
    ("MultiStepLR", {"milestones": [2, 5, 9], "gamma": 0.3}),
    ("ExponentialLR", {"gamma": 0.9}),
    ("CosineAnnealingLR", {"T_max": 7}),
    ("CosineAnnealingLR", {"T_max": 5, "eta_min": 0.01}),
    ("LinearLR", {}),
    ("LinearLR", {"start_factor": 0.1, "end_factor": 0.5, "total_iters": 4}),
    ("LambdaLR", {"lr_lambda": lambda e: 1.0 / (1 + e)}),
]


@pytest.mark.parametrize("name,kw", SCHEDULES, ids=[f"{n}{sorted(k)}" for n, k in SCHEDULES])
def test_schedule_matches_torch(name, kw):
    torch = pytest.importorskip("torch")
    opt, ref_opt = _ours(groups=2), _theirs(torch, groups=2)
    ours, ref = getattr(S, name)(opt, **kw), getattr(torch.optim.lr_scheduler, name)(ref_opt, **kw)
    assert ours.get_last_lr() == pytest.approx(ref.get_last_lr(), rel=1e-12)
    for _ in range(15):
        opt.step()
        ref_opt.step()
        ours.step()
        ref.step()
        np.testing.assert_allclose(ours.get_last_lr(), ref.get_last_lr(), rtol=1e-9, atol=1e-15)
        assert [g["lr"] for g in opt.param_groups] == ours.get_last_lr()


def test_sequential_warmup_then_cosine_matches_torch():
    torch = pytest.importorskip("torch")
    opt, ref_opt = _ours(), _theirs(torch)
    ours = S.SequentialLR(opt, [S.LinearLR(opt, start_factor=0.1, total_iters=4), S.CosineAnnealingLR(opt, T_max=8)],
                          milestones=[4])
    tl = torch.optim.lr_scheduler
    ref = tl.SequentialLR(ref_opt, [tl.LinearLR(ref_opt, start_factor=0.1, total_iters=4),
                                    tl.CosineAnnealingLR(ref_opt, T_max=8)], milestones=[4])
    seen = [ours.get_last_lr()[0]]
    assert seen[0] == pytest.approx(ref.get_last_lr()[0])
    for _ in range(14):
        opt.step()
        ref_opt.step()
        ours.step()
        ref.step()
        seen.append(ours.get_last_lr()[0])
        assert opt.param_groups[0]["lr"] == pytest.approx(ref_opt.param_groups[0]["lr"], rel=1e-9, abs=1e-15)
    assert seen[0] == pytest.approx(0.01) and seen[4] == pytest.approx(0.1)


@pytest.mark.parametrize("kw", [{}, {"anneal_strategy": "linear"}, {"three_phase": True},
                                {"pct_start": 0.4, "div_factor": 10.0, "final_div_factor": 100.0}])
@pytest.mark.parametrize("opt_name", ["SGD", "Adam"])
def test_one_cycle_matches_torch_including_momentum(kw, opt_name):
    torch = pytest.importorskip("torch")
    opt_kw = {"momentum": 0.9} if opt_name == "SGD" else {}
    opt = _ours(getattr(cr.optim, opt_name), **opt_kw)
    ref_opt = _theirs(torch, opt_name, **opt_kw)
    ours = S.OneCycleLR(opt, max_lr=1.0, total_steps=20, **kw)
    ref = torch.optim.lr_scheduler.OneCycleLR(ref_opt, max_lr=1.0, total_steps=20, **kw)
    key = "momentum" if opt_name == "SGD" else "betas"
    for _ in range(19):
        assert ours.get_last_lr() == pytest.approx(ref.get_last_lr(), rel=1e-9)
        ours_m, ref_m = opt.param_groups[0][key], ref_opt.param_groups[0][key]
        assert np.allclose(ours_m, ref_m, rtol=1e-9)
        opt.step()
        ref_opt.step()
        ours.step()
        ref.step()
    with pytest.raises(ConfigError, match="tried to step"):
        ours.step()
        ours.step()


def test_state_dict_resumes_exactly_and_is_json():
    opt = _ours()
    sched = S.SequentialLR(opt, [S.LinearLR(opt, 0.2, total_iters=3), S.StepLR(opt, 2, 0.5)], milestones=[3])
    for _ in range(4):
        sched.step()
    state = json.loads(json.dumps(sched.state_dict()))
    opt_state = copy.deepcopy(opt.state_dict())           # the learning rates are part of the state
    expected = []
    for _ in range(6):
        sched.step()
        expected.append(sched.get_last_lr())
    opt2 = _ours()        # as PyTorch's docs say: build the scheduler, then load the optimizer's and its state
    resumed = S.SequentialLR(opt2, [S.LinearLR(opt2, 0.2, total_iters=3), S.StepLR(opt2, 2, 0.5)], milestones=[3])
    opt2.load_state_dict(opt_state)
    resumed.load_state_dict(state)
    got = []
    for _ in range(6):
        resumed.step()
        got.append(resumed.get_last_lr())
    assert got == expected


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_resume_with_last_epoch_is_torchs():
    """PyTorch 2.13 keeps the group's lr at the first step of a schedule resumed with last_epoch (no jump to the
    closed form), and needs initial_lr."""
    torch = pytest.importorskip("torch")
    opt, ref_opt = _ours(), _theirs(torch)
    for o in (opt, ref_opt):
        o.param_groups[0]["initial_lr"] = 0.1
        o.param_groups[0]["lr"] = 0.07
    ours = S.CosineAnnealingLR(opt, T_max=10, last_epoch=3)
    ref = torch.optim.lr_scheduler.CosineAnnealingLR(ref_opt, T_max=10, last_epoch=3)
    for _ in range(12):
        assert ours.get_last_lr() == pytest.approx(ref.get_last_lr(), rel=1e-12)
        assert ours.last_epoch == ref.last_epoch
        ours.step()
        ref.step()
    with pytest.raises(KeyError, match="initial_lr"):
        S.StepLR(_ours(), 2, last_epoch=5)


class _Halving:
    """A callable object: its attributes are saved in the state dict, as PyTorch saves them."""

    def __init__(self):
        self.rate = 0.5

    def __call__(self, epoch):
        return self.rate ** epoch


def test_lambda_lr_state_dict_saves_what_torch_saves():
    torch = pytest.importorskip("torch")
    opt, ref_opt = _ours(groups=2), _theirs(torch, groups=2)
    ours = S.LambdaLR(opt, [lambda e: 0.5 ** e, _Halving()])
    ref = torch.optim.lr_scheduler.LambdaLR(ref_opt, [lambda e: 0.5 ** e, _Halving()])
    assert ours.state_dict()["lr_lambdas"] == ref.state_dict()["lr_lambdas"] == [None, {"rate": 0.5}]
    assert set(ours.state_dict()) == set(ref.state_dict())
    json.dumps(ours.state_dict())
    other = S.LambdaLR(_ours(groups=2), [lambda e: 1.0, _Halving()])
    other.lr_lambdas[1].rate = 0.9
    other.load_state_dict(ours.state_dict())
    assert other.lr_lambdas[1].rate == 0.5


@pytest.mark.parametrize("make,match", [
    (lambda o: S.StepLR(o, step_size=0), "step_size"),
    (lambda o: S.StepLR(o, step_size=2, gamma=-1), "gamma"),
    (lambda o: S.CosineAnnealingLR(o, T_max=0), "T_max"),
    (lambda o: S.LinearLR(o, start_factor=0.0), "start_factor"),
    (lambda o: S.LinearLR(o, end_factor=1.5), "end_factor"),
    (lambda o: S.OneCycleLR(o, max_lr=1.0), "total_steps"),
    (lambda o: S.OneCycleLR(o, max_lr=1.0, total_steps=10, anneal_strategy="cosine"), "anneal_strategy"),
    (lambda o: S.SequentialLR(o, [S.StepLR(o, 2), S.StepLR(o, 3)], milestones=[]), "milestones"),
])
def test_scheduler_arguments_are_validated(make, match):
    with pytest.raises(ConfigError, match=match):
        make(_ours())


def test_scheduler_needs_a_chainrule_optimizer():
    with pytest.raises(TypeError):
        S.StepLR(object(), 2)


def test_sequential_rejects_foreign_optimizer():
    a, b = _ours(), _ours()
    with pytest.raises(ConfigError, match="different optimizer"):
        S.SequentialLR(a, [S.StepLR(a, 2), S.StepLR(b, 2)], milestones=[3])


def test_cosine_endpoints():
    opt = _ours()
    s = S.CosineAnnealingLR(opt, T_max=4, eta_min=0.001)
    lrs = [s.get_last_lr()[0]]
    for _ in range(4):
        s.step()
        lrs.append(s.get_last_lr()[0])
    assert lrs[0] == pytest.approx(0.1) and lrs[-1] == pytest.approx(0.001)
    assert lrs[2] == pytest.approx(0.001 + (0.1 - 0.001) * (1 + math.cos(math.pi / 2)) / 2)


def test_adam_with_schedule_uses_new_lr():
    p = Parameter(np.zeros(1))
    opt = Adam([p], lr=0.1)
    sched = S.StepLR(opt, step_size=1, gamma=0.1)
    sched.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(0.01)
