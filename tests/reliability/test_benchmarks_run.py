"""The benchmarks run (tiny sizes, ``--test``): every table prints, every contender is timed. No timing is asserted."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_benchmarks_run_in_test_mode():
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    res = subprocess.run([sys.executable, "-m", "benchmarks", "--test"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    out = res.stdout
    for title in ("interleaved, 1 thread", "each alone, 1 thread", "each alone, 2 threads",
                  "Natural spelling vs fused op", "Activations and losses", "Playground: 2-8-8-2 net"):
        assert title in out
    for name in ("lecture-style", "MLP + l2_penalty", "PyTorch-style", "matmuls alone (floor)",
                 "(W * W).sum() vs l2_penalty", "gelu (exact, erf)", "multi_margin_loss",
                 "while playing (the app's loop)"):
        assert name in out
    assert "not installed" not in out or "torch" not in sys.modules
