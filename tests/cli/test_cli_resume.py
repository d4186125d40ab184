"""Stopping and resuming: SIGKILL at random points and Ctrl-C, then --resume, must end with the weights of a
run that was never stopped, bit for bit; the metrics files stay readable after every kill."""
from __future__ import annotations

import json
import random
import signal
import subprocess
import time

import numpy as np
import pytest
from cli_helpers import chainrule_cmd, run_subprocess, subprocess_env

# dropout (random masks), momentum (optimizer state), a cosine schedule with warmup (scheduler state) and
# mid-epoch checkpoints (loader position): everything that has to come back exactly
SETTINGS = ["--dataset", "spiral", "--model", "mlp", "--hidden", "64", "--dropout", "0.3", "--epochs", "40",
            "--batch-size", "20", "--optimizer", "nesterov", "--lr", "0.3", "--schedule", "cosine", "--warmup", "2",
            "--checkpoint-every", "7", "--seed", "3", "--progress", "none", "--no-plots"]
TIMING = ("time_s", "samples_per_s", "elapsed_s")


def _tensors(path):
    from safetensors.numpy import load_file
    return load_file(str(path))


def _model_tensors(path):
    return {k: v for k, v in _tensors(path).items() if k.startswith("model.")}


def _metrics(run):
    return [{k: v for k, v in json.loads(line).items() if k not in TIMING}
            for line in (run / "metrics.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The uninterrupted run."""
    tmp = tmp_path_factory.mktemp("reference")
    r = run_subprocess(tmp, "train", *SETTINGS, "--name", "ref")
    assert r.code == 0, r
    return tmp / "runs" / "ref"


def _assert_same_run(run, ref):
    a, b = _model_tensors(run / "last.safetensors"), _model_tensors(ref / "last.safetensors")
    assert a.keys() == b.keys() and len(a) == 4
    for k in a:
        assert a[k].dtype == b[k].dtype and a[k].tobytes() == b[k].tobytes(), k      # bit for bit
    best, best_ref = _model_tensors(run / "best.safetensors"), _model_tensors(ref / "best.safetensors")
    assert all(best[k].tobytes() == best_ref[k].tobytes() for k in best)
    assert _metrics(run) == _metrics(ref)
    final, final_ref = (json.loads((d / "final.json").read_text()) for d in (run, ref))
    for split in ("train", "val", "test"):
        assert final[split] == final_ref[split]


def _wait_for(path, proc, timeout=60.0):
    end = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None:
            return False
        assert time.monotonic() < end, f"{path} did not appear"
        time.sleep(0.01)
    return True


def _logged_epochs(run) -> int:
    path = run / "metrics.jsonl"
    return path.read_text().count("\n") if path.exists() else 0


def _wait_for_epoch(run, proc, epoch, timeout=60.0):
    """Wait until the run has logged ``epoch`` epochs; False if the process ended first."""
    end = time.monotonic() + timeout
    while _logged_epochs(run) < epoch:
        if proc.poll() is not None:
            return False
        assert time.monotonic() < end, f"epoch {epoch} was not logged"
        time.sleep(0.001)
    return True


def test_sigkill_at_random_points_then_resume_is_bit_exact(tmp_path, reference):
    # Kill points are chosen by progress (a random epoch, then a random moment inside the next one), not by
    # wall time: a fast machine finishes the whole run in a fraction of a second.
    rng = random.Random(1234)
    epochs = int(SETTINGS[SETTINGS.index("--epochs") + 1])
    targets = sorted(rng.sample(range(1, epochs - 4), 3))
    run = tmp_path / "runs" / "k"
    env = subprocess_env(tmp_path)
    argv = chainrule_cmd("train", *SETTINGS, "--name", "k")
    kills = 0
    for target in targets:
        proc = subprocess.Popen(argv, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if _wait_for_epoch(run, proc, target):
            time.sleep(rng.uniform(0.0, 0.003))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait(timeout=60)
        assert proc.returncode in (0, -signal.SIGKILL), proc.stderr.read()
        for line in (run / "metrics.jsonl").read_text().splitlines():      # readable after every kill
            json.loads(line)
        if proc.returncode == 0:
            break
        argv = chainrule_cmd("train", "--resume", run, "--progress", "none", "--no-plots")
    else:
        r = run_subprocess(tmp_path, "train", "--resume", run, "--progress", "none", "--no-plots")
        assert r.code == 0, r
    assert kills >= 1
    _assert_same_run(run, reference)


def test_ctrl_c_saves_a_checkpoint_and_says_how_to_resume(tmp_path, reference):
    run = tmp_path / "runs" / "c"
    proc = subprocess.Popen(chainrule_cmd("train", *SETTINGS, "--name", "c"), cwd=tmp_path,
                            env=subprocess_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert _wait_for(run / "last.safetensors", proc)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (out, err)
    assert "Traceback" not in err
    assert f"Resume with: chainrule train --resume runs{'/'}c" in out + err
    assert "Stopped by SIGINT at epoch" in out + err
    metrics = run / "metrics.jsonl"                 # absent when stopped inside the first epoch
    done = [json.loads(line) for line in metrics.read_text().splitlines()] if metrics.exists() else []
    assert len(done) < 40
    r = run_subprocess(tmp_path, "train", "--resume", "runs/c", "--progress", "none", "--no-plots")
    assert r.code == 0, r
    assert "resumed runs/c" in r.err
    _assert_same_run(run, reference)


def test_resume_of_a_finished_run_only_reports(tmp_path, reference):
    import shutil
    shutil.copytree(reference, tmp_path / "done")
    before = _model_tensors(tmp_path / "done/last.safetensors")
    r = run_subprocess(tmp_path, "train", "--resume", "done", "--progress", "none", "--no-plots")
    assert r.code == 0, r
    assert "epochs had finished" in r.err
    after = _model_tensors(tmp_path / "done/last.safetensors")
    assert all(before[k].tobytes() == after[k].tobytes() for k in before)
    assert np.isfinite(json.loads((tmp_path / "done/final.json").read_text())["test"]["acc"])
