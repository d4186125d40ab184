"""``chainrule train``, ``eval``, ``predict`` and ``sweep`` doing their jobs (the error paths are in test_cli_errors)."""
from __future__ import annotations

import json
import tarfile

import numpy as np
import pytest
from cli_helpers import CIFAR_JPEG_TAR, assert_one_line_error

FAST = ("--progress", "none", "--no-plots")


def test_train_without_arguments_is_the_lecture_comparison(cli, tmp_path):
    r = cli("train")
    assert r.code == 0, r
    linear = json.loads((tmp_path / "runs/spiral-linear/final.json").read_text())
    net = json.loads((tmp_path / "runs/spiral-mlp/final.json").read_text())
    assert net["train"]["acc"] >= 0.99                    # the 2-layer net separates the spiral ...
    assert 0.35 <= linear["train"]["acc"] <= 0.65          # ... a linear classifier cannot
    assert net["model"].startswith("2-layer net (100 hidden")
    table = r.out[r.out.index("model "):]
    assert f"{linear['train']['acc']:.2%}" in table.splitlines()[2]
    assert f"{net['train']['acc']:.2%}" in table.splitlines()[3]
    for run in ("spiral-linear", "spiral-mlp"):             # the run folder is complete
        folder = tmp_path / "runs" / run
        for name in ("config.json", "metrics.jsonl", "metrics.csv", "last.safetensors", "best.safetensors",
                     "final.json", "report.html", "curves.png", "decision_boundary.png"):
            assert (folder / name).is_file(), (run, name)
    lines = (tmp_path / "runs/spiral-mlp/metrics.jsonl").read_text().splitlines()
    assert len(lines) == net["epochs"] and json.loads(lines[-1])["epoch"] == net["epochs"]
    csv_rows = (tmp_path / "runs/spiral-mlp/metrics.csv").read_text().splitlines()
    assert len(csv_rows) == net["epochs"] + 1 and csv_rows[0].startswith("epoch,step,lr,train_loss,train_acc")


def test_config_file_then_flags_override(cli, tmp_path):
    (tmp_path / "run.toml").write_text('dataset = "moons"\nhidden = [16, 8]\nepochs = 3\nlr = 0.05\n'
                                       'optimizer = "adam"\nseed = 7\n')
    r = cli("train", "--config", "run.toml", "--epochs", "2", "--model", "mlp", "--name", "m", *FAST)
    assert r.code == 0, r
    cfg = json.loads((tmp_path / "runs/m/config.json").read_text())
    assert (cfg["dataset"], cfg["hidden"], cfg["optimizer"], cfg["lr"], cfg["seed"]) == ("moons", [16, 8], "adam", 0.05, 7)
    assert cfg["epochs"] == 2                              # the flag wins over the file
    assert json.loads((tmp_path / "runs/m/final.json").read_text())["epochs"] == 2


def test_image_folder_train_eval_predict(cli, tmp_path, image_folder):
    r = cli("train", "--dataset", f"folder:{image_folder}", "--hidden", "16", "--epochs", "5", "--batch-size", "16",
            "--lr", "0.05", "--name", "colors", "--augment", "--progress", "plain")
    assert r.code == 0, r
    final = json.loads((tmp_path / "runs/colors/final.json").read_text())
    assert final["test"]["acc"] >= 0.9
    assert (tmp_path / "runs/colors/templates.png").is_file() and (tmp_path / "runs/colors/confusion.png").is_file()

    r = cli("eval", "runs/colors", "--json")
    assert r.code == 0, r
    ev = json.loads(r.out)
    assert ev["acc"] == pytest.approx(final["test"]["acc"]) and ev["n"] == 20
    assert np.array(ev["confusion_matrix"]).sum() == 20 and ev["classes"] == ["blue", "red"]
    r = cli("eval", "runs/colors/last.safetensors", "--split", "train")
    assert r.code == 0 and "confusion matrix" in r.out and "accuracy" in r.out, r

    r = cli("predict", "runs/colors", str(image_folder / "test/red/000.png"), str(image_folder / "test/blue/003.png"),
            "--top", "2")
    assert r.code == 0, r
    first, second = r.out.strip().splitlines()
    assert first.split(": ")[1].startswith("red") and second.split(": ")[1].startswith("blue")


def test_sweep_trains_every_combination(cli, tmp_path):
    r = cli("sweep", "--hidden", "8,32", "--reg", "0,1e-2", "--epochs", "4", "--name", "grid", "--no-plots")
    assert r.code == 0, r
    summary = json.loads((tmp_path / "runs/grid/sweep.json").read_text())
    assert [(x["hidden"], x["reg"]) for x in summary["runs"]] == [("8", "0"), ("8", "1e-2"), ("32", "0"), ("32", "1e-2")]
    assert all((tmp_path / x["run"] / "final.json").is_file() for x in summary["runs"])
    assert "val acc, best epoch (kept weights): hidden \\ reg" in r.out and "val acc, last epoch: hidden \\ reg" in r.out
    assert "best validation accuracy" in r.out and all("last_val_acc" in x for x in summary["runs"])


def test_non_finite_loss_stops_with_epoch_and_step(cli, tmp_path):
    r = cli("train", "--model", "mlp", "--lr", "1e30", "--optimizer", "sgd", "--name", "boom", *FAST)
    assert_one_line_error(r, "diverged", "epoch 1, step", "--lr")
    assert not (tmp_path / "runs/boom/final.json").exists()


def test_detect_anomaly_names_the_op(cli, tmp_path):
    r = cli("train", "--model", "mlp", "--lr", "1e30", "--optimizer", "sgd", "--detect-anomaly", "--name", "an", *FAST)
    assert r.code == 2 and "Traceback" not in r.err, r
    assert "epoch 1, step" in r.err or "at epoch 1" in r.err


def _cifar_subset_tar(src, dest, per_class_train=200, per_class_test=50):
    """A tar in the same layout as the CIFAR-10 (JPEG copy), with the first images of each class."""
    counts = {}
    with tarfile.open(src) as tin, tarfile.open(dest, "w") as tout:
        for m in tin:
            parts = m.name.split("/")
            if not m.isfile() or len(parts) < 4:
                continue
            split, cls = parts[-3], parts[-2]
            limit = per_class_train if split == "train" else per_class_test
            if counts.get((split, cls), 0) >= limit:
                continue
            counts[(split, cls)] = counts.get((split, cls), 0) + 1
            tout.addfile(m, tin.extractfile(m))
    return dest


@pytest.mark.skipif(not CIFAR_JPEG_TAR.is_file(), reason="the CIFAR-10 (JPEG copy) tar is not on this machine")
def test_cifar10_jpeg_subset_learns(cli, tmp_path):
    small = _cifar_subset_tar(CIFAR_JPEG_TAR, tmp_path / "cifar10-small.tar")
    r = cli("train", "--dataset", f"folder:{small}", "--subset", "1800", "--hidden", "256", "--epochs", "4",
            "--optimizer", "nesterov", "--lr", "0.02", "--schedule", "cosine", "--name", "cifar", *FAST)
    assert r.code == 0, r
    final = json.loads((tmp_path / "runs/cifar/final.json").read_text())
    assert final["dataset"] == "CIFAR-10 (JPEG copy)"
    assert final["train"]["n"] == 1800 and final["test"]["n"] == 500
    assert final["test"]["acc"] >= 0.22, final["test"]["acc"]          # chance is 10%


def test_sweep_boundary_titles_give_the_tables_validation_accuracy(cli, tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    from chainrule.viz import plots
    drawn = {}
    real = plots.plot_decision_boundaries

    def spy(panels, *args, **kw):
        drawn.update(titles=[t for t, _ in panels], accuracy=kw.get("accuracy", True))
        return real(panels, *args, **kw)
    monkeypatch.setattr(plots, "plot_decision_boundaries", spy)
    r = cli("sweep", "--hidden", "8,32", "--reg", "0", "--epochs", "2", "--name", "titles")
    assert r.code == 0, r
    runs = json.loads((tmp_path / "runs/titles/sweep.json").read_text())["runs"]
    assert drawn["accuracy"] is False   # no second, training-set accuracy beside the table's
    for title, run in zip(drawn["titles"], runs, strict=True):
        assert f"val {run['val_acc']:.2%}" in title


@pytest.mark.parametrize("activation", ["mish", "prelu", "relu6", "hardtanh"])
def test_train_with_each_added_activation(cli, tmp_path, activation):
    """The activations added after the lecture's set train from the command line and rebuild from the file."""
    import chainrule as cr
    r = cli("train", "--dataset", "moons", "--model", "mlp", "--hidden", "8", "--epochs", "1",
            "--activation", activation, "--name", activation, *FAST)
    assert r.code == 0, r
    assert json.loads((tmp_path / f"runs/{activation}/config.json").read_text())["activation"] == activation
    model = cr.load(tmp_path / f"runs/{activation}/last.safetensors")
    assert type(model[1]) is cr.nn.ACTIVATIONS[activation]
    if activation == "prelu":
        assert "1.weight" in model.state_dict()
