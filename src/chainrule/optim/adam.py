"""The Adam family, with PyTorch's exact update formulas: Adam, AdamW, Adamax, NAdam and RAdam.

As in :mod:`.algorithms`: in-place NumPy on the parameter's array, in blocks of a large parameter (one pass per
block through the parameter, its gradient and its buffers; at most two block-sized scratch arrays; bit for bit
the whole-array step), hyperparameters read from the group at every step, PyTorch's arguments in PyTorch's order.
``m`` (``exp_avg``) moves towards the gradient as ``torch.lerp_`` does: ``m += (1 - beta1) (g - m)``.
"""
from __future__ import annotations

import math

import numpy as np

from ..errors import ConfigError
from .algorithms import _blocks, _with_weight_decay
from .optimizer import Optimizer, check_number

__all__ = ["Adam", "AdamW", "Adamax", "NAdam", "RAdam"]


def _pair(betas):
    """``betas`` as a tuple when it is a sequence; anything else is left for the check to name."""
    if isinstance(betas, tuple) or isinstance(betas, (str, bytes)) or not hasattr(betas, "__iter__"):
        return betas
    return tuple(betas)


def _lerp_towards(exp_avg, g, weight, scratch):
    """``exp_avg += weight (g - exp_avg)`` in place, with ``scratch`` (an array of ours) as the workspace."""
    np.subtract(g, exp_avg, out=scratch)
    scratch *= weight
    exp_avg += scratch


def _second_moment(exp_avg_sq, g, beta2, scratch):
    """``v = beta2 v + (1 - beta2) g^2`` in place (``scratch`` is overwritten)."""
    np.multiply(g, g, out=scratch)
    scratch *= 1 - beta2
    exp_avg_sq *= beta2
    exp_avg_sq += scratch


class _AdamBase(Optimizer):
    """The checks every member of the family shares: betas a pair in [0, 1), eps and weight_decay >= 0."""

    def _check_group(self, group):
        name = type(self).__name__
        super()._check_group(group)
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ConfigError(f"{name}: betas must be a pair (beta1, beta2), got {betas!r}.")
        check_number("beta1 (betas[0])", betas[0], low=0, high=1, high_open=True, owner=name)
        check_number("beta2 (betas[1])", betas[1], low=0, high=1, high_open=True, owner=name)
        check_number("eps", group["eps"], low=0, owner=name)
        check_number("weight_decay", group["weight_decay"], low=0, owner=name)

    @staticmethod
    def _decayed_grad(param, grad, group):
        """The gradient after weight decay: ``g + wd p`` (a new array), or ``p *= 1 - lr wd`` first when the
        group's ``decoupled_weight_decay`` is set (then ``g`` is the gradient itself)."""
        weight_decay = group["weight_decay"]
        if weight_decay == 0:
            return grad
        if group.get("decoupled_weight_decay"):
            param *= 1 - group["lr"] * weight_decay
            return grad
        return _with_weight_decay(grad, param, weight_decay)


class Adam(_AdamBase):
    """Adam, as ``torch.optim.Adam`` (``weight_decay`` adds ``wd * p`` to the gradient: L2, coupled; with
    ``decoupled_weight_decay=True`` it is AdamW).

    ``m = beta1 m + (1 - beta1) g``, ``v = beta2 v + (1 - beta2) g^2``, then with bias corrections
    ``bc_i = 1 - beta_i^t``: ``p -= (lr / bc1) m / (sqrt(v) / sqrt(bc2) + eps)``. ``amsgrad=True`` uses the
    running maximum of v.
    """

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0.0,
                 amsgrad: bool = False, *, foreach=None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False, fused=None, decoupled_weight_decay: bool = False):
        super().__init__(params, dict(lr=lr, betas=_pair(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize, foreach=foreach, capturable=capturable,
                                      differentiable=differentiable, fused=fused,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def _update(self, param, grad, state, group):
        beta1, beta2 = group["betas"]
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(param)
            state["exp_avg_sq"] = np.zeros_like(param)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(param)
        state["step"] += 1
        max_sq = None
        if group["amsgrad"]:
            max_sq = state.get("max_exp_avg_sq")
            if max_sq is None:
                max_sq = state["max_exp_avg_sq"] = np.zeros_like(param)
        corrections = (1 - beta1 ** state["step"], math.sqrt(1 - beta2 ** state["step"]))
        for blocks in _blocks(param, grad, state["exp_avg"], state["exp_avg_sq"], max_sq):
            self._update_block(*blocks, group, *corrections)

    def _update_block(self, param, grad, exp_avg, exp_avg_sq, max_sq, group, bias_correction1,
                      bias_correction2_sqrt):
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        g = self._decayed_grad(param, grad, group)
        if g is not grad:
            # g = grad + wd p is our own array: update m without a temporary (beta1 (m - g) + g, the same lerp),
            # then square g in place for v and reuse it as the scratch array.
            tmp = g
            exp_avg -= tmp
            exp_avg *= beta1
            exp_avg += tmp
            np.multiply(tmp, tmp, out=tmp)
            tmp *= 1 - beta2
            exp_avg_sq *= beta2
            exp_avg_sq += tmp
        else:
            tmp = np.empty_like(param)
            _lerp_towards(exp_avg, g, 1 - beta1, tmp)
            _second_moment(exp_avg_sq, g, beta2, tmp)
        second = exp_avg_sq
        if max_sq is not None:
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

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 1e-2,
                 amsgrad: bool = False, *, maximize: bool = False, foreach=None, capturable: bool = False,
                 differentiable: bool = False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def _check_group(self, group):
        super()._check_group(group)
        group["decoupled_weight_decay"] = True        # as PyTorch: a loaded state cannot turn AdamW into Adam


class Adamax(_AdamBase):
    """Adamax, as ``torch.optim.Adamax``: Adam with the infinity norm in place of the second moment.

    ``m = beta1 m + (1 - beta1) g``, ``u = max(beta2 u, |g| + eps)``, ``p -= lr / (1 - beta1^t) m / u``.
    """

    def __init__(self, params, lr: float = 2e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0.0,
                 foreach=None, *, maximize: bool = False, differentiable: bool = False, capturable: bool = False):
        super().__init__(params, dict(lr=lr, betas=_pair(betas), eps=eps, weight_decay=weight_decay, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable, capturable=capturable))

    def _update(self, param, grad, state, group):
        (beta1, beta2), eps = group["betas"], group["eps"]
        if not state:
            state.update(step=0, exp_avg=np.zeros_like(param), exp_inf=np.zeros_like(param))
        state["step"] += 1
        clr = group["lr"] / (1 - beta1 ** state["step"])
        for p, g, exp_avg, exp_inf in _blocks(param, grad, state["exp_avg"], state["exp_inf"]):
            g = self._decayed_grad(p, g, group)
            tmp = np.empty_like(p)
            _lerp_towards(exp_avg, g, 1 - beta1, tmp)
            np.abs(g, out=tmp)
            tmp += eps
            exp_inf *= beta2
            np.maximum(exp_inf, tmp, out=exp_inf)
            np.divide(exp_avg, exp_inf, out=tmp)
            tmp *= clr
            p -= tmp


class NAdam(_AdamBase):
    """NAdam (Dozat), as ``torch.optim.NAdam``: Adam with Nesterov momentum and a momentum schedule.

    ``mu_t = beta1 (1 - 0.96^(t psi) / 2)`` (psi = ``momentum_decay``), ``prod`` the product of the mu's; with
    m and v as in Adam and ``denom = sqrt(v / (1 - beta2^t)) + eps``:
    ``p -= lr (1 - mu_t) / (1 - prod_t) g / denom + lr mu_{t+1} / (1 - prod_t mu_{t+1}) m / denom``.
    ``mu_product`` is kept in float32, as PyTorch keeps it (a 0-d float32 tensor there).
    """

    def __init__(self, params, lr: float = 2e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0.0,
                 momentum_decay: float = 4e-3, decoupled_weight_decay: bool = False, *, foreach=None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False):
        super().__init__(params, dict(lr=lr, betas=_pair(betas), eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize, foreach=foreach, capturable=capturable,
                                      differentiable=differentiable))

    def _check_group(self, group):
        super()._check_group(group)
        check_number("momentum_decay", group["momentum_decay"], low=0, owner="NAdam")

    def _update(self, param, grad, state, group):
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        if not state:
            state.update(step=0, mu_product=1.0, exp_avg=np.zeros_like(param), exp_avg_sq=np.zeros_like(param))
        state["step"] += 1
        step = state["step"]
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * group["momentum_decay"]))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * group["momentum_decay"]))
        mu_product = float(np.float32(state["mu_product"]) * np.float32(mu))
        state["mu_product"] = mu_product
        grad_factor = -lr * (1.0 - mu) / (1.0 - mu_product)
        avg_factor = -lr * mu_next / (1.0 - mu_product * mu_next)
        for p, g, exp_avg, exp_avg_sq in _blocks(param, grad, state["exp_avg"], state["exp_avg_sq"]):
            g = self._decayed_grad(p, g, group)
            denom = np.empty_like(p)
            _lerp_towards(exp_avg, g, 1 - beta1, denom)
            _second_moment(exp_avg_sq, g, beta2, denom)
            np.divide(exp_avg_sq, 1 - beta2 ** step, out=denom)
            np.sqrt(denom, out=denom)
            denom += eps
            tmp = np.divide(g, denom)
            tmp *= grad_factor
            p += tmp
            np.divide(exp_avg, denom, out=tmp)
            tmp *= avg_factor
            p += tmp


class RAdam(_AdamBase):
    """RAdam (Liu et al.), as ``torch.optim.RAdam``: Adam whose adaptive step is switched on, rectified, once
    the variance of its estimate is tractable.

    With ``rho_inf = 2 / (1 - beta2) - 1`` and ``rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)``: while
    ``rho_t <= 5``, ``p -= lr m / (1 - beta1^t)`` (momentum SGD); after, that step times
    ``r_t sqrt(1 - beta2^t) / (sqrt(v) + eps)`` with the rectification
    ``r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))``.
    """

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0.0,
                 decoupled_weight_decay: bool = False, *, foreach=None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False):
        super().__init__(params, dict(lr=lr, betas=_pair(betas), eps=eps, weight_decay=weight_decay,
                                      maximize=maximize, foreach=foreach, capturable=capturable,
                                      decoupled_weight_decay=decoupled_weight_decay, differentiable=differentiable))

    def _update(self, param, grad, state, group):
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        if not state:
            state.update(step=0, exp_avg=np.zeros_like(param), exp_avg_sq=np.zeros_like(param))
        state["step"] += 1
        step = state["step"]
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
        rect = None
        if rho_t > 5.0:
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
        for p, g, exp_avg, exp_avg_sq in _blocks(param, grad, state["exp_avg"], state["exp_avg_sq"]):
            g = self._decayed_grad(p, g, group)
            tmp = np.empty_like(p)
            _lerp_towards(exp_avg, g, 1 - beta1, tmp)
            _second_moment(exp_avg_sq, g, beta2, tmp)
            np.divide(exp_avg, bias_correction1, out=tmp)
            tmp *= lr
            if rect is not None:
                adaptive = np.sqrt(exp_avg_sq)
                adaptive += eps
                np.divide(bias_correction2 ** 0.5, adaptive, out=adaptive)
                tmp *= adaptive
                tmp *= rect
            p -= tmp
