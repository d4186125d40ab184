"""The run viewer's web app: run folders read by `scan`, served on a `chainrule.web.LocalServer`.

Routes (all need the token): ``GET /api/runs`` (the run list and the sweeps, scanned afresh),
``/api/run?id=`` (one run: summary, config, final evaluation, metrics records and the offset reached),
``/api/events?runs=ID,ID&offsets=N,N`` (server-sent events: new metrics lines, progress and status of those
runs), ``/api/sweep?id=`` (a sweep's runs with their settings and accuracies), ``/api/picture?id=&name=``
(a picture of the run folder, by name from a fixed list).
"""
from __future__ import annotations

from pathlib import Path

from ..web import EventStream, HTTPError, LocalServer, Response
from . import follow, scan

STATIC = Path(__file__).with_name("static")
TICK_SECONDS = 0.5               # how often a stream looks at its files' sizes
KEEPALIVE_SECONDS = 15
MAX_FOLLOWED = 32                # runs in one event stream


class Viewer:
    """A running viewer of the run folders ``roots``: ``.url`` (with its token), ``.stop()``."""

    def __init__(self, roots=("runs",), port: int = 0):
        self.roots = [Path(r) for r in roots]
        self.server = LocalServer(STATIC, port=port, max_body=64 * 1024, name="chainrule_view")
        self._runs, self._sweeps = {}, {}
        self._rows = {}              # folder -> (stamp, run list row): unchanged runs are not read again
        s = self.server
        s.get("/api/runs", self._list)
        s.get("/api/run", self._run)
        s.get("/api/events", self._events)
        s.get("/api/sweep", self._sweep)
        s.get("/api/picture", self._picture)

    @property
    def url(self) -> str:
        return self.server.url

    def start(self) -> "Viewer":
        self.server.start()
        return self

    def serve_forever(self) -> None:
        self.server.serve_forever()

    def stop(self) -> None:
        self.server.stop()

    def __repr__(self):
        return f"<chainrule view at {self.url}>"

    def _repr_html_(self) -> str:
        return (f'<iframe src="{self.url}" width="100%" height="900" style="border:1px solid #ccc" '
                f'title="chainrule view"></iframe>')

    # -- finding runs ------------------------------------------------------------------------------------------
    def _scan(self):
        runs, sweeps = scan.find_runs(self.roots)
        self._runs = {f"{i}:{rel}": path for i, rel, path in runs}
        self._sweeps = {f"{i}:{rel}": path for i, rel, path in sweeps}

    def _folder(self, table: str, run_id) -> Path:
        found = getattr(self, table).get(run_id)
        if found is None:
            self._scan()
            found = getattr(self, table).get(run_id)
        if found is None:
            raise HTTPError(404, f"No run {run_id!r} in the folders shown; reload the run list.")
        return found

    def _label(self, run_id: str) -> str:
        i, rel = run_id.split(":", 1)
        root = self.roots[int(i)]
        return (root / rel).as_posix() if rel != "." else root.as_posix()

    def _summary(self, folder: Path) -> dict:
        stamp = scan.stamp(folder)
        hit = self._rows.get(folder)
        if hit is not None and hit[0] == stamp:
            return {**hit[1], "status": scan.status(folder, hit[1]["has_final"])}
        row = scan.summarize(folder)
        self._rows[folder] = (stamp, row)
        return row

    def _list(self, r):
        self._scan()
        rows = [{"id": k, "path": self._label(k), **self._summary(p)} for k, p in self._runs.items()]
        shown = set(self._runs.values())
        self._rows = {k: v for k, v in self._rows.items() if k in shown}
        sweeps = [{"id": k, "path": self._label(k), "name": p.name} for k, p in self._sweeps.items()]
        return {"roots": [p.as_posix() for p in self.roots], "runs": rows, "sweeps": sweeps,
                "truncated": len(rows) >= scan.MAX_RUNS}

    def _run(self, r):
        run_id = r.query.get("id", "")
        folder = self._folder("_runs", run_id)
        records, problems, offset = scan.read_metrics(folder / scan.METRICS)
        row = scan.summarize(folder, records, problems)
        config = final = None
        try:
            config = scan.read_json(folder / scan.CONFIG)
        except scan.Broken:
            pass
        try:
            final = scan.read_json(folder / scan.FINAL) if (folder / scan.FINAL).exists() else None
        except scan.Broken:
            pass
        return {"id": run_id, "path": self._label(run_id), **row, "config": config, "final": final,
                "records": records, "offset": offset, "pictures": scan.pictures(folder)}

    def _sweep(self, r):
        sweep_id = r.query.get("id", "")
        self._scan()
        folder = self._folder("_sweeps", sweep_id)
        try:
            info = scan.read_json(folder / scan.SWEEP)
        except scan.Broken as e:
            info = {"problem": str(e)}
        grid = info.get("grid") if isinstance(info.get("grid"), dict) else {}
        points = []
        for run_id, path in self._runs.items():
            if path.parent != folder:
                continue
            row = scan.summarize(path)
            try:
                config = scan.read_json(path / scan.CONFIG)
            except scan.Broken:
                config = {}
            final = {}
            try:
                final = scan.read_json(path / scan.FINAL) if (path / scan.FINAL).exists() else {}
            except scan.Broken:
                pass
            val = final.get("val") if isinstance(final.get("val"), dict) else {}
            points.append({"id": run_id, "name": row["name"], "status": row["status"],
                           "lr": config.get("lr"), "reg": config.get("reg"),
                           "val_acc": val.get("acc", row["best_val_acc"]), "test_acc": row["test_acc"],
                           "settings": {k: config.get(k) for k in grid}})
        return {"id": sweep_id, "path": self._label(sweep_id), "grid": grid, "points": points,
                "pictures": [n for n in scan.pictures(folder) if n == "decision_boundaries.png"],
                "problem": info.get("problem")}

    def _picture(self, r):
        run_id, name = r.query.get("id", ""), r.query.get("name", "")
        folder = self._runs.get(run_id) or self._sweeps.get(run_id) or self._folder("_runs", run_id)
        if name not in scan.pictures(folder):
            raise HTTPError(404, f"{name!r} is not a picture of this run; pictures are {', '.join(scan.PICTURES)}.")
        path = folder / name
        if path.stat().st_size > scan.MAX_PICTURE:
            raise HTTPError(413, f"{name} is larger than {scan.MAX_PICTURE:,} bytes.")
        return Response(path.read_bytes(), "image/png",
                        headers={"Content-Disposition": f'inline; filename="{name}"'})

    # -- following -----------------------------------------------------------------------------------------------
    def _events(self, r):
        ids = [i for i in r.query.get("runs", "").split(",") if i][:MAX_FOLLOWED]
        offsets = r.query.get("offsets", "").split(",")
        watched = []
        for k, run_id in enumerate(ids):
            try:
                offset = int(offsets[k]) if k < len(offsets) and offsets[k] else 0
            except ValueError:
                raise HTTPError(400, "offsets must be byte counts separated by commas.") from None
            watched.append(follow.Watched(run_id, self._folder("_runs", run_id), offset))
        return EventStream(self._follow(watched))

    def _follow(self, watched):
        quiet = 0.0
        for w in watched:
            follow.status_change(w)
        yield {"type": "hello", "runs": [w.id for w in watched]}
        while not self.server.stopping:
            events = []
            for w in watched:
                events += follow.new_lines(w) + follow.progress(w) + follow.status_change(w)
            for e in events:
                yield e
            quiet = 0.0 if events else quiet + TICK_SECONDS
            if quiet >= KEEPALIVE_SECONDS:
                quiet = 0.0
                yield None
            if self.server.wait(TICK_SECONDS):
                return
