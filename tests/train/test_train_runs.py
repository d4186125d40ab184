"""Run folders, metrics files, progress display and the end-of-run pictures."""
from __future__ import annotations

import io
import json
import warnings

import pytest

from chainrule.errors import CheckpointError, ConfigError
from chainrule.train import MetricsLog, Progress, RunDir, find_checkpoint, resolve, run_experiment
from chainrule.train.progress import format_table


def test_metrics_jsonl_and_csv(tmp_path):
    log = MetricsLog(tmp_path)
    history = []
    for e in range(1, 4):
        rec = {"epoch": e, "train_loss": 1.0 / e, "val_acc": None if e == 1 else 0.5 + e / 10}
        history.append(rec)
        log.append(rec, history)
    assert MetricsLog.read(log.jsonl) == history
    rows = log.csv.read_text().splitlines()
    assert rows[0] == "epoch,train_loss,val_acc" and rows[1] == "1,1.0," and len(rows) == 4
    history.append({"epoch": 4, "train_loss": 0.2, "val_acc": 0.9, "lr": 0.1})      # a new column: rewritten
    log.append(history[-1], history)
    assert log.csv.read_text().splitlines()[0] == "epoch,train_loss,val_acc,lr"
    log.rewrite(history[:2])
    assert MetricsLog.read(log.jsonl) == history[:2] and len(log.csv.read_text().splitlines()) == 3


def test_metrics_reader_skips_only_a_torn_last_line(tmp_path):
    p = tmp_path / "metrics.jsonl"
    p.write_text('{"epoch": 1}\n{"epoch": 2}\n{"epo')
    assert MetricsLog.read(p) == [{"epoch": 1}, {"epoch": 2}]
    p.write_text('{"epoch": 1}\n{"epo\n{"epoch": 3}\n')
    with pytest.raises(CheckpointError, match="line 2"):
        MetricsLog.read(p)


def test_run_folder_names(tmp_path):
    a = RunDir.create(tmp_path, "x", {"a": 1})
    assert json.loads((a.path / "config.json").read_text()) == {"a": 1}
    with pytest.raises(ConfigError, match="--resume"):
        RunDir.create(tmp_path, "x", {"a": 2})
    assert RunDir.create(tmp_path, "x", {}, unique=True).path.name == "x-2"
    assert RunDir.create(tmp_path, "x", {}, unique=True).path.name == "x-3"
    with pytest.raises(ConfigError, match="plain folder name"):
        RunDir.create(tmp_path, "a/b", {})
    with pytest.raises(ConfigError, match="not a run folder"):
        RunDir.open(tmp_path)
    with pytest.raises(CheckpointError, match="no checkpoint yet"):
        find_checkpoint(a.path)


def test_progress_modes():
    out, bar = io.StringIO(), io.StringIO()
    p = Progress("plain", out=out, bar_stream=bar)
    p.start_epoch(1, 2, total_steps=8)
    for s in range(1, 9):
        p.update(s, 0.5, 0.75, 0.1, 1000.0)
    p.end_epoch()
    p.line("epoch 1/2 done")
    lines = out.getvalue().splitlines()
    assert lines[-1] == "epoch 1/2 done" and 2 <= len(lines) <= 5 and "step 2/8" in lines[0]
    assert bar.getvalue() == ""

    out, bar = io.StringIO(), io.StringIO()
    p = Progress("auto", out=out, bar_stream=bar)                        # not a terminal: no bar, no step lines
    p.start_epoch(1, 1, 4)
    p.update(2, 0.5, 0.5, 0.1, 10.0)
    p.close()
    assert bar.getvalue() == "" and out.getvalue() == ""

    pytest.importorskip("tqdm")
    out, bar = io.StringIO(), io.StringIO()
    p = Progress("bar", out=out, bar_stream=bar)
    p.start_epoch(1, 1, 4)
    for s in range(1, 5):
        p.update(s, 0.25, 0.5, 0.01, 123.0)
    p.line("summary")
    p.end_epoch()
    assert "loss 0.2500" in bar.getvalue() and "samples/s" in bar.getvalue()
    assert "summary" in out.getvalue()
    quiet = io.StringIO()
    Progress("none", out=quiet).line("x")
    assert quiet.getvalue() == ""


def test_format_table_alignment():
    text = format_table([["a", "1.5"], ["bb", "10.25"]], ["name", "value"])
    assert text.splitlines() == ["name  value", "----  -----", "a       1.5", "bb    10.25"]


@pytest.mark.parametrize("numeric_text, expected", [
    (True, ["model  params  range", "-----  ------  ----------", "small      21  0.5 - 0.55", "big     1,203   0.7 - 0.8"]),
    (False, ["model  params  range", "-----  ------  ----------", "small      21  0.5 - 0.55", "big     1,203  0.7 - 0.8"]),
])
def test_format_table_writes_numbers_and_aligns_a_column_of_them_right(numeric_text, expected):
    """The lecture's tables and the console's are one function: numbers through fmt, text aligned by its look
    unless numeric_text=False."""
    text = format_table([["small", 21, "0.5 - 0.55"], ["big", 1203, "0.7 - 0.8"]], ["model", "params", "range"],
                        numeric_text=numeric_text)
    assert text.splitlines() == expected


def test_pictures_never_fail_a_run(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    from chainrule.viz import plots

    def broken(*a, **k):
        raise RuntimeError("no picture today")
    monkeypatch.setattr(plots, "plot_curves", broken)
    cfg = resolve({"model": "mlp", "epochs": "2", "out": str(tmp_path), "name": "p", "progress": "none"})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result, exp = run_experiment(cfg, "none")
    assert result.final is not None
    assert any("could not draw curves" in str(w.message) for w in caught)
    assert not (exp.run.path / "curves.png").exists()
    assert (exp.run.path / "decision_boundary.png").is_file() and (exp.run.path / "report.html").is_file()


def test_progress_without_tqdm_falls_back_to_lines(monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)                 # import tqdm.auto -> ImportError
    monkeypatch.setitem(sys.modules, "tqdm", None)
    out, bar = io.StringIO(), io.StringIO()
    p = Progress("bar", out=out, bar_stream=bar)
    p.start_epoch(1, 1, 4)
    p.update(4, 0.5, 0.5, 0.1, 10.0)
    p.line("epoch 1/1 ...")
    p.close()
    assert bar.getvalue() == "" and out.getvalue() == "epoch 1/1 ...\n"


def test_a_run_folder_is_trained_by_one_process_at_a_time(tmp_path):
    import subprocess
    import sys
    run = RunDir.create(tmp_path, "busy", {})
    holder = subprocess.Popen([sys.executable, "-c", "import fcntl, sys, time; f = open(sys.argv[1], 'a+'); "
                               "fcntl.flock(f, fcntl.LOCK_EX); f.write('4242'); f.flush(); print('locked', flush=True); "
                               "time.sleep(30)", str(run.path / ".lock")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(ConfigError, match="being trained by another process"):
            with run.lock():
                pass
    finally:
        holder.kill()
        holder.wait()
    with run.lock():                                   # released when its holder died
        assert (run.path / ".lock").read_text() == str(__import__("os").getpid())


def test_two_processes_creating_one_run_folder_exactly_one_claims_it(tmp_path):
    """Started together, the refused run must not touch config.json (it overwrote it 1 time in 28)."""
    import multiprocessing
    ctx = multiprocessing.get_context("fork")
    for round_ in range(3):
        out = tmp_path / f"runs{round_}"
        start, results = ctx.Barrier(6), ctx.Queue()

        def create(i):
            start.wait()
            try:
                RunDir.create(out, "x", {"lr": i, "pad": "y" * 100_000})
                results.put(("ok", i))
            except ConfigError as e:
                results.put(("refused", str(e)))
        procs = [ctx.Process(target=create, args=(i,)) for i in range(6)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(60)
        got = [results.get(timeout=10) for _ in procs]
        winners = [i for kind, i in got if kind == "ok"]
        assert len(winners) == 1, got
        assert all("already holds a run" in m for kind, m in got if kind == "refused"), got
        assert json.loads((out / "x" / "config.json").read_text())["lr"] == winners[0]
        assert sorted(p.name for p in (out / "x").iterdir()) == ["config.json"]


def test_unique_run_names_are_claimed_atomically(tmp_path):
    a = RunDir.create(tmp_path, "x", {"a": 1}, unique=True)
    b = RunDir.create(tmp_path, "x", {"a": 2}, unique=True)
    assert (a.name, b.name) == ("x", "x-2")
    assert json.loads((tmp_path / "x" / "config.json").read_text()) == {"a": 1}


def test_resume_removes_temporaries_left_by_a_killed_checkpoint_write(tmp_path):
    cfg = resolve({"dataset": "spiral", "model": "mlp", "epochs": 1, "out": str(tmp_path / "runs"), "name": "r",
                   "progress": "none"})
    run_experiment(cfg, progress="none", write_pictures=False)
    folder = tmp_path / "runs" / "r"
    stale = folder / ".last.safetensors.k2j4x9.tmp"
    stale.write_bytes(b"\0" * 4096)
    keep = folder / "notes.tmp"                  # not one of ours: kept
    keep.write_text("mine")
    from chainrule.train import resume_experiment
    resume_experiment(folder, progress="none", overrides={"epochs": 2}, write_pictures=False)
    assert not stale.exists() and keep.exists()


def test_a_full_disk_names_the_file_and_says_how_to_resume(tmp_path, monkeypatch, capsys):
    import errno
    import os

    from chainrule.cli.main import main
    monkeypatch.chdir(tmp_path)
    real_fsync, calls = os.fsync, []

    def fsync(fd):
        calls.append(fd)
        if len(calls) > 3:                     # config.json and the first writes succeed, then the disk is full
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_fsync(fd)
    monkeypatch.setattr(os, "fsync", fsync)
    code = main(["train", "--model", "mlp", "--epochs", "3", "--name", "full", "--progress", "none", "--no-plots"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1, err
    assert "runs/full" in err[0] and "no space left on device" in err[0], err
    assert "chainrule train --resume runs/full" in err[0], err


def test_metrics_csv_gains_a_column_that_appears_mid_run(tmp_path):
    import csv

    from chainrule.train import MetricsLog
    log, history = MetricsLog(tmp_path), []
    for record in ({"epoch": 1, "loss": 0.9}, {"epoch": 2, "loss": 0.8, "val_acc": 0.5},
                   {"epoch": 3, "loss": 0.7, "val_acc": 0.6, "layers": {"w": [1, 2]}}):
        history.append(record)
        log.append(record, history)
    rows = list(csv.DictReader((tmp_path / "metrics.csv").open()))
    assert list(rows[0]) == ["epoch", "loss", "val_acc"]
    assert [r["val_acc"] for r in rows] == ["", "0.5", "0.6"]


def test_the_checkpointed_history_is_json_dumps_of_the_history():
    import chainrule as cr
    from chainrule.train import Trainer
    model = cr.nn.Linear(2, 2)
    trainer = Trainer(model, cr.optim.SGD(model.parameters(), lr=0.1), epochs=1)
    for n in range(3):
        assert trainer.state_dict()["history_json"] == json.dumps(trainer.history)
        trainer.history.append({"epoch": n + 1, "loss": 1.0 / (n + 1), "layers": {"w": [0.1, n]}})
    trainer.history = [{"epoch": 1}]          # replaced, as a resume does
    assert trainer.state_dict()["history_json"] == json.dumps(trainer.history)


def test_a_sweep_from_python_checks_every_run_before_training_any(tmp_path):
    from chainrule.errors import ConfigError
    from chainrule.train import plan_sweep, run_sweep
    with pytest.raises(ConfigError, match="lbfgs"):
        plan_sweep({"optimizer": "sgd,lbfgs", "out": str(tmp_path)})
    assert not any(tmp_path.iterdir())
    sweep = plan_sweep({"reg": "0,1e-2", "epochs": "1", "model": "mlp", "hidden": "4", "out": str(tmp_path),
                        "name": "s", "progress": "none", "plots": "false"})
    seen = []
    result = run_sweep(sweep, on_run=seen.append)
    assert [r["reg"] for r in result.records] == ["0", "1e-2"] == [r["reg"] for r in seen]
    assert (tmp_path / "s" / "sweep.csv").is_file() and result.interrupted is None
