"""Running a command-line program under data parallelism: one rank prints, errors end the job cleanly."""
from __future__ import annotations

import contextlib
import os
import sys
import time
import traceback

from ..errors import EXIT_BUG, EXIT_ERROR, ChainruleError, one_line
from .world import _world, abort, init


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
    prints ``PROG: error: rank R: ...`` and ends the whole job with `abort` (status ``EXIT_ERROR``, 2;
    ``EXIT_BUG``, 1, for a bug).
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
        status = EXIT_ERROR if expected else EXIT_BUG
        if _all_ranks_failing(wait_s):
            if _world.rank == 0:
                raise
            raise SystemExit(status) from None
        if expected:
            text = one_line(e) if str(e).strip() else type(e).__name__
            print(f"{prog}: error: rank {_world.rank}: {text}", file=stderr, flush=True)
        else:
            traceback.print_exc(file=stderr)
            stderr.flush()
        abort(status)
