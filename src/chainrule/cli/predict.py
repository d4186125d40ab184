"""``chainrule predict RUN_OR_CHECKPOINT IMAGE...``: the most probable classes of image files."""
from __future__ import annotations

import json

from ..errors import EXIT_OK


def register(subparsers):
    p = subparsers.add_parser("predict", help="classify image files with a trained run",
                              description="Classify image files (PNG, JPEG, ...; resized to the training size) "
                                          "with the best (or last) weights of a run folder or a checkpoint file.")
    p.add_argument("target", metavar="RUN_OR_CHECKPOINT", help="a run folder (runs/NAME) or a .safetensors checkpoint")
    p.add_argument("images", metavar="IMAGE", nargs="+", help="image files")
    p.add_argument("--top", type=int, default=3, metavar="K", help="how many classes to show per image (default 3)")
    p.add_argument("--checkpoint", choices=("best", "last"), default="best",
                   help="which checkpoint of a run folder (default best)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    from ..errors import ConfigError
    from ..train.inference import classify_images, load_trained
    if args.top < 1:
        raise ConfigError(f"--top {args.top} is not a positive integer.")
    loaded = load_trained(args.target, args.checkpoint)
    results = classify_images(loaded, args.images, args.top)
    if args.json:
        print(json.dumps([{"image": p, "top": [{"class": c, "probability": q} for c, q in top]}
                          for p, top in results], indent=2))
        return EXIT_OK
    for path, top in results:
        shown = "  ".join(f"{c} {q:.1%}" for c, q in top)
        print(f"{path}: {shown}")
    return EXIT_OK
