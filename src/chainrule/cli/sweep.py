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

from ..errors import EXIT_INTERRUPTED, EXIT_OK
from ..train.progress import format_table
from ..train.sweep import best_trained_to_the_end, label
from .common import add_training_options, flag, given


def register(subparsers):
    p = subparsers.add_parser("sweep", help="train one run per combination of settings (grid search)",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", metavar="FILE", help="TOML file of fixed settings")
    add_training_options(p, multi=True)
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    from ..train import config as C
    from ..train.sweep import plan_sweep, run_sweep

    sweep = plan_sweep(given(args), C.read_toml(args.config) if args.config else {})
    grid = sweep.grid
    axes = "; ".join(f"{flag(k)} " + ", ".join(v) for k, v in grid.items())
    print(f"sweep over {axes}: {len(sweep.configs)} runs in {sweep.folder}", flush=True)

    def one_line(rec):
        print(f"  {'  '.join(label(k, rec[k]) for k in grid)}: val {rec['val_acc']:.2%} (epoch "
              f"{rec['best_epoch']}), last epoch {_pct(rec['last_val_acc'])}  ({rec['seconds']:.1f} s)", flush=True)
    result = run_sweep(sweep, on_run=one_line)
    if result.interrupted is not None:
        print(result.interrupted)
        return EXIT_INTERRUPTED
    records = result.records
    print()
    print(_table(grid, records))
    best = max(records, key=lambda r: r["val_acc"])
    print(f"best validation accuracy {best['val_acc']:.2%} (kept weights): "
          f"{' '.join(label(k, best[k]) for k in grid)} ({best['run']})")
    final = best_trained_to_the_end(records)
    if final is not None:
        print(f"trained to the end, best {final['last_val_acc']:.2%}: {' '.join(label(k, final[k]) for k in grid)}")
    panels = [(f"{' '.join(label(k, rec[k]) for k in grid)}\nval {_pct(rec['val_acc'])}, as in the table", exp.model)
              for rec, exp in zip(records, result.experiments) if exp.splits.num_features == 2]
    if panels and sweep.configs[0].plots:
        from ..train.experiment import load_data
        _boundaries(panels, sweep.shared or load_data(sweep.configs[0]), sweep.folder)
    return EXIT_OK


def _pct(v) -> str:
    return "-" if v is None else f"{v:.2%}"


def _table(grid, records) -> str:
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
