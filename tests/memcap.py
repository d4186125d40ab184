"""Run a loader in a child process under a memory cap and a timeout, so that an input which costs gigabytes
or never ends fails its test (as a MemoryError or a timeout) instead of exhausting the machine.

    out = run_capped(cr.load, path)                 # at most 256 MiB more address space, 60 s
    assert out.raised == "CheckpointError", out
"""
from __future__ import annotations

import multiprocessing
import os
import resource
import traceback
from dataclasses import dataclass

MiB = 1 << 20


@dataclass
class Outcome:
    """What the child did: ``status`` is "returned", "raised", "timeout" or "died" (killed by a signal)."""

    status: str
    raised: str = ""          # the exception's type name when status == "raised"
    message: str = ""         # its message (or the child's exit code / the timeout)
    value: object = None      # the return value (its repr if it cannot be sent back)

    def __repr__(self):
        return f"Outcome({self.status} {self.raised}: {self.message[:500]!r} value={str(self.value)[:200]!r})"


def _address_space() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmSize in /proc/self/status")


def _child(conn, fn, args, kwargs, memory):
    limit = _address_space() + memory
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        value = fn(*args, **kwargs)
        try:
            conn.send(Outcome("returned", value=value))
        except Exception:       # noqa: BLE001 - an unpicklable result comes back as its repr
            conn.send(Outcome("returned", value=repr(value)))
    except BaseException as e:  # noqa: BLE001 - report everything, MemoryError and RecursionError included
        last = traceback.format_exception_only(type(e), e)[-1].strip()
        conn.send(Outcome("raised", type(e).__name__, str(e) or last))
    finally:
        conn.close()


def run_capped(fn, *args, memory: int = 256 * MiB, timeout: float = 60, **kwargs) -> Outcome:
    """``fn(*args, **kwargs)`` in a forked child whose address space may grow by ``memory`` bytes at most,
    killed after ``timeout`` seconds (Linux only)."""
    ctx = multiprocessing.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    p = ctx.Process(target=_child, args=(send, fn, args, kwargs, memory), daemon=True)
    p.start()
    send.close()
    try:
        if recv.poll(timeout):
            try:
                out = recv.recv()
            except EOFError:
                out = None
        else:
            p.kill()
            p.join()
            return Outcome("timeout", message=f"still running after {timeout} s")
    finally:
        recv.close()
    p.join(timeout)
    if out is None:
        return Outcome("died", message=f"exit code {p.exitcode}")
    return out


def assert_refused(out: Outcome, error: str, *words):
    """The child raised ``error`` (a type name) with each of ``words`` in its one-line message."""
    assert out.status == "raised" and out.raised == error, out
    assert "\n" not in out.message, out
    for w in words:
        assert w.lower() in out.message.lower(), (w, out)


def environment_ok() -> bool:
    """Whether memory caps work here (Linux with /proc and fork)."""
    return os.path.exists("/proc/self/status") and hasattr(resource, "RLIMIT_AS")
