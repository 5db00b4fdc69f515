"""The module served to the book's scripts as `dataset.mnist`."""

__all__: list[str] = []
