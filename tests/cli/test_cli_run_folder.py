"""What a run leaves and says, as a user meets it: the report, config.json, the console, the lock, the refusals."""
from __future__ import annotations

import html
import json
import re
import shlex
import shutil

import numpy as np
import pytest
from cli_helpers import assert_one_line_error

import chainrule

FAST = ("--progress", "none", "--no-plots")


def _tensors(path):
    from safetensors.numpy import load_file
    return load_file(str(path))


def test_report_shows_what_applies_in_percent_with_command_and_version(cli, tmp_path):
    pytest.importorskip("matplotlib")
    r = cli("train", "--model", "linear", "--epochs", "3", "--name", "lin", "--lr", "0.05", "--progress", "none")
    assert r.code == 0, r
    page = html.unescape((tmp_path / "runs/lin/report.html").read_text())
    settings = set(re.findall(r"<tr><th>([a-z_]+)</th>", page))
    assert {"lr", "reg", "optimizer", "epochs"} <= settings
    assert not settings & {"hidden", "activation", "dropout", "step_size", "gamma", "crop_padding", "init_from",
                           "download"}, settings
    final = json.loads((tmp_path / "runs/lin/final.json").read_text())
    assert f"{final['test']['acc']:.2%}" in page                      # as the console prints it
    assert f"chainrule {chainrule.__version__}" in page
    command = re.search(r"<pre>(chainrule train[^<]*)</pre>", page).group(1)
    assert command == final["command"] and "--lr 0.05" in command and "--epochs 3" in command
    again = cli(*shlex.split(command)[1:], "--name", "again", *FAST)   # the command trains the same run
    assert again.code == 0, again
    a, b = _tensors(tmp_path / "runs/lin/best.safetensors"), _tensors(tmp_path / "runs/again/best.safetensors")
    assert all(a[k].tobytes() == b[k].tobytes() for k in a if k.startswith("model."))


def test_config_json_paths_are_absolute_so_eval_works_from_elsewhere(cli, tmp_path, image_folder, monkeypatch):
    shutil.copytree(image_folder, tmp_path / "imgs")
    r = cli("train", "--dataset", "folder:imgs", "--data-dir", "data", "--hidden", "8", "--epochs", "1",
            "--name", "rel", *FAST)
    assert r.code == 0, r
    config = json.loads((tmp_path / "runs/rel/config.json").read_text())
    assert config["data_dir"] == str(tmp_path / "data")
    assert config["dataset"] == f"folder:{tmp_path / 'imgs'}"
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    r = cli("eval", str(tmp_path / "runs/rel"), "--json")
    assert r.code == 0, r
    assert json.loads(r.out)["n"] == 20


def test_progress_none_still_prints_the_result_and_the_run_folder(cli, tmp_path):
    r = cli("train", "--model", "mlp", "--epochs", "2", "--name", "quiet", *FAST)
    assert r.code == 0, r
    assert "epoch 1/2" not in r.out                                    # no progress
    assert re.search(r"test\s+300\s+\d\.\d{4}\s+\d+\.\d\d%", r.out), r.out
    assert "run folder: runs/quiet" in r.out


def test_no_lock_is_left_when_a_run_ends(cli, tmp_path):
    r = cli("train", "--model", "mlp", "--epochs", "1", "--name", "done", *FAST)
    assert r.code == 0, r
    assert not (tmp_path / "runs/done/.lock").exists()


def test_resume_from_a_checkpoint_file_asks_for_the_folder(cli, tmp_path):
    assert cli("train", "--model", "mlp", "--epochs", "1", "--name", "x", *FAST).code == 0
    r = cli("train", "--resume", "runs/x/best.safetensors")
    assert_one_line_error(r, "runs/x/best.safetensors is a file", "run folder", "(runs/x)")


def test_warmup_longer_than_the_run_is_refused(cli, tmp_path):
    assert_one_line_error(cli("train", "--warmup", "5", "--epochs", "2"), "--warmup 5", "--epochs 2")
    (tmp_path / "w.toml").write_text("warmup = 5\nepochs = 2\nmodel = 'mlp'\n")
    assert_one_line_error(cli("train", "--config", "w.toml"), "--warmup 5", "--epochs 2")


def test_detect_anomaly_blames_the_models_line(cli, tmp_path):
    r = cli("train", "--model", "mlp", "--lr", "1e30", "--optimizer", "sgd", "--detect-anomaly", "--name", "an", *FAST)
    assert_one_line_error(r, "at epoch 1, step", "produced NaN or inf", "created at")
    site = r.err.split("created at ", 1)[1]
    assert "chainrule/nn/" in site and "conftest.py" not in site and "main(" not in site, site


def test_folder_with_a_one_image_class_or_an_untested_class_warns(cli, tmp_path, image_folder):
    from PIL import Image
    root = tmp_path / "thin"
    shutil.copytree(image_folder, root)
    for split in ("train", "test"):                     # "green": one training image, no test image
        (root / split / "green").mkdir()
    Image.fromarray(np.full((8, 8, 3), (0, 200, 0), np.uint8)).save(root / "train/green/0.png")
    r = cli("train", "--dataset", f"folder:{root}", "--hidden", "8", "--epochs", "1", "--name", "thin",
            "--val-size", "4", *FAST)
    assert r.code == 0, r
    warnings = [line for line in r.err.splitlines() if line.startswith("chainrule train: warning: ")]
    assert any("green" in w and "single training image" in w for w in warnings), r.err
    assert any("green" in w and "no test image" in w for w in warnings), r.err
    clean = cli("train", "--dataset", f"folder:{image_folder}", "--hidden", "8", "--epochs", "1", "--name", "ok", *FAST)
    assert clean.code == 0 and "warning" not in clean.err, clean
