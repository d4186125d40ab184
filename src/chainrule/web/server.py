"""A small, locked-down local web server for chainrule's pages (standard library only).

An app registers its routes (``server.get(path, handler)``, ``server.post(path, handler)``) and one folder of
static files; the server adds the security every local page needs:

- it binds to 127.0.0.1 only;
- a random token (``secrets.token_urlsafe``) is required on every request: ``?token=`` in the URL (the first
  load sets an HttpOnly cookie), the ``X-Chainrule-Token`` header, or that cookie; in served ``.html`` files
  the text ``{{token}}`` becomes the token, so a page can pass it on (an iframe gets no cookie);
- a ``Host`` header other than ``127.0.0.1:PORT`` / ``localhost:PORT`` is refused (DNS rebinding), and so is an
  ``Origin`` other than this server's own (cross-site requests);
- request bodies are capped (``max_body`` bytes, 413 beyond), and so are URLs and header counts;
- static files are only those found in the app's folder when the server starts, looked up by name in that
  list: no path ever reaches the file system, so ``../`` cannot escape;
- ``EventStream`` answers are server-sent events (one JSON object per event), closed when the server stops;
- ``serve_forever()`` returns cleanly on Ctrl-C; ``start()`` runs it in a background thread (notebooks, tests).

A handler gets a `Request` and returns a dict or list (sent as JSON), a `Response`, or an `EventStream`;
raising `HTTPError` (or a `chainrule.errors.ChainruleError`, which becomes 400) sends ``{"error": message}``.

Why ``http.server`` and not an ASGI stack: a page for one user on one machine needs a few JSON routes and one
event stream, which ``ThreadingHTTPServer`` serves with no dependency to install, audit or keep in step; the
security an ASGI framework would not give by itself either (token, Host, Origin, caps) is the part written here.
"""
from __future__ import annotations

import hmac
import http.server
import json
import mimetypes
import secrets
import sys
import threading
import traceback
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import numpy as np

from ..errors import ChainruleError

__all__ = ["LocalServer", "Request", "Response", "EventStream", "HTTPError", "TOKEN_HEADER", "dumps"]

TOKEN_HEADER = "X-Chainrule-Token"
MAX_URL = 8192
MAX_STATIC_FILE = 4 << 20
_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
          ".css": "text/css; charset=utf-8", ".json": "application/json", ".png": "image/png",
          ".svg": "image/svg+xml", ".ico": "image/x-icon", ".txt": "text/plain; charset=utf-8"}
_CSP = ("default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'self' http://localhost:* http://127.0.0.1:*")


class HTTPError(Exception):
    """An error answer: ``status`` and a one-sentence ``message`` sent as ``{"error": message}``."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Request:
    """One request as a handler sees it: ``method``, ``path``, ``query`` (name -> last value), ``headers``, ``body``."""
    method: str
    path: str
    query: dict
    headers: dict
    body: bytes = b""

    def json(self):
        """The body parsed as JSON (an `HTTPError` 400 if it is not JSON)."""
        if not self.body:
            return {}
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            raise HTTPError(400, f"The request body is not valid JSON ({e}).") from None

    def text(self) -> str:
        """The body as UTF-8 text (an `HTTPError` 400 if it is not UTF-8)."""
        try:
            return self.body.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise HTTPError(400, "The request body is not UTF-8 text; save the file as UTF-8 and try again.") from None


@dataclass
class Response:
    """A plain answer: ``body`` bytes with its ``content_type``, ``status`` and extra ``headers``."""
    body: bytes
    content_type: str = "application/octet-stream"
    status: int = 200
    headers: dict = field(default_factory=dict)


class EventStream:
    """A server-sent-event answer: iterate ``events`` (each a JSON-able object, or ``None`` for a keep-alive)."""

    def __init__(self, events):
        self.events = events


class LocalServer:
    """A token-protected HTTP server on 127.0.0.1 for one app's routes and static files.

    ``static_dir``: the folder whose files are served by name (``index.html`` at ``/``); ``port=0`` picks a
    free port; ``max_body``: the largest request body in bytes; ``token``: default a fresh random one.
    """

    def __init__(self, static_dir=None, *, port: int = 0, max_body: int = 1 << 20, token: str | None = None,
                 name: str = "chainrule"):
        self.token = token or secrets.token_urlsafe(32)
        self.max_body = int(max_body)
        self.name = name
        self._routes: dict = {}
        self._static = _list_static(static_dir) if static_dir is not None else {}
        self._stopping = threading.Event()
        self._thread = None
        self.httpd = _HTTPServer(("127.0.0.1", int(port)), _Handler)
        self.httpd.app = self
        self.port = self.httpd.server_address[1]
        self._cookie = f"{name}_token_{self.port}"

    # -- routes ------------------------------------------------------------------------------------------------
    def route(self, method: str, path: str, handler) -> None:
        """Call ``handler(request)`` for ``method`` (GET or POST) requests to exactly ``path``."""
        if method not in ("GET", "POST"):
            raise ValueError(f"method must be GET or POST, got {method!r}")
        self._routes[(method, path)] = handler

    def get(self, path: str, handler) -> None:
        self.route("GET", path, handler)

    def post(self, path: str, handler) -> None:
        self.route("POST", path, handler)

    # -- running -----------------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """The address to open, with the token (as Jupyter prints it)."""
        return f"http://127.0.0.1:{self.port}/?token={self.token}"

    @property
    def stopping(self) -> bool:
        """True once `stop` was called: long-running handlers (event streams) should return."""
        return self._stopping.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``, waking early when the server stops; True if it is stopping."""
        return self._stopping.wait(seconds)

    def serve_forever(self) -> None:
        """Serve until Ctrl-C or `stop`; then close the socket and return."""
        try:
            self.httpd.serve_forever(poll_interval=0.2)
        except KeyboardInterrupt:
            pass
        finally:
            self._stopping.set()
            self.httpd.server_close()

    def start(self) -> "LocalServer":
        """Serve in a background (daemon) thread; returns self."""
        self._thread = threading.Thread(target=self.serve_forever, name=f"{self.name}-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving (event streams end) and close the socket."""
        self._stopping.set()
        self.httpd.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- checks ------------------------------------------------------------------------------------------------
    def _allowed_hosts(self) -> set:
        return {f"127.0.0.1:{self.port}", f"localhost:{self.port}"}

    def check(self, headers, query: dict) -> bool:
        """Raise `HTTPError` unless Host, Origin and token are right; True if the token came in the URL."""
        host = (headers.get("Host") or "").strip().lower()
        if host not in self._allowed_hosts():
            raise HTTPError(403, f"Host {host!r} is not this server; open http://127.0.0.1:{self.port}/ instead.")
        origin = headers.get("Origin")
        if origin is not None and origin.strip().lower() not in {f"http://{h}" for h in self._allowed_hosts()}:
            raise HTTPError(403, f"Requests from {origin!r} are refused; only this server's own pages may call it.")
        given = query.get("token") or headers.get(TOKEN_HEADER)
        from_url = bool(query.get("token"))
        if not given:
            cookie = SimpleCookie()
            try:
                cookie.load(headers.get("Cookie") or "")
            except Exception:
                pass
            given = cookie[self._cookie].value if self._cookie in cookie else None
        if not given or not hmac.compare_digest(given.encode(), self.token.encode()):
            raise HTTPError(403, "Missing or wrong access token; open the URL with ?token= that the server printed.")
        return from_url


def dumps(obj) -> bytes:
    """``obj`` as JSON bytes (NumPy scalars and arrays as numbers and lists), NaN and infinities as ``null``."""
    try:
        return json.dumps(obj, allow_nan=False, separators=(",", ":"), default=_plain).encode()
    except ValueError:
        return json.dumps(_finite(obj), allow_nan=False, separators=(",", ":"), default=_plain).encode()


def _plain(obj):
    if isinstance(obj, (np.generic, np.ndarray)):
        return obj.tolist()
    raise TypeError(f"{type(obj).__name__} is not JSON serializable")


def _finite(obj):
    if isinstance(obj, (np.generic, np.ndarray)):
        obj = obj.tolist()
    if isinstance(obj, float):
        return obj if obj == obj and abs(obj) != float("inf") else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj


def _list_static(folder) -> dict:
    """Every regular file under ``folder`` (no hidden ones, no links), by URL path, read now."""
    root = Path(folder).resolve()
    files = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root)
        if p.is_symlink() or not p.is_file() or any(part.startswith((".", "_")) for part in rel.parts):
            continue
        if p.stat().st_size <= MAX_STATIC_FILE:
            files["/" + rel.as_posix()] = p
    if "/index.html" in files:
        files["/"] = files["/index.html"]
    return files


class _HTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 16


class _Handler(http.server.BaseHTTPRequestHandler):
    server_version = "chainrule"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    timeout = 30

    def log_message(self, format, *args):     # quiet: the terminal shows the URL, not every request
        pass

    def do_GET(self):
        self._serve("GET")

    def do_POST(self):
        self._serve("POST")

    def _refuse_method(self):
        self._send_json({"error": f"Method {self.command} is not allowed; use GET or POST."}, 405)

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = _refuse_method

    def _serve(self, method: str):
        app: LocalServer = self.server.app
        try:
            if len(self.path) > MAX_URL:
                raise HTTPError(414, f"The URL is longer than {MAX_URL} characters.")
            parts = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
            from_url = app.check(self.headers, query)
            body = self._read_body(app.max_body) if method == "POST" else b""
            handler = app._routes.get((method, parts.path))
            if handler is not None:
                answer = handler(Request(method, parts.path, query, dict(self.headers.items()), body))
            elif method == "GET" and parts.path in app._static:
                answer = self._static_file(app, app._static[parts.path])
            else:
                raise HTTPError(404, f"Nothing at {parts.path!r}.")
        except HTTPError as e:
            return self._send_json({"error": e.message}, e.status, close=e.status in (413, 414))
        except ChainruleError as e:
            return self._send_json({"error": str(e)}, 400)
        except Exception:
            traceback.print_exc(file=sys.stderr)
            return self._send_json({"error": "Internal error in the server; the terminal shows the traceback."}, 500)
        extra = {}
        if from_url:
            extra["Set-Cookie"] = f"{app._cookie}={app.token}; HttpOnly; SameSite=Strict; Path=/"
        if isinstance(answer, EventStream):
            return self._send_events(app, answer, extra)
        if not isinstance(answer, Response):
            answer = Response(dumps(answer), "application/json")
        self._send(answer.body, answer.content_type, answer.status, {**extra, **answer.headers})

    def _read_body(self, limit: int) -> bytes:
        if self.headers.get("Transfer-Encoding"):
            raise HTTPError(411, "Chunked request bodies are not accepted; send Content-Length.")
        try:
            n = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            raise HTTPError(400, "Content-Length is not a number.") from None
        if n < 0:
            raise HTTPError(400, "Content-Length is negative.")
        if n > limit:
            raise HTTPError(413, f"The request is {n} bytes; the limit is {limit} bytes.")
        return self.rfile.read(n)

    def _static_file(self, app: LocalServer, path: Path) -> Response:
        data = path.read_bytes()
        kind = _TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if path.suffix.lower() == ".html":
            data = data.replace(b"{{token}}", app.token.encode())
        return Response(data, kind)

    def _security_headers(self):
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Security-Policy", _CSP)

    def _send(self, body: bytes, content_type: str, status: int = 200, headers=None, close: bool = False):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self._security_headers()
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)

    def _send_json(self, obj, status: int, close: bool = False):
        self._send(json.dumps(obj).encode(), "application/json", status, close=close)

    def _send_events(self, app: LocalServer, stream: EventStream, headers):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self._security_headers()
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        try:
            for event in stream.events:
                if app.stopping:
                    break
                chunk = b": keep-alive\n\n" if event is None else \
                    b"data: " + dumps(event) + b"\n\n"
                self.wfile.write(chunk)
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            pass
        finally:
            close = getattr(stream.events, "close", None)
            if close is not None:
                close()
