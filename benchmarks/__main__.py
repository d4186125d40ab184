"""Run every benchmark and print its table: ``python -m benchmarks [--quick] [--only train_step overhead ...]``.

BLAS is pinned to one thread (set before NumPy loads) so runs are comparable across machines.
"""
import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import argparse  # noqa: E402
import importlib  # noqa: E402
import platform  # noqa: E402

BENCHMARKS = ["train_step", "overhead", "memory", "cifar_epoch", "distributed"]


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats and configs (about a minute)")
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS, help="run just these")
    args = parser.parse_args(argv)
    import numpy as np
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"NumPy {np.__version__}, BLAS threads {os.environ['OPENBLAS_NUM_THREADS']}")
    for name in args.only or BENCHMARKS:
        module = importlib.import_module(f"benchmarks.{name}")
        print(module.run(quick=args.quick), flush=True)


if __name__ == "__main__":
    main()
