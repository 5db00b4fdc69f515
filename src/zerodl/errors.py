"""Errors that zerodl raises for a user's mistake; the CLI turns them into one-line messages."""


class ZerodlError(Exception):
    """Base class: a problem with the user's input, data or files, not a bug in zerodl."""


class DataError(ZerodlError):
    """A dataset file is missing, corrupt, fails its checksum, or cannot be fetched."""


class ModelFileError(ZerodlError):
    """A model or checkpoint file is missing a tensor, has a wrong shape, or is not a zerodl file."""


class ConvergenceError(ZerodlError):
    """A learning rule did not converge (e.g. the perceptron rule on data that no line separates)."""


class DivergenceError(ZerodlError):
    """Training produced a non-finite loss."""


class ResourceError(ZerodlError):
    """A request that needs more memory than the machine has left (a network too large, say)."""
