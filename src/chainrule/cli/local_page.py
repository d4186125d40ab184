"""What ``chainrule playground`` and ``chainrule view`` share: the --port/--no-browser options and serving the
page until Ctrl-C."""
from __future__ import annotations

import os
import sys

from ..errors import EXIT_OK


def add_options(p) -> None:
    p.add_argument("--port", type=int, default=0, metavar="N", help="port to listen on (default: a free one)")
    p.add_argument("--no-browser", action="store_true", help="print the URL but do not open a browser")


def check_port(port: int) -> None:
    from ..errors import ConfigError
    if not 0 <= port <= 65535:
        raise ConfigError(f"--port {port} is not a port number; use 1 to 65535, or 0 for a free one.")


def serve(app, prog: str, what: str, no_browser: bool) -> int:
    """Print the URL (it carries the access token), open a browser unless asked not to, serve until Ctrl-C."""
    print(f"{prog}: open {app.url}", flush=True)
    print(f"  ({what}the link carries the access token; press Ctrl-C to stop)", flush=True)
    if not no_browser:
        open_browser(app.url)
    app.serve_forever()
    print(f"{prog}: stopped.", file=sys.stderr)
    return EXIT_OK


def open_browser(url: str) -> None:
    """Open ``url`` in a graphical browser; on a Linux machine with no display, say so instead (a console
    browser would take over this terminal)."""
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        print("  (no display found: open the link in a browser yourself)", flush=True)
        return
    import webbrowser
    webbrowser.open(url)
