"""Chapter 2's figures: the numbers they are drawn from, the files they write, in both layouts."""

import hashlib
import warnings

import numpy as np
import pytest
from PIL import Image

from zerodl.errors import ConvergenceError
from zerodl.figures.catalog import draw_group
from zerodl.figures.perceptron import GROUPS, TARGETS, equation, learning_history
from zerodl.perceptron import AND_GATE, NAND_GATE, TRUTH_TABLE_INPUTS, Perceptron
from zerodl.plotting import language

SEEDS = {"01_perceptron/perceptron.png", "01_perceptron/xor_gate.png",
         *(f"02_neural_network/graph_{gate}.png" for gate in ("and", "or", "nand", "xor"))}


def test_the_truth_tables_and_the_boundaries_in_the_titles():
    assert {name: t.tolist() for name, t in TARGETS.items()} == {
        "AND": [0, 0, 0, 1], "OR": [0, 1, 1, 1], "NAND": [1, 1, 1, 0], "XOR": [0, 1, 1, 0]}
    assert equation(AND_GATE) == "$0.5x_1 + 0.5x_2 - 0.7 = 0$"
    assert equation(NAND_GATE) == "$-0.5x_1 - 0.5x_2 + 0.7 = 0$"
    # a learned bias of 0.1 + 0.1 is 0.20000000000000004: the title says 0.2
    assert equation(Perceptron([0, 0.1], 0.1 + 0.1)) == "$0x_1 + 0.1x_2 + 0.2 = 0$"


def test_learning_history_follows_fit_on_and():
    epochs = learning_history(TRUTH_TABLE_INPUTS, TARGETS["AND"])
    assert [e.mistakes for e in epochs] == [1, 3, 3, 2, 1, 0]
    first, second = epochs[0].start, epochs[1].start
    assert first.weights.tolist() == [0, 0] and first.bias == 0
    # epoch 1 goes wrong only on (1, 1), whose target is 1: w and b each gain lr * 1 * x
    assert np.allclose(second.weights, [0.1, 0.1]) and second.bias == pytest.approx(0.1)
    learned = Perceptron.fit(TRUTH_TABLE_INPUTS, TARGETS["AND"])
    assert len(epochs) == learned.epochs_
    assert np.array_equal(epochs[-1].start.weights, learned.weights)
    assert epochs[-1].start.bias == learned.bias


def test_learning_history_of_xor_keeps_every_epoch_that_fit_ran():
    epochs = learning_history(TRUTH_TABLE_INPUTS, TARGETS["XOR"], max_epochs=7)
    assert [e.mistakes for e in epochs] == [2, 3, 4, 4, 4, 4, 4]
    with pytest.raises(ConvergenceError, match="7 epochs"):
        Perceptron.fit(TRUTH_TABLE_INPUTS, TARGETS["XOR"], max_epochs=7)


def test_the_seed_paths_of_the_issue_are_drawn():
    assert SEEDS <= {seed for g in GROUPS for seed in g.files.values()}


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_each_group_writes_its_files_the_same_way_twice(tmp_path, lang, caplog):
    digests = []
    for run in ("a", "b"):
        with language(lang), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            results = {g.name: draw_group(g, tmp_path / run, "seed") for g in GROUPS}
        # kana inside a $...$ label would be drawn by the math font, which has none
        assert not [w for w in caught if "glyph" in str(w.message).lower()]
        assert "glyph" not in caplog.text.lower()
        files = {seed: tmp_path / run / seed for g in GROUPS for seed in g.files.values()}
        for seed, path in files.items():
            width, height = Image.open(path).size
            assert 500 <= width <= 1400 and 350 <= height <= 800, seed
        digests.append({seed: hashlib.sha256(p.read_bytes()).hexdigest()
                        for seed, p in files.items()})
    assert digests[0] == digests[1]
    assert results["perceptron-learning"] == {"and_epochs": 6, "or_epochs": 4, "nand_epochs": 4,
                                              "xor_epochs": 20}
