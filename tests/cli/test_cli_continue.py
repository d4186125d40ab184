"""Runs you can continue: ``--resume RUN --epochs N`` trains a run longer, ``--init-from`` starts from trained weights."""
from __future__ import annotations

import json
import os
import signal

import numpy as np
import pytest
from cli_helpers import assert_one_line_error

from chainrule.train.progress import Progress

QUIET = ("--progress", "none", "--no-plots")
# dropout (random masks), momentum (optimizer state): what has to continue exactly
NET = ("--model", "mlp", "--hidden", "16", "--dropout", "0.2", "--optimizer", "nesterov", "--lr", "0.2",
       "--batch-size", "50", "--seed", "1")


def _model(path):
    from safetensors.numpy import load_file
    return {k: v for k, v in load_file(str(path)).items() if k.startswith("model.")}


def _same(a, b):
    return a.keys() == b.keys() and all(a[k].tobytes() == b[k].tobytes() for k in a)


def _metrics(run):
    return [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]


def _untimed(records):
    return [{k: v for k, v in r.items() if k not in ("time_s", "samples_per_s", "elapsed_s")} for r in records]


def test_more_epochs_extend_a_finished_run(cli, tmp_path):
    """A constant schedule does not depend on the length: 2 epochs then 2 more is the 4-epoch run, bit for bit."""
    assert cli("train", *NET, "--schedule", "none", "--epochs", "2", "--name", "short", *QUIET).code == 0
    assert cli("train", *NET, "--schedule", "none", "--epochs", "4", "--name", "long", *QUIET).code == 0
    r = cli("train", "--resume", "runs/short", "--epochs", "4", *QUIET)
    assert r.code == 0, r
    short, long = tmp_path / "runs/short", tmp_path / "runs/long"
    assert [m["epoch"] for m in _metrics(short)] == [1, 2, 3, 4]
    assert json.loads((short / "config.json").read_text())["epochs"] == 4
    assert json.loads((short / "final.json").read_text())["epochs"] == 4
    assert _same(_model(short / "last.safetensors"), _model(long / "last.safetensors"))
    assert _untimed(_metrics(short)) == _untimed(_metrics(long))
    assert "best epoch" in r.out and "run folder: runs/short" in r.out


def test_an_extended_cosine_schedule_is_replanned_and_resumes_exactly(cli, tmp_path, monkeypatch):
    assert cli("train", *NET, "--schedule", "cosine", "--epochs", "2", "--name", "a", *QUIET).code == 0
    assert cli("train", *NET, "--schedule", "cosine", "--epochs", "2", "--name", "b", *QUIET).code == 0
    assert cli("train", *NET, "--schedule", "cosine", "--epochs", "4", "--name", "planned", *QUIET).code == 0
    assert cli("train", "--resume", "runs/a", "--epochs", "4", *QUIET).code == 0
    a, planned = _metrics(tmp_path / "runs/a"), _metrics(tmp_path / "runs/planned")
    assert [m["lr"] for m in a[2:]] == [m["lr"] for m in planned[2:]]      # the 4-epoch schedule, from step k
    assert a[1]["lr"] < a[2]["lr"]                                        # up again from the end of the old one

    calls = {"n": 0}
    update = Progress.update

    def stop_mid_epoch_3(self, step, *args):                             # Ctrl-C in the added epochs
        calls["n"] += 1
        if calls["n"] == 3:
            os.kill(os.getpid(), signal.SIGINT)
        return update(self, step, *args)
    monkeypatch.setattr(Progress, "update", stop_mid_epoch_3)
    r = cli("train", "--resume", "runs/b", "--epochs", "4", *QUIET)
    assert r.code == 130 and "Resume with: chainrule train --resume runs/b" in r.err, r
    monkeypatch.setattr(Progress, "update", update)
    r = cli("train", "--resume", "runs/b", *QUIET)                       # the config now says 4 epochs
    assert r.code == 0, r
    b = tmp_path / "runs/b"
    assert _same(_model(b / "last.safetensors"), _model(tmp_path / "runs/a/last.safetensors"))
    assert _untimed(_metrics(b)) == _untimed(a)


def test_fewer_epochs_on_resume_are_refused(cli, tmp_path):
    assert cli("train", *NET, "--epochs", "3", "--name", "r", *QUIET).code == 0
    assert_one_line_error(cli("train", "--resume", "runs/r", "--epochs", "2"), "--epochs 2", "3 epochs", "more than 3")


def test_init_from_starts_a_new_run_from_trained_weights(cli, tmp_path):
    assert cli("train", *NET, "--epochs", "3", "--name", "base", *QUIET).code == 0
    r = cli("train", *NET, "--epochs", "1", "--lr", "1e-9", "--dropout", "0", "--init-from", "runs/base",
            "--name", "tuned", *QUIET)
    assert r.code == 0, r
    base, tuned = _model(tmp_path / "runs/base/best.safetensors"), _model(tmp_path / "runs/tuned/last.safetensors")
    assert len(base) == len(tuned) == 4                                    # weights in order (no dropout layer now)
    assert all(np.allclose(a, b, atol=1e-6) for a, b in zip(base.values(), tuned.values()))  # lr 1e-9: no move
    assert json.loads((tmp_path / "runs/tuned/config.json").read_text())["init_from"] == str(tmp_path / "runs/base")
    fresh = cli("train", *NET, "--epochs", "1", "--lr", "1e-9", "--dropout", "0", "--name", "fresh", *QUIET)
    assert fresh.code == 0
    first = next(iter(base))                                               # without it: other weights
    assert not np.allclose(base[first], next(iter(_model(tmp_path / "runs/fresh/last.safetensors").values())),
                           atol=1e-3)


@pytest.mark.parametrize("argv, words", [
    (["--hidden", "8"], ["--init-from", "(16, 2) there", "(8, 2) in this model", "--hidden"]),
    (["--model", "linear"], ["--init-from", "--model"]),
])
def test_init_from_a_model_of_another_shape_is_one_sentence(cli, tmp_path, argv, words):
    assert cli("train", *NET, "--epochs", "1", "--name", "base", *QUIET).code == 0
    r = cli("train", "--model", "mlp", "--epochs", "1", *argv, "--init-from", "runs/base", "--name", "x", *QUIET)
    assert_one_line_error(r, *words)
