"""Helpers for the data-parallel tests: a clean process group per test and an ``mpiexec`` launcher."""
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from chainrule.distributed.world import _reset

HERE = Path(__file__).resolve().parent
WORKER = HERE / "mpi_worker.py"
LAUNCHER_VARS = ("PMI_RANK", "PMI_SIZE", "PMI_FD", "PMI_PORT", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE",
                 "PMIX_RANK", "MV2_COMM_WORLD_RANK", "MV2_COMM_WORLD_SIZE", "CHAINRULE_MPI")


@pytest.fixture(autouse=True)
def single_process_world(monkeypatch):
    """Each test starts outside any MPI launcher, with no process group joined yet."""
    for var in LAUNCHER_VARS:
        monkeypatch.delenv(var, raising=False)
    _reset()
    yield
    _reset()


def _mpiexec():
    exe = shutil.which("mpiexec")
    if exe is None:
        return None, "mpiexec is not on PATH (pip install chainrule[mpi])"
    if importlib.util.find_spec("mpi4py") is None:
        return None, "mpi4py is not installed (pip install chainrule[mpi])"
    try:
        version = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, f"mpiexec does not run: {e}"
    extra = ["--oversubscribe", "--allow-run-as-root"] if "Open MPI" in version or "OpenRTE" in version else []
    return [exe] + extra, None


MPIEXEC, WHY_NO_MPI = _mpiexec()
needs_mpi = pytest.mark.skipif(MPIEXEC is None, reason=WHY_NO_MPI or "")


def clean_env():
    env = {k: v for k, v in os.environ.items() if k not in LAUNCHER_VARS}
    env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    return env


def run(args, ranks=None, cwd=None, timeout=60):
    """Run ``args`` (a list) as one process, or under ``mpiexec -n ranks``; returns the CompletedProcess."""
    cmd = list(args) if ranks is None else MPIEXEC + ["-n", str(ranks)] + list(args)
    return subprocess.run(cmd, cwd=cwd, env=clean_env(), capture_output=True, text=True, timeout=timeout)


def run_worker(*args, ranks=None, cwd=None):
    return run([sys.executable, str(WORKER), *map(str, args)], ranks=ranks, cwd=cwd)
