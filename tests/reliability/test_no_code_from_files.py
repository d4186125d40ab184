"""Files from strangers run no code: no module of chainrule can unpickle, evaluate or shell out on what it reads.

A scan of the whole package's source (so a new module cannot slip one in): pickle only in the restricted
unpickler, no eval/exec, ``np.load`` only with ``allow_pickle=False``, no yaml.load, no shell.
"""
import re
from pathlib import Path

import pytest

import chainrule

PACKAGE = Path(chainrule.__file__).parent
SOURCES = sorted(PACKAGE.rglob("*.py"))

FORBIDDEN = [
    (r"^\s*(import|from)\s+(pickle|cPickle|dill|cloudpickle|shelve|marshal)\b", "a pickle-like module"),
    (r"(?<!def )(?<![\w.`])(eval|exec)\s*\(", "eval/exec"),
    (r"\byaml\.(load|unsafe_load)\s*\(", "yaml.load"),
    (r"shell\s*=\s*True", "a shell"),
    (r"\bos\.(system|popen|exec\w*|spawn\w*)\s*\(", "os.system and friends"),
    (r"\b(torch|joblib)\.load\s*\(", "a pickle-based loader"),
    (r"allow_pickle\s*=\s*True", "allow_pickle=True"),
    (r"\b__import__\s*\(", "__import__"),
]
ALLOWED = {("data/safe_pickle.py", "a pickle-like module")}     # the restricted unpickler itself


def test_the_scan_sees_the_whole_package():
    names = {p.relative_to(PACKAGE).as_posix() for p in SOURCES}
    assert {"io/header.py", "io/codec.py", "data/safe_pickle.py", "data/cache.py", "data/cifar.py",
            "viz/compgraph/render.py"} <= names
    assert len(SOURCES) > 60


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_no_module_runs_code_from_what_it_reads(path):
    rel = path.relative_to(PACKAGE).as_posix()
    text = path.read_text(encoding="utf-8")
    for lineno, line in enumerate(text.splitlines(), 1):
        code = line.split("#", 1)[0]
        for pattern, what in FORBIDDEN:
            if re.search(pattern, code) and (rel, what) not in ALLOWED:
                pytest.fail(f"{rel}:{lineno} uses {what}: {line.strip()}")
    for m in re.finditer(r"np\.load\s*\(([^)]*)\)", text):
        assert "allow_pickle=False" in m.group(1), f"{rel}: np.load without allow_pickle=False: {m.group(0)}"
    if rel != "data/safe_pickle.py":
        assert "Unpickler" not in text.replace("RestrictedUnpickler", ""), f"{rel} builds its own unpickler"


def _calls(text: str, name: str):
    """The argument text of each call ``name(...)`` in ``text`` (parentheses matched)."""
    for m in re.finditer(re.escape(name) + r"\s*\(", text):
        depth, i = 1, m.end()
        while depth and i < len(text):
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        yield text[m.end():i - 1]


def test_the_call_scan_matches_nested_parentheses():
    assert list(_calls("Image.open(io.BytesIO(d), formats=F)", "Image.open")) == ["io.BytesIO(d), formats=F"]
    assert list(_calls("Image.open(io.BytesIO(d)).load()", "Image.open")) == ["io.BytesIO(d)"]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_images_are_opened_only_as_raster_formats(path):
    """Pillow given no ``formats`` picks a plugin from the content, EPS included, which runs Ghostscript on it."""
    text = path.read_text(encoding="utf-8")
    for args in _calls(text, "Image.open"):
        assert "formats=" in args, f"{path.relative_to(PACKAGE)}: Image.open({args}) without formats=[...]"
