"""``mpiexec -n 2 chainrule train``: rank 0 alone writes the run folder, and the weights equal those of the
same run in one process; a batch that does not divide ends with exit status 2 and one sentence; a run
stopped by Ctrl-C under mpiexec resumes under mpiexec."""
import json
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from conftest import MPIEXEC, clean_env, needs_mpi, run

# 289 training points in batches of 32: the last batch has 1 sample, so rank 0's slice of it is empty
SETTINGS = ["--dataset", "spiral", "--model", "mlp", "--hidden", "32", "--epochs", "4", "--subset", "289",
            "--batch-size", "32", "--optimizer", "momentum", "--lr", "0.3", "--seed", "5",
            "--progress", "plain", "--no-plots"]
RUN_FILES = {"config.json", "metrics.jsonl", "metrics.csv", "last.safetensors", "best.safetensors", "final.json"}


def chainrule(*argv):
    return [sys.executable, "-m", "chainrule.cli", *map(str, argv)]


def model_tensors(path):
    from safetensors.numpy import load_file
    return {k: v for k, v in load_file(str(path)).items() if k.startswith("model.")}


def assert_close_runs(a, b, tol=2e-5):
    wa, wb = model_tensors(a / "last.safetensors"), model_tensors(b / "last.safetensors")
    assert wa.keys() == wb.keys() and len(wa) == 4
    for k in wa:
        assert wa[k].dtype == wb[k].dtype == np.float32
        np.testing.assert_allclose(wb[k], wa[k], rtol=0, atol=tol * max(1.0, np.abs(wa[k]).max()), err_msg=k)
    fa, fb = (json.loads((d / "final.json").read_text()) for d in (a, b))
    assert fa["global_step"] == fb["global_step"]
    for split in ("train", "val", "test"):
        assert fb[split]["acc"] == pytest.approx(fa[split]["acc"], abs=0.01)


@pytest.fixture(scope="module")
def single_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("single")
    res = run(chainrule("train", *SETTINGS, "--name", "r"), cwd=tmp)
    assert res.returncode == 0, res.stderr
    return tmp / "runs" / "r"


@needs_mpi
def test_mpiexec_train_writes_only_on_rank_0_and_matches_one_process(tmp_path, single_run):
    rank0, rank1 = tmp_path / "rank0", tmp_path / "rank1"        # each rank in its own working directory,
    rank0.mkdir()                                                  # so a file written by rank 1 would show
    rank1.mkdir()
    argv = chainrule("train", *SETTINGS, "--name", "r", "--debug-sync", "3")
    cmd = MPIEXEC + ["-n", "1", "-wdir", str(rank0), *argv, ":", "-n", "1", "-wdir", str(rank1), *argv]
    res = subprocess.run(cmd, env=clean_env(), capture_output=True, text=True, timeout=90)
    assert res.returncode == 0, res.stderr
    folder = rank0 / "runs" / "r"
    assert RUN_FILES <= {p.name for p in folder.iterdir()}
    assert list(rank1.iterdir()) == []                             # rank 1 wrote nothing at all
    assert res.stdout.count("run folder runs/r") == 1 and res.stdout.count("best epoch") == 1   # nor printed
    assert_close_runs(single_run, folder)
    metrics = [json.loads(line) for line in (folder / "metrics.jsonl").read_text().splitlines()]
    ref = [json.loads(line) for line in (single_run / "metrics.jsonl").read_text().splitlines()]
    assert [m["step"] for m in metrics] == [m["step"] for m in ref]
    for m, r in zip(metrics, ref):                                 # train loss/acc are over all ranks' samples
        assert m["train_loss"] == pytest.approx(r["train_loss"], rel=1e-4)
        assert m["train_acc"] == pytest.approx(r["train_acc"], abs=1e-9)


@needs_mpi
def test_mpiexec_train_with_a_batch_that_does_not_divide_is_one_sentence(tmp_path):
    settings = [a if a != "32" else "33" for a in SETTINGS]
    res = run(chainrule("train", *settings, "--name", "r"), ranks=2, cwd=tmp_path)
    assert res.returncode == 2, res
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert lines == ["chainrule train: error: The global batch size 33 does not divide evenly across 2 ranks; "
                     "use a multiple of 2, e.g. 32 or 34."], res.stderr
    assert not (tmp_path / "runs").exists()


@needs_mpi
def test_ctrl_c_under_mpiexec_then_resume_under_mpiexec(tmp_path, single_run):
    settings = [a if a != "4" else "12" for a in SETTINGS]                  # 12 epochs, so there is time to stop
    ref = run(chainrule("train", *settings, "--name", "ref"), cwd=tmp_path)
    assert ref.returncode == 0, ref.stderr
    proc = subprocess.Popen(MPIEXEC + ["-n", "2", *chainrule("train", *settings, "--name", "r")], cwd=tmp_path,
                            env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    folder = tmp_path / "runs" / "r"
    end = time.monotonic() + 60
    while not (folder / "last.safetensors").exists() and proc.poll() is None and time.monotonic() < end:
        time.sleep(0.01)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode in (130, 0), err                       # 0: it finished before the signal came
    if proc.returncode == 130:
        assert "Resume with: chainrule train --resume" in out + err and "Stopped by SIGINT" in err
        assert not (folder / "final.json").exists()
    res = run(chainrule("train", "--resume", folder), ranks=2, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert_close_runs(tmp_path / "runs" / "ref", folder)
