"""Every figure of the notes, by chapter: what `zerodl figures` draws.

Each chapter's module lists its groups of figures (`GROUPS`); a group is drawn by one function
and writes one or more PNG files. Two layouts: "flat" puts every file in one folder under its
English name (docs/figures); "seed" puts each in the slide deck's chapter folders under the
deck's name for it (docs/slides/figures/01_perceptron/perceptron.png, ...).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from zerodl.figures import (
    backprop,
    cnn,
    deep,
    learning,
    networks,
    perceptron,
    techniques,
)
from zerodl.figures.group import Group

GROUPS: tuple[Group, ...] = (*perceptron.GROUPS, *networks.GROUPS, *learning.GROUPS,
                             *backprop.GROUPS, *techniques.GROUPS, *cnn.GROUPS, *deep.GROUPS)
LAYOUTS = ("flat", "seed")


def select(only) -> list[Group]:
    """The groups named in `only` (group names or file names, with or without .png)."""
    if not only:
        return list(GROUPS)
    wanted = {name.removesuffix(".png") for name in only}
    known = {g.name for g in GROUPS} | {f.removesuffix(".png") for g in GROUPS for f in g.files}
    unknown = sorted(wanted - known)
    if unknown:
        raise ValueError(f"unknown figure(s) {', '.join(unknown)}: use one of "
                         + ", ".join(g.name for g in GROUPS))
    return [g for g in GROUPS
            if g.name in wanted or any(f.removesuffix(".png") in wanted for f in g.files)]


def seed_paths() -> set[str]:
    """Every path that `zerodl figures --layout seed` writes, relative to its --out folder."""
    return {seed for g in GROUPS for seed in g.files.values()}


def draw_group(group: Group, out, layout: str = "flat", **context) -> object:
    """Draw one group into `out` in the given layout; returns what its draw function returns.

    In the seed layout the group draws into a scratch folder inside `out`, and each file is then
    renamed into its chapter folder, so that a figure is either complete or absent.
    """
    out = Path(out)
    if layout not in LAYOUTS:
        raise ValueError(f"unknown figure layout '{layout}': use one of {', '.join(LAYOUTS)}")
    out.mkdir(parents=True, exist_ok=True)
    if layout == "flat":
        return group.draw(out, **context)
    scratch = Path(tempfile.mkdtemp(prefix=".figures-", dir=out))
    try:
        results = group.draw(scratch, **context)
        for name, seed in group.files.items():
            target = out / seed
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(scratch / name, target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return results
