"""Data-parallel training on MPI: samples per second with 1 and 2 ranks, and what one step communicates.

The speed-up needs idle cores: the table's title gives the load average when it started (a busy
machine makes ranks and BLAS threads wait for each other, and the figures then mean little).

Each configuration trains the 2-layer net (softmax cross-entropy + L2, SGD) on a fixed random global batch,
split evenly across the ranks, for a number of timed steps after a warm-up; a step's time is the median
over the steps (the slowest rank's), and each configuration is run twice, keeping the faster. Each rank is its own
process (``mpiexec -n W python -m benchmarks.distributed --worker ...``) pinned to one BLAS thread; a
single process with two BLAS threads is the other way to use two cores, so it is shown too.
``allreduce`` is the time rank 0 spends in the one Allreduce per step (transfer plus waiting for the
slower rank); ``buffer`` is what each rank contributes (4 bytes per parameter, plus one float per
parameter tensor and one for the sample weight); ``ring traffic`` is what a ring Allreduce sends per
rank, ``2 (N-1)/N`` times the buffer.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from .common import table

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = [(3072, 512, 10, 256), (3072, 100, 10, 64)]      # D, H, C, global batch
LAUNCHER_VARS = ("PMI_RANK", "PMI_SIZE", "PMI_FD", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "PMIX_RANK")


def _worker(D: int, H: int, C: int, N: int, steps: int) -> None:
    """One rank: time ``steps`` training steps on this rank's N/W samples; rank 0 prints a JSON line."""
    import statistics
    import time

    import numpy as np

    import chainrule as cr
    from chainrule import distributed as dist

    dist.init()
    W, r = dist.world_size(), dist.rank()
    per_rank = dist.check_batch_size(N, W)
    cr.manual_seed(0)
    model = cr.nn.MLP(D, [H], C)
    opt = dist.wrap(model, cr.optim.SGD(model.parameters(), lr=1e-3))
    rng = np.random.default_rng(0)
    X = rng.standard_normal((N, D)).astype(np.float32)[r * per_rank:(r + 1) * per_rank]
    y = rng.integers(0, C, N)[r * per_rank:(r + 1) * per_rank]
    x = cr.Tensor(X)

    def step():
        loss = cr.nn.functional.cross_entropy(model(x), y) + cr.nn.l2_penalty(model, 1e-3)
        opt.zero_grad()
        loss.backward()
        opt.step(num_samples=len(y))

    for _ in range(3):
        step()
    dist.barrier()
    step_times, comm_times = [], []
    for _ in range(steps):
        start, comm0 = time.perf_counter(), opt.comm_seconds
        step()
        step_times.append(time.perf_counter() - start)
        comm_times.append(opt.comm_seconds - comm0)
    opt.check_in_sync()
    # medians over steps (robust to the odd step another process interrupts); the slowest rank's
    step_s = dist.all_reduce(statistics.median(step_times), op="max")
    comm = dist.all_reduce(statistics.median(comm_times), op="max")
    if dist.is_main():
        print(json.dumps({"world": W, "samples_per_s": N / step_s, "step_s": step_s,
                          "comm_s": comm, "bytes_per_step": opt.bytes_per_step,
                          "num_parameters": opt.num_parameters,
                          "ring_bytes": dist.allreduce_bytes_per_rank(opt.bytes_per_step, W)}), flush=True)


def _allreduce_worker(nbytes: int, repeats: int) -> None:
    """Time the Allreduce alone (in place, float32, ``nbytes``): median seconds, printed by rank 0."""
    import statistics
    import time

    import numpy as np
    from mpi4py import MPI

    from chainrule import distributed as dist

    dist.init()
    comm = MPI.COMM_WORLD
    buf = np.ones(nbytes // 4, dtype=np.float32)
    times = []
    for i in range(repeats + 3):
        comm.Barrier()
        start = time.perf_counter()
        comm.Allreduce(MPI.IN_PLACE, buf, op=MPI.SUM)
        if i >= 3:
            times.append(time.perf_counter() - start)
    times = comm.allreduce(statistics.median(times), op=MPI.MAX)
    if dist.is_main():
        print(json.dumps({"seconds": times}), flush=True)


def _launch(ranks: int, threads: int, cfg, steps: int, mode: str = "--worker"):
    """Run one configuration (plain process for 1 rank, else mpiexec); the worker's JSON, or an error string."""
    env = {k: v for k, v in os.environ.items() if k not in LAUNCHER_VARS}
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    cmd = [sys.executable, "-m", "benchmarks.distributed", mode, *map(str, cfg), str(steps)]
    if ranks > 1:
        mpiexec = shutil.which("mpiexec")
        if mpiexec is None:
            return "mpiexec not found (pip install chainrule[mpi])"
        version = subprocess.run([mpiexec, "--version"], capture_output=True, text=True).stdout
        extra = ["--oversubscribe", "--allow-run-as-root"] if "Open MPI" in version else []
        cmd = [mpiexec, *extra, "-n", str(ranks), *cmd]
    try:
        res = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired:
        return "timed out"
    lines = [ln for ln in res.stdout.splitlines() if ln.startswith("{")]
    if res.returncode != 0 or not lines:
        return (res.stderr.strip().splitlines() or [f"exit status {res.returncode}"])[-1]
    return json.loads(lines[-1])


def run(quick: bool = False) -> str:
    steps = 8 if quick else 30
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    rows = []
    for cfg in (CONFIGS[:1] if quick else CONFIGS):
        D, H, C, N = cfg
        base = None
        for ranks, threads in ((1, 1), (1, 2), (2, 1)):
            runs = [_launch(ranks, threads, cfg, steps) for _ in range(1 if quick else 2)]   # the faster of two
            good = [r for r in runs if not isinstance(r, str)]
            got = max(good, key=lambda r: r["samples_per_s"]) if good else runs[0]
            label = [f"{D}-{H}-{C}, {N}", f"{ranks} x {threads}"]
            if isinstance(got, str):
                rows.append(label + [got, "-", "-", "-", "-", "-"])
                continue
            base = base or got["samples_per_s"]
            mb = got["bytes_per_step"] / 1e6
            rows.append(label + [f"{got['samples_per_s']:,.0f}", f"{got['samples_per_s'] / base:.2f}x",
                                 f"{got['step_s'] * 1e3:.1f} ms",
                                 f"{got['comm_s'] * 1e3:.2f} ms" if ranks > 1 else "-",
                                 f"{mb:.2f} MB" if ranks > 1 else f"({4 * got['num_parameters'] / 1e6:.2f} MB)",
                                 f"{got['ring_bytes'] / 1e6:.2f} MB" if ranks > 1 else "-"])
    out = table(f"Data-parallel training on MPI ({os.cpu_count()} CPUs, load average {load:.1f} at start, "
                f"float32, {steps} timed steps)",
                ["D-H-C, global batch", "ranks x BLAS threads", "samples/s", "speed-up", "step",
                 "allreduce", "buffer / step", "ring traffic / rank"], rows)
    rows = []
    for D, H, C, _ in (CONFIGS[:1] if quick else CONFIGS):
        nbytes = 4 * (D * H + H + H * C + C + 4 + 1)
        got = _launch(2, 1, (nbytes,), 20 if quick else 50, mode="--allreduce")
        if isinstance(got, str):
            rows.append([f"{D}-{H}-{C}", f"{nbytes / 1e6:.2f} MB", got, "-"])
        else:
            rows.append([f"{D}-{H}-{C}", f"{nbytes / 1e6:.2f} MB", f"{got['seconds'] * 1e3:.2f} ms",
                         f"{nbytes / got['seconds'] / 1e9:.2f} GB/s"])
    return out + "\n" + table("The Allreduce alone (2 ranks, in place, median)",
                              ["net", "buffer", "Allreduce", "buffer / time"], rows)


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "--worker":
        _worker(*(int(a) for a in sys.argv[2:7]))
    elif len(sys.argv) >= 2 and sys.argv[1] == "--allreduce":
        _allreduce_worker(*(int(a) for a in sys.argv[2:4]))
    else:
        print(run(quick="--quick" in sys.argv))
