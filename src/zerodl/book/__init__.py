"""The book's own scripts, run unmodified on zerodl (`zerodl book run SCRIPT.py`).

The scripts of the book's repository start with `sys.path.append(os.pardir)` and import
`common.layers`, `common.trainer`, `dataset.mnist` and the rest from the folders beside them.
While a script runs here, an import hook placed before sys.path answers those imports with
modules of this package, so the script's own networks are built from zerodl's layers, its
trainings run in zerodl's Trainer and `load_mnist` reads data that zerodl found and verified.

Where the book's code differs from today's practice (Dropout that scales at inference,
Batch Normalization's eps, float64 throughout), the served modules follow the book unless told
otherwise (zerodl.book.settings), so that a script prints the numbers the book's code prints.
"""

from zerodl.book.runner import SERVED, run_script
from zerodl.book.settings import CONVENTIONS, Conventions, Settings

__all__ = ["CONVENTIONS", "SERVED", "Conventions", "Settings", "run_script"]
