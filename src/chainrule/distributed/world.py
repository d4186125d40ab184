"""The process group: who we are (rank, world size), joining it, and its errors."""
from __future__ import annotations

import os

from ..errors import ChainruleError

class DistributedError(ChainruleError, RuntimeError):
    """Data-parallel training cannot go on (no MPI, ranks out of step, a bad split)."""


class MPIUnavailableError(DistributedError):
    """The process was launched under MPI (or MPI was asked for) but mpi4py or an MPI library is missing."""


class BatchSplitError(DistributedError, ValueError):
    """A global batch that does not divide evenly across the ranks."""


# Environment variables that MPI launchers set in every process they start: MPICH/Intel MPI (Hydra) and
# Slurm's pmi2 (PMI_*), Open MPI (OMPI_*), PMIx launchers such as `srun --mpi=pmix` (PMIX_RANK), MVAPICH2.
_RANK_VARS = ("PMI_RANK", "OMPI_COMM_WORLD_RANK", "PMIX_RANK", "MV2_COMM_WORLD_RANK")
_SIZE_VARS = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MV2_COMM_WORLD_SIZE")
_OPS = ("sum", "mean", "max", "min")


class _World:
    """The process group: ``comm is None`` for a plain single process (rank 0 of 1, no MPI loaded)."""

    def __init__(self):
        self.initialized = False
        self.comm = None
        self.errors = None
        self.MPI = None
        self.rank = 0
        self.size = 1


_world = _World()


def _launcher_env() -> tuple[str | None, int | None]:
    """``(the variable that shows an MPI launcher started us, the world size it announces)``."""
    found = next((v for v in _RANK_VARS + _SIZE_VARS if v in os.environ), None)
    size = None
    for v in _SIZE_VARS:
        try:
            size = int(os.environ[v])
            break
        except (KeyError, ValueError):
            continue
    return found, size


def _import_mpi(reason: str):
    """mpi4py's ``MPI`` module, or a one-sentence `MPIUnavailableError` naming the fix."""
    try:
        import mpi4py
    except ImportError:
        raise MPIUnavailableError(
            f"{reason} but mpi4py is not installed; install it with 'pip install chainrule[mpi]' "
            "(mpi4py plus the MPICH wheel) or 'pip install mpi4py' against your cluster's MPI.") from None
    try:
        mpi4py.rc.threads = False               # we never call MPI from more than one thread
        from mpi4py import MPI
    except (ImportError, RuntimeError, OSError) as e:
        detail = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise MPIUnavailableError(
            f"{reason} but mpi4py cannot load an MPI library ({detail}); install one with "
            "'pip install chainrule[mpi]' (MPICH wheel), your system's MPI (e.g. 'apt install libmpich-dev') "
            "or load your cluster's MPI module.") from None
    return MPI


def init(mpi: bool | None = None) -> None:
    """Join the process group (idempotent: later calls do nothing).

    ``mpi=None`` (default) uses MPI when an MPI launcher started this process (``mpiexec``/``mpirun``,
    ``srun --mpi=pmix``: it sets ``PMI_RANK``, ``OMPI_COMM_WORLD_RANK``, ``PMIX_RANK``, ...) and
    otherwise runs as rank 0 of 1 without importing mpi4py. ``mpi=True`` requires MPI (for launchers
    we do not recognise); ``mpi=False`` never uses it. The environment variable ``CHAINRULE_MPI=1``
    (or ``0``) does the same for ``mpi=None``, e.g. for ``chainrule train`` under such a launcher.

    Raises `MPIUnavailableError` when MPI is needed but mpi4py or an MPI library is missing, and
    `DistributedError` when the launcher and mpi4py belong to different MPI installations (each process
    would think it is alone).
    """
    if _world.initialized:
        return
    var, env_size = _launcher_env()
    forced = os.environ.get("CHAINRULE_MPI", "").strip().lower()
    if mpi is None and forced in ("1", "true", "yes", "on", "0", "false", "no", "off"):
        mpi, var = forced in ("1", "true", "yes", "on"), var or "CHAINRULE_MPI"
    if mpi is None:
        mpi = var is not None
    if not mpi:
        _world.comm, _world.MPI, _world.rank, _world.size = None, None, 0, 1
        _world.initialized = True
        return
    reason = ("CHAINRULE_MPI asks for MPI" if var == "CHAINRULE_MPI" else
              f"this process was started by an MPI launcher ({var} is set)" if var else "MPI was requested")
    MPI = _import_mpi(reason[:1].upper() + reason[1:])
    comm = MPI.COMM_WORLD
    size = comm.Get_size()
    if env_size is not None and env_size != size:
        raise DistributedError(
            f"The launcher started {env_size} processes but MPI reports a world of {size}: mpiexec and mpi4py "
            "come from different MPI installations; use the mpiexec of the MPI that mpi4py was built with "
            "('python -m mpi4py --mpi-library' names it).")
    _world.comm, _world.MPI, _world.rank, _world.size = comm, MPI, comm.Get_rank(), size
    _world.errors = comm.Dup() if size > 1 else None      # a channel of its own for `command`'s error check
    _world.initialized = True


def is_initialized() -> bool:
    return _world.initialized


def _reset() -> None:
    """Forget the process group (tests only; MPI itself stays initialised until the process exits)."""
    _world.__init__()


def rank() -> int:
    """This process's rank, 0..world_size()-1 (0 in a plain process). Calls `init` if needed."""
    init()
    return _world.rank


def world_size() -> int:
    """The number of processes training together (1 in a plain process). Calls `init` if needed."""
    init()
    return _world.size


def is_main() -> bool:
    """True on rank 0, the one process that prints, logs, writes metrics and saves checkpoints."""
    return rank() == 0


def barrier() -> None:
    """Wait until every rank has reached this call (no-op in a single process)."""
    init()
    if _world.comm is not None:
        _world.comm.Barrier()


def abort(status: int = 1) -> None:
    """End every rank now with exit ``status``: for an error that only some ranks hit (the others would
    wait for them in the next collective forever). A single process just exits."""
    init()
    if _world.comm is not None and _world.size > 1:
        _world.comm.Abort(int(status))
    raise SystemExit(int(status))
