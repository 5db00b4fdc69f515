"""Reading a Marp deck: its front-matter, its slides, and the headings, code and images of each.

Marp splits a deck into slides at thematic breaks (`---` on a line of its own), except inside
fenced code and HTML comments, and after the YAML front-matter that opens the deck. A `---`
right under a line of text is not a break in CommonMark but the underline of a heading; the
reader reports it, since the author almost always meant a new slide.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path

from zerodl.errors import ZerodlError

BREAK = re.compile(r"^ {0,3}(-{3,}|\*{3,}|_{3,})\s*$")
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*([\w+-]*)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
IMAGE = re.compile(r"!\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")


class DeckError(ZerodlError):
    """A slide deck that cannot be read, built or checked."""


@dataclass
class CodeBlock:
    lang: str
    code: str
    line: int  # of the opening fence, 1-based


@dataclass
class Image:
    alt: str
    src: str
    line: int

    @property
    def keywords(self) -> list[str]:
        return self.alt.split()

    @property
    def is_local(self) -> bool:
        return not re.match(r"^[a-z][a-z0-9+.-]*:", self.src, flags=re.I)


@dataclass
class Slide:
    number: int  # 1-based, as Marp's page numbers
    line: int  # of its first line
    text: str
    blocks: list[CodeBlock] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    headings: list[tuple[int, str]] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.headings[0][1] if self.headings else ""

    @property
    def level(self) -> int:
        """The level of the slide's first heading (0 when it has none)."""
        return self.headings[0][0] if self.headings else 0


@dataclass
class Deck:
    path: Path | None
    front_matter: str
    slides: list[Slide]
    warnings: list[str]

    def chapters(self) -> list[tuple[Slide, list[Slide]]]:
        """(chapter slide, its slides) for every slide whose first heading is `## `; the slides
        run up to the next chapter slide, the chapter slide included."""
        starts = [i for i, s in enumerate(self.slides) if s.level == 2]
        bounds = [*starts, len(self.slides)]
        return [(self.slides[a], self.slides[a:b]) for a, b in itertools.pairwise(bounds)]


def _front_matter(lines: list[str]) -> tuple[str, int]:
    """The YAML between a first line `---` and the next `---`, and the index after it."""
    if not lines or lines[0].strip() != "---":
        return "", 0
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            return "\n".join(lines[1:i]), i + 1
    raise DeckError("the front-matter that opens the deck with '---' is never closed")


def classify(lines: list[str], first: int = 0):
    """(index, kind) for each line from `first`: "code" (a fence or inside one), "comment"
    (inside a multi-line HTML comment, its first and last lines included), "break" (a slide
    break), "heading-underline" (a `---` under text) or "text"."""
    fence: str | None = None
    in_comment = False
    for i in range(first, len(lines)):
        line = lines[i]
        if fence is not None:
            if line.strip().startswith(fence) and not line.strip().strip(fence[0]):
                fence = None
            yield i, "code"
        elif in_comment:
            in_comment = "-->" not in line
            yield i, "comment"
        elif m := FENCE.match(line):
            fence = m.group(1)
            yield i, "code"
        elif line.lstrip().startswith("<!--") and "-->" not in line:
            in_comment = True
            yield i, "comment"
        elif BREAK.match(line):
            previous = lines[i - 1] if i > first else ""
            under_text = previous.strip() and not BREAK.match(previous)
            yield i, "heading-underline" if under_text and line.strip()[0] == "-" else "break"
        else:
            yield i, "text"
    if fence is not None:
        raise DeckError(f"a code fence ({fence}) is never closed")


def parse(text: str, path: Path | None = None) -> Deck:
    """Split a Marp deck into slides, as Marp does."""
    lines = text.splitlines()
    front, first = _front_matter(lines)
    slides: list[Slide] = []
    warnings: list[str] = []
    current: list[str] = []
    start = first + 1
    for i, kind in classify(lines, first):
        if kind == "break":
            slides.append(_slide(len(slides) + 1, start, current))
            current, start = [], i + 2
            continue
        if kind == "heading-underline":
            warnings.append(f"line {i + 1}: '---' right under text underlines a heading instead of"
                            " starting a slide: leave an empty line before it")
        current.append(lines[i])
    slides.append(_slide(len(slides) + 1, start, current))
    return Deck(path, front, slides, warnings)


def _slide(number: int, start: int, lines: list[str]) -> Slide:
    slide = Slide(number, start, "\n".join(lines))
    fence: str | None = None
    body: list[str] = []
    lang, opened = "", 0
    for offset, line in enumerate(lines):
        if fence is not None:
            if line.strip().startswith(fence) and not line.strip().strip(fence[0]):
                slide.blocks.append(CodeBlock(lang, "\n".join(body) + "\n" if body else "",
                                              opened))
                fence = None
            else:
                body.append(line)
            continue
        if m := FENCE.match(line):
            fence, lang, body, opened = m.group(1), m.group(2).lower(), [], start + offset
            continue
        if m := HEADING.match(line):
            slide.headings.append((len(m.group(1)), m.group(2)))
        slide.images.extend(Image(alt, src, start + offset) for alt, src in IMAGE.findall(line))
    return slide


def read_deck(path) -> Deck:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DeckError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise DeckError(f"{path}: cannot be read as UTF-8 text ({e})") from None
    try:
        return parse(text, path)
    except DeckError as e:
        raise DeckError(f"{path}: {e}") from None
