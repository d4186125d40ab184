"""SGD (momentum, Nesterov), RMSprop, Adam and AdamW, with PyTorch's exact update formulas.

Each update works on the parameter's array in place with NumPy's ``out=`` and in-place operators: one scratch
array per parameter per step (two only for SGD with Nesterov plus weight decay and for RMSprop with weight
decay), no graph, and the gradient array is only read. ``lr`` and the other hyperparameters are read from the
parameter group at every step, so schedulers (and you) may change them between steps.
"""
from __future__ import annotations

import math

import numpy as np

from .optimizer import Optimizer, check_number

__all__ = ["SGD", "RMSprop", "Adam", "AdamW"]


def _with_weight_decay(grad, param, weight_decay):
    """``grad + weight_decay * param`` in a new array (L2 regularization coupled to the gradient)."""
    out = np.multiply(param, weight_decay)
    out += grad
    return out


def _pair(betas):
    """``betas`` as a tuple when it is a sequence; anything else is left for the check to name."""
    if isinstance(betas, tuple) or isinstance(betas, (str, bytes)) or not hasattr(betas, "__iter__"):
        return betas
    return tuple(betas)


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum (heavy ball or Nesterov), as ``torch.optim.SGD``.

    With ``g = grad + weight_decay * p``::

        buf = g                                   (first step)
        buf = momentum * buf + (1 - dampening) * g (later steps)
        d   = g + momentum * buf  if nesterov  else  buf   (d = g without momentum)
        p  -= lr * d
    """

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False):
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov))

    def _check_group(self, group):
        name = "SGD"
        check_number("lr", group["lr"], low=0, owner=name)
        check_number("momentum", group["momentum"], low=0, high=1, high_open=True, owner=name)
        check_number("dampening", group["dampening"], low=0, high=1, owner=name)
        check_number("weight_decay", group["weight_decay"], low=0, owner=name)
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            from ..errors import ConfigError
            raise ConfigError("SGD: Nesterov momentum requires momentum > 0 and dampening = 0.")

    def _update(self, param, grad, state, group):
        lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
        weight_decay, nesterov = group["weight_decay"], group["nesterov"]
        d, scratch = grad, None                      # scratch: an array of ours that may be overwritten
        if weight_decay != 0:
            d = scratch = _with_weight_decay(grad, param, weight_decay)
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                if scratch is not None:              # hand the scratch array over to the buffer
                    buf, scratch = scratch, None
                else:
                    buf = d.copy()
                state["momentum_buffer"] = buf
            else:
                buf *= momentum
                if dampening == 0:
                    buf += d
                else:                                # (Nesterov excludes dampening: d is not needed again)
                    if scratch is None:
                        scratch = np.empty_like(param)
                    np.multiply(d, 1 - dampening, out=scratch)
                    buf += scratch
            if nesterov:                             # d + momentum * buf
                step_dir = np.multiply(buf, momentum)
                step_dir += d
                d = scratch = step_dir
            else:
                d = buf
        if d is scratch:
            d *= lr
            param -= d
        elif scratch is not None:
            np.multiply(d, lr, out=scratch)
            param -= scratch
        else:
            param -= d * lr


class RMSprop(Optimizer):
    """RMSprop, as ``torch.optim.RMSprop``: divide the gradient by a running RMS of recent gradients.

    ``v = alpha v + (1 - alpha) g^2``; centered: ``avg = sqrt(v - gbar^2) + eps`` with ``gbar`` the running mean
    of g, else ``avg = sqrt(v) + eps``; then ``p -= lr g / avg`` or, with momentum,
    ``buf = momentum buf + g / avg; p -= lr buf``.
    """

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0.0,
                 momentum: float = 0.0, centered: bool = False):
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                                      centered=centered))

    def _check_group(self, group):
        name = "RMSprop"
        check_number("lr", group["lr"], low=0, owner=name)
        check_number("alpha", group["alpha"], low=0, high=1, high_open=True, owner=name)
        check_number("eps", group["eps"], low=0, owner=name)
        check_number("weight_decay", group["weight_decay"], low=0, owner=name)
        check_number("momentum", group["momentum"], low=0, high=1, high_open=True, owner=name)

    def _update(self, param, grad, state, group):
        lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
        weight_decay, momentum, centered = group["weight_decay"], group["momentum"], group["centered"]
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(param)
            if momentum > 0:
                state["momentum_buffer"] = np.zeros_like(param)
            if centered:
                state["grad_avg"] = np.zeros_like(param)
        state["step"] += 1
        g = _with_weight_decay(grad, param, weight_decay) if weight_decay != 0 else grad
        square_avg = state["square_avg"]
        tmp = np.multiply(g, g)
        tmp *= 1 - alpha
        square_avg *= alpha
        square_avg += tmp
        if centered:
            grad_avg = state["grad_avg"]
            np.subtract(g, grad_avg, out=tmp)          # lerp towards g
            tmp *= 1 - alpha
            grad_avg += tmp
            np.multiply(grad_avg, grad_avg, out=tmp)
            np.subtract(square_avg, tmp, out=tmp)
            np.sqrt(tmp, out=tmp)
        else:
            np.sqrt(square_avg, out=tmp)
        tmp += eps
        np.divide(g, tmp, out=tmp)
        if momentum > 0:
            buf = state.get("momentum_buffer")
            if buf is None:                            # momentum switched on after the first step
                buf = state["momentum_buffer"] = np.zeros_like(param)
            buf *= momentum
            buf += tmp
            np.multiply(buf, lr, out=tmp)
        else:
            tmp *= lr
        param -= tmp


class Adam(Optimizer):
    """Adam, as ``torch.optim.Adam`` (``weight_decay`` adds ``wd * p`` to the gradient: L2, coupled).

    ``m = beta1 m + (1 - beta1) g``, ``v = beta2 v + (1 - beta2) g^2``, then with bias corrections
    ``bc_i = 1 - beta_i^t``: ``p -= (lr / bc1) m / (sqrt(v) / sqrt(bc2) + eps)``. ``amsgrad=True`` uses the
    running maximum of v.
    """

    _decoupled = False

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0.0,
                 amsgrad: bool = False):
        super().__init__(params, dict(lr=lr, betas=_pair(betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad))

    def _check_group(self, group):
        name = type(self).__name__
        check_number("lr", group["lr"], low=0, owner=name)
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            from ..errors import ConfigError
            raise ConfigError(f"{name}: betas must be a pair (beta1, beta2), got {betas!r}.")
        check_number("beta1 (betas[0])", betas[0], low=0, high=1, high_open=True, owner=name)
        check_number("beta2 (betas[1])", betas[1], low=0, high=1, high_open=True, owner=name)
        check_number("eps", group["eps"], low=0, owner=name)
        check_number("weight_decay", group["weight_decay"], low=0, owner=name)

    def _update(self, param, grad, state, group):
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        weight_decay, amsgrad = group["weight_decay"], group["amsgrad"]
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(param)
            state["exp_avg_sq"] = np.zeros_like(param)
            if amsgrad:
                state["max_exp_avg_sq"] = np.zeros_like(param)
        state["step"] += 1
        step = state["step"]
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        if weight_decay != 0 and not self._decoupled:
            # g = grad + wd p is our own array: update m without a temporary (beta1 (m - g) + g, the same lerp),
            # then square g in place for v and reuse it as the scratch array.
            tmp = _with_weight_decay(grad, param, weight_decay)
            exp_avg -= tmp
            exp_avg *= beta1
            exp_avg += tmp
            np.multiply(tmp, tmp, out=tmp)
        else:
            if weight_decay != 0:                     # AdamW: shrink the weights, not the gradient
                param *= 1 - lr * weight_decay
            tmp = np.subtract(grad, exp_avg)          # m += (1 - beta1) (g - m): PyTorch's lerp
            tmp *= 1 - beta1
            exp_avg += tmp
            np.multiply(grad, grad, out=tmp)
        tmp *= 1 - beta2                              # v = beta2 v + (1 - beta2) g^2
        exp_avg_sq *= beta2
        exp_avg_sq += tmp
        bias_correction1 = 1 - beta1 ** step
        bias_correction2_sqrt = math.sqrt(1 - beta2 ** step)
        second = exp_avg_sq
        if amsgrad:
            max_sq = state.get("max_exp_avg_sq")
            if max_sq is None:
                max_sq = state["max_exp_avg_sq"] = np.zeros_like(param)
            np.maximum(max_sq, exp_avg_sq, out=max_sq)
            second = max_sq
        np.sqrt(second, out=tmp)                      # denom = sqrt(v) / sqrt(bc2) + eps
        tmp /= bias_correction2_sqrt
        tmp += eps
        np.divide(exp_avg, tmp, out=tmp)
        tmp *= lr / bias_correction1
        param -= tmp


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter), as ``torch.optim.AdamW``.

    Each step first shrinks the weights, ``p *= 1 - lr * weight_decay``, then takes an Adam step on the raw
    gradient; the decay does not pass through Adam's per-coordinate scaling. Default ``weight_decay=1e-2``.
    """

    _decoupled = True

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 1e-2,
                 amsgrad: bool = False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad)
