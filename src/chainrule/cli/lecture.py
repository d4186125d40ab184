"""``chainrule lecture [TOPIC] [--out DIR] [--full] [--seed S]``: CS231n lecture 4 as runnable experiments.

Without a topic it lists the topics with their lecture sections. With one it runs that seeded experiment
(`chainrule.lecture`), prints its table and its verdicts on the lecture's claim, and writes the pictures
(PNG) and one self-contained ``report.html`` to ``--out`` (default ``runs/lecture/TOPIC``).
"""
from __future__ import annotations

import argparse
import sys

from ..errors import EXIT_OK

__all__ = ["register", "run", "main"]

_EPILOG = """\
examples:
  chainrule lecture                                 list the topics
  chainrule lecture nonlinearity                    W2 W1 = W3, measured (seconds)
  chainrule lecture gates --out gates               the four gate patterns with graph pictures
  chainrule lecture templates --full                templates on CIFAR-10 (JPEG copy) (minutes)
  chainrule lecture why-backprop --seed 1           another seed, other numbers, same claim
"""


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"the seed must be an integer >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"the seed must be an integer >= 0, got {value}")
    return value


def register(subparsers) -> argparse.ArgumentParser:
    """Register the ``lecture`` subcommand on an argparse ``subparsers`` object; sets ``func=run``."""
    p = subparsers.add_parser(
        "lecture", help="run the lecture's claims as small seeded experiments (alone: list the topics)",
        description="CS231n lecture 4 (Neural Networks and Backpropagation) as runnable experiments: each topic "
                    "measures one claim of the lecture, prints a table and writes its pictures and a "
                    "self-contained report.html.",
        epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("topic", nargs="?", metavar="TOPIC", help="the topic to run (omit it to list the topics)")
    p.add_argument("--out", metavar="DIR", default=None,
                   help="folder for the pictures and report.html (default runs/lecture/TOPIC)")
    p.add_argument("--full", action="store_true",
                   help="the longer version: more steps and data (CIFAR-10 (JPEG copy) for templates)")
    p.add_argument("--seed", type=_seed, default=0, metavar="S", help="random seed (default 0)")
    p.set_defaults(func=run)
    return p


def list_topics() -> str:
    """The topic listing: name, lecture section, heading and rough fast-mode time."""
    from ..lecture import TOPICS
    width = max(len(t) for t in TOPICS)
    lines = ["CS231n lecture 4 as experiments (chainrule lecture TOPIC [--out DIR] [--full] [--seed S]):", ""]
    lines.append(f"  {'topic'.ljust(width)}  section  what it measures")
    for t in TOPICS.values():
        lines.append(f"  {t.name.ljust(width)}  {t.section.ljust(7)}  {t.heading} ({t.seconds})")
    return "\n".join(lines)


def run(args) -> int:
    """Run ``chainrule lecture`` with parsed ``args``; returns the exit status (errors raise ChainruleError)."""
    from ..lecture import get_topic, run_topic
    if args.topic is None:
        print(list_topics())
        return EXIT_OK
    topic = get_topic(args.topic)
    mode = "full" if args.full else "fast"
    print(f"chainrule lecture {topic.name}: lecture section {topic.section}, {mode} mode, seed {args.seed}",
          flush=True)
    result = run_topic(topic.name, args.out, fast=not args.full, seed=args.seed)
    print()
    print(result.summary())
    return EXIT_OK


def main(argv=None) -> int:
    """Stand-alone entry point: ``python -m chainrule.cli.lecture [TOPIC] ...``."""
    from .main import main as chainrule_main
    return chainrule_main(["lecture"] + list(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    sys.exit(main())
