"""``chainrule train``: train a linear classifier or an MLP; alone, the lecture's spiral comparison.

``chainrule train`` with no options trains both the linear classifier and the 2-layer net
``f = W2 max(0, W1 x)`` on the spiral data and prints their accuracies side by side (lecture section 1).
"""
from __future__ import annotations

import argparse

from ..errors import EXIT_INTERRUPTED, EXIT_OK, ConfigError
from .common import add_training_options, flag, given

#: settings that may change when a run is resumed (nothing that changes the arithmetic of the steps done)
#: (and ``epochs``: more epochs extend the run, its schedule planned for the new length; see docs/cli.md)
RESUMABLE = ("epochs", "progress", "plots", "data_dir", "download", "detect_anomaly", "checkpoint_every",
             "debug_sync")

DESCRIPTION = """\
Train a classifier and record the run in OUT/NAME/ (config.json, metrics.jsonl/.csv, last and best
checkpoints, final.json, pictures). With no options: the linear classifier and the 2-layer net on the
spiral data, side by side. Settings not given come from --config, then from the recipe for the data set
(see docs/cli.md). Ctrl-C stops after the current step, saves a checkpoint and prints how to resume."""


def register(subparsers):
    p = subparsers.add_parser("train", help="train a linear classifier or an MLP (alone: the spiral demo)",
                              description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", metavar="FILE", help="TOML file of settings (same names as the flags)")
    p.add_argument("--resume", metavar="RUN", help="continue the run in folder RUN exactly where it stopped "
                                                   "(with --epochs N: train a finished run longer)")
    # --model also takes "both" (the lecture's comparison)
    add_training_options(p, helps={"model": "linear, mlp, or both (default: both for the 2-D sets, mlp otherwise)"})
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    from .. import distributed      # data parallel (issue 9): under mpiexec only rank 0 prints; see docs/distributed.md
    with distributed.command("chainrule train"):
        return _run(args)


def _run(args) -> int:
    from ..train import config as C
    from ..train.experiment import resume_experiment, run_experiment
    from ..train.progress import Progress

    flags = given(args)
    if args.resume:
        if args.config:
            raise ConfigError("--resume continues a run with its saved settings; drop --config.")
        fixed = [flag(k) for k in flags if k not in RESUMABLE]
        if fixed:
            raise ConfigError(f"--resume continues a run with its saved settings; drop {', '.join(fixed)} "
                              f"(only {', '.join(flag(k) for k in RESUMABLE)} may change).")
        overrides = C.parse_values(flags, "the command line")
        progress = Progress(overrides.get("progress", "auto"))
        result, _ = resume_experiment(args.resume, progress, overrides)
        return EXIT_INTERRUPTED if result.interrupted else EXIT_OK

    file_values = C.read_toml(args.config) if args.config else {}
    model = str(flags.get("model") or file_values.get("model") or "").strip().lower()
    flags.pop("model", None)
    file_values = {k: v for k, v in file_values.items() if k != "model"}
    dataset = C.parse_dataset("dataset", flags.get("dataset") or file_values.get("dataset") or "spiral")
    if not model:
        model = "both" if C.dataset_kind(dataset) == "toy" else "mlp"
    if model != "both":
        cfg = C.resolve({**flags, "model": model}, file_values)
        result, _ = run_experiment(cfg, Progress(cfg.progress))
        return EXIT_INTERRUPTED if result.interrupted else EXIT_OK
    return _compare(flags, file_values)


def _compare(flags, file_values) -> int:
    """Train the linear classifier and the MLP on the same data; print both accuracies."""
    from ..train import config as C
    from ..train.experiment import load_data, run_experiment
    from ..train.progress import Progress, format_table

    configs = [C.resolve({**flags, "model": m}, file_values) for m in ("linear", "mlp")]
    splits = load_data(configs[0])
    progress = Progress(configs[0].progress)
    name = configs[0].name
    rows = []
    for cfg in configs:
        run_name = f"{name}-{cfg.model}" if name else None
        result, exp = run_experiment(cfg, progress, splits=splits, run_name=run_name)
        if result.interrupted:
            return EXIT_INTERRUPTED
        f = result.final
        rows.append([cfg.describe_model(), f"{f['train']['acc']:.2%}", f"{f['val']['acc']:.2%}",
                     f"{f['test']['acc']:.2%}", f"{f['train_time_s']:.1f} s", str(exp.run.path)])
        progress.line("")
    progress.result(f"{splits.name} ({splits.num_classes} classes, {len(splits.train)} training points): "
                    f"a linear classifier cannot separate it, one hidden layer can (lecture section 1).")
    progress.result(format_table(rows, ["model", "train acc", "val acc", "test acc", "training", "run folder"]))
    return EXIT_OK
