"""A cache of decoded arrays as ``.npy`` files, so a data set is decoded once and then loads in seconds.

An entry is keyed by what it was built from: each source file's path, size and modification time
(and, for sources of at most `SMALL_SOURCE_BYTES`, a SHA-256 of their content). Changing a source
changes the key, so the old entry is never used again and is deleted when the new one is written.
Arrays are written atomically and read with ``allow_pickle=False``.

Folder: the ``cache_dir`` argument, else ``$CHAINRULE_CACHE``, else ``~/.cache/chainrule``.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import stat
import warnings
from pathlib import Path

import numpy as np

from .._files import atomic_write, read_regular
from .dataset import RawData

ENV_VAR = "CHAINRULE_CACHE"
FORMAT_VERSION = 1
SMALL_SOURCE_BYTES = 4 << 20


def cache_dir(path=None) -> Path:
    """The cache folder: ``path`` if given, else ``$CHAINRULE_CACHE``, else ``~/.cache/chainrule``."""
    if path is not None:
        return Path(path).expanduser()
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "chainrule"


def _files(path: Path):
    """The regular files of ``path`` (the loaders skip FIFOs, devices, sockets and dangling links too)."""
    if path.is_dir():
        for dirpath, dirnames, filenames in os.walk(path):
            dirnames.sort()
            for f in sorted(filenames):
                if _is_regular(Path(dirpath) / f):
                    yield Path(dirpath) / f
    elif _is_regular(path):
        yield path


def _is_regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


def fingerprint(sources) -> dict:
    """What identifies ``sources`` (files or folders): a list of [path, size, mtime_ns] per file, plus
    ``sha256`` of all contents when they total at most `SMALL_SOURCE_BYTES`."""
    entries = []
    for src in sources:
        src = Path(src).resolve()
        for f in _files(src):
            st = f.stat()
            entries.append([str(f), st.st_size, st.st_mtime_ns])
    fp = {"files": entries}
    if sum(e[1] for e in entries) <= SMALL_SOURCE_BYTES:
        h = hashlib.sha256()
        for path, _, _ in entries:
            h.update(read_regular(path))
        fp["sha256"] = h.hexdigest()
    return fp


def _digest(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()


def _entry_paths(folder: Path, split: str):
    return folder / f"{split}.X.npy", folder / f"{split}.y.npy"


def _load(folder: Path, key: str):
    meta_path = folder / "meta.json"
    try:
        meta = json.loads(meta_path.read_text())
        if meta.get("key") != key or meta.get("format") != FORMAT_VERSION:
            return None
        splits = {}
        for split, info in meta["splits"].items():
            xp, yp = _entry_paths(folder, split)
            X = np.load(xp, allow_pickle=False)
            y = np.load(yp, allow_pickle=False)
            if list(X.shape) != info["x_shape"] or list(y.shape) != [info["x_shape"][0]]:
                return None
            splits[split] = (X, y)
        shape = tuple(meta["image_shape"]) if meta.get("image_shape") else None
        return RawData(splits, meta["classes"], meta["name"], meta["source"], shape)
    except (OSError, ValueError, KeyError, TypeError):
        return None                                         # missing or damaged: rebuild


def _save(root: Path, folder: Path, key: str, sid: str, raw: RawData) -> None:
    for split, (X, y) in raw.splits.items():
        xp, yp = _entry_paths(folder, split)
        for path, arr in ((xp, X), (yp, y)):
            with atomic_write(path, "wb") as f:
                np.save(f, np.ascontiguousarray(arr), allow_pickle=False)
    meta = {"format": FORMAT_VERSION, "key": key, "source_id": sid, "name": raw.name, "source": raw.source,
            "classes": list(raw.classes), "image_shape": list(raw.image_shape) if raw.image_shape else None,
            "splits": {s: {"x_shape": list(X.shape), "x_dtype": str(X.dtype)} for s, (X, y) in raw.splits.items()}}
    with atomic_write(folder / "meta.json", "w") as f:                   # written last: marks the entry complete
        json.dump(meta, f, indent=1)
    for other in root.iterdir():                                         # drop entries of older versions of the source
        if other == folder or not other.is_dir():
            continue
        with contextlib.suppress(OSError, ValueError):
            if json.loads((other / "meta.json").read_text()).get("source_id") == sid:
                shutil.rmtree(other, ignore_errors=True)


def cached(kind: str, sources, build, *, cache=None, refresh: bool = False, options=None) -> RawData:
    """Return ``build()``'s `RawData`, from the cache when an entry for ``kind``, the current state of
    ``sources`` and ``options`` (a JSON-able dict of build options) exists; otherwise build it and store it.

    ``refresh=True`` rebuilds. A cache that cannot be written only warns: the data is still returned.
    """
    sources = [Path(s) for s in sources]
    sid = _digest({"kind": kind, "sources": [str(s.resolve()) for s in sources], "options": options})
    key = _digest({"sid": sid, "format": FORMAT_VERSION, "fingerprint": fingerprint(sources)})
    root = cache_dir(cache) / "arrays" / kind
    folder = root / key[:24]
    if not refresh:
        hit = _load(folder, key)
        if hit is not None:
            return hit
    raw = build()
    try:
        _save(root, folder, key, sid, raw)
    except OSError as e:
        warnings.warn(f"Could not write the data cache in {folder} ({e}); set {ENV_VAR} to a writable folder "
                      "to avoid decoding again next time.", stacklevel=2)
    return raw


def cache_entries(kind: str, cache=None) -> list:
    """The entry folders stored for ``kind`` (for inspection and tests)."""
    root = cache_dir(cache) / "arrays" / kind
    return sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
