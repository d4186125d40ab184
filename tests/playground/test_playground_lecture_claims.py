"""The lecture's claims in the playground, in the settings docs/playground.md gives for each (seed 0)."""
import pytest

from chainrule.playground import Session


def trained(steps, **cfg):
    s = Session(cfg)
    s.step(steps)
    return s


@pytest.mark.slow
def test_sigmoid_in_a_six_layer_net_stalls_while_relu_learns():
    deep = dict(hidden=[16] * 6, optimizer="sgd", lr=0.3)
    sigmoid, relu = trained(2000, activation="sigmoid", **deep), trained(2000, activation="relu", **deep)
    assert sigmoid.history[-1]["train_acc"] < 0.5 < 0.9 < relu.history[-1]["train_acc"]
    assert sigmoid.grad_norms[0] < 1e-2 * sigmoid.grad_norms[-1]


def test_a_high_learning_rate_kills_relus_and_leaky_relu_keeps_them():
    relu = trained(300, hidden=[16, 16], optimizer="sgd", lr=1)
    leaky = trained(300, hidden=[16, 16], optimizer="sgd", lr=1, activation="leaky_relu")
    assert max(h["dead"] for h in relu.health()) > 0.25
    assert all(h["dead"] == 0 for h in leaky.health())
    assert leaky.history[-1]["train_acc"] > relu.history[-1]["train_acc"] + 0.1


@pytest.mark.slow
def test_a_big_net_with_l2_beats_a_small_one_on_noisy_data():
    noisy = dict(dataset="moons", noise=0.3, points=200, train_ratio=0.5)
    small = trained(3000, hidden=[4], **noisy)
    big = trained(3000, hidden=[128, 128], regularization="l2", lam=0.003, **noisy)
    assert big.history[-1]["test_acc"] > small.history[-1]["test_acc"] + 0.03
