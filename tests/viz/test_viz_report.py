"""write_report: one self-contained, escaped HTML file; checked in headless Chromium when available."""
import base64
import os
import re
import shutil
import subprocess

import numpy as np
import pytest

from chainrule.errors import ChainruleError
from chainrule.viz import expression_graph, write_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
PNG_1x1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20" fill="red"/></svg>'


def make_report(tmp_path, with_graph=True):
    (tmp_path / "dot.png").write_bytes(PNG_1x1)
    (tmp_path / "box.svg").write_bytes(SVG)
    sections = [
        {"heading": "Configuration", "config": {"hidden": 100, "lr": 1e-3, "note": "<script>alert(1)</script>"}},
        {"heading": "Results & <numbers>", "table": [{"split": "train", "acc": 0.912345}, {"split": "val", "acc": 0.5}],
         "text": "First paragraph.\n\nSecond <b>paragraph</b> & more."},
        {"heading": "Pictures", "image": tmp_path / "dot.png", "caption": "a <tiny> PNG",
         "images": [tmp_path / "box.svg", {"path": tmp_path / "dot.png", "caption": "again"}]},
        {"heading": "Columns", "table": {"columns": ["a", "b"], "rows": [[1, np.float32(2.5)], [3, float("nan")]],
                                         "caption": "cap"}},
        "A plain text section.",
    ]
    if with_graph:
        sections.append({"heading": "Graph", "graph": expression_graph("(x + y) * z", "x=-2,y=5,z=-4"),
                         "code": "chainrule graph \"(x + y) * z\""})
    return write_report(tmp_path / "out" / "report.html", "Report <title> & co", sections, subtitle="sub")


def test_report_is_self_contained_and_escaped(tmp_path):
    p = make_report(tmp_path, with_graph=False)
    html = p.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Report &lt;title&gt; &amp; co" in html
    assert "Second &lt;b&gt;paragraph&lt;/b&gt; &amp; more." in html
    assert html.count("data:image/png;base64,") == 2 and html.count("data:image/svg+xml;base64,") == 1
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing from the network
    assert "Content-Security-Policy" in html
    assert "0.9123" in html and "<td class=\"num\">2.5</td>" in html
    assert [f.name for f in (tmp_path / "out").iterdir()] == ["report.html"]  # atomic: no temporary left


def test_report_errors(tmp_path):
    with pytest.raises(ChainruleError, match="unknown key"):
        write_report(tmp_path / "r.html", "t", [{"heading": "x", "imgae": "a.png"}])
    with pytest.raises(ChainruleError, match="does not exist"):
        write_report(tmp_path / "r.html", "t", [{"image": tmp_path / "missing.png"}])
    with pytest.raises(ChainruleError, match=".png"):
        write_report(tmp_path / "r.html", "t", [{"image": tmp_path / "data.csv"}])
    assert not (tmp_path / "r.html").exists()


def _chromium(args, tmp_path, name):
    profile = tmp_path / f"profile-{name}"
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=dict(os.environ, HOME=str(tmp_path)))


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")
def test_report_in_headless_chromium(tmp_path):
    from chainrule.viz import dot_available
    p = make_report(tmp_path, with_graph=dot_available())
    pytest.importorskip("matplotlib")
    from chainrule.viz import plots
    curves = plots.plot_curves([{"epoch": 1, "train_loss": 2.0, "val_loss": 2.1},
                                {"epoch": 2, "train_loss": 1.5, "val_loss": 1.7}], tmp_path / "curves.png")
    acts = plots.plot_activations(tmp_path / "acts.svg", names=["sigmoid", "relu"], points=101)
    p = write_report(p, "With plots", [{"images": [curves, acts]}, {"text": p.read_text()[:50]}])
    html = p.read_text()
    n_images = html.count("<img ")

    url = p.resolve().as_uri()
    dom = _chromium(["--virtual-time-budget=5000", "--dump-dom", url], tmp_path, "dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    body = re.search(r"<body[^>]*>", dom.stdout).group(0)
    assert 'data-images-ok="true"' in body, body
    assert f'data-image-count="{n_images}"' in body
    console = [ln for ln in dom.stderr.splitlines() if "CONSOLE" in ln]
    assert console == [], console  # no script error, no CSP violation, no failed load

    shot = tmp_path / "shot.png"
    run = _chromium([f"--screenshot={shot}", "--window-size=1200,900", "--hide-scrollbars", url], tmp_path, "shot")
    assert run.returncode == 0, run.stderr[-2000:]
    assert shot.read_bytes().startswith(b"\x89PNG") and shot.stat().st_size > 5000


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")
def test_chromium_check_catches_broken_images(tmp_path):
    """The check itself works: a report with an undecodable picture reports data-images-ok=false."""
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG not really")
    p = write_report(tmp_path / "bad.html", "bad", [{"image": bad}])
    dom = _chromium(["--virtual-time-budget=5000", "--dump-dom", p.resolve().as_uri()], tmp_path, "bad")
    assert 'data-images-ok="false"' in re.search(r"<body[^>]*>", dom.stdout).group(0)
