"""Helpers for the command-line tests: run ``chainrule`` in-process (fast) or as a real subprocess."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from real_data import CIFAR_JPEG_TAR  # noqa: F401  (the tests import it from here)


class Result:
    def __init__(self, code, out, err):
        self.code, self.out, self.err = code, out, err

    def __repr__(self):
        return f"Result(code={self.code}, out={self.out[-2000:]!r}, err={self.err[-2000:]!r})"


def subprocess_env(tmp_path) -> dict:
    env = dict(os.environ)
    env["CHAINRULE_CACHE"] = str(tmp_path / "cache")
    env["PYTHONUNBUFFERED"] = "1"
    src = str(Path(__file__).resolve().parents[2] / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    return env


def chainrule_cmd(*argv) -> list:
    return [sys.executable, "-m", "chainrule.cli", *[str(a) for a in argv]]


def run_subprocess(tmp_path, *argv, timeout=120) -> Result:
    p = subprocess.run(chainrule_cmd(*argv), cwd=tmp_path, env=subprocess_env(tmp_path), capture_output=True,
                       text=True, timeout=timeout)
    return Result(p.returncode, p.stdout, p.stderr)


def assert_one_line_error(r: Result, *words):
    """Exit status 2, exactly one line on stderr, no traceback, and each of ``words`` in it."""
    assert r.code == 2, r
    lines = [ln for ln in r.err.splitlines() if ln.strip()]
    assert len(lines) == 1, r
    assert "Traceback" not in r.err and "Traceback" not in r.out, r
    assert lines[0].startswith("chainrule"), r
    assert ": error: " in lines[0], r
    for w in words:
        assert w.lower() in lines[0].lower(), (w, lines[0])


