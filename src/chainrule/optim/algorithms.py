"""SGD (momentum, Nesterov), RMSprop, Adagrad and Adadelta, with PyTorch's exact update formulas (the Adam
family is in :mod:`.adam`).

Each update works on the parameter's array in place with NumPy's ``out=`` and in-place operators, no graph,
and the gradient array is only read. Every optimizer here runs over a large parameter in blocks of 32,768
elements (the parameter, its gradient and its state buffers sliced alike, :func:`_blocks`): one pass per
block through all of them, its one or two scratch arrays a block's size and in cache, no parameter-sized
temporary, and each element gets exactly the operations of the whole-array step (bit for bit).
``lr`` and the other hyperparameters are read from the parameter group at every step, so schedulers (and you)
may change them between steps. Every class takes PyTorch's arguments in PyTorch's order, ``maximize`` and the
implementation switches (``foreach``, ...) included; they are stored in the groups as PyTorch stores them.
"""
from __future__ import annotations

import math

import numpy as np

from ..errors import ConfigError
from .optimizer import Optimizer, check_number

__all__ = ["SGD", "RMSprop", "Adagrad", "Adadelta"]


def _with_weight_decay(grad, param, weight_decay):
    """``grad + weight_decay * param`` in a new array (L2 regularization coupled to the gradient)."""
    out = np.multiply(param, weight_decay)
    out += grad
    return out


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum (heavy ball or Nesterov), as ``torch.optim.SGD``.

    With ``g = grad + weight_decay * p``::

        buf = g                                   (first step)
        buf = momentum * buf + (1 - dampening) * g (later steps)
        d   = g + momentum * buf  if nesterov  else  buf   (d = g without momentum)
        p  -= lr * d
    """

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False, *, maximize: bool = False, foreach=None,
                 differentiable: bool = False, fused=None):
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize, foreach=foreach,
                                      differentiable=differentiable, fused=fused))

    def _check_group(self, group):
        name = "SGD"
        super()._check_group(group)
        check_number("momentum", group["momentum"], low=0, high=1, high_open=True, owner=name)
        check_number("dampening", group["dampening"], low=0, high=1, owner=name)
        check_number("weight_decay", group["weight_decay"], low=0, owner=name)
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ConfigError("SGD: Nesterov momentum requires momentum > 0 and dampening = 0.")

    def _update(self, param, grad, state, group):
        """The update in blocks of the flattened arrays: each block's scratch stays in cache and no
        parameter-sized temporary is made; every element gets exactly the operations of the whole-array form."""
        buf, first = state.get("momentum_buffer"), False
        if group["momentum"] != 0 and buf is None:
            buf, first = np.empty_like(param), True
            state["momentum_buffer"] = buf
        for p, g, b in _blocks(param, grad, buf):
            self._update_block(p, g, b, first, group)

    @staticmethod
    def _update_block(param, grad, buf, first, group):
        lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
        weight_decay, nesterov = group["weight_decay"], group["nesterov"]
        d, scratch = grad, None                      # scratch: an array of ours that may be overwritten
        if weight_decay != 0:
            d = scratch = _with_weight_decay(grad, param, weight_decay)
        if momentum != 0:
            if first:
                buf[...] = d
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


_BLOCK = 1 << 15   # elements: a block's few scratch arrays stay in the core's cache


def _blocks(*arrays):
    """Matching blocks of same-shaped arrays (``None`` stays ``None``): the arrays themselves when they are
    small or not all C-contiguous, else flat slices of ``_BLOCK`` elements."""
    first = arrays[0]
    if first.size <= 2 * _BLOCK or not all(a is None or a.flags.c_contiguous for a in arrays):
        yield arrays
        return
    flat = [None if a is None else a.reshape(-1) for a in arrays]
    for i in range(0, first.size, _BLOCK):
        yield tuple(None if a is None else a[i:i + _BLOCK] for a in flat)


class RMSprop(Optimizer):
    """RMSprop, as ``torch.optim.RMSprop``: divide the gradient by a running RMS of recent gradients.

    ``v = alpha v + (1 - alpha) g^2``; centered: ``avg = sqrt(v - gbar^2) + eps`` with ``gbar`` the running mean
    of g, else ``avg = sqrt(v) + eps``; then ``p -= lr g / avg`` or, with momentum,
    ``buf = momentum buf + g / avg; p -= lr buf``.
    """

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0.0,
                 momentum: float = 0.0, centered: bool = False, capturable: bool = False, foreach=None,
                 maximize: bool = False, differentiable: bool = False):
        super().__init__(params, dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                                      weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable))

    def _check_group(self, group):
        name = "RMSprop"
        super()._check_group(group)
        check_number("alpha", group["alpha"], low=0, high=1, high_open=True, owner=name)
        check_number("eps", group["eps"], low=0, owner=name)
        check_number("weight_decay", group["weight_decay"], low=0, owner=name)
        check_number("momentum", group["momentum"], low=0, high=1, high_open=True, owner=name)

    def _update(self, param, grad, state, group):
        momentum, centered = group["momentum"], group["centered"]
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(param)
            if momentum > 0:
                state["momentum_buffer"] = np.zeros_like(param)
            if centered:
                state["grad_avg"] = np.zeros_like(param)
        state["step"] += 1
        buf = None
        if momentum > 0:
            buf = state.get("momentum_buffer")
            if buf is None:                            # momentum switched on after the first step
                buf = state["momentum_buffer"] = np.zeros_like(param)
        grad_avg = state["grad_avg"] if centered else None
        for p, g, square_avg, b, avg in _blocks(param, grad, state["square_avg"], buf, grad_avg):
            self._update_block(p, g, square_avg, b, avg, group)

    @staticmethod
    def _update_block(param, grad, square_avg, buf, grad_avg, group):
        lr, alpha, eps, weight_decay = group["lr"], group["alpha"], group["eps"], group["weight_decay"]
        g = _with_weight_decay(grad, param, weight_decay) if weight_decay != 0 else grad
        tmp = np.multiply(g, g)
        tmp *= 1 - alpha
        square_avg *= alpha
        square_avg += tmp
        if grad_avg is not None:
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
        if buf is not None:
            buf *= group["momentum"]
            buf += tmp
            np.multiply(buf, lr, out=tmp)
        else:
            tmp *= lr
        param -= tmp


class Adagrad(Optimizer):
    """Adagrad, as ``torch.optim.Adagrad``: divide by the root of the sum of all squared gradients so far.

    ``sum += g^2``, ``p -= clr g / (sqrt(sum) + eps)`` with ``clr = lr / (1 + (t - 1) lr_decay)``. The sums
    start at ``initial_accumulator_value`` and exist from construction on (as in PyTorch's state dict).
    """

    def __init__(self, params, lr: float = 1e-2, lr_decay: float = 0.0, weight_decay: float = 0.0,
                 initial_accumulator_value: float = 0.0, eps: float = 1e-10, foreach=None, *, maximize: bool = False,
                 differentiable: bool = False, fused=None):
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable, fused=fused))
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p] = {"step": 0, "sum": np.full_like(p.data, initial_accumulator_value)}

    def _check_group(self, group):
        super()._check_group(group)
        for key in ("lr_decay", "weight_decay", "initial_accumulator_value", "eps"):
            check_number(key, group[key], low=0, owner="Adagrad")

    def _update(self, param, grad, state, group):
        if not state:                                 # a group added after construction
            state.update(step=0, sum=np.full_like(param, group["initial_accumulator_value"]))
        state["step"] += 1
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        for p, g, total in _blocks(param, grad, state["sum"]):
            g = _with_weight_decay(g, p, group["weight_decay"]) if group["weight_decay"] != 0 else g
            tmp = np.multiply(g, g)
            total += tmp
            np.sqrt(total, out=tmp)
            tmp += group["eps"]
            np.divide(g, tmp, out=tmp)
            tmp *= clr
            p -= tmp


class Adadelta(Optimizer):
    """Adadelta (Zeiler), as ``torch.optim.Adadelta``: a step whose units are those of the parameter.

    ``v = rho v + (1 - rho) g^2``, ``d = sqrt(u + eps) / sqrt(v + eps) g``, ``u = rho u + (1 - rho) d^2``,
    ``p -= lr d`` (``v`` is ``square_avg``, ``u`` is ``acc_delta``).
    """

    def __init__(self, params, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6, weight_decay: float = 0.0,
                 foreach=None, *, capturable: bool = False, maximize: bool = False, differentiable: bool = False):
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                                      capturable=capturable, foreach=foreach, differentiable=differentiable))

    def _check_group(self, group):
        super()._check_group(group)
        check_number("rho", group["rho"], low=0, high=1, owner="Adadelta")
        check_number("eps", group["eps"], low=0, owner="Adadelta")
        check_number("weight_decay", group["weight_decay"], low=0, owner="Adadelta")

    def _update(self, param, grad, state, group):
        if not state:
            state.update(step=0, square_avg=np.zeros_like(param), acc_delta=np.zeros_like(param))
        state["step"] += 1
        for blocks in _blocks(param, grad, state["square_avg"], state["acc_delta"]):
            self._update_block(*blocks, group)

    @staticmethod
    def _update_block(param, grad, square_avg, acc_delta, group):
        rho, eps = group["rho"], group["eps"]
        g = _with_weight_decay(grad, param, group["weight_decay"]) if group["weight_decay"] != 0 else grad
        std = np.multiply(g, g)
        std *= 1 - rho
        square_avg *= rho
        square_avg += std
        np.add(square_avg, eps, out=std)
        np.sqrt(std, out=std)
        delta = np.add(acc_delta, eps)
        np.sqrt(delta, out=delta)
        delta /= std
        delta *= g
        np.multiply(delta, delta, out=std)
        std *= 1 - rho
        acc_delta *= rho
        acc_delta += std
        delta *= group["lr"]
        param -= delta
