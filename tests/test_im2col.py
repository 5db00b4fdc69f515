import numpy as np
import pytest

from zerodl.im2col import col2im, im2col, padded, patches


def im2col_reference(x, fh, fw, stride, pad):
    """The definition, one patch at a time."""
    n, _, h, w = x.shape
    xp = np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)])
    oh, ow = (h + 2 * pad - fh) // stride + 1, (w + 2 * pad - fw) // stride + 1
    rows = [xp[i, :, y * stride:y * stride + fh, z * stride:z * stride + fw].ravel()
            for i in range(n) for y in range(oh) for z in range(ow)]
    return np.array(rows)


CASES = [(3, 3, 1, 0), (3, 3, 1, 1), (5, 5, 1, 0), (3, 3, 2, 1), (2, 2, 2, 0), (3, 2, 3, 2)]


@pytest.mark.parametrize(("fh", "fw", "stride", "pad"), CASES)
def test_im2col_matches_definition(fh, fw, stride, pad):
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 8))
    np.testing.assert_array_equal(im2col(x, fh, fw, stride, pad), im2col_reference(x, fh, fw, stride, pad))


@pytest.mark.parametrize(("fh", "fw", "stride", "pad"), CASES)
def test_col2im_is_the_adjoint_of_im2col(fh, fw, stride, pad):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 7, 8))
    col = im2col(x, fh, fw, stride, pad)
    y = rng.standard_normal(col.shape)
    lhs = np.sum(col * y)
    rhs = np.sum(x * col2im(y, x.shape, fh, fw, stride, pad))
    assert lhs == pytest.approx(rhs, rel=1e-12)


def test_dtype_is_preserved():
    x = np.ones((1, 1, 4, 4), np.float32)
    col = im2col(x, 2, 2)
    assert col.dtype == np.float32
    assert col2im(col, x.shape, 2, 2).dtype == np.float32


def test_bad_shapes_are_named():
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        im2col(np.zeros((4, 4)), 2, 2)
    with pytest.raises(ValueError, match="does not fit"):
        im2col(np.zeros((1, 1, 3, 3)), 5, 5)
    with pytest.raises(ValueError, match="col has shape"):
        col2im(np.zeros((3, 4)), (1, 1, 3, 3), 2, 2)


@pytest.mark.parametrize(("stride", "pad"), [(1, 0), (1, 1), (2, 1), (3, 2)])
def test_patches_view_holds_every_patch_pixel(stride, pad):
    x = np.random.default_rng(2).standard_normal((3, 2, 7, 6))
    view = patches(x, 3, 2, stride, pad)
    xp = np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)])
    for n, i, j, y, xx, c in np.ndindex(view.shape):
        assert view[n, i, j, y, xx, c] == xp[n, c, i * stride + y, j * stride + xx]
    assert view.shape[0] == 3 and view.shape[3:] == (3, 2, 2)


def test_padded_lays_out_pixels_with_the_given_border():
    x = np.arange(24.0).reshape(2, 3, 2, 2)
    out = padded(x, 1, value=-np.inf)
    assert out.shape == (2, 3, 4, 4) and out.transpose(0, 2, 3, 1).flags.c_contiguous
    np.testing.assert_array_equal(out[:, :, 1:3, 1:3], x)
    assert np.all(out[:, :, 0] == -np.inf) and np.all(out[:, :, :, 3] == -np.inf)


def test_padded_copies_unless_the_input_is_already_laid_out_pixel_by_pixel():
    x = np.arange(24.0).reshape(2, 3, 2, 2)
    out = padded(x, 0)
    assert out is not x and out.transpose(0, 2, 3, 1).flags.c_contiguous
    np.testing.assert_array_equal(out, x)
    assert padded(out, 0) is out
