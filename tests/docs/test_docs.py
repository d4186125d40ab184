"""Docs that cannot mislead: no machine paths, no subcommand that does not exist, and every printed figure
or table equal to what its command prints now (the blocks written by scripts/update_docs.py)."""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC_FILES = sorted([*ROOT.glob("docs/**/*.md"), ROOT / "README.md"])
MACHINE_PATH = re.compile(r"(?<![\w.~])(?:/work/|/home/|/root\b|/tmp/|/Users/|/mnt/|[A-Z]:\\\\Users)")


def _script():
    spec = importlib.util.spec_from_file_location("update_docs", ROOT / "scripts" / "update_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_docs_name_no_machine_paths():
    hits = [f"{p.relative_to(ROOT)}:{i}: {line.strip()}" for p in DOC_FILES
            for i, line in enumerate(p.read_text().splitlines(), 1) if MACHINE_PATH.search(line)]
    assert not hits, "\n".join(hits)


def _documented_subcommands():
    """``chainrule WORD`` in code: inline `code` spans and the lines of fenced blocks."""
    found = {}
    for p in DOC_FILES:
        text = p.read_text()
        fenced = re.findall(r"(?ms)^```[^\n]*\n(.*?)^```", text)
        inline = re.findall(r"`([^`\n]+)`", re.sub(r"(?ms)^```[^\n]*\n.*?^```", "", text))
        code = inline + [line for block in fenced for line in block.splitlines()]
        for snippet in code:
            for word in re.findall(r"^(?:\$ )?chainrule ([a-z][a-z_-]*)", snippet.strip()):
                found.setdefault(word, f"{p.relative_to(ROOT)}: {snippet.strip()[:80]}")
    return found


def test_every_documented_subcommand_exists():
    from chainrule.cli.main import SUBCOMMANDS, build_parser
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    assert set(SUBCOMMANDS) <= set(commands), set(SUBCOMMANDS) - set(commands)
    missing = {w: where for w, where in _documented_subcommands().items() if w not in commands}
    assert not missing, missing
    assert {"train", "eval", "predict", "sweep", "graph", "lecture"} <= set(_documented_subcommands())


def test_every_lecture_topic_has_a_block_in_both_languages():
    from chainrule.lecture import TOPICS
    update_docs = _script()
    for doc in ("docs/lecture.md", "docs/vi/lecture.md"):
        markers = {m for m, _, _ in update_docs.blocks((ROOT / doc).read_text())}
        assert {f"chainrule lecture {t}" for t in TOPICS} <= markers, (doc, markers)


def test_vietnamese_numbers_and_what_the_check_ignores():
    update_docs = _script()
    assert update_docs.vietnamese("acc 0.7753, 10,703 params, 2.55e-05, lecture section 1.1-1.2, "
                                  "chainrule 0.1.0.") == \
        "acc 0,7753, 10.703 params, 2,55e-05, lecture section 1.1-1.2, chainrule 0.1.0."
    text = "run  training\n---  --------\na      0.2 s\n(0.4 s) val 97.67%"
    assert update_docs.comparable(text, "chainrule sweep") == update_docs.comparable(
        text.replace("0.2 s", "1.3 s").replace("0.4 s", "12 s"), "chainrule sweep")
    assert update_docs.comparable(text, "x") != update_docs.comparable(text.replace("97.67", "97.33"), "x")


def _fashion_mnist_installed() -> bool:
    from chainrule.data import load_dataset
    from chainrule.errors import DataError
    try:
        load_dataset("fashion-mnist")
    except DataError:
        return False
    return True


@pytest.mark.slow
def test_the_docs_blocks_are_what_the_commands_print():
    """Runs every fast block's command (about a minute); fails when a doc says other figures than the command."""
    update_docs = _script()
    skip = set() if _fashion_mnist_installed() else {"chainrule lecture templates"}   # it would use other data
    stale = update_docs.update(check=True, fast=True, skip=skip, log=lambda _: None)
    assert not stale, "run python scripts/update_docs.py; stale blocks:\n" + "\n".join(
        f"{rel}: {marker}\n{diff}" for rel, marker, diff in stale)


@pytest.mark.parametrize("module", ["chainrule.data", "chainrule.train", "chainrule.viz"])
def test_every_public_name_of_the_library_parts_is_in_the_api_reference(module):
    import importlib
    text = (ROOT / "docs" / "api.md").read_text()
    section = text[text.index(f"## `{module}`"):]
    section = section[:section.index("\n## ", 1)]
    missing = [n for n in importlib.import_module(module).__all__ if f"`{n}" not in section]
    assert not missing, f"docs/api.md's {module} section lacks {missing}"


def test_every_optimizer_and_schedule_is_in_the_optim_section():
    import chainrule.optim as optim
    text = (ROOT / "docs" / "api.md").read_text()
    section = text[text.index("## Optimizers (`chainrule.optim`)"):]
    section = section[:section.index("\n## ", 1)]
    names = [n for n in optim.__all__ if n != "lr_scheduler"] + list(optim.lr_scheduler.__all__)
    missing = [n for n in names if f"`{n}(" not in section]
    assert not missing, f"docs/api.md's optim section lacks {missing}"


@pytest.mark.parametrize("module", ["chainrule.search", "chainrule.stats", "chainrule.products",
                                    "chainrule.selection", "chainrule.special"])
def test_every_function_of_the_torch_function_modules_is_documented(module):
    import importlib
    text = (ROOT / "docs" / "api.md").read_text()
    missing = [n for n in importlib.import_module(module).__all__ if f"`{n}(" not in text]
    assert not missing, f"docs/api.md lacks {missing}"


def test_the_not_provided_list_is_what_the_measurement_gives():
    """docs/api.md lists exactly the PyTorch tensor names chainrule lacks (scripts/torch_names_missing.py)."""
    pytest.importorskip("torch")
    import importlib.util
    spec = importlib.util.spec_from_file_location("torch_names_missing", ROOT / "scripts" / "torch_names_missing.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    text = (ROOT / "docs" / "api.md").read_text()
    written = text[text.index(script.BEGIN) + len(script.BEGIN):text.index(script.END)].strip()
    assert written == script.section(), "run python scripts/torch_names_missing.py --write"
