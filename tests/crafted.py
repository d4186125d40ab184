"""Writers of crafted files (what an attacker would hand chainrule): edited checkpoint headers, tar headers
that lie about their members, pickles with deep or shared nesting."""
from __future__ import annotations

import io
import json
import struct
import tarfile
from pathlib import Path


def edit_header(path, edit):
    """Rewrite the safetensors JSON header of ``path``: ``edit(header_dict)`` changes it in place, or returns
    the new header text."""
    blob = Path(path).read_bytes()
    n = struct.unpack("<Q", blob[:8])[0]
    header, body = json.loads(blob[8:8 + n]), blob[8 + n:]
    text = edit(header)
    raw = (text if isinstance(text, str) else json.dumps(header)).encode()
    Path(path).write_bytes(struct.pack("<Q", len(raw)) + raw + body)


def edit_doc(path, edit):
    """Rewrite chainrule's JSON document in the header of ``path``: ``edit(doc)`` changes it in place, or
    returns the new document text."""
    def change(header):
        doc = json.loads(header["__metadata__"]["chainrule"])
        text = edit(doc)
        header["__metadata__"]["chainrule"] = text if isinstance(text, str) else json.dumps(doc)
    edit_header(path, change)


def _checksum(block: bytearray) -> bytearray:
    block[148:156] = b" " * 8
    block[148:156] = b"%06o\0 " % sum(block)
    return block


def tar_header(name: str, size: int, type_=tarfile.REGTYPE) -> bytearray:
    """A GNU tar header block for a member ``name`` claiming ``size`` bytes (base-256 if large)."""
    info = tarfile.TarInfo(name)
    info.size, info.type = size, type_
    return bytearray(info.tobuf(format=tarfile.GNU_FORMAT)[-512:])


def sparse_tar(name: str, real_size: int) -> bytes:
    """A 10 KB tar holding an old-GNU sparse member that expands to ``real_size`` bytes (one 512-byte
    block of data at its end, holes before)."""
    block = tar_header(name, 512, tarfile.GNUTYPE_SPARSE)
    block[386:398] = b"%011o\0" % (real_size - 512)       # sparse map: offset, length
    block[398:410] = b"%011o\0" % 512
    block[483:495] = b"%011o\0" % real_size               # the expanded size
    return bytes(_checksum(block)) + b"x" * 512 + bytes(tarfile.RECORDSIZE)


def lying_tar(name: str, claimed: int, data: bytes = b"x" * 1000) -> bytes:
    """A small tar whose member ``name`` claims ``claimed`` bytes but holds ``data``."""
    return bytes(tar_header(name, claimed)) + data + bytes(-len(data) % 512) + bytes(tarfile.RECORDSIZE)


class Zeros(io.RawIOBase):
    """``n`` zero bytes, read in chunks (a tar.gz bomb written without holding it in memory)."""

    def __init__(self, n):
        self.left = n

    def readable(self):
        return True

    def readinto(self, buf):
        k = min(len(buf), self.left)
        buf[:k] = bytes(k)
        self.left -= k
        return k


def zeros_tar_gz(path, name: str, size: int) -> None:
    """A .tar.gz whose member ``name`` is ``size`` zero bytes (about size / 1000 bytes on disk)."""
    with tarfile.open(path, "w:gz") as tf:
        info = tarfile.TarInfo(name)
        info.size = size
        tf.addfile(info, io.BufferedReader(Zeros(size)))


def deep_list_pickle(depth: int) -> bytes:
    """Protocol-2 opcodes for a list nested ``depth`` deep ([[[...]]]), which pickle.dumps cannot write."""
    return b"]" * depth + b"a" * (depth - 1)


def with_labels(prefix_pickle: bytes, labels_opcodes: bytes) -> bytes:
    """``prefix_pickle`` (a pickled dict) with key "labels" set to what ``labels_opcodes`` build."""
    assert prefix_pickle.endswith(b".")
    key = b"X" + struct.pack("<I", 6) + b"labels"
    return prefix_pickle[:-1] + key + labels_opcodes + b"s."
