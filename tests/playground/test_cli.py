"""`chainrule playground` from a terminal: it prints a working URL with the token, and Ctrl-C stops it cleanly."""
from local_page import run, serving


def test_prints_a_url_that_works_and_stops_on_ctrl_c():
    with serving("playground", "--port", "0") as get:
        assert get("/api/state")[0] == 200


def test_a_bad_port_is_one_sentence():
    res = run("playground", "--port", "70000")
    assert res.returncode == 2
    assert res.stderr.strip() == ("chainrule playground: error: --port 70000 is not a port number; use 1 to 65535, "
                                  "or 0 for a free one.")
