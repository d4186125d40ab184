"""Saving and loading without pickle: weights in safetensors format, everything else as JSON in its header.

One file per save. The tensors are stored by name (``"0.weight"``; in a checkpoint ``"model.0.weight"``,
``"optimizer.state.0.exp_avg"``, ...) and the safetensors metadata header holds one JSON document under the
key ``"chainrule"``: the format version, what the file is (``"model"``, ``"state_dict"`` or
``"checkpoint"``), the model's architecture when it can be rebuilt (an :class:`~chainrule.nn.MLP`, a
:class:`~chainrule.nn.Linear`, or a class registered with :func:`register_architecture`), your metadata, and
in a checkpoint the optimizer and scheduler state with arrays replaced by tensor references, the ``extra``
dict and the random generator's state.

Reading never runs code. Before any tensor data is read, the header is checked in full: its declared length
against the file size, its JSON (duplicate names refused), every tensor's dtype, shape and byte range, that
the ranges tile the data section exactly (no overlap, gap, overrun or trailing bytes); a file that fails any
check raises :class:`~chainrule.errors.CheckpointError` saying what is wrong. Writes are atomic
(:func:`chainrule._files.atomic_write`): a crash leaves the old file or the new one.

``safetensors`` is an optional dependency: ``pip install chainrule[io]``.
"""
from __future__ import annotations

import json
import math
import os
from collections import OrderedDict
from pathlib import Path

import numpy as np

from . import random as _random
from ._bounded import MAX_JSON_DEPTH, TooDeep, check_structure, json_loads
from ._version import __version__
from ._files import atomic_write
from .errors import CheckpointError
from .tensor import Tensor

__all__ = ["save", "load", "save_checkpoint", "load_checkpoint", "read_metadata", "register_architecture",
           "FORMAT_VERSION"]

FORMAT_VERSION = 1
_META_KEY = "chainrule"
_MAX_HEADER = 100_000_000          # safetensors' own limit on the JSON header
_MAX_NDIM = 64                     # NumPy's
_DTYPE_SIZES = {"F64": 8, "F32": 4, "F16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U64": 8, "U32": 4, "U16": 2,
                "U8": 1, "BOOL": 1}

_ARCHITECTURES: dict = {}


def register_architecture(cls):
    """Let :func:`load` rebuild ``cls`` from a file: it needs ``get_config()`` returning a JSON-able dict, and
    ``from_config(config, dtype=None)`` or a constructor accepting ``**config, dtype=``. Usable as a decorator."""
    if not callable(getattr(cls, "get_config", None)):
        raise TypeError(f"register_architecture: {cls.__name__} needs a get_config() method.")
    _ARCHITECTURES[cls.__name__] = cls
    return cls


def _register_builtins():
    if not _ARCHITECTURES:
        from .nn import MLP, Linear
        register_architecture(MLP)
        register_architecture(Linear)


def _safetensors():
    try:
        import safetensors.numpy as stn
    except ImportError:
        raise ImportError("saving and loading need the safetensors package: pip install chainrule[io] "
                          "(or pip install safetensors).") from None
    return stn


# --- packing nested state (optimizer, scheduler, extra) into JSON + named arrays --------------------------

def _pack(obj, name, tensors):
    """A JSON-able copy of ``obj`` in which each array is replaced by ``{"__tensor__": name}`` (stored apart)."""
    if isinstance(obj, Tensor):
        obj = obj.data
    if isinstance(obj, np.ndarray):
        tensors[name] = obj
        return {"__tensor__": name}
    if isinstance(obj, np.generic):
        obj = obj.item()
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, int):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else {"__float__": repr(obj)}
    if isinstance(obj, tuple):
        return {"__tuple__": [_pack(v, f"{name}.{i}", tensors) for i, v in enumerate(obj)]}
    if isinstance(obj, list):
        return [_pack(v, f"{name}.{i}", tensors) for i, v in enumerate(obj)]
    if isinstance(obj, dict):
        if all(isinstance(k, str) for k in obj) and not any(k.startswith("__") and k.endswith("__") for k in obj):
            return {k: _pack(v, f"{name}.{k}", tensors) for k, v in obj.items()}
        items = []
        for k, v in obj.items():
            if isinstance(k, np.generic):
                k = k.item()
            if not isinstance(k, (str, int)) or isinstance(k, bool):
                raise CheckpointError(f"cannot store the dict key {k!r} at {name}: keys must be strings or ints.")
            items.append([k, _pack(v, f"{name}.{k}", tensors)])
        return {"__items__": items}
    raise CheckpointError(f"cannot store a {type(obj).__name__} at {name}: a checkpoint holds numbers, strings, "
                          f"None, lists, tuples, dicts and arrays only (no pickled objects).")


def _unpack(obj, tensors, where="checkpoint"):
    if isinstance(obj, list):
        return [_unpack(v, tensors, where) for v in obj]
    if isinstance(obj, dict):
        if set(obj) == {"__tensor__"}:
            key = obj["__tensor__"]
            if not isinstance(key, str) or key not in tensors:
                raise CheckpointError(f"{where}: the header refers to tensor {key!r}, which the file does not hold.")
            return tensors[key]
        if set(obj) == {"__tuple__"}:
            if not isinstance(obj["__tuple__"], list):
                raise CheckpointError(f"{where}: a stored tuple is {obj['__tuple__']!r}, not a list.")
            return tuple(_unpack(v, tensors, where) for v in obj["__tuple__"])
        if set(obj) == {"__items__"}:
            items = obj["__items__"]
            if not isinstance(items, list) or not all(isinstance(kv, list) and len(kv) == 2 and
                                                      isinstance(kv[0], (str, int)) for kv in items):
                raise CheckpointError(f"{where}: a stored dict is not a list of [key, value] pairs with string or "
                                      f"integer keys.")
            return {k: _unpack(v, tensors, where) for k, v in items}
        if set(obj) == {"__float__"}:
            if obj["__float__"] not in ("inf", "-inf", "nan"):
                raise CheckpointError(f"{where}: a stored special float is {obj['__float__']!r}, not inf, -inf or nan.")
            return float(obj["__float__"])
        return {k: _unpack(v, tensors, where) for k, v in obj.items()}
    return obj


def _json_dumps(doc, what):
    try:
        check_structure(doc, MAX_JSON_DEPTH)
        return json.dumps(doc, allow_nan=False, separators=(",", ":"))
    except TooDeep as e:
        raise CheckpointError(f"{what} is {e}, more than a checkpoint may hold; flatten it.") from None
    except (TypeError, ValueError) as e:
        raise CheckpointError(f"{what} is not JSON-serialisable ({e}); use numbers, strings, lists and "
                              f"dicts.") from None


# --- writing ------------------------------------------------------------------------------------------------

def _contiguous(arrays: dict) -> dict:
    out = {}
    for k, v in arrays.items():
        a = v.data if isinstance(v, Tensor) else np.asarray(v)
        out[k] = np.ascontiguousarray(a)   # safetensors serialises from the data pointer: it must be dense
    return out


def _write(path, tensors: dict, doc: dict) -> None:
    stn = _safetensors()
    header = {_META_KEY: _json_dumps(doc, "the file's metadata")}
    blob = stn.save(_contiguous(tensors), metadata=header)
    with atomic_write(path) as f:
        f.write(blob)


def _architecture_of(model):
    _register_builtins()
    cls = _ARCHITECTURES.get(type(model).__name__)
    if cls is not type(model):
        return None
    return {"class": type(model).__name__, "config": model.get_config()}


def _base_doc(kind, metadata):
    if metadata is not None and not isinstance(metadata, dict):
        raise TypeError(f"metadata must be a dict, got {type(metadata).__name__}.")
    doc = {"format_version": FORMAT_VERSION, "chainrule_version": __version__, "kind": kind,
           "metadata": metadata or {}}
    _json_dumps(doc["metadata"], "metadata")
    return doc


def save(obj, path, metadata: dict | None = None) -> None:
    """Save a model (a :class:`~chainrule.nn.Module`) or a state dict (name -> Tensor/array) to ``path``.

    An MLP (or Linear, or a registered architecture) is saved with its configuration, so ``load(path)`` returns
    a ready model. ``metadata`` is any JSON-able dict (e.g. accuracy, epoch, data set) kept in the header;
    read it back with :func:`read_metadata`.
    """
    from .nn import Module
    if isinstance(obj, Module):
        doc = _base_doc("model", metadata)
        doc["architecture"] = _architecture_of(obj)
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
    _write(path, tensors, doc)


def save_checkpoint(path, model, optimizer=None, scheduler=None, extra: dict | None = None,
                    metadata: dict | None = None) -> None:
    """Save everything needed to resume training: model, optimizer and scheduler state, ``extra`` (e.g.
    ``{"epoch": 3, "history": [...]}``, JSON-able values or arrays) and chainrule's random generator state.
    """
    doc = _base_doc("checkpoint", metadata)
    doc["architecture"] = _architecture_of(model)
    tensors = OrderedDict((f"model.{k}", v) for k, v in model.state_dict().items())
    doc["keys"] = list(tensors)
    doc["optimizer"] = _pack(optimizer.state_dict(), "optimizer", tensors) if optimizer is not None else None
    doc["optimizer_class"] = type(optimizer).__name__ if optimizer is not None else None
    doc["scheduler"] = _pack(scheduler.state_dict(), "scheduler", tensors) if scheduler is not None else None
    doc["scheduler_class"] = type(scheduler).__name__ if scheduler is not None else None
    if extra is not None and not isinstance(extra, dict):
        raise TypeError(f"save_checkpoint: extra must be a dict, got {type(extra).__name__}.")
    doc["extra"] = _pack(extra or {}, "extra", tensors)
    doc["rng_state"] = _random.get_rng_state()
    _write(path, tensors, doc)


# --- reading ------------------------------------------------------------------------------------------------

def _no_duplicates(pairs):
    seen = {}
    for k, v in pairs:
        if k in seen:
            raise CheckpointError(f"the header names {k!r} twice.")
        seen[k] = v
    return seen


def _is_count(x):
    return isinstance(x, int) and not isinstance(x, bool) and x >= 0


def _short(obj, limit: int = 200) -> str:
    text = repr(obj)
    return text if len(text) <= limit else text[:limit] + "..."


def _nbytes(shape, itemsize, limit):
    """Bytes of an array of ``shape``, or None once it passes ``limit`` (no huge products: linear time)."""
    n = itemsize
    if 0 in shape:
        return 0
    for d in shape:
        n *= d
        if n > limit:
            return None
    return n


def _read_header(f, path):
    """Validate the header of the open file ``f``; return (entries, metadata, header_bytes, data_size)."""
    size = os.fstat(f.fileno()).st_size
    if size < 8:
        raise CheckpointError(f"{path}: {size} bytes is too small for a safetensors file (it starts with an 8-byte "
                              f"header length).")
    n = int.from_bytes(f.read(8), "little")
    if n > size - 8:
        raise CheckpointError(f"{path}: the header declares {n} bytes but only {size - 8} bytes follow; the file "
                              f"is truncated or not a safetensors file.")
    if n > _MAX_HEADER:
        raise CheckpointError(f"{path}: a header of {n} bytes exceeds the {_MAX_HEADER}-byte limit.")
    raw = f.read(n)
    if len(raw) != n:
        raise CheckpointError(f"{path}: could read only {len(raw)} of the {n} header bytes.")
    try:
        text = raw.decode("utf-8")
        if not text.startswith("{"):
            raise ValueError("the header does not start with '{'")
        header = json_loads(text, object_pairs_hook=_no_duplicates)
    except CheckpointError as e:
        raise CheckpointError(f"{path}: {e}") from None
    except TooDeep as e:
        raise CheckpointError(f"{path}: the header is {e} (at most {MAX_JSON_DEPTH}); the file is corrupt or "
                              f"crafted, get it again from its source.") from None
    except (UnicodeDecodeError, ValueError) as e:
        raise CheckpointError(f"{path}: the header is not valid JSON ({e}); the file is corrupt or not a "
                              f"safetensors file.") from None
    if not isinstance(header, dict):
        raise CheckpointError(f"{path}: the header must be a JSON object, got {type(header).__name__}.")
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                 for k, v in metadata.items()):
        raise CheckpointError(f"{path}: __metadata__ must map strings to strings.")
    data_size = size - 8 - n
    entries = {}
    for name, info in header.items():
        where = f"{path}: tensor {name!r}"
        if not isinstance(info, dict) or set(info) != {"dtype", "shape", "data_offsets"}:
            raise CheckpointError(f"{where}: expected exactly the keys dtype, shape, data_offsets, got "
                                  f"{sorted(info) if isinstance(info, dict) else type(info).__name__}.")
        dtype, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
        if dtype not in _DTYPE_SIZES:
            raise CheckpointError(f"{where}: dtype {dtype!r} is not supported (NumPy dtypes only: "
                                  f"{', '.join(_DTYPE_SIZES)}).")
        if not isinstance(shape, list) or len(shape) > _MAX_NDIM or not all(_is_count(d) for d in shape):
            raise CheckpointError(f"{where}: the shape {_short(shape)} is not a list of non-negative integers "
                                  f"(at most {_MAX_NDIM} of them).")
        if (not isinstance(offsets, list) or len(offsets) != 2 or not all(_is_count(o) for o in offsets)
                or offsets[0] > offsets[1]):
            raise CheckpointError(f"{where}: data_offsets {offsets!r} must be [begin, end] with 0 <= begin <= end.")
        begin, end = offsets
        nbytes = _nbytes(shape, _DTYPE_SIZES[dtype], max(end - begin, data_size))
        if nbytes is None:
            raise CheckpointError(f"{where}: shape {_short(shape)} of {dtype} needs more bytes than its offsets "
                                  f"span ({end - begin}) and the file holds; the header is corrupt.")
        if end - begin != nbytes:
            raise CheckpointError(f"{where}: shape {shape} of {dtype} needs {nbytes} bytes but its offsets span "
                                  f"{end - begin}.")
        if end > data_size:
            raise CheckpointError(f"{where}: its data ends at byte {end} but the file holds only {data_size} bytes "
                                  f"of data; the file is truncated or its header is corrupt.")
        entries[name] = (dtype, tuple(shape), begin, end)
    expected = 0
    for name, (_, _, begin, end) in sorted(entries.items(), key=lambda kv: (kv[1][2], kv[1][3])):
        if begin != expected:
            what = "overlaps the previous tensor" if begin < expected else f"leaves a gap of {begin - expected} bytes"
            raise CheckpointError(f"{path}: tensor {name!r} starts at byte {begin}, which {what}.")
        expected = end
    if expected != data_size:
        raise CheckpointError(f"{path}: the tensors cover {expected} bytes but the data section has {data_size}; "
                              f"the file has trailing bytes or is corrupt.")
    return entries, metadata, raw, data_size


def _read(path):
    """Validate and read ``path``: (tensors by name as arrays, chainrule header document or None, raw metadata)."""
    path = Path(path)
    with open(path, "rb") as f:
        entries, metadata, raw, data_size = _read_header(f, path)
        data = f.read(data_size)
    if len(data) != data_size:
        raise CheckpointError(f"{path}: the file shrank while it was being read.")
    stn = _safetensors()
    try:
        arrays = stn.load(len(raw).to_bytes(8, "little") + raw + data)
    except Exception as e:  # noqa: BLE001 - the library's own checks, reported as a checkpoint error
        raise CheckpointError(f"{path}: safetensors refused the file: {e}") from None
    if set(arrays) != set(entries):
        raise CheckpointError(f"{path}: safetensors read tensors {sorted(arrays)}, the header lists {sorted(entries)}.")
    for k, a in arrays.items():
        if not a.flags.writeable or not a.flags.c_contiguous:
            arrays[k] = np.array(a)
    order = sorted(entries, key=lambda k: entries[k][2:])      # file order unless the header says otherwise
    arrays = OrderedDict((k, arrays[k]) for k in order)
    doc = _parse_doc(metadata, path)
    if doc is not None:
        keys = doc.get("keys")
        if isinstance(keys, list) and all(isinstance(k, str) for k in keys) and \
                sorted(keys) == sorted(k for k in arrays if not _is_state_entry(k, doc)):
            arrays = OrderedDict([(k, arrays[k]) for k in keys] +
                                 [(k, v) for k, v in arrays.items() if _is_state_entry(k, doc)])
    return arrays, doc, metadata


def _parse_doc(metadata, path):
    """The chainrule document of a file's metadata (None if it has none), checked: a JSON object with a valid
    ``kind``, a ``format_version`` this version reads, and a dict (or nothing) for ``metadata``."""
    if _META_KEY not in metadata:
        return None
    try:
        doc = json_loads(metadata[_META_KEY])
    except ValueError as e:
        raise CheckpointError(f"{path}: the chainrule metadata is not valid JSON ({e}).") from None
    if not isinstance(doc, dict) or doc.get("kind") not in ("model", "state_dict", "checkpoint"):
        raise CheckpointError(f"{path}: the chainrule metadata has no valid 'kind'.")
    version = doc.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise CheckpointError(f"{path}: format version {version!r} is newer than this chainrule reads "
                              f"({FORMAT_VERSION}); upgrade chainrule.")
    if not isinstance(doc.get("metadata", {}), (dict, type(None))):
        raise CheckpointError(f"{path}: the stored metadata is of type {type(doc['metadata']).__name__}, not a dict.")
    return doc


def _is_state_entry(name, doc):
    """In a checkpoint, the tensors that belong to the optimizer, scheduler or extra (not the model)."""
    return doc.get("kind") == "checkpoint" and not name.startswith("model.")


def read_metadata(path) -> dict:
    """The file's description without reading its tensors: ``kind``, ``architecture``, ``metadata`` (yours),
    ``tensors`` (name -> (dtype, shape)) and, for checkpoints, ``extra``. Validates the header like :func:`load`."""
    path = Path(path)
    with open(path, "rb") as f:
        entries, metadata, _, _ = _read_header(f, path)
    doc = _parse_doc(metadata, path)
    info = {"kind": "state_dict", "architecture": None, "metadata": dict(metadata), "format_version": None}
    if doc is not None:
        info.update({k: doc.get(k) for k in ("kind", "architecture", "metadata", "format_version",
                                             "chainrule_version")})
        if doc.get("kind") == "checkpoint":
            info["extra"] = _unpack(doc.get("extra") or {}, {}, str(path)) if not _has_tensor_ref(doc.get("extra")) \
                else "(holds arrays; use load_checkpoint)"
            info["optimizer_class"] = doc.get("optimizer_class")
            info["scheduler_class"] = doc.get("scheduler_class")
    info["tensors"] = {k: (d, s) for k, (d, s, _, _) in entries.items()}
    return info


def _has_tensor_ref(obj):
    if isinstance(obj, dict):
        return "__tensor__" in obj or any(_has_tensor_ref(v) for v in obj.values())
    if isinstance(obj, list):
        return any(_has_tensor_ref(v) for v in obj)
    return False


def _build(architecture, tensors, path):
    _register_builtins()
    if not isinstance(architecture, dict) or "class" not in architecture or "config" not in architecture:
        raise CheckpointError(f"{path}: the stored architecture is malformed.")
    if not isinstance(architecture["class"], str):
        raise CheckpointError(f"{path}: the stored architecture's class is {_short(architecture['class'])}, not a "
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
        raise CheckpointError(f"{path}: cannot rebuild {architecture['class']} from {_short(config)}: {e}") from None
    finally:
        _random.set_rng_state(state)


def _config_values(cls, config):
    """How many weights a built-in architecture's ``config`` asks for (None when unknown or malformed: the
    constructor then says what is wrong). Checked before building, so a crafted header cannot make ``load``
    allocate terabytes."""
    from .nn import MLP, Linear

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


def _load_model(tensors, doc, model, strict, path):
    state = OrderedDict((k, Tensor(v)) for k, v in tensors.items())
    if model is None:
        architecture = doc.get("architecture") if doc else None
        if architecture is None:
            return None
        model = _build(architecture, tensors, path)
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
    arrays, doc, _ = _read(path)
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
    arrays, doc, _ = _read(path)
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
        _restore(optimizer, _unpack(doc["optimizer"], arrays, str(path)), "optimizer", path)
    if scheduler is not None:
        if doc.get("scheduler") is None:
            raise CheckpointError(f"{path}: the checkpoint holds no scheduler state.")
        if doc.get("scheduler_class") != type(scheduler).__name__:
            raise CheckpointError(f"{path}: the scheduler state is for {doc.get('scheduler_class')}, not "
                                  f"{type(scheduler).__name__}.")
        _restore(scheduler, _unpack(doc["scheduler"], arrays, str(path)), "scheduler", path)
    if restore_rng and doc.get("rng_state") is not None:
        try:
            _random.set_rng_state(doc["rng_state"])
        except (TypeError, ValueError, KeyError) as e:
            raise CheckpointError(f"{path}: the stored random generator state is invalid ({e}).") from None
    extra = _unpack(doc.get("extra") or {}, arrays, str(path))
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
