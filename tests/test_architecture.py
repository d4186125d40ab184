"""The import directions of docs/architecture.md, enforced by import-linter's contracts in pyproject.toml."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = shutil.which("lint-imports")
pytestmark = pytest.mark.skipif(LINT is None, reason="import-linter is not installed (pip install import-linter)")


def _lint(src):
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run([LINT, "--config", str(ROOT / "pyproject.toml"), "--no-cache"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_import_contracts_are_kept():
    result = _lint(ROOT / "src")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout


@pytest.mark.parametrize("low, high", [("ops", "nn"), ("nn", "train"), ("tensor", "viz"), ("train", "cli"),
                                       ("functions", "tensor")])
def test_a_back_arrow_breaks_the_contracts(tmp_path, low, high):
    shutil.copytree(ROOT / "src" / "chainrule", tmp_path / "chainrule",
                    ignore=shutil.ignore_patterns("__pycache__", "static"))
    package = tmp_path / "chainrule"
    if (package / low).is_dir():
        (package / low / "_probe.py").write_text(f"from .. import {high}  # a back-arrow\n")
    else:  # a module such as functions.py
        module = package / f"{low}.py"
        module.write_text(module.read_text() + f"\nfrom . import {high}  # a back-arrow\n")
    result = _lint(tmp_path)
    assert result.returncode != 0
    assert f"chainrule.{low} is not allowed to import chainrule.{high}" in result.stdout


def test_every_top_level_module_has_a_layer():
    import tomllib
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    layers = next(c for c in config if c["type"] == "layers")["layers"]
    named = {name.strip().removeprefix("chainrule.") for layer in layers for name in layer.split("|")}
    package = ROOT / "src" / "chainrule"
    modules = {p.stem for p in package.glob("*.py") if p.stem != "__init__" and p.stem != "__main__"}
    modules |= {p.parent.name for p in package.glob("*/__init__.py")}
    missing = sorted(modules - named)
    assert not missing, f"add {missing} to a layer of [tool.importlinter] in pyproject.toml"


def test_the_paths_anomaly_mode_tells_apart_name_real_files():
    """detect_anomaly tells the engine and the drivers (trainer, CLI, ...) from a model's code by their paths."""
    from chainrule.autograd import anomaly
    for path in anomaly._ENGINE + anomaly._DRIVERS:
        assert (ROOT / "src" / path.strip("/")).exists(), f"{path} is no longer a file or folder of chainrule"
