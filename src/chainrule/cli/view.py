"""``chainrule view [RUNS_DIR ...] [--port N] [--no-browser]``: watch and compare runs on a page on 127.0.0.1."""
from __future__ import annotations

import sys


def register(subparsers):
    p = subparsers.add_parser(
        "view", help="watch runs live, overlay and compare them, see sweeps, in the browser",
        description="Start a local web page (127.0.0.1 only, with an access token) over the run folders made "
                    "by 'chainrule train' and 'chainrule sweep' under RUNS_DIR: the run list with status and "
                    "accuracies, curves that grow while a run trains, several runs overlaid with their "
                    "differing settings, and a sweep's learning rate x regularization scatter. Files are only "
                    "read. Ctrl-C stops it.")
    p.add_argument("runs_dir", nargs="*", metavar="RUNS_DIR", help="folders holding run folders (default: runs)")
    p.add_argument("--port", type=int, default=0, metavar="N", help="port to listen on (default: a free one)")
    p.add_argument("--no-browser", action="store_true", help="print the URL but do not open a browser")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    from pathlib import Path

    from ..errors import ConfigError
    from ..view.app import Viewer
    from .playground import _open_browser
    if not 0 <= args.port <= 65535:
        raise ConfigError(f"--port {args.port} is not a port number; use 1 to 65535, or 0 for a free one.")
    roots = args.runs_dir or ["runs"]
    for root in roots:
        if not Path(root).is_dir():
            raise ConfigError(f"{root}: no such folder; pass the folder your runs are in (chainrule train "
                              f"writes them to runs/, or to its --out).")
    app = Viewer(roots, port=args.port)
    print(f"chainrule view: open {app.url}", flush=True)
    print(f"  (showing the runs in {', '.join(roots)}; the link carries the access token; press Ctrl-C to stop)",
          flush=True)
    if not args.no_browser:
        _open_browser(app.url)
    app.serve_forever()
    print("chainrule view: stopped.", file=sys.stderr)
    return 0
