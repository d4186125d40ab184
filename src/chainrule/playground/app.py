"""The playground's web app: a `Session` behind a `LocalServer`, a training thread, and a stream of frames.

Routes (all need the token; see `chainrule.web`): ``GET /api/state``, ``GET /api/events`` (server-sent
frames), ``POST /api/config``, ``/api/control`` (play, pause, step, reset, regenerate), ``/api/point``,
``/api/clear``, ``/api/csv``, ``/api/backprop``, ``/api/gradcheck``, ``/api/explain``; downloads
``GET /api/code``, ``/api/model``, ``/api/metrics``.
"""
from __future__ import annotations

import csv
import io
import os
import tempfile
import threading
import time
from pathlib import Path

from ..errors import ChainruleError
from ..web import EventStream, HTTPError, LocalServer, Response
from . import export, inspect
from .session import Session

STATIC = Path(__file__).with_name("static")
FRAME_SECONDS = 0.05          # training time between two frames while playing (about 20 frames a second)
KEEPALIVE_SECONDS = 15


class Playground:
    """A running playground: ``.url`` (with its token), ``.session``, ``.stop()``; shows itself in Jupyter."""

    def __init__(self, port: int = 0, config=None):
        self.session = Session(config)
        self.server = LocalServer(STATIC, port=port, max_body=512 * 1024, name="chainrule_playground")
        self.lock = threading.Lock()
        self.changed = threading.Condition()
        self.version, self.latest = 0, None
        self.playing = False
        self._chunk = 1
        self._wake = threading.Event()
        self._routes()
        self._publish(self._state())
        self._trainer = threading.Thread(target=self._train_loop, name="playground-trainer", daemon=True)

    @property
    def url(self) -> str:
        return self.server.url

    def start(self) -> "Playground":
        """Serve in background threads (notebooks, tests); returns self."""
        self._trainer.start()
        self.server.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until Ctrl-C."""
        self._trainer.start()
        try:
            self.server.serve_forever()
        finally:
            self._shutdown()

    def stop(self) -> None:
        self.server.stop()
        self._shutdown()

    def _shutdown(self):
        self.playing = False
        self._wake.set()
        with self.changed:
            self.changed.notify_all()

    def _repr_html_(self) -> str:
        return (f'<iframe src="{self.url}" width="100%" height="900" style="border:1px solid #ccc" '
                f'title="chainrule playground"></iframe>')

    def __repr__(self):
        return f"<chainrule playground at {self.url}>"

    # -- the stream --------------------------------------------------------------------------------------------
    def _state(self) -> dict:
        return {"type": "state", "playing": self.playing, **self.session.state()}

    def _frame(self) -> dict:
        return {**self.session.frame(), "playing": self.playing}

    def _publish(self, event: dict) -> dict:
        with self.changed:
            self.version += 1
            self.latest = event
            self.changed.notify_all()
        return event

    def _events(self):
        seen = 0
        while not self.server.stopping:
            with self.changed:
                fresh = self.changed.wait_for(lambda: self.version != seen or self.server.stopping,
                                              timeout=KEEPALIVE_SECONDS)
                event, seen = self.latest, self.version
            if self.server.stopping:
                return
            yield event if fresh else None

    def _train_loop(self):
        while not self.server.stopping:
            if not self.playing:
                self._wake.wait(0.5)
                self._wake.clear()
                continue
            with self.lock:
                if not self.playing:                   # paused while waiting for the lock
                    continue
                try:
                    t0 = time.perf_counter()
                    self.session.step(self._chunk)
                    took = time.perf_counter() - t0     # steps per frame: about FRAME_SECONDS of training
                    self._chunk = max(1, min(1000, int(self._chunk * FRAME_SECONDS / max(took, 1e-6))))
                    event = self._frame()
                except ChainruleError as e:
                    self.playing = False
                    event = {"type": "error", "message": str(e), "playing": False}
            self._publish(event)
            time.sleep(0.005)                      # let requests take the lock between frames

    # -- routes ------------------------------------------------------------------------------------------------
    def _routes(self):
        s = self.server
        s.get("/api/state", lambda r: self._locked(self._state))
        s.get("/api/events", lambda r: EventStream(self._events()))
        s.post("/api/config", lambda r: self._change(lambda: self.session.configure(_object(r.json()))))
        s.post("/api/control", self._control)
        s.post("/api/point", lambda r: self._change(lambda: self.session.add_point(
            *(_object(r.json()).get(k) for k in ("x1", "x2", "label")))))
        s.post("/api/clear", lambda r: self._change(self.session.clear_points))
        s.post("/api/csv", lambda r: self._change(lambda: self.session.load_csv(r.text())))
        s.post("/api/backprop", self._backprop)
        s.post("/api/gradcheck", lambda r: self._locked(lambda: inspect.gradcheck(
            self.session, _index(self.session, _object(r.json())))))
        s.post("/api/explain", lambda r: inspect.explain_expression(
            str(_object(r.json()).get("expression", "")), str(_object(r.json()).get("values", ""))))
        s.get("/api/code", lambda r: Response(self._locked(lambda: export.code(self.session)).encode(),
                                              "text/x-python; charset=utf-8",
                                              headers={"Content-Disposition": 'attachment; filename="playground.py"'}))
        s.get("/api/model", self._model)
        s.get("/api/metrics", self._metrics)

    def _locked(self, fn):
        with self.lock:
            return fn()

    def _change(self, fn):
        """Run a change of data or settings; the new full state goes to the page and the stream."""
        with self.lock:
            fn()
            state = self._state()
        return self._publish(state)

    def _control(self, r):
        action = _object(r.json()).get("action")
        with self.lock:
            if action == "play":
                self.playing = True
                self._wake.set()
                return {"playing": True}
            if action == "pause":
                self.playing = False
                event = self._frame()
            elif action == "step":
                self.session.step(1)
                event = self._frame()
            elif action == "reset":
                self.session.reset()
                event = self._state()
            elif action == "regenerate":
                self.session.configure({"seed": (self.session.config.seed + 1) % (2**31 - 1)})
                event = self._state()
            else:
                raise HTTPError(400, f"Unknown action {action!r}; use play, pause, step, reset or regenerate.")
        return self._publish(event)

    def _backprop(self, r):
        body = _object(r.json())
        with self.lock:
            index = _index(self.session, body)
            if index is None:
                raise HTTPError(400, "Say which point: give its index, or x1 and x2 to take the nearest training point.")
            return inspect.backprop(self.session, index)

    def _model(self, r):
        from ..io import save
        fd, path = tempfile.mkstemp(suffix=".safetensors")
        os.close(fd)
        try:
            with self.lock:
                save(self.session.model, path, metadata={"playground": self.session.config.to_dict(),
                                                         "metrics": self.session.history[-1]})
            data = Path(path).read_bytes()
        finally:
            os.unlink(path)
        return Response(data, "application/octet-stream",
                        headers={"Content-Disposition": 'attachment; filename="playground.safetensors"'})

    def _metrics(self, r):
        keys = ("step", "epoch", "train_loss", "test_loss", "train_acc", "test_acc")
        out = io.StringIO()
        w = csv.writer(out)
        w.writerow(keys)
        with self.lock:
            for row in self.session.history:
                w.writerow(["" if row[k] is None else row[k] for k in keys])
        return Response(out.getvalue().encode(), "text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="playground-metrics.csv"'})


def _object(body) -> dict:
    if not isinstance(body, dict):
        raise HTTPError(400, "The request body must be a JSON object.")
    return body


def _index(session, body: dict):
    """The point a request names: ``index`` into the data set, or the training point nearest ``x1, x2``."""
    if body.get("index") is not None:
        i = body["index"]
        if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < len(session.X):
            raise HTTPError(400, f"index must be a point number 0 to {len(session.X) - 1}, got {i!r}.")
        return i
    if body.get("x1") is not None and body.get("x2") is not None:
        try:
            return session.nearest_train_point(float(body["x1"]), float(body["x2"]))
        except (TypeError, ValueError):
            raise HTTPError(400, "x1 and x2 must be numbers.") from None
    return None

