"""Build the lecture notebooks from their text sources: notebooks/src/<name>.py (English) makes notebooks/<name>.ipynb,
notebooks/src/vi/<name>.py (Vietnamese) makes notebooks/vi/<name>.ipynb.

    python notebooks/build.py            # (re)write the eight .ipynb files
    python notebooks/build.py --check    # exit 1 if a committed notebook differs from what its source makes

The sources are jupytext's percent format: ``# %% [markdown]`` starts a prose cell (its lines commented),
``# %%`` a code cell; edit them, never the .ipynb. The two languages have the same code cells
(tests/notebooks checks it). Cell ids are fixed and nothing is executed: the files hold no outputs and no
execution counts.
"""
from __future__ import annotations

import sys
from pathlib import Path

import jupytext
import nbformat

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "src"
LANGUAGES = {"en": (SOURCES, HERE), "vi": (SOURCES / "vi", HERE / "vi")}


def build(source: Path, language: str) -> nbformat.NotebookNode:
    """The notebook of one text source in ``language`` ("en" or "vi"), without outputs, with fixed cell ids."""
    text = jupytext.reads(source.read_text(encoding="utf-8"), fmt="py:percent")
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "chainrule": {"language": language, "generated_by": "notebooks/build.py"},
    }
    for i, cell in enumerate(text.cells):
        make = nbformat.v4.new_markdown_cell if cell.cell_type == "markdown" else nbformat.v4.new_code_cell
        nb.cells.append(make(cell.source, id=f"cell-{i:02d}"))
    nbformat.validate(nb)
    return nb


def render(nb) -> str:
    return nbformat.writes(nb) + "\n"


def outputs() -> dict:
    """``{path: text}`` for every notebook the sources make."""
    return {folder / f"{source.stem}.ipynb": render(build(source, lang))
            for lang, (sources, folder) in LANGUAGES.items() for source in sorted(sources.glob("*.py"))}


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    check = "--check" in argv
    stale = []
    for path, text in outputs().items():
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current == text:
            continue
        if check:
            stale.append(path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(HERE.parent)}")
    if stale:
        print("out of date (run python notebooks/build.py):", ", ".join(str(p) for p in stale))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
