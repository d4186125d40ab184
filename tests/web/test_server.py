"""The local server's security, from a client's side: token, Host, Origin, sizes, static files, events, stop."""
import http.client
import json
import socket

import pytest

from chainrule.errors import ConfigError
from chainrule.web import TOKEN_HEADER, EventStream, HTTPError, LocalServer


@pytest.fixture
def site(tmp_path):
    static = tmp_path / "static"
    static.mkdir()
    (static / "index.html").write_text("<p>token={{token}}</p>")
    (static / "app.js").write_text("console.log(1)")
    (static / "sub").mkdir()
    (static / "sub" / "x.css").write_text("p{}")
    (static / ".hidden").write_text("no")
    (tmp_path / "secret.txt").write_text("SECRET")
    server = LocalServer(static, max_body=1000)
    server.get("/api/echo", lambda r: {"q": r.query.get("q")})
    server.post("/api/body", lambda r: {"n": len(r.body), "json": r.json()})
    server.get("/api/bad", lambda r: (_ for _ in ()).throw(ConfigError("bad value; use 1.")))
    server.get("/api/teapot", lambda r: (_ for _ in ()).throw(HTTPError(418, "short and stout.")))
    server.get("/api/nan", lambda r: {"x": float("nan")})
    server.get("/api/events", lambda r: EventStream(iter([{"i": 1}, None, {"i": 2}])))
    with server:
        yield server


def request(server, method, path, *, token=True, host=None, headers=None, body=None, raw_host=False):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    if token is True:
        path += ("&" if "?" in path else "?") + "token=" + server.token
    elif token:
        path += ("&" if "?" in path else "?") + "token=" + token
    conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    conn.putheader("Host", host or f"127.0.0.1:{server.port}")
    for k, v in (headers or {}).items():
        conn.putheader(k, v)
    if body is not None:
        conn.putheader("Content-Length", str(len(body)))
    conn.endheaders(body)
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp, data


def test_token_in_url_serves_the_page_with_the_token_and_sets_a_cookie(site):
    resp, data = request(site, "GET", "/")
    assert resp.status == 200
    assert data.decode() == f"<p>token={site.token}</p>"
    cookie = resp.getheader("Set-Cookie")
    assert site.token in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert resp.getheader("X-Content-Type-Options") == "nosniff"
    assert resp.getheader("Referrer-Policy") == "no-referrer"


def test_header_and_cookie_carry_the_token_too(site):
    resp, _ = request(site, "GET", "/api/echo?q=1", token=None, headers={TOKEN_HEADER: site.token})
    assert resp.status == 200
    cookie = request(site, "GET", "/")[0].getheader("Set-Cookie").split(";")[0]
    resp, data = request(site, "GET", "/api/echo?q=2", token=None, headers={"Cookie": cookie})
    assert resp.status == 200 and json.loads(data) == {"q": "2"}


@pytest.mark.parametrize("path", ["/", "/app.js", "/api/echo", "/api/events", "/nothing"])
def test_no_token_is_refused_everywhere(site, path):
    resp, data = request(site, "GET", path, token=None)
    assert resp.status == 403
    assert "token" in json.loads(data)["error"]


def test_wrong_token_is_refused(site):
    assert request(site, "GET", "/", token="x" * 43)[0].status == 403
    assert request(site, "GET", "/", token=None, headers={TOKEN_HEADER: site.token[:-1]})[0].status == 403
    assert request(site, "POST", "/api/body", token=None, body=b"{}")[0].status == 403


@pytest.mark.parametrize("host", ["evil.example:80", "evil.example", "127.0.0.1", "localhost:1",
                                  "127.0.0.1:1.evil.example"])
def test_foreign_host_is_refused_even_with_the_token(site, host):
    resp, data = request(site, "GET", "/api/echo", host=host)
    assert resp.status == 403
    assert "Host" in json.loads(data)["error"]


def test_localhost_host_is_accepted(site):
    assert request(site, "GET", "/api/echo", host=f"localhost:{site.port}")[0].status == 200


@pytest.mark.parametrize("origin", ["http://evil.example", f"http://127.0.0.1:{1}", "null",
                                    "https://127.0.0.1"])
def test_foreign_origin_is_refused_even_with_the_token(site, origin):
    resp, data = request(site, "POST", "/api/body", headers={"Origin": origin}, body=b"{}")
    assert resp.status == 403
    assert "refused" in json.loads(data)["error"]


def test_own_origin_is_accepted(site):
    resp, data = request(site, "POST", "/api/body", headers={"Origin": f"http://127.0.0.1:{site.port}"},
                         body=b'{"a": 1}')
    assert resp.status == 200 and json.loads(data) == {"n": 8, "json": {"a": 1}}


def test_oversized_body_is_refused_before_it_is_read(site):
    resp, data = request(site, "POST", "/api/body", body=b"x" * 1001)
    assert resp.status == 413
    assert "limit is 1000 bytes" in json.loads(data)["error"]
    assert request(site, "POST", "/api/body", body=b"1" * 1000)[0].status == 200


def test_chunked_body_is_refused(site):
    resp, _ = request(site, "POST", "/api/body", headers={"Transfer-Encoding": "chunked"})
    assert resp.status == 411


def test_long_url_is_refused(site):
    assert request(site, "GET", "/api/echo?q=" + "a" * 9000)[0].status == 414


@pytest.mark.parametrize("path", ["/../secret.txt", "/%2e%2e/secret.txt", "/sub/../../secret.txt",
                                  "/..%2fsecret.txt", "/.hidden", "//etc/passwd", "/sub/../index.html"])
def test_paths_outside_the_static_list_are_refused(site, path):
    resp, data = request(site, "GET", path)
    assert resp.status == 404
    assert b"SECRET" not in data


def test_static_files_in_subfolders_are_served_with_their_type(site):
    resp, data = request(site, "GET", "/sub/x.css")
    assert resp.status == 200 and data == b"p{}" and resp.getheader("Content-Type").startswith("text/css")


def test_other_methods_are_refused(site):
    assert request(site, "PUT", "/api/body", body=b"{}")[0].status == 405


def test_errors_are_one_sentence_json(site):
    resp, data = request(site, "GET", "/api/bad")
    assert resp.status == 400 and json.loads(data) == {"error": "bad value; use 1."}
    resp, data = request(site, "GET", "/api/teapot")
    assert resp.status == 418 and json.loads(data) == {"error": "short and stout."}
    resp, data = request(site, "POST", "/api/body", body=b"{not json")
    assert resp.status == 400 and "not valid JSON" in json.loads(data)["error"]


def test_nan_becomes_null(site):
    assert json.loads(request(site, "GET", "/api/nan")[1]) == {"x": None}


def test_event_stream(site):
    resp, data = request(site, "GET", "/api/events")
    assert resp.getheader("Content-Type") == "text/event-stream"
    assert data == b'data: {"i":1}\n\n: keep-alive\n\ndata: {"i":2}\n\n'


def test_binds_loopback_only_and_stops_cleanly(tmp_path):
    server = LocalServer(tmp_path).start()
    assert server.httpd.server_address[0] == "127.0.0.1"
    assert server.url == f"http://127.0.0.1:{server.port}/?token={server.token}"
    server.stop()
    assert server.stopping
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", server.port), timeout=2).close()


def test_ctrl_c_returns_from_serve_forever(tmp_path, monkeypatch):
    server = LocalServer(tmp_path)

    def interrupt(*a, **k):
        raise KeyboardInterrupt
    monkeypatch.setattr(server.httpd, "serve_forever", interrupt)
    server.serve_forever()                      # returns instead of raising
    assert server.stopping


def test_tokens_are_random():
    a, b = LocalServer(None), LocalServer(None)
    try:
        assert a.token != b.token and len(a.token) >= 40
    finally:
        a.httpd.server_close()
        b.httpd.server_close()
