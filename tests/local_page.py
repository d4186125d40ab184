"""What the CLI tests of the local pages (``chainrule playground``, ``chainrule view``) share: the command
started as a user starts it, without a display, and a connection to the URL it prints."""
import contextlib
import http.client
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"


def _env(headless=False):
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    if headless:
        env.pop("DISPLAY", None)
        env.pop("WAYLAND_DISPLAY", None)
    return env


@contextlib.contextmanager
def serving(*args, cwd=None):
    """Start ``chainrule ARGS``; yield ``get(path)`` (the response to GET path with the printed URL's token)
    and the process; on leaving, press Ctrl-C and check it stopped cleanly (status 0, "stopped", no traceback)."""
    proc = subprocess.Popen([sys.executable, "-m", "chainrule.cli.main", *args], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=_env(headless=True))
    try:
        line = proc.stdout.readline()
        m = re.search(r"http://127\.0\.0\.1:(\d+)/\?token=([\w-]+)", line)
        assert m, line
        assert "no display found" in proc.stdout.readline() + proc.stdout.readline()

        def get(path):
            conn = http.client.HTTPConnection("127.0.0.1", int(m.group(1)), timeout=20)
            conn.request("GET", f"{path}{'&' if '?' in path else '?'}token={m.group(2)}")
            response = conn.getresponse()
            body = response.read()
            conn.close()
            return response.status, body
        yield get
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "stopped" in err and "Traceback" not in err


def run(*args, cwd=None):
    """``chainrule ARGS`` to its end (a refusal): the finished process, output captured."""
    return subprocess.run([sys.executable, "-m", "chainrule.cli.main", *args], cwd=cwd, capture_output=True,
                          text=True, env=_env(), timeout=60)
