"""Run folders for the viewer's tests: real tiny runs on the spiral data, and hand-made ones."""
import json
import os

import pytest


def _write_run(folder, *, config=None, records=(), final=None, lock_pid=None):
    """A run folder as chainrule train leaves it (only the files the viewer reads)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(config if config is not None else
                                                   {"dataset": "spiral", "model": "mlp", "hidden": [100],
                                                    "lr": 1.0, "reg": 1e-3, "epochs": 5}))
    with open(folder / "metrics.jsonl", "w") as f:
        for r in records:
            f.write(json.dumps(r) + "\n")
    if final is not None:
        (folder / "final.json").write_text(json.dumps(final))
    if lock_pid is not None:
        (folder / ".lock").write_text(str(lock_pid))
    return folder


def _record(epoch, **extra):
    return {"epoch": epoch, "step": 3 * epoch, "lr": 1.0, "train_loss": 1.0 / epoch, "train_acc": 0.3 + 0.05 * epoch,
            "val_loss": 1.1 / epoch, "val_acc": 0.3 + 0.04 * epoch, "elapsed_s": 0.5 * epoch, **extra}


@pytest.fixture(scope="session")
def trained(tmp_path_factory):
    """Two finished 3-epoch spiral runs (lr 1 and 0.3) and a 2x2 lr x reg sweep, trained with chainrule itself."""
    from chainrule.cli.main import main
    from chainrule.train import TrainConfig, run_experiment
    out = tmp_path_factory.mktemp("runs")
    for name, lr in (("lr1", 1.0), ("lr03", 0.3)):
        run_experiment(TrainConfig(dataset="spiral", epochs=3, out=str(out), name=name, lr=lr, plots=False),
                       progress="none")
    assert main(["sweep", "--lr", "0.3,1", "--reg", "0,1e-3", "--epochs", "2", "--out", str(out),
                 "--no-plots"]) == 0
    return out


@pytest.fixture
def live_pid():
    """A PID that is alive for the test (this process)."""
    return os.getpid()


@pytest.fixture
def write_run():
    return _write_run


@pytest.fixture
def record():
    return _record


@pytest.fixture(scope="session")
def image_run(tmp_path_factory):
    """A finished run on a tiny noisy image folder (2 classes of 8x8 RGB), with its pictures drawn."""
    pytest.importorskip("matplotlib", reason="the run's pictures need matplotlib")
    Image = pytest.importorskip("PIL.Image", reason="writing the test images needs Pillow")
    import numpy as np

    from chainrule.train import TrainConfig, run_experiment
    root = tmp_path_factory.mktemp("images")
    rng = np.random.default_rng(0)
    for split, n in (("train", 30), ("test", 20)):
        for k, name in enumerate(("dark", "light")):
            (root / "data" / split / name).mkdir(parents=True)
            for i in range(n):
                pixels = np.clip(rng.normal(120 + 4 * k, 60, (8, 8, 3)), 0, 255).astype(np.uint8)
                Image.fromarray(pixels).save(root / "data" / split / name / f"{i}.png")
    run_experiment(TrainConfig(dataset=f"folder:{root / 'data'}", model="linear", epochs=2, out=str(root / "runs"),
                               name="img", batch_size=20), progress="none")
    return root / "runs" / "img"
