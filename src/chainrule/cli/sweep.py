"""``chainrule sweep``: one run per combination of settings, and a table of validation accuracies.

Any training option may list values separated by commas; the sweep trains every combination. With no
list at all it runs the lecture's section 3.1 grid, ``--hidden 3,20,200 --reg 0,3e-4,1e-3``, on its data:
``noisy-spiral`` (30 noisy points per class, 600 validation points) with full-batch Adam for 1,000 epochs,
unless ``--dataset`` is given. A multi-layer width inside a sweep is written with ``x``: ``--hidden
512x256,1024`` is two values.

Each run is scored twice: the validation accuracy of the weights it keeps (those of its best epoch: early
stopping, itself a regularizer) and that of its last epoch (the net trained to the end, as in the
lecture). On the default grid, trained to the end, the big net fits the noise without L2 and is the best
model with it; the small nets stay far below either way.
"""
from __future__ import annotations

import argparse
import itertools
import time

from ..errors import ConfigError
from .common import add_training_options, flag, given

DEFAULT_GRID = {"hidden": ["3", "20", "200"], "reg": ["0", "3e-4", "1e-3"]}
DEFAULT_DATASET = "noisy-spiral"             # lecture 3.1: few noisy points, where a big net overfits
DATA_KEYS = ("dataset", "data_dir", "subset", "val_size", "normalize", "seed")
NOT_SWEPT = ("name", "out", "progress", "plots", "init_from")


def register(subparsers):
    p = subparsers.add_parser("sweep", help="train one run per combination of settings (grid search)",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", metavar="FILE", help="TOML file of fixed settings")
    add_training_options(p, multi=True)
    p.set_defaults(func=run)
    return p


def _split(key, value) -> list:
    if isinstance(value, list):
        return [str(v) for v in value]
    parts = [v.strip() for v in str(value).split(",")]
    if key in NOT_SWEPT or key == "dataset" and str(value).startswith("folder:"):
        return [str(value)]
    if any(not p for p in parts):
        raise ConfigError(f"{flag(key)} {value!r} has an empty value; separate values with single commas.")
    return parts


def _label(key, value) -> str:
    return f"{key}={value}"


def run(args) -> int:
    from pathlib import Path

    from ..train import config as C
    from ..train.experiment import load_data, run_experiment
    from ..train.progress import Progress, format_table
    from ..train.runs import write_json

    file_values = C.read_toml(args.config) if args.config else {}
    raw = given(args)
    lists = {k: _split(k, v) for k, v in raw.items()}
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
            raise ConfigError(f"{flag(key)} cannot take several values in a sweep.")
    combos = [dict(zip(grid, values)) for values in itertools.product(*grid.values())]
    configs = []
    for combo in combos:                         # check every configuration before training any
        cfg = C.resolve({**fixed, **combo}, file_values)
        if cfg.model == "linear" and "hidden" in grid:
            raise ConfigError("--hidden is swept but the model is linear (no hidden layer); pass --model mlp.")
        configs.append(cfg)
    base = configs[0]
    sweep_name = base.name or f"sweep-{C.dataset_kind(base.dataset) if base.dataset_kind != 'toy' else base.dataset}"
    out = Path(base.out)
    k, folder = 2, out / sweep_name
    while folder.exists() and base.name is None:
        folder, k = out / f"{sweep_name}-{k}", k + 1
    shared = None if any(key in grid for key in DATA_KEYS) else load_data(base)
    mode = raw.get("progress", "none")
    progress = Progress(mode, results=mode != "none")      # the sweep prints one line per run itself
    axes = "; ".join(f"{flag(k)} " + ", ".join(v) for k, v in grid.items())
    print(f"sweep over {axes}: {len(configs)} runs in {folder}", flush=True)
    rows, records, panels = [], [], []
    for combo, cfg in zip(combos, configs):
        cfg.out = str(folder)
        name = "_".join(_label(k, v) for k, v in combo.items()).replace("/", "-")
        t0 = time.perf_counter()
        result, exp = run_experiment(cfg, progress, splits=shared, run_name=name,
                                     write_pictures="plots" in fixed and cfg.plots)
        if result.interrupted:
            print(result.message)
            return 130
        f = result.final
        last = result.history[-1]
        rec = {**combo, "train_acc": f["train"]["acc"], "val_acc": f["val"]["acc"], "test_acc": f["test"]["acc"],
               "best_epoch": f["best_epoch"], "last_train_acc": last.get("train_acc"),
               "last_val_acc": last.get("val_acc"), "seconds": round(time.perf_counter() - t0, 2),
               "run": str(exp.run.path)}
        records.append(rec)
        print(f"  {'  '.join(_label(k, v) for k, v in combo.items())}: val {rec['val_acc']:.2%} (epoch "
              f"{rec['best_epoch']}), last epoch {_pct(rec['last_val_acc'])}  ({rec['seconds']:.1f} s)", flush=True)
        if exp.splits.num_features == 2:
            label = " ".join(_label(k, v) for k, v in combo.items())
            panels.append((f"{label}\nval {_pct(rec['val_acc'])}, as in the table", exp.model))
        rows.append(rec)
    write_json(folder / "sweep.json", {"grid": grid, "fixed": fixed, "runs": records})
    _write_csv(folder / "sweep.csv", records)
    print()
    print(_table(grid, records, format_table))
    best = max(records, key=lambda r: r["val_acc"])
    print(f"best validation accuracy {best['val_acc']:.2%} (kept weights): "
          f"{' '.join(_label(k, best[k]) for k in grid)} ({best['run']})")
    final = best_trained_to_the_end(records)
    if final is not None:
        print(f"trained to the end, best {final['last_val_acc']:.2%}: {' '.join(_label(k, final[k]) for k in grid)}")
    if panels and base.plots:
        _boundaries(panels, shared or load_data(base), folder)
    return 0


def best_trained_to_the_end(records):
    """The record with the best last-epoch validation accuracy (None if a run has none)."""
    if any(r.get("last_val_acc") is None for r in records):
        return None
    return max(records, key=lambda r: r["last_val_acc"])


def _pct(v) -> str:
    return "-" if v is None else f"{v:.2%}"


def _table(grid, records, format_table) -> str:
    keys = list(grid)
    if len(keys) == 2:
        a, b = keys
        out = []
        for key, what in (("val_acc", "best epoch (kept weights)"), ("last_val_acc", "last epoch")):
            cells = {(r[a], r[b]): r[key] for r in records}
            header = [f"val acc, {what}: {a} \\ {b}"] + list(grid[b])
            out.append(format_table([[va] + [_pct(cells[(va, vb)]) for vb in grid[b]] for va in grid[a]], header))
        return "\n\n".join(out)
    rows = [[r[k] for k in keys] + [_pct(r["val_acc"]), _pct(r["last_val_acc"]), _pct(r["train_acc"]),
                                    _pct(r["test_acc"])] for r in records]
    return format_table(rows, keys + ["val acc", "val acc, last epoch", "train acc", "test acc"])


def _write_csv(path, records):
    import csv
    import io

    from .._files import atomic_write
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(records[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(records)
    with atomic_write(path, "w") as f:
        f.write(buf.getvalue())


def _boundaries(panels, splits, folder):
    """One decision-boundary panel per run (lecture section 3.1's picture), when matplotlib is there."""
    try:
        import numpy as np

        from ..train.metrics import predict_scores
        from ..viz.plots import plot_decision_boundaries
    except ImportError:
        return
    try:
        items = [(title, (lambda m: lambda pts: predict_scores(m, np.asarray(pts, np.float32)))(model))
                 for title, model in panels]
        path = plot_decision_boundaries(items, splits.train.X, splits.train.y, folder / "decision_boundaries.png",
                                        ncols=min(3, len(items)), accuracy=False)
        print(f"picture: {path}")
    except Exception as e:  # noqa: BLE001 - pictures never fail a sweep
        print(f"(could not draw the decision boundaries: {e})")
