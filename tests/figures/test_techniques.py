import hashlib

import pytest

from zerodl.figures.catalog import draw_group
from zerodl.figures.techniques import GROUPS
from zerodl.plotting import language

BY_NAME = {g.name: g for g in GROUPS}


def digests(folder) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*.png"))}


def draw(name, out, lang="en", layout="flat", **context):
    with language(lang):
        return draw_group(BY_NAME[name], out, layout, **{
            "quick": True, "seed": 0, "dataset": "mnist", "data_dir": None, "download": False,
            **context})


def test_groups_name_each_file_once_in_the_chapter_folder():
    assert list(BY_NAME) == ["optimizers-2d", "optimizers-mnist", "weight-init",
                             "batchnorm-layers", "batchnorm", "overfit", "hyperparameter-search"]
    flat = [f for g in GROUPS for f in g.files]
    seeds = [s for g in GROUPS for s in g.files.values()]
    assert len(set(flat)) == len(flat) and len(set(seeds)) == len(seeds)
    assert all(s.startswith("05_techniques/") and s.endswith(".png") for s in seeds)
    assert all(g.chapter == 6 for g in GROUPS)
    assert [g.name for g in GROUPS if not g.needs_data] == ["optimizers-2d", "batchnorm-layers"]


def test_2d_paths_drawn_in_both_layouts_and_languages_deterministically(tmp_path):
    results = draw("optimizers-2d", tmp_path / "en")
    assert set(digests(tmp_path / "en")) == set(BY_NAME["optimizers-2d"].files)
    assert results["SGD"]["path_length"] > 30
    draw("optimizers-2d", tmp_path / "ja", "ja", "seed")
    draw("optimizers-2d", tmp_path / "ja2", "ja", "seed")
    ja = digests(tmp_path / "ja")
    assert set(ja) == set(BY_NAME["optimizers-2d"].files.values())
    assert ja == digests(tmp_path / "ja2")
    english = digests(tmp_path / "en")
    assert english["optimizers-2d.png"] != ja["05_techniques/optimizers_2d.png"]


def test_batchnorm_layers_diagram(tmp_path):
    assert draw("batchnorm-layers", tmp_path) is None
    assert set(digests(tmp_path)) == {"batchnorm-layers.png"}


@pytest.mark.parametrize("name", ["overfit", "batchnorm"])
def test_data_groups_write_their_seed_files(name, mnist10k, tmp_path):
    draw(name, tmp_path, "ja", "seed", dataset=str(mnist10k))
    assert set(digests(tmp_path)) == set(BY_NAME[name].files.values())


def test_search_figure_starts_a_fresh_study_each_time(mnist10k, tmp_path):
    for out in (tmp_path / "a", tmp_path / "b"):
        results = draw("hyperparameter-search", out, dataset=str(mnist10k))
        assert results["finished trials"] == 3
    # nothing but the figure is left beside it, and a second drawing repeats the first
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["hyperparameter-search.png"]
    assert digests(tmp_path / "a") == digests(tmp_path / "b")
