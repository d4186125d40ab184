"""Every expected error of the ``chainrule`` command: one line on stderr, exit status 2, never a traceback."""
from __future__ import annotations

import json

import pytest
from cli_helpers import assert_one_line_error, run_subprocess

TRAIN_FLAG_ERRORS = [
    (["train", "--bogus"], ["unrecognized arguments: --bogus", "chainrule train --help"]),
    (["train", "--dataset", "imagenet"], ["unknown dataset 'imagenet'", "spiral", "cifar10", "fashion-mnist", "folder:PATH"]),
    (["train", "--optimizer", "lbfgs"], ["unknown optimizer 'lbfgs'", "sgd", "nesterov", "adamw"]),
    (["train", "--activation", "swishy"], ["unknown activation 'swishy'", "relu", "tanh"]),
    (["train", "--schedule", "zigzag"], ["unknown schedule 'zigzag'", "onecycle", "cosine"]),
    (["train", "--model", "cnn"], ["unknown model 'cnn'", "linear", "mlp"]),
    (["train", "--hidden", "12,abc"], ["--hidden", "layer widths"]),
    (["train", "--lr", "-0.1"], ["--lr", "positive"]),
    (["train", "--lr", "fast"], ["--lr", "positive"]),
    (["train", "--epochs", "0"], ["--epochs", "integer >= 1"]),
    (["train", "--batch-size", "2.5"], ["--batch-size", "integer"]),
    (["train", "--dropout", "1.5"], ["--dropout", "probability"]),
    (["train", "--epochs"], ["expected one argument"]),
    (["train", "--model", "mlp", "--hidden", "none"], ["at least one hidden layer"]),
    (["train", "--augment"], ["--augment", "spiral"]),
    (["train", "--dataset", "folder:"], ["folder:", "path"]),
    (["train", "--dataset", "folder:/no/such/place"], ["/no/such/place", "no such folder"]),
    (["train", "--dataset", "cifar10", "--data-dir", "EMPTY"], ["cifar10 not found", "--data-dir"]),
    (["train", "--config", "missing.toml"], ["missing.toml", "no such file"]),
    (["train", "--config", "."], ["is a directory"]),
    (["train", "--config", "bad.toml"], ["bad.toml", "not valid toml"]),
    (["train", "--config", "unknown.toml"], ["unknown setting 'learning_rate'", "valid settings"]),
    (["train", "--resume", "nowhere"], ["nowhere", "no such run folder"]),
    (["train", "--resume", "EMPTY"], ["not a run folder"]),
    (["train", "--resume", "EMPTY", "--lr", "0.1"], ["--resume", "drop --lr"]),
    (["bogus"], ["invalid choice: 'bogus'", "train"]),
]


@pytest.mark.parametrize("argv, words", TRAIN_FLAG_ERRORS, ids=[" ".join(a) for a, _ in TRAIN_FLAG_ERRORS])
def test_train_errors(cli, tmp_path, argv, words):
    (tmp_path / "EMPTY").mkdir()
    (tmp_path / "bad.toml").write_text("epochs = = 3\n")
    (tmp_path / "unknown.toml").write_text("learning_rate = 0.1\n")
    argv = [str(tmp_path / "EMPTY") if a == "EMPTY" else a for a in argv]
    assert_one_line_error(cli(*argv), *words)


@pytest.fixture
def spiral_run(cli, tmp_path):
    r = cli("train", "--model", "mlp", "--epochs", "2", "--name", "s", "--progress", "none", "--no-plots")
    assert r.code == 0, r
    return tmp_path / "runs" / "s"


def test_eval_and_predict_errors(cli, tmp_path, spiral_run, image_folder):
    (tmp_path / "garbage.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all")
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "empty.png").write_bytes(b"")
    cases = [
        (["eval"], ["the following arguments are required", "RUN_OR_CHECKPOINT"]),
        (["eval", "runs/nothing"], ["runs/nothing", "no such run folder or checkpoint"]),
        (["eval", "garbage.safetensors"], ["garbage.safetensors", "header"]),
        (["eval", "notes.txt"], ["notes.txt"]),
        (["eval", str(spiral_run), "--split", "holdout"], ["invalid choice: 'holdout'"]),
        (["eval", str(spiral_run), "--dataset", "imagenet"], ["unknown dataset 'imagenet'"]),
        (["eval", str(spiral_run), "--dataset", "moons"], ["2 classes", "3"]),
        (["eval", str(spiral_run), "--dataset", f"folder:{image_folder}"], ["samples of shape"]),
        (["eval", str(spiral_run), "--batch-size", "0"], ["--batch-size"]),
        (["predict", str(spiral_run)], ["the following arguments are required", "IMAGE"]),
        (["predict", str(spiral_run), "x.png"], ["spiral", "no images"]),
        (["predict", str(spiral_run), "x.png", "--top", "0"], ["--top"]),
        (["sweep", "--reg", "0,,1"], ["empty value"]),
        (["sweep", "--optimizer", "sgd,lbfgs"], ["unknown optimizer 'lbfgs'"]),
    ]
    for argv, words in cases:
        assert_one_line_error(cli(*argv), *words)


def test_predict_file_errors(cli, tmp_path, image_folder):
    r = cli("train", "--dataset", f"folder:{image_folder}", "--hidden", "8", "--epochs", "1", "--name", "img",
            "--progress", "none", "--no-plots")
    assert r.code == 0, r
    (tmp_path / "fake.png").write_text("this is not a picture")
    assert_one_line_error(cli("predict", "runs/img", "missing.png"), "missing.png", "no such file")
    assert_one_line_error(cli("predict", "runs/img", "fake.png"), "fake.png", "cannot decode")
    assert_one_line_error(cli("predict", "runs/img", str(tmp_path)), "is a directory")


def _main_in_child(*argv):
    """``chainrule ARGV`` in-process (run it under `memcap.run_capped`); returns (exit status, stderr)."""
    import contextlib
    import io

    from chainrule.cli.main import main
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main([str(a) for a in argv])
    return code, err.getvalue()


def _predict_in_child(*argv):
    return _main_in_child("predict", *argv)


def test_predict_refuses_postscript_fifos_and_devices(cli, tmp_path, image_folder, monkeypatch):
    """An EPS file named .png never reaches Ghostscript; a FIFO or /dev/zero neither hangs nor fills memory."""
    import os
    import subprocess

    from memcap import run_capped
    from PIL import EpsImagePlugin
    r = cli("train", "--dataset", f"folder:{image_folder}", "--hidden", "8", "--epochs", "1", "--name", "img",
            "--progress", "none", "--no-plots")
    assert r.code == 0, r
    used = []
    monkeypatch.setattr(EpsImagePlugin.EpsImageFile, "_open", lambda self: used.append("EPS"))
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: used.append(a))
    (tmp_path / "x.png").write_bytes(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 8 8\nshowpage\n%%EOF\n")
    assert_one_line_error(cli("predict", "runs/img", "x.png"), "x.png", "not a PNG, JPEG")
    assert used == []
    os.mkfifo(tmp_path / "fifo.png")
    os.symlink("/dev/zero", tmp_path / "zero.png")
    for name, kind in (("fifo.png", "a FIFO"), ("zero.png", "a device file")):
        out = run_capped(_predict_in_child, "runs/img", name, memory=256 << 20, timeout=60)
        assert out.status == "returned", out
        code, err = out.value
        assert code == 2 and err.count("\n") == 1, err
        assert name in err and f"is {kind}, not a regular file" in err, err


def _set(path, *keys_value):
    *keys, value = keys_value

    def edit(doc):
        d = doc["extra"]["run"]
        for k in keys[:-1]:
            d = d[k]
        if value is KeyError:
            del d[keys[-1]]
        else:
            d[keys[-1]] = value
    return edit


@pytest.mark.parametrize("keys_value", [
    ("image_shape", [20000, 20000, 3]), ("image_shape", "big"), ("image_shape", [8, 8.5, 3]),
    ("classes", [1, 2]), ("classes", ["a"] * 7), ("preprocessor", "x"), ("preprocessor", "mode", KeyError),
    ("preprocessor", "sample_shape", [1000, 1000, 3]), ("config", 3), ("config", "seed", "x"),
    ("dataset", ["folder:x"])], ids=lambda kv: "-".join(map(str, kv))[:40])
def test_crafted_run_information_is_refused_by_predict_and_eval(cli, tmp_path, image_folder, keys_value):
    """Run information in a checkpoint is checked against the model before predict allocates anything."""
    import shutil

    from crafted import edit_doc
    from memcap import run_capped
    r = cli("train", "--dataset", f"folder:{image_folder}", "--hidden", "8", "--epochs", "1", "--name", "img",
            "--progress", "none", "--no-plots")
    assert r.code == 0, r
    bad = tmp_path / "bad.safetensors"
    shutil.copy(tmp_path / "runs/img/best.safetensors", bad)
    edit_doc(bad, _set(bad, *keys_value))
    out = run_capped(_predict_in_child, str(bad), str(image_folder / "test/red/000.png"), memory=256 << 20)
    assert out.status == "returned", out
    code, err = out.value
    assert code == 2 and err.count("\n") == 1 and "run information is malformed" in err, err
    assert_one_line_error(cli("eval", str(bad)), "run information is malformed")


QUIET = ["--progress", "none", "--no-plots"]
SETTINGS_THAT_CRASHED = [
    (["--hidden", "1000000000"], ["6,000,000,003 parameters", "smaller --hidden"]),
    (["--val-size", "1e9"], ["val_size=1000000000", "toy data set"]),
    (["--augment", "--crop-padding", "100000", "--dataset", "folder:IMAGES"], ["--crop-padding 100000", "8x8"]),
    (["--seed", "4294967296"], ["--seed", "from 0 to 4294967295"]),
    (["--config", "deep.toml"], ["deep.toml", "nested more than 64 levels deep"]),
    (["--config", "digits.toml"], ["digits.toml", "more than 4300 digits"]),
    (["--config", "nul.toml"], ["--name", "without control characters"]),
    (["--name", "a\tb"], ["--name", "without control characters"]),
    (["--config", "fifo.toml"], ["fifo.toml", "is a FIFO"]),
]


@pytest.mark.parametrize("argv, words", SETTINGS_THAT_CRASHED, ids=[" ".join(a)[:40] for a, _ in SETTINGS_THAT_CRASHED])
def test_settings_that_crashed_give_one_line(tmp_path, monkeypatch, image_folder, argv, words):
    import os

    from memcap import run_capped
    monkeypatch.chdir(tmp_path)
    (tmp_path / "deep.toml").write_text("x = " + "[" * 100_000 + "]" * 100_000 + "\n")
    (tmp_path / "digits.toml").write_text("epochs = " + "9" * 5000 + "\n")
    (tmp_path / "nul.toml").write_text('name = "a\\u0000b"\n')
    os.mkfifo(tmp_path / "fifo.toml")
    argv = [f"folder:{image_folder}" if a == "folder:IMAGES" else a for a in argv]
    out = run_capped(_main_in_child, "train", "--model", "mlp", "--epochs", "1", *QUIET, *argv,
                     memory=1 << 30, timeout=120)
    assert out.status == "returned", out
    code, err = out.value
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and "Traceback" not in err, err
    assert all(w in lines[0] for w in words), (words, lines[0])


def test_val_size_zero_trains_without_validation(cli, tmp_path):
    r = cli("train", "--model", "mlp", "--epochs", "2", "--val-size", "0", "--name", "v0", *QUIET)
    assert r.code == 0, r
    assert json.loads((tmp_path / "runs/v0/final.json").read_text())
    assert len((tmp_path / "runs/v0/metrics.jsonl").read_text().splitlines()) == 2


def _trainer_state(**change):
    def edit(doc):
        state = doc["extra"]["trainer"]
        for k, v in change.items():
            if v is KeyError:
                del state[k]
            else:
                state[k] = v
    return edit


@pytest.mark.parametrize("change, words", [
    ({"epoch": "x"}, ["epoch is 'x', not an integer"]), ({"history_json": "[{"}, ["history_json is not a JSON list"]),
    ({"history_json": "[1, 2]"}, ["history should list"]), ({"sums": KeyError}, ["sums should be a dict"]),
    ({"step_in_epoch": 10**9}, ["step_in_epoch 1000000000 is past the"]), ({"best_val_acc": None}, ["best_val_acc"]),
], ids=["epoch", "history-json", "history-items", "sums", "step", "best"])
def test_resume_refuses_a_malformed_trainer_state(cli, tmp_path, change, words):
    from crafted import edit_doc
    r = cli("train", "--model", "mlp", "--epochs", "1", "--name", "r", *QUIET)
    assert r.code == 0, r
    edit_doc(tmp_path / "runs/r/last.safetensors", _trainer_state(**change))
    r = cli("train", "--resume", "runs/r", "--epochs", "2", *QUIET)
    assert_one_line_error(r, "last.safetensors", *words)


def test_real_console_script_prints_one_line(tmp_path):
    """The same through a real process: what a user sees in a terminal."""
    r = run_subprocess(tmp_path, "train", "--optimizer", "lbfgs")
    assert_one_line_error(r, "unknown optimizer 'lbfgs'")
    r = run_subprocess(tmp_path, "eval", "no/such/run")
    assert_one_line_error(r, "no such run folder")
