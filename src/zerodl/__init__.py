"""zerodl: the book *Deep Learning from Scratch* as real, readable software."""

__version__ = "0.1.0"
