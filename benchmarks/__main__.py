"""Run every benchmark and print its table: ``python -m benchmarks [--quick] [--only train_step overhead ...]``.

BLAS is pinned to one thread (set before NumPy loads) so runs are comparable across machines.
"""
import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import argparse  # noqa: E402
import importlib  # noqa: E402
import platform  # noqa: E402

BENCHMARKS = ["train_step", "idioms", "activations", "optimizers", "overhead", "memory", "cifar_epoch", "cifar_recipe",
              "distributed", "playground", "layer_summaries"]
# these take --test: tiny sizes, no timing worth reading
TESTABLE = ("train_step", "idioms", "activations", "optimizers", "playground", "layer_summaries")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats and configs (about a minute)")
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS, help="run just these")
    parser.add_argument("--test", action="store_true",
                        help=f"check that {', '.join(TESTABLE)} run, on tiny sizes (seconds; the figures mean nothing)")
    args = parser.parse_args(argv)
    import numpy as np

    from .common import blas_description, cpu_name, try_import_torch
    print(f"machine: {cpu_name()}, {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"NumPy {np.__version__}, BLAS threads {os.environ['OPENBLAS_NUM_THREADS']} unless a table says otherwise")
    print(f"BLAS: {blas_description(try_import_torch())}")
    for name in args.only or (TESTABLE if args.test else BENCHMARKS):
        module = importlib.import_module(f"benchmarks.{name}")
        if args.test and name not in TESTABLE:
            parser.error(f"{name} has no --test mode; leave --test out or pick from {', '.join(TESTABLE)}")
        print(module.run(quick=args.quick, test=True) if args.test else module.run(quick=args.quick), flush=True)


if __name__ == "__main__":
    main()
