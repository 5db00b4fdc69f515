"""The `zerodl` command line: one module per subcommand, each with its parser and its run.

Library code raises; only this package prints and exits. Every argument is checked when it is
parsed (zerodl.cli.common), and every error that reaches main() ends the command with exit
status 2 and one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from zerodl import __version__
from zerodl.cli import (
    bench,
    book,
    data,
    evaluate,
    experiment,
    export,
    figures,
    gates,
    gradcheck,
    import_book,
    predict,
    search,
    serve,
    slides,
    train,
)
from zerodl.cli.common import Parser, UsageError
from zerodl.errors import ZerodlError
from zerodl.trainer import TrainingInterrupted

COMMANDS = (gates, data, train, evaluate, predict, experiment, figures, slides, search, import_book,
            export, bench, gradcheck, book, serve)

__all__ = ["UsageError", "main", "make_parser"]


def make_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="zerodl", description="Deep Learning from Scratch, as real software.")
    parser.add_argument("--version", action="version", version=f"zerodl {__version__}")
    parser.add_argument("-q", "--quiet", action="store_true", help="less output")
    # -q also after the command; SUPPRESS keeps a subcommand from resetting a -q given before it
    quiet = argparse.ArgumentParser(add_help=False)
    quiet.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                       help="less output")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for command in COMMANDS:
        command.add_parser(sub, [quiet])
    return parser


def _configure_logging(quiet: bool) -> None:
    log = logging.getLogger("zerodl")
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("zerodl: %(message)s"))
        log.addHandler(handler)
        log.propagate = False
    log.setLevel(logging.WARNING if quiet else logging.INFO)
    # matplotlib announces that it is building its font cache on a first run: not our news
    logging.getLogger("matplotlib").setLevel(logging.ERROR)


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    _configure_logging(args.quiet)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except TrainingInterrupted as e:
        print(f"zerodl: {e}", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader of our output went away (e.g. `zerodl data | head`): not an error of ours
        sys.stdout = open(os.devnull, "w")
        return 0
    except (ZerodlError, ValueError, OSError) as e:
        # one line: the first of a message that goes on with details
        message = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        print(f"zerodl: {message}" if isinstance(e, ZerodlError) else f"zerodl: error: {message}",
              file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("zerodl: interrupted", file=sys.stderr)
        return 130
