"""What the browser tests share: Debian's Chromium driven by Playwright, and the folder for their screenshots.

A test module imports ``browser`` (a module-scoped fixture) and ``screenshots``; importing this module skips
the test module when Playwright is not installed, and ``needs_chromium`` skips its tests without Chromium.
"""
import os
import shutil
from pathlib import Path

import pytest

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
CHROMIUM = "/usr/bin/chromium"
needs_chromium = pytest.mark.skipif(shutil.which(CHROMIUM) is None and not os.path.exists(CHROMIUM),
                                    reason="Chromium is not installed at /usr/bin/chromium (apt-get install chromium)")


def screenshots(name: str) -> Path:
    """Where a test module's screenshots go: ``$CHAINRULE_TEST_ARTIFACTS/name``, else test-artifacts/name."""
    root = Path(os.environ.get("CHAINRULE_TEST_ARTIFACTS", Path(__file__).resolve().parents[1] / "test-artifacts"))
    return root / name


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()
