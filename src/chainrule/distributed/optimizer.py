"""DistributedOptimizer: one Allreduce of a flat gradient buffer before each step."""
from __future__ import annotations

import time

import numpy as np

from ..autograd import enable_grad
from ..optim.optimizer import Optimizer
from ..tensor import Tensor
from .collectives import _tensors, broadcast_parameters, check_in_sync
from .sharding import shard_loader
from .world import DistributedError, _world, init


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
