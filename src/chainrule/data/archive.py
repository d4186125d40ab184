"""Reading tar archives safely: members are read straight from the archive, never extracted blindly.

Every member is checked before anything is read: a path that is absolute or climbs out with ``..``,
and any member that is not a plain file or folder (symlink, hard link, device, FIFO), makes the whole
archive refused with `UnsafeFileError`.
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
        raise DataError(f"{path}: not a readable tar archive ({e}); download it again.") from None


def iter_tar_files(path, wanted=None):
    """Yield ``(relative_path, bytes)`` for each plain-file member of the tar at ``path`` (any compression).

    Members are read in archive order in one pass; ``wanted(relative_path) -> bool`` chooses which
    file contents to read (the others are still checked, then skipped). Raises `UnsafeFileError` on the
    first unsafe member and `DataError` if the archive is corrupt or truncated.
    """
    path = Path(path)
    with _open(path) as tf:
        try:
            for member in tf:
                rel = check_member(member, path)
                if not member.isreg() or not rel or (wanted is not None and not wanted(rel)):
                    continue
                f = tf.extractfile(member)
                data = f.read()
                if len(data) != member.size:
                    raise DataError(f"{path}: member {rel!r} is truncated; download the archive again.")
                yield rel, data
        except (tarfile.TarError, OSError, EOFError, zlib.error) as e:
            raise DataError(f"{path}: the tar archive is corrupt or truncated ({e}); download it again.") from None


def list_tar(path) -> list:
    """Relative paths of all plain files in the tar at ``path``, after checking every member."""
    path = Path(path)
    with _open(path) as tf:
        try:
            members = tf.getmembers()
        except (tarfile.TarError, OSError, EOFError, zlib.error) as e:
            raise DataError(f"{path}: the tar archive is corrupt or truncated ({e}); download it again.") from None
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
        try:
            members = tf.getmembers()
        except (tarfile.TarError, OSError, EOFError, zlib.error) as e:
            raise DataError(f"{path}: the tar archive is corrupt or truncated ({e}); download it again.") from None
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
