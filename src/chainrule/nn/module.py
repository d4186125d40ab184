"""Module: the base class of layers and models, with PyTorch's registration rules.

Assigning a :class:`Parameter` to an attribute registers it as a parameter, assigning a :class:`Module`
registers a child; :meth:`Module.register_buffer` adds non-learned state. Everything else is a plain
attribute. From these three registries come ``parameters()``, ``named_parameters()``, ``children()``,
``modules()``, ``state_dict()``, ``train()``/``eval()`` and the nested ``repr``.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Iterator, NamedTuple

import numpy as np

from ..autograd import bump_version, own_grad
from ..errors import CheckpointError
from ..tensor import Tensor, to_arguments
from .parameter import Parameter

__all__ = ["Module", "RemovableHandle"]


class IncompatibleKeys(NamedTuple):
    """What :meth:`Module.load_state_dict` skipped with ``strict=False``."""

    missing_keys: list
    unexpected_keys: list


class RemovableHandle:
    """Returned by ``register_forward_hook``: ``handle.remove()`` unregisters the hook."""

    _next_id = 0

    def __init__(self, hooks: dict):
        self._hooks = hooks
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self) -> None:
        self._hooks.pop(self.id, None)


def _as_array(value):
    return value.data if isinstance(value, Tensor) else np.asarray(value)


class Module:
    """Base class of every layer and model: subclass it, call ``super().__init__()``, define ``forward``.

    ::

        class TwoLayerNet(cr.nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = cr.nn.Linear(3072, 100)   # registered as a child
                self.fc2 = cr.nn.Linear(100, 10)

            def forward(self, x):
                return self.fc2(self.fc1(x).relu())
    """

    training: bool

    def __init__(self):
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())

    # --- forward -----------------------------------------------------------------------------------------
    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} has no forward(); define forward(self, ...) in the "
                                  f"subclass.")

    def __call__(self, *args, **kwargs):
        if not (self._forward_pre_hooks or self._forward_hooks):  # the common case: no hooks, no overhead
            return self.forward(*args, **kwargs)
        for hook in tuple(self._forward_pre_hooks.values()):
            result = hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        out = self.forward(*args, **kwargs)
        for hook in tuple(self._forward_hooks.values()):
            result = hook(self, args, out)
            if result is not None:
                out = result
        return out

    def register_forward_hook(self, hook) -> RemovableHandle:
        """Call ``hook(module, inputs, output)`` after every forward; a returned value replaces the output."""
        handle = RemovableHandle(self._forward_hooks)
        self._forward_hooks[handle.id] = hook
        return handle

    def register_forward_pre_hook(self, hook) -> RemovableHandle:
        """Call ``hook(module, inputs)`` before every forward; a returned value replaces the inputs."""
        handle = RemovableHandle(self._forward_pre_hooks)
        self._forward_pre_hooks[handle.id] = hook
        return handle

    # --- registration ------------------------------------------------------------------------------------
    def _check_initialised(self, what):
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {what} before Module.__init__() call; call super().__init__() "
                                 f"first in {type(self).__name__}.__init__.")

    def __setattr__(self, name, value):
        params = self.__dict__.get("_parameters")
        if isinstance(value, Parameter):
            self._check_initialised("parameters")
            if name not in params:                   # a replacement keeps its place in the order
                self._remove_from(name)
            params[name] = value
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} as parameter {name!r} of "
                                f"{type(self).__name__} (cr.nn.Parameter or None expected).")
            params[name] = None
        elif isinstance(value, Module):
            self._check_initialised("child modules")
            if name not in self._modules:
                self._remove_from(name)
            self._modules[name] = value
        elif self.__dict__.get("_modules") is not None and name in self._modules:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} as child module {name!r} of "
                                f"{type(self).__name__} (cr.nn.Module or None expected).")
            self._modules[name] = None
        elif self.__dict__.get("_buffers") is not None and name in self._buffers:
            if value is not None and not isinstance(value, (Tensor, np.ndarray)):
                raise TypeError(f"cannot assign {type(value).__name__} as buffer {name!r} of "
                                f"{type(self).__name__} (Tensor, array or None expected).")
            self._buffers[name] = None if value is None else (value if isinstance(value, Tensor) else Tensor(value))
        else:
            object.__setattr__(self, name, value)

    def _remove_from(self, name):
        self.__dict__.pop(name, None)
        for registry in (self._parameters, self._buffers, self._modules):
            registry.pop(name, None)
        self._non_persistent.discard(name)

    def __getattr__(self, name):
        # only called when normal lookup fails: look in the registries
        d = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            reg = d.get(registry)
            if reg is not None and name in reg:
                return reg[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __delattr__(self, name):
        for registry in (self._parameters, self._buffers, self._modules):
            if name in registry:
                del registry[name]
                self._non_persistent.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers) | set(self._modules))

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or a ``None`` placeholder, e.g. a missing bias) under ``name``."""
        self._check_initialised("parameters")
        _check_name(name, self)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter({name!r}): expected a cr.nn.Parameter or None, "
                            f"got {type(param).__name__}.")
        self._remove_from(name)
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor, persistent: bool = True) -> None:
        """Add non-learned state (e.g. running statistics) under ``name``; saved in the state dict if persistent."""
        self._check_initialised("buffers")
        _check_name(name, self)
        if tensor is not None and not isinstance(tensor, Tensor):
            tensor = Tensor(np.asarray(tensor))
        self._remove_from(name)
        self._buffers[name] = tensor
        if not persistent:
            self._non_persistent.add(name)

    def add_module(self, name: str, module: "Module | None") -> None:
        """Register a child module under ``name`` (the same as assigning it as an attribute)."""
        self._check_initialised("child modules")
        _check_name(name, self)
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module({name!r}): {type(module).__name__} is not a cr.nn.Module.")
        self._remove_from(name)
        self._modules[name] = module

    register_module = add_module

    # --- traversal ---------------------------------------------------------------------------------------
    def named_modules(self, memo=None, prefix: str = "") -> Iterator[tuple[str, "Module"]]:
        """This module and every descendant, each once, with its dotted name (``""`` for this one)."""
        memo = set() if memo is None else memo
        if id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(memo, f"{prefix}.{name}" if prefix else name)

    def modules(self) -> Iterator["Module"]:
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, "Module"]]:
        """The direct children, each once, with their attribute names."""
        seen = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self) -> Iterator["Module"]:
        for _, child in self.named_children():
            yield child

    def _named_members(self, registry, prefix, recurse, remove_duplicate=True):
        seen = set()
        modules = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for mod_prefix, module in modules:
            for name, value in getattr(module, registry).items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield (f"{mod_prefix}.{name}" if mod_prefix else name), value

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """``(dotted name, parameter)`` pairs, e.g. ``("0.weight", ...)``; a shared parameter appears once."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every parameter, each once (what an optimizer needs), in the order of :meth:`named_parameters`."""
        seen = set()
        for _, module in self.named_modules() if recurse else [("", self)]:
            for p in module._parameters.values():
                if p is not None and id(p) not in seen:
                    seen.add(id(p))
                    yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def get_submodule(self, target: str) -> "Module":
        """The descendant at dotted path ``target`` (``""`` is this module)."""
        module = self
        for part in target.split(".") if target else []:
            child = module._modules.get(part)
            if child is None:
                raise AttributeError(f"{type(module).__name__} has no submodule {part!r} (looking up {target!r}).")
            module = child
        return module

    def num_parameters(self, trainable_only: bool = False) -> int:
        """The number of learnable values (each shared parameter counted once)."""
        return sum(p.size for p in self.parameters() if p.requires_grad or not trainable_only)

    # --- modes and bulk changes --------------------------------------------------------------------------
    def train(self, mode: bool = True) -> "Module":
        """Training mode (dropout active) for this module and all descendants; returns self."""
        if not isinstance(mode, bool):
            raise TypeError(f"train(mode): mode must be a bool, got {type(mode).__name__}.")
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self) -> "Module":
        """Evaluation mode (dropout is the identity); the same as ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> "Module":
        """Freeze (``False``) or unfreeze every parameter; returns self."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget every parameter's gradient: ``None`` by default, else a fresh zero array (never in place)."""
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                own_grad(p, np.zeros_like(p.data))    # a new array no one holds: backward adds into it

    def apply(self, fn) -> "Module":
        """Call ``fn(module)`` on every descendant (children first) and on self; returns self."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def to(self, *args, **kw) -> "Module":
        """``to(dtype)``, ``to('cpu')``, ``to('cpu', dtype)``: convert every floating parameter and buffer to
        ``dtype`` (in place on this module); returns self. chainrule computes on the CPU only.

        The Parameter objects stay the same, so build optimizers after converting (their state keeps the old
        dtype otherwise).
        """
        dtype = to_arguments("Module.to", args, kw)
        if dtype is None:
            return self
        if dtype.kind != "f":
            raise TypeError(f"Module.to: only floating dtypes are supported, got {dtype}.")
        for m in self.modules():
            for p in m._parameters.values():
                if p is not None and p.data.dtype.kind == "f" and p.data.dtype != dtype:
                    p.data = p.data.astype(dtype)
                    p.grad = None if p.grad is None else Tensor(p.grad.data.astype(dtype))
            for name, b in m._buffers.items():
                if b is not None and b.data.dtype.kind == "f" and b.data.dtype != dtype:
                    b.data = b.data.astype(dtype)
        return self

    def double(self) -> "Module":
        return self.to(np.float64)

    def float(self) -> "Module":
        return self.to(np.float32)

    # --- state -------------------------------------------------------------------------------------------
    def state_dict(self, prefix: str = "", keep_vars: bool = False) -> "OrderedDict[str, Tensor]":
        """Every parameter and persistent buffer by dotted name, in registration order.

        The values share memory with the module (detached tensors; the Parameters themselves with
        ``keep_vars=True``). A shared parameter appears under each of its names, as in PyTorch.
        """
        out = OrderedDict()
        self._save_to_state_dict(out, prefix, keep_vars)
        return out

    def _save_to_state_dict(self, out, prefix, keep_vars):
        for name, p in self._parameters.items():
            if p is not None:
                out[prefix + name] = p if keep_vars else Tensor(p.data)
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent:
                out[prefix + name] = b if keep_vars else Tensor(b.data)
        for name, child in self._modules.items():
            if child is not None:
                child._save_to_state_dict(out, f"{prefix}{name}.", keep_vars)

    def load_state_dict(self, state_dict, strict: bool = True) -> IncompatibleKeys:
        """Copy values from ``state_dict`` (Tensors or arrays by dotted name) into this module, in place.

        Shapes and dtypes must match exactly (convert the module with ``.to(dtype)`` first if needed); with
        ``strict=True`` the names must match too. Nothing is copied unless everything checks out; a
        :class:`~chainrule.errors.CheckpointError` lists every missing and unexpected name and every
        shape or dtype mismatch. Returns ``(missing_keys, unexpected_keys)``.
        """
        if not hasattr(state_dict, "items"):
            raise TypeError(f"load_state_dict expects a mapping of names to tensors, got {type(state_dict).__name__}.")
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        problems = []
        pairs = []
        for name, target in own.items():
            if name not in state_dict:
                continue
            try:
                value = _as_array(state_dict[name])
            except Exception as e:  # noqa: BLE001 - reported below with the name
                problems.append(f"{name}: cannot read the value ({e})")
                continue
            if value.shape != target.data.shape:
                problems.append(f"{name}: shape {tuple(value.shape)} in the state dict, {tuple(target.data.shape)} "
                                f"in the model")
            elif value.dtype != target.data.dtype:
                problems.append(f"{name}: dtype {value.dtype} in the state dict, {target.data.dtype} in the model "
                                f"(convert the model with .to({str(value.dtype)!r}) or the values first)")
            else:
                pairs.append((target, value))
        if strict:
            if missing:
                problems.append("missing from the state dict: " + ", ".join(missing))
            if unexpected:
                problems.append("unexpected in the state dict (not in the model): " + ", ".join(unexpected))
        if problems:
            raise CheckpointError(f"load_state_dict into {type(self).__name__} failed:\n  " + "\n  ".join(problems))
        for target, value in pairs:
            if not target.data.flags.writeable:
                target.data = target.data.copy()
            np.copyto(target.data, value)
            bump_version(target)
        return IncompatibleKeys(missing, unexpected)

    # --- printing ----------------------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The text inside this module's parentheses in its repr (its constructor arguments)."""
        return ""

    def __repr__(self):
        lines = []
        extra = self.extra_repr()
        if extra:
            lines.extend(extra.split("\n"))
        for name, child in self._modules.items():
            text = repr(child).replace("\n", "\n  ")
            lines.append(f"({name}): {text}")
        if not lines:
            return f"{type(self).__name__}()"
        if len(lines) == 1 and not self._modules:
            return f"{type(self).__name__}({lines[0]})"
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"

    def _repr_html_(self) -> str:
        """Jupyter: the module tree as nested, foldable HTML; each module with its parameter count and shapes."""
        total, trainable = self.num_parameters(), self.num_parameters(trainable_only=True)
        frozen = f", {total - trainable:,} frozen" if trainable != total else ""
        return (f"<div class='chainrule-module' style='font-family:monospace;line-height:1.45'>"
                f"{_module_html(self, None)}<div style='color:#555'>{total:,} parameters in all{frozen}</div></div>")


def _module_html(module, name) -> str:
    """One module of `Module._repr_html_`: ``name: Class(extra) · N params · own parameter shapes``, children."""
    import html
    extra = module.extra_repr()
    head = html.escape(f"{type(module).__name__}({extra})")
    if name is not None:
        head = f"<b>{html.escape(name)}</b>: {head}"
    count = module.num_parameters()
    own = ", ".join(f"{html.escape(n)} {html.escape(str(tuple(p.shape)))}"
                    for n, p in module._parameters.items() if p is not None)
    if count:
        head += f" <span style='color:#1a7f37'>· {count:,} params</span>"
    if own:
        head += f" <span style='color:#666'>· {own}</span>"
    children = [(n, c) for n, c in module._modules.items() if c is not None]
    if not children:
        return f"<div>{head}</div>"
    body = "".join(_module_html(c, n) for n, c in children)
    return (f"<details open><summary>{head}</summary>"
            f"<div style='margin-left:1.4em;border-left:1px solid #ddd;padding-left:0.5em'>{body}</div></details>")


def _check_name(name, module):
    if not isinstance(name, str):
        raise TypeError(f"a name must be a string, got {type(name).__name__}.")
    if not name or "." in name:
        raise KeyError(f"invalid name {name!r}: names must be non-empty and contain no '.'.")
    if name in module.__dict__ and name not in ("training",):
        raise KeyError(f"attribute {name!r} already exists on {type(module).__name__}.")
