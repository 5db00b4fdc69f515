"""The modules served to the book's scripts as `common.*`: zerodl's pieces under the book's names.

Each module's __all__ is what `from common.X import *` gives a script. Like the book's modules,
they export numpy as np: ch06/optimizer_compare_mnist.py uses np without importing it.
"""

__all__: list[str] = []
