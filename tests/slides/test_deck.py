"""Reading Marp decks and running their Python, on small decks written here."""

import platform
import textwrap

import pytest

from zerodl.cli import main
from zerodl.slides.check import check_deck
from zerodl.slides.deck import DeckError, parse, read_deck
from zerodl.slides.run import examples, output_matches, run_examples


def deck_text(body: str) -> str:
    return "---\nmarp: true\ntheme: gaia\n---\n\n" + textwrap.dedent(body)


def test_slides_split_at_breaks_but_not_in_code_or_comments():
    deck = parse(deck_text("""\
        # Title

        ---

        ### Code

        ```python
        x = 1
        ---
        ```

        <!--
        ---
        -->

        ***

        ### Last
        ![w:300 center a figure](figures/a.png)
        ![bg](https://example.org/b.png)
        """))
    assert [s.title for s in deck.slides] == ["Title", "Code", "Last"]
    assert [s.number for s in deck.slides] == [1, 2, 3]
    assert deck.front_matter == "marp: true\ntheme: gaia"
    assert deck.slides[1].blocks[0].code == "x = 1\n---\n"
    assert deck.slides[1].blocks[0].line == 12
    last = deck.slides[2].images
    assert [(i.alt, i.src, i.is_local) for i in last] == [
        ("w:300 center a figure", "figures/a.png", True), ("bg", "https://example.org/b.png", False)]
    assert last[0].keywords == ["w:300", "center", "a", "figure"]


def test_a_rule_right_under_text_is_a_heading_and_is_reported():
    deck = parse("# A\ntext\n---\nmore\n")
    assert len(deck.slides) == 1
    assert deck.warnings == ["line 3: '---' right under text underlines a heading instead of"
                             " starting a slide: leave an empty line before it"]


def test_chapters_run_from_one_level_2_slide_to_the_next():
    deck = parse("# T\n\n---\n\n## 1. A\n\n---\n\n### a1\n\n---\n\n## 2. B\n\n---\n\n### b1\n")
    assert [(first.title, [s.title for s in slides]) for first, slides in deck.chapters()] == [
        ("1. A", ["1. A", "a1"]), ("2. B", ["2. B", "b1"])]


def test_unclosed_front_matter_or_fence_is_an_error(tmp_path):
    with pytest.raises(DeckError, match="front-matter"):
        parse("---\nmarp: true\n")
    with pytest.raises(DeckError, match="never closed"):
        parse("# A\n\n```python\nx = 1\n")
    (tmp_path / "bad.md").write_bytes(b"\xff\xfe#")
    with pytest.raises(DeckError, match=r"bad\.md: cannot be read as UTF-8"):
        read_deck(tmp_path / "bad.md")


@pytest.mark.parametrize("actual, expected, ok", [
    ("1 2\n", "1 2", True),
    ("1 2  \n\n", "1 2\n", True),
    ("took 3.2 s\n", "took ... s", True),
    ("took 3.2 ms\n", "took ... s", False),
    ("a\nb\n", "a", False),
    ("0.9352\n", "0.9353", False),
])
def test_expected_output_matching(actual, expected, ok):
    assert output_matches(actual, expected) is ok


def test_examples_share_one_interpreter_and_outputs_are_compared(tmp_path):
    deck = parse(deck_text("""\
        ### one

        ```python
        import numpy as np
        x = np.arange(3)
        print(x.sum())
        ```

        ```text
        3
        ```

        ---

        ### two

        ```python
        print(x * 2)
        ```

        ```text
        [0 2 5]
        ```
        """))
    found = examples(deck.slides)
    assert [(e.slide, e.expected) for e in found] == [(1, "3\n"), (2, "[0 2 5]\n")]
    outcomes = run_examples(found, tmp_path)
    assert [o.ok for o in outcomes] == [True, True]
    assert outcomes[0].problem is None
    assert "printed\n    [0 2 4]\n  but the slide shows\n    [0 2 5]" in outcomes[1].problem


def test_a_failing_example_stops_its_chapter_and_names_its_slide(tmp_path):
    deck = parse(deck_text("""\
        ## 1. A

        ```python
        1 / 0
        ```

        ---

        ### a

        ```python
        print("never")
        ```

        ---

        ## 2. B

        ```python
        print("B runs in its own interpreter")
        import sys
        assert "x" not in globals()
        ```
        """))
    report = check_deck(deck)
    assert report.examples == 3
    assert report.problems == ["slide 1 (line 8): ZeroDivisionError: division by zero",
                               "slide 2: not run, an earlier example of its chapter failed"]


def test_check_reports_missing_images_and_copies_files_beside_the_examples(tmp_path, capsys):
    (tmp_path / "weights.txt").write_text("42")
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "here.png").write_bytes(b"")
    deck = tmp_path / "deck.md"
    deck.write_text(deck_text("""\
        ### files

        ![there](figures/here.png) ![gone](figures/gone.png)

        ```python
        print(open("weights.txt").read())
        ```

        ```text
        42
        ```
        """))
    data = tmp_path / "data"
    data.mkdir()
    (data / "weights.txt").write_text("42")
    assert main(["slides", "check", str(deck), "--with", str(data / "weights.txt")]) == 1
    out = capsys.readouterr().out
    assert "slide 1: image figures/gone.png does not exist" in out
    assert "1 Python examples run, 1 outputs compared: 1 problem(s)" in out
    (tmp_path / "figures" / "gone.png").write_bytes(b"")
    assert main(["slides", "check", str(deck), "--with", str(data / "weights.txt")]) == 0
    assert main(["slides", "check", str(deck)]) == 1  # without the file the example fails


def test_examples_run_on_one_set_of_blas_kernels_unless_the_user_chose(tmp_path, monkeypatch):
    # OpenBLAS's kernels for different CPUs round differently; the pin makes the digits a page
    # shows those of every x86-64 machine
    deck = parse(deck_text("""\
        ### kernels

        ```python
        import os
        print(os.environ.get("OPENBLAS_CORETYPE"))
        ```
        """))
    monkeypatch.delenv("OPENBLAS_CORETYPE", raising=False)
    expected = "Haswell" if platform.machine().lower() in ("x86_64", "amd64") else "None"
    assert run_examples(examples(deck.slides), tmp_path)[0].stdout == expected + "\n"
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Zen")
    assert run_examples(examples(deck.slides), tmp_path)[0].stdout == "Zen\n"
