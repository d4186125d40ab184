"""The run scanner from a user's side: statuses from the lock and final files, broken files, caps, links."""
import json
import os
import subprocess
import sys

import pytest

from chainrule.view import follow, scan


def dead_pid():
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_statuses_come_from_the_lock_and_the_final_file(tmp_path, live_pid, write_run, record):
    write_run(tmp_path / "done", records=[record(1)], final={"epochs": 1, "val": {"acc": 0.5}, "test": {"acc": 0.4}})
    write_run(tmp_path / "live", records=[record(1)], lock_pid=live_pid)
    write_run(tmp_path / "killed", records=[record(1)])
    write_run(tmp_path / "stale", records=[record(1)], lock_pid=dead_pid())
    write_run(tmp_path / "extending", records=[record(1)], final={"epochs": 1}, lock_pid=live_pid)
    runs, _ = scan.find_runs([tmp_path])
    got = {path.name: scan.summarize(path)["status"] for _, _, path in runs}
    assert got == {"done": "finished", "live": "running", "killed": "interrupted", "stale": "interrupted",
                   "extending": "running"}


def test_a_summary_has_what_the_run_list_shows(trained):
    row = scan.summarize(trained / "lr1")
    final = json.loads((trained / "lr1" / "final.json").read_text())
    records = [json.loads(line) for line in (trained / "lr1" / "metrics.jsonl").read_text().splitlines()]
    assert row["name"] == "lr1" and row["dataset"] == final["dataset"] and row["model"] == final["model"]
    assert row["status"] == "finished" and not row["broken"]
    assert row["best_val_acc"] == max(r["val_acc"] for r in records)
    assert row["test_acc"] == final["test"]["acc"]
    assert row["duration_s"] == final["wall_s"] and row["version"] == final["chainrule_version"]


@pytest.mark.parametrize("name, content, says", [
    ("config.json", "{not json", "not valid JSON"),
    ("config.json", '{"a": ' + "[" * 100 + "]" * 100 + "}", "nested more than 64"),
    ("config.json", "[" * 100_000 + "]" * 100_000, "not valid JSON"),
    ("config.json", "[1, 2]", "JSON object"),
    ("final.json", '{"epochs": ', "not valid JSON"),
    ("config.json", b"\xff\xfe{}", "UTF-8"),
])
def test_a_broken_file_makes_a_broken_run_not_an_error(tmp_path, name, content, says, write_run, record):
    folder = write_run(tmp_path / "r", records=[record(1)])
    (folder / name).write_bytes(content if isinstance(content, bytes) else content.encode())
    row = scan.summarize(folder)
    assert row["broken"] and any(says in p for p in row["problems"]), row["problems"]


def test_files_over_their_cap_are_not_read(tmp_path, monkeypatch, write_run, record):
    folder = write_run(tmp_path / "r", records=[record(i) for i in range(1, 4)])
    monkeypatch.setattr(scan, "MAX_JSON_FILE", 20)
    monkeypatch.setattr(scan, "MAX_METRICS_FILE", 300)
    row = scan.summarize(folder)
    assert any("larger than 20 bytes" in p for p in row["problems"])
    records, problems, used = scan.read_metrics(folder / "metrics.jsonl")
    assert used <= 300 and len(records) < 3 and "larger than 300 bytes" in problems[0]


def test_bad_metrics_lines_are_skipped_and_a_torn_last_line_waits(tmp_path, write_run, record):
    folder = write_run(tmp_path / "r", records=[record(1)])
    with open(folder / "metrics.jsonl", "a") as f:
        f.write("garbage\n[1, 2]\n" + json.dumps(record(2)) + "\n" + '{"epoch": 3, "val_a')
    records, problems, used = scan.read_metrics(folder / "metrics.jsonl")
    assert [r["epoch"] for r in records] == [1, 2]
    assert len(problems) == 2
    assert used == (folder / "metrics.jsonl").read_bytes().rindex(b"\n") + 1


def test_links_are_not_followed_and_depth_is_bounded(tmp_path, write_run):
    outside = write_run(tmp_path / "outside" / "r")
    root = tmp_path / "root"
    write_run(root / "a" / "b" / "c" / "d" / "deep")           # depth 5: below the limit
    write_run(root / "x" / "ok")
    os.symlink(outside, root / "link")
    os.symlink(outside.parent, root / "linkdir")
    names = [p.name for _, _, p in scan.find_runs([root])[0]]
    assert names == ["ok"]


def test_a_sweep_folder_is_found_with_its_runs(trained):
    runs, sweeps = scan.find_runs([trained])
    assert [rel for _, rel, _ in sweeps] == ["sweep-spiral"]
    assert sum(p.parent == sweeps[0][2] for _, _, p in runs) == 4


def test_following_reads_appended_lines_only_and_starts_over_when_the_file_is_replaced(tmp_path, write_run, record):
    folder = write_run(tmp_path / "r", records=[record(1)])
    path = folder / "metrics.jsonl"
    w = follow.Watched("0:r", folder, path.stat().st_size)
    assert follow.new_lines(w) == []
    with open(path, "a") as f:
        f.write(json.dumps(record(2)) + "\n" + '{"epoch": 3')
    (event,) = follow.new_lines(w)
    assert event["type"] == "records" and [r["epoch"] for r in event["records"]] == [2]
    with open(path, "a") as f:
        f.write("}\n")
    assert [r["epoch"] for r in follow.new_lines(w)[0]["records"]] == [3]
    tmp = folder / "m.tmp"                                     # --resume rewrites the file atomically
    tmp.write_text("".join(json.dumps(record(i), indent=1).replace("\n", "") + "\n" for i in range(1, 6)))
    assert tmp.stat().st_size > w.offset
    os.replace(tmp, path)
    (event,) = follow.new_lines(w)
    assert event["type"] == "reset" and [r["epoch"] for r in event["records"]] == [1, 2, 3, 4, 5]


def test_fifos_and_folders_in_place_of_files_are_refused_without_blocking(tmp_path, write_run, record):
    folder = write_run(tmp_path / "r", records=[record(1)])
    (folder / "config.json").unlink()
    os.mkfifo(folder / "config.json")
    (folder / "final.json").mkdir()
    row = scan.summarize(folder)                       # opening the FIFO would wait for a writer forever
    assert row["broken"] and {"config.json is not a regular file", "final.json is not a regular file"} <= \
        set(row["problems"])
    w = follow.Watched("0:r", folder, 0)
    (folder / "metrics.jsonl").unlink()
    os.mkfifo(folder / "metrics.jsonl")
    assert follow.new_lines(w) == [] and scan.read_metrics(folder / "metrics.jsonl") == ([], [], 0)
