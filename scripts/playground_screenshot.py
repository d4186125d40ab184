"""Make docs/img/playground.png, the README's picture of `chainrule playground`, in a real browser.

    python scripts/playground_screenshot.py [OUT.png]

Needs Playwright for Python, Pillow and Chromium at /usr/bin/chromium. Trains the default 2-layer ReLU net on the
spiral for 1500 steps, clicks one point so its backward pass shows, and photographs the top of the page.
"""
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from chainrule.playground.app import Playground

OUT = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "docs" / "img" / "playground.png")


def main():
    app = Playground(config={"hidden": [16, 16]}).start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            page = browser.new_context(viewport={"width": 1400, "height": 1040}, bypass_csp=True).new_page()
            page.goto(app.url)
            page.wait_for_function("window.playground && window.playground.frame")
            page.click("#play")
            page.wait_for_function("Number(document.getElementById('step-count').textContent) >= 1500", timeout=120_000)
            page.click("#play")
            page.wait_for_function("document.getElementById('play').textContent === 'play'")
            s = app.session
            i = int(s.train_idx[10])
            box = page.locator("#boundary").bounding_box()
            x1, x2 = (float(v) for v in s.X[i])
            page.mouse.click(box["x"] + (x1 + s.extent) / (2 * s.extent) * box["width"],
                             box["y"] + (s.extent - x2) / (2 * s.extent) * box["height"])
            page.wait_for_selector("#backward-table")
            page.wait_for_timeout(300)
            OUT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(OUT), full_page=False)
            browser.close()
        from PIL import Image                      # a 256-colour PNG: a third of the size, same look
        Image.open(OUT).convert("RGB").quantize(256).save(OUT, optimize=True)
    finally:
        app.stop()
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
