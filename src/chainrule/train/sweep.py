"""A sweep: one run per combination of settings, what ``chainrule sweep`` does (the CLI parses and prints).

`plan_sweep` turns the settings (each a value or a comma-separated list) into the grid and checks every
configuration before any is trained; with no list at all it is the lecture's section 3.1 grid (`DEFAULT_GRID`
on `DEFAULT_DATASET`). `run_sweep` trains them one after the other into one folder (data loaded once when no
data setting is swept) and writes ``sweep.json`` and ``sweep.csv``. Each run is scored twice: the validation
accuracy of the weights it keeps (its best epoch) and that of its last epoch.
"""
from __future__ import annotations

import csv
import io
import itertools
import time
from dataclasses import dataclass, field
from pathlib import Path

from .._files import atomic_write
from ..errors import ConfigError
from . import config as C
from .experiment import load_data, run_experiment
from .progress import Progress
from .runs import write_json

DEFAULT_GRID = {"hidden": ["3", "20", "200"], "reg": ["0", "3e-4", "1e-3"]}
DEFAULT_DATASET = "noisy-spiral"             # lecture 3.1: few noisy points, where a big net overfits
DATA_KEYS = ("dataset", "data_dir", "subset", "val_size", "normalize", "seed")
NOT_SWEPT = ("name", "out", "progress", "plots", "init_from")


@dataclass
class Sweep:
    """The planned runs: ``grid`` (swept settings and their values), ``fixed`` settings, one ``combos`` dict
    and one checked `TrainConfig` per run, the ``folder`` they go into, and the ``shared`` data (`Splits`)
    when no data setting is swept (None otherwise: each run loads its own)."""

    grid: dict
    fixed: dict
    combos: list
    configs: list
    folder: Path
    shared: object = None


@dataclass
class SweepResult:
    """``records``: one dict per finished run (its combination, accuracies, best epoch, seconds, folder);
    ``experiments``: each run's `Experiment`; ``interrupted``: the message of a run stopped by a signal."""

    records: list = field(default_factory=list)
    experiments: list = field(default_factory=list)
    interrupted: str | None = None


def split_values(key, value) -> list:
    """A setting's values: a list as it is, a string cut at its commas (not for `NOT_SWEPT` settings or a
    ``folder:`` data set, which are one value)."""
    if isinstance(value, list):
        return [str(v) for v in value]
    parts = [v.strip() for v in str(value).split(",")]
    if key in NOT_SWEPT or key == "dataset" and str(value).startswith("folder:"):
        return [str(value)]
    if any(not p for p in parts):
        raise ConfigError(f"{C.flag(key)} {value!r} has an empty value; separate values with single commas.")
    return parts


def label(key, value) -> str:
    return f"{key}={value}"


def plan_sweep(values: dict, file_values: dict | None = None) -> Sweep:
    """The sweep of ``values`` (settings as given on the command line) over ``file_values`` (a TOML file);
    every configuration is resolved and checked here, so a bad one fails before anything is trained; the data
    is loaded once here when no data setting is swept."""
    file_values = file_values or {}
    lists = {k: split_values(k, v) for k, v in values.items()}
    grid = {k: v for k, v in lists.items() if len(v) > 1}
    fixed = {k: v[0] for k, v in lists.items() if len(v) == 1}
    if not grid:
        grid = {k: v for k, v in DEFAULT_GRID.items() if k not in fixed}
        if "dataset" not in fixed and "dataset" not in file_values:
            fixed["dataset"] = DEFAULT_DATASET
    if not grid:
        raise ConfigError("nothing to sweep: give at least one option a comma-separated list, e.g. --reg 0,1e-3,1e-2.")
    for key in grid:
        if key in NOT_SWEPT:
            raise ConfigError(f"{C.flag(key)} cannot take several values in a sweep.")
    combos = [dict(zip(grid, values)) for values in itertools.product(*grid.values())]
    configs = []
    for combo in combos:                         # check every configuration before training any
        cfg = C.resolve({**fixed, **combo}, file_values)
        if cfg.model == "linear" and "hidden" in grid:
            raise ConfigError("--hidden is swept but the model is linear (no hidden layer); pass --model mlp.")
        configs.append(cfg)
    base = configs[0]
    name = base.name or f"sweep-{C.dataset_kind(base.dataset) if base.dataset_kind != 'toy' else base.dataset}"
    out = Path(base.out)
    k, folder = 2, out / name
    while folder.exists() and base.name is None:
        folder, k = out / f"{name}-{k}", k + 1
    shared = None if any(key in grid for key in DATA_KEYS) else load_data(base)
    return Sweep(grid, fixed, combos, configs, folder, shared)


def run_sweep(sweep: Sweep, on_run=None) -> SweepResult:
    """Train every run of ``sweep``; ``on_run(record)`` after each. Writes ``sweep.json`` and ``sweep.csv``
    into ``sweep.folder`` when all finished; stops at a run interrupted by a signal (``interrupted``)."""
    mode = sweep.fixed.get("progress", "none")
    progress = Progress(mode, results=mode != "none")      # the caller shows one line per run itself
    result = SweepResult()
    for combo, cfg in zip(sweep.combos, sweep.configs):
        cfg.out = str(sweep.folder)
        name = "_".join(label(k, v) for k, v in combo.items()).replace("/", "-")
        t0 = time.perf_counter()
        fit, exp = run_experiment(cfg, progress, splits=sweep.shared, run_name=name,
                                  write_pictures="plots" in sweep.fixed and cfg.plots)
        if fit.interrupted:
            result.interrupted = fit.message
            return result
        f, last = fit.final, fit.history[-1]
        record = {**combo, "train_acc": f["train"]["acc"], "val_acc": f["val"]["acc"], "test_acc": f["test"]["acc"],
                  "best_epoch": f["best_epoch"], "last_train_acc": last.get("train_acc"),
                  "last_val_acc": last.get("val_acc"), "seconds": round(time.perf_counter() - t0, 2),
                  "run": str(exp.run.path)}
        result.records.append(record)
        result.experiments.append(exp)
        if on_run is not None:
            on_run(record)
    write_json(sweep.folder / "sweep.json", {"grid": sweep.grid, "fixed": sweep.fixed, "runs": result.records})
    _write_csv(sweep.folder / "sweep.csv", result.records)
    return result


def best_trained_to_the_end(records):
    """The record with the best last-epoch validation accuracy (None if a run has none)."""
    if any(r.get("last_val_acc") is None for r in records):
        return None
    return max(records, key=lambda r: r["last_val_acc"])


def _write_csv(path, records):
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(records[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(records)
    with atomic_write(path, "w") as f:
        f.write(buf.getvalue())
