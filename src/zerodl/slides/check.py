"""Checking a deck without rendering it: its slide breaks, its images, and its Python."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field

from zerodl.slides.deck import Deck
from zerodl.slides.run import examples, run_examples


@dataclass
class CheckReport:
    slides: int
    examples: int = 0
    outputs: int = 0
    problems: list[str] = field(default_factory=list)


def check_deck(deck: Deck, run: bool = True, files=(), timeout: float = 600) -> CheckReport:
    """Problems of `deck`: suspicious breaks, missing local images and, with `run`, examples that
    fail or print something else than their slide shows. Each chapter's examples run in one
    interpreter of their own, in a scratch folder that holds a copy of each of `files` (the
    files a reader keeps beside their code, such as the book's sample_weight.pkl)."""
    report = CheckReport(len(deck.slides), problems=list(deck.warnings))
    base = deck.path.parent if deck.path else None
    for slide in deck.slides:
        for image in slide.images:
            if image.is_local and base is not None and not (base / image.src).is_file():
                report.problems.append(f"slide {slide.number}: image {image.src} does not exist")
    if not run:
        return report
    chapters = [slides for _, slides in deck.chapters()] or [deck.slides]
    before = deck.slides[: chapters[0][0].number - 1] if deck.chapters() else []
    for slides in ([before] if before else []) + chapters:
        found = examples(slides)
        with tempfile.TemporaryDirectory(prefix="zerodl-slides-") as scratch:
            for file in files:
                shutil.copy(file, scratch)
            outcomes = run_examples(found, scratch, timeout=timeout)
        report.examples += len(found)
        report.outputs += sum(e.expected is not None for e in found)
        report.problems.extend(o.problem for o in outcomes if o.problem)
        if len(outcomes) < len(found):
            report.problems.append(f"slide {found[len(outcomes)].slide}: not run, an earlier"
                                   " example of its chapter failed")
    return report
