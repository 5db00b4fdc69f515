import numpy as np
import pytest

from zerodl.errors import ConvergenceError
from zerodl.perceptron import AND, NAND, OR, TRUTH_TABLE_INPUTS, XOR, Perceptron

TABLES = {
    AND: [0, 0, 0, 1],
    OR: [0, 1, 1, 1],
    NAND: [1, 1, 1, 0],
    XOR: [0, 1, 1, 0],
}


@pytest.mark.parametrize("gate", list(TABLES), ids=lambda g: g.__name__)
def test_gate_truth_tables(gate):
    assert [gate(x1, x2) for x1, x2 in TRUTH_TABLE_INPUTS] == TABLES[gate]


def test_weighted_sum_uses_the_books_weights():
    p = Perceptron([0.5, 0.5], -0.7)
    assert p.weighted_sum([1, 1]) == pytest.approx(0.3)
    assert p.weighted_sum([0, 0]) == pytest.approx(-0.7)
    np.testing.assert_allclose(p.weighted_sum(TRUTH_TABLE_INPUTS), [-0.7, -0.2, -0.2, 0.3])


@pytest.mark.parametrize("gate", [AND, OR, NAND], ids=lambda g: g.__name__)
def test_perceptron_rule_learns_linearly_separable_gates(gate):
    t = np.array(TABLES[gate])
    p = Perceptron.fit(TRUTH_TABLE_INPUTS, t)
    np.testing.assert_array_equal(p.predict(TRUTH_TABLE_INPUTS), t)


def test_perceptron_rule_reports_xor_as_not_separable():
    with pytest.raises(ConvergenceError, match="not linearly separable"):
        Perceptron.fit(TRUTH_TABLE_INPUTS, TABLES[XOR], max_epochs=50)


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match="3 features"):
        Perceptron([1, 1], 0).predict([1, 0, 1])
    with pytest.raises(ValueError, match="0 or 1"):
        Perceptron.fit(TRUTH_TABLE_INPUTS, [0, 2, 0, 1])
