"""Rendering decks with marp-cli and Chromium, and the checks that run on what comes out."""

import re
import shutil
import subprocess
import textwrap
from pathlib import Path

from PIL import Image

from zerodl.cli import main
from zerodl.slides import build as build_module
from zerodl.slides.build import build, laid_out_page, overflow_problems
from zerodl.slides.deck import read_deck

NOTES = Path(__file__).resolve().parents[2] / "docs" / "slides" / "notes.md"
FRONT = "---\nmarp: true\ntheme: gaia\nsize: 4:3\n---\n\n"


def test_a_small_deck_builds_and_its_problems_are_found(renderer, tmp_path):
    (tmp_path / "figures").mkdir()
    Image.new("RGB", (320, 160), "navy").save(tmp_path / "figures" / "a.png")
    deck = tmp_path / "deck.md"
    deck.write_text(FRONT + textwrap.dedent("""\
        ### 図

        ![w:400 center](figures/a.png)

        ---

        ### 長すぎる

        """) + "\n".join(f"- 項目 {i}" for i in range(25)) + textwrap.dedent("""

        ---

        ### 消えた図

        ![w:400](figures/gone.png)
        """))
    report = build(read_deck(deck), tmp_path / "out")
    assert report.pages == 3 and report.images == 2 and report.overflow_checked
    assert (tmp_path / "out" / "deck.html").is_file() and (tmp_path / "out" / "deck.pdf").is_file()
    assert report.problems[0] == "slide 3: image figures/gone.png does not exist"
    assert report.problems[1].startswith("slide 2: its content runs")
    assert report.problems[2] == "slide 3: its image figures/gone.png did not load"  # in the HTML
    assert len(report.problems) == 3


def test_the_notes_render_to_one_pdf_page_per_slide_with_every_figure(renderer, tmp_path,
                                                                      capsys):
    """The deck as committed, with its figures drawn anew by zerodl into a copy of it."""
    copy = tmp_path / "slides"
    copy.mkdir()
    shutil.copy(NOTES, copy / "notes.md")
    assert main(["-q", "figures", "--layout", "seed", "--quick", "--out", str(copy / "figures")]) == 0
    capsys.readouterr()
    status = main(["-q", "slides", "build", str(copy / "notes.md"), "--out", str(tmp_path / "out")])
    out = capsys.readouterr().out
    slides = len(read_deck(NOTES).slides)
    assert f"{slides} slides" in out and "all good" in out, out + layout_of_first_clipped(
        tmp_path / "out" / "notes.html", out)
    assert status == 0


# What a failure on another machine needs to be understood: the browser, and the fonts and
# heights of what fills the first slide that overflowed.
LAYOUT_SCRIPT = """(number) => {
  const s = document.querySelectorAll('svg[data-marpit-svg] > foreignObject > section')[number - 1];
  const rows = [...s.children].map(c => {
    const style = getComputedStyle(c.querySelector('code') || c);
    return `${c.tagName.toLowerCase()} ${Math.round(c.getBoundingClientRect().height)} px,` +
      ` ${style.fontSize} ${style.fontFamily}`;
  });
  return [navigator.userAgent, document.documentElement.lang, ...rows].join('\\n');
}"""


def layout_of_first_clipped(html: Path, out: str) -> str:
    clipped = re.search(r"slide (\d+): its content runs", out)
    if clipped is None or not html.is_file():
        return ""
    from playwright import sync_api

    with laid_out_page(html, sync_api) as page:
        layout = page.evaluate(LAYOUT_SCRIPT, int(clipped.group(1))) if page else "(not laid out)"
    fonts = subprocess.run(["fc-match", "-s", "monospace"], capture_output=True, text=True)
    return (f"\nslide {clipped.group(1)} in {layout}\nmonospace: "
            + " | ".join(fonts.stdout.splitlines()[:3]))


def test_a_page_whose_code_blocks_are_never_sized_is_not_measured(renderer, tmp_path,
                                                                   monkeypatch):
    # Marp's script gives each code block its size after the page has loaded; measured before
    # that, every block would count 150 px high, and the check would blame the slides
    monkeypatch.setattr(build_module, "SETTLE_TIMEOUT_S", 1)
    page = tmp_path / "deck.html"
    page.write_text("<!DOCTYPE html><svg data-marpit-svg><foreignObject><section>"
                    "<pre data-auto-scaling='downscale-only'>x = 1</pre></section></foreignObject>"
                    "</svg>")
    assert overflow_problems(page) == [
        "deck.html: its code blocks were not laid out in 3 loads of 1 s, so its slides could not"
        " be measured"]
