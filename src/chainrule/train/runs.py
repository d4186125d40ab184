"""The run folder: everything one training run leaves on disk, written so that a crash loses nothing.

::

    runs/<name>/
      config.json         the full configuration (what `chainrule train --resume` rebuilds the run from)
      metrics.jsonl       one JSON line per epoch, appended, flushed and fsynced as it is written
      metrics.csv         the same table as CSV (rewritten atomically each epoch)
      last.safetensors    checkpoint to resume from: model, optimizer, schedule, random state, loader position
      best.safetensors    the weights with the best validation accuracy so far (plus preprocessing, classes)
      final.json          the final evaluation (train/val/test accuracy, per-class accuracy, confusion matrix)
      progress.json       where the current epoch stands (step, running loss), rewritten about once a second
      report.html, *.png  pictures, when matplotlib is installed

Checkpoints are single files written by `chainrule.io.save_checkpoint` (safetensors, with the JSON state in
its header) through an atomic rename: a reader finds the previous checkpoint or the new one, never half of
one. Every JSON file is written the same way.
"""
from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import os
from pathlib import Path

from .._files import atomic_write, remove_temporaries
from ..errors import CheckpointError, ConfigError

CONFIG = "config.json"
METRICS_JSONL = "metrics.jsonl"
METRICS_CSV = "metrics.csv"
FINAL = "final.json"
PROGRESS = "progress.json"
LOCK = ".lock"
CHECKPOINT_SUFFIX = ".safetensors"


def _json_default(obj):
    try:
        import numpy as np
        if isinstance(obj, np.generic):
            return obj.item()
        if isinstance(obj, np.ndarray):
            return obj.tolist()
    except ImportError:  # pragma: no cover
        pass
    if isinstance(obj, (tuple, set)):
        return list(obj)
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"{type(obj).__name__} is not JSON-serialisable")


def _clean(obj):
    """NaN/inf become None so the files stay strict JSON."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    return obj


def dumps(obj, indent=None) -> str:
    return json.dumps(_clean(obj), default=_json_default, indent=indent, allow_nan=False)


def write_json(path, obj) -> None:
    """Write ``obj`` as indented JSON, atomically."""
    with atomic_write(path, "w") as f:
        f.write(dumps(obj, indent=2) + "\n")


def read_json(path, what: str = "file") -> dict:
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise CheckpointError(f"{path}: no such {what}.") from None
    try:
        return json.loads(text)
    except ValueError as e:
        raise CheckpointError(f"{path}: the {what} is not valid JSON ({e}).") from None


class MetricsLog:
    """``metrics.jsonl`` (one line per record, appended durably) and its CSV twin ``metrics.csv``."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self.jsonl = self.folder / METRICS_JSONL
        self.csv = self.folder / METRICS_CSV
        self._csv_columns = None

    def append(self, record: dict, history: list) -> None:
        """Append ``record`` to the JSON lines (flush + fsync) and to the CSV (rewritten from ``history`` when
        the columns change)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.jsonl, "a") as f:
            f.write(dumps(record) + "\n")
            f.flush()
            os.fsync(f.fileno())
        known = self._csv_columns
        # the columns of history[:-1] are known: only this record can add one (no walk over all epochs)
        columns = self._columns(history) if known is None else known + [
            k for k in self._columns([record]) if k not in known]
        if columns != known or not self.csv.is_file():
            self._write_csv(history)
            return
        with open(self.csv, "a") as f:
            f.write(self._rows(columns, [record]))
            f.flush()
            os.fsync(f.fileno())

    def rewrite(self, history: list) -> None:
        """Replace both files by ``history`` (on resume: drop lines of epochs the checkpoint does not include)."""
        with atomic_write(self.jsonl, "w") as f:
            for record in history:
                f.write(dumps(record) + "\n")
        self._write_csv(history)

    @staticmethod
    def _columns(history):
        return list(dict.fromkeys(k for r in history for k, v in r.items() if not isinstance(v, (dict, list))))

    @staticmethod
    def _rows(columns, records, header=False) -> str:
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
        if header:
            writer.writeheader()
        for r in records:
            writer.writerow({k: ("" if v is None else v) for k, v in _clean(r).items()})
        return buf.getvalue()

    def _write_csv(self, history):
        columns = self._columns(history)
        with atomic_write(self.csv, "w") as f:
            f.write(self._rows(columns, history, header=True))
        self._csv_columns = columns

    @staticmethod
    def read(path) -> list:
        """The records of a metrics.jsonl file; a torn last line (a crash mid-write) is skipped."""
        records = []
        with open(path) as f:
            lines = f.read().split("\n")
        for i, line in enumerate(lines):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except ValueError:
                if i < len(lines) - 2:        # only the very last line may be torn
                    raise CheckpointError(f"{path}: line {i + 1} is not valid JSON.") from None
        return records


class RunDir:
    """One run folder (see the module docstring). ``RunDir(path)`` does not touch the disk."""

    def __init__(self, path):
        self.path = Path(path)
        self.metrics = MetricsLog(self.path)

    def __repr__(self):
        return f"RunDir({str(self.path)!r})"

    def __fspath__(self):
        return str(self.path)

    # --- creating and opening ----------------------------------------------------------------------------
    @classmethod
    def create(cls, out, name: str, config: dict, unique: bool = False) -> "RunDir":
        """Make ``out/name`` and write its config.json, which claims the folder atomically: of two processes
        creating one run, exactly one succeeds. With ``unique``, a taken name gets ``-2``, ``-3``...;
        otherwise a run folder already there is an error that suggests ``--resume``."""
        out = Path(out)
        if not name or "/" in name or name in (".", ".."):
            raise ConfigError(f"run name {name!r} is not a plain folder name; pass e.g. --name cifar-mlp.")
        k = 1
        while True:
            path = out / (name if k == 1 else f"{name}-{k}")
            try:                    # config.json appears complete, and in one process only: the claim
                with atomic_write(path / CONFIG, "w", exclusive=True) as f:
                    f.write(dumps(config, indent=2) + "\n")
                return cls(path)
            except FileExistsError:
                if not unique:
                    raise ConfigError(f"{path} already holds a run; continue it with --resume {path}, or pick "
                                      f"another --name.") from None
                k += 1

    @classmethod
    def open(cls, path) -> "RunDir":
        """An existing run folder (for --resume, eval, predict); ConfigError if it is not one."""
        path = Path(path)
        if path.is_file():
            folder = path.parent if (path.parent / CONFIG).is_file() else "the run folder"
            raise ConfigError(f"{path} is a file; pass the run folder that holds it ({folder}), not a checkpoint.")
        if not path.is_dir():
            raise ConfigError(f"{path}: no such run folder.")
        if not (path / CONFIG).is_file():
            raise ConfigError(f"{path} is not a run folder (it has no {CONFIG}); pass a folder made by chainrule train.")
        return cls(path)

    # --- files -------------------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.path.name

    def write_config(self, config: dict) -> None:
        write_json(self.path / CONFIG, config)

    def read_config(self) -> dict:
        return read_json(self.path / CONFIG, "run configuration")

    def checkpoint_path(self, kind: str) -> Path:
        """``last`` or ``best`` -> ``<run>/<kind>.safetensors``."""
        return self.path / f"{kind}{CHECKPOINT_SUFFIX}"

    def has_checkpoint(self, kind: str = "last") -> bool:
        return self.checkpoint_path(kind).is_file()

    def write_final(self, result: dict) -> None:
        write_json(self.path / FINAL, result)

    def write_progress(self, state: dict) -> None:
        write_json(self.path / PROGRESS, state)

    def read_final(self):
        p = self.path / FINAL
        return read_json(p, "final evaluation") if p.is_file() else None

    def read_metrics(self) -> list:
        return MetricsLog.read(self.metrics.jsonl) if self.metrics.jsonl.is_file() else []

    def resume_hint(self) -> str:
        return f"chainrule train --resume {self.path}"

    @contextlib.contextmanager
    def lock(self):
        """Hold an exclusive lock on the run while training it, so two processes never write one run folder.

        The lock (``flock`` on ``.lock``, which holds the PID) dies with its process, even on SIGKILL; the file
        is removed when training ends or stops. A no-op where flock is missing.
        """
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            yield
            return
        self.path.mkdir(parents=True, exist_ok=True)
        lock = self.path / LOCK
        while True:
            f = open(lock, "a+")
            try:
                fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                f.seek(0)
                pid = f.read().strip() or "?"
                f.close()
                raise ConfigError(f"{self.path} is being trained by another process (pid {pid}); wait for it to "
                                  f"finish or stop it first.") from None
            try:                                   # the holder before us may have removed the file meanwhile
                same = os.stat(lock).st_ino == os.fstat(f.fileno()).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            f.close()
        with f:
            f.seek(0)
            f.truncate()
            f.write(str(os.getpid()))
            f.flush()
            remove_temporaries(self.path)          # half-written checkpoints of a killed process
            try:
                yield
            finally:                               # a finished or stopped run leaves no lock behind
                with contextlib.suppress(FileNotFoundError):
                    lock.unlink()
                fcntl.flock(f.fileno(), fcntl.LOCK_UN)


def find_checkpoint(target, kind: str = "best") -> Path:
    """A checkpoint file from a run folder (its ``best``, else ``last``) or a checkpoint path itself."""
    target = Path(target)
    if target.is_dir():
        for k in (kind, "last" if kind == "best" else "best"):
            p = target / f"{k}{CHECKPOINT_SUFFIX}"
            if p.is_file():
                return p
        if (target / CONFIG).is_file():
            raise CheckpointError(f"{target} holds no checkpoint yet ({kind}{CHECKPOINT_SUFFIX}); the run stopped "
                                  f"before its first checkpoint.")
        raise ConfigError(f"{target} is neither a run folder nor a checkpoint file.")
    if not target.exists():
        raise ConfigError(f"{target}: no such run folder or checkpoint file.")
    return target
