"""The `chainrule graph` wiring: register / run_graph."""
import argparse
import shutil

import pytest

from chainrule.cli.graph import main, register, run_graph
from chainrule.viz.compgraph import render as dot_mod


def parse(argv):
    parser = argparse.ArgumentParser(prog="chainrule")
    sub = parser.add_subparsers(dest="command")
    register(sub)
    return parser.parse_args(argv)


def test_defaults():
    args = parse(["graph", "x * y", "--values", "x=1,y=2"])
    assert args.func is run_graph and args.out == "graph.svg" and args.explain is False


def test_dot_output_and_explain(tmp_path, capsys):
    out = tmp_path / "f.dot"
    rc = run_graph(parse(["graph", "(x + y) * z", "--values", "x=-2,y=5,z=-4", "--out", str(out), "--explain"]))
    assert rc == 0
    text = capsys.readouterr().out
    assert "f = -12.0" in text and "df/dx = -4.0, df/dy = -4.0, df/dz = 3.0" in text
    assert "dx: -4.0 = 1.0 (add: gradient distributor) × -4.0 (upstream from q1)" in text
    assert out.read_text().startswith("digraph")


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not installed")
def test_svg_and_png(tmp_path, capsys):
    assert main(["max(x, y) * z", "--values", "x=3,y=-4,z=2", "--out", str(tmp_path / "g.svg")]) == 0
    assert "<svg" in (tmp_path / "g.svg").read_text()
    assert main(["relu(x)", "--values", "x=3", "--out", str(tmp_path / "g.png")]) == 0
    assert (tmp_path / "g.png").read_bytes().startswith(b"\x89PNG")


def test_missing_graphviz_writes_dot(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(dot_mod, "DOT_PROGRAM", "no-such-dot-program-here")
    rc = main(["x * 2", "--values", "x=3", "--out", str(tmp_path / "g.svg")])
    assert rc == 1
    assert "apt-get install graphviz" in capsys.readouterr().err
    assert (tmp_path / "g.dot").read_text().startswith("digraph") and not (tmp_path / "g.svg").exists()


@pytest.mark.parametrize("argv, words", [
    (["(x + ", "--values", "x=1"], "position 6"),
    (["x * y", "--values", "x=1"], "no value for y"),
    (["x", "--values", "x=abc"], "must be a number"),
    (["x", "--values", "x=1", "--out", "g.bmp"], "unknown format"),
])
def test_errors(argv, words, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("chainrule graph: error:") and words in err
