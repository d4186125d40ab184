"""Every experiment writes its pictures and one self-contained report.html with all of them inlined."""
from __future__ import annotations

import base64
import re

import numpy as np
import pytest

from chainrule.lecture import TOPICS


@pytest.mark.parametrize("topic", list(TOPICS))
def test_report_inlines_every_picture(lecture, topic):
    from chainrule.viz import dot_available
    if topic == "gates" and not dot_available():
        pytest.skip("Graphviz `dot` not installed: the gates are DOT text, not pictures (see the test below)")
    r = lecture(topic)
    assert r.report is not None and r.report.name == "report.html"
    html = r.report.read_text(encoding="utf-8")
    assert len(html) > 2000
    assert r.pictures, topic
    for pic in r.pictures:
        data = pic.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" or pic.suffix == ".svg", pic
        assert base64.b64encode(data).decode("ascii") in html, f"{pic.name} is not inlined in {topic}'s report"
    # nothing is loaded from outside the file
    assert not re.search(r'<img[^>]+src="(?!data:)', html)
    assert html.count("<img") >= len(r.pictures)


@pytest.mark.parametrize("topic", list(TOPICS))
def test_report_states_claim_config_and_results(lecture, topic):
    r = lecture(topic)
    html = r.report.read_text(encoding="utf-8")
    assert f"lecture section {TOPICS[topic].section}" in html
    assert "Configuration" in html and "<table" in html
    assert "Does the measurement support the claim?" in html
    assert f"chainrule lecture {topic} --seed 0" in html


def test_gates_graph_pictures_are_rendered_or_dot_text(lecture):
    from chainrule.viz import dot_available
    r = lecture("gates")
    names = {p.name for p in r.pictures}
    if dot_available():
        assert {"gate_add.png", "gate_mul.png", "gate_copy.png", "gate_max.png", "example_f.png"} <= names
    else:
        assert (r.report.parent / "gate_add.dot").read_text().startswith("digraph")


def test_same_seed_same_numbers(tmp_path):
    """Seeded: two runs of the same experiment measure the same numbers (here the activations' gradient flow)."""
    from chainrule.lecture.activations import D, N, dead_units, gradient_flow
    rng = np.random.default_rng(0)
    X = rng.standard_normal((N, D)).astype(np.float32)
    y = rng.integers(0, 10, N)
    assert gradient_flow("tanh", X, y, seed=3) == gradient_flow("tanh", X, y, seed=3)
    assert gradient_flow("tanh", X, y, seed=3)[0] != gradient_flow("tanh", X, y, seed=4)[0]
    from chainrule.data import spiral
    s = spiral(30, 3)
    a = dead_units("relu", 5.0, s.X, s.y, steps=60, every=20, seed=1)
    b = dead_units("relu", 5.0, s.X, s.y, steps=60, every=20, seed=1)
    assert a["zero_grad"] == b["zero_grad"] and a["loss"] == b["loss"]


def test_blas_threads_limits_and_restores():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    from chainrule.lecture.common import blas_threads

    def blas():
        return [pool["num_threads"] for pool in threadpoolctl.threadpool_info() if pool["user_api"] == "blas"]
    before = blas()
    if not before:
        pytest.skip("no BLAS library loaded in this process")
    with threadpoolctl.threadpool_limits(limits=2, user_api="blas"):
        with blas_threads(1):
            assert set(blas()) == {1}
        with blas_threads(8):  # never raises the count
            assert set(blas()) == {2}
        assert set(blas()) == {2}
    assert blas() == before


def test_gates_without_graphviz_puts_the_dot_text_in_the_report(tmp_path, monkeypatch):
    import sys

    from chainrule import viz
    from chainrule.lecture import run_topic
    monkeypatch.setattr(sys.modules[viz.dot_available.__module__], "DOT_PROGRAM", "no-such-dot-program")
    assert not viz.dot_available()
    r = run_topic("gates", tmp_path, seed=0)
    assert r.holds
    assert (tmp_path / "gate_mul.dot").read_text().startswith("digraph")
    html = r.report.read_text(encoding="utf-8")
    assert "Graphviz" in html and "digraph" in html
    assert not list(tmp_path.glob("*.png"))


@pytest.mark.parametrize("topic", list(TOPICS))
def test_report_text_has_no_literal_markdown_emphasis(lecture, topic):
    """The report escapes its text, so a Markdown ``*word*`` would show its asterisks."""
    html = lecture(topic).report.read_text(encoding="utf-8")
    text = re.sub(r"<(script|style)>.*?</\1>|<[^>]+>|data:[^\"]+", " ", html, flags=re.S)
    assert not re.search(r"\*[A-Za-z][^*\n]{0,40}\*", text), re.search(r"\*[A-Za-z][^*\n]{0,40}\*", text)
