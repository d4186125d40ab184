"""The lecture notebooks: committed without outputs, built from their text sources (notebooks/src) by
notebooks/build.py, and they run top to bottom.

Every notebook (English and Vietnamese) is executed headlessly with nbclient in a fresh ``python3`` kernel, in
a temporary working folder, with a per-cell timeout; any cell error fails the test. The two languages share
their code cells (checked below), so the expensive CIFAR-10 run is done once: the English notebook 04 uses
CIFAR-10 (JPEG copy) when it is present, the Vietnamese one always runs the path where the data is missing.
"""
from __future__ import annotations

import importlib.util
import shutil
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from real_data import CIFAR_JPEG_TAR

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"
CELL_TIMEOUT_S = 900          # generous: a busy 2-core machine can be several times slower than a quiet one
NAMES = ["01_computational_graphs", "02_vectorized_backprop", "03_activation_functions",
         "04_linear_to_two_layer_cifar10"]
PATHS = {f"{lang}/{name}": (NOTEBOOKS if lang == "en" else NOTEBOOKS / "vi") / f"{name}.ipynb"
         for lang in ("en", "vi") for name in NAMES}


def _load_build(folder=NOTEBOOKS):
    pytest.importorskip("jupytext", reason="the notebooks are built from their sources with jupytext "
                                           "(pip install jupytext)")
    spec = importlib.util.spec_from_file_location("notebooks_build", folder / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _read(path):
    return nbformat.read(path, as_version=4)


# --- what is committed ----------------------------------------------------------------------------------

def test_every_notebook_is_there_and_nothing_else():
    found = sorted(str(p.relative_to(NOTEBOOKS)) for p in NOTEBOOKS.rglob("*.ipynb")
                   if ".ipynb_checkpoints" not in p.parts)
    assert found == sorted(str(p.relative_to(NOTEBOOKS)) for p in PATHS.values())


@pytest.mark.parametrize("key", sorted(PATHS))
def test_committed_notebook_has_no_outputs_and_no_execution_counts(key):
    nb = _read(PATHS[key])
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{key} cell {i} holds outputs: clear them (python notebooks/build.py)"
            assert cell.execution_count is None, f"{key} cell {i} has an execution count"
        assert "attachments" not in cell, f"{key} cell {i} has attachments"


def test_committed_notebooks_are_what_build_py_makes():
    build = _load_build()
    for path, text in build.outputs().items():
        assert path.read_text(encoding="utf-8") == text, (
            f"{path.relative_to(REPO)} differs from what its source in notebooks/src makes: edit the source and run "
            f"`python notebooks/build.py`, never the .ipynb by hand")


@pytest.mark.parametrize("edited", ["source", "notebook"])
def test_the_check_fails_when_a_source_or_a_notebook_is_edited_alone(tmp_path, edited, capsys):
    copy = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, copy, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    build = _load_build(copy)
    assert build.main(["--check"]) == 0
    path = copy / "src" / "vi" / f"{NAMES[1]}.py" if edited == "source" else copy / "vi" / f"{NAMES[1]}.ipynb"
    path.write_text(path.read_text(encoding="utf-8").replace("Jacobian", "Jacobi", 1), encoding="utf-8")
    assert build.main(["--check"]) == 1
    assert f"{NAMES[1]}.ipynb" in capsys.readouterr().out


@pytest.mark.parametrize("name", NAMES)
def test_vietnamese_notebook_has_the_same_code_and_translated_prose(name):
    en, vi = _read(PATHS[f"en/{name}"]), _read(PATHS[f"vi/{name}"])
    assert [c.cell_type for c in en.cells] == [c.cell_type for c in vi.cells]
    for a, b in zip(en.cells, vi.cells):
        if a.cell_type == "code":
            assert a.source == b.source
        else:
            assert a.source != b.source, f"untranslated cell in vi/{name}: {a.source[:60]!r}"
    vi_text = " ".join(c.source for c in vi.cells if c.cell_type == "markdown")
    assert any(ch in vi_text for ch in "ạảấầẩẫậắằẳẵặđếềểễệốồổỗộớờởỡợứừửữự")   # Vietnamese diacritics
    assert en.metadata.chainrule.language == "en" and vi.metadata.chainrule.language == "vi"


# --- running them ---------------------------------------------------------------------------------------

def _execute(path, workdir):
    nb = _read(path)
    client = NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3", allow_errors=False,
                            resources={"metadata": {"path": str(workdir)}})
    start = time.perf_counter()
    client.execute()
    return nb, time.perf_counter() - start


def _outputs(cell):
    return cell.get("outputs", [])


def _text(nb):
    """Everything the notebook printed, and the plain-text / Markdown form of what it displayed."""
    parts = []
    for cell in nb.cells:
        for out in _outputs(cell):
            if out.output_type == "stream":
                parts.append(out.text)           # a print may arrive in several pieces: join them as they came
            elif "data" in out:
                parts.append("\n" + out.data.get("text/plain", "") + out.data.get("text/markdown", "") + "\n")
    return "".join(parts)


def _cell(nb, startswith):
    return next(c for c in nb.cells if c.cell_type == "code" and c.source.startswith(startswith))


def _check_01(nb, data_used):
    graphs = [c for c in nb.cells if c.cell_type == "code" and "cr.viz.graph(" in c.source.splitlines()[-1]]
    assert len(graphs) == 5
    for cell in graphs:
        (out,) = [o for o in _outputs(cell) if o.output_type == "execute_result"]
        if shutil.which("dot"):
            svg = out.data["image/svg+xml"]
            assert "<svg" in svg and "freed" not in svg      # drawn whole, not after backward() freed it
        else:
            assert "digraph" in out.data["text/plain"] and "freed" not in out.data["text/plain"]
    text = _text(nb)
    assert "dx: -4.0 = 1.0 (add: gradient distributor) × -4.0 (upstream from q)" in text
    assert "gradient adder: a is used 2 times" in text and "a wins" in text
    assert "gradcheck: True" in text and "caught: gradcheck: input 0" in text


def _check_02(nb, data_used):
    (html,) = [o.data["text/html"] for o in _outputs(_cell(nb, "model = cr.nn.MLP(3, [4], 2)"))
               if "text/html" in o.get("data", {})]
    assert "MLP()" in html and "26 params" in html
    text = _text(nb)
    assert "Jacobian shape: (4, 5, 4, 3)" in text and "g . J equals g @ W.T:         True" in text
    assert "274.9 GB" in text
    assert "caught: WrongMatmul backward produced a gradient of shape (5, 3)" in text


def _check_03(nb, data_used):
    images = [o for c in nb.cells for o in _outputs(c) if "image/png" in o.get("data", {})]
    assert len(images) == 3                      # activations, gradient norms, dead ReLUs
    text = _text(nb)
    assert "largest gradient reaching a dead unit's weights: 0.0" in text


def _check_04(nb, data_used):
    text = _text(nb)
    assert "CIFAR-10 (JPEG copy)" in text
    live = _cell(nb, "%%needs_cifar\nlinear = ")
    if not data_used:
        assert "not found" in text and "skipped: CIFAR-10 (JPEG copy) is not available" in text
        assert "| hidden units |" not in text
        return
    images = [o for o in _outputs(live) if "image/png" in o.get("data", {})]
    assert len(images) == 1, "LiveCurves should update one picture in place, not add one per epoch"
    assert "linear classifier: test accuracy" in text and "2-layer net: test accuracy" in text
    table = [o.data["text/markdown"] for c in nb.cells for o in _outputs(c) if "text/markdown" in o.get("data", {})]
    assert len(table) == 1 and table[0].count("\n|") == 10 and "**(best)**" in table[0]


CHECKS = {"01": _check_01, "02": _check_02, "03": _check_03, "04": _check_04}


@pytest.mark.slow
@pytest.mark.parametrize("key", sorted(PATHS))
def test_notebook_runs_top_to_bottom(key, tmp_path, monkeypatch):
    use_data = key == f"en/{NAMES[3]}" and CIFAR_JPEG_TAR.is_file()
    if key.endswith(NAMES[3]):
        missing = tmp_path / "missing.tar"
        monkeypatch.setenv("CHAINRULE_CIFAR10_JPEG", str(CIFAR_JPEG_TAR if use_data else missing))
    nb, seconds = _execute(PATHS[key], tmp_path)
    print(f"{key}: {seconds:.1f} s")
    CHECKS[key.split("/")[1][:2]](nb, use_data)
