"""Rendering decks with marp-cli and Chromium, and the checks that run on what comes out."""

import shutil
import textwrap
from pathlib import Path

from PIL import Image

from zerodl.cli import main
from zerodl.slides.build import build
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
    assert f"{slides} slides" in out and "all good" in out, out
    assert status == 0
