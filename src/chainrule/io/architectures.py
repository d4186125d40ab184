"""The architectures :func:`~chainrule.io.load` can rebuild from a file (MLP, Linear, and any class registered
with :func:`register_architecture`), and how many weights a stored configuration asks for."""
from __future__ import annotations

from .. import random as _random
from ..errors import CheckpointError
from .header import short

_ARCHITECTURES: dict = {}


def register_architecture(cls):
    """Let :func:`load` rebuild ``cls`` from a file: it needs ``get_config()`` returning a JSON-able dict, and
    ``from_config(config, dtype=None)`` or a constructor accepting ``**config, dtype=``. Usable as a decorator."""
    if not callable(getattr(cls, "get_config", None)):
        raise TypeError(f"register_architecture: {cls.__name__} needs a get_config() method.")
    _ARCHITECTURES[cls.__name__] = cls
    return cls


def register_builtins():
    """Register the built-in MLP and Linear, on first use."""
    if not _ARCHITECTURES:
        from ..nn import MLP, Linear
        register_architecture(MLP)
        register_architecture(Linear)


def architecture_of(model):
    """``{"class", "config"}`` of a registered model, None for any other."""
    register_builtins()
    cls = _ARCHITECTURES.get(type(model).__name__)
    if cls is not type(model):
        return None
    return {"class": type(model).__name__, "config": model.get_config()}


def build(architecture, tensors, path):
    """A new model of the stored ``architecture``, its weight count checked against ``tensors`` first; the
    random generator is left as it was."""
    register_builtins()
    if not isinstance(architecture, dict) or "class" not in architecture or "config" not in architecture:
        raise CheckpointError(f"{path}: the stored architecture is malformed.")
    if not isinstance(architecture["class"], str):
        raise CheckpointError(f"{path}: the stored architecture's class is {short(architecture['class'])}, not a "
                              f"class name; the header is corrupt.")
    cls = _ARCHITECTURES.get(architecture["class"])
    if cls is None:
        raise CheckpointError(f"{path}: architecture {architecture['class']!r} is not known here; register it with "
                              f"chainrule.io.register_architecture, or pass model=... to load into.")
    floats = [a.dtype for a in tensors.values() if a.dtype.kind == "f"]
    dtype = floats[0] if floats else None
    config = architecture["config"]
    if not isinstance(config, dict):
        raise CheckpointError(f"{path}: the stored configuration of {architecture['class']} is not a dict.")
    needed, stored = _config_values(cls, config), sum(a.size for a in tensors.values())
    if needed is not None and needed > stored:
        raise CheckpointError(f"{path}: the stored {architecture['class']} configuration needs {needed:,} weights "
                              f"but the file holds {stored:,}; the header is corrupt (refusing to allocate it).")
    state = _random.get_rng_state()          # building draws initial weights: leave the user's stream untouched
    try:
        if hasattr(cls, "from_config"):
            return cls.from_config(config, dtype=dtype)
        return cls(**config, dtype=dtype)
    except (TypeError, ValueError) as e:
        raise CheckpointError(f"{path}: cannot rebuild {architecture['class']} from {short(config)}: {e}") from None
    finally:
        _random.set_rng_state(state)


def _config_values(cls, config):
    """How many weights a built-in architecture's ``config`` asks for (None when unknown or malformed: the
    constructor then says what is wrong). Checked before building, so a crafted header cannot make ``load``
    allocate terabytes."""
    from ..nn import MLP, Linear

    def size(n):
        return n if isinstance(n, int) and not isinstance(n, bool) and n > 0 else None

    bias = config.get("bias", True) is not False
    if cls is Linear:
        i, o = size(config.get("in_features")), size(config.get("out_features"))
        return None if i is None or o is None else i * o + (o if bias else 0)
    if cls is MLP:
        hidden = config.get("hidden", [])
        widths = [config.get("in_features")] + (hidden if isinstance(hidden, list) else [None]) + \
            [config.get("out_features")]
        widths = [size(w) for w in widths]
        if None in widths:
            return None
        return sum(i * o + (o if bias else 0) for i, o in zip(widths[:-1], widths[1:]))
    return None
