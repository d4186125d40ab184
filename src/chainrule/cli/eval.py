"""``chainrule eval RUN_OR_CHECKPOINT``: accuracy, per-class accuracy and confusion matrix on a split."""
from __future__ import annotations

import json

from ..errors import EXIT_OK


def register(subparsers):
    p = subparsers.add_parser("eval", help="evaluate a trained run on a data split",
                              description="Evaluate the best (or last) weights of a run folder, or a checkpoint "
                                          "file, on a split of its data set (or of another one with the same "
                                          "inputs and classes), preprocessed as in training.")
    p.add_argument("target", metavar="RUN_OR_CHECKPOINT", help="a run folder (runs/NAME) or a .safetensors checkpoint")
    p.add_argument("--dataset", metavar="NAME", help="data set to evaluate on (default: the run's)")
    p.add_argument("--data-dir", metavar="DIR", help="folder holding the data set files")
    p.add_argument("--download", action="store_true",
                   help="fetch cifar10, fashion-mnist or mnist from the official site if not found")
    p.add_argument("--split", choices=("test", "val", "train"), default="test", help="which split (default test)")
    p.add_argument("--checkpoint", choices=("best", "last"), default="best",
                   help="which checkpoint of a run folder (default best)")
    p.add_argument("--batch-size", type=int, default=1000, metavar="N", help="examples per forward pass")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    from ..errors import ConfigError
    from ..train.config import parse_dataset
    from ..train.inference import evaluate_split, load_trained
    from ..train.progress import format_table
    if args.batch_size < 1:
        raise ConfigError(f"--batch-size {args.batch_size} is not a positive integer.")
    dataset = parse_dataset("dataset", args.dataset) if args.dataset else None
    loaded = load_trained(args.target, args.checkpoint)
    r = evaluate_split(loaded, dataset, args.split, args.data_dir, args.batch_size, args.download)
    if args.json:
        print(json.dumps(r, indent=2))
        return EXIT_OK
    print(f"{r['dataset']}, {r['split']} split ({r['n']:,} examples), {loaded.path}:")
    print(f"accuracy {r['acc']:.2%}   loss {r['loss']:.4f}")
    rows = [[c, f"{sum(row):,}", "-" if a is None else f"{a:.2%}"]
            for c, row, a in zip(r["classes"], r["confusion_matrix"], r["per_class_acc"])]
    print()
    print(format_table(rows, ["class", "examples", "accuracy"]))
    cm = r["confusion_matrix"]
    labels = [c[:8] for c in r["classes"]]
    print()
    print("confusion matrix (rows: true class, columns: predicted)")
    print(format_table([[lab] + [str(v) for v in row] for lab, row in zip(labels, cm)], ["true \\ pred"] + labels))
    return EXIT_OK
