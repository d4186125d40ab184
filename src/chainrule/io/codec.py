"""The file format: one safetensors file whose metadata holds one JSON document under the key ``"chainrule"``.

Nested state (optimizer, scheduler, ``extra``) is packed into JSON with each array replaced by a tensor
reference (``{"__tensor__": name}``, stored apart), tuples, non-string keys and non-finite floats spelled out;
unpacking checks every reference and spelling. Writes are atomic; reads validate the header first
(:mod:`.header`).
"""
from __future__ import annotations

import json
import math
from collections import OrderedDict
from pathlib import Path

import numpy as np

from .._bounded import MAX_JSON_DEPTH, TooDeep, check_structure, json_loads
from .._files import atomic_write
from ..errors import CheckpointError
from ..tensor import Tensor
from .header import read_header

FORMAT_VERSION = 1
META_KEY = "chainrule"


def _safetensors():
    try:
        import safetensors.numpy as stn
    except ImportError:
        raise ImportError("saving and loading need the safetensors package: pip install chainrule[io] "
                          "(or pip install safetensors).") from None
    return stn


def pack(obj, name, tensors):
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
        return {"__tuple__": [pack(v, f"{name}.{i}", tensors) for i, v in enumerate(obj)]}
    if isinstance(obj, list):
        return [pack(v, f"{name}.{i}", tensors) for i, v in enumerate(obj)]
    if isinstance(obj, dict):
        if all(isinstance(k, str) for k in obj) and not any(k.startswith("__") and k.endswith("__") for k in obj):
            return {k: pack(v, f"{name}.{k}", tensors) for k, v in obj.items()}
        items = []
        for k, v in obj.items():
            if isinstance(k, np.generic):
                k = k.item()
            if not isinstance(k, (str, int)) or isinstance(k, bool):
                raise CheckpointError(f"cannot store the dict key {k!r} at {name}: keys must be strings or ints.")
            items.append([k, pack(v, f"{name}.{k}", tensors)])
        return {"__items__": items}
    raise CheckpointError(f"cannot store a {type(obj).__name__} at {name}: a checkpoint holds numbers, strings, "
                          f"None, lists, tuples, dicts and arrays only (no pickled objects).")


def unpack(obj, tensors, where="checkpoint"):
    """The inverse of :func:`pack`: tensor references looked up in ``tensors``; a bad one names ``where``."""
    if isinstance(obj, list):
        return [unpack(v, tensors, where) for v in obj]
    if isinstance(obj, dict):
        if set(obj) == {"__tensor__"}:
            key = obj["__tensor__"]
            if not isinstance(key, str) or key not in tensors:
                raise CheckpointError(f"{where}: the header refers to tensor {key!r}, which the file does not hold.")
            return tensors[key]
        if set(obj) == {"__tuple__"}:
            if not isinstance(obj["__tuple__"], list):
                raise CheckpointError(f"{where}: a stored tuple is {obj['__tuple__']!r}, not a list.")
            return tuple(unpack(v, tensors, where) for v in obj["__tuple__"])
        if set(obj) == {"__items__"}:
            items = obj["__items__"]
            if not isinstance(items, list) or not all(isinstance(kv, list) and len(kv) == 2 and
                                                      isinstance(kv[0], (str, int)) for kv in items):
                raise CheckpointError(f"{where}: a stored dict is not a list of [key, value] pairs with string or "
                                      f"integer keys.")
            return {k: unpack(v, tensors, where) for k, v in items}
        if set(obj) == {"__float__"}:
            if obj["__float__"] not in ("inf", "-inf", "nan"):
                raise CheckpointError(f"{where}: a stored special float is {obj['__float__']!r}, not inf, -inf or nan.")
            return float(obj["__float__"])
        return {k: unpack(v, tensors, where) for k, v in obj.items()}
    return obj


def json_dumps(doc, what):
    """``doc`` as compact JSON; too deep or not JSON-able is a CheckpointError naming ``what``."""
    try:
        check_structure(doc, MAX_JSON_DEPTH)
        return json.dumps(doc, allow_nan=False, separators=(",", ":"))
    except TooDeep as e:
        raise CheckpointError(f"{what} is {e}, more than a checkpoint may hold; flatten it.") from None
    except (TypeError, ValueError) as e:
        raise CheckpointError(f"{what} is not JSON-serialisable ({e}); use numbers, strings, lists and "
                              f"dicts.") from None


def _contiguous(arrays: dict) -> dict:
    out = {}
    for k, v in arrays.items():
        a = v.data if isinstance(v, Tensor) else np.asarray(v)
        # safetensors serialises from the data pointer: it must be dense (np.ascontiguousarray would make a
        # 0-d array, e.g. BatchNorm's num_batches_tracked, 1-d)
        out[k] = np.require(a, requirements="C")
    return out


def write_file(path, tensors: dict, doc: dict) -> None:
    """Write ``tensors`` with ``doc`` in the metadata, atomically."""
    stn = _safetensors()
    header = {META_KEY: json_dumps(doc, "the file's metadata")}
    blob = stn.save(_contiguous(tensors), metadata=header)
    with atomic_write(path) as f:
        f.write(blob)


def read_file(path):
    """Validate and read ``path``: (tensors by name as arrays, chainrule header document or None, raw metadata)."""
    path = Path(path)
    with open(path, "rb") as f:
        entries, metadata, raw, data_size = read_header(f, path)
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
    doc = parse_doc(metadata, path)
    if doc is not None:
        keys = doc.get("keys")
        if isinstance(keys, list) and all(isinstance(k, str) for k in keys) and \
                sorted(keys) == sorted(k for k in arrays if not _is_state_entry(k, doc)):
            arrays = OrderedDict([(k, arrays[k]) for k in keys] +
                                 [(k, v) for k, v in arrays.items() if _is_state_entry(k, doc)])
    return arrays, doc, metadata


def parse_doc(metadata, path):
    """The chainrule document of a file's metadata (None if it has none), checked: a JSON object with a valid
    ``kind``, a ``format_version`` this version reads, and a dict (or nothing) for ``metadata``."""
    if META_KEY not in metadata:
        return None
    try:
        doc = json_loads(metadata[META_KEY])
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


def has_tensor_ref(obj):
    """Whether packed ``obj`` refers to a stored array anywhere."""
    if isinstance(obj, dict):
        return "__tensor__" in obj or any(has_tensor_ref(v) for v in obj.values())
    if isinstance(obj, list):
        return any(has_tensor_ref(v) for v in obj)
    return False
