"""One self-contained HTML file per experiment: configuration, result tables, pictures and explanations.

    write_report("run/report.html", "Two-layer net on CIFAR-10", [
        {"heading": "Configuration", "config": {"hidden": 100, "lr": 1e-3}},
        {"heading": "Results", "table": [{"split": "val", "accuracy": 0.52}]},
        {"heading": "Training curves", "image": "run/curves.png", "caption": "loss and accuracy per epoch",
         "text": "The validation loss stops falling after epoch 8."},
    ])

Everything is inside the file: pictures as base64 ``data:`` URIs (PNG or SVG), CSS inline, no script or font
from the network (a Content-Security-Policy forbids it), so it opens offline and can be mailed around. Every
piece of text is HTML-escaped. A tiny inline script marks ``<body data-images-ok="true">`` once every
picture has decoded, which tests read from a headless browser.
"""
from __future__ import annotations

import base64
import datetime as _dt
import html
import math
from numbers import Number
from pathlib import Path

import numpy as np

from .._files import atomic_write
from ..errors import ConfigError

__all__ = ["write_report", "render_report", "SECTION_KEYS"]

#: The keys a section dict may have; they are rendered in this order.
SECTION_KEYS = ("heading", "text", "config", "table", "tables", "image", "images", "caption", "code", "graph")

_CSS = """
body{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:2em auto;max-width:1100px;
     padding:0 1em;color:#1f2328;line-height:1.5}
h1{border-bottom:2px solid #d0d7de;padding-bottom:.3em}
h2{margin-top:1.8em;border-bottom:1px solid #d0d7de;padding-bottom:.2em}
table{border-collapse:collapse;margin:.8em 0;font-size:.92em}
th,td{border:1px solid #d0d7de;padding:.3em .7em;text-align:left;vertical-align:top}
th{background:#f6f8fa}
td.num{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:1em 0;display:inline-block;vertical-align:top;max-width:100%}
figure img{max-width:100%;height:auto;border:1px solid #eaeef2}
figcaption{color:#57606a;font-size:.9em}
pre{background:#f6f8fa;padding:.8em;overflow:auto;font-size:.85em}
.meta{color:#57606a;font-size:.85em}
"""

_CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'")

_SCRIPT = """
window.addEventListener('load', function () {
  var imgs = document.images, ok = true;
  for (var i = 0; i < imgs.length; i++) {
    if (!(imgs[i].complete && imgs[i].naturalWidth > 0)) { ok = false; }
  }
  document.body.setAttribute('data-image-count', String(imgs.length));
  document.body.setAttribute('data-images-ok', ok ? 'true' : 'false');
});
"""

_MIME = {".png": "image/png", ".svg": "image/svg+xml", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
         ".gif": "image/gif"}


def _e(x) -> str:
    return html.escape(str(x), quote=True)


def _fmt(v) -> str:
    if isinstance(v, bool) or v is None:
        return str(v)
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float):
        if math.isnan(v) or math.isinf(v):
            return str(v)
        if v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e6):
            return f"{v:.3e}"
        return f"{v:.4g}"
    return str(v)


def _cell(v) -> str:
    cls = ' class="num"' if isinstance(v, (Number, np.number)) and not isinstance(v, bool) else ""
    return f"<td{cls}>{_e(_fmt(v))}</td>"


def _config_table(config) -> str:
    if not hasattr(config, "items"):
        raise ConfigError(f"report: a section's 'config' must be a mapping, got {type(config).__name__}.")
    rows = "".join(f"<tr><th>{_e(k)}</th>{_cell(v)}</tr>" for k, v in config.items())
    return f'<table class="config"><tbody>{rows}</tbody></table>'


def _result_table(table) -> str:
    """A table from a list of dicts, a dict of columns, or {"columns": [...], "rows": [[...]]}."""
    caption = ""
    if isinstance(table, dict) and "rows" in table:
        columns = list(table.get("columns") or [])
        rows = [list(r) for r in table["rows"]]
        if not columns and rows:
            columns = [""] * len(rows[0])
        if table.get("caption"):
            caption = f"<caption>{_e(table['caption'])}</caption>"
    elif isinstance(table, dict):
        columns = list(table)
        n = max((len(v) for v in table.values()), default=0)
        rows = [[table[c][i] if i < len(table[c]) else "" for c in columns] for i in range(n)]
    elif isinstance(table, (list, tuple)) and all(isinstance(r, dict) for r in table):
        columns = []
        for r in table:
            columns += [k for k in r if k not in columns]
        rows = [[r.get(c, "") for c in columns] for r in table]
    else:
        raise ConfigError("report: a 'table' must be a list of dicts, a dict of columns, or "
                          "{'columns': [...], 'rows': [[...], ...]}.")
    head = "".join(f"<th>{_e(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(_cell(v) for v in r) + "</tr>" for r in rows)
    return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _image_source(image):
    """(mime, bytes) for a picture: a path, raw bytes, a Graph, or a dict {"data": bytes, "format": "png"}."""
    from .compgraph import Graph, dot_available
    if isinstance(image, Graph):
        if not dot_available():
            return None, image.source
        return "image/svg+xml", image.pipe("svg")
    if isinstance(image, dict):
        fmt = str(image.get("format", "png")).lower().lstrip(".")
        return _MIME.get("." + fmt, "image/png"), bytes(image["data"])
    if isinstance(image, (bytes, bytearray)):
        data = bytes(image)
        mime = "image/png" if data.startswith(b"\x89PNG") else "image/svg+xml"
        return mime, data
    path = Path(image)
    mime = _MIME.get(path.suffix.lower())
    if mime is None:
        raise ConfigError(f"report: cannot embed {path.name}: use a .png, .svg, .jpg or .gif picture.")
    if not path.is_file():
        raise ConfigError(f"report: picture {str(path)!r} does not exist.")
    return mime, path.read_bytes()


def _figure(image, caption=None, alt=None) -> str:
    if isinstance(image, dict) and "path" in image:
        caption = image.get("caption", caption)
        alt = image.get("alt", alt)
        image = image["path"]
    elif isinstance(image, (tuple, list)) and len(image) == 2:
        image, caption = image
    mime, data = _image_source(image)
    cap = f"<figcaption>{_e(caption)}</figcaption>" if caption else ""
    if mime is None:  # a graph without Graphviz: show its DOT text
        return f"<figure><pre>{_e(data)}</pre>{cap}</figure>"
    alt = alt or caption or (Path(image).name if isinstance(image, (str, Path)) else "figure")
    b64 = base64.b64encode(data).decode("ascii")
    return f'<figure><img src="data:{mime};base64,{b64}" alt="{_e(alt)}">{cap}</figure>'


def _paragraphs(text) -> str:
    if isinstance(text, (list, tuple)):
        parts = [str(t) for t in text]
    else:
        parts = [p.strip() for p in str(text).split("\n\n")]
    return "".join(f"<p>{_e(p)}</p>" for p in parts if p)


def _section(sec, index) -> str:
    if isinstance(sec, str):
        sec = {"text": sec}
    if not isinstance(sec, dict):
        raise ConfigError(f"report: section {index} must be a dict (keys: {', '.join(SECTION_KEYS)}), "
                          f"got {type(sec).__name__}.")
    unknown = [k for k in sec if k not in SECTION_KEYS]
    if unknown:
        raise ConfigError(f"report: section {index} has unknown key(s) {', '.join(map(repr, unknown))}; "
                          f"use {', '.join(SECTION_KEYS)}.")
    out = ["<section>"]
    if sec.get("heading"):
        out.append(f"<h2>{_e(sec['heading'])}</h2>")
    if sec.get("text"):
        out.append(_paragraphs(sec["text"]))
    if sec.get("config") is not None:
        out.append(_config_table(sec["config"]))
    if sec.get("table") is not None:
        out.append(_result_table(sec["table"]))
    for t in sec.get("tables") or ():
        out.append(_result_table(t))
    images = list(sec.get("images") or ())
    if sec.get("image") is not None:
        images.insert(0, (sec["image"], sec.get("caption")) if sec.get("caption") else sec["image"])
    if sec.get("graph") is not None:
        images.append(sec["graph"])
    for im in images:
        out.append(_figure(im))
    if sec.get("code"):
        out.append(f"<pre>{_e(sec['code'])}</pre>")
    out.append("</section>")
    return "\n".join(out)


def render_report(title: str, sections, *, subtitle: str | None = None) -> str:
    """The report's HTML text (see :func:`write_report`)."""
    if isinstance(sections, dict):
        sections = [sections]
    from .. import __version__
    body = "\n".join(_section(s, i) for i, s in enumerate(sections))
    stamp = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    sub = f"<p>{_e(subtitle)}</p>" if subtitle else ""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n<script>{_SCRIPT}</script>\n</head>\n"
        f"<body>\n<h1>{_e(title)}</h1>\n{sub}<p class=\"meta\">written by chainrule {_e(__version__)} on {_e(stamp)}</p>\n"
        f"{body}\n</body>\n</html>\n")


def write_report(path, title: str, sections, *, subtitle: str | None = None) -> Path:
    """Write one self-contained HTML report to ``path`` (atomically) and return the path.

    ``sections`` is a list of dicts, each with any of: ``heading``; ``text`` (paragraphs separated by blank
    lines, or a list of them); ``config`` (a mapping: a two-column table); ``table`` / ``tables`` (a list of
    row dicts, a dict of columns, or ``{"columns": [...], "rows": [[...]], "caption": ...}``); ``image`` with
    ``caption``, or ``images`` (paths to .png/.svg/.jpg files, raw PNG/SVG bytes, ``(picture, caption)``
    pairs, or ``{"path": ..., "caption": ...}``); ``graph`` (a :class:`~chainrule.viz.compgraph.Graph`, embedded
    as SVG); ``code`` (preformatted text). A plain string is a text-only section.
    """
    text = render_report(title, sections, subtitle=subtitle)
    path = Path(path)
    with atomic_write(path, "wb") as f:
        f.write(text.encode("utf-8"))
    return path
