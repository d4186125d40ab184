"""The playground's settings: one validated `Config`, built from JSON or URL values (strings are parsed).

Every refusal is a `ConfigError` of one sentence naming the setting, the value and what is allowed.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

from .._validate import integer, real
from ..errors import ConfigError

CLASSIFICATION_SETS = ("spiral", "circles", "xor", "gaussian", "moons", "custom")
REGRESSION_SETS = ("plane", "bumps", "custom")
FEATURES = ("x1", "x2", "x1sq", "x2sq", "x1x2", "sin1", "sin2")
ACTIVATIONS = ("relu", "leaky_relu", "elu", "gelu", "silu", "sigmoid", "tanh", "linear")
OPTIMIZERS = ("sgd", "momentum", "nesterov", "adam")
REGULARIZATIONS = ("none", "l1", "l2")
MAX_LAYERS, MAX_UNITS, MAX_POINTS = 6, 128, 2000

#: settings whose change needs new data (and so a new model)
DATA_KEYS = ("problem", "dataset", "points", "classes", "noise", "train_ratio", "seed")
#: settings whose change needs a new model (fresh weights from the seed)
MODEL_KEYS = ("features", "hidden", "activation", "dropout")


@dataclass
class Config:
    """Everything that defines a playground run; the defaults are the lecture's 2-layer net on the spiral."""
    problem: str = "classification"
    dataset: str = "spiral"
    points: int = 300
    classes: int = 3
    noise: float = 0.1
    train_ratio: float = 0.7
    features: list = field(default_factory=lambda: ["x1", "x2"])
    hidden: list = field(default_factory=lambda: [32])
    activation: str = "relu"
    regularization: str = "none"
    lam: float = 0.0
    dropout: float = 0.0
    optimizer: str = "adam"
    lr: float = 0.01
    batch_size: int = 32
    seed: int = 0

    def to_dict(self) -> dict:
        return asdict(self)

    def replace(self, changes: dict) -> "Config":
        """A new validated Config with ``changes`` applied (unknown keys refused)."""
        return Config.from_dict({**self.to_dict(), **dict(changes)})

    @classmethod
    def from_dict(cls, values: dict) -> "Config":
        """Validate ``values`` (JSON or URL strings) into a Config; missing keys take their defaults."""
        if not isinstance(values, dict):
            raise ConfigError(f"The configuration must be an object of settings, got {type(values).__name__}.")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(f"Unknown setting {unknown[0]!r}; known settings: {', '.join(sorted(known))}.")
        d = {**cls().to_dict(), **values}
        c = cls.__new__(cls)
        c.problem = _choice("problem", d["problem"], ("classification", "regression"))
        sets = CLASSIFICATION_SETS if c.problem == "classification" else REGRESSION_SETS
        c.dataset = _choice("dataset", d["dataset"], sets, f" for {c.problem}")
        c.points = _int("points", d["points"], 10, MAX_POINTS)
        c.classes = _int("classes", d["classes"], 2, 5)
        c.noise = _float("noise", d["noise"], 0.0, 1.0)
        c.train_ratio = _float("train_ratio", d["train_ratio"], 0.1, 0.9)
        c.features = _list("features", d["features"], str)
        if not c.features:
            raise ConfigError("features: choose at least one input feature (x1, x2, x1sq, x2sq, x1x2, sin1, sin2).")
        for f in c.features:
            _choice("features", f, FEATURES)
        c.features = [f for f in FEATURES if f in c.features]
        c.hidden = [_int("hidden", h, 1, MAX_UNITS) for h in _list("hidden", d["hidden"], int)]
        if len(c.hidden) > MAX_LAYERS:
            raise ConfigError(f"hidden: at most {MAX_LAYERS} hidden layers, got {len(c.hidden)}.")
        c.activation = _choice("activation", d["activation"], ACTIVATIONS)
        c.regularization = _choice("regularization", d["regularization"], REGULARIZATIONS)
        c.lam = _float("lam", d["lam"], 0.0, 10.0)
        c.dropout = _float("dropout", d["dropout"], 0.0, 0.9)
        c.optimizer = _choice("optimizer", d["optimizer"], OPTIMIZERS)
        c.lr = _float("lr", d["lr"], 1e-6, 10.0)
        if c.lr <= 0:
            raise ConfigError(f"lr: the learning rate must be > 0, got {d['lr']!r}.")
        c.batch_size = _int("batch_size", d["batch_size"], 1, MAX_POINTS)
        c.seed = _int("seed", d["seed"], 0, 2**31 - 1)
        return c


def _choice(name, value, allowed, where=""):
    if not isinstance(value, str) or value not in allowed:
        raise ConfigError(f"{name}: {value!r} is not one of {', '.join(allowed)}{where}.")
    return value


def _number(name, value, kind):
    """``value`` (a JSON number or URL text) as ``kind`` (int or float), or a ConfigError naming the setting."""
    x = integer(value, text=True) if kind is int else real(value, text=True)
    if x is None:
        got = "NaN" if value != value else repr(value)
        raise ConfigError(f"{name}: expected {'an integer' if kind is int else 'a number'}, got {got}.")
    return x


def _int(name, value, lo, hi):
    x = _number(name, value, int)
    if not lo <= x <= hi:
        raise ConfigError(f"{name}: {x} is outside {lo}..{hi}.")
    return x


def _float(name, value, lo, hi):
    x = _number(name, value, float)
    if not lo <= x <= hi:
        raise ConfigError(f"{name}: {x:g} is outside {lo:g}..{hi:g}.")
    return x


def _list(name, value, kind):
    """A list from JSON (a list) or from a URL (comma-separated; empty string = empty list)."""
    if isinstance(value, str):
        value = [v for v in (s.strip() for s in value.split(",")) if v]
    if not isinstance(value, (list, tuple)):
        raise ConfigError(f"{name}: expected a list, got {value!r}.")
    return list(value)
