"""The viewer's API from a client's side: the token, foreign Host and Origin refused, runs, pictures, events."""
import http.client
import json

import pytest

from chainrule.view.app import Viewer


@pytest.fixture
def viewer(trained):
    v = Viewer([trained]).start()
    yield v
    v.stop()


def request(v, path, *, token=True, host=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", v.server.port, timeout=10)
    if token:
        path += ("&" if "?" in path else "?") + "token=" + v.server.token
    conn.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
    conn.putheader("Host", host or f"127.0.0.1:{v.server.port}")
    for k, val in (headers or {}).items():
        conn.putheader(k, val)
    conn.endheaders()
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp, data


def get(v, path):
    resp, data = request(v, path)
    assert resp.status == 200, data
    return json.loads(data)


@pytest.mark.parametrize("path", ["/", "/app.js", "/api/runs", "/api/run?id=0:lr1", "/api/events?runs=0:lr1",
                                  "/api/picture?id=0:lr1&name=curves.png", "/api/sweep?id=0:sweep-spiral"])
def test_every_route_needs_the_token_and_refuses_foreign_hosts_and_origins(viewer, path):
    assert request(viewer, path, token=False)[0].status == 403
    assert request(viewer, path, host="evil.example:80")[0].status == 403
    assert request(viewer, path, headers={"Origin": "http://evil.example"})[0].status == 403


def test_the_page_and_its_files_are_served_with_the_token(viewer):
    resp, data = request(viewer, "/")
    assert resp.status == 200 and viewer.server.token.encode() in data and b"chainrule view" in data
    assert "script-src 'self'" in resp.getheader("Content-Security-Policy")


def test_the_run_list_holds_every_run_with_its_summary(viewer):
    data = get(viewer, "/api/runs")
    names = [r["name"] for r in data["runs"]]
    assert names[:2] == ["lr03", "lr1"] and len(names) == 6
    assert {r["status"] for r in data["runs"]} == {"finished"}
    assert [s["id"] for s in data["sweeps"]] == ["0:sweep-spiral"]


def test_one_run_comes_with_its_records_config_and_offset(viewer, trained):
    run = get(viewer, "/api/run?id=0:lr1")
    assert len(run["records"]) == 3 and run["config"]["lr"] == 1.0
    assert run["offset"] == (trained / "lr1" / "metrics.jsonl").stat().st_size
    resp, data = request(viewer, "/api/run?id=0:../lr1")
    assert resp.status == 404 and "No run" in json.loads(data)["error"]


def test_pictures_only_by_name_from_the_list(viewer, trained):
    for name in ("config.json", "../lr1/final.json", "curves.png"):   # the tiny runs drew no pictures
        resp, data = request(viewer, f"/api/picture?id=0:lr1&name={name}")
        assert resp.status == 404, name


def test_a_sweep_gives_each_run_its_learning_rate_regularization_and_accuracy(viewer):
    sweep = get(viewer, "/api/sweep?id=0:sweep-spiral")
    assert sorted((p["lr"], p["reg"]) for p in sweep["points"]) == [(0.3, 0.0), (0.3, 1e-3), (1.0, 0.0), (1.0, 1e-3)]
    assert all(0 < p["val_acc"] <= 1 for p in sweep["points"])


def test_a_broken_run_is_listed_as_broken(tmp_path, write_run, record):
    write_run(tmp_path / "good", records=[record(1)])
    (write_run(tmp_path / "bad") / "config.json").write_text("{")
    v = Viewer([tmp_path]).start()
    try:
        rows = {r["name"]: r for r in get(v, "/api/runs")["runs"]}
        assert rows["bad"]["broken"] and not rows["good"]["broken"]
        assert get(v, "/api/run?id=0:bad")["config"] is None
    finally:
        v.stop()


def test_the_event_stream_sends_lines_appended_to_a_running_runs_metrics(tmp_path, write_run, record, live_pid):
    folder = write_run(tmp_path / "live", records=[record(1)], lock_pid=live_pid)
    offset = (folder / "metrics.jsonl").stat().st_size
    v = Viewer([tmp_path]).start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", v.server.port, timeout=10)
        conn.request("GET", f"/api/events?runs=0:live&offsets={offset}&token={v.server.token}")
        resp = conn.getresponse()
        assert resp.getheader("Content-Type") == "text/event-stream"
        events = _events(resp)
        assert next(events)["type"] == "hello"
        with open(folder / "metrics.jsonl", "a") as f:
            f.write(json.dumps(record(2)) + "\n")
        event = next(events)
        assert event["type"] == "records" and [r["epoch"] for r in event["records"]] == [2]
        (folder / "progress.json").write_text('{"epoch": 3, "epochs": 5, "step": 7, "steps": 30}')
        assert next(events) == {"type": "progress", "run": "0:live",
                                "progress": {"epoch": 3, "epochs": 5, "step": 7, "steps": 30}}
        (folder / ".lock").unlink()
        (folder / "final.json").write_text('{"epochs": 2}')
        assert next(events) == {"type": "status", "run": "0:live", "status": "finished"}
        conn.close()
    finally:
        v.stop()


def _events(resp):
    while True:
        line = resp.readline()
        if line.startswith(b"data: "):
            yield json.loads(line[6:])


def test_an_image_runs_pictures_are_served_as_png(image_run):
    v = Viewer([image_run.parent]).start()
    try:
        run = get(v, "/api/run?id=0:img")
        assert {"misclassified.png", "templates.png", "confusion.png", "curves.png"} <= set(run["pictures"])
        resp, data = request(v, "/api/picture?id=0:img&name=misclassified.png")
        assert resp.status == 200 and resp.getheader("Content-Type") == "image/png"
        assert data == (image_run / "misclassified.png").read_bytes()
    finally:
        v.stop()


def test_the_run_list_follows_changes_to_runs_it_has_read(tmp_path, write_run, record):
    import subprocess
    import sys
    trainer = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        folder = write_run(tmp_path / "r", records=[record(1)], lock_pid=trainer.pid)
        v = Viewer([tmp_path]).start()
        try:
            (row,) = get(v, "/api/runs")["runs"]
            assert row["status"] == "running" and row["best_val_acc"] == record(1)["val_acc"]
            with open(folder / "metrics.jsonl", "a") as f:
                f.write(json.dumps(record(2)) + "\n")
            (row,) = get(v, "/api/runs")["runs"]
            assert row["best_val_acc"] == record(2)["val_acc"] and row["epoch"] == 2
            trainer.kill()                                  # killed: its lock stays, untouched
            trainer.wait()
            assert get(v, "/api/runs")["runs"][0]["status"] == "interrupted"
        finally:
            v.stop()
    finally:
        trainer.kill()
        trainer.wait()


def test_in_jupyter_the_viewer_shows_itself_in_a_frame_with_its_token(trained):
    from chainrule.view import view
    v = view(str(trained))
    try:
        html = v._repr_html_()
        assert f'src="{v.url}"' in html and v.server.token in html
        assert [r["name"] for r in get(v, "/api/runs")["runs"]][:2] == ["lr03", "lr1"]
    finally:
        v.stop()
