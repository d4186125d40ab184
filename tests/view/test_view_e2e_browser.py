"""The viewer in a real browser (Playwright driving Debian's Chromium): the run list, a live run's curve growing
as lines are appended, two runs overlaid with their differing settings, a sweep's scatter, no console errors.

Screenshots go to test-artifacts/view/ (or $CHAINRULE_TEST_ARTIFACTS/view).
"""
import json

import pytest

from browser import browser, needs_chromium, screenshots  # noqa: E402,F401  (browser: a fixture)

pytestmark = [pytest.mark.slow, needs_chromium]
ARTIFACTS = screenshots("view")


@pytest.fixture
def page(browser, trained, image_run, tmp_path, write_run, record, live_pid):
    from chainrule.view.app import Viewer
    live = write_run(tmp_path / "live", records=[record(1), record(2)], lock_pid=live_pid)
    v = Viewer([trained, tmp_path, image_run.parent]).start()
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, bypass_csp=True)
    pg = context.new_page()
    errors = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(v.url)
    pg.wait_for_selector("#runs tbody tr")
    pg.live = live
    yield pg
    assert errors == []
    context.close()
    v.stop()


def shot(pg, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def row(pg, name):
    return pg.locator("#runs tbody tr", has=pg.locator(f"a.run:text-is('{name}')"))


def test_the_run_list_shows_the_trained_runs(page):
    for name in ("lr1", "lr03"):
        r = row(page, name)
        assert "finished" in r.inner_text() and "spiral" in r.inner_text() and "%" in r.inner_text()
    assert "running" in row(page, "live").inner_text()
    assert page.locator("#sweeps a.sweep").count() == 1
    shot(page, "run-list")


def test_a_running_runs_curve_grows_when_lines_are_appended(page, record):
    row(page, "live").locator("a.run").click()
    page.wait_for_selector("#charts svg path.series")
    page.wait_for_function("document.getElementById('live').textContent.includes('following')")
    d0 = page.locator("#charts svg").first.locator("path.series").first.get_attribute("d")
    with open(page.live / "metrics.jsonl", "a") as f:
        f.write(json.dumps(record(3)) + "\n")
    page.wait_for_function("window.chainruleView.runs['1:live'].records.length === 3", timeout=20_000)
    page.wait_for_timeout(200)
    d1 = page.locator("#charts svg").first.locator("path.series").first.get_attribute("d")
    assert d1.count("L") == d0.count("L") + 1
    assert "3 epochs" in page.inner_text("#legend")
    (page.live / "progress.json").write_text('{"epoch": 4, "epochs": 5, "step": 7, "steps": 30, "loss": 0.5}')
    page.wait_for_function("document.getElementById('progress').textContent.includes('step 7/30')")
    assert "epoch 4/5" in page.inner_text("#progress")
    shot(page, "live")


def test_two_runs_overlaid_draw_both_and_their_differing_settings(page):
    for name in ("lr1", "lr03"):
        row(page, name).locator("input.pick").check()
    page.wait_for_selector("#diff-table")
    loss = page.locator(".chart", has=page.locator("text=loss")).first
    colours = {p.get_attribute("stroke") for p in loss.locator("path.series").all()}
    assert len(colours) == 2 and loss.locator("path.series").count() == 4     # train and val of each
    diff = page.inner_text("#diff-table")
    assert "lr" in diff and "0.3" in diff and "hidden" not in diff
    for kind in ("SVG", "PNG"):                         # every chart downloads
        with page.expect_download() as got:
            loss.locator(f"button.download:text-is('{kind}')").click()
        path = got.value.path()
        assert got.value.suggested_filename == f"loss.{kind.lower()}"
        head = open(path, "rb").read(64)
        assert head.startswith(b"<?xml") if kind == "SVG" else head.startswith(b"\x89PNG")
    shot(page, "compare")


def test_a_sweep_folder_shows_the_learning_rate_by_regularization_scatter(page):
    page.locator("#sweeps a.sweep").click()
    page.wait_for_selector("#sweep-chart svg circle.point")
    assert page.locator("#sweep-chart svg circle.point").count() == 4
    assert page.locator("#sweep-runs tr").count() == 5
    page.locator("#sweep-panel").scroll_into_view_if_needed()
    shot(page, "sweep")


def test_inside_the_net_draws_quantile_bands_of_each_tensor(page):
    row(page, "lr1").locator("a.run").click()
    page.wait_for_selector("#inside svg.band-chart")
    titles = page.eval_on_selector_all("#inside svg.band-chart", "s => s.map(e => e.querySelector('text').textContent)")
    assert titles == [f"{n} {part}" for n in ("0.weight", "0.bias", "2.weight", "2.bias")
                      for part in ("weights", "gradients")]
    assert page.locator("#inside svg.band-chart").first.locator("path.band").count() == 3
    assert "gradient norms" in page.inner_text("#charts")
    page.locator("#inside-panel").scroll_into_view_if_needed()
    shot(page, "inside")


def test_an_image_runs_pictures_include_the_misclassified_gallery(page):
    row(page, "img").locator("a.run").click()
    page.wait_for_selector("#pictures img[alt='misclassified.png']")
    for name in ("misclassified.png", "templates.png", "confusion.png"):
        page.wait_for_function(f"document.querySelector(\"#pictures img[alt='{name}']\").naturalWidth > 0")
    link = page.locator("#pictures a", has=page.locator("img[alt='misclassified.png']"))
    assert link.get_attribute("download") == "misclassified.png"
    page.locator("#pictures-panel").scroll_into_view_if_needed()
    shot(page, "pictures")


def test_a_real_training_run_moves_on_the_page_and_ends_finished(browser, tmp_path, monkeypatch):
    import threading
    import time

    from chainrule.train import RunDir, TrainConfig, build_experiment
    from chainrule.train import callbacks as callbacks_module
    from chainrule.view.app import Viewer
    monkeypatch.setattr(callbacks_module, "PROGRESS_SECONDS", 0.02)
    cfg = TrainConfig(dataset="spiral", epochs=30, out=str(tmp_path), name="training", plots=False)
    exp = build_experiment(cfg, RunDir.create(tmp_path, "training", cfg.to_dict()), "none")
    exp.model.register_forward_hook(lambda m, i, o: time.sleep(0.03) if m.training else None)   # a slower net
    done = threading.Event()
    thread = threading.Thread(target=lambda: (exp.trainer.fit(exp.loader, exp.splits.val, exp.splits.test),
                                              done.set()))
    thread.start()
    v = Viewer([tmp_path]).start()
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, bypass_csp=True)
    try:
        pg = context.new_page()
        pg.goto(v.url)
        pg.wait_for_selector("#runs tbody tr a.run")
        pg.wait_for_function("document.querySelector('#runs tbody tr').textContent.includes('running')")
        pg.locator("#runs tbody tr a.run").click()
        pg.wait_for_function("window.chainruleView.runs['0:training'] && "
                             "window.chainruleView.runs['0:training'].records.length >= 1", timeout=30_000)
        first = pg.evaluate("window.chainruleView.runs['0:training'].records.length")
        pg.wait_for_function(f"window.chainruleView.runs['0:training'].records.length >= {first + 3}", timeout=30_000)
        pg.wait_for_function("document.getElementById('progress').textContent.includes('step')", timeout=30_000)
        epoch = pg.evaluate("window.chainruleView.runs['0:training'].records.length")
        pg.wait_for_function(f"parseInt(document.querySelector('#runs tbody tr span.epoch').textContent) >= {epoch}"
                             f" || document.querySelector('#runs tbody tr').textContent.includes('finished')")
        shot(pg, "training")
        assert done.wait(60)
        pg.wait_for_function("document.querySelector('#runs tbody tr').textContent.includes('finished')",
                             timeout=30_000)
        pg.wait_for_function("window.chainruleView.runs['0:training'] && "
                             "window.chainruleView.runs['0:training'].records.length === 30", timeout=30_000)
    finally:
        thread.join(60)
        context.close()
        v.stop()
