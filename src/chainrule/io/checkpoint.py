"""The save and load API: :func:`save` / :func:`load` for models and state dicts, :func:`save_checkpoint` /
:func:`load_checkpoint` for everything a resumed run needs, :func:`read_metadata` for a file's description."""
from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

import numpy as np

from .. import random as _random
from .._version import __version__
from ..errors import CheckpointError
from ..tensor import Tensor
from .architectures import architecture_of, build
from .codec import FORMAT_VERSION, has_tensor_ref, json_dumps, pack, parse_doc, read_file, unpack, write_file
from .header import read_header


def _base_doc(kind, metadata):
    if metadata is not None and not isinstance(metadata, dict):
        raise TypeError(f"metadata must be a dict, got {type(metadata).__name__}.")
    doc = {"format_version": FORMAT_VERSION, "chainrule_version": __version__, "kind": kind,
           "metadata": metadata or {}}
    json_dumps(doc["metadata"], "metadata")
    return doc


def save(obj, path, metadata: dict | None = None) -> None:
    """Save a model (a :class:`~chainrule.nn.Module`) or a state dict (name -> Tensor/array) to ``path``.

    An MLP (or Linear, or a registered architecture) is saved with its configuration, so ``load(path)`` returns
    a ready model. ``metadata`` is any JSON-able dict (e.g. accuracy, epoch, data set) kept in the header;
    read it back with :func:`read_metadata`.
    """
    from ..nn import Module
    if isinstance(obj, Module):
        doc = _base_doc("model", metadata)
        doc["architecture"] = architecture_of(obj)
        tensors = obj.state_dict()
        doc["keys"] = list(tensors)
    elif hasattr(obj, "items"):
        doc = _base_doc("state_dict", metadata)
        doc["architecture"] = None
        tensors = OrderedDict(obj.items())
        for k, v in tensors.items():
            if not isinstance(k, str):
                raise TypeError(f"save: state dict keys must be strings, got {k!r}.")
            if not isinstance(v, (Tensor, np.ndarray)):
                raise TypeError(f"save: {k!r} is a {type(v).__name__}; a state dict maps names to tensors or arrays.")
        doc["keys"] = list(tensors)
    else:
        raise TypeError(f"save: expected a Module or a state dict, got {type(obj).__name__}.")
    write_file(path, tensors, doc)


def save_checkpoint(path, model, optimizer=None, scheduler=None, extra: dict | None = None,
                    metadata: dict | None = None) -> None:
    """Save everything needed to resume training: model, optimizer and scheduler state, ``extra`` (e.g.
    ``{"epoch": 3, "history": [...]}``, JSON-able values or arrays) and chainrule's random generator state.
    """
    doc = _base_doc("checkpoint", metadata)
    doc["architecture"] = architecture_of(model)
    tensors = OrderedDict((f"model.{k}", v) for k, v in model.state_dict().items())
    doc["keys"] = list(tensors)
    doc["optimizer"] = pack(optimizer.state_dict(), "optimizer", tensors) if optimizer is not None else None
    doc["optimizer_class"] = type(optimizer).__name__ if optimizer is not None else None
    doc["scheduler"] = pack(scheduler.state_dict(), "scheduler", tensors) if scheduler is not None else None
    doc["scheduler_class"] = type(scheduler).__name__ if scheduler is not None else None
    if extra is not None and not isinstance(extra, dict):
        raise TypeError(f"save_checkpoint: extra must be a dict, got {type(extra).__name__}.")
    doc["extra"] = pack(extra or {}, "extra", tensors)
    doc["rng_state"] = _random.get_rng_state()
    write_file(path, tensors, doc)


def read_metadata(path) -> dict:
    """The file's description without reading its tensors: ``kind``, ``architecture``, ``metadata`` (yours),
    ``tensors`` (name -> (dtype, shape)) and, for checkpoints, ``extra``. Validates the header like :func:`load`."""
    path = Path(path)
    with open(path, "rb") as f:
        entries, metadata, _, _ = read_header(f, path)
    doc = parse_doc(metadata, path)
    info = {"kind": "state_dict", "architecture": None, "metadata": dict(metadata), "format_version": None}
    if doc is not None:
        info.update({k: doc.get(k) for k in ("kind", "architecture", "metadata", "format_version",
                                             "chainrule_version")})
        if doc.get("kind") == "checkpoint":
            info["extra"] = unpack(doc.get("extra") or {}, {}, str(path)) if not has_tensor_ref(doc.get("extra")) \
                else "(holds arrays; use load_checkpoint)"
            info["optimizer_class"] = doc.get("optimizer_class")
            info["scheduler_class"] = doc.get("scheduler_class")
    info["tensors"] = {k: (d, s) for k, (d, s, _, _) in entries.items()}
    return info


def _load_model(tensors, doc, model, strict, path):
    state = OrderedDict((k, Tensor(v)) for k, v in tensors.items())
    if model is None:
        architecture = doc.get("architecture") if doc else None
        if architecture is None:
            return None
        model = build(architecture, tensors, path)
    try:
        model.load_state_dict(state, strict=strict)
    except CheckpointError as e:
        raise CheckpointError(f"{path}: {e}") from None
    return model


def load(path, model=None, strict: bool = True):
    """Load what :func:`save` wrote.

    - With ``model``: copy the weights into it (names, shapes and dtypes must match; see
      :meth:`~chainrule.nn.Module.load_state_dict`) and return it.
    - Without: a file that stores its architecture (an MLP, ...) returns a rebuilt model with the weights;
      any other file returns its state dict (an ``OrderedDict`` of name -> Tensor).

    A checkpoint file loads its model part. The random generator is not affected.
    """
    path = Path(path)
    arrays, doc, _ = read_file(path)
    if doc is not None and doc["kind"] == "checkpoint":
        arrays = OrderedDict((k[len("model."):], v) for k, v in arrays.items() if k.startswith("model."))
    loaded = _load_model(arrays, doc, model, strict, path)
    if loaded is not None:
        return loaded
    return OrderedDict((k, Tensor(v)) for k, v in arrays.items())


def load_checkpoint(path, model=None, optimizer=None, scheduler=None, strict: bool = True,
                    restore_rng: bool = True) -> dict:
    """Restore a :func:`save_checkpoint` file into ``model``, ``optimizer`` and ``scheduler`` (each optional).

    Without ``model``, an MLP (or registered architecture) is rebuilt. With ``restore_rng`` (default) chainrule's
    random generator continues exactly where it was when the checkpoint was written. Returns a dict with
    ``model``, ``optimizer``, ``scheduler``, ``extra`` and ``metadata``. Raises
    :class:`~chainrule.errors.CheckpointError` when the file is not a checkpoint or does not fit what is
    passed (say which part and why).
    """
    path = Path(path)
    arrays, doc, _ = read_file(path)
    if doc is None or doc["kind"] != "checkpoint":
        kind = "a safetensors file without chainrule metadata" if doc is None else f"a {doc['kind']} file"
        raise CheckpointError(f"{path} is {kind}, not a checkpoint; load it with chainrule.load.")
    model_arrays = OrderedDict((k[len("model."):], v) for k, v in arrays.items() if k.startswith("model."))
    model = _load_model(model_arrays, doc, model, strict, path)
    if model is None:
        raise CheckpointError(f"{path}: the checkpoint's model has no stored architecture; pass model=... to load "
                              f"into.")
    if optimizer is not None:
        if doc.get("optimizer") is None:
            raise CheckpointError(f"{path}: the checkpoint holds no optimizer state.")
        if doc.get("optimizer_class") != type(optimizer).__name__:
            raise CheckpointError(f"{path}: the optimizer state is for {doc.get('optimizer_class')}, not "
                                  f"{type(optimizer).__name__}.")
        _restore(optimizer, unpack(doc["optimizer"], arrays, str(path)), "optimizer", path)
    if scheduler is not None:
        if doc.get("scheduler") is None:
            raise CheckpointError(f"{path}: the checkpoint holds no scheduler state.")
        if doc.get("scheduler_class") != type(scheduler).__name__:
            raise CheckpointError(f"{path}: the scheduler state is for {doc.get('scheduler_class')}, not "
                                  f"{type(scheduler).__name__}.")
        _restore(scheduler, unpack(doc["scheduler"], arrays, str(path)), "scheduler", path)
    if restore_rng and doc.get("rng_state") is not None:
        try:
            _random.set_rng_state(doc["rng_state"])
        except (TypeError, ValueError, KeyError) as e:
            raise CheckpointError(f"{path}: the stored random generator state is invalid ({e}).") from None
    extra = unpack(doc.get("extra") or {}, arrays, str(path))
    if not isinstance(extra, dict):
        raise CheckpointError(f"{path}: the stored 'extra' is of type {type(extra).__name__}, not a dict.")
    return {"model": model, "optimizer": optimizer, "scheduler": scheduler,
            "extra": extra, "metadata": doc.get("metadata") or {}}


def _restore(obj, state, part, path):
    """``obj.load_state_dict(state)``; a malformed stored state is a CheckpointError naming the file and part."""
    try:
        obj.load_state_dict(state)
    except CheckpointError as e:
        raise CheckpointError(f"{path}: {e}") from None
    except (TypeError, ValueError, KeyError, IndexError, AttributeError) as e:
        raise CheckpointError(f"{path}: the stored {part} state is malformed ({type(e).__name__}: {e}).") from None
