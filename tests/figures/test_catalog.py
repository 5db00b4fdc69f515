import hashlib

import pytest
from PIL import Image

from zerodl.cli import main
from zerodl.figures.catalog import GROUPS, seed_paths, select

NO_DATA = [g.name for g in GROUPS if not g.needs_data]


def digests(folder) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.png"))}


def test_figures_without_data_are_complete_sensible_and_deterministic(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        assert main(["-q", "figures", "--out", str(out), "--only", *NO_DATA]) == 0
    expected = {f for g in GROUPS if not g.needs_data for f in g.files}
    assert set(digests(a)) == expected
    for name in expected:
        width, height = Image.open(a / name).size
        assert 300 <= width <= 2000 and 100 <= height <= 2000, name
    assert digests(a) == digests(b)


def test_every_figure_with_data(data_dir, tmp_path, capsys, monkeypatch):
    # no --dataset: MNIST is not in the data folder, so its mnist-10k subset is used
    monkeypatch.setenv("ZERODL_DATA_DIR", str(data_dir))
    assert main(["-q", "figures", "--out", str(tmp_path), "--quick", "--offline"]) == 0
    assert set(digests(tmp_path)) == {f for g in GROUPS for f in g.files}
    out = capsys.readouterr().out
    assert "chapter 7 cnn" in out


def test_data_figures_are_deterministic(mnist10k, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        assert main(["-q", "figures", "--out", str(out), "--quick", "--dataset", str(mnist10k),
                     "--only", "mnist-digits", "two-layer-learning-curves"]) == 0
    assert len(digests(a)) == 2 and digests(a) == digests(b)


def test_missing_data_is_said_clearly(tmp_path, capsys):
    status = main(["-q", "figures", "--out", str(tmp_path), "--only", "mnist-digits", "perceptron",
                   "--dataset", str(tmp_path / "no-such-folder")])
    assert status == 1
    out = capsys.readouterr().out
    assert "mnist-digits: not drawn, it needs the dataset" in out
    assert (tmp_path / "perceptron.png").exists()


def test_select_by_file_name_and_unknown_names():
    assert [g.name for g in select(["xor-circuit.png"])] == ["perceptron"]
    with pytest.raises(ValueError, match="unknown figure"):
        select(["nope"])


def test_every_file_has_one_flat_name_and_one_seed_path():
    flat = [f for g in GROUPS for f in g.files]
    seed = [s for g in GROUPS for s in g.files.values()]
    assert len(flat) == len(set(flat)) and len(seed) == len(set(seed))
    assert seed_paths() == set(seed)
    folders = {"01_perceptron", "02_neural_network", "03_learning", "04_backpropagation",
               "05_techniques", "06_cnn", "07_deep_learning"}
    assert {s.split("/")[0] for s in seed} <= folders
    assert all(f.endswith(".png") and s.endswith(".png") for f, s in zip(flat, seed, strict=True))


def test_seed_layout_writes_chapter_folders_in_japanese(tmp_path):
    ja, en = tmp_path / "ja", tmp_path / "en"
    assert main(["-q", "figures", "--layout", "seed", "--out", str(ja), "--only", "perceptron"]) == 0
    assert main(["-q", "figures", "--layout", "seed", "--lang", "en", "--out", str(en),
                 "--only", "perceptron"]) == 0
    group = next(g for g in GROUPS if g.name == "perceptron")
    for seed in group.files.values():
        assert (ja / seed).is_file() and (en / seed).is_file()
    assert not [p for p in ja.rglob("*") if p.name.startswith(".figures-")]  # no scratch left
    # the labels differ between the languages, the drawing does not
    assert any((ja / s).read_bytes() != (en / s).read_bytes() for s in group.files.values())


def test_japanese_figures_have_every_glyph(tmp_path, recwarn):
    """A Japanese label set in a font without kana (math text, say) draws boxes and warns."""
    assert main(["-q", "figures", "--layout", "seed", "--out", str(tmp_path), "--only",
                 *NO_DATA]) == 0
    missing = [str(w.message) for w in recwarn if "missing from" in str(w.message)]
    assert not missing, missing[:3]
