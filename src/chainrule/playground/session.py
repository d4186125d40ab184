"""`Session`: one playground run, owning its data, model, optimizer and metrics (not thread-safe; the app locks).

The training step is written exactly as `export.code` prints it, so the exported Python reproduces a run's
numbers. Pictures leave as compact arrays (`frame`): the page draws them on canvas.
"""
from __future__ import annotations

import base64

import numpy as np

from .. import autograd, nn, optim
from ..errors import ConfigError, DataError
from ..random import get_rng_state, manual_seed, set_rng_state
from ..tensor import Tensor
from . import data as pdata
from .config import DATA_KEYS, MAX_POINTS, MODEL_KEYS, Config

GRID = 100          # boundary heat map: GRID x GRID pixels
UNIT_STEP = 4       # unit heat maps: every 4th grid pixel (25 x 25)
SHOWN_UNITS = 16    # units per layer drawn (and sent) on the network picture
MAX_HISTORY = 1000
SATURATION = {"sigmoid": lambda h: h * (1 - h) < 0.05 * 0.25, "tanh": lambda h: 1 - h * h < 0.05}


def b64(a: np.ndarray) -> str:
    """Values in 0..255 as base64 bytes (NaN, from a diverged run, as 0)."""
    a = np.clip(np.nan_to_num(np.asarray(a, dtype=np.float64), nan=0.0), 0, 255)
    return base64.b64encode(a.astype(np.uint8).tobytes()).decode("ascii")


def build_model(cfg: Config, n_in: int, n_out: int):
    """The seeded MLP and optimizer of ``cfg`` (seed first, so weights and dropout masks repeat)."""
    manual_seed(cfg.seed)
    model = nn.MLP(n_in, cfg.hidden, n_out, activation=None if cfg.activation == "linear" else cfg.activation,
                   dropout=cfg.dropout)
    return model, make_optimizer(cfg, model)


def make_optimizer(cfg: Config, model):
    if cfg.optimizer == "adam":
        return optim.Adam(model.parameters(), lr=cfg.lr)
    momentum = 0.0 if cfg.optimizer == "sgd" else 0.9
    return optim.SGD(model.parameters(), lr=cfg.lr, momentum=momentum, nesterov=cfg.optimizer == "nesterov")


def penalty(cfg: Config, model):
    """The regularization term added to the data loss (None for none)."""
    if cfg.regularization == "l2" and cfg.lam > 0:
        return nn.l2_penalty(model, cfg.lam)
    if cfg.regularization == "l1" and cfg.lam > 0:
        total = None
        for _, p in nn.regularized_parameters(model):
            term = p.abs().sum()
            total = term if total is None else total + term
        return total * cfg.lam
    return None


class Session:
    """The state behind one playground page: `configure`, `step`, `frame`, `backprop`, `gradcheck`, ..."""

    def __init__(self, config=None):
        self.config = config if isinstance(config, Config) else Config.from_dict(config or {})
        self.custom = None                  # (X, y) of drawn or uploaded points
        self.changed_mid_run = False
        self._regenerate()

    # -- setup -------------------------------------------------------------------------------------------------
    def configure(self, changes: dict) -> Config:
        """Apply ``changes`` (validated); new data or weights only where a setting needs them."""
        new = self.config.replace(changes)
        old, self.config = self.config, new
        if any(getattr(old, k) != getattr(new, k) for k in DATA_KEYS):
            if new.dataset == "custom" and self.custom is None:
                self.custom = (np.zeros((0, 2), np.float32), self._empty_targets())
            if old.problem != new.problem and new.dataset == "custom":
                self.custom = (np.zeros((0, 2), np.float32), self._empty_targets())
            self._regenerate()
        elif any(getattr(old, k) != getattr(new, k) for k in MODEL_KEYS):
            self.reset()
        else:
            if self.step_count and old != new:
                self.changed_mid_run = True
            for group in self.optimizer.param_groups:
                group["lr"] = new.lr
            if old.optimizer != new.optimizer:
                self.optimizer = make_optimizer(new, self.model)
        return self.config

    def _empty_targets(self):
        return np.zeros(0, np.int64 if self.config.problem == "classification" else np.float32)

    def _regenerate(self):
        cfg = self.config
        if cfg.dataset == "custom":
            X, y = self.custom if self.custom is not None else (np.zeros((0, 2), np.float32), self._empty_targets())
        else:
            X, y = pdata.generate(cfg)
        self.X, self.y = X, y
        self.train_idx, self.test_idx = pdata.split(len(X), cfg.train_ratio, cfg.seed) if len(X) else \
            (np.zeros(0, np.int64), np.zeros(0, np.int64))
        span = float(np.abs(X).max()) * 1.1 if len(X) else 1.0
        self.extent = max(1.0, np.ceil(span * 2) / 2)
        self.reset()

    def reset(self):
        """Fresh weights from the seed; step 0; empty history."""
        cfg = self.config
        self.n_classes = max(2, int(self.y.max()) + 1) if cfg.problem == "classification" and len(self.y) else \
            (cfg.classes if cfg.problem == "classification" else 1)
        self.n_out = self.n_classes if cfg.problem == "classification" else 1
        outer = get_rng_state()             # the run owns its random stream (weights, dropout masks) ...
        self.model, self.optimizer = build_model(cfg, len(cfg.features), self.n_out)
        self._rng_state = get_rng_state()
        set_rng_state(outer)                # ... and leaves the caller's untouched
        self.batch_rng = np.random.default_rng(cfg.seed + 1)
        self.F = pdata.features(self.X, cfg.features)
        self._grid_F = None
        self.step_count = 0
        self.history = []
        self.grad_history = []
        self.grad_norms = [0.0] * len(self.model.linear_layers)
        self.changed_mid_run = False
        self._record()

    # -- data --------------------------------------------------------------------------------------------------
    def _to_custom(self):
        if self.config.dataset != "custom":
            self.custom = (self.X.copy(), self.y.copy())
            self.config = self.config.replace({"dataset": "custom"})

    def add_point(self, x1, x2, label) -> None:
        """Add one drawn point (its class, or its target in regression); the data set becomes ``custom``."""
        try:
            x1, x2, label = float(x1), float(x2), float(label)
        except (TypeError, ValueError):
            raise ConfigError("A drawn point needs numbers x1, x2 and label.") from None
        if not all(np.isfinite([x1, x2, label])) or max(abs(x1), abs(x2)) > pdata.MAX_COORD:
            raise ConfigError(f"A drawn point must have finite coordinates within +-{pdata.MAX_COORD:g}.")
        if self.config.problem == "classification" and (not label.is_integer() or not 0 <= label <= 9):
            raise ConfigError(f"The class of a drawn point must be 0 to 9, got {label:g}.")
        self._to_custom()
        X, y = self.custom
        if len(X) >= MAX_POINTS:
            raise ConfigError(f"The data set already has {MAX_POINTS} points, the most the playground keeps.")
        self.custom = (np.concatenate([X, np.float32([[x1, x2]])]),
                       np.concatenate([y, np.asarray([label], dtype=y.dtype)]))
        self._regenerate()

    def clear_points(self) -> None:
        """Start an empty ``custom`` data set to draw on."""
        self.custom = (np.zeros((0, 2), np.float32), self._empty_targets())
        self.config = self.config.replace({"dataset": "custom"})
        self._regenerate()

    def load_csv(self, text: str) -> int:
        """Replace the data by the CSV's points (``x1,x2,label`` rows); returns how many; `DataError` if bad."""
        X, y = pdata.parse_csv(text, self.config.problem)
        self.custom = (X, y)
        self.config = self.config.replace({"dataset": "custom"})
        self._regenerate()
        return len(X)

    # -- training ----------------------------------------------------------------------------------------------
    def _loss(self, scores, target):
        if self.config.problem == "classification":
            return nn.functional.cross_entropy(scores, target)
        return nn.functional.mse_loss(scores, Tensor(target.reshape(-1, 1)))

    def step(self, n: int = 1) -> int:
        """``n`` optimizer steps on random mini-batches of the training points; returns the step count."""
        if len(self.train_idx) == 0:
            raise DataError("There are no training points; draw some points or choose a data set.")
        cfg = self.config
        Ftr, ytr = self.F[self.train_idx], self.y[self.train_idx]
        bs = min(cfg.batch_size, len(ytr))
        outer = get_rng_state()
        set_rng_state(self._rng_state)
        try:
            self._steps(int(n), Ftr, ytr, bs)
        finally:
            self._rng_state = get_rng_state()
            set_rng_state(outer)
        self.grad_norms = [float(np.linalg.norm(m.weight.grad.data)) if m.weight.grad is not None else 0.0
                           for m in self.model.linear_layers]
        self._record()
        return self.step_count

    def _steps(self, n, Ftr, ytr, bs):
        cfg = self.config
        for _ in range(n):
            idx = self.batch_rng.choice(len(ytr), size=bs, replace=False)
            loss = self._loss(self.model(Tensor(Ftr[idx])), ytr[idx])
            reg = penalty(cfg, self.model)
            if reg is not None:
                loss = loss + reg
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            self.step_count += 1

    def evaluate(self, idx) -> tuple:
        """(data loss, accuracy or None) on the points ``idx``, in eval mode."""
        if len(idx) == 0:
            return None, None
        self.model.eval()
        try:
            with autograd.no_grad():
                scores = self.model(Tensor(self.F[idx]))
                loss = float(self._loss(scores, self.y[idx]).item())
        finally:
            self.model.train()
        acc = float((scores.data.argmax(1) == self.y[idx]).mean()) if self.config.problem == "classification" else None
        return loss, acc

    def metrics(self) -> dict:
        trl, tra = self.evaluate(self.train_idx)
        tel, tea = self.evaluate(self.test_idx)
        return {"step": self.step_count, "epoch": self.step_count * min(self.config.batch_size, max(1, len(self.train_idx)))
                / max(1, len(self.train_idx)), "train_loss": trl, "test_loss": tel, "train_acc": tra, "test_acc": tea}

    def _record(self):
        if self.history and self.history[-1]["step"] == self.step_count:
            self.history[-1] = self.metrics()
            return
        self.history.append(self.metrics())
        self.grad_history.append([self.step_count] + list(self.grad_norms))
        if len(self.history) > MAX_HISTORY:          # keep every other old entry, the newest always
            self.history = self.history[:-1:2] + self.history[-1:]
            self.grad_history = self.grad_history[:-1:2] + self.grad_history[-1:]

    # -- pictures ----------------------------------------------------------------------------------------------
    def _walk(self, F: np.ndarray):
        """Scores for features ``F`` and, per hidden layer, (pre-activation, output) arrays; eval mode."""
        layers, pre = [], None
        mods = list(self.model)
        self.model.eval()
        try:
            with autograd.no_grad():
                x = Tensor(F)
                for i, m in enumerate(mods):
                    x = m(x)
                    if isinstance(m, nn.Linear):
                        pre = x.data
                        if self.config.activation == "linear" and i < len(mods) - 1:
                            layers.append((pre, pre))
                    elif not isinstance(m, nn.Dropout):
                        layers.append((pre, x.data))
        finally:
            self.model.train()
        return x.data, layers

    def grid_features(self) -> np.ndarray:
        if self._grid_F is None:
            c = (np.arange(GRID) + 0.5) / GRID * 2 * self.extent - self.extent
            x1, x2 = np.meshgrid(c, -c)                       # row 0 is the top of the picture (largest x2)
            self._grid_F = pdata.features(np.c_[x1.ravel(), x2.ravel()], self.config.features)
        return self._grid_F

    def frame(self) -> dict:
        """Everything the page draws now: metrics, boundary, unit maps, weights, gradient flow, unit health."""
        scores, layers = self._walk(self.grid_features())
        out = {"type": "frame", "step": self.step_count, "metrics": self.history[-1], "extent": self.extent,
               "grid": GRID, "unit_grid": len(range(0, GRID, UNIT_STEP))}
        if self.config.problem == "classification":
            z = scores - scores.max(1, keepdims=True)
            p = np.exp(z)
            p /= p.sum(1, keepdims=True)
            out["boundary"] = {"cls": b64(p.argmax(1)), "conf": b64(np.round(p.max(1) * 255))}
        else:
            lo, hi = self._target_range()
            out["boundary"] = {"value": b64(np.round(np.clip((scores[:, 0] - lo) / (hi - lo), 0, 1) * 255)),
                               "lo": lo, "hi": hi}
        units = []
        centre = 0.5 if self.config.activation == "sigmoid" else 0.0   # sigmoid's outputs live in (0, 1)
        for _, h in layers:
            hm = h.reshape(GRID, GRID, -1)[::UNIT_STEP, ::UNIT_STEP, :SHOWN_UNITS] - centre
            scale = np.maximum(np.abs(hm).max(axis=(0, 1)), 1e-12)
            q = np.round(hm / scale * 127 + 128)
            units.append([{"map": b64(q[:, :, j]), "scale": float(scale[j])} for j in range(hm.shape[2])])
        out["units"] = units
        out["weights"] = [np.round(m.weight.data[:SHOWN_UNITS, :SHOWN_UNITS], 4).tolist()
                          for m in self.model.linear_layers]
        out["grad_norms"] = self.grad_norms
        out["health"] = self.health()
        return out

    def _target_range(self):
        if len(self.y) == 0:
            return -1.0, 1.0
        lo, hi = float(self.y.min()), float(self.y.max())
        return (lo, hi) if hi > lo else (lo - 1, lo + 1)

    def health(self) -> list:
        """Per hidden layer: dead ReLU units (input <= 0 on every training point) and saturated units
        (sigmoid/tanh local gradient under 5% of its maximum on most training points)."""
        if len(self.train_idx) == 0:
            return []
        _, layers = self._walk(self.F[self.train_idx])
        act = self.config.activation
        result = []
        for pre, h in layers:
            dead = ~(pre > 0).any(axis=0) if act == "relu" else np.zeros(h.shape[1], bool)
            sat = SATURATION[act](h).mean(axis=0) > 0.5 if act in SATURATION else np.zeros(h.shape[1], bool)
            result.append({"units": int(h.shape[1]), "dead": float(dead.mean()), "saturated": float(sat.mean()),
                           "dead_units": dead[:SHOWN_UNITS].astype(int).tolist(),
                           "saturated_units": sat[:SHOWN_UNITS].astype(int).tolist()})
        return result

    def points(self) -> dict:
        """The data set's points for drawing: coordinates, targets and which are in the test set."""
        test = np.zeros(len(self.X), bool)
        test[self.test_idx] = True
        return {"x": np.round(self.X, 4).tolist(), "y": self.y.tolist(), "test": test.astype(int).tolist(),
                "classes": self.n_classes if self.config.problem == "classification" else None,
                "extent": self.extent, "range": self._target_range()}

    def state(self) -> dict:
        """The full state for a page that (re)connects: config, points, history and a frame."""
        return {"config": self.config.to_dict(), "points": self.points(), "history": self.history,
                "grad_history": self.grad_history, "changed_mid_run": self.changed_mid_run, "frame": self.frame()}

    def nearest_train_point(self, x1: float, x2: float) -> int:
        """The index (into the data set) of the training point nearest to (x1, x2)."""
        if len(self.train_idx) == 0:
            raise DataError("There are no training points to inspect.")
        d = ((self.X[self.train_idx] - np.float32([x1, x2])) ** 2).sum(1)
        return int(self.train_idx[int(np.argmin(d))])
