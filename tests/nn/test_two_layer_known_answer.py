"""Known answer: the CS231n 2-layer net f = W2 max(0, W1 x), softmax loss + L2, against NumPy written by hand.

The toy model and data are the CS231n assignment's (``init_toy_model``/``init_toy_data``), whose published
scores and loss (reg = 0.05) are checked too. The hand-written backward pass is the assignment's staged
backprop: every gradient must agree with chainrule's to a relative error below 1e-8 in float64.
"""
import numpy as np
import pytest

import chainrule as cr
import chainrule.nn.functional as F
from chainrule import nn

CS231N_SCORES = np.array([
    [-0.81233741, -1.27654624, -0.70335995],
    [-0.17129677, -1.18803311, -0.47310444],
    [-0.51590475, -1.01354314, -0.8504215],
    [-0.15419291, -0.48629638, -0.52901952],
    [-0.00618733, -0.12435261, -0.15226949]])
CS231N_LOSS = 1.30378789133


def toy_problem():
    np.random.seed(0)
    W1 = 1e-1 * np.random.randn(4, 10)     # CS231n layout: (D, H), scores = X W1 ...
    b1 = np.zeros(10)
    W2 = 1e-1 * np.random.randn(10, 3)
    b2 = np.zeros(3)
    np.random.seed(1)
    X = 10 * np.random.randn(5, 4)
    y = np.array([0, 1, 2, 2, 1])
    return X, y, W1, b1, W2, b2


def numpy_forward_backward(X, y, W1, b1, W2, b2, reg):
    """The assignment's two-layer net, forward and backward by hand (staged, one gate at a time)."""
    N = X.shape[0]
    h = X @ W1 + b1                        # first affine layer
    a = np.maximum(0, h)                   # ReLU
    scores = a @ W2 + b2                   # second affine layer
    shifted = scores - scores.max(axis=1, keepdims=True)
    probs = np.exp(shifted)
    probs /= probs.sum(axis=1, keepdims=True)
    data_loss = -np.log(probs[np.arange(N), y]).mean()
    loss = data_loss + reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
    dscores = probs.copy()                 # softmax + cross-entropy: p - onehot(y), over N
    dscores[np.arange(N), y] -= 1
    dscores /= N
    dW2 = a.T @ dscores + 2 * reg * W2
    db2 = dscores.sum(axis=0)
    da = dscores @ W2.T
    dh = da * (h > 0)                      # ReLU routes the gradient where it was active
    dW1 = X.T @ dh + 2 * reg * W1
    db1 = dh.sum(axis=0)
    return scores, loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def chainrule_model(W1, b1, W2, b2):
    model = nn.MLP(4, [10], 3, activation="relu", dtype=np.float64)
    model.load_state_dict({"0.weight": W1.T.copy(), "0.bias": b1, "2.weight": W2.T.copy(), "2.bias": b2})
    return model


@pytest.mark.parametrize("reg", [0.0, 0.05, 0.3])
def test_two_layer_net_matches_hand_written_numpy(reg):
    X, y, W1, b1, W2, b2 = toy_problem()
    ref_scores, ref_loss, ref_grads = numpy_forward_backward(X, y, W1, b1, W2, b2, reg)
    model = chainrule_model(W1, b1, W2, b2)
    scores = model(cr.tensor(X, dtype=np.float64))
    loss = F.cross_entropy(scores, y) + nn.l2_penalty(model, reg)
    loss.backward()
    assert cr.rel_error(scores.data, ref_scores) < 1e-10
    assert cr.rel_error(loss.item(), ref_loss) < 1e-10
    ours = {"W1": model[0].weight.grad.data.T, "b1": model[0].bias.grad.data,
            "W2": model[2].weight.grad.data.T, "b2": model[2].bias.grad.data}
    for name in ours:
        assert cr.rel_error(ours[name], ref_grads[name]) < 1e-8, name


def test_two_layer_net_reproduces_cs231n_published_numbers():
    X, y, W1, b1, W2, b2 = toy_problem()
    model = chainrule_model(W1, b1, W2, b2)
    scores = model(cr.tensor(X, dtype=np.float64))
    assert np.abs(scores.data - CS231N_SCORES).sum() < 1e-7
    loss = F.cross_entropy(scores, y) + nn.l2_penalty(model, 0.05)
    assert abs(loss.item() - CS231N_LOSS) < 1e-10


def test_two_layer_net_gradients_also_agree_with_numerical_gradient():
    X, y, W1, b1, W2, b2 = toy_problem()
    model = chainrule_model(W1, b1, W2, b2)
    x = cr.tensor(X, dtype=np.float64)
    assert cr.gradcheck(lambda *ps: F.cross_entropy(model(x), y) + nn.l2_penalty(model, 0.05),
                        list(model.parameters()))
