"""Vietnamese text follows docs/vi/glossary.md: "lớp" means layer only (a class is "nhãn"), one number convention."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCS = sorted((REPO / "docs" / "vi").glob("*.md"))
NOTEBOOKS = sorted((REPO / "notebooks" / "vi").glob("*.ipynb"))
#: Vietnamese strings the program shows: the playground's words and the lecture reports' quotations.
PROGRAM = [REPO / "src/chainrule/playground/static/i18n.js", *sorted((REPO / "src/chainrule/lecture").glob("*.py"))]

#: "lớp" used for a class: each of these read "class" where the glossary says "nhãn".
CLASS_AS_LOP = [r"(ảnh|điểm|tính điểm) mỗi lớp\b", r"\(template\)\s+cho mỗi lớp", r"phân loại nhiều lớp", r"\b\d+ lớp, \d+ điểm",
                r"hai lớp trở lên", r"các lớp dùng chung", r"(giữa|của) các lớp\b(?! (ẩn|đã|đầu))",
                r"bầu cho\s+nhiều lớp", r"của cả\s+lớp\b", r"điểm số \(score\) của một lớp"]
OTHER = [r"\bnhân CPU\b", r"\b(hai|2) nhân\b", r"\((số)\)"]          # "lõi" for cores; say "(đạo hàm số)"
DOT_DECIMAL = re.compile(r"(?<![\w.,{])(\d+\.(?:\d{1,2}|\d{4,})|0\.\d+)(?![\w.,])")
COMMA_THOUSANDS = re.compile(r"(?<![\w.,])(\d{2,}(,|\{,\})\d{3}|\d{1,3},\d{3},\d{3})(?!\d)")


def _markdown(path: Path) -> str:
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return path.read_text(encoding="utf-8")


def prose_lines(text: str):
    """(line number, text) outside fenced code, with inline code, heading and section numbers blanked out."""
    fence = False
    for n, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("```"):
            fence = not fence
            continue
        if fence:
            continue
        line = re.sub(r"`[^`]*`", "`…`", line)
        line = re.sub(r"^#+\s+\d+(\.\d+)*", "#", line)
        line = re.sub(r"\[\d+(\.\d+)*(-\d+(\.\d+)*)?\]\(", "[§](", line)        # links to lecture sections
        line = re.sub(r"\b\d+\.\d+-\d+\.\d+\b", "§", line)
        line = re.sub(r"(mục|bài|công thức|section)\s+\d+(\.\d+)*((\s*(-|và|,)\s*)\d+(\.\d+)*)*", r"\1 §", line,
                      flags=re.I)
        yield n, line


@pytest.mark.parametrize("path", DOCS + NOTEBOOKS, ids=lambda p: str(p.relative_to(REPO)))
def test_numbers_use_the_vietnamese_convention(path):
    bad = [f"{n}: {m.group(0)!r} in {line.strip()[:100]}" for n, line in prose_lines(_markdown(path))
           for m in [*DOT_DECIMAL.finditer(line), *COMMA_THOUSANDS.finditer(line)]]
    assert not bad, "decimal comma and thousands dot (docs/vi/glossary.md):\n" + "\n".join(bad)


@pytest.mark.parametrize("path", DOCS + NOTEBOOKS + PROGRAM, ids=lambda p: str(p.relative_to(REPO)))
def test_lop_means_layer_only(path):
    text = _markdown(path) if path.suffix in (".md", ".ipynb") else path.read_text(encoding="utf-8")
    bad = [m.group(0) for pattern in CLASS_AS_LOP + OTHER for m in re.finditer(pattern, text)]
    assert not bad, f"ambiguous Vietnamese in {path.name} (see docs/vi/glossary.md): {bad}"


def test_the_glossary_is_there_and_linked():
    glossary = REPO / "docs" / "vi" / "glossary.md"
    assert "| class | nhãn (class) |" in glossary.read_text(encoding="utf-8")
    assert "glossary.md" in (REPO / "docs" / "vi" / "lecture.md").read_text(encoding="utf-8")


def test_the_checks_catch_what_they_guard():
    lines = dict(prose_lines("đạt 0.493 trên 262,144 điểm\n```\n0.493\n```\nmục 1.2 và 3.1: 0,493; 7.850"))
    found = [m.group(0) for line in lines.values() for m in [*DOT_DECIMAL.finditer(line), *COMMA_THOUSANDS.finditer(line)]]
    assert found == ["0.493", "262,144"]
    assert any(re.search(p, "lớp thứ hai tính điểm mỗi lớp") for p in CLASS_AS_LOP)
    assert not any(re.search(p, "mạng 10 lớp (9 lớp ẩn, mỗi lớp 64 nơ-ron)") for p in CLASS_AS_LOP)
