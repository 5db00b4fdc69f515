"""`zerodl book run SCRIPT.py`: one of the book's own scripts, unmodified, on zerodl."""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path

from zerodl.book import CONVENTIONS, Settings, run_script
from zerodl.cli.common import Parser, add_data_options, in_file, out_dir
from zerodl.datasets import DATASETS, find_dataset
from zerodl.errors import ZerodlError

log = logging.getLogger("zerodl")

EXAMPLES = """examples:
  zerodl book run deep-learning-from-scratch/ch03/neuralnet_mnist.py
  zerodl book run ch07/train_convnet.py --dataset ../shared/data/mnist-10k --figures runs/ch07
  zerodl book run ch06/overfit_dropout.py --conventions zerodl
  zerodl book run my_script.py -- --an-option-of-the-script 3"""

DESCRIPTION = """Run a script of the book's repository as `python SCRIPT.py` run in its folder would,
with its imports of common.* and dataset.mnist answered by zerodl: its networks are built from
zerodl's layers, its trainings run in zerodl's Trainer, load_mnist reads --dataset, and
pickle.load reads only dicts of arrays, never running code from a file."""


def add_parser(sub, parents) -> None:
    p = sub.add_parser("book", parents=parents, help="run the book's own scripts on zerodl",
                       description="The book's own scripts, unmodified, on zerodl.")
    commands = p.add_subparsers(dest="book_command", metavar="COMMAND", parser_class=Parser,
                                required=True)
    r = commands.add_parser("run", parents=parents, help="run one of the book's scripts",
                            description=DESCRIPTION, epilog=EXAMPLES)
    r.add_argument("script", metavar="SCRIPT.py", type=in_file)
    r.add_argument("args", nargs="*", metavar="ARGS",
                   help="the script's own arguments (after -- if one starts with -)")
    r.add_argument("--dataset", default="mnist", help="what load_mnist returns: mnist,"
                   " fashion-mnist, an alias ($ZERODL_DATASET_ALIASES) or a folder of the four"
                   " IDX files")
    r.add_argument("--figures", type=out_dir, metavar="DIR", help="save every figure the"
                   " script shows in DIR as SCRIPT-N.png, instead of opening a window")
    r.add_argument("--conventions", choices=list(CONVENTIONS), default="book",
                   help="book: compute as the book's code does (float64, its Dropout and Batch"
                   " Normalization); zerodl: today's conventions (float32, inverted Dropout,"
                   " BatchNorm eps 1e-5), faster")
    add_data_options(r)
    r.set_defaults(func=run)


def run(args) -> int:
    settings = Settings(CONVENTIONS[args.conventions], args.dataset, args.data_dir,
                        download=not args.offline).absolute()
    if settings.dataset not in DATASETS:
        # an alias or a folder is checked before the script starts (a named dataset may still
        # have to be downloaded, and only a script that loads it needs it)
        find_dataset(settings.dataset, download=False)
    script = args.script.resolve()
    try:
        saved = run_script(script, args.args, settings, args.figures)
    except SystemExit as e:
        return exit_status(e.code)
    except ZerodlError:
        raise  # a problem with the data or a weight file: one line, as for every zerodl mistake
    except Exception as e:
        print_script_traceback(e, script)
        return 1
    if args.figures is not None:
        log.info("%d figure%s saved in %s", len(saved), "" if len(saved) == 1 else "s",
                 args.figures)
    return 0


def exit_status(code) -> int:
    """What Python exits with for sys.exit(code): 0 for None, the number, else 1 (the text
    printed)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def print_script_traceback(error: BaseException, script: Path) -> None:
    """The traceback Python prints for an error in `script`: from the script's own frame on."""
    tb = error.__traceback__
    while tb is not None and Path(tb.tb_frame.f_code.co_filename) != script:
        tb = tb.tb_next
    traceback.print_exception(type(error), error, tb or error.__traceback__)
