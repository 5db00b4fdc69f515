"""The notes in docs/: every page exists, every figure they show exists, their quick commands run."""

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from zerodl.figures.catalog import GROUPS
from zerodl.slides.check import check_deck
from zerodl.slides.deck import read_deck

DOCS = Path(__file__).resolve().parent.parent / "docs"
DECK = DOCS / "slides" / "notes.md"
PAGES = ["02-perceptrons.md", "03-neural-networks.md", "04-learning.md", "05-backpropagation.md",
         "06-training-techniques.md", "07-cnns.md", "08-deep-learning.md"]
# the pages beyond the chapters whose Python runs as written too
BEYOND = ["scaling.md"]
# commands that finish in seconds; training, experiments, searches and benchmarks are quoted with
# the numbers they printed but are not rerun by the tests
QUICK = {"gates", "gradcheck", "data", "import-book", "eval"}


def commands(page: Path) -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", page.read_text(), flags=re.S)
    return [line.strip() for block in blocks for line in block.splitlines()
            if line.strip().startswith("zerodl ")]


def test_every_page_exists_and_is_linked_from_the_index():
    index = (DOCS / "index.md").read_text()
    for page in [*PAGES, *BEYOND, "book-scripts.md", "serve.md"]:
        assert (DOCS / page).stat().st_size > 1000, page
        assert f"({page})" in index


def test_every_linked_figure_exists_and_every_figure_is_shown():
    shown = set()
    for page in ["index.md", *PAGES]:
        for target in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", (DOCS / page).read_text()):
            assert (DOCS / target).is_file(), f"{page} links {target}, which does not exist"
            shown.add(Path(target).name)
    in_deck = {img.src.removeprefix("figures/") for s in read_deck(DECK).slides for img in s.images}
    shown |= {flat for g in GROUPS for flat, seed in g.files.items() if seed in in_deck}
    catalog = {f for g in GROUPS for f in g.files}
    assert catalog <= shown, f"figures shown neither in the notes nor in the deck: {sorted(catalog - shown)}"


def test_readme_links_the_notes_and_shows_figures():
    readme = (DOCS.parent / "README.md").read_text()
    assert "docs/index.md" in readme
    assert len(re.findall(r"!\[[^\]]*\]\(docs/figures/[^)]+\.png\)", readme)) >= 2


@pytest.mark.parametrize("page", PAGES)
def test_quick_commands_in_the_notes_run(page, data_dir, tmp_path):
    shared = data_dir.parent.resolve()
    for command in commands(DOCS / page):
        args = shlex.split(command.replace("../shared", str(shared)))
        if args[1] not in QUICK:
            continue
        result = subprocess.run([sys.executable, "-m", "zerodl", *args[1:]], cwd=tmp_path,
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, f"{command}\n{result.stderr}"


@pytest.mark.parametrize("page", PAGES + BEYOND)
def test_the_python_of_each_page_runs_as_written(page, mnist10k, data_dir, monkeypatch):
    """Each page's ```python blocks in one interpreter, their shown outputs compared."""
    # the examples run in a scratch folder: the paths must not depend on where pytest runs
    monkeypatch.setenv("ZERODL_DATASET_ALIASES", f"mnist={mnist10k.resolve()}")
    monkeypatch.setenv("ZERODL_DATA_DIR", str(data_dir.resolve()))
    notes = read_deck(DOCS / page)
    report = check_deck(notes, files=[data_dir.resolve().parent / "book" / "sample_weight.pkl"])
    least = 3 if page in PAGES else 1
    assert report.examples >= least, f"{page} shows only {report.examples} Python examples"
    assert not report.problems, f"{page}:\n" + "\n".join(report.problems)
