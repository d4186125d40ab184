"""Every lecture experiment measures its claim in fast mode, and the measurement supports it."""
from __future__ import annotations

import numpy as np
import pytest

from chainrule.lecture import TOPICS


# --- 1.1-1.2 templates ---------------------------------------------------------------------------------------

def test_templates_two_layer_net_beats_linear_on_spiral(lecture):
    n = lecture("templates").numbers
    assert n["spiral_net_val_acc"] >= n["spiral_linear_val_acc"] + 0.3
    assert n["spiral_linear_val_acc"] < 0.7          # no straight line separates the spiral


def test_templates_counts_one_template_per_class_against_h(lecture):
    r = lecture("templates")
    assert r.numbers["linear_templates"] == 10 and r.numbers["net_templates"] == 100
    assert r.numbers["image_net_test_acc"] >= r.numbers["image_linear_test_acc"]
    assert 0 < r.numbers["templates_shared_by_2plus_classes"] <= r.numbers["templates_used"] <= 100
    assert any(p.name == "templates_grid.png" for p in r.pictures)


def test_shared_templates_counts_units_in_two_top_lists():
    from chainrule.lecture.templates import shared_templates
    w2 = np.zeros((3, 6))
    w2[0, [0, 1]] = 5      # class 0 leans on units 0, 1
    w2[1, [1, 2]] = 5      # class 1 on 1, 2
    w2[2, [3, 4]] = 5      # class 2 on 3, 4
    shared, used, counts = shared_templates(w2, top_k=2)
    assert (shared, used) == (1, 5)
    assert counts.tolist() == [1, 2, 1, 1, 1, 0]


# --- 1.3 nonlinearity -----------------------------------------------------------------------------------------

def test_nonlinearity_w2_w1_equals_w3(lecture):
    n = lecture("nonlinearity").numbers
    assert n["max_abs_diff"] < 1e-5
    assert n["max_abs_diff_3layer"] < 1e-5
    assert np.shape(n["W3"]) == (3, 2) and np.shape(n["b3"]) == (3,)


def test_nonlinearity_deep_linear_is_no_better_than_linear_and_relu_is(lecture):
    n = lecture("nonlinearity").numbers
    assert n["deep_linear_val_acc"] <= n["linear_val_acc"] + 0.05
    assert n["deeper_linear_val_acc"] <= n["linear_val_acc"] + 0.05
    assert n["relu_val_acc"] >= n["linear_val_acc"] + 0.3


# --- 2 activations ----------------------------------------------------------------------------------------------

def test_activations_sigmoid_gradient_vanishes_relu_does_not(lecture):
    n = lecture("activations").numbers
    first = n["first_layer_grad"]
    assert first["sigmoid"] * 100 < first["relu"]
    sig = n["grad_norms"]["sigmoid"]
    assert len(sig) == 10 and sig[0] * 100 < sig[-1]
    assert n["mean_local_gradient"]["sigmoid"] <= 0.25


def test_activations_dead_relus_under_a_too_large_learning_rate(lecture):
    n = lecture("activations").numbers
    assert n["dead_large_lr"] > n["dead_small_lr"] + 0.2
    assert n["leaky_dead"] == 0.0
    assert n["leaky_inactive_peak"] > 0          # Leaky units did go negative, yet none died


def test_activations_dead_relus_never_recover(lecture):
    r = lecture("activations")
    dead = r.numbers["dead_curves"]["ReLU, lr 5.0"]
    assert all(b >= a for a, b in zip(dead[1:], dead[2:]))       # once dead, dead for good
    assert r.checks["dead ReLUs stay dead: every unit dead early in training is still dead at the end"]


# --- 3.1 size vs regularization -------------------------------------------------------------------------------

def test_size_vs_regularization_big_regularized_net_wins(lecture):
    n = lecture("size-vs-regularization").numbers
    assert n["best_regularized_val"] > n["best_small_val"]
    assert n["best_regularized_val"] > n["unregularized_val"]
    assert n["unregularized_gap"] > n["best_regularized_gap"]
    assert n["unregularized_train"] > 0.9                      # the big net can fit the noise


# --- 4.1 why backprop -------------------------------------------------------------------------------------------

def test_why_backprop_numerical_gradient_needs_exactly_2p_forward_passes(lecture):
    n = lecture("why-backprop").numbers
    P = n["P"]
    assert P == sorted(P) and P[-1] > 50 * P[0]
    assert n["numerical_probes"] == [2 * p for p in P]
    assert n["numerical_calls"] == [2 * p + 1 for p in P]       # + the unperturbed loss (kink check)
    assert n["backprop_forwards"] == [1] * len(P)


def test_why_backprop_gradients_agree_and_numerical_is_slower(lecture):
    n = lecture("why-backprop").numbers
    assert max(n["rel_error"]) < 1e-4
    assert max(n["normwise_error"]) < 1e-7
    assert n["t_numerical"][-1] > 10 * n["t_backprop"][-1]


def test_counting_loss_counts_forward_passes():
    import chainrule as cr
    from chainrule.lecture.why_backprop import CountingLoss, param_count
    rng = np.random.default_rng(0)
    loss = CountingLoss(rng.standard_normal((4, 8)), np.array([0, 1, 2, 0]))
    params = [rng.standard_normal((2, 8)), rng.standard_normal(2), rng.standard_normal((3, 2)), rng.standard_normal(3)]
    assert sum(p.size for p in params) == param_count(2)
    cr.numerical_grad(loss, [cr.Tensor(p) for p in params])
    assert loss.calls == 2 * param_count(2) + 1


# --- 4.2-4.3 gates ----------------------------------------------------------------------------------------------

def test_gates_lecture_example_numbers(lecture):
    n = lecture("gates").numbers
    assert n["example.f"] == -12.0
    assert (n["example.dx"], n["example.dy"], n["example.dz"], n["example.dq"]) == (-4.0, -4.0, 3.0, -4.0)


def test_gates_four_patterns(lecture):
    n = lecture("gates").numbers
    assert (n["add.dx"], n["add.dy"]) == (2.0, 2.0)               # distributor
    assert (n["mul.dx"], n["mul.dy"]) == (15.0, 10.0)             # swap multiplier: 3 * 5, 2 * 5
    assert n["copy.dx"] == 6.0                                    # adder: 4 + 2
    assert (n["max.dx"], n["max.dy"]) == (0.0, 9.0)               # router


def test_gates_sigmoid_neuron(lecture):
    n = lecture("gates").numbers
    got = [round(n[f"neuron.d{k}"], 2) for k in ("w0", "x0", "w1", "x1", "w2")]
    assert got == [-0.20, 0.39, -0.39, -0.59, 0.20]
    assert n["neuron.local_sigmoid"] == pytest.approx(n["neuron.f"] * (1 - n["neuron.f"]))


# --- 4.4 jacobian -----------------------------------------------------------------------------------------------

def test_jacobian_bytes_figure_is_the_formula(lecture):
    from chainrule.lecture.jacobian import jacobian_bytes
    n = lecture("jacobian").numbers
    assert n["jacobian_bytes"] == (64 * 4096) ** 2 * 4 == jacobian_bytes() == 274_877_906_944
    assert jacobian_bytes(batch=1, d_in=3, d_out=2, itemsize=8) == 48


def test_jacobian_vjp_peak_is_far_below_the_jacobian(lecture):
    n = lecture("jacobian").numbers
    assert 0 < n["linear_vjp_peak_bytes"] * 1000 < n["jacobian_bytes"]
    assert 0 < n["relu_vjp_peak_bytes"] < n["linear_vjp_peak_bytes"]
    assert n["linear_vjp_peak_bytes"] >= n["weights_bytes"]        # it does hold dW, W's size


def test_jacobian_vjp_equals_g_dot_j_and_shapes_match(lecture):
    r = lecture("jacobian")
    assert r.numbers["vjp_vs_gJ_x"] < 1e-12 and r.numbers["vjp_vs_gJ_w"] < 1e-12
    assert max(r.numbers["formula_x"], r.numbers["formula_w"], r.numbers["formula_b"]) < 1e-12
    assert r.checks["every gradient has its variable's shape"]


# --- every topic ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("topic", list(TOPICS))
def test_every_claim_holds_in_fast_mode(lecture, topic):
    r = lecture(topic)
    assert r.checks, topic
    assert r.holds, {k: v for k, v in r.checks.items() if not v}
    assert r.section == TOPICS[topic].section
    assert r.table.strip()
