"""Upgrading a deck written for the old Marp app (2016-2018) to today's Marp (Marpit, marp-cli).

The old app read its settings from HTML comments: global directives with a `$` (`$theme`,
`$size`, `$width`, `$height`) and page directives without one (`page_number`, `template`,
`footer`, `prerender`), which hold from their slide on, or for that slide alone with a `*`.
Today's Marp ignores all of these without a word, so an old deck loses its theme and size. Its
image keywords differ too: the old `70%` scaled an image to 70 % of its own size, and `center`
centred it; Marpit drops the first and knows nothing of the second. The upgrade keeps both as
words of the image's text that a style gives their old effect (66, not 70: see OLD_TO_NEW).

The upgrade writes what these meant in today's syntax and keeps every other line as it was:

| old | today |
| --- | --- |
| `$theme: gaia`, `$size: 4:3` | front-matter `theme: gaia`, `size: 4:3` |
| `$size: A4`, `$width`/`$height` | a `section { width; height }` style |
| `page_number: true` on the first slide | front-matter `paginate: true` |
| `page_number`, `template`, `footer` later on | `<!-- paginate/class/footer: ... -->` there |
| `*page_number: false` (this slide only) | `<!-- _paginate: false -->` |
| `prerender: true` | nothing (it only changed how the old app drew) |
| `![70% center caption](a.png)` | `![zoom-66 center caption](a.png)`, and a style for both |

A comment that opens inside another (`<!-- <!-- footer: x -->`), which makes marp-cli print the
directive on the slide, is read as the directive it was meant to be. Comments that hold more
than directives keep that text, as presenter notes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from zerodl.slides.deck import IMAGE, DeckError, classify

DIRECTIVE = re.compile(r"^\s*([$*]?)([A-Za-z_]\w*)\s*:\s*(.*?)\s*$")
GLOBAL = {"theme", "size", "width", "height"}
PAGE = {"page_number": "paginate", "template": "class", "footer": "footer"}
DROPPED = {"prerender"}
PRESETS = {"4:3", "16:9"}
# ISO 216 paper sizes in mm (portrait), which the old app offered as $size presets
PAPER = {f"A{i}": (841 / 2 ** (i / 2), 1189 / 2 ** (i / 2)) for i in range(9)} | {
    f"B{i}": (1000 / 2 ** (i / 2), 1414 / 2 ** (i / 2)) for i in range(9)}
# The old app drew 4:3 and 16:9 slides 768 px high, Marp draws them 720 px high: an image
# zoomed to 70 % keeps its share of the slide at 70 % x 720 / 768.
OLD_TO_NEW = 720 / 768


@dataclass
class Upgrade:
    text: str
    changes: list[str] = field(default_factory=list)


def _comment_body(lines: list[str]) -> str:
    """The text of an HTML comment without its markers, however many times it was opened."""
    text = "\n".join(lines).strip()
    text = re.sub(r"-->\s*$", "", text)
    while text.lstrip().startswith("<!--"):
        text = text.lstrip()[4:]
    return text


def _paper_size(value: str) -> tuple[str, str] | None:
    name, _, orientation = value.upper().partition("-")
    if name not in PAPER or orientation not in ("", "PORTRAIT"):
        return None
    short, long = PAPER[name]
    w, h = (short, long) if orientation else (long, short)
    return f"{w:.0f}mm", f"{h:.0f}mm"


def _length(value: str) -> str:
    return f"{value}px" if re.fullmatch(r"\d+(\.\d+)?", value) else value


def _yaml(value: str) -> str:
    """A scalar for the front-matter, quoted only where YAML would read something else."""
    special = (not value or value != value.strip() or value[0] in "!&*|>'\"%@`{[,#?-"
               or ": " in value or " #" in value or value.endswith(":"))
    return json.dumps(value, ensure_ascii=False) if special else value


def _images(line: str, zooms: set[int], uses_center: list[bool], scale: float) -> str:
    def rewrite(m: re.Match) -> str:
        words = []
        for word in m.group(1).split():
            if pct := re.fullmatch(r"(\d+(?:\.\d+)?)%", word):
                if "bg" in m.group(1).split():  # Marpit still sizes backgrounds by percent
                    words.append(word)
                    continue
                zoom = round(float(pct.group(1)) * scale)
                zooms.add(zoom)
                words.append(f"zoom-{zoom}")
            else:
                uses_center[0] |= word == "center"
                words.append(word)
        return m.group(0).replace(f"[{m.group(1)}]", f"[{' '.join(words)}]", 1)
    return IMAGE.sub(rewrite, line)


def upgrade(text: str) -> Upgrade:
    """The deck `text`, written in old-Marp syntax, in today's syntax."""
    lines = text.splitlines()
    if lines and lines[0].strip() == "---":
        raise DeckError("the deck already opens with a front-matter: it is not in the old syntax")
    globals_: dict[str, str] = {}
    front_local: dict[str, str] = {}
    changes: list[str] = []
    out: list[str] = []
    slide = 1
    comment: list[str] = []

    def directive_comment(prefix: str, name: str, value: str) -> str | None:
        new = PAGE[name]
        if new == "paginate":
            value = "true" if value.lower() == "true" else "false"
        if slide == 1 and prefix != "*":
            front_local[new] = value
            return None
        return f"<!-- {'_' if prefix == '*' else ''}{new}: {value} -->"

    def flush_comment() -> None:
        kept, made = [], []
        for raw in _comment_body(comment).splitlines():
            m = DIRECTIVE.match(raw)
            name = m.group(2) if m else ""
            if m and m.group(1) == "$" and name in GLOBAL:
                globals_[name] = m.group(3)
                changes.append(f"slide {slide}: ${name}: {m.group(3)} -> front-matter")
            elif m and m.group(1) != "$" and name in PAGE:
                made_line = directive_comment(m.group(1), name, m.group(3))
                where = "front-matter" if made_line is None else made_line
                changes.append(f"slide {slide}: {m.group(1)}{name}: {m.group(3)} -> {where}")
                if made_line:
                    made.append(made_line)
            elif m and name in DROPPED:
                changes.append(f"slide {slide}: {name} dropped (today's Marp has no such setting)")
            else:
                kept.append(raw)
        out.extend(made)
        if any(k.strip() for k in kept):
            out.append("<!--\n" + "\n".join(kept).strip("\n") + "\n-->" if len(kept) > 1
                       else f"<!-- {kept[0].strip()} -->")
        comment.clear()

    kinds = list(classify(lines))
    raw_images: list[tuple[int, str]] = []
    for i, kind in kinds:
        line = lines[i]
        if kind == "comment":
            comment.append(line)
            if "-->" in line:
                flush_comment()
            continue
        if kind == "text" and line.lstrip().startswith("<!--") and "-->" in line:
            comment.append(line)
            flush_comment()
            continue
        if kind == "break":
            slide += 1
        if kind == "text" and IMAGE.search(line):
            raw_images.append((len(out), line))
        out.append(line)

    size = globals_.get("size", "")
    scale = OLD_TO_NEW if size in PRESETS or not size else 1.0
    zooms: set[int] = set()
    center = [False]
    for index, line in raw_images:
        new = _images(line, zooms, center, scale)
        if new != line:
            changes.append(f"line {index + 1}: image keywords -> {new.strip()}")
            out[index] = new

    styles = []
    front = {"marp": "true"}
    if "theme" in globals_:
        front["theme"] = globals_["theme"]
    if size in PRESETS:
        front["size"] = size
    elif size:
        paper = _paper_size(size)
        if paper is None:
            raise DeckError(f"$size: {size} is not a size the old Marp app knew (4:3, 16:9, A0-A8,"
                            " B0-B8, optionally -portrait)")
        styles.append(f"section {{ width: {paper[0]}; height: {paper[1]}; }}")
    if "width" in globals_ or "height" in globals_:
        dims = "; ".join(f"{k}: {_length(globals_[k])}" for k in ("width", "height")
                         if k in globals_)
        styles.append(f"section {{ {dims}; }}")
    front.update(front_local)
    front["math"] = "katex"  # the old app typeset $...$ with KaTeX
    if center[0]:
        styles.append('img[alt~="center"] { display: block; margin: 0 auto; }')
    styles.extend(f'img[alt~="zoom-{z}"] {{ zoom: {z / 100:g}; }}' for z in sorted(zooms))
    header = ["---", *(f"{k}: {_yaml(v)}" for k, v in front.items())]
    if styles:
        header += ["style: |", *(f"  {s}" for s in styles)]
    header.append("---")
    # the old app needed no blank line after its directives; a deck that opened with them now
    # opens with the front-matter, so drop the blank lines they leave at the top
    while out and not out[0].strip():
        out.pop(0)
    return Upgrade("\n".join([*header, "", *out]) + "\n", changes)
