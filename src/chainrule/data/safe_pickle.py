"""A restricted unpickler for the CIFAR-10 python batches: data, never code.

A pickle can call any importable function while it loads (``os.system`` included). The CIFAR-10
python batches only need NumPy's array-rebuilding helpers, so `RestrictedUnpickler.find_class`
hands out exactly those, wrapped so that they can build plain (non-object) arrays and nothing else,
and raises `UnsafeFileError` for every other global before anything is called.
"""
from __future__ import annotations

import io
import pickle
import pickletools

import numpy as np

from .._bounded import TooDeep, check_structure
from ..errors import DataError, UnsafeFileError

MAX_DEPTH = 8             # a CIFAR-10 batch is a dict of lists: 2 levels
MAX_ITEMS = 1 << 20       # values, counting a shared reference each time it appears (a batch holds ~20,000)


class _Refusal(Exception):
    """Raised by the allowed helpers when their arguments ask for something a data file never needs."""


class _NdarrayToken:
    """Stands in for ``numpy.ndarray`` inside a pickle: usable as ``_reconstruct``'s subtype, not callable."""

    __slots__ = ()


_NDARRAY = _NdarrayToken()


def _checked_dtype(dtype):
    if dtype.hasobject:
        raise _Refusal("object arrays are not allowed in a data pickle")
    return dtype


def _safe_dtype(spec, align=False, copy=False):
    if isinstance(spec, bytes):                       # Python 2 pickles read with encoding="bytes"
        spec = spec.decode("latin1")
    if not isinstance(spec, str):
        raise _Refusal("a dtype in the pickle is not given by a type code string")
    return _checked_dtype(np.dtype(spec, align=bool(align), copy=bool(copy)))


def _safe_reconstruct(subtype, shape, dtype_spec):
    # NumPy pickles always start from an empty shell, _reconstruct(ndarray, (0,), b'b'), then BUILD it.
    if subtype is not _NDARRAY:
        raise _Refusal("_reconstruct is only allowed to build numpy.ndarray")
    shape = tuple(int(s) for s in shape)
    if len(shape) > 32 or int(np.prod(shape, dtype=np.float64)) > 1:
        raise _Refusal("_reconstruct asked for a preallocated array")
    return np.ndarray.__new__(np.ndarray, shape, _safe_dtype(dtype_spec))


def _safe_frombuffer(buf, dtype, shape, order):
    dtype = _checked_dtype(np.dtype(dtype))
    arr = np.frombuffer(bytes(buf), dtype=dtype)
    return arr.reshape(shape, order="F" if order == "F" else "C")


def _safe_scalar(dtype, data=None):
    dtype = _checked_dtype(np.dtype(dtype))
    if not isinstance(data, (bytes, bytearray)) or len(data) != dtype.itemsize:
        raise _Refusal("a numpy scalar in the pickle has a malformed payload")
    return np.frombuffer(bytes(data), dtype=dtype)[0]


def _latin1_encode(obj, encoding="utf-8", errors="strict"):
    # Protocol-2 pickles from Python 3 store bytes as codecs.encode(str, "latin1").
    if str(encoding).replace("-", "").replace("_", "").lower() not in ("latin1", "iso88591"):
        raise _Refusal(f"codecs.encode with encoding {encoding!r} is not allowed")
    if not isinstance(obj, str):
        raise _Refusal("codecs.encode applied to something other than text")
    return obj.encode("latin1", errors="strict")


def _guard(fn):
    """Wrap ``fn`` in an attribute-less callable, so a pickle's BUILD opcode cannot set anything on it."""
    cls = type(f"Allowed{fn.__name__}", (), {"__slots__": (), "__call__": staticmethod(fn),
                                            "__repr__": lambda self: f"<allowed {fn.__name__}>"})
    return cls()


_reconstruct = _guard(_safe_reconstruct)
_scalar = _guard(_safe_scalar)
_frombuffer = _guard(_safe_frombuffer)
_encode = _guard(_latin1_encode)

ALLOWED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy", "ndarray"): _NDARRAY,
    ("numpy", "dtype"): _guard(_safe_dtype),
    ("numpy.core.multiarray", "scalar"): _scalar,
    ("numpy._core.multiarray", "scalar"): _scalar,
    ("numpy.core.numeric", "_frombuffer"): _frombuffer,
    ("numpy._core.numeric", "_frombuffer"): _frombuffer,
    ("_codecs", "encode"): _encode,
    ("codecs", "encode"): _encode,
}


_DTYPE_STATE_TAIL = (None, None, None, -1, -1, 0)       # no subarray, names, fields; default sizes and flags


def _checked_build(inst, state):
    """The state a pickle's BUILD may apply: a plain dtype's byte order, or an ndarray's shape, dtype and
    exactly the bytes they need. NumPy's own ``__setstate__`` trusts its argument (a byte order of 'N'
    crashes the process), so nothing else reaches it."""
    if isinstance(inst, np.dtype):
        if not (isinstance(state, tuple) and len(state) == 8 and state[0] == 3 and state[1] in ("<", ">", "|", "=")
                and state[2:] == _DTYPE_STATE_TAIL) or inst.hasobject or inst.names is not None:
            raise _Refusal("a dtype in the pickle has a malformed state")
        return state
    if type(inst) is np.ndarray:
        if not (isinstance(state, tuple) and len(state) == 5 and state[0] == 1 and isinstance(state[1], tuple)
                and len(state[1]) <= 32 and all(type(d) is int and d >= 0 for d in state[1])
                and isinstance(state[2], np.dtype) and not state[2].hasobject and isinstance(state[3], bool)
                and isinstance(state[4], bytes)
                and len(state[4]) == int(np.prod(state[1], dtype=object)) * state[2].itemsize):
            raise _Refusal("an array in the pickle has a malformed state")
        return state
    raise _Refusal(f"the pickle sets the state of a {type(inst).__name__}, which a data file never does")


class RestrictedUnpickler(pickle._Unpickler):
    """Python's own unpickler whose ``find_class`` allows only `ALLOWED_GLOBALS` (NumPy array rebuilding)
    and whose BUILD opcode applies only checked array and dtype states (`_checked_build`)."""

    def __init__(self, file, *, name="<pickle>", **kwargs):
        super().__init__(file, **kwargs)
        self.name = name

    def load_build(self):
        state = self.stack.pop()
        inst = self.stack[-1]
        inst.__setstate__(_checked_build(inst, state))

    dispatch = {**pickle._Unpickler.dispatch, pickle.BUILD[0]: load_build}

    def find_class(self, module, name):
        try:
            return ALLOWED_GLOBALS[(module, name)]
        except (KeyError, TypeError):
            raise UnsafeFileError(
                f"{self.name}: the pickle asks for {module}.{name}, which a data file never needs; refusing to "
                "load it, get the file from the official source."
            ) from None

    def persistent_load(self, pid):
        raise UnsafeFileError(f"{self.name}: the pickle uses persistent ids; refusing to load it.")


def _prescan(data: bytes, name: str) -> None:
    """Walk the opcodes without executing any: reject truncated counted strings before anything is allocated."""
    try:
        for opcode, arg, _ in pickletools.genops(io.BytesIO(data)):
            if opcode.name in ("GLOBAL", "INST") and isinstance(arg, str):
                module, _, attr = arg.partition(" ")
                if (module, attr) not in ALLOWED_GLOBALS:
                    raise UnsafeFileError(
                        f"{name}: the pickle asks for {module}.{attr}, which a data file never needs; refusing to "
                        "load it, get the file from the official source."
                    )
    except UnsafeFileError:
        raise
    except Exception as e:                                 # noqa: BLE001 - anything malformed is a DataError
        raise DataError(f"{name}: not a valid pickle ({type(e).__name__}: {e}); get a fresh copy of the file.") from None


def safe_loads(data: bytes, name: str = "<pickle>", encoding: str = "bytes"):
    """Unpickle ``data`` with `RestrictedUnpickler`; any failure is a `DataError` naming ``name``.

    ``encoding="bytes"`` reads Python 2 pickles (the official CIFAR-10 batches) with byte-string keys.
    What it builds may nest `MAX_DEPTH` levels and hold `MAX_ITEMS` values written out as a tree (shared
    references cost nothing in a pickle but expand in whatever walks the result), no reference cycles.
    """
    data = bytes(data)
    _prescan(data, name)
    try:
        obj = RestrictedUnpickler(io.BytesIO(data), name=name, encoding=encoding).load()
        check_structure(obj, MAX_DEPTH, MAX_ITEMS)
        return obj
    except TooDeep as e:
        raise DataError(f"{name}: the pickle {e}, more than a data file holds; get a fresh copy of the file.") from None
    except UnsafeFileError:
        raise
    except _Refusal as e:
        raise UnsafeFileError(f"{name}: {e}; refusing to load it, get the file from the official source.") from None
    except Exception as e:                                 # noqa: BLE001 - malformed input of any kind
        raise DataError(f"{name}: not a valid data pickle ({type(e).__name__}: {e}); "
                        "get a fresh copy of the file.") from None
