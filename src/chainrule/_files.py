"""Atomic file writing (a reader sees the old file or the new one, never half of one) and reading only
regular files (a FIFO or device cannot hang or flood the reader)."""
from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_current_umask()  # what open() would give a new file; mkstemp alone gives 0600


TEMP_SUFFIX = ".tmp"


@contextlib.contextmanager
def atomic_write(path, mode: str = "wb", exclusive: bool = False):
    """Open a temporary file beside ``path``; on success flush, fsync and rename it over ``path``.

    On any exception the temporary file is removed and ``path`` is left untouched; an `OSError` (a full
    disk) names ``path``. With ``exclusive``, ``path`` must not exist: the finished file is published
    with a hard link, which fails (`FileExistsError`) if another process got there first, so exactly one
    writer claims ``path`` and it is never seen half written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, mode) as f:
            yield f
            f.flush()
            os.fchmod(f.fileno(), _FILE_MODE)
            os.fsync(f.fileno())
        if exclusive:
            _link_new(tmp, path)
            os.unlink(tmp)
        else:
            os.replace(tmp, path)
    except BaseException as e:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(e, OSError) and e.errno is not None and not isinstance(e, FileExistsError) and \
                e.filename in (None, tmp):
            raise type(e)(e.errno, e.strerror, str(path)) from None
        raise
    _fsync_dir(path.parent)


def _link_new(tmp, path) -> None:
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise
    except OSError:                      # a file system without hard links: create-exclusive, then copy
        with open(path, "xb") as out, open(tmp, "rb") as src:
            out.write(src.read())
            out.flush()
            os.fsync(out.fileno())


def remove_temporaries(folder) -> list:
    """Delete the temporaries `atomic_write` left in ``folder`` when its process was killed; their paths.
    Call it only while no other process writes there (holding the folder's lock)."""
    removed = []
    for p in Path(folder).glob(f".*{TEMP_SUFFIX}"):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()
            removed.append(p)
    return removed


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where directories cannot be opened."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def file_kind(mode: int) -> str:
    """What a non-regular ``st_mode`` is, in words ("a FIFO", "a device file", ...)."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device file"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def read_regular(path, what: str = "file") -> bytes:
    """The bytes of regular file ``path`` (a symlink to one is followed); `DataError` for a FIFO, device,
    socket or directory.

    The file is opened without blocking (a FIFO without a writer cannot hang the reader) and checked on
    the open descriptor, so it cannot be swapped between the check and the read; at most its size is read.
    """
    from .errors import DataError
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise DataError(f"{path} is {file_kind(st.st_mode)}, not a regular file; pass a regular {what}.")
        data = f.read(st.st_size)
    return data
