"""Reading tar archives safely: members are read straight from the archive, never extracted blindly.

Every member is checked before anything is read: a path that is absolute or climbs out with ``..``,
and any member that is not a plain file or folder (symlink, hard link, device, FIFO, sparse file), makes
the whole archive refused with `UnsafeFileError`. A member larger than the reader allows is refused from
its header, before it is read, and an archive must end with its end-of-archive block: one cut short (or
with garbage where a header should be) is a `DataError`, never a smaller data set.
"""
from __future__ import annotations

import os
import re
import tarfile
import zlib
from pathlib import Path

from .._files import atomic_write
from ..errors import DataError, UnsafeFileError

_DRIVE = re.compile(r"^[A-Za-z]:")


def _kind(member: tarfile.TarInfo) -> str:
    if member.issym():
        return f"a symbolic link to {member.linkname!r}"
    if member.islnk():
        return f"a hard link to {member.linkname!r}"
    if member.ischr() or member.isblk():
        return "a device file"
    if member.isfifo():
        return "a FIFO"
    return f"a member of tar type {member.type!r}"


def check_member(member: tarfile.TarInfo, archive) -> str:
    """Return the member's normalized relative POSIX path, or raise `UnsafeFileError` if it is unsafe."""
    name = member.name
    unix = name.replace("\\", "/")
    if "\x00" in name or unix.startswith("/") or _DRIVE.match(unix):
        raise UnsafeFileError(
            f"{archive}: member {name!r} has an absolute path; refusing the archive, use one whose "
            "members are relative paths."
        )
    parts = [p for p in unix.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise UnsafeFileError(
            f"{archive}: member {name!r} would be written outside the target folder; refusing the archive, "
            "use one without '..' in member paths."
        )
    if member.issparse():
        raise UnsafeFileError(
            f"{archive}: member {name!r} is a sparse file (its size, {member.size:,} bytes, is mostly holes); "
            "refusing the archive, which may only hold plain files and folders."
        )
    if not (member.isreg() or member.isdir()):
        raise UnsafeFileError(
            f"{archive}: member {name!r} is {_kind(member)}; refusing the archive, which may only hold "
            "plain files and folders."
        )
    return "/".join(parts)


def _open(path):
    try:
        return tarfile.open(path, "r:*")
    except FileNotFoundError:
        raise DataError(f"{path}: no such archive; check the path.") from None
    except (tarfile.TarError, OSError, EOFError, zlib.error) as e:
        why = "; ".join(line.strip("- ") for line in str(e).splitlines() if line.strip())
        raise DataError(f"{path}: not a readable tar archive ({why}); download it again.") from None


def _members(tf, path):
    """The members of open archive ``tf`` in order, then a check that the archive ends properly.

    `tarfile` stops without a word at a header that is cut short, missing or corrupt; a complete
    archive has a zero block (its end-of-archive marker) exactly there.
    """
    yield from tf
    tf.fileobj.seek(tf.offset)
    if tf.fileobj.read(tarfile.BLOCKSIZE) != bytes(tarfile.BLOCKSIZE):
        raise DataError(f"{path}: the tar archive is truncated or corrupt after {len(tf.members)} members (no "
                        f"end-of-archive block at byte {tf.offset}); download it again.")


def _check_size(member, rel, path, max_size, what):
    if max_size is not None and member.size > max_size:
        raise DataError(f"{path}: member {rel!r} declares {member.size:,} bytes, more than the {max_size:,} bytes "
                        f"{what} can hold; the archive is corrupt or not this data set, download it again.")


def iter_tar_files(path, wanted=None, max_size=None, what="a file"):
    """Yield ``(relative_path, bytes)`` for each plain-file member of the tar at ``path`` (any compression).

    Members are read in archive order in one pass; ``wanted(relative_path) -> bool`` chooses which
    file contents to read (the others are still checked, then skipped). A wanted member larger than
    ``max_size`` bytes (``what`` says what it should be, for the message) is refused before it is read.
    Raises `UnsafeFileError` on the first unsafe member and `DataError` if the archive is corrupt or
    truncated (after the members before the damage were yielded).
    """
    path = Path(path)
    with _open(path) as tf:
        try:
            for member in _members(tf, path):
                rel = check_member(member, path)
                if not member.isreg() or not rel or (wanted is not None and not wanted(rel)):
                    continue
                _check_size(member, rel, path, max_size, what)
                f = tf.extractfile(member)
                data = f.read()
                if len(data) != member.size:
                    raise DataError(f"{path}: member {rel!r} is truncated; download the archive again.")
                yield rel, data
        except (tarfile.TarError, OSError, EOFError, zlib.error) as e:
            raise DataError(f"{path}: the tar archive is corrupt or truncated ({e}); download it again.") from None


def _all_members(tf, path) -> list:
    try:
        return list(_members(tf, path))
    except (tarfile.TarError, OSError, EOFError, zlib.error) as e:
        raise DataError(f"{path}: the tar archive is corrupt or truncated ({e}); download it again.") from None


def list_tar(path) -> list:
    """Relative paths of all plain files in the tar at ``path``, after checking every member."""
    path = Path(path)
    with _open(path) as tf:
        members = _all_members(tf, path)
    rels = [check_member(m, path) for m in members]
    return [rel for m, rel in zip(members, rels) if m.isreg() and rel]


def safe_extract(path, dest) -> list:
    """Extract the tar at ``path`` into folder ``dest`` after checking every member; return the written paths.

    Files get mode 0o644 and folders 0o755 whatever the archive says; owners are not restored.
    Each file is written atomically.
    """
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    root = dest.resolve()
    with _open(path) as tf:
        members = _all_members(tf, path)
        rels = [check_member(m, path) for m in members]          # refuse before writing anything
        written = []
        try:
            for member, rel in zip(members, rels):
                if not rel:
                    continue
                target = (root / rel).resolve()
                if target != root and root not in target.parents:    # a symlink already inside dest
                    raise UnsafeFileError(
                        f"{path}: member {member.name!r} resolves outside {dest}; refusing, "
                        "remove links from the target folder."
                    )
                if member.isdir():
                    target.mkdir(parents=True, exist_ok=True)
                    os.chmod(target, 0o755)
                    continue
                with tf.extractfile(member) as src, atomic_write(target, "wb") as out:
                    while chunk := src.read(1 << 20):
                        out.write(chunk)
                os.chmod(target, 0o644)
                written.append(target)
        except (tarfile.TarError, EOFError, zlib.error) as e:
            raise DataError(f"{path}: the tar archive is corrupt or truncated ({e}); download it again.") from None
    return written
