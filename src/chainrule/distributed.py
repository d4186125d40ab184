"""Data-parallel training on MPI: one process per rank, the same model everywhere, one Allreduce per step.

Every rank holds a full copy of the model. Rank 0's initial weights are broadcast to all
(`broadcast_parameters`); each global batch is cut into equal slices, one per rank (`shard_loader`, or
``DataLoader(num_shards=world_size(), shard_index=rank())``); each rank runs forward and backward on
its slice; then `DistributedOptimizer` copies every gradient into one flat preallocated buffer, sums the
buffers of all ranks with a single in-place ``Allreduce``, divides by the number of ranks and lets the
wrapped optimizer step. Every rank applies the same update to the same weights, so the weights stay
identical without ever being sent again (`check_in_sync` verifies it).

Why the mean of the ranks' gradients is the single-process gradient: with a mean-reduced loss,
``L = (1/B) sum_i l_i = (1/W) sum_r (W/B) sum_{i in shard r} l_i = (1/W) sum_r L_r`` when every shard
holds ``B/W`` samples, and the gradient is linear. Shards of unequal size (a short last batch) need
weights ``n_r / B`` instead of ``1/W``: pass ``step(num_samples=n_r)`` and the buffer carries them.

::

    import chainrule as cr
    from chainrule import distributed as dist

    dist.init()                                     # a plain process is rank 0 of 1; no MPI needed
    model = cr.nn.MLP(2, [100], 3)
    opt = dist.wrap(model, cr.optim.SGD(model.parameters(), lr=1.0), loader)   # broadcast, shard, wrap
    for X, y in loader:                             # this rank's slice of each global batch
        loss = cr.nn.functional.cross_entropy(model(cr.Tensor(X)), y)
        opt.zero_grad()
        loss.backward()
        opt.step(num_samples=len(y))                # one Allreduce, then the same update on every rank

Launch with ``mpiexec -n 4 python train.py`` (or ``mpiexec -n 4 chainrule train ...``). mpi4py is an
optional extra (``pip install chainrule[mpi]``), imported only when the process was started by an MPI
launcher; see docs/distributed.md.
"""
from __future__ import annotations

import contextlib
import math
import os
import sys
import time
import traceback

import numpy as np

from .errors import ChainruleError
from .optim.optimizer import Optimizer
from .tensor import Tensor

__all__ = [
    "DistributedError", "MPIUnavailableError", "BatchSplitError",
    "init", "is_initialized", "rank", "world_size", "is_main", "barrier", "abort", "command",
    "all_reduce", "broadcast", "broadcast_parameters", "check_in_sync", "check_batch_size", "shard_loader",
    "DistributedOptimizer", "wrap", "allreduce_bytes_per_rank", "estimate_allreduce_seconds",
]


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


def _all_ranks_failing(wait_s: float) -> bool:
    """True when every rank reaches this call within ``wait_s`` seconds (they all hit the same error)."""
    request = _world.errors.Ibarrier()
    deadline = time.monotonic() + wait_s
    while not request.Test():
        if time.monotonic() > deadline:
            return False                      # the request is left pending: the job is about to be aborted
        time.sleep(0.01)
    return True


@contextlib.contextmanager
def command(prog: str = "chainrule", wait_s: float = 5.0):
    """Run a command-line program under data parallelism (a no-op in a single process).

    Only rank 0 prints (the others' stdout and stderr go to ``os.devnull``). When the body raises on
    every rank (a bad option, a batch that does not divide: checked alike everywhere), rank 0 re-raises
    the error for the caller to report, once, and the other ranks exit with status 2 silently. When it
    raises on some ranks only, the others would wait in their next Allreduce forever: the failing rank
    prints ``PROG: error: rank R: ...`` and ends the whole job with `abort` (status 2; 1 for a bug).
    """
    init()
    if _world.size == 1:
        yield
        return
    stderr = sys.stderr
    if _world.rank != 0:
        sys.stdout.flush()
        sys.stderr.flush()
        sys.stdout = sys.stderr = open(os.devnull, "w")
    try:
        yield
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as e:
        expected = isinstance(e, (ChainruleError, OSError))
        status = 2 if expected else 1
        if _all_ranks_failing(wait_s):
            if _world.rank == 0:
                raise
            raise SystemExit(status) from None
        if expected:
            text = "; ".join(line.strip() for line in str(e).splitlines() if line.strip()) or type(e).__name__
            print(f"{prog}: error: rank {_world.rank}: {text}", file=stderr, flush=True)
        else:
            traceback.print_exc(file=stderr)
            stderr.flush()
        abort(status)


# ------------------------------------------------------------------------------------------- collectives
def _mpi_op(op: str):
    MPI = _world.MPI
    return {"sum": MPI.SUM, "mean": MPI.SUM, "max": MPI.MAX, "min": MPI.MIN}[op]


def all_reduce(value, op: str = "mean"):
    """Combine ``value`` (a NumPy array, Tensor or number) over all ranks with ``op`` ('mean', 'sum',
    'max' or 'min'); every rank gets the result, of the same kind as ``value`` (a new object; the input
    is not changed). Integers stay integers for 'sum', 'max' and 'min'; 'mean' gives floats."""
    init()
    if op not in _OPS:
        raise ValueError(f"all_reduce: op must be one of {', '.join(map(repr, _OPS))}, got {op!r}.")
    is_tensor = isinstance(value, Tensor)
    is_scalar = not isinstance(value, (np.ndarray, Tensor)) and np.ndim(value) == 0
    arr = np.array(value.data if is_tensor else value)            # a contiguous private copy
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"all_reduce: needs numbers, got an array of dtype {arr.dtype}.")
    if arr.dtype.kind == "b":
        arr = arr.astype(np.int64)
    if _world.comm is not None and _world.size > 1:
        _world.comm.Allreduce(_world.MPI.IN_PLACE, arr, op=_mpi_op(op))
    if op == "mean":
        arr = arr / _world.size if arr.dtype.kind == "f" else arr.astype(np.float64) / _world.size
    if is_tensor:
        return Tensor(arr)
    return arr.item() if is_scalar else arr


def broadcast(value, root: int = 0):
    """Rank ``root``'s ``value`` (a NumPy array, Tensor or number), returned on every rank (a new object).
    Every rank passes a value of the same shape and dtype; only the root's content matters."""
    init()
    _check_root(root)
    is_tensor = isinstance(value, Tensor)
    is_scalar = not isinstance(value, (np.ndarray, Tensor)) and np.ndim(value) == 0
    arr = np.array(value.data if is_tensor else value)
    if _world.comm is not None and _world.size > 1:
        _world.comm.Bcast(arr, root=root)
    if is_tensor:
        return Tensor(arr)
    return arr.item() if is_scalar else arr


def _check_root(root):
    if isinstance(root, bool) or int(root) != root or not 0 <= root < _world.size:
        raise ValueError(f"root={root!r} is not a rank of this world (0..{_world.size - 1}).")


def _tensors(model_or_params, with_buffers: bool = True) -> list:
    """A module's parameters (and buffers), or the tensors of an iterable / an optimizer, each once."""
    if isinstance(model_or_params, Optimizer):
        tensors = [p for g in model_or_params.param_groups for p in g["params"]]
    elif hasattr(model_or_params, "parameters") and callable(model_or_params.parameters):
        tensors = list(model_or_params.parameters())
        if with_buffers and hasattr(model_or_params, "buffers"):
            tensors += [b for b in model_or_params.buffers() if isinstance(b, Tensor)]
    else:
        tensors = list(model_or_params)
    seen, out = set(), []
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"expected a Module, an Optimizer or tensors, got a {type(t).__name__}.")
        if id(t) not in seen:
            seen.add(id(t))
            out.append(t)
    return out


def _by_dtype(tensors):
    groups: dict = {}
    for t in tensors:
        groups.setdefault(t.data.dtype, []).append(t)
    return groups


def _pack(tensors, dtype) -> np.ndarray:
    flat = np.empty(sum(t.data.size for t in tensors), dtype=dtype)
    offset = 0
    for t in tensors:
        n = t.data.size
        flat[offset:offset + n] = t.data.reshape(-1)
        offset += n
    return flat


def broadcast_parameters(model, root: int = 0) -> int:
    """Overwrite every rank's parameters and buffers with rank ``root``'s (one Bcast per dtype).

    Call once after building the model (and after loading a checkpoint), so that every rank starts
    from the same weights whatever its random seed. ``model`` is a Module, an Optimizer or an iterable
    of tensors. Returns the number of bytes broadcast.
    """
    init()
    _check_root(root)
    tensors = _tensors(model)
    nbytes = sum(t.data.nbytes for t in tensors)
    if _world.comm is None or _world.size == 1:
        return nbytes
    for dtype, group in _by_dtype(tensors).items():
        flat = _pack(group, dtype)
        _world.comm.Bcast(flat, root=root)
        offset = 0
        for t in group:
            n = t.data.size
            if not t.data.flags.writeable:
                t.data = t.data.copy()
            t.data[...] = flat[offset:offset + n].reshape(t.data.shape)
            offset += n
    return nbytes


def check_in_sync(model, atol: float = 0.0, raise_error: bool = True) -> float:
    """The largest ``|w - w_rank0|`` over all weights and all ranks (0.0 when they are identical).

    Rank 0's weights are broadcast and every rank compares its own with them; one Allreduce(MAX)
    brings the worst difference to all ranks, so all of them return (or raise) together. With
    ``raise_error`` a difference above ``atol`` raises `DistributedError`. Costs one broadcast of the
    weights: call it every K steps while debugging (``DistributedOptimizer(debug_sync=K)``), not every step.
    """
    init()
    worst = 0.0
    if _world.comm is None or _world.size == 1:
        return worst
    for dtype, group in _by_dtype(_tensors(model)).items():
        mine = _pack(group, dtype)
        ref = mine.copy()
        _world.comm.Bcast(ref, root=0)
        same = mine == ref                                           # NaN or inf in the same place: equal
        if dtype.kind == "f":
            same |= np.isnan(mine) & np.isnan(ref)
        if not same.all():
            with np.errstate(invalid="ignore", over="ignore"):
                diff = np.abs(mine[~same].astype(np.float64) - ref[~same])
            worst = max(worst, math.inf if np.isnan(diff).any() else float(diff.max()))
    worst = float(all_reduce(np.array(worst, dtype=np.float64), op="max"))
    if raise_error and not worst <= atol:
        raise DistributedError(
            f"The weights differ across ranks (max |difference| from rank 0 = {worst:.3g} > atol={atol:g}); "
            "every rank must start from broadcast weights and apply the same averaged update.")
    return worst


# ------------------------------------------------------------------------------------------------ data
def check_batch_size(batch_size: int, ranks: int | None = None) -> int:
    """The per-rank batch ``batch_size // ranks``; raises `BatchSplitError` unless it divides evenly."""
    ranks = world_size() if ranks is None else int(ranks)
    if isinstance(batch_size, bool) or int(batch_size) != batch_size or batch_size < 1:
        raise BatchSplitError(f"The global batch size must be a positive integer, got {batch_size!r}.")
    batch_size = int(batch_size)
    if batch_size % ranks or batch_size < ranks:
        lo = max(ranks, batch_size // ranks * ranks)
        hi = (batch_size // ranks + 1) * ranks
        hint = f"{lo} or {hi}" if lo != hi and lo != batch_size else f"{hi}"
        raise BatchSplitError(
            f"The global batch size {batch_size} does not divide evenly across {ranks} ranks; "
            f"use a multiple of {ranks}, e.g. {hint}.")
    return batch_size // ranks


def shard_loader(loader):
    """Make ``loader`` (a `chainrule.data.DataLoader`) yield this rank's slice of every global batch.

    Checks that its ``batch_size`` (the global batch) divides by the world size, gives every rank rank
    0's shuffle seed, and sets ``num_shards``/``shard_index``. Returns the same loader.
    """
    W, r = world_size(), rank()
    check_batch_size(loader.batch_size, W)
    if W > 1:
        loader.seed = int(broadcast(np.int64(loader.seed), root=0))
    loader.num_shards, loader.shard_index = W, r
    return loader


# -------------------------------------------------------------------------------------------- optimizer
class _GradBuffer:
    """The flat buffer one Allreduce sums: ``[grads of every parameter | has-grad flags | weight | stats]``.

    A flag per parameter keeps a parameter that no rank gave a gradient (unused this step) without one,
    as in a single process; the weight is 1 or the rank's sample count, and its sum is the divisor;
    ``stats`` are a few numbers the caller wants summed over the ranks too (loss, correct, a stop flag).
    """

    def __init__(self, params, num_stats: int = 0):
        self.params = params
        dtypes = {p.data.dtype for p in params}
        self.dtype = np.result_type(*dtypes) if dtypes else np.dtype(np.float32)
        self.offsets = np.cumsum([0] + [p.data.size for p in params])
        self.numel = int(self.offsets[-1])
        self.num_stats = num_stats
        self.weight_at = self.numel + len(params)
        self.buffer = np.zeros(self.weight_at + 1 + num_stats, dtype=self.dtype)   # allocated once

    @property
    def nbytes(self) -> int:
        return self.buffer.nbytes

    def pack(self, weight: float, stats=()) -> None:
        buf, n = self.buffer, self.numel
        buf[self.weight_at + 1:] = stats
        for i, p in enumerate(self.params):
            view = buf[self.offsets[i]:self.offsets[i + 1]]
            if p.grad is None:
                view[...] = 0
                buf[n + i] = 0
            else:
                g = p.grad.data if isinstance(p.grad, Tensor) else np.asarray(p.grad)
                if g.shape != p.data.shape:
                    raise ValueError(f"DistributedOptimizer: a gradient of shape {g.shape} for a parameter of "
                                     f"shape {p.data.shape}.")
                view[...] = g.reshape(-1)
                buf[n + i] = 1
        if weight != 1:
            buf[:n] *= weight
        buf[self.weight_at] = weight

    def unpack(self) -> float:
        """Divide by the summed weight and hand each parameter its averaged gradient (a view of the buffer)."""
        buf, n = self.buffer, self.numel
        total = float(buf[self.weight_at])
        if total > 0:
            np.divide(buf[:n], buf.dtype.type(total), out=buf[:n])
        for i, p in enumerate(self.params):
            if buf[n + i] == 0 or total <= 0:
                p.grad = None
            else:
                view = buf[self.offsets[i]:self.offsets[i + 1]].reshape(p.data.shape)
                p.grad = Tensor(view if view.dtype == p.data.dtype else view.astype(p.data.dtype))
        return total


class DistributedOptimizer(Optimizer):
    """Wrap ``optimizer`` so that ``step()`` first averages the gradients over all ranks, with one Allreduce.

    Before each step every gradient is copied into one flat contiguous buffer (float32 for a float32
    model; allocated once), the buffers of all ranks are summed in place (``MPI.IN_PLACE``), divided by
    the number of ranks, and the parameters' ``.grad`` become views of the averaged buffer; then the
    wrapped optimizer steps, so every rank applies the same update. ``step(num_samples=n)`` weights each
    rank by its sample count instead (exact when the shards of a short last batch differ in size).

    ``debug_sync=K`` checks every K steps that the weights are identical on all ranks (`check_in_sync`).
    It is an `Optimizer` (schedulers accept it); ``param_groups``, ``state``, ``zero_grad``,
    ``state_dict`` and ``load_state_dict`` are the wrapped optimizer's. In a single process ``step`` is
    the wrapped optimizer's step, with no copies.

    ``step(stats=(a, b, ...))`` sums a few numbers of this rank's over all ranks in the same Allreduce
    (a trainer's loss sum, correct count, sample count, stop flag: no second message per step); the
    sums are in ``stats`` afterwards (float64; the same on every rank).

    Facts for reports: ``bytes_per_step`` (the buffer: 4 bytes per parameter plus one float per
    parameter tensor, one for the weight and one per stat), ``num_parameters``, ``steps``, ``comm_seconds``
    (time in Allreduce, including waiting for the slowest rank).
    """

    def __init__(self, optimizer: Optimizer, debug_sync: int = 0, sync_atol: float = 0.0):
        if isinstance(optimizer, DistributedOptimizer):
            raise TypeError("DistributedOptimizer: the optimizer is already wrapped.")
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"DistributedOptimizer wraps a chainrule Optimizer, got {type(optimizer).__name__}.")
        if isinstance(debug_sync, bool) or int(debug_sync) != debug_sync or debug_sync < 0:
            raise ValueError(f"debug_sync must be an integer >= 0 (0 = off), got {debug_sync!r}.")
        init()
        self.optimizer = optimizer
        self.debug_sync = int(debug_sync)
        self.sync_atol = float(sync_atol)
        self.steps = 0
        self.comm_seconds = 0.0
        self.stats = np.zeros(0)
        self._grads = _GradBuffer(_tensors(optimizer))

    # the wrapped optimizer's state, seen through this object (schedulers read and write param_groups)
    param_groups = property(lambda self: self.optimizer.param_groups,
                            lambda self, v: setattr(self.optimizer, "param_groups", v))
    state = property(lambda self: self.optimizer.state, lambda self, v: setattr(self.optimizer, "state", v))
    defaults = property(lambda self: self.optimizer.defaults,
                        lambda self, v: setattr(self.optimizer, "defaults", v))

    @property
    def bytes_per_step(self) -> int:
        """Bytes each rank contributes to the Allreduce of one step (0 in a single process: nothing is sent)."""
        return self._grads.nbytes if _world.size > 1 else 0

    @property
    def num_parameters(self) -> int:
        return self._grads.numel

    def add_param_group(self, param_group: dict) -> None:
        self.optimizer.add_param_group(param_group)
        self._grads = _GradBuffer(_tensors(self.optimizer))

    def zero_grad(self, set_to_none: bool = True) -> None:
        self.optimizer.zero_grad(set_to_none)

    def synchronize(self, num_samples: float | None = None, stats=()) -> float:
        """Average the gradients over the ranks now (``step`` does this itself); returns the summed weight."""
        weight = 1.0 if num_samples is None else float(num_samples)
        if not weight >= 0:
            raise ValueError(f"num_samples must be >= 0, got {num_samples!r}.")
        stats = np.asarray(stats, dtype=np.float64).reshape(-1)
        if _world.size == 1:
            self.stats = stats.copy()
            return weight
        if len(stats) != self._grads.num_stats:             # the same on every rank (they pass the same kind)
            self._grads = _GradBuffer(self._grads.params, len(stats))
        self._grads.pack(weight, stats)
        start = time.perf_counter()
        _world.comm.Allreduce(_world.MPI.IN_PLACE, self._grads.buffer, op=_world.MPI.SUM)
        self.comm_seconds += time.perf_counter() - start
        self.stats = self._grads.buffer[self._grads.weight_at + 1:].astype(np.float64)
        return self._grads.unpack()

    def step(self, closure=None, *, num_samples: float | None = None, stats=()):
        """Average the gradients over all ranks (one Allreduce), then take the wrapped optimizer's step.

        ``num_samples``: the size of this rank's slice of the batch, to weight the average by it (all
        ranks must pass it, or none; 0 for an empty slice, with no gradients). ``stats``: numbers to sum
        over the ranks in the same message (every rank passes as many); see ``self.stats``. Returns the
        closure's loss, as `Optimizer.step`.
        """
        loss = None
        if closure is not None:
            from .autograd import enable_grad
            with enable_grad():
                loss = closure()
        total = self.synchronize(num_samples, stats)
        if total > 0:
            self.optimizer.step()
        self.steps += 1
        if self.debug_sync and _world.size > 1 and self.steps % self.debug_sync == 0:
            self.check_in_sync()
        return loss

    def check_in_sync(self, raise_error: bool = True) -> float:
        """`check_in_sync` over this optimizer's parameters."""
        try:
            return check_in_sync(_tensors(self.optimizer), atol=self.sync_atol, raise_error=raise_error)
        except DistributedError as e:
            raise DistributedError(f"After step {self.steps}: {e}") from None

    def state_dict(self) -> dict:
        return self.optimizer.state_dict()

    def load_state_dict(self, state_dict: dict) -> None:
        self.optimizer.load_state_dict(state_dict)

    def __getattr__(self, name):                 # anything else (e.g. a subclass's extra methods)
        if name == "optimizer":
            raise AttributeError(name)
        return getattr(self.optimizer, name)

    def __repr__(self):
        return (f"DistributedOptimizer(rank {_world.rank} of {_world.size}, {self.num_parameters} parameters, "
                f"{self.bytes_per_step} bytes per step) wrapping\n{self.optimizer!r}")


def wrap(model, optimizer: Optimizer, loader=None, debug_sync: int = 0) -> DistributedOptimizer:
    """Everything a training loop needs for data parallelism, in one call.

    `init`, broadcast rank 0's weights (`broadcast_parameters`), shard ``loader`` if given
    (`shard_loader`: checks the global batch divides by the world size) and return ``optimizer``
    wrapped in a `DistributedOptimizer`. In a single process it changes nothing but the wrapper.
    """
    init()
    if loader is not None:
        shard_loader(loader)
    broadcast_parameters(model)
    return DistributedOptimizer(optimizer, debug_sync=debug_sync)


# ------------------------------------------------------------------------------------ communication cost
def allreduce_bytes_per_rank(nbytes: int, ranks: int) -> float:
    """Bytes each rank sends (and receives) in a ring Allreduce of ``nbytes``: ``2 (N-1)/N * nbytes``
    (a reduce-scatter, then an all-gather, each moving ``(N-1)/N`` of the buffer)."""
    return 0.0 if ranks <= 1 else 2.0 * (ranks - 1) / ranks * nbytes


def estimate_allreduce_seconds(nbytes: int, ranks: int, bandwidth_gbit: float, latency_s: float = 0.0) -> float:
    """Lower bound on one ring Allreduce: bytes sent per rank over the link speed (``bandwidth_gbit`` in
    Gbit/s) plus ``2 (N-1)`` message latencies."""
    if ranks <= 1:
        return 0.0
    return allreduce_bytes_per_rank(nbytes, ranks) * 8 / (bandwidth_gbit * 1e9) + 2 * (ranks - 1) * latency_s
