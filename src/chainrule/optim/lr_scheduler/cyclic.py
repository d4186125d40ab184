"""The cyclic schedules, as in PyTorch 2.13: CyclicLR (triangular waves, optionally cycling the momentum),
CosineAnnealingWarmRestarts (SGDR) and OneCycleLR. Each is a closed form of the step count."""
from __future__ import annotations

import math

from ..._validate import check_int, check_number
from ...errors import ConfigError
from ..optimizer import Optimizer
from .base import LRScheduler, functions_state, per_group

__all__ = ["CyclicLR", "CosineAnnealingWarmRestarts", "OneCycleLR"]


def _uses_beta1(optimizer, owner) -> bool:
    """Whether momentum cycling moves ``betas[0]`` (Adam's family) rather than ``momentum``; ConfigError for
    an optimizer with neither."""
    if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
        raise ConfigError(f"{owner}: the optimizer has neither momentum nor betas; pass cycle_momentum=False.")
    return "betas" in optimizer.defaults


def _set_momentum(group, momentum, use_beta1):
    if use_beta1:
        group["betas"] = (momentum, *group["betas"][1:])
    else:
        group["momentum"] = momentum


class CyclicLR(LRScheduler):
    """The cyclical learning rate policy (Smith), as ``torch.optim.lr_scheduler.CyclicLR``; step it per batch.

    The rate goes from ``base_lr`` up to ``max_lr`` in ``step_size_up`` steps and back in ``step_size_down``
    (default: the same), the wave's height scaled by ``scale_fn`` of the cycle number (``scale_mode='cycle'``)
    or of the step (``'iterations'``): 1 for ``mode='triangular'``, ``1 / 2^(cycle - 1)`` for
    ``'triangular2'``, ``gamma^step`` for ``'exp_range'``. With ``cycle_momentum`` the momentum (or Adam's
    beta1) moves the opposite way between ``max_momentum`` and ``base_momentum``.
    """

    def __init__(self, optimizer, base_lr, max_lr, step_size_up: int = 2000, step_size_down: int | None = None,
                 mode: str = "triangular", gamma: float = 1.0, scale_fn=None, scale_mode: str = "cycle",
                 cycle_momentum: bool = True, base_momentum=0.8, max_momentum=0.9, last_epoch: int = -1):
        owner = "CyclicLR"
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{owner}: {type(optimizer).__name__} is not a chainrule Optimizer.")
        self.optimizer = optimizer
        base_lrs = per_group("base_lr", base_lr, optimizer, owner)
        self.max_lrs = per_group("max_lr", max_lr, optimizer, owner)
        for lr in base_lrs + self.max_lrs:
            check_number("base_lr / max_lr", lr, low=0, owner=owner)
        check_number("step_size_up", step_size_up, low=0, low_open=True, owner=owner)
        if step_size_down is not None:
            check_number("step_size_down", step_size_down, low=0, owner=owner)
        if mode not in ("triangular", "triangular2", "exp_range") and scale_fn is None:
            raise ConfigError(f"{owner}: mode {mode!r} is invalid and scale_fn is None.")
        if scale_fn is not None and not callable(scale_fn):
            raise TypeError(f"{owner}: scale_fn must be a function, got {type(scale_fn).__name__}.")
        if scale_mode not in ("cycle", "iterations"):
            raise ConfigError(f"{owner}: scale_mode must be 'cycle' or 'iterations', got {scale_mode!r}.")
        check_number("gamma", gamma, low=0, owner=owner)
        if last_epoch == -1:
            for lr, group in zip(base_lrs, optimizer.param_groups):
                group["lr"] = lr
        step_size_up = float(step_size_up)
        step_size_down = float(step_size_down) if step_size_down is not None else step_size_up
        self.total_size = step_size_up + step_size_down
        self.step_ratio = step_size_up / self.total_size
        self.mode, self.gamma = mode, gamma
        self._scale_fn_custom = scale_fn
        self.scale_mode = scale_mode
        self._init_scale_fn()
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self.use_beta1 = _uses_beta1(optimizer, owner)
            self.base_momentums = per_group("base_momentum", base_momentum, optimizer, owner)
            self.max_momentums = per_group("max_momentum", max_momentum, optimizer, owner)
            for m in self.base_momentums + self.max_momentums:
                check_number("base_momentum / max_momentum", m, owner=owner)      # any number, as PyTorch
            if last_epoch == -1:
                for m_max, m_base, group in zip(self.max_momentums, self.base_momentums, optimizer.param_groups):
                    _set_momentum(group, m_max, self.use_beta1)
                    group["max_momentum"], group["base_momentum"] = m_max, m_base
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def _init_scale_fn(self):
        """The built-in modes fix their scale mode, as in PyTorch."""
        if self._scale_fn_custom is None:
            self.scale_mode = "iterations" if self.mode == "exp_range" else "cycle"

    def scale_fn(self, x) -> float:
        """The wave's height factor at ``x`` (the cycle number or the step, after ``scale_mode``)."""
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma ** x

    def get_lr(self) -> list:
        self._warn_outside_step()
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        scale_factor = x / self.step_ratio if x <= self.step_ratio else (x - 1) / (self.step_ratio - 1)
        scale = self.scale_fn(cycle if self.scale_mode == "cycle" else self.last_epoch)
        lrs = [base + (top - base) * scale_factor * scale for base, top in zip(self.base_lrs, self.max_lrs)]
        if self.cycle_momentum:
            for group, low, high in zip(self.optimizer.param_groups, self.base_momentums, self.max_momentums):
                _set_momentum(group, high - (high - low) * scale_factor * scale, self.use_beta1)
        return lrs

    def _not_saved(self):
        return ("optimizer", "_scale_fn_custom")

    def state_dict(self) -> dict:
        state = super().state_dict()
        fn = self._scale_fn_custom
        state["_scale_fn_custom"] = None if fn is None else functions_state([fn])[0]
        return state

    def load_state_dict(self, state_dict: dict) -> None:
        state_dict = dict(state_dict)
        attributes = state_dict.pop("_scale_fn_custom", None)
        super().load_state_dict(state_dict)
        if attributes is not None and self._scale_fn_custom is not None:
            self._scale_fn_custom.__dict__.update(attributes)
        self._init_scale_fn()


class CosineAnnealingWarmRestarts(LRScheduler):
    """SGDR (Loshchilov & Hutter): cosine annealing from ``base_lr`` to ``eta_min`` over ``T_i`` steps, then a
    restart; ``T_0`` steps first, each next period ``T_mult`` times longer.

    ``lr = eta_min + (base_lr - eta_min) (1 + cos(pi T_cur / T_i)) / 2``. ``step(epoch)`` takes fractional
    epochs (``scheduler.step(epoch + i / iters)`` per batch), as in PyTorch.
    """

    def __init__(self, optimizer, T_0: int, T_mult: int = 1, eta_min: float = 0.0, last_epoch: int = -1):
        owner = "CosineAnnealingWarmRestarts"
        check_int("T_0", T_0, 1, owner)
        check_int("T_mult", T_mult, 1, owner)
        check_number("eta_min", eta_min, owner=owner)
        self.T_0 = self.T_i = T_0
        self.T_mult, self.eta_min = T_mult, eta_min
        self.T_cur = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        self._warn_outside_step()
        return [self.eta_min + (base - self.eta_min) * (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
                for base in self.base_lrs]

    def step(self, epoch=None) -> None:
        """One step, or (a number, fractions allowed) jump to ``epoch``."""
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur += 1
            if self.T_cur >= self.T_i:
                self.T_cur %= self.T_i
                self.T_i *= self.T_mult
        else:
            check_number("epoch", epoch, low=0, owner="CosineAnnealingWarmRestarts.step")
            if epoch >= self.T_0:
                if self.T_mult == 1:
                    self.T_cur = epoch % self.T_0
                else:
                    n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
                    self.T_cur = epoch - self.T_0 * (self.T_mult ** n - 1) / (self.T_mult - 1)
                    self.T_i = self.T_0 * self.T_mult ** n
            else:
                self.T_i = self.T_0
                self.T_cur = epoch
        self.last_epoch = math.floor(epoch)
        self._get_lr_called_within_step = True
        try:
            lrs = self.get_lr()
        finally:
            self._get_lr_called_within_step = False
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith), as ``torch.optim.lr_scheduler.OneCycleLR``; step it after every batch.

    The learning rate rises from ``max_lr / div_factor`` to ``max_lr`` over ``pct_start`` of the
    ``total_steps``, then anneals to ``initial_lr / final_div_factor`` (cosine or linear); with
    ``cycle_momentum`` the momentum (or Adam's beta1) moves the opposite way between ``base_momentum`` and
    ``max_momentum``. ``three_phase=True`` adds a symmetric descent back to the initial rate before the final
    annealing.
    """

    def __init__(self, optimizer, max_lr, total_steps: int | None = None, epochs: int | None = None,
                 steps_per_epoch: int | None = None, pct_start: float = 0.3, anneal_strategy: str = "cos",
                 cycle_momentum: bool = True, base_momentum=0.85, max_momentum=0.95, div_factor: float = 25.0,
                 final_div_factor: float = 1e4, three_phase: bool = False, last_epoch: int = -1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"OneCycleLR: {type(optimizer).__name__} is not a chainrule Optimizer.")
        if total_steps is None:
            if epochs is None or steps_per_epoch is None:
                raise ConfigError("OneCycleLR: give total_steps, or both epochs and steps_per_epoch.")
            check_int("epochs", epochs, 1, "OneCycleLR")
            check_int("steps_per_epoch", steps_per_epoch, 1, "OneCycleLR")
            total_steps = epochs * steps_per_epoch
        check_int("total_steps", total_steps, 1, "OneCycleLR")
        check_number("pct_start", pct_start, low=0, high=1, owner="OneCycleLR")
        if anneal_strategy not in ("cos", "linear"):
            raise ConfigError(f"OneCycleLR: anneal_strategy must be 'cos' or 'linear', got {anneal_strategy!r}.")
        self.total_steps = total_steps
        self._anneal_func_type = anneal_strategy
        self.cycle_momentum = cycle_momentum
        if three_phase:
            self._schedule_phases = [
                {"end_step": float(pct_start * total_steps) - 1, "start_lr": "initial_lr", "end_lr": "max_lr",
                 "start_momentum": "max_momentum", "end_momentum": "base_momentum"},
                {"end_step": float(2 * pct_start * total_steps) - 2, "start_lr": "max_lr", "end_lr": "initial_lr",
                 "start_momentum": "base_momentum", "end_momentum": "max_momentum"},
                {"end_step": total_steps - 1, "start_lr": "initial_lr", "end_lr": "min_lr",
                 "start_momentum": "max_momentum", "end_momentum": "max_momentum"},
            ]
        else:
            self._schedule_phases = [
                {"end_step": float(pct_start * total_steps) - 1, "start_lr": "initial_lr", "end_lr": "max_lr",
                 "start_momentum": "max_momentum", "end_momentum": "base_momentum"},
                {"end_step": total_steps - 1, "start_lr": "max_lr", "end_lr": "min_lr",
                 "start_momentum": "base_momentum", "end_momentum": "max_momentum"},
            ]
        check_number("div_factor", div_factor, low=0, low_open=True, owner="OneCycleLR")
        check_number("final_div_factor", final_div_factor, low=0, low_open=True, owner="OneCycleLR")
        groups = optimizer.param_groups
        max_lrs = per_group("max_lr", max_lr, optimizer, "OneCycleLR")
        for lr in max_lrs:
            check_number("max_lr", lr, low=0, low_open=True, owner="OneCycleLR")
        if last_epoch == -1:
            for lr, group in zip(max_lrs, groups):
                group["initial_lr"] = lr / div_factor
                group["lr"] = group["initial_lr"]
                group["max_lr"] = lr
                group["min_lr"] = group["initial_lr"] / final_div_factor
        if cycle_momentum:
            self.use_beta1 = _uses_beta1(optimizer, "OneCycleLR")
            max_ms = per_group("max_momentum", max_momentum, optimizer, "OneCycleLR")
            base_ms = per_group("base_momentum", base_momentum, optimizer, "OneCycleLR")
            for m in max_ms + base_ms:
                check_number("base_momentum / max_momentum", m, owner="OneCycleLR")
            if last_epoch == -1:
                for m_max, m_base, group in zip(max_ms, base_ms, groups):
                    _set_momentum(group, m_max, self.use_beta1)
                    group["max_momentum"] = m_max
                    group["base_momentum"] = m_base
        super().__init__(optimizer, last_epoch)

    def _anneal(self, start, end, pct):
        if self._anneal_func_type == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> list:
        self._warn_outside_step()
        step = self.last_epoch
        if step > self.total_steps:
            raise ConfigError(f"OneCycleLR: tried to step {step} times; total_steps is {self.total_steps}.")
        lrs = []
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for i, phase in enumerate(self._schedule_phases):
                end_step = phase["end_step"]
                if step <= end_step or i == len(self._schedule_phases) - 1:
                    pct = (step - start_step) / (end_step - start_step)
                    lr = self._anneal(group[phase["start_lr"]], group[phase["end_lr"]], pct)
                    if self.cycle_momentum:
                        momentum = self._anneal(group[phase["start_momentum"]], group[phase["end_momentum"]], pct)
                    break
                start_step = phase["end_step"]
            lrs.append(lr)
            if self.cycle_momentum:
                _set_momentum(group, momentum, self.use_beta1)
        return lrs

    def load_state_dict(self, state_dict: dict) -> None:
        legacy = {"anneal_strategy": "_anneal_func_type", "_phases": "_schedule_phases"}   # states saved before PyTorch's names
        super().load_state_dict({legacy.get(k, k): v for k, v in state_dict.items()})
