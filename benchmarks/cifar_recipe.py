"""The CIFAR-10 (JPEG copy) MLP recipe against a PyTorch script of the same recipe on the same data.

chainrule's side is what ``chainrule train --dataset cifar10 --model mlp`` runs (`run_experiment`, with its
per-epoch validation and checkpoints, no pictures). PyTorch's side is the same recipe written as a plain
PyTorch loop: 3072-2048-10 ReLU MLP, SGD with Nesterov momentum, OneCycleLR with the recipe's warmup,
``loss = cross_entropy + reg * sum(W**2)`` over the weight matrices, validation every epoch, test at the
end (chainrule's test figure is of its best-validation weights, PyTorch's of its last). Samples per second
count training steps only. Both read the same splits and the same augmented batches (chainrule's loader:
random crops and flips in NumPy; PyTorch has no image augmentation without torchvision). The floor is the
recipe's five matmuls per step alone, on NumPy's BLAS: no step of this recipe can be faster with that BLAS.
Each contender runs alone, in its own process, with the same number of threads, one after the other;
data loading is not timed.

    python -m benchmarks --only cifar_recipe                  # 1 epoch of the full training split, 2 threads
    python -m benchmarks.cifar_recipe --epochs 50 --threads 2 # the whole recipe, each contender (over an hour
                                                              # on 2 AVX2 cores: chainrule's part is 24 min)
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .common import table

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("CHAINRULE_DATA", ROOT.parent / "shared" / "data"))
CONTENDERS = ("chainrule", "pytorch", "floor")
NAMES = {"chainrule": "chainrule", "pytorch": "PyTorch", "floor": "matmuls alone (floor, NumPy's BLAS)"}


def _config(epochs: int, subset: int | None, out: str):
    from chainrule.train.config import resolve
    flags = {"dataset": "cifar10", "model": "mlp", "epochs": epochs, "data_dir": str(DATA_DIR), "out": out,
             "progress": "none", "plots": False}
    if subset:
        flags["subset"] = subset
    return resolve(flags)


def _chainrule(cfg, splits) -> dict:
    from chainrule.train.experiment import run_experiment
    start = time.perf_counter()
    result, _ = run_experiment(cfg, progress="none", splits=splits, run_name="bench", write_pictures=False)
    return {"seconds": result.final["train_time_s"], "wall": time.perf_counter() - start,
            "test_acc": result.final["test"]["acc"], "val_acc": result.best_val_acc}


def _pytorch(cfg, splits) -> dict:
    import numpy as np
    import torch

    from chainrule.train.experiment import build_loader
    torch.manual_seed(cfg.seed)
    D, C, H = splits.num_features, splits.num_classes, cfg.hidden[0]
    model = torch.nn.Sequential(torch.nn.Linear(D, H), torch.nn.ReLU(), torch.nn.Linear(H, C))
    weights = [model[0].weight, model[2].weight]
    opt = torch.optim.SGD(model.parameters(), lr=cfg.lr, momentum=cfg.momentum, nesterov=True)
    loader = build_loader(cfg, splits)
    total = cfg.epochs * len(loader)
    warm = min(int(round(cfg.warmup * len(loader))), total - 1)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg.lr, total_steps=total,
                                                pct_start=warm / total if warm > 0 else 0.3, cycle_momentum=True,
                                                div_factor=25.0, final_div_factor=1e3)

    def accuracy(split):
        model.eval()
        with torch.no_grad():
            hits = sum(int((model(torch.from_numpy(split.X[i:i + 1000])).argmax(1).numpy()
                            == split.y[i:i + 1000]).sum()) for i in range(0, len(split), 1000))
        model.train()
        return hits / len(split)

    start = time.perf_counter()
    best_val, training = 0.0, 0.0
    for _ in range(cfg.epochs):       # each full pass advances the loader to its next epoch
        epoch_start = time.perf_counter()
        for xb, yb in loader:
            scores = model(torch.from_numpy(np.ascontiguousarray(xb)))
            loss = torch.nn.functional.cross_entropy(scores, torch.from_numpy(yb))
            loss = loss + cfg.reg * sum((w * w).sum() for w in weights)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
        training += time.perf_counter() - epoch_start
        best_val = max(best_val, accuracy(splits.val))
    test_acc = accuracy(splits.test)
    return {"seconds": training, "wall": time.perf_counter() - start, "test_acc": test_acc, "val_acc": best_val}


def _floor(cfg, splits) -> dict:
    """The recipe's matmuls alone (two forward, three backward per step, NumPy's BLAS, the recipe's batches):
    the time no implementation of this recipe on this BLAS can beat."""
    import numpy as np

    from .train_step import floor_step
    n, B = len(splits.train), cfg.batch_size
    D, H, C = splits.num_features, cfg.hidden[0], splits.num_classes
    rng = np.random.default_rng(0)
    steps = {b: floor_step(D, H, C, b, rng.standard_normal((b, D)).astype(np.float32), None)
             for b in {B, n % B} - {0}}
    start = time.perf_counter()
    for _ in range(cfg.epochs):
        for i in range(0, n, B):
            steps[min(B, n - i)]()
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "wall": seconds, "test_acc": None, "val_acc": None}


def contend(name: str, epochs: int, subset: int | None) -> dict:
    """Run one contender in this process and return its figures (called in a child process)."""
    from chainrule.train.experiment import load_data
    with tempfile.TemporaryDirectory() as out:
        cfg = _config(epochs, subset, out)
        splits = load_data(cfg)
        figures = {"chainrule": _chainrule, "pytorch": _pytorch, "floor": _floor}[name](cfg, splits)
    figures["samples"] = epochs * len(splits.train)
    return figures


def measure(epochs: int, subset: int | None, threads: int, contenders=CONTENDERS) -> dict:
    """Each contender alone, in its own process with ``threads`` BLAS/OpenMP threads, back to back."""
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "OPENBLAS_NUM_THREADS": str(threads),
           "MKL_NUM_THREADS": str(threads), "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    figures = {}
    for name in contenders:
        cmd = [sys.executable, "-m", "benchmarks.cifar_recipe", "--contender", name, "--epochs", str(epochs)]
        if subset:
            cmd += ["--subset", str(subset)]
        done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
        if done.returncode:
            figures[name] = {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"}
        else:
            figures[name] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def render(figures: dict, epochs: int, subset: int | None, threads: int) -> str:
    rows = []
    base = figures.get("pytorch", {}).get("samples")
    base_rate = base / figures["pytorch"]["seconds"] if base else None
    for name, f in figures.items():
        if "error" in f:
            rows.append([NAMES[name], "-", "-", "-", "-", "-", f["error"]])
            continue
        rate = f["samples"] / f["seconds"]
        ratio = f"{rate / base_rate:.2f}x" if base_rate else "-"
        accuracy = (["-", "-"] if f["test_acc"] is None       # the floor trains nothing
                    else [f"{100 * f['val_acc']:.2f}%", f"{100 * f['test_acc']:.2f}%"])
        rows.append([NAMES[name], f"{f['seconds']:.1f} s", f"{f['wall']:.1f} s", f"{rate:,.0f}", ratio, *accuracy])
    what = f"{subset:,} training images" if subset else "the full training split"
    return table(f"CIFAR-10 (JPEG copy) MLP recipe, {epochs} epoch(s) on {what}, {threads} threads, each alone",
                 ["contender", "training steps", "whole run", "samples / s", "vs PyTorch", "best val", "test"], rows)


def run(quick: bool = False) -> str:
    if not (DATA_DIR / "cifar10-jpeg.tar").exists() and not (DATA_DIR / "cifar-10-batches-py").exists():
        return f"\n### CIFAR-10 (JPEG copy) MLP recipe\n\nskipped: no CIFAR-10 under {DATA_DIR} (set CHAINRULE_DATA)"
    subset = 5_000 if quick else None
    return render(measure(1, subset, 2), 1, subset, 2)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cifar_recipe", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=1, help="epochs of the recipe (it has 50)")
    parser.add_argument("--subset", type=int, help="train on this many images (default: the whole split)")
    parser.add_argument("--threads", type=int, default=2, help="BLAS/OpenMP threads of each contender")
    parser.add_argument("--only", nargs="+", choices=CONTENDERS, default=CONTENDERS)
    parser.add_argument("--contender", choices=CONTENDERS, help=argparse.SUPPRESS)   # the child process
    args = parser.parse_args(argv)
    if args.contender:
        print(json.dumps(contend(args.contender, args.epochs, args.subset)))
        return
    print(render(measure(args.epochs, args.subset, args.threads, args.only), args.epochs, args.subset, args.threads))


if __name__ == "__main__":
    main()
