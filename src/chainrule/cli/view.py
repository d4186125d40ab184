"""``chainrule view [RUNS_DIR ...] [--port N] [--no-browser]``: watch and compare runs on a page on 127.0.0.1."""
from __future__ import annotations

from .local_page import add_options, check_port, serve


def register(subparsers):
    p = subparsers.add_parser(
        "view", help="watch runs live, overlay and compare them, see sweeps, in the browser",
        description="Start a local web page (127.0.0.1 only, with an access token) over the run folders made "
                    "by 'chainrule train' and 'chainrule sweep' under RUNS_DIR: the run list with status and "
                    "accuracies, curves that grow while a run trains, several runs overlaid with their "
                    "differing settings, and a sweep's learning rate x regularization scatter. Files are only "
                    "read. Ctrl-C stops it.")
    p.add_argument("runs_dir", nargs="*", metavar="RUNS_DIR", help="folders holding run folders (default: runs)")
    add_options(p)
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    from pathlib import Path

    from ..errors import ConfigError
    from ..view.app import Viewer
    check_port(args.port)
    roots = args.runs_dir or ["runs"]
    for root in roots:
        if not Path(root).is_dir():
            raise ConfigError(f"{root}: no such folder; pass the folder your runs are in (chainrule train "
                              f"writes them to runs/, or to its --out).")
    return serve(Viewer(roots, port=args.port), "chainrule view", f"showing the runs in {', '.join(roots)}; ",
                 args.no_browser)
