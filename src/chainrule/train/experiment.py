"""From a `TrainConfig` to a finished run: data, model, optimizer, schedule, loader, trainer, pictures.

`run_experiment(cfg)` is what ``chainrule train`` does; `resume_experiment(path)` is ``--resume``. The
pieces (`load_data`, `build_model`, `build_optimizer`, `build_scheduler`) are usable on their own.
Everything random is seeded from ``cfg.seed``: the validation split, the ``--subset`` draw, the initial
weights (``cr.manual_seed``), the shuffling and augmentation of the loader, the dropout masks.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from .. import _run_callbacks, distributed
from .._version import __version__
from .. import random as _random
from ..errors import CheckpointError, ConfigError
from .config import TrainConfig, absolute_paths, check
from .progress import Progress
from .runs import RunDir
from .trainer import FitResult, Trainer

MAX_PARAMETERS = 1 << 28        # 268 million: 1 GiB of float32 weights, about 4 GiB with gradients and Adam


# --------------------------------------------------------------------------------------- data
def load_data(cfg: TrainConfig):
    """The `chainrule.data.Splits` for ``cfg`` (train cut to ``cfg.subset`` examples when given)."""
    from ..data import load_dataset, train_val_split
    splits = load_dataset(cfg.dataset, data_dir=cfg.data_dir, val_size=cfg.val_size, seed=cfg.seed,
                          normalize=cfg.normalize, download=cfg.download)
    if cfg.subset is not None and cfg.subset < len(splits.train):
        _, keep = train_val_split(splits.train.y, cfg.subset, seed=cfg.seed)
        splits.train = splits.train.subset(keep)
    return splits


def build_augmentation(cfg: TrainConfig, splits):
    if not cfg.augment:
        return None
    if splits.image_shape is None:
        raise ConfigError(f"--augment crops and flips images, but {splits.name} has no images; drop --augment.")
    from ..data import RandomHorizontalFlip, standard_augmentation
    h, w = splits.image_shape[:2]
    padding = cfg.crop_padding if cfg.crop_padding is not None else (4 if min(h, w) >= 32 else 2)
    if padding > max(h, w):
        raise ConfigError(f"--crop-padding {padding} is larger than the {h}x{w} images (the crops would be mostly "
                          f"zeros); use at most {max(h, w)}.")
    if padding == 0:
        return RandomHorizontalFlip(0.5, image_shape=tuple(splits.image_shape))
    return standard_augmentation(splits.image_shape, padding=padding)


def build_loader(cfg: TrainConfig, splits):
    from ..data import DataLoader
    return DataLoader(splits.train, batch_size=cfg.batch_size, shuffle=True, seed=cfg.seed,
                      transform=build_augmentation(cfg, splits))


# --------------------------------------------------------------------------------------- model and optimizer
def build_model(cfg: TrainConfig, num_features: int, num_classes: int):
    """``MLP(D, hidden, C)``; the linear classifier is ``MLP(D, [], C)``. Seeds chainrule's generator first."""
    from ..nn import MLP
    _random.manual_seed(cfg.seed)
    hidden = [] if cfg.model == "linear" else list(cfg.hidden)
    widths = [num_features, *hidden, num_classes]
    count = sum(i * o + o for i, o in zip(widths[:-1], widths[1:]))
    if count > MAX_PARAMETERS:
        raise ConfigError(f"{cfg.describe_model()} on {num_features} features has {count:,} parameters, more than "
                          f"the {MAX_PARAMETERS:,} chainrule trains (4 GiB of float32 with the optimizer's state); "
                          f"use smaller --hidden widths.")
    model = MLP(num_features, hidden, num_classes, activation=cfg.activation, dropout=cfg.dropout)
    if cfg.model == "linear":
        # the linear classifier starts at W = 0 (the loss is convex: no symmetry to break), so its weights
        # are purely what training put there: one template per class, not random noise (lecture 1.2)
        from ..nn import init
        for p in model.parameters():
            init.zeros_(p)
    return model


def build_optimizer(cfg: TrainConfig, model):
    """The optimizer ``cfg.optimizer`` names, over ``model``'s parameters, with its learning rate and options."""
    from .. import optim
    params = list(model.parameters())
    wd = cfg.weight_decay
    name = cfg.optimizer
    if name == "sgd":
        return optim.SGD(params, lr=cfg.lr, weight_decay=wd)
    if name == "momentum":
        return optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum, weight_decay=wd)
    if name == "nesterov":
        return optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum, nesterov=True, weight_decay=wd)
    if name == "rmsprop":
        return optim.RMSprop(params, lr=cfg.lr, weight_decay=wd)
    if name == "adam":
        return optim.Adam(params, lr=cfg.lr, weight_decay=wd)
    if name == "adamw":
        return optim.AdamW(params, lr=cfg.lr, weight_decay=wd)
    raise ConfigError(f"unknown optimizer {name!r}.")  # pragma: no cover - checked by the config


def build_scheduler(cfg: TrainConfig, optimizer, steps_per_epoch: int):
    """The schedule, stepped once per batch; ``warmup`` epochs of linear warmup come first."""
    from ..optim import lr_scheduler as S
    total = cfg.epochs * steps_per_epoch
    warm = min(int(round(cfg.warmup * steps_per_epoch)), total - 1)
    if cfg.schedule == "onecycle":
        pct = warm / total if warm > 0 else 0.3
        cycle = cfg.optimizer in ("momentum", "nesterov", "adam", "adamw")
        return S.OneCycleLR(optimizer, max_lr=cfg.lr, total_steps=total, pct_start=pct, cycle_momentum=cycle,
                            div_factor=25.0, final_div_factor=1e3)
    rest = total - warm
    if cfg.schedule == "none":
        main = S.LambdaLR(optimizer, lambda step: 1.0) if warm else None
    elif cfg.schedule == "step":
        main = S.StepLR(optimizer, step_size=max(1, int(round(cfg.step_size * steps_per_epoch))), gamma=cfg.gamma)
    elif cfg.schedule == "exp":
        main = S.ExponentialLR(optimizer, gamma=cfg.gamma ** (1.0 / steps_per_epoch))
    elif cfg.schedule == "cosine":
        main = S.CosineAnnealingLR(optimizer, T_max=max(1, rest))
    else:  # pragma: no cover - checked by the config
        raise ConfigError(f"unknown schedule {cfg.schedule!r}.")
    if not warm:
        return main
    if main is None:
        return S.LinearLR(optimizer, start_factor=1.0 / (warm + 1), total_iters=warm)
    warmup = S.LinearLR(optimizer, start_factor=1.0 / (warm + 1), total_iters=warm)
    return S.SequentialLR(optimizer, [warmup, main], milestones=[warm])


# --------------------------------------------------------------------------------------- a whole run
@dataclass
class Experiment:
    """Everything a run is made of, built from its config."""

    config: TrainConfig
    splits: object
    model: object
    optimizer: object
    scheduler: object
    loader: object
    trainer: Trainer
    run: RunDir | None


def dataset_info(cfg: TrainConfig, splits) -> dict:
    """What eval and predict need to use a checkpoint on new data (stored in every checkpoint)."""
    pre = splits.preprocessor
    return {"dataset": cfg.dataset, "name": splits.name, "classes": list(splits.classes),
            "image_shape": list(splits.image_shape) if splits.image_shape else None,
            "num_features": int(splits.num_features),
            "preprocessor": pre.state_dict() if pre is not None else None,
            "sizes": {"train": len(splits.train), "val": len(splits.val), "test": len(splits.test)}}


def build_experiment(cfg: TrainConfig, run: RunDir | None = None, progress="auto", splits=None) -> Experiment:
    """Data, model, optimizer, schedule and `Trainer` for ``cfg``, ready to fit (nothing is trained yet)."""
    check(cfg)
    splits = splits if splits is not None else load_data(cfg)
    model = build_model(cfg, splits.num_features, splits.num_classes)
    optimizer = build_optimizer(cfg, model)
    loader = build_loader(cfg, splits)
    if distributed.world_size() > 1:   # data parallel (issue 9): rank 0's weights, this rank's shard, averaged grads
        optimizer = distributed.wrap(model, optimizer, loader, debug_sync=cfg.debug_sync)
    scheduler = build_scheduler(cfg, optimizer, len(loader))
    title = f"{splits.name}: {cfg.describe_model()}, {model.num_parameters():,} parameters"
    trainer = Trainer(model, optimizer, scheduler=scheduler, reg=cfg.reg, epochs=cfg.epochs, run=run,
                      checkpoint_every=cfg.checkpoint_every, detect_anomaly=cfg.detect_anomaly,
                      progress=progress, checkpoint_extra={"run": {"config": cfg.to_dict(),
                                                                   **dataset_info(cfg, splits)}},
                      title=title)
    return Experiment(cfg, splits, model, optimizer, scheduler, loader, trainer, run)


def init_from(model, target) -> None:
    """Copy the weights of a run folder (its best checkpoint) or a checkpoint file into ``model``.

    The weights are matched in order (a dropout layer more or less does not matter); their number and shapes
    must agree, else `ConfigError` says which differs."""
    import numpy as np

    from ..io import load
    from .runs import find_checkpoint
    path = find_checkpoint(target, "best")
    loaded = load(path)
    saved = list((loaded.state_dict() if hasattr(loaded, "state_dict") else loaded).values())
    mine = list(model.state_dict(keep_vars=True).items())
    fix = "use the --model and --hidden of that run, on data with as many inputs and classes"
    if len(saved) != len(mine):
        raise ConfigError(f"--init-from {path}: it holds {len(saved)} weight tensors, this model has {len(mine)}; "
                          f"{fix}.")
    for (key, param), value in zip(mine, saved):
        if _array(value).shape != param.data.shape:
            raise ConfigError(f"--init-from {path}: {key} is {tuple(_array(value).shape)} there and "
                              f"{tuple(param.data.shape)} in this model; {fix}.")
    for (_, param), value in zip(mine, saved):
        np.copyto(param.data, _array(value), casting="same_kind")


def _array(value):
    import numpy as np

    from ..tensor import Tensor
    return np.asarray(value.data if isinstance(value, Tensor) else value)


def default_name(cfg: TrainConfig) -> str:
    data = cfg.dataset.split(":", 1)[-1].rstrip("/").rsplit("/", 1)[-1] if cfg.dataset.startswith("folder:") \
        else cfg.dataset
    data = data.split(".")[0] or "folder"
    return f"{data}-{cfg.model}"


def run_experiment(cfg: TrainConfig, progress: Progress | str = "auto", splits=None, run_name=None,
                   write_pictures: bool | None = None) -> tuple[FitResult, Experiment]:
    """Create the run folder, train, evaluate, write the pictures. Returns ``(result, experiment)``."""
    progress = progress if isinstance(progress, Progress) else Progress(progress)
    check(absolute_paths(cfg))
    splits = splits if splits is not None else load_data(cfg)
    name = run_name or cfg.name or default_name(cfg)
    distributed.check_batch_size(cfg.batch_size)          # data parallel: rank 0 alone writes, after this check
    if not distributed.is_main():
        run, progress = RunDir(Path(cfg.out) / name), Progress("none", results=False)
    else:
        run = RunDir.create(cfg.out, name, cfg.to_dict(), unique=run_name is None and cfg.name is None)
    exp = build_experiment(cfg, run, progress, splits)
    if cfg.init_from:
        init_from(exp.model, cfg.init_from)
    progress.line(f"{exp.trainer.title}; run folder {run.path}")
    progress.line(f"{splits.summary()}")
    _add_pictures(exp, write_pictures)
    t0 = time.perf_counter()
    result = exp.trainer.fit(exp.loader, splits.val, splits.test)
    _after(result, exp, progress, t0)
    return result, exp


def resume_experiment(path, progress: Progress | str = "auto", overrides: dict | None = None,
                      write_pictures: bool | None = None) -> tuple[FitResult, Experiment]:
    """Continue the run in folder ``path`` from its ``last`` checkpoint, exactly."""
    progress = progress if isinstance(progress, Progress) else Progress(progress)
    run = RunDir.open(path)
    saved = run.read_config()
    try:
        cfg = TrainConfig.from_dict(saved, f"{run.path / 'config.json'}")
    except ConfigError as e:
        raise CheckpointError(f"cannot resume: {e}") from None
    planned = cfg.epochs
    for key, value in (overrides or {}).items():
        setattr(cfg, key, value)
    absolute_paths(cfg)
    if cfg.epochs < planned:
        raise ConfigError(f"--epochs {cfg.epochs} is fewer than the {planned} epochs of {run.path}; with --resume, "
                          f"--epochs extends a run: give more than {planned}.")
    if not run.has_checkpoint("last"):
        raise CheckpointError(f"{run.path} has no checkpoint yet (it stopped before the first one); start it "
                              f"again: remove the folder or pick another --name.")
    check(cfg)
    exp = build_experiment(cfg, run, progress)
    if cfg.epochs != planned and exp.trainer.writes:
        run.write_config(cfg.to_dict())              # a later --resume continues the longer run
        progress.line(f"extending {run.path} from {planned} to {cfg.epochs} epochs")
    _add_pictures(exp, write_pictures)
    t0 = time.perf_counter()
    result = exp.trainer.fit(exp.loader, exp.splits.val, exp.splits.test, resume=True)
    _after(result, exp, progress, t0)
    return result, exp


def _add_pictures(exp, write_pictures) -> None:
    """The run's pictures, drawn when it ends (``chainrule.viz.run_pictures``): rank 0 alone, when ``plots``."""
    if exp.run is not None and exp.trainer.writes and (write_pictures if write_pictures is not None
                                                       else exp.config.plots):
        exp.trainer.callbacks += [factory(exp) for factory in _run_callbacks.PICTURES]


def _after(result, exp, progress, t0):
    wall = time.perf_counter() - t0
    if result.final is not None:
        result.final["wall_s"] = round(wall, 2)
        result.final["config"] = exp.config.to_dict()
        result.final["dataset"] = exp.splits.name
        result.final["classes"] = list(exp.splits.classes)
        result.final["model"] = exp.config.describe_model()
        result.final["parameters"] = int(exp.model.num_parameters())
        result.final["command"] = exp.config.command_line()
        result.final["chainrule_version"] = __version__
        if exp.run is not None and exp.trainer.writes:
            exp.run.write_final(result.final)
    if exp.run is not None and exp.trainer.writes:
        progress.result(f"run folder: {exp.run.path}")
