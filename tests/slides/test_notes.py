"""The study notes, docs/slides/notes.md: seven chapters in Japanese, every figure drawn by
`zerodl figures --layout seed`, every Python example run chapter by chapter."""

import re
from pathlib import Path

import pytest

from zerodl.figures.catalog import seed_paths
from zerodl.slides.check import check_deck
from zerodl.slides.deck import Deck, read_deck

SLIDES = Path(__file__).resolve().parents[2] / "docs" / "slides"
NOTES = SLIDES / "notes.md"
CHAPTERS = ["パーセプトロン", "ニューラルネットワーク", "ニューラルネットワークの学習", "誤差逆伝播法",
            "学習に関するテクニック", "畳み込みニューラルネットワーク", "ディープラーニング"]
SEED = ["01_perceptron/perceptron.png", "01_perceptron/xor_gate.png",
        *(f"02_neural_network/{name}.png" for name in (
            "activation_function", "graph_and", "graph_nand", "graph_or", "graph_xor",
            "neural_network", "neural_network2", "perceptron", "relu_function",
            "sigmoid_function", "step_function"))]
KANA = re.compile(r"[\u3040-\u30ff]")
PLACEHOLDERS = re.compile(r"^\s*[-*]?\s*あ\s*$|まとめを書く|TODO|TBD|FIXME|XXX|準備中|書きかけ", re.M)


@pytest.fixture(scope="module")
def deck() -> Deck:
    return read_deck(NOTES)


def test_modern_marp_front_matter(deck):
    front = dict(line.split(": ", 1) for line in deck.front_matter.splitlines()
                 if ": " in line and not line.startswith(" "))
    assert {k: front.get(k) for k in ("marp", "theme", "size", "paginate", "math")} == {
        "marp": "true", "theme": "gaia", "size": "4:3", "paginate": "true", "math": "katex"}
    assert "ゼロから作るDeep Learning" in front["footer"]


def test_seven_chapters_in_order_each_closed_by_a_summary(deck):
    titles = [s.title for s in deck.slides[:4]]
    assert any("前提" in t for t in titles) and any("目次" in t for t in titles)
    chapters = deck.chapters()
    assert [re.sub(r"^\d+\.\s*", "", first.title) for first, _ in chapters] == CHAPTERS
    for first, slides in chapters:
        last = slides[-1]
        assert last.level == 3 and last.title == "まとめ", f"{first.title} ends with {last.title}"
        points = re.findall(r"^\s*[-*] \S", last.text, flags=re.M)
        assert len(points) >= 3, f"the まとめ of {first.title} has {len(points)} points"
        assert len(slides) >= 8, f"{first.title} has only {len(slides)} slides"


def test_size_prose_and_no_placeholders(deck):
    assert len(deck.slides) >= 120
    assert not deck.warnings
    for slide in deck.slides:
        assert not PLACEHOLDERS.search(slide.text), f"slide {slide.number} holds a placeholder"
        assert all(b.code.strip() for b in slide.blocks), f"slide {slide.number}: empty code block"
        prose = re.sub(r"```.*?```|\$\$.*?\$\$|\$[^$]*\$|!\[[^\]]*\]\([^)]*\)|<!--.*?-->", "",
                       slide.text, flags=re.S)
        assert KANA.search(prose), f"slide {slide.number} ({slide.title}) has no Japanese prose"


def test_every_image_is_a_figure_that_zerodl_draws(deck):
    drawn = seed_paths()
    assert set(SEED) <= drawn
    shown = {img.src.removeprefix("figures/") for s in deck.slides for img in s.images}
    assert shown <= drawn, f"not drawn by zerodl figures: {sorted(shown - drawn)}"
    assert all(img.src.startswith("figures/") for s in deck.slides for img in s.images)
    missing = [p for p in shown if not (SLIDES / "figures" / p).is_file()]
    assert not missing, f"run zerodl figures --layout seed --out docs/slides/figures: {missing}"
    assert set(SEED) <= shown | {"01_perceptron/perceptron.png"}


@pytest.mark.parametrize("number", range(1, 8))
def test_the_python_of_each_chapter_runs_as_written(deck, number, mnist10k, data_dir, monkeypatch):
    first, slides = deck.chapters()[number - 1]
    chapter = Deck(deck.path, deck.front_matter, slides, [])
    # the full MNIST cannot be had here: the examples' load_mnist() reads the 10,000-digit subset
    monkeypatch.setenv("ZERODL_DATASET_ALIASES", f"mnist={mnist10k.resolve()}")
    monkeypatch.setenv("ZERODL_DATA_DIR", str(data_dir.resolve()))
    book = data_dir.resolve().parent / "book" / "sample_weight.pkl"
    report = check_deck(chapter, files=[book])
    assert not report.problems, f"{first.title}:\n" + "\n".join(report.problems)
