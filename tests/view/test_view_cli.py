"""`chainrule view` from a terminal: it prints a working URL with the token, Ctrl-C stops it, bad input is one line."""
import json
import re
from pathlib import Path

from local_page import run, serving


def test_prints_a_url_that_lists_the_runs_and_stops_on_ctrl_c(tmp_path, write_run, record):
    write_run(tmp_path / "runs" / "a", records=[record(1)])
    with serving("view", cwd=tmp_path) as get:
        assert [r["name"] for r in json.loads(get("/api/runs")[1])["runs"]] == ["a"]


def test_a_missing_folder_is_one_sentence(tmp_path):
    res = run("view", "nowhere", cwd=tmp_path)
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
