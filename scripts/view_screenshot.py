"""Make docs/img/view_compare.png, the README's picture of `chainrule view` comparing runs, in a real browser.

    python scripts/view_screenshot.py [OUT.png]

Needs Playwright for Python, Pillow and Chromium at /usr/bin/chromium. Trains three 2-layer nets on the spiral
(40 epochs: learning rate 1 with 100 hidden units, learning rate 0.1, and 10 hidden units) in a temporary
folder, ticks all three and photographs their curves and differing settings.
"""
import os
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from chainrule.train import TrainConfig, run_experiment
from chainrule.view.app import Viewer

OUT = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "docs" / "img" / "view_compare.png")
RUNS = {"lr1-h100": dict(lr=1.0, hidden=(100,)), "lr0.1-h100": dict(lr=0.1, hidden=(100,)),
        "lr1-h10": dict(lr=1.0, hidden=(10,))}


def main():
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)                              # the page shows the folder as "runs"
        for name, settings in RUNS.items():
            run_experiment(TrainConfig(dataset="spiral", epochs=40, name=name, plots=False, **settings),
                           progress="none")
        app = Viewer(["runs"]).start()
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
                page = browser.new_context(viewport={"width": 1340, "height": 860}, bypass_csp=True).new_page()
                page.goto(app.url)
                page.wait_for_selector("#runs tbody tr")
                for name in RUNS:
                    page.locator("#runs tbody tr", has=page.locator(f"a.run:text-is('{name}')")) \
                        .locator("input.pick").check()
                    page.wait_for_timeout(200)
                page.wait_for_selector("#diff-table")
                page.wait_for_timeout(300)
                OUT.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(OUT), full_page=False)
                browser.close()
        finally:
            app.stop()
    from PIL import Image                          # a 256-colour PNG: a third of the size, same look
    Image.open(OUT).convert("RGB").quantize(256).save(OUT, optimize=True)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
