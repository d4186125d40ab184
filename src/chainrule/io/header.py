"""The safetensors header, checked in full before any tensor data is read: its declared length against the
file size, its JSON (duplicate names refused, depth bounded), every tensor's dtype, shape and byte range, and
that the ranges tile the data section exactly (no overlap, gap, overrun or trailing bytes)."""
from __future__ import annotations

import os

from .._bounded import MAX_JSON_DEPTH, TooDeep, json_loads
from ..errors import CheckpointError

_MAX_HEADER = 100_000_000          # safetensors' own limit on the JSON header
_MAX_NDIM = 64                     # NumPy's
_DTYPE_SIZES = {"F64": 8, "F32": 4, "F16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U64": 8, "U32": 4, "U16": 2,
                "U8": 1, "BOOL": 1}


def _no_duplicates(pairs):
    seen = {}
    for k, v in pairs:
        if k in seen:
            raise CheckpointError(f"the header names {k!r} twice.")
        seen[k] = v
    return seen


def _is_count(x):
    return isinstance(x, int) and not isinstance(x, bool) and x >= 0


def short(obj, limit: int = 200) -> str:
    """``repr(obj)``, cut at ``limit`` characters for an error message."""
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


def read_header(f, path):
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
            raise CheckpointError(f"{where}: the shape {short(shape)} is not a list of non-negative integers "
                                  f"(at most {_MAX_NDIM} of them).")
        if (not isinstance(offsets, list) or len(offsets) != 2 or not all(_is_count(o) for o in offsets)
                or offsets[0] > offsets[1]):
            raise CheckpointError(f"{where}: data_offsets {offsets!r} must be [begin, end] with 0 <= begin <= end.")
        begin, end = offsets
        nbytes = _nbytes(shape, _DTYPE_SIZES[dtype], max(end - begin, data_size))
        if nbytes is None:
            raise CheckpointError(f"{where}: shape {short(shape)} of {dtype} needs more bytes than its offsets "
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
