"""`load_dataset`: one entry point from a data set's name to preprocessed train/val/test `Splits`.

Names: ``spiral``, ``moons``, ``circles``, ``xor``, ``noisy-spiral`` (generated), ``cifar10``, ``fashion-mnist``,
``mnist`` (searched for on disk, optionally downloaded) and ``folder:PATH`` (an image folder or a tar of one).
"""
from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from ..errors import ConfigError, DataError
from .cache import cache_dir, cached
from .cifar import find_cifar10_official
from .dataset import Dataset, RawData, Splits
from .download import default_download_dir, fetch
from .folder import is_archive, load_image_folder
from .idx import FASHION_MNIST_CLASSES, IDX_FILES, MNIST_CLASSES, has_idx_files, idx_file, load_idx_folder
from .preprocess import SPLIT_METHODS, Preprocessor, train_val_split
from .toy import MAX_SAMPLES as MAX_TOY_SAMPLES
from .toy import TOY_DATASETS

DATASET_NAMES = ("spiral", "moons", "circles", "xor", "noisy-spiral", "cifar10", "fashion-mnist", "mnist", "folder:PATH")
ALIASES = {"cifar-10": "cifar10", "cifar_10": "cifar10", "fashion_mnist": "fashion-mnist",
           "fashionmnist": "fashion-mnist", "fmnist": "fashion-mnist"}
#: Toy sets with preset generator options: ``name: (generator, options, validation size)``. ``noisy-spiral`` is
#: lecture 3.1's data: few noisy points (30 per class, angle noise 0.8), where a big net without regularization
#: fits the noise, and a large fresh validation draw (600 points), so that comparing models is not noise itself.
TOY_PRESETS = {"noisy-spiral": ("spiral", {"n_per_class": 30, "noise": 0.8}, 600)}
DATA_ENV_VAR = "CHAINRULE_DATA"
FASHION_MNIST_SYSTEM_DIR = Path("/usr/share/datasets/fashion-mnist")     # Debian: apt-get install dataset-fashion-mnist
DEFAULT_VAL_SIZE = {"cifar10": 1000, "fashion-mnist": 1000, "mnist": 1000}  # CS231n: 49,000 / 1,000
CIFAR10_NAME_PREFIXES = ("cifar10", "cifar-10", "cifar_10")
DOWNLOAD_SIZES = {"cifar10": "163 MB", "fashion-mnist": "30 MB", "mnist": "11 MB"}


def available_datasets() -> tuple:
    """The names `load_dataset` accepts."""
    return DATASET_NAMES


def search_path(data_dir=None, cache=None) -> list:
    """The folders searched for a data set, in order: ``data_dir``, ``$CHAINRULE_DATA``, the download folder
    (``<cache>/datasets``) and ``./data``. The Python API, the lectures and the ``chainrule`` command all
    search these."""
    return _search_dirs(data_dir, cache)


def _search_dirs(data_dir, cache) -> list:
    dirs = [Path(data_dir).expanduser()] if data_dir is not None else []
    if os.environ.get(DATA_ENV_VAR):
        dirs.append(Path(os.environ[DATA_ENV_VAR]).expanduser())
    dirs += [default_download_dir(cache), Path.cwd() / "data"]
    out = []
    for d in dirs:
        if d not in out:
            out.append(d)
    return out


def _looked(dirs) -> str:
    return ", ".join(str(d) for d in dirs)


# --------------------------------------------------------------------------------------- locating raw data
def _find_cifar10(dirs):
    """``(kind, path)``: kind "official" (python/binary batches) or "folder" (image folder or its tar)."""
    for d in dirs:
        hit = find_cifar10_official(d)
        if hit is not None:
            return "official", hit
        if d.is_file() and is_archive(d):
            return "folder", d
        if (d / "train").is_dir():
            return "folder", d
        if d.is_dir():
            for child in sorted(d.iterdir()):
                if child.name.lower().startswith(CIFAR10_NAME_PREFIXES) and (
                        (child.is_dir() and (child / "train").is_dir()) or is_archive(child)):
                    return "folder", child
    return None


def _idx_dirs(name, data_dir, dirs):
    sub = {"fashion-mnist": ("fashion-mnist", "fashion_mnist", "FashionMNIST/raw"),
           "mnist": ("mnist", "MNIST/raw")}[name]
    out = []
    for i, d in enumerate(dirs):
        out += [d / s for s in sub]
        if i == 0 and data_dir is not None:
            out.append(d)                     # a folder the user named may hold the files directly
    if name == "fashion-mnist":
        out.append(FASHION_MNIST_SYSTEM_DIR)
    return out


def _not_found(name, looked, into) -> DataError:
    """The error for a data set not found: advice for Python users, and ``cli_message`` for the command line."""
    if name == "cifar10":
        what = ("cifar-10-batches-py, cifar-10-python.tar.gz, cifar-10-batches-bin, cifar-10-binary.tar.gz, or an "
                "image folder (or .tar) named cifar10* holding train/<class>/ and test/<class>/")
    else:
        what = ("the four IDX files train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], "
                "t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]")
    apt = "install it with apt-get install dataset-fashion-mnist (Debian/Ubuntu), or " if name == "fashion-mnist" else ""
    start = f"{name} not found: looked in {looked} for {what}; {apt}"
    error = DataError(f"{start}download it with chainrule.data.fetch('{name}') or load_dataset('{name}', "
                      f"download=True), or pass data_dir= naming the folder that holds it (or set ${DATA_ENV_VAR}).")
    error.cli_message = (f"{start}add --download to fetch it from the official site ({DOWNLOAD_SIZES[name]}, into "
                         f"{into}), or pass --data-dir DIR naming the folder that holds it (or set ${DATA_ENV_VAR}).")
    return error


def _load_raw(name, data_dir, cache, refresh, use_cache, download, image_size, workers, mode):
    def run(kind, sources, build, options=None):
        if not use_cache:
            return build()
        return cached(kind, sources, build, cache=cache, refresh=refresh, options=options)

    folder_opts = {"mode": mode, "image_size": list(image_size) if image_size else None}
    if name.startswith("folder:"):
        path = Path(name[len("folder:"):]).expanduser()
        if not path.exists():
            raise DataError(f"{path}: no such folder or archive; pass folder:PATH naming an image folder or a .tar of one.")
        return run("image-folder", [path], lambda: load_image_folder(path, mode, image_size, workers), folder_opts)

    dirs = _search_dirs(data_dir, cache)
    if name == "cifar10":
        hit = _find_cifar10(dirs)
        if hit is None and download:
            fetch("cifar10", data_dir, cache=cache)
            hit = _find_cifar10(dirs)
        if hit is None:
            raise _not_found(name, _looked(dirs), data_dir or default_download_dir(cache))
        kind, found = hit
        if kind == "official":
            loader, path = found
            return run(f"cifar10-{loader.__name__.rsplit('_', 1)[-1]}", [path], lambda: loader(path))
        return run("image-folder", [found], lambda: load_image_folder(found, mode, image_size, workers), folder_opts)

    # MNIST-style IDX data sets
    candidates = _idx_dirs(name, data_dir, dirs)
    found = next((d for d in candidates if d.is_dir() and has_idx_files(d)), None)
    if found is None and download:
        fetch(name, data_dir, cache=cache)
        found = next((d for d in candidates if d.is_dir() and has_idx_files(d)), None)
    if found is None:
        raise _not_found(name, _looked(candidates), data_dir or default_download_dir(cache))
    title, classes = ("Fashion-MNIST", FASHION_MNIST_CLASSES) if name == "fashion-mnist" else ("MNIST", MNIST_CLASSES)
    files = [idx_file(found, stem) for pair in IDX_FILES.values() for stem in pair]
    return run("idx", files, lambda: load_idx_folder(found, title, classes), {"name": title})


def _warn_thin_classes(raw) -> None:
    """Warn about an image folder whose classes cannot be learned or measured: a class with a single
    training image, a class with no test image (its accuracy cannot be measured)."""
    import warnings
    n = len(raw.classes)
    train = np.bincount(raw.splits["train"][1], minlength=n)
    test = np.bincount(raw.splits["test"][1], minlength=n)
    single = [c for c, k in zip(raw.classes, train) if k == 1]
    untested = [c for c, k in zip(raw.classes, test) if k == 0]
    if single:
        warnings.warn(f"{raw.source}: class(es) {', '.join(single)} have a single training image, too few to "
                      f"learn or to hold out for validation; add images to train/<class>/.", stacklevel=3)
    if untested:
        warnings.warn(f"{raw.source}: class(es) {', '.join(untested)} have no test image, so the test accuracy "
                      f"says nothing about them; add images to test/<class>/.", stacklevel=3)


# --------------------------------------------------------------------------------------- toy data
def _toy_raw(name, seed, val_size, options):
    gen = TOY_DATASETS[name]
    try:
        train = gen(seed=seed, **options)
    except TypeError as e:
        raise ConfigError(f"Bad option for data set {name!r} ({e}); see help(chainrule.data.{name}).") from None
    n_classes = train.num_classes

    def draw(split_id, count):
        if count == 0:
            return train.X[:0], train.y[:0]
        sub_seed = int(np.random.SeedSequence([seed, split_id]).generate_state(1)[0])
        per_class = max(1, math.ceil(count / n_classes))
        ds = gen(seed=sub_seed, **{**options, "n_per_class": per_class})
        if len(ds) > count:                           # trim to count, keeping the classes balanced
            keep, _ = train_val_split(ds.y, len(ds) - count, seed=sub_seed)
            ds = ds.subset(keep)
        return ds.X, ds.y

    n_val = len(train) if val_size is None else _count(val_size, len(train))
    if n_val > MAX_TOY_SAMPLES:
        raise ConfigError(f"val_size={val_size!r} asks for more than the {MAX_TOY_SAMPLES:,} points a toy data set "
                          f"may generate; use a smaller count or a fraction.")
    splits = {"train": (train.X, train.y), "val": draw(1, n_val), "test": draw(2, len(train))}
    return RawData(splits, train.classes, name=train.name, source="generated")


def _count(val_size, n):
    if isinstance(val_size, float) and 0 < val_size < 1:
        return int(round(val_size * n))
    try:
        ok = not isinstance(val_size, (bool, str, bytes)) and int(val_size) == val_size and val_size >= 0
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok:
        raise ConfigError(f"val_size={val_size!r} is not a count >= 0 or a fraction in (0, 1).")
    return int(val_size)


# --------------------------------------------------------------------------------------- entry point
def load_dataset(name: str, data_dir=None, val_size=None, seed: int = 0, normalize: str = "auto",
                 flatten: bool = True, split: str = "stratified", *, cache=None, use_cache: bool = True,
                 refresh: bool = False, download: bool = False, image_size=None, mode: str = "RGB",
                 workers=None, check_finite: bool = False, **options) -> Splits:
    """Load data set ``name`` as preprocessed `Splits` (train, val, test), each X float32, y int64.

    ``name``: one of `DATASET_NAMES` (``folder:PATH`` for your own image folder or tar).
    ``data_dir``: where to look first (then ``$CHAINRULE_DATA``, ``<cache>/datasets``, ``./data``, and for
    Fashion-MNIST ``/usr/share/datasets/fashion-mnist``). ``val_size``: samples held out of the training
    split for validation (count or fraction; default 1,000 for CIFAR-10 and (Fashion-)MNIST as in
    CS231n, 10% for other folders unless they have a val/ split, a fresh draw as large as train for toy
    sets), chosen by ``split`` ("stratified", "random" or "last") from ``seed``. ``normalize``: "auto"
    ("per_channel" for images, "none" for toy sets) or a `chainrule.data.preprocess` mode, fitted on the
    training split only. ``flatten``: images as (N, H*W*C) rows (HWC order) rather than (N, H, W, C).
    ``cache``/``use_cache``/``refresh``: the decoded-array cache (see `chainrule.data.cache`).
    ``download``: fetch CIFAR-10/(Fashion-)MNIST from the official sites if not found.
    ``image_size=(H, W)``/``mode`` ("RGB" or "L")/``workers``: image decoding. ``check_finite``: refuse
    (`DataError`) splits whose samples hold NaN or infinity after preprocessing. ``options``: toy
    generator arguments (``n_per_class``, ``noise``, ``n_classes``, ``factor``).
    """
    if not isinstance(name, str):
        raise ConfigError(f"Data set name {name!r} is not a string; valid names are {', '.join(DATASET_NAMES)}.")
    key = name if name.startswith("folder:") else ALIASES.get(name.lower(), name.lower())
    if not key.startswith("folder:") and key not in DATASET_NAMES:
        raise ConfigError(f"Unknown data set {name!r}; valid names are {', '.join(DATASET_NAMES)}.")
    toy = key in TOY_DATASETS or key in TOY_PRESETS
    if options and not toy:
        raise ConfigError(f"Unexpected options {sorted(options)} for data set {key!r}; they apply to the toy sets only.")
    try:
        ok = not isinstance(seed, (bool, str, bytes)) and int(seed) == seed and seed >= 0
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok:
        raise ConfigError(f"seed={seed!r} is not an integer >= 0.")
    if split not in SPLIT_METHODS:
        raise ConfigError(f"Unknown split method {split!r}; use one of {', '.join(SPLIT_METHODS)}.")

    if key in TOY_PRESETS:
        base, preset, n_val = TOY_PRESETS[key]
        raw = _toy_raw(base, int(seed), n_val if val_size is None else val_size, {**preset, **options})
        raw.name = key
    elif key in TOY_DATASETS:
        raw = _toy_raw(key, int(seed), val_size, options)
    else:
        raw = _load_raw(key, data_dir, cache, refresh, use_cache, download, image_size, workers, mode)
    if "test" not in raw.splits:
        raise DataError(f"{raw.source}: no test split; add a test/<class>/ folder next to train/.")
    if key.startswith("folder:"):
        _warn_thin_classes(raw)

    images = raw.image_shape is not None
    mode_ = ("per_channel" if images else "none") if normalize == "auto" else normalize
    Xtr, ytr = raw.splits["train"]
    if "val" in raw.splits and (val_size is None or toy):
        Xva, yva = raw.splits["val"]
        tr_idx = None
    else:
        default = DEFAULT_VAL_SIZE.get(key, 1000 if len(ytr) >= 10000 else 0.1)
        tr_idx, va_idx = train_val_split(ytr, default if val_size is None else val_size, seed=int(seed), method=split)
        Xva, yva = Xtr[va_idx], ytr[va_idx]
        Xtr, ytr = Xtr[tr_idx], ytr[tr_idx]
    pre = Preprocessor(mode_, flatten=flatten).fit(Xtr)
    Xte, yte = raw.splits["test"]

    def make(X, y):
        return Dataset(pre.transform(X), y, raw.classes, raw.name, raw.image_shape, raw.source,
                       check_finite=check_finite)

    splits = Splits(make(Xtr, ytr), make(Xva, yva), make(Xte, yte), preprocessor=pre,
                    info={"dataset": key, "source": raw.source, "normalize": mode_, "val_size": len(yva),
                          "split": split if tr_idx is not None else "given", "seed": int(seed),
                          "cache": str(cache_dir(cache)) if use_cache and not toy else None})
    return splits
