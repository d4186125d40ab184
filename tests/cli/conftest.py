"""Fixtures of the command-line tests (helpers in cli_helpers.py)."""
from __future__ import annotations

import numpy as np
import pytest
from cli_helpers import Result

from chainrule.cli.main import main


@pytest.fixture
def cli(capsys, monkeypatch, tmp_path):
    """``cli("train", "--epochs", "2")`` runs ``chainrule`` in-process in ``tmp_path``; returns a Result."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CHAINRULE_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("CHAINRULE_DATA", raising=False)

    def run(*argv):
        capsys.readouterr()
        code = main([str(a) for a in argv])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)
    return run


@pytest.fixture(scope="session")
def image_folder(tmp_path_factory):
    """A tiny image-folder data set: 8x8 RGB PNGs of two classes (reddish, bluish) in train/ and test/."""
    from PIL import Image
    root = tmp_path_factory.mktemp("images") / "colors"
    rng = np.random.default_rng(0)
    for split, n in (("train", 40), ("test", 10)):
        for k, cls in enumerate(("red", "blue")):
            d = root / split / cls
            d.mkdir(parents=True)
            for i in range(n):
                img = rng.integers(0, 90, size=(8, 8, 3), dtype=np.uint8)
                img[..., 0 if k == 0 else 2] += 160
                Image.fromarray(img).save(d / f"{i:03d}.png")
    return root
