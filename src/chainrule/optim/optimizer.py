"""Optimizer: the base class, with PyTorch's parameter groups, ``zero_grad``, ``step`` and state dicts.

An optimizer changes parameters in place, on their NumPy arrays: no graph is recorded and the parameter
objects stay the same (a model and its optimizer keep pointing at the same Parameters); each update bumps the
parameter's version counter, so a graph recorded before the step refuses to backpropagate. Gradient arrays are
only read, never written: the engine may hand the same array to more than one consumer.
"""
from __future__ import annotations

import copy
import math
import numbers

import numpy as np

from .._validate import check_number
from ..autograd import bump_version, enable_grad, own_grad
from ..errors import CheckpointError, ConfigError
from ..tensor import Tensor

__all__ = ["Optimizer"]


#: per-parameter state entries that are arrays of the parameter's shape (every optimizer here)
BUFFER_NAMES = ("momentum_buffer", "exp_avg", "exp_avg_sq", "max_exp_avg_sq", "square_avg", "grad_avg", "sum",
                "acc_delta", "exp_inf")


def check_flags(group: dict, owner: str) -> None:
    """``maximize`` and PyTorch's implementation switches (``foreach``, ``fused``, ``capturable``: accepted, the
    update is the same; ``differentiable=True`` is refused, as updates happen outside the graph)."""
    for key in ("maximize", "capturable", "differentiable"):
        if key in group and not isinstance(group[key], bool):
            raise ConfigError(f"{owner}: {key} must be True or False, got {group[key]!r}.")
    for key in ("foreach", "fused"):
        if group.get(key) is not None and not isinstance(group[key], bool):
            raise ConfigError(f"{owner}: {key} must be None, True or False, got {group[key]!r}.")
    if group.get("differentiable"):
        raise ConfigError(f"{owner}: differentiable=True is not supported; chainrule's optimizers update the "
                          f"parameters' arrays in place, outside the graph.")


def _state_problem(key, value):
    """Why a restored per-parameter state entry cannot be used, or None."""
    if key in BUFFER_NAMES:
        return None if isinstance(value, np.ndarray) and value.ndim > 0 else f"is {value!r}, not an array"
    if key == "step":
        ok = (isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
              and value >= 0 and float(value).is_integer())
        return None if ok else f"is {value!r}, not a step count"
    if value is None or isinstance(value, (numbers.Real, np.ndarray)):
        return None
    return f"is a {type(value).__name__}, not a number or an array"


class Optimizer:
    """Base class. ``params`` is an iterable of Parameters or of dicts (parameter groups, each with
    ``'params'`` and any hyperparameters that override ``defaults``).

    Subclasses implement :meth:`_check_group` (validate hyperparameters) and :meth:`_update` (one
    parameter's in-place update); ``step()`` calls it for every parameter that has a gradient.
    """

    def __init__(self, params, defaults: dict):
        self.defaults = dict(defaults)
        self.state: dict = {}
        self.param_groups: list[dict] = []
        if isinstance(params, Tensor):
            raise TypeError(f"{type(self).__name__}: params must be an iterable of tensors (e.g. "
                            f"model.parameters()), got a single Tensor; wrap it in a list.")
        if isinstance(params, dict):
            raise TypeError(f"{type(self).__name__}: params must be an iterable of tensors or of dicts, got one "
                            f"dict; wrap it in a list.")
        if hasattr(params, "parameters") and callable(params.parameters):
            raise TypeError(f"{type(self).__name__}: params must be an iterable of tensors, got the "
                            f"{type(params).__name__} itself; pass model.parameters().")
        if not hasattr(params, "__iter__") or isinstance(params, (str, bytes)):
            raise TypeError(f"{type(self).__name__}: params must be an iterable of tensors (e.g. "
                            f"model.parameters()), got {type(params).__name__}.")
        params = list(params)
        if not params:
            raise ValueError(f"{type(self).__name__} got an empty parameter list.")
        if not isinstance(params[0], dict):
            params = [{"params": params}]
        for group in params:
            self.add_param_group(group)

    # --- groups ------------------------------------------------------------------------------------------
    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters with its own hyperparameters (missing ones come from ``defaults``)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"a parameter group must be a dict, got {type(param_group).__name__}.")
        group = dict(param_group)
        params = group.get("params")
        if params is None:
            raise ValueError("a parameter group needs a 'params' entry.")
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError("parameter groups need an ordered collection (list); sets change order between runs.")
        params = list(params)
        seen = set()
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"{type(self).__name__} can only optimize Tensors, got {type(p).__name__}.")
            if p.grad_fn is not None:
                raise ValueError(f"{type(self).__name__} can't optimize a non-leaf tensor (one computed from "
                                 f"others); optimize the leaves, e.g. model.parameters().")
            if p.data.dtype.kind != "f":
                raise TypeError(f"{type(self).__name__} can only optimize floating-point tensors, got {p.dtype}.")
            if id(p) in seen:
                raise ValueError(f"{type(self).__name__}: a parameter appears twice in one parameter group.")
            seen.add(id(p))
        for other in self.param_groups:
            if any(id(q) in seen for q in other["params"]):
                raise ValueError(f"{type(self).__name__}: some parameters appear in more than one parameter group.")
        for key, value in self.defaults.items():
            group.setdefault(key, value)
        group["params"] = params
        self._check_group(group)
        self.param_groups.append(group)

    def _check_group(self, group: dict) -> None:
        """Validate a group's hyperparameters (subclasses add theirs after calling this)."""
        check_number("lr", group["lr"], low=0, owner=type(self).__name__)
        check_flags(group, type(self).__name__)

    # --- the update --------------------------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget every gradient: ``None`` by default, else a fresh zero array (never zeroed in place)."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None and set_to_none:
                    p.grad = None
                elif p.grad is not None:
                    own_grad(p, np.zeros_like(p.data))    # a new array no one holds: backward adds into it

    def step(self, closure=None):
        """Update every parameter that has a gradient; ``closure`` (re-evaluating the loss) is called first."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = p.grad.data
                if grad.shape != p.data.shape:
                    raise ValueError(f"{type(self).__name__}: a gradient of shape {grad.shape} for a parameter of "
                                     f"shape {p.data.shape}.")
                if grad.dtype != p.data.dtype:
                    grad = grad.astype(p.data.dtype)
                if group.get("maximize"):
                    grad = np.negative(grad)
                state = self.state.get(p)
                if not p.data.flags.writeable:
                    p.data = p.data.copy()
                if state is None:
                    state = {}
                self._update(p.data, grad, state, group)
                if state:                            # as PyTorch: no entry for an update without state (SGD)
                    self.state[p] = state
                bump_version(p)
        return loss

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:  # pragma: no cover
        raise NotImplementedError

    # --- state -------------------------------------------------------------------------------------------
    def _indexed_params(self):
        return [p for group in self.param_groups for p in group["params"]]

    def state_dict(self) -> dict:
        """``{'state': {index: {name: value}}, 'param_groups': [{hyperparameters..., 'params': [indices]}]}``.

        Parameters are numbered in group order, as in PyTorch. Values are numbers, tuples and NumPy arrays
        (shared with the optimizer, not copied); :func:`chainrule.io.save_checkpoint` stores them safely.
        """
        index = {id(p): i for i, p in enumerate(self._indexed_params())}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {index[id(p)]: dict(s) for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore hyperparameters and per-parameter state saved by :meth:`state_dict` (values are copied).

        The groups must have the same sizes, and every saved buffer its parameter's shape; a
        :class:`~chainrule.errors.CheckpointError` says which one differs. Integer keys may be strings
        (as after a JSON round trip).
        """
        name = type(self).__name__
        if not isinstance(state_dict, dict) or "state" not in state_dict or "param_groups" not in state_dict:
            raise CheckpointError(f"{name}.load_state_dict: expected a dict with 'state' and 'param_groups'.")
        saved_groups = state_dict["param_groups"]
        if not isinstance(saved_groups, list) or not all(isinstance(s, dict) and isinstance(s.get("params"), list)
                                                         for s in saved_groups):
            raise CheckpointError(f"{name}.load_state_dict: 'param_groups' must be a list of dicts, each with a "
                                  f"'params' list.")
        if len(saved_groups) != len(self.param_groups):
            raise CheckpointError(f"{name}.load_state_dict: the saved state has {len(saved_groups)} parameter "
                                  f"groups, this optimizer has {len(self.param_groups)}.")
        for i, (g, s) in enumerate(zip(self.param_groups, saved_groups)):
            if len(g["params"]) != len(s["params"]):
                raise CheckpointError(f"{name}.load_state_dict: parameter group {i} has {len(s['params'])} "
                                      f"parameters in the saved state, {len(g['params'])} here.")
        id_map = {}
        for g, s in zip(self.param_groups, saved_groups):
            for saved_index, p in zip(s["params"], g["params"]):
                if isinstance(saved_index, bool) or not isinstance(saved_index, (int, np.integer)):
                    raise CheckpointError(f"{name}.load_state_dict: parameter indices must be integers, got "
                                          f"{saved_index!r}.")
                id_map[int(saved_index)] = p
        if not isinstance(state_dict["state"], dict) or not all(isinstance(v, dict)
                                                              for v in state_dict["state"].values()):
            raise CheckpointError(f"{name}.load_state_dict: 'state' must map parameter indices to dicts of buffers.")
        new_state = {}
        problems = []
        for key, values in state_dict["state"].items():
            try:
                p = id_map[int(key)]
            except (KeyError, ValueError):
                problems.append(f"state for parameter {key!r}, which is in no parameter group")
                continue
            restored = {}
            for k, v in values.items():
                if isinstance(v, Tensor):
                    v = v.data
                if isinstance(v, np.ndarray) and v.ndim > 0:
                    if v.shape != p.data.shape:
                        problems.append(f"parameter {key} ({tuple(p.data.shape)}): state {k!r} has shape {v.shape}")
                        continue
                    v = v.astype(p.data.dtype, copy=True)
                elif isinstance(v, np.ndarray):
                    v = v.item()
                problem = _state_problem(k, v)
                if problem:
                    problems.append(f"parameter {key}: state {k!r} {problem}")
                    continue
                restored[k] = int(v) if k == "step" else copy.deepcopy(v)
            new_state[p] = restored
        if problems:
            raise CheckpointError(f"{name}.load_state_dict failed:\n  " + "\n  ".join(problems))
        new_groups = []
        for g, s in zip(self.param_groups, saved_groups):
            merged = dict(g)
            for k, v in s.items():
                if k == "params":
                    continue
                if isinstance(g.get(k), tuple) and isinstance(v, list):
                    v = tuple(v)
                if isinstance(self.defaults.get(k), bool) and not isinstance(v, bool):
                    raise CheckpointError(f"{name}.load_state_dict: {k!r} must be true or false, got {v!r}.")
                merged[k] = copy.deepcopy(v)
            self._check_group(merged)
            new_groups.append(merged)
        self.param_groups = new_groups
        self.state = new_state

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for k in sorted(group):
                if k != "params":
                    lines.append(f"    {k}: {group[k]}")
        lines.append(")")
        return "\n".join(lines)
