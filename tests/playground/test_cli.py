"""`chainrule playground` from a terminal: it prints a working URL with the token, and Ctrl-C stops it cleanly."""
import http.client
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"


def test_prints_a_url_that_works_and_stops_on_ctrl_c():
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    proc = subprocess.Popen([sys.executable, "-m", "chainrule.cli.main", "playground", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stdout.readline()
        m = re.search(r"http://127\.0\.0\.1:(\d+)/\?token=([\w-]+)", line)
        assert m, line
        assert "no display found" in proc.stdout.readline() + proc.stdout.readline()
        conn = http.client.HTTPConnection("127.0.0.1", int(m.group(1)), timeout=20)
        conn.request("GET", f"/api/state?token={m.group(2)}")
        assert conn.getresponse().status == 200
        conn.close()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "stopped" in err and "Traceback" not in err


def test_a_bad_port_is_one_sentence():
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    res = subprocess.run([sys.executable, "-m", "chainrule.cli.main", "playground", "--port", "70000"],
                         capture_output=True, text=True, env=env, timeout=60)
    assert res.returncode == 2
    assert res.stderr.strip() == ("chainrule playground: error: --port 70000 is not a port number; use 1 to 65535, "
                                  "or 0 for a free one.")
