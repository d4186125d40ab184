"""Data for chainrule (``cr.data``): toy sets, CIFAR-10, (Fashion-)MNIST, image folders, loading and batching.

Works on plain NumPy arrays and imports only NumPy (Pillow is imported when images are decoded).
Typical use::

    splits = cr.data.load_dataset("cifar10", data_dir="~/data")     # train / val / test, X float32 (N, 3072)
    loader = cr.data.DataLoader(splits.train, batch_size=200, shuffle=True, seed=0)
    for X_batch, y_batch in loader: ...

Image layout: NHWC (N, H, W, C); flattened images are rows in HWC order.
"""
from .archive import check_member, iter_tar_files, list_tar, safe_extract
from .cache import cache_dir, cached
from .cifar import CIFAR10_CLASSES, load_cifar10_binary, load_cifar10_python, read_binary_batch, read_python_batch
from .dataset import Dataset, RawData, Splits
from .download import DOWNLOADS, default_download_dir, download, fetch, file_sha256
from .folder import CIFAR10_JPEG_NAME, load_image_folder
from .idx import FASHION_MNIST_CLASSES, MNIST_CLASSES, load_idx_folder, parse_idx, read_idx
from .images import MissingDependencyError, decode_image, decode_images
from .loader import DataLoader
from .preprocess import NORMALIZE_MODES, Preprocessor, train_val_split
from .registry import DATASET_NAMES, available_datasets, load_dataset, search_path
from .safe_pickle import RestrictedUnpickler, safe_loads
from .toy import circles, moons, spiral, xor
from .transforms import Compose, RandomCrop, RandomHorizontalFlip, Transform, standard_augmentation

__all__ = [
    "load_dataset", "available_datasets", "search_path", "DATASET_NAMES",
    "Dataset", "Splits", "RawData", "DataLoader",
    "spiral", "moons", "circles", "xor",
    "Preprocessor", "NORMALIZE_MODES", "train_val_split",
    "Transform", "RandomHorizontalFlip", "RandomCrop", "Compose", "standard_augmentation",
    "CIFAR10_CLASSES", "CIFAR10_JPEG_NAME", "load_cifar10_python", "load_cifar10_binary",
    "read_python_batch", "read_binary_batch",
    "FASHION_MNIST_CLASSES", "MNIST_CLASSES", "read_idx", "parse_idx", "load_idx_folder",
    "load_image_folder", "decode_image", "decode_images", "MissingDependencyError",
    "iter_tar_files", "list_tar", "safe_extract", "check_member",
    "RestrictedUnpickler", "safe_loads",
    "download", "fetch", "file_sha256", "default_download_dir", "DOWNLOADS",
    "cache_dir", "cached",
]
