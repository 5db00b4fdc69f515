import numpy as np
import pytest

from zerodl.layers import BatchNormalization, Dropout


@pytest.mark.parametrize("shape", [(6, 4), (3, 4, 2, 3)])
def test_batchnorm_gradients(layer_check, shape):
    rng = np.random.default_rng(0)
    bn = BatchNormalization(rng.standard_normal(4) + 1, rng.standard_normal(4))
    errors = layer_check(bn, rng.standard_normal(shape) * 3 + 2)
    assert set(errors) == {"x", "gamma", "beta"} and max(errors.values()) < 1e-6, errors


def test_batchnorm_4d_normalises_per_channel():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((8, 3, 4, 4)) * np.array([1, 5, 10])[None, :, None, None] + 7
    out = BatchNormalization(np.ones(3), np.zeros(3), eps=0).forward(x, train_flg=True)
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    np.testing.assert_allclose(out.var(axis=(0, 2, 3)), 1, rtol=1e-10)


def test_batchnorm_training_vs_inference():
    rng = np.random.default_rng(2)
    bn = BatchNormalization(np.ones(2), np.zeros(2), momentum=0.5)
    x = rng.standard_normal((50, 2)) * 2 + 3
    train_out = bn.forward(x, train_flg=True)
    np.testing.assert_allclose(bn.running_mean, 0.5 * x.mean(axis=0))
    np.testing.assert_allclose(bn.running_var, 0.5 + 0.5 * x.var(axis=0))
    test_out = bn.forward(x, train_flg=False)
    expected = (x - bn.running_mean) / np.sqrt(bn.running_var + bn.eps)
    np.testing.assert_allclose(test_out, expected)
    assert not np.allclose(train_out, test_out)


def test_batchnorm_rejects_wrong_feature_count():
    with pytest.raises(ValueError, match="3 features/channels"):
        BatchNormalization(np.ones(3), np.zeros(3)).forward(np.zeros((2, 4)))


def test_inverted_dropout_scales_in_training_and_is_identity_in_inference():
    x = np.ones((2000, 50))
    layer = Dropout(0.3, rng=np.random.default_rng(0))
    out = layer.forward(x, train_flg=True)
    kept = out != 0
    assert abs(kept.mean() - 0.7) < 0.01
    np.testing.assert_allclose(out[kept], 1 / 0.7)
    dout = np.full_like(x, 2.0)
    np.testing.assert_allclose(layer.backward(dout), np.where(kept, 2 / 0.7, 0))
    np.testing.assert_array_equal(layer.forward(x, train_flg=False), x)


def test_books_dropout_variant():
    x = np.ones((1000, 10))
    layer = Dropout(0.4, scale="book", rng=np.random.default_rng(1))
    out = layer.forward(x, train_flg=True)
    assert set(np.unique(out)) == {0.0, 1.0}
    np.testing.assert_allclose(layer.forward(x, train_flg=False), 0.6)


def test_dropout_rejects_bad_ratio():
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        Dropout(1.0)


def test_batchnorm_book_style_has_the_books_eps_and_running_averages_from_zero():
    x = np.array([[1e-4, 0.0], [-1e-4, 0.0]])
    book = BatchNormalization(np.ones(2), np.zeros(2), style="book")
    standard = BatchNormalization(np.ones(2), np.zeros(2))
    assert (book.eps, standard.eps) == (1e-6, 1e-5)
    assert book.running_var.tolist() == [0, 0] and standard.running_var.tolist() == [1, 1]
    # activations of 1e-4: eps decides how far they are normalised
    assert book.forward(x)[0, 0] == pytest.approx(1e-4 / np.sqrt(1e-8 + 1e-6))
    assert standard.forward(x)[0, 0] == pytest.approx(1e-4 / np.sqrt(1e-8 + 1e-5))
    assert BatchNormalization(np.ones(2), np.zeros(2), eps=0.5, style="book").eps == 0.5
    with pytest.raises(ValueError, match="'standard' or 'book'"):
        BatchNormalization(np.ones(2), np.zeros(2), style="torch")
