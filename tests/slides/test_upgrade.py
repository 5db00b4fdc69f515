"""`zerodl slides upgrade`: a deck in the old Marp app's syntax renders with gaia at 4:3 today."""

import re
import subprocess
import sys
import textwrap

import pytest
from PIL import Image

from zerodl.slides.deck import DeckError, parse
from zerodl.slides.upgrade import upgrade

OLD = textwrap.dedent("""\
    <!-- $theme: gaia -->
    <!-- $size: 4:3 -->
    <!-- page_number: true -->
    <!-- prerender: true -->
    <!-- <!-- footer: ゼロから作るDeep Learning 勉強ノート -->

    # ゼロから作る Deep Learning

    ---

    ## パーセプトロン

    ![70% center 図1：パーセプトロン](fig.png)

    <!--
    *page_number: false
    ここは発表者メモ
    -->

    ---

    <!-- *template: invert -->
    ### まとめ

    $y = w_1 x_1 + b$

    ```html
    <!-- $theme: default -->
    ```
    """)


def test_directives_move_to_the_front_matter_and_local_comments():
    result = upgrade(OLD)
    deck = parse(result.text)
    assert deck.front_matter.splitlines()[:7] == [
        "marp: true", "theme: gaia", "size: 4:3", "paginate: true",
        "footer: ゼロから作るDeep Learning 勉強ノート", "math: katex", "style: |"]
    assert len(deck.slides) == 3
    assert "<!-- _paginate: false -->" in deck.slides[1].text
    assert "<!--\nここは発表者メモ\n-->" in deck.slides[1].text  # a note stays a note
    assert deck.slides[2].text.strip().startswith("<!-- _class: invert -->\n### まとめ")
    assert "<!-- $theme: default -->" in deck.slides[2].blocks[0].code  # code is left alone
    assert "prerender" not in result.text and "$size" not in result.text
    assert any("prerender dropped" in c for c in result.changes)
    # the rest of the text is as it was
    assert "# ゼロから作る Deep Learning" in result.text and "$y = w_1 x_1 + b$" in result.text


def test_image_zoom_and_centre_keep_their_old_effect():
    text = upgrade(OLD).text
    assert "![zoom-66 center 図1：パーセプトロン](fig.png)" in text  # 70 % x 720/768 px slides
    assert 'img[alt~="zoom-66"] { zoom: 0.66; }' in text
    assert 'img[alt~="center"] { display: block; margin: 0 auto; }' in text
    background = upgrade("![bg 50%](a.png)\n").text
    assert "![bg 50%](a.png)" in background  # Marpit sizes backgrounds by percent itself


@pytest.mark.parametrize("directive, front", [
    ("<!-- $size: A4 -->", "section { width: 297mm; height: 210mm; }"),
    ("<!-- $size: a4-portrait -->", "section { width: 210mm; height: 297mm; }"),
    ("<!--\n$width: 1200\n$height: 9in\n-->", "section { width: 1200px; height: 9in; }"),
])
def test_other_sizes_become_a_section_style(directive, front):
    assert front in upgrade(directive + "\n\n# A\n").text


def test_page_directives_after_the_first_slide_stay_where_they_are():
    text = upgrade("# A\n\n---\n\n<!-- page_number: true -->\n<!-- footer: 2 章から -->\n# B\n").text
    deck = parse(text)
    assert "paginate" not in deck.front_matter
    assert deck.slides[1].text.strip().splitlines()[:2] == ["<!-- paginate: true -->",
                                                    "<!-- footer: 2 章から -->"]


def test_a_deck_already_upgraded_is_refused_and_odd_sizes_are_named():
    with pytest.raises(DeckError, match="already opens with a front-matter"):
        upgrade(upgrade(OLD).text)
    with pytest.raises(DeckError, match="C5 is not a size"):
        upgrade("<!-- $size: C5 -->\n# A\n")


def test_cli_writes_the_new_deck_and_never_over_the_old(tmp_path):
    old, new = tmp_path / "old.md", tmp_path / "new.md"
    old.write_text(OLD)
    run = [sys.executable, "-m", "zerodl", "slides", "upgrade", str(old)]
    result = subprocess.run([*run, "-o", str(new)], capture_output=True, text=True)
    assert result.returncode == 0 and "8 change(s)" in result.stdout
    assert new.read_text() == upgrade(OLD).text and old.read_text() == OLD
    for target, message in ((old, "is the deck being upgraded"), (new, "exists")):
        result = subprocess.run([*run, "-o", str(target)], capture_output=True, text=True)
        assert result.returncode == 2 and message in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert subprocess.run([*run, "-o", str(new), "--force"]).returncode == 0


def test_the_upgraded_deck_renders_with_gaia_at_4_3(renderer, tmp_path):
    from zerodl.slides.build import render

    Image.new("RGB", (200, 100), "red").save(tmp_path / "fig.png")
    for name, text in (("old", OLD), ("new", upgrade(OLD).text)):
        (tmp_path / f"{name}.md").write_text(text)
        html = render(tmp_path / f"{name}.md", tmp_path / "out", formats=("html",))["html"]
        page = html.read_text()
        sizes = set(re.findall(r'<svg data-marpit-svg="" viewBox="0 0 (\d+) (\d+)"', page))
        themes = set(re.findall(r'data-theme="([^"]*)"', page))
        if name == "old":  # what today's marp-cli makes of the old syntax: its defaults
            assert sizes == {("1280", "720")} and themes != {"gaia"}
        else:
            assert sizes == {("960", "720")} and themes == {"gaia"}
            assert page.count("<footer>ゼロから作るDeep Learning 勉強ノート</footer>") == 3
            assert page.count('data-paginate="true"') == 2  # slide 2 hides its number
            assert 'alt="zoom-66 center 図1：パーセプトロン"' in page
