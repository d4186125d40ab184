"""Tar safety: path traversal, absolute paths, links and devices are refused before anything is read or written."""
import tarfile

import pytest

import chainrule.data as crd
from chainrule.errors import DataError, UnsafeFileError
from data_helpers import add_bytes


def make_tar(path, members):
    with tarfile.open(path, "w") as tf:
        for name, kind in members:
            if kind == "file":
                add_bytes(tf, name, b"hello")
            elif kind == "dir":
                info = tarfile.TarInfo(name)
                info.type = tarfile.DIRTYPE
                tf.addfile(info)
            elif kind == "symlink":
                info = tarfile.TarInfo(name)
                info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
                tf.addfile(info)
            elif kind == "hardlink":
                info = tarfile.TarInfo(name)
                info.type, info.linkname = tarfile.LNKTYPE, "ok.txt"
                tf.addfile(info)
            elif kind == "device":
                info = tarfile.TarInfo(name)
                info.type = tarfile.CHRTYPE
                tf.addfile(info)
            elif kind == "fifo":
                info = tarfile.TarInfo(name)
                info.type = tarfile.FIFOTYPE
                tf.addfile(info)
    return path


@pytest.mark.parametrize("name,kind,msg", [
    ("../evil", "file", "outside"),
    ("a/../../evil", "file", "outside"),
    ("/tmp/evil", "file", "absolute"),
    ("C:/evil", "file", "absolute"),
    ("link", "symlink", "symbolic link"),
    ("hard", "hardlink", "hard link"),
    ("dev", "device", "device"),
    ("fifo", "fifo", "FIFO"),
])
def test_unsafe_members_refused(tmp_path, name, kind, msg):
    tar = make_tar(tmp_path / "a.tar", [("ok.txt", "file"), (name, kind)])
    dest = tmp_path / "out"
    with pytest.raises(UnsafeFileError, match=msg):
        crd.safe_extract(tar, dest)
    assert not (tmp_path / "evil").exists() and list(dest.iterdir()) == []     # nothing written
    with pytest.raises(UnsafeFileError, match="a.tar"):
        list(crd.iter_tar_files(tar))
    with pytest.raises(UnsafeFileError):
        crd.list_tar(tar)


def test_safe_tar_extracts_and_reads(tmp_path):
    tar = make_tar(tmp_path / "ok.tar", [("d", "dir"), ("d/x.txt", "file"), ("./y.txt", "file")])
    assert dict(crd.iter_tar_files(tar)) == {"d/x.txt": b"hello", "y.txt": b"hello"}
    assert crd.list_tar(tar) == ["d/x.txt", "y.txt"]
    written = crd.safe_extract(tar, tmp_path / "out")
    assert sorted(p.relative_to((tmp_path / "out").resolve()).as_posix() for p in written) == ["d/x.txt", "y.txt"]
    assert (tmp_path / "out" / "d" / "x.txt").read_bytes() == b"hello"


def test_symlink_in_image_tar_refused(tmp_path, write_image_folder):
    write_image_folder(tmp_path / "ds")
    tar = tmp_path / "ds.tar"
    with tarfile.open(tar, "w") as tf:
        tf.add(tmp_path / "ds", arcname="ds")
        info = tarfile.TarInfo("ds/train/cat/zzz.png")
        info.type, info.linkname = tarfile.SYMTYPE, "/etc/shadow"
        tf.addfile(info)
    with pytest.raises(UnsafeFileError, match="symbolic link"):
        crd.load_image_folder(tar)


def test_corrupt_and_missing_archives(tmp_path):
    bad = tmp_path / "bad.tar.gz"
    bad.write_bytes(b"\x1f\x8b\x08\x00garbage")
    with pytest.raises(DataError, match="bad.tar.gz"):
        list(crd.iter_tar_files(bad))
    with pytest.raises(DataError, match="no such archive"):
        list(crd.iter_tar_files(tmp_path / "nope.tar"))
    tar = make_tar(tmp_path / "t.tar", [("a.txt", "file")])
    tar.write_bytes(tar.read_bytes()[:600])       # header survives, data is cut
    with pytest.raises(DataError, match="t.tar"):
        list(crd.iter_tar_files(tar))


@pytest.mark.parametrize("name,msg", [("..\\evil", "outside"), ("a\\..\\..\\evil", "outside"),
                                      ("\\evil", "absolute"), ("C:\\evil", "absolute")])
def test_windows_separators_cannot_escape(tmp_path, name, msg):
    tar = make_tar(tmp_path / "w.tar", [(name, "file")])
    with pytest.raises(UnsafeFileError, match=msg):
        crd.safe_extract(tar, tmp_path / "out")
    assert not (tmp_path / "evil").exists()


def test_a_link_already_inside_the_target_folder_is_not_followed(tmp_path):
    """A clean archive cannot write through a symlink someone left in the target folder."""
    outside = tmp_path / "outside"
    outside.mkdir()
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "sub").symlink_to(outside, target_is_directory=True)
    tar = make_tar(tmp_path / "clean.tar", [("sub/evil.txt", "file")])
    with pytest.raises(UnsafeFileError, match="resolves outside"):
        crd.safe_extract(tar, dest)
    assert list(outside.iterdir()) == []


def test_extracted_files_get_plain_modes_whatever_the_archive_says(tmp_path):
    tar_path = tmp_path / "modes.tar"
    with tarfile.open(tar_path, "w") as tf:
        add_bytes(tf, "run.sh", b"#!/bin/sh\n", mode=0o4777)          # setuid, world-writable: not restored
    (written,) = crd.safe_extract(tar_path, tmp_path / "out")
    assert written.stat().st_mode & 0o7777 == 0o644
