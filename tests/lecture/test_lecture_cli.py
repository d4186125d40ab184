"""``chainrule lecture``: lists the topics, runs one, rejects an unknown one in one sentence."""
from __future__ import annotations

import pytest

from chainrule.cli.main import main
from chainrule.errors import ConfigError
from chainrule.lecture import TOPICS, get_topic


def run_cli(capsys, *argv):
    capsys.readouterr()
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_lists_every_topic_with_its_section(capsys):
    code, out, err = run_cli(capsys, "lecture")
    assert code == 0 and not err
    for name, topic in TOPICS.items():
        line = next(ln for ln in out.splitlines() if ln.strip().startswith(name + " "))
        assert topic.section in line
    assert list(TOPICS) == ["templates", "nonlinearity", "activations", "size-vs-regularization", "why-backprop",
                            "gates", "jacobian"]


def test_unknown_topic_exits_2_with_one_sentence(capsys):
    code, out, err = run_cli(capsys, "lecture", "backprop-magic")
    assert code == 2
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in err
    assert lines[0].startswith("chainrule lecture: error: unknown lecture topic 'backprop-magic'")
    assert lines[0].count(". ") == 0 and lines[0].endswith(".")          # one sentence
    assert "gates" in lines[0]


@pytest.mark.parametrize("argv", [["--seed", "-3"], ["--seed", "x"], ["--bogus"]])
def test_bad_options_exit_2(capsys, argv):
    code, _, err = run_cli(capsys, "lecture", "gates", *argv)
    assert code == 2 and len([ln for ln in err.splitlines() if ln.strip()]) == 1


def test_runs_a_topic_prints_its_table_and_writes_the_report(capsys, tmp_path):
    code, out, err = run_cli(capsys, "lecture", "gates", "--out", tmp_path / "g", "--seed", "5")
    assert code == 0, err
    assert "lecture section 4.2-4.3" in out
    assert "dx=15, dy=10" in out                   # the mul gate's swap
    assert "[ok]" in out and "NOT MET" not in out
    assert (tmp_path / "g" / "report.html").stat().st_size > 2000
    assert "--seed 5" in (tmp_path / "g" / "report.html").read_text()


def test_get_topic_accepts_underscores_and_rejects_unknown_names():
    assert get_topic("why_backprop").name == "why-backprop"
    with pytest.raises(ConfigError, match="unknown lecture topic"):
        get_topic("jacobians")
