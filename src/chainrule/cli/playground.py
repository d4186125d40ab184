"""``chainrule playground [--port N] [--no-browser]``: the lecture as an interactive page on 127.0.0.1."""
from __future__ import annotations

import os
import sys


def register(subparsers):
    p = subparsers.add_parser(
        "playground", help="train a small net on 2-D data in the browser; watch the backward pass gate by gate",
        description="Start a local web page (127.0.0.1 only, with an access token) that trains networks on "
                    "2-D data with chainrule: data sets, features, layers, activations, regularization, "
                    "optimizers, live curves and boundaries, gradient flow, one point's backward pass, "
                    "a numerical gradient check and the code that reproduces the run. Ctrl-C stops it.")
    p.add_argument("--port", type=int, default=0, metavar="N", help="port to listen on (default: a free one)")
    p.add_argument("--no-browser", action="store_true", help="print the URL but do not open a browser")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    from ..errors import ConfigError
    from ..playground.app import Playground
    if not 0 <= args.port <= 65535:
        raise ConfigError(f"--port {args.port} is not a port number; use 1 to 65535, or 0 for a free one.")
    app = Playground(port=args.port)
    print(f"chainrule playground: open {app.url}", flush=True)
    print("  (the link carries the access token; press Ctrl-C to stop)", flush=True)
    if not args.no_browser:
        _open_browser(app.url)
    app.serve_forever()
    print("chainrule playground: stopped.", file=sys.stderr)
    return 0


def _open_browser(url: str) -> None:
    """Open ``url`` in a graphical browser; on a Linux machine with no display, say so instead (a console
    browser would take over this terminal)."""
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        print("  (no display found: open the link in a browser yourself)", flush=True)
        return
    import webbrowser
    webbrowser.open(url)
