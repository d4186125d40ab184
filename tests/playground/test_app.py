"""The playground's JSON API over HTTP, as the page uses it."""
import http.client
import json

import pytest

from chainrule.playground.app import Playground
from chainrule.web import TOKEN_HEADER


@pytest.fixture
def app():
    a = Playground(config={"hidden": [8], "classes": 2}).start()
    yield a
    a.stop()


def call(app, method, path, body=None, raw=None):
    conn = http.client.HTTPConnection("127.0.0.1", app.server.port, timeout=20)
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    conn.request(method, path, body=data, headers={TOKEN_HEADER: app.server.token})
    r = conn.getresponse()
    out = r.read()
    conn.close()
    return r.status, (json.loads(out) if r.getheader("Content-Type") == "application/json" else out)


def test_state_config_and_controls(app):
    status, state = call(app, "GET", "/api/state")
    assert status == 200 and state["config"]["hidden"] == [8] and state["frame"]["grid"] == 100
    status, state = call(app, "POST", "/api/config", {"hidden": [4, 4], "activation": "tanh"})
    assert status == 200 and state["config"]["hidden"] == [4, 4]
    status, frame = call(app, "POST", "/api/control", {"action": "step"})
    assert status == 200 and frame["step"] == 1
    status, err = call(app, "POST", "/api/control", {"action": "fly"})
    assert status == 400 and "Unknown action" in err["error"]
    status, err = call(app, "POST", "/api/config", {"hidden": [500]})
    assert status == 400 and err["error"] == "hidden: 500 is outside 1..128."


def test_points_csv_and_downloads(app):
    status, state = call(app, "POST", "/api/point", {"x1": 0.2, "x2": 0.3, "label": 1})
    assert status == 200 and state["config"]["dataset"] == "custom"
    status, err = call(app, "POST", "/api/csv", raw=b"x1,x2,label\n0,0,0\n1,oops,1\n")
    assert status == 400 and err["error"] == "Row 3: 'oops' is not a number."
    status, state = call(app, "POST", "/api/csv", raw=b"0,0,0\n1,1,1\n0,1,1\n1,0,0\n")
    assert status == 200 and len(state["points"]["x"]) == 4
    status, code = call(app, "GET", "/api/code")
    assert status == 200 and b"cr.nn.MLP(2, [8], 2" in code
    status, csv = call(app, "GET", "/api/metrics")
    assert status == 200 and csv.startswith(b"step,epoch,train_loss")


def test_model_download_loads_with_cr_load(app, tmp_path):
    pytest.importorskip("safetensors", reason="cr.save needs safetensors (the io extra)")
    import chainrule as cr
    status, data = call(app, "GET", "/api/model")
    assert status == 200
    (tmp_path / "m.safetensors").write_bytes(data)
    model = cr.load(tmp_path / "m.safetensors")
    assert [m.out_features for m in model.linear_layers] == [8, 2]


def test_backprop_gradcheck_explain(app):
    status, bp = call(app, "POST", "/api/backprop", {"x1": 0.0, "x2": 0.0})
    assert status == 200 and bp["backward"][0]["op"] == "cross_entropy"
    status, g = call(app, "POST", "/api/gradcheck", {})
    assert status == 200 and g["max_rel_error"] < 1e-4
    status, e = call(app, "POST", "/api/explain", {"expression": "max(x, y) * z", "values": "x=3,y=-4,z=2"})
    assert status == 200 and e["value"] == 6.0 and any("wins" in line for line in e["lines"])
    status, err = call(app, "POST", "/api/explain", {"expression": "x +", "values": "x=1"})
    assert status == 400


def test_play_streams_frames_and_pause_stops(app):
    call(app, "POST", "/api/control", {"action": "play"})
    conn = http.client.HTTPConnection("127.0.0.1", app.server.port, timeout=20)
    conn.request("GET", f"/api/events?token={app.server.token}")
    r = conn.getresponse()
    steps = []
    while len(steps) < 3:
        line = r.fp.readline()
        if line.startswith(b"data: "):
            event = json.loads(line[6:])
            if event.get("type") == "frame":
                steps.append(event["step"])
    conn.close()
    assert steps == sorted(steps) and steps[-1] > 0
    status, frame = call(app, "POST", "/api/control", {"action": "pause"})
    assert frame["playing"] is False
    assert call(app, "GET", "/api/state")[1]["frame"]["step"] == frame["step"]


def test_cr_playground_starts_in_the_background_and_shows_as_an_iframe():
    import chainrule as cr
    app = cr.playground(config={"hidden": [3]})
    try:
        html = app._repr_html_()
        assert f'src="{app.url}"' in html and html.startswith("<iframe")
        assert app.url.startswith("http://127.0.0.1:") and "token=" in app.url
        status, state = call(app, "GET", "/api/state")
        assert status == 200 and state["config"]["hidden"] == [3]
    finally:
        app.stop()
    assert app.server.stopping


def test_oversized_uploads_are_refused(app):
    conn = http.client.HTTPConnection("127.0.0.1", app.server.port, timeout=20)
    conn.putrequest("POST", "/api/csv")
    conn.putheader(TOKEN_HEADER, app.server.token)
    conn.putheader("Content-Length", str(600_000))          # refused from the header, before any body is read
    conn.endheaders()
    r = conn.getresponse()
    assert r.status == 413 and "limit is 524288 bytes" in json.loads(r.read())["error"]
    conn.close()
    status, err = call(app, "POST", "/api/csv", raw=b"0,0,0\n" * 50_000)           # 300 KB: over the CSV cap
    assert status == 400 and "larger than 256 KiB" in err["error"]
    assert call(app, "GET", "/api/state")[1]["config"]["dataset"] == "spiral"


def test_the_page_and_its_files_need_the_token(app):
    conn = http.client.HTTPConnection("127.0.0.1", app.server.port, timeout=20)
    for path in ("/", "/app.js", "/api/state", "/api/model", "/../session.py", "/static/app.js"):
        conn.request("GET", path)
        r = conn.getresponse()
        r.read()
        assert r.status == 403, path
    conn.request("GET", f"/../session.py?token={app.server.token}")
    r = conn.getresponse()
    assert r.status == 404 and b"class Session" not in r.read()
    conn.close()
