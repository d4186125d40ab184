"""The playground in a real browser (Playwright driving Debian's Chromium): controls, training, the lecture's
claims, one point's backward pass against cr.grad, drawn points, a bad CSV, and no console errors.

Screenshots of each state go to test-artifacts/playground/ (or $CHAINRULE_TEST_ARTIFACTS).
"""
import re

import numpy as np
import pytest

import chainrule as cr

from browser import browser, needs_chromium, screenshots  # noqa: E402,F401  (browser: a fixture)

pytestmark = [pytest.mark.slow, needs_chromium]
ARTIFACTS = screenshots("playground")


@pytest.fixture
def app():
    from chainrule.playground.app import Playground
    a = Playground().start()
    yield a
    a.stop()


class Page:
    """A page of the playground with its console errors collected."""

    def __init__(self, browser, app, suffix=""):
        self.app = app
        # bypass_csp: Playwright's wait_for_function evaluates strings, which the page's CSP rightly forbids
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000}, bypass_csp=True)
        self.page = self.context.new_page()
        self.errors = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(app.url + suffix)
        self.page.wait_for_function("window.playground && window.playground.frame")

    def text(self, selector):
        return self.page.locator(selector).inner_text()

    def step(self):
        return int(self.text("#step-count"))

    def percent(self, selector):
        return float(self.text(selector).rstrip("%")) / 100

    def boundary(self):
        return self.page.eval_on_selector("#boundary", "c => c.toDataURL()")

    def train(self, steps):
        self.page.click("#play")
        self.page.wait_for_function(f"Number(document.getElementById('step-count').textContent) >= {steps}",
                                    timeout=120_000)
        self.page.click("#play")               # pause
        self.page.wait_for_function("document.getElementById('play').textContent === 'play'")
        self.page.wait_for_timeout(300)        # the last frame is drawn

    def shot(self, name):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    def close(self):
        self.context.close()


@pytest.fixture
def page(browser, app):
    p = Page(browser, app)
    yield p
    p.close()


def test_spiral_two_layer_relu_passes_95_percent_and_the_boundary_moves(page):
    page.shot("01-start")
    before, loss0 = page.boundary(), float(page.text("#train-loss"))
    page.train(1500)
    page.shot("02-spiral-2-layer-relu")
    assert float(page.text("#train-loss")) < 0.5 * loss0
    assert page.percent("#train-acc") > 0.95
    assert page.boundary() != before
    assert page.errors == []


def test_a_linear_classifier_stays_near_50_percent(page):
    page.page.click("#layer-remove")               # the default net has one hidden layer: now none
    page.page.wait_for_function("window.playground.state.config.hidden.length === 0")
    assert page.app.session.config.hidden == []
    page.train(1000)
    page.shot("03-spiral-linear")
    assert 0.35 < page.percent("#train-acc") < 0.65
    assert page.errors == []


def test_controls_reach_the_model_and_the_url(page):
    page.page.select_option("#activation", "tanh")
    page.page.wait_for_function("window.playground.state.config.activation === 'tanh'")
    page.page.click("#layer-add")
    page.page.wait_for_function("window.playground.state.config.hidden.length === 2")
    page.page.fill("#units-1", "5")
    page.page.dispatch_event("#units-1", "change")
    page.page.wait_for_function("window.playground.state.config.hidden[1] === 5")
    page.page.check("#feature-x1x2")
    page.page.wait_for_function("window.playground.state.config.features.includes('x1x2')")
    page.page.select_option("#optimizer", "nesterov")
    page.page.wait_for_function("window.playground.state.config.optimizer === 'nesterov'")
    s = page.app.session
    assert [m.out_features for m in s.model.linear_layers] == [32, 5, 3]
    assert s.model.linear_layers[0].in_features == 3 and type(s.model[1]).__name__ == "Tanh"
    assert type(s.optimizer).__name__ == "SGD" and s.optimizer.param_groups[0]["nesterov"]
    url = page.page.url
    assert "activation=tanh" in url and "hidden=32%2C5" in url and "optimizer=nesterov" in url
    page.shot("04-controls")
    assert page.errors == []


def test_a_shared_url_sets_up_the_same_run(browser, app):
    p = Page(browser, app, "#hidden=4,4&activation=sigmoid&dataset=circles&seed=7")
    try:
        p.page.wait_for_function("window.playground.state.config.dataset === 'circles'")
        c = app.session.config
        assert (c.hidden, c.activation, c.dataset, c.seed) == ([4, 4], "sigmoid", "circles", 7)
        assert p.page.input_value("#activation") == "sigmoid"
        assert p.errors == []
    finally:
        p.close()


def test_backprop_step_by_step_matches_cr_grad(page):
    page.page.click("#step")
    page.page.wait_for_function("Number(document.getElementById('step-count').textContent) >= 1")
    s = page.app.session
    i = int(s.train_idx[np.argmax(np.abs(s.X[s.train_idx]).sum(1))])     # far from the centre: no zero inputs
    x1, x2 = (float(v) for v in s.X[i])
    box = page.page.locator("#boundary").bounding_box()
    ext = s.extent
    page.page.mouse.click(box["x"] + (x1 + ext) / (2 * ext) * box["width"],
                          box["y"] + (ext - x2) / (2 * ext) * box["height"])
    page.page.wait_for_selector("#backward-table")
    page.shot("05-backprop")
    shown = page.text("#backprop-point")
    index = int(re.search(r"#(\d+)", shown).group(1))
    assert index == s.nearest_train_point(x1, x2)
    x = cr.tensor(s.F[index:index + 1], requires_grad=True)
    s.model.eval()
    loss = cr.nn.functional.cross_entropy(s.model(x), s.y[index:index + 1])
    b1 = s.model.linear_layers[0].bias
    gx, gb1 = cr.grad(loss, [x, b1])
    s.model.train()
    def numbers(name):
        text = page.text(f'#backward-table td.down[data-to="{name}"]')
        return [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?", text.split("=", 1)[1].split("…")[0])]
    assert np.allclose(numbers("x"), gx.data.ravel(), rtol=2e-3, atol=1e-6)
    assert np.allclose(numbers("0.bias"), gb1.data.ravel()[:8], rtol=2e-3, atol=1e-6)
    assert float(re.search(r"loss = ([-\d.e+]+)", shown).group(1)) == pytest.approx(float(loss.item()), rel=1e-5)
    assert "gradient router" in page.text("#backward-table")
    page.page.click("#gradcheck-button")
    page.page.wait_for_selector("#gradcheck-table")
    errors = [float(v) for v in re.findall(r"\d\.\d\de[-+]\d+", page.text("#gradcheck-table"))]
    assert errors and max(errors) < 1e-4
    assert "forward passes" in page.text("#gradcheck-cost")
    page.page.click("#explain-button")
    page.page.wait_for_function("document.getElementById('explain').textContent.includes('wins')")
    page.page.click("#code-button")
    page.page.wait_for_function("document.getElementById('code').textContent.includes('cr.nn.MLP')")
    page.shot("06-gradcheck-explain-code")
    assert page.errors == []


def test_drawn_points_appear(page):
    page.page.check("#mode-draw")
    page.page.select_option("#draw-label", "1")
    box = page.page.locator("#boundary").bounding_box()
    n = len(page.app.session.X)
    for fx, fy in ((0.2, 0.2), (0.8, 0.3), (0.5, 0.9)):
        page.page.mouse.click(box["x"] + fx * box["width"], box["y"] + fy * box["height"])
        n += 1
        page.page.wait_for_function(f"window.playground.state.points.x.length === {n}")
    page.page.wait_for_timeout(200)
    s = page.app.session
    assert s.config.dataset == "custom" and s.y[-3:].tolist() == [1, 1, 1]
    pixel = page.page.evaluate("""() => {
        const c = document.getElementById('boundary');
        return Array.from(c.getContext('2d').getImageData(0.5 * c.width, 0.9 * c.height, 1, 1).data); }""")
    assert pixel[:3] == [8, 119, 189]            # the point is drawn in class 1's blue
    page.page.click("#clear")
    page.page.wait_for_function("window.playground.state.points.x.length === 0")
    page.shot("07-drawn-points")
    assert page.errors == []


def test_a_bad_csv_gets_its_message(page):
    page.page.set_input_files("#csv", files=[{"name": "bad.csv", "mimeType": "text/csv",
                                              "buffer": b"x1,x2,label\n0,0,0\n1,oops,1\n"}])
    page.page.wait_for_function("document.getElementById('csv-error').textContent.length > 0")
    assert page.text("#csv-error") == "Row 3: 'oops' is not a number."
    page.shot("08-bad-csv")
    assert all("400" in e for e in page.errors)   # only the refused upload's own status line
    page.page.set_input_files("#csv", files=[{"name": "ok.csv", "mimeType": "text/csv",
                                              "buffer": b"0,0,0\n1,1,1\n0,1,1\n1,0,0\n"}])
    page.page.wait_for_function("window.playground.state.points.x.length === 4")
    assert page.text("#csv-error") == ""


def test_vietnamese_interface(browser, app):
    p = Page(browser, app, "&lang=vi")
    try:
        assert "lớp ẩn" in p.text("#network-panel")
        assert p.text("#play") == "chạy"
        assert "nhãn" in p.text("#data-panel")
        p.shot("09-vietnamese")
        assert p.errors == []
    finally:
        p.close()


def test_regression_and_a_deep_sigmoid_net_draw_without_errors(page):
    page.page.select_option("#problem", "regression")
    page.page.wait_for_function("window.playground.state.config.problem === 'regression'")
    assert page.app.session.config.dataset == "plane" and page.app.session.n_out == 1
    page.page.select_option("#dataset", "bumps")
    page.page.wait_for_function("window.playground.state.config.dataset === 'bumps'")
    page.train(200)
    assert page.text("#train-acc") == "–"
    page.shot("10-regression")
    page.page.select_option("#problem", "classification")
    page.page.wait_for_function("window.playground.state.config.problem === 'classification'")
    page.page.select_option("#activation", "sigmoid")
    for _ in range(5):
        page.page.click("#layer-add")
    page.page.wait_for_function("window.playground.state.config.hidden.length === 6")
    page.page.select_option("#optimizer", "sgd")
    page.page.wait_for_function("window.playground.state.config.optimizer === 'sgd'")
    page.train(300)
    page.shot("11-deep-sigmoid")
    assert page.app.session.grad_norms[0] < 0.1 * page.app.session.grad_norms[-1]
    assert page.errors == []
