"""Image-folder data sets: ``root/{train,val,test}/<class>/<image>``, as a folder or a tar of one.

Class ``k`` is the k-th class folder name of ``train`` in sorted order (as torchvision's ImageFolder);
images are read in sorted path order. A tar is read member by member (never extracted) after every
member has been checked by `chainrule.data.archive`.
"""
from __future__ import annotations

import os
import stat
import tarfile
import warnings
from pathlib import Path

import numpy as np

from .._files import file_kind, read_regular
from ..errors import DataError
from .archive import iter_tar_files
from .cifar import CIFAR10_CLASSES
from .dataset import RawData
from .images import IMAGE_EXTENSIONS, MAX_IMAGE_BYTES, decode_images

SPLIT_ALIASES = {"train": "train", "training": "train", "val": "val", "valid": "val", "validation": "val",
                 "test": "test", "testing": "test"}
TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")
CIFAR10_JPEG_NAME = "CIFAR-10 (JPEG copy)"


def is_image(rel: str) -> bool:
    base = rel.rsplit("/", 1)[-1]
    return not base.startswith(".") and base.lower().endswith(IMAGE_EXTENSIONS)


def is_archive(path) -> bool:
    return Path(path).is_file() and str(path).lower().endswith(TAR_SUFFIXES)


def _layout(rel: str):
    """``(prefix, split, class)`` if ``rel`` is ``[prefix/]split/class/file``, else None."""
    parts = rel.split("/")
    if len(parts) < 3 or parts[-3].lower() not in SPLIT_ALIASES:
        return None
    return "/".join(parts[:-3]), SPLIT_ALIASES[parts[-3].lower()], parts[-2]


def plan_folder(rels, where):
    """Sort image paths into splits: ``(prefix, {split: [(rel, label)]}, classes)``; DataError if the layout is wrong."""
    found = {}
    for rel in rels:
        if not is_image(rel):
            continue
        lay = _layout(rel)
        if lay is not None:
            found.setdefault(lay[0], []).append((rel, lay[1], lay[2]))
    if not found:
        raise DataError(
            f"{where}: no images in a root/train/<class>/<image> layout (extensions {', '.join(IMAGE_EXTENSIONS)}); "
            "arrange the images so, or point at the folder that holds train/ and test/."
        )
    with_train = {p: v for p, v in found.items() if any(s == "train" for _, s, _ in v)}
    if len(with_train) != 1:
        roots = sorted(with_train or found)
        raise DataError(
            f"{where}: found {'no' if not with_train else len(with_train)} folders with a train/ split "
            f"({', '.join(repr(r or '.') for r in roots[:3])}); point at exactly one data set root."
        )
    prefix, entries = next(iter(with_train.items()))
    classes = sorted({c for _, s, c in entries if s == "train"})
    index = {c: k for k, c in enumerate(classes)}
    splits = {}
    for rel, split, cls in sorted(entries):
        if cls not in index:
            raise DataError(f"{where}: class folder {cls!r} appears in {split}/ but not in train/; "
                            "add it to train/ or remove it.")
        splits.setdefault(split, []).append((rel, index[cls]))
    return prefix, splits, classes


def _walk(root: Path) -> list:
    """Relative paths of the regular files under ``root`` (symlinks to regular files included); anything
    else named like an image (FIFO, device, socket, dangling link) is skipped with one warning."""
    rels, skipped = [], []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        base = Path(dirpath).relative_to(root).as_posix()
        for f in filenames:
            rel = f if base == "." else f"{base}/{f}"
            try:
                mode = os.stat(root / rel).st_mode
            except OSError:
                mode = 0
            if stat.S_ISREG(mode):
                rels.append(rel)
            elif is_image(rel):
                skipped.append(f"{rel} ({file_kind(mode) if mode else 'a dangling link'})")
    if skipped:
        warnings.warn(f"{root}: skipped {len(skipped)} entries that are not regular files: {', '.join(skipped[:5])}"
                      f"{', ...' if len(skipped) > 5 else ''}.", stacklevel=3)
    return rels


def _read_files(root: Path, rels):
    for rel in rels:
        try:
            yield str(root / rel), read_regular(root / rel, "image file")
        except OSError as e:
            raise DataError(f"{root / rel}: cannot read the file ({e}); check its permissions.") from None


def _in_layout(rel: str) -> bool:
    return is_image(rel) and _layout(rel) is not None


def display_name(classes, image_shape, rels, fallback: str) -> str:
    """"CIFAR-10 (JPEG copy)" for CIFAR-10 re-encoded as JPEG, "CIFAR-10 (image folder)" for other
    encodings, else ``fallback``."""
    if list(classes) == CIFAR10_CLASSES and tuple(image_shape) == (32, 32, 3):
        jpeg = all(r.lower().endswith((".jpg", ".jpeg")) for r in rels)
        return CIFAR10_JPEG_NAME if jpeg else "CIFAR-10 (image folder)"
    return fallback


def load_image_folder(path, mode: str = "RGB", image_size=None, workers=None, name=None) -> RawData:
    """Read an image-folder data set from folder or tar ``path``.

    Returns `RawData` whose splits hold uint8 images (N, H, W, C) (C = 3 for ``mode="RGB"``, 1 for "L")
    and int64 labels. All images must have one size unless ``image_size=(H, W)`` resizes them.
    ``workers`` decoding processes (default: the usable CPUs, for large sets).
    """
    path = Path(path)
    if path.is_dir():
        prefix, plan, classes = plan_folder(_walk(path), path)
        rels = [rel for split in ("train", "val", "test") for rel, _ in plan.get(split, [])]
        images = decode_images(_read_files(path, rels), mode=mode, size=image_size, workers=workers)
    elif path.is_file():
        try:                              # a cut-short .tar is still a tar: say so, not "neither"
            is_tar = tarfile.is_tarfile(path) or path.name.lower().endswith(TAR_SUFFIXES)
        except OSError:
            is_tar = False
        if not is_tar:
            raise DataError(f"{path}: neither a folder nor a tar archive; pass a folder with train/ and test/ "
                            "or a .tar of one.")
        names, read_whole = [], []

        def stream():                     # decode in archive order while the tar is still being read
            for rel, data in iter_tar_files(path, wanted=_in_layout, max_size=MAX_IMAGE_BYTES, what="an image file"):
                names.append(rel)
                yield f"{path}/{rel}", data
            read_whole.append(True)

        try:
            images = decode_images(stream(), mode=mode, size=image_size, workers=workers)
        except DataError:
            if read_whole and not names:
                plan_folder(names, path)          # raises the clearer "no images in the layout" error
            raise
        prefix, plan, classes = plan_folder(names, path)
        rels = [rel for split in ("train", "val", "test") for rel, _ in plan.get(split, [])]
        position = {rel: i for i, rel in enumerate(names)}
        images = images[np.array([position[rel] for rel in rels], dtype=np.int64)]
    else:
        raise DataError(f"{path}: no such folder or archive; check the path.")
    splits, start = {}, 0
    for split in ("train", "val", "test"):
        entries = plan.get(split, [])
        if entries:
            labels = np.array([label for _, label in entries], dtype=np.int64)
            splits[split] = (images[start:start + len(entries)], labels)
            start += len(entries)
    shape = images.shape[1:]
    base = Path(prefix).name if prefix else path.name
    for suffix in TAR_SUFFIXES:
        if base.lower().endswith(suffix):
            base = base[: -len(suffix)]
    title = name or display_name(classes, shape, rels, base)
    return RawData(splits, classes, name=title, source=str(path), image_shape=shape)
