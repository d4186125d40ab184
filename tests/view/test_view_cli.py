"""`chainrule view` from a terminal: it prints a working URL with the token, Ctrl-C stops it, bad input is one line."""
import http.client
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"


def test_prints_a_url_that_lists_the_runs_and_stops_on_ctrl_c(tmp_path, write_run, record):
    write_run(tmp_path / "runs" / "a", records=[record(1)])
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    proc = subprocess.Popen([sys.executable, "-m", "chainrule.cli.main", "view"], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stdout.readline()
        m = re.search(r"http://127\.0\.0\.1:(\d+)/\?token=([\w-]+)", line)
        assert m, line
        assert "no display found" in proc.stdout.readline() + proc.stdout.readline()
        conn = http.client.HTTPConnection("127.0.0.1", int(m.group(1)), timeout=20)
        conn.request("GET", f"/api/runs?token={m.group(2)}")
        assert [r["name"] for r in json.loads(conn.getresponse().read())["runs"]] == ["a"]
        conn.close()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "stopped" in err and "Traceback" not in err


def test_a_missing_folder_is_one_sentence(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    res = subprocess.run([sys.executable, "-m", "chainrule.cli.main", "view", "nowhere"], cwd=tmp_path,
                         capture_output=True, text=True, env=env, timeout=60)
    assert res.returncode == 2
    assert res.stderr.strip() == ("chainrule view: error: nowhere: no such folder; pass the folder your runs are in "
                                  "(chainrule train writes them to runs/, or to its --out).")


def test_a_runs_report_gives_the_view_command_that_shows_it(image_run):
    import html
    page = html.unescape((image_run / "report.html").read_text())
    command = re.search(r"<pre>(chainrule view [^<]*)</pre>", page).group(1)
    from chainrule.view.scan import find_runs
    folder = Path(command.split(" ", 2)[2].strip("'"))
    assert image_run in [p for _, _, p in find_runs([folder])[0]]
