"""`zerodl slides upgrade|check|build`: Marp slide decks, such as the study notes."""

from __future__ import annotations

import argparse
from pathlib import Path

from zerodl.atomic import atomic_write_bytes
from zerodl.cli import figures
from zerodl.cli.common import UsageError, add_data_options, in_file, out_dir, out_file
from zerodl.slides.build import build
from zerodl.slides.check import check_deck
from zerodl.slides.deck import read_deck
from zerodl.slides.upgrade import upgrade

EXAMPLES = """examples:
  zerodl slides upgrade old.md -o notes.md
  zerodl slides check docs/slides/notes.md --with sample_weight.pkl
  zerodl slides build docs/slides/notes.md --draw-figures"""


def add_parser(sub, parents) -> None:
    p = sub.add_parser("slides", parents=parents, help="Marp slide decks: upgrade, check, build",
                       epilog=EXAMPLES)
    p.add_argument("action", choices=["upgrade", "check", "build"],
                   help="upgrade: old Marp syntax to today's; check: images and Python examples;"
                   " build: HTML and PDF with marp-cli, then check them")
    p.add_argument("deck", metavar="DECK.md", type=in_file)
    p.add_argument("-o", "--output", type=out_file, help="upgrade: the new deck to write")
    p.add_argument("--force", action="store_true", help="upgrade: replace an existing -o file")
    p.add_argument("--no-run", action="store_true", help="check: do not run the examples")
    p.add_argument("--with", dest="with_files", action="append", metavar="FILE", type=in_file,
                   help="check: a file the examples read, copied beside them (repeatable)")
    p.add_argument("--out", type=out_dir, help="build: folder for the HTML and PDF (default: the"
                   " deck's)")
    p.add_argument("--draw-figures", action="store_true",
                   help="build: first draw the deck's figures (zerodl figures --layout seed)"
                   " into its figures/ folder")
    p.add_argument("--dataset", help="build --draw-figures: digits for the data figures")
    add_data_options(p)
    p.set_defaults(func=run)


def run(args) -> int:
    if args.action == "upgrade":
        return _upgrade(args)
    deck = read_deck(args.deck)
    if args.action == "check":
        report = check_deck(deck, run=not args.no_run, files=args.with_files or ())
        for problem in report.problems:
            print(problem)
        print(f"{args.deck}: {report.slides} slides, {report.examples} Python examples run,"
              f" {report.outputs} outputs compared: "
              + (f"{len(report.problems)} problem(s)" if report.problems else "all good"))
        return 1 if report.problems else 0
    if args.draw_figures:
        drawing = argparse.Namespace(out=Path(args.deck).parent / "figures", layout="seed",
                                     lang="ja", only=None, quick=False, seed=0,
                                     dataset=args.dataset, data_dir=args.data_dir,
                                     offline=args.offline)
        if figures.run(drawing) != 0:
            return 1
    report = build(deck, args.out if args.out is not None else Path(args.deck).parent)
    for problem in report.problems:
        print(problem)
    print(f"{', '.join(str(p) for p in report.outputs.values())}: {report.pages} slides,"
          f" {report.images} images checked"
          + ("" if report.overflow_checked else " (overflow not checked: pip install playwright)")
          + (f"; {len(report.problems)} problem(s)" if report.problems else "; all good"))
    return 1 if report.problems else 0


def _upgrade(args) -> int:
    if args.output is None:
        raise UsageError("zerodl slides upgrade OLD.md -o NEW.md: name the new deck with -o")
    source, target = Path(args.deck), Path(args.output)
    if target.exists() and target.resolve() == source.resolve():
        raise UsageError(f"-o {target} is the deck being upgraded: write the new one beside it")
    if target.exists() and not args.force:
        raise UsageError(f"{target} exists: choose another -o, or add --force to replace it")
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"{source}: cannot be read as UTF-8 text ({e})") from None
    result = upgrade(text)
    atomic_write_bytes(target, result.text.encode("utf-8"))
    if not args.quiet:
        for change in result.changes:
            print(f"  {change}")
    print(f"wrote {target}: {len(result.changes)} change(s) to today's Marp syntax")
    return 0
