"""ReduceLROnPlateau steps through the same learning rates as torch's for the same metrics."""
import math

import numpy as np
import pytest

import chainrule as cr
from chainrule.errors import ConfigError
from chainrule.optim.lr_scheduler import ReduceLROnPlateau

torch = pytest.importorskip("torch")

R = np.random.default_rng(11)
# a loss that falls, stalls, wiggles and rises: every branch of the rule is reached
LOSSES = list(np.r_[np.linspace(2.0, 1.0, 6), np.full(5, 1.0), 1.0 + 0.02 * R.standard_normal(12),
                    np.linspace(1.0, 1.5, 8), np.linspace(1.5, 0.2, 9)])


def _optimizers(lrs=(0.1,)):
    ours = cr.optim.SGD([{"params": [cr.nn.Parameter(cr.tensor(np.zeros(2)))], "lr": lr} for lr in lrs])
    theirs = torch.optim.SGD([{"params": [torch.nn.Parameter(torch.zeros(2))], "lr": lr} for lr in lrs])
    return ours, theirs


def _run(kw, metrics, lrs=(0.1,)):
    ours, theirs = _optimizers(lrs)
    mine, ref = ReduceLROnPlateau(ours, **kw), torch.optim.lr_scheduler.ReduceLROnPlateau(theirs, **kw)
    seen = []
    for m in metrics:
        mine.step(m)
        ref.step(m)
        seen.append((mine.get_last_lr(), ref.get_last_lr(), mine.num_bad_epochs, ref.num_bad_epochs,
                     mine.cooldown_counter, ref.cooldown_counter, mine.best, ref.best))
    return seen, mine


@pytest.mark.parametrize("kw", [{}, {"patience": 2}, {"patience": 0}, {"patience": 1, "cooldown": 2},
                                {"patience": 1, "factor": 0.5, "min_lr": 0.02},
                                {"patience": 1, "threshold": 0.05}, {"patience": 1, "threshold": 0.01, "threshold_mode": "abs"},
                                {"mode": "max", "patience": 1}, {"mode": "max", "patience": 2, "threshold_mode": "abs"},
                                {"patience": 0, "factor": 0.5, "eps": 0.01}],
                         ids=["defaults", "patience2", "patience0", "cooldown", "min_lr", "rel-threshold",
                              "abs-threshold", "max", "max-abs", "eps"])
def test_learning_rates_and_counters_follow_torch(kw):
    metrics = [-m for m in LOSSES] if kw.get("mode") == "max" else LOSSES
    seen, _ = _run(kw, metrics)
    for step, (lr, ref_lr, bad, ref_bad, cool, ref_cool, best, ref_best) in enumerate(seen):
        assert lr == pytest.approx(ref_lr, rel=1e-15), step
        assert (bad, cool, best) == (ref_bad, ref_cool, ref_best), step
    assert any(lr != seen[0][0] for lr, *_ in seen) or kw == {}        # the sequence does reduce


def test_each_group_has_its_own_floor():
    seen, _ = _run({"patience": 0, "factor": 0.5, "min_lr": [0.01, 0.2]}, LOSSES, lrs=(0.1, 1.0))
    for lr, ref_lr, *_ in seen:
        assert lr == pytest.approx(ref_lr, rel=1e-15)
    assert seen[-1][0] == pytest.approx([0.01, 0.2])


def test_metrics_may_be_one_element_tensors():
    ours, _ = _optimizers()
    sched = ReduceLROnPlateau(ours, patience=0)
    sched.step(cr.tensor(1.0))
    sched.step(cr.tensor([2.0]))
    assert sched.get_last_lr() == [pytest.approx(0.01)]


def test_state_dict_resumes_the_same_sequence():
    ours, _ = _optimizers()
    sched = ReduceLROnPlateau(ours, patience=1, cooldown=1)
    for m in LOSSES[:15]:
        sched.step(m)
    state = sched.state_dict()
    assert "optimizer" not in state
    copy_opt, _ = _optimizers()
    copy_opt.param_groups[0]["lr"] = ours.param_groups[0]["lr"]
    resumed = ReduceLROnPlateau(copy_opt)
    resumed.load_state_dict(state)
    for m in LOSSES[15:]:
        sched.step(m)
        resumed.step(m)
        assert resumed.get_last_lr() == sched.get_last_lr()


@pytest.mark.parametrize("kw", [{"factor": 1.0}, {"mode": "up"}, {"threshold_mode": "percent"}, {"patience": -1},
                                {"min_lr": [0.0, 0.1]}, {"cooldown": 1.5}, {"threshold": math.nan}])
def test_bad_options_are_refused(kw):
    ours, _ = _optimizers()
    with pytest.raises(ConfigError):
        ReduceLROnPlateau(ours, **kw)


def test_a_corrupt_state_is_refused_and_changes_nothing():
    from chainrule.errors import CheckpointError
    ours, _ = _optimizers()
    sched = ReduceLROnPlateau(ours, patience=1)
    before = sched.state_dict()
    for bad in ({"num_bad_epochs": -1}, {"min_lrs": [0.0, 0.0]}, {"mode": "up"}, {"best": "low"}):
        with pytest.raises(CheckpointError):
            sched.load_state_dict({**before, **bad})
        assert sched.state_dict() == before


def test_checkpoint_round_trip_keeps_an_infinite_best(tmp_path):
    pytest.importorskip("safetensors")
    from chainrule import io
    model = cr.nn.Linear(3, 2)
    opt = cr.optim.SGD(model.parameters(), lr=0.1)
    sched = ReduceLROnPlateau(opt, patience=0)
    io.save_checkpoint(tmp_path / "fresh.safetensors", model, opt, sched)          # best is still inf
    sched.step(1.0)
    sched.step(2.0)
    io.save_checkpoint(tmp_path / "c.safetensors", model, opt, sched)
    for name, expected in (("fresh.safetensors", math.inf), ("c.safetensors", 1.0)):
        opt2 = cr.optim.SGD(model.parameters(), lr=0.1)
        restored = ReduceLROnPlateau(opt2)
        io.load_checkpoint(tmp_path / name, model, opt2, restored)
        assert restored.best == expected
    assert restored.get_last_lr() == sched.get_last_lr() and restored.patience == 0
