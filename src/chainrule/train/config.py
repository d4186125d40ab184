"""`TrainConfig`: every setting of a training run, its validation, and the per-data-set recipes.

One table (`OPTIONS`) describes each setting once: its type, its parser for command-line text and TOML
values, its help line. The command line (``chainrule train``), ``--config run.toml`` files and the
``config.json`` of a run folder all go through it, so a run is described by the same keys everywhere.

Precedence, lowest first: the defaults below, the recipe for the data set and model (`RECIPES`), the
TOML file, then the flags given on the command line.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path

from .._bounded import MAX_JSON_DEPTH, TooDeep, check_structure
from .._files import read_regular
from .._validate import integer, real
from ..data.registry import ALIASES as DATASET_ALIASES
from ..errors import ConfigError
from ..nn.activations import ACTIVATIONS

MODELS = ("linear", "mlp")
OPTIMIZERS = ("sgd", "momentum", "nesterov", "rmsprop", "adam", "adamw")
SCHEDULES = ("none", "step", "exp", "cosine", "onecycle")
PROGRESS = ("auto", "bar", "plain", "none")
TOY = ("spiral", "moons", "circles", "xor", "noisy-spiral")
ACTIVATION_NAMES = tuple(name for name in ACTIVATIONS if name != "none")
MAX_TOML_BYTES = 1 << 20


@dataclass
class TrainConfig:
    """The settings of one run. ``hidden`` is a tuple of layer widths; ``reg`` is the lecture's L2 strength
    lambda in ``loss = data loss + lambda * sum(W**2)`` over weight matrices (biases are not penalised)."""

    dataset: str = "spiral"
    data_dir: str | None = None
    download: bool = False
    subset: int | None = None
    val_size: float | None = None
    normalize: str = "auto"
    augment: bool = False
    crop_padding: int | None = None
    model: str = "mlp"
    hidden: tuple = (100,)
    activation: str = "relu"
    dropout: float = 0.0
    reg: float = 1e-3
    weight_decay: float = 0.0
    optimizer: str = "sgd"
    lr: float = 1.0
    momentum: float = 0.9
    schedule: str = "none"
    warmup: float = 0.0
    step_size: float = 10.0
    gamma: float = 0.1
    epochs: int = 10
    batch_size: int = 100
    seed: int = 0
    init_from: str | None = None
    checkpoint_every: int = 0
    detect_anomaly: bool = False
    debug_sync: int = 0
    out: str = "runs"
    name: str | None = None
    plots: bool = True
    progress: str = "auto"
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """Plain JSON values (``hidden`` as a list)."""
        d = dataclasses.asdict(self)
        d["hidden"] = list(self.hidden)
        return d

    @classmethod
    def from_dict(cls, values: dict, where: str = "the configuration") -> "TrainConfig":
        """Parse and check ``values`` (as read from JSON or TOML); unknown keys raise ConfigError."""
        return cls(**parse_values(values, where))

    @property
    def dataset_kind(self) -> str:
        """``toy``, ``cifar10``, ``fashion-mnist``, ``mnist`` or ``folder`` (which recipe applies)."""
        return dataset_kind(self.dataset)

    def describe_model(self) -> str:
        """``linear classifier`` or ``2-layer net (100 hidden, relu)``."""
        if self.model == "linear":
            return "linear classifier"
        widths = ",".join(str(h) for h in self.hidden)
        return f"{len(self.hidden) + 1}-layer net ({widths} hidden, {self.activation})"

    def applicable(self) -> dict:
        """`to_dict` without the settings that do not apply to this run (a linear model has no hidden layer,
        plain SGD no momentum, a cosine schedule no step size...)."""
        return {k: v for k, v in self.to_dict().items() if applies(self, k)}

    def command_line(self) -> str:
        """The ``chainrule train`` command that trains this run again: the settings that differ from the
        recipe of its data set and model (a run with the same seed gives the same weights)."""
        import shlex
        base = resolve({"dataset": self.dataset, "model": self.model}).to_dict()
        words = ["chainrule", "train", "--dataset", self.dataset, "--model", self.model]
        for key, value in self.applicable().items():
            if key in ("dataset", "model") or key in NOT_REPRODUCED or value == base[key]:
                continue
            if key in BOOL_OPTIONS:
                words.append(flag(key) if value else "--no-" + key.replace("_", "-"))
                continue
            text = ",".join(map(str, value)) if key == "hidden" else ("none" if value is None else str(value))
            words += [flag(key), text]
        return " ".join(shlex.quote(w) for w in words)


# --------------------------------------------------------------------------------------- value parsers
def flag(key: str) -> str:
    """The command-line flag of setting ``key``: ``--batch-size`` for ``batch_size``."""
    return "--" + key.replace("_", "-")


def _fail(key, value, expected):
    try:
        text = repr(value)
    except ValueError:                          # an integer of thousands of digits
        text = "(an integer of more than 4300 digits)"
    text = text if len(text) <= 100 else text[:100] + "..."
    raise ConfigError(f"{flag(key)} {text} is not {expected}.")


def _int(low, high=2**31 - 1):
    what = f"an integer >= {low}" if high == 2**31 - 1 else f"an integer from {low} to {high}"

    def parse(key, value):
        n = integer(value, text=True)
        if n is None or n < low:
            _fail(key, value, what)
        if n > high:
            _fail(key, value, what if high != 2**31 - 1 else f"{what} (at most {high:,})")
        return n
    return parse


def _float(low=None, high=None, low_open=False, what=None):
    def parse(key, value):
        f = real(value, text=True)
        if f is None:
            _fail(key, value, what or "a number")
        if not math.isfinite(f) or (low is not None and (f <= low if low_open else f < low)) or \
                (high is not None and f >= high):
            _fail(key, value, what or "a number in range")
        return f
    return parse


def _bool(key, value):
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    _fail(key, value, "true or false")


def _choice(names, aliases=None):
    def parse(key, value):
        text = str(value).strip().lower().replace("_", "-") if key != "activation" else str(value).strip().lower()
        text = (aliases or {}).get(text, text)
        if text not in names:
            raise ConfigError(f"unknown {key.replace('_', ' ')} {value!r}; valid names are {', '.join(names)}.")
        return text
    return parse


def _str(key, value):
    if not isinstance(value, str) or not value.strip():
        _fail(key, value, "a non-empty string")
    if any(ord(c) < 32 for c in value):
        _fail(key, value, "a string without control characters (NUL, tab, newline, ...)")
    return value


def _opt(parse):
    def wrapped(key, value):
        if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none")):
            return None
        return parse(key, value)
    return wrapped


def parse_hidden(key, value):
    """``100``, ``"512,256"``, ``"512x256"`` or ``[512, 256]`` -> ``(512, 256)``; ``"none"``/``[]`` -> ``()``."""
    if isinstance(value, (list, tuple)):
        parts = list(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        parts = [value]
    elif isinstance(value, str):
        text = value.strip().lower()
        parts = [] if text in ("", "none", "0") else text.replace("x", ",").split(",")
    else:
        _fail(key, value, "a list of layer widths such as 100 or 512,256")
    out = []
    for p in parts:
        try:
            w = int(str(p).strip())
        except ValueError:
            w = 0
        if w < 1 or isinstance(p, bool):
            _fail(key, value, "a list of positive layer widths such as 100 or 512,256")
        out.append(w)
    return tuple(out)


def parse_dataset(key, value):
    if not isinstance(value, str) or not value.strip():
        _fail(key, value, "a data set name")
    if value.startswith("folder:"):
        if len(value) == len("folder:"):
            raise ConfigError("--dataset folder: needs a path, e.g. folder:~/data/flowers.")
        return value
    from ..data import DATASET_NAMES
    name = DATASET_ALIASES.get(value.strip().lower(), value.strip().lower())
    if name not in DATASET_NAMES:
        raise ConfigError(f"unknown dataset {value!r}; valid names are {', '.join(DATASET_NAMES)}.")
    return name


def _val_size(key, value):
    f = _float(0, what="a count >= 0 or a fraction in (0, 1)")(key, value)
    if f >= 1 and f != int(f):
        _fail(key, value, "a count >= 0 or a fraction in (0, 1)")
    return int(f) if f >= 1 or f == 0 else f


# name -> (parser, metavar, help); the order is the order of ``chainrule train --help``
OPTIONS = {
    "dataset": (parse_dataset, "NAME", "spiral, moons, circles, xor, noisy-spiral, cifar10, fashion-mnist, mnist or folder:PATH"),
    "data_dir": (_opt(_str), "DIR", "folder holding the data set files (searched first)"),
    "download": (_bool, None, "fetch cifar10, fashion-mnist or mnist from the official site if not found"),
    "subset": (_opt(_int(1)), "N", "train on the first N examples of a stratified draw (quick runs)"),
    "val_size": (_opt(_val_size), "N", "validation examples held out of training (count or fraction)"),
    "normalize": (_choice(("auto", "none", "scale", "mean_image", "per_channel", "standardize")), "MODE",
                  "input preprocessing, fitted on the training split"),
    "augment": (_bool, None, "random crops and horizontal flips of training images"),
    "crop_padding": (_opt(_int(0)), "PX", "--augment's crop padding (default 4, or 2 below 32x32; 0: flips only)"),
    "model": (_choice(MODELS), "NAME", "linear (softmax classifier) or mlp (hidden layers)"),
    "hidden": (parse_hidden, "W[,W...]", "hidden layer widths, e.g. 100 or 512,256 (mlp)"),
    "activation": (_choice(ACTIVATION_NAMES, {"leaky-relu": "leaky_relu", "swish": "silu"}), "NAME",
                   "hidden-layer nonlinearity"),
    "dropout": (_float(0, 1, what="a probability in [0, 1)"), "P", "dropout probability after each hidden layer"),
    "reg": (_float(0, what="a number >= 0"), "LAMBDA", "L2 strength: loss += LAMBDA * sum(W**2) over weights"),
    "weight_decay": (_float(0, what="a number >= 0"), "WD", "the optimizer's own weight decay (decoupled for adamw)"),
    "optimizer": (_choice(OPTIMIZERS), "NAME", ", ".join(OPTIMIZERS)),
    "lr": (_float(0, low_open=True, what="a positive number"), "LR", "(peak) learning rate"),
    "momentum": (_float(0, 1, what="a number in [0, 1)"), "M", "momentum (momentum and nesterov optimizers)"),
    "schedule": (_choice(SCHEDULES, {"one-cycle": "onecycle", "cos": "cosine", "constant": "none"}), "NAME",
                 "learning-rate schedule: " + ", ".join(SCHEDULES)),
    "warmup": (_float(0, what="a number of epochs >= 0"), "EPOCHS", "linear warmup before the schedule"),
    "step_size": (_float(0, low_open=True, what="a positive number of epochs"), "EPOCHS", "step schedule: decay every EPOCHS"),
    "gamma": (_float(0, low_open=True, what="a positive number"), "G", "step/exp schedule: decay factor"),
    "epochs": (_int(1), "N", "passes over the training data"),
    "batch_size": (_int(1), "N", "examples per step"),
    "seed": (_int(0, 2**32 - 1), "S", "seed of initialisation, shuffling, dropout and augmentation"),
    "init_from": (_opt(_str), "CHECKPOINT", "start from the weights of a run folder (its best) or a .safetensors file"),
    "checkpoint_every": (_int(0), "STEPS", "also checkpoint every STEPS steps (0: once per epoch)"),
    "detect_anomaly": (_bool, None, "stop at the first op that makes NaN or inf, naming it"),
    "debug_sync": (_int(0), "K", "under mpiexec: check every K steps that all ranks hold the same weights (0: never)"),
    "out": (_str, "DIR", "folder of run folders"),
    "name": (_opt(_str), "NAME", "run folder name (default: dataset-model)"),
    "plots": (_bool, None, "write pictures and report.html when the run ends"),
    "progress": (_choice(PROGRESS), "MODE", "progress display: auto (bar on a terminal), bar, plain, none"),
}
BOOL_OPTIONS = tuple(k for k, (parse, _, _) in OPTIONS.items() if parse is _bool)
#: settings that change where and how a run is shown, not what it computes
NOT_REPRODUCED = ("download", "out", "name", "progress", "plots", "checkpoint_every", "detect_anomaly", "debug_sync",
                  "extra")


def applies(cfg: "TrainConfig", key: str) -> bool:
    """Whether setting ``key`` has any effect on the run ``cfg``."""
    if key in ("hidden", "activation", "dropout"):
        return cfg.model == "mlp"
    if key == "momentum":
        return cfg.optimizer in ("momentum", "nesterov")
    if key == "step_size":
        return cfg.schedule == "step"
    if key == "gamma":
        return cfg.schedule in ("step", "exp")
    if key == "crop_padding":
        return cfg.augment
    if key == "debug_sync":
        return cfg.debug_sync > 0
    if key == "extra":
        return bool(cfg.extra)
    if key == "init_from":
        return cfg.init_from is not None
    return key != "download"                       # where the data came from, not what the run computes


def parse_values(values: dict, where: str) -> dict:
    """Check and convert a dict of settings (keys with ``-`` or ``_``)."""
    out = {}
    for raw_key, value in values.items():
        key = str(raw_key).replace("-", "_")
        if key == "extra" and isinstance(value, dict):
            out[key] = dict(value)
            continue
        if key not in OPTIONS:
            raise ConfigError(f"{where}: unknown setting {raw_key!r}; valid settings are "
                              f"{', '.join(k.replace('_', '-') for k in OPTIONS)}.")
        out[key] = OPTIONS[key][0](key, value)
    return out


def dataset_kind(name: str) -> str:
    if name in TOY:
        return "toy"
    if name.startswith("folder:"):
        return "folder"
    return name


# --------------------------------------------------------------------------------------- recipes
#: Defaults per (data set kind, model), chosen so that ``chainrule train --dataset D [--model M]`` gives a
#: good run without further flags. See docs/results.md for what each reaches.
RECIPES = {
    ("toy", "mlp"): dict(hidden=(100,), optimizer="nesterov", momentum=0.9, lr=0.5, reg=1e-5, epochs=60,
                         batch_size=30, schedule="cosine"),
    ("toy", "linear"): dict(optimizer="nesterov", momentum=0.9, lr=0.1, reg=1e-3, epochs=50, batch_size=30,
                            schedule="cosine"),
    # lecture 3.1's training on its few noisy points: full-batch Adam, long enough to fit the noise
    ("noisy-spiral", "mlp"): dict(hidden=(200,), optimizer="adam", lr=0.01, reg=3e-4, epochs=1000, batch_size=90,
                                  schedule="none"),
    ("noisy-spiral", "linear"): dict(optimizer="adam", lr=0.01, reg=0.0, epochs=1000, batch_size=90, schedule="none"),
    ("fashion-mnist", "mlp"): dict(hidden=(1000,), dropout=0.2, optimizer="adam", lr=1e-3, reg=0.0,
                                   epochs=20, batch_size=128, schedule="cosine"),
    ("fashion-mnist", "linear"): dict(optimizer="momentum", lr=0.01, momentum=0.9, reg=1e-3, epochs=10,
                                      batch_size=200, schedule="cosine"),
    ("mnist", "mlp"): dict(hidden=(1000,), dropout=0.2, optimizer="adam", lr=1e-3, reg=0.0, epochs=20,
                           batch_size=128, schedule="cosine"),
    ("mnist", "linear"): dict(optimizer="momentum", lr=0.01, momentum=0.9, reg=1e-3, epochs=10, batch_size=200,
                              schedule="cosine"),
    ("cifar10", "mlp"): dict(hidden=(2048,), optimizer="nesterov", momentum=0.9, lr=0.04, reg=1e-4,
                             epochs=50, batch_size=256, schedule="onecycle", warmup=2.0, augment=True,
                             crop_padding=2),
    ("cifar10", "linear"): dict(optimizer="momentum", momentum=0.9, lr=0.01, reg=2e-2, epochs=20, batch_size=200,
                                schedule="cosine"),
    ("folder", "mlp"): dict(hidden=(512,), optimizer="nesterov", momentum=0.9, lr=0.02, reg=5e-4, epochs=30,
                            batch_size=128, schedule="cosine", warmup=1.0),
    ("folder", "linear"): dict(optimizer="momentum", momentum=0.9, lr=0.01, reg=1e-3, epochs=20, batch_size=128,
                               schedule="cosine"),
}


def resolve(flags: dict | None = None, file_values: dict | None = None) -> TrainConfig:
    """The config from command-line ``flags`` over ``file_values`` (a TOML file) over the recipe over defaults.

    Both dicts hold only the settings actually given (raw values; they are parsed here).
    """
    flags = parse_values(flags or {}, "the command line")
    file_values = parse_values(file_values or {}, "the configuration file")
    given = {**file_values, **flags}
    base = TrainConfig()
    dataset = given.get("dataset", base.dataset)
    model = given.get("model", base.model)
    values = {**dataclasses.asdict(base), **RECIPES.get((dataset, model), RECIPES.get((dataset_kind(dataset), model), {})), **given}
    values["hidden"] = tuple(values["hidden"])
    if "warmup" not in given and values["warmup"] >= values["epochs"]:
        values["warmup"] = 0.0              # the recipe's warmup does not fit a run that short: none
    cfg = TrainConfig(**values)
    check(cfg)
    return cfg


def absolute_paths(cfg: TrainConfig) -> TrainConfig:
    """Make ``data_dir``, a ``folder:PATH`` data set and ``init_from`` absolute (in place), so that the run folder's
    config.json means the same data from any working directory (``chainrule eval`` elsewhere)."""
    if cfg.data_dir is not None:
        cfg.data_dir = str(Path(cfg.data_dir).expanduser().absolute())
    if cfg.dataset.startswith("folder:"):
        cfg.dataset = "folder:" + str(Path(cfg.dataset[len("folder:"):]).expanduser().absolute())
    if cfg.init_from is not None:
        cfg.init_from = str(Path(cfg.init_from).expanduser().absolute())
    return cfg


def check(cfg: TrainConfig) -> None:
    """Cross-setting checks (each setting alone is checked by its parser)."""
    if cfg.model == "mlp" and not cfg.hidden:
        raise ConfigError("--model mlp needs at least one hidden layer; pass e.g. --hidden 100 (or use --model linear).")
    if cfg.augment and cfg.dataset_kind == "toy":
        raise ConfigError(f"--augment crops and flips images, but {cfg.dataset} is a 2-D point set; drop --augment.")
    if cfg.download and cfg.dataset_kind in ("toy", "folder"):
        what = "generated" if cfg.dataset_kind == "toy" else "your own folder"
        raise ConfigError(f"--download fetches cifar10, fashion-mnist or mnist, but {cfg.dataset} is {what}; "
                          f"drop --download.")
    if cfg.warmup and cfg.warmup >= cfg.epochs:
        raise ConfigError(f"--warmup {cfg.warmup:g} epochs leaves nothing of a {cfg.epochs}-epoch run; pass a "
                          f"--warmup below --epochs {cfg.epochs}, or more --epochs.")
    if cfg.optimizer in ("momentum", "nesterov") and cfg.momentum == 0:
        raise ConfigError(f"--optimizer {cfg.optimizer} with --momentum 0 is plain SGD; pass --momentum 0.9 or --optimizer sgd.")


def read_toml(path) -> dict:
    """The settings in TOML file ``path`` (top level, or its ``[train]`` table)."""
    try:
        import tomllib
    except ModuleNotFoundError:                       # Python 3.10
        try:
            import tomli as tomllib
        except ModuleNotFoundError:
            raise ConfigError("--config needs Python 3.11 or the tomli package (pip install tomli).") from None
    path = Path(path)
    raw = read_regular(path, "TOML file")
    if len(raw) > MAX_TOML_BYTES:
        raise ConfigError(f"{path}: {len(raw):,} bytes is more than a settings file needs ({MAX_TOML_BYTES:,} at "
                          "most); pass a TOML file of settings.")
    try:
        data = tomllib.loads(raw.decode("utf-8"))
        check_structure(data, MAX_JSON_DEPTH)
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not a UTF-8 text file; a --config file must be TOML text.") from None
    except (RecursionError, TooDeep):
        raise ConfigError(f"{path}: nested more than {MAX_JSON_DEPTH} levels deep; a --config file holds "
                          "flat settings.") from None
    except (tomllib.TOMLDecodeError, ValueError) as e:        # ValueError: an integer of > 4300 digits
        why = "an integer of more than 4300 digits" if "digits" in str(e) else str(e).splitlines()[0]
        raise ConfigError(f"{path}: not valid TOML ({why}).") from None
    if "train" in data and isinstance(data["train"], dict):
        rest = {k: v for k, v in data.items() if k != "train"}
        data = {**rest, **data["train"]}
    return data
