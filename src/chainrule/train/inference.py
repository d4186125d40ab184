"""Using a trained run on data: load a checkpoint with its preprocessing, evaluate a split, classify images."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._files import read_regular
from ..errors import CheckpointError, ConfigError, DataError
from ..nn import functional as F
from .metrics import evaluate, predict_scores
from .runs import find_checkpoint


@dataclass
class Loaded:
    """A model from a checkpoint, with what it was trained on: ``info`` holds ``dataset``, ``name``,
    ``classes``, ``image_shape``, ``num_features``, ``config``; ``preprocessor`` maps raw samples to inputs."""

    model: object
    info: dict
    preprocessor: object
    path: Path

    @property
    def classes(self) -> list:
        return list(self.info.get("classes") or [str(i) for i in range(self.model.out_features)])

    @property
    def config(self) -> dict:
        return self.info.get("config") or {}


def load_trained(target, kind: str = "best") -> Loaded:
    """The model in run folder ``target`` (its ``kind`` checkpoint) or in checkpoint file ``target``; its run
    information is checked against the model (image shape, classes, preprocessing) as strictly as the weights."""
    from ..io import load_checkpoint, read_metadata
    path = find_checkpoint(target, kind)
    meta = read_metadata(path)
    if meta.get("kind") != "checkpoint":
        raise CheckpointError(f"{path} is a {meta.get('kind')} file without the data set and preprocessing a run "
                              f"checkpoint stores; pass a run folder or a checkpoint written by chainrule train.")
    got = load_checkpoint(path, restore_rng=False)
    info = got["extra"].get("run")
    if not isinstance(info, dict):
        raise CheckpointError(f"{path} was not written by chainrule train (it has no run information); pass a "
                              f"run folder or one of its .safetensors checkpoints.")
    model = got["model"]
    try:
        pre = _preprocessor(info.get("preprocessor"), model)
        _check_info(info, model, pre)
    except (TypeError, ValueError, KeyError, IndexError, OverflowError) as e:
        raise CheckpointError(f"{path}: the run information is malformed ({str(e).rstrip('.')}); use a checkpoint "
                              f"written by chainrule train.") from None
    return Loaded(model, info, pre, path)


def _preprocessor(state, model):
    from ..data import Preprocessor
    if state is None:
        return None
    if not isinstance(state, dict):
        raise TypeError(f"preprocessor is a {type(state).__name__}, not a dict")
    state = dict(state)
    for k in ("mean", "std"):
        if state.get(k) is not None:
            state[k] = np.asarray(state[k], dtype=np.float32)
    shape = state.get("sample_shape")
    if shape is not None and _size(shape, "preprocessor sample_shape") != model.in_features:
        raise ValueError(f"preprocessor sample_shape {shape} does not give the model's {model.in_features} inputs")
    pre = Preprocessor().load_state_dict(state)
    for k in ("mean", "std"):
        a = getattr(pre, k)
        if a is not None and a.size not in (1, model.in_features) and (not shape or a.size != shape[-1]):
            raise ValueError(f"preprocessor {k} has {a.size} values for {model.in_features} inputs")
    return pre


def _size(shape, what) -> int:
    """The number of values of ``shape``, a short list of positive ints."""
    if not isinstance(shape, (list, tuple)) or not 1 <= len(shape) <= 8 or not all(
            isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in shape):
        raise ValueError(f"{what} {str(shape)[:80]} is not a list of positive integers")
    return int(np.prod(shape, dtype=object))


def _check_info(info, model, pre):
    """The run information must fit the model: image_shape its inputs, classes its outputs, config a dict."""
    shape = info.get("image_shape")
    if shape:
        if _size(shape, "image_shape") != model.in_features or len(shape) != 3:
            raise ValueError(f"image_shape {str(shape)[:80]} does not give the model's {model.in_features} inputs")
    classes = info.get("classes")
    if classes is not None and (not isinstance(classes, list) or len(classes) != model.out_features or
                                not all(isinstance(c, str) and len(c) <= 100 for c in classes)):
        raise ValueError(f"classes should be {model.out_features} short names")
    cfg = info.get("config") or {}
    if not isinstance(cfg, dict):
        raise TypeError("config is not a dict")
    for key, types in (("dataset", str), ("data_dir", str), ("seed", int), ("val_size", (int, float))):
        for where in (info, cfg):
            value = where.get(key)
            if value is not None and (not isinstance(value, types) or isinstance(value, bool)):
                raise TypeError(f"{key} is {str(value)[:80]!r}")


def load_raw_split(loaded: Loaded, dataset: str | None, split: str, data_dir=None, download: bool = False):
    """``(X, y, classes, name)`` of ``split`` of ``dataset`` (default: the run's), preprocessed the run's way."""
    from ..data import load_dataset
    cfg = loaded.config
    name = dataset or loaded.info.get("dataset") or cfg.get("dataset")
    same = name == (loaded.info.get("dataset") or cfg.get("dataset"))
    data_dir = data_dir if data_dir is not None else (cfg.get("data_dir") if same else None)
    splits = load_dataset(name, data_dir=data_dir, val_size=cfg.get("val_size") if same else None,
                          seed=cfg.get("seed", 0), normalize="none", flatten=False, download=download)
    ds = getattr(splits, split)
    X = ds.X
    if loaded.preprocessor is not None and loaded.preprocessor.fitted:
        shape = tuple(loaded.preprocessor.sample_shape)
        if int(np.prod(X.shape[1:])) != int(np.prod(shape)):
            raise DataError(f"{splits.name} has samples of shape {X.shape[1:]} but the model was trained on "
                            f"{shape} ({loaded.info.get('name')}); evaluate it on data of that shape.")
        X = loaded.preprocessor.transform(X.reshape((len(X),) + shape))
    else:
        X = X.reshape(len(X), -1)
    features = loaded.model.in_features
    if X.shape[1] != features:
        raise DataError(f"{splits.name} has {X.shape[1]} features per sample but the model expects {features}; "
                        f"evaluate it on the data set it was trained for ({loaded.info.get('name')}).")
    classes = list(splits.classes)
    if len(classes) != len(loaded.classes):
        raise DataError(f"{splits.name} has {len(classes)} classes but the model predicts {len(loaded.classes)}; "
                        f"evaluate it on data with the same classes.")
    return np.ascontiguousarray(X, dtype=np.float32), ds.y, classes, splits.name


def evaluate_split(loaded: Loaded, dataset=None, split: str = "test", data_dir=None, batch_size: int = 1000,
                   download: bool = False) -> dict:
    """Accuracy, loss, per-class accuracy and confusion matrix of the loaded model on one split."""
    if split not in ("train", "val", "test"):
        raise ConfigError(f"unknown split {split!r}; valid splits are train, val, test.")
    X, y, classes, name = load_raw_split(loaded, dataset, split, data_dir, download)
    result = evaluate(loaded.model, X, y, num_classes=len(classes), batch_size=batch_size, details=True)
    result.update({"dataset": name, "split": split, "classes": classes, "checkpoint": str(loaded.path)})
    return result


def classify_images(loaded: Loaded, paths, top: int = 3) -> list:
    """For each image file: ``(path, [(class, probability), ...])``, the ``top`` most probable classes."""
    from ..data import decode_image
    shape = loaded.info.get("image_shape")
    if not shape:
        raise ConfigError(f"this model was trained on {loaded.info.get('name')}, which has no images "
                          f"({loaded.info.get('num_features')} features per sample); predict needs an image model.")
    h, w, c = shape
    mode = {1: "L", 3: "RGB"}.get(c)
    if mode is None:
        raise ConfigError(f"images with {c} channels are not supported by predict (1 or 3).")
    arrays = []
    for p in paths:
        data = read_regular(p, "image file")     # OSError: reported by the command as one line
        arrays.append(decode_image(data, str(p), mode=mode, size=(h, w)))
    raw = np.stack(arrays)
    X = loaded.preprocessor.transform(raw) if loaded.preprocessor is not None else raw.reshape(len(raw), -1)
    probs = F.softmax(predict_scores(loaded.model, X).astype(np.float64), dim=1)
    classes = loaded.classes
    k = max(1, min(int(top), len(classes)))
    out = []
    for p, row in zip(paths, probs):
        order = np.argsort(-row, kind="stable")[:k]
        out.append((str(p), [(classes[i], float(row[i])) for i in order]))
    return out
