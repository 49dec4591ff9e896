"""Any picture of a digit becomes an MNIST-style 28x28 input."""
import numpy as np
import pytest
from PIL import Image

from lstm_viewer.core.errors import UserError
from lstm_viewer.core.preprocess import load_image, preprocess


def _photo_like(digit: np.ndarray, size: int = 300, offset=(40, 90)) -> np.ndarray:
    """The digit enlarged 8x, dark ink on light paper, off-centre on a large canvas."""
    big = np.asarray(Image.fromarray(digit).resize((224, 224), Image.Resampling.BILINEAR), dtype=np.float32)
    canvas = np.full((size, size + 100), 235.0, dtype=np.float32)  # off-white paper
    y, x = offset
    canvas[y:y + 224, x:x + 224] -= big * (200 / 255)           # dark ink
    return canvas.astype(np.uint8)


def test_enlarged_inverted_shifted_digit_comes_back(mnist):
    """Over 100 test digits: each close pixel by pixel, and most nearly identical (median r = 0.97).

    Not all are exact: some MNIST digits were not scaled to fill the 20x20 box."""
    correlations = []
    for index in range(100):
        original = mnist.x_test[index].astype(np.float32) / 255.0
        back = preprocess(_photo_like(mnist.x_test[index], offset=(10 + index % 50, 20 + index)))
        assert back.shape == (28, 28) and back.dtype == np.float32
        assert 0.0 <= back.min() and back.max() <= 1.0
        assert np.abs(back - original).mean() < 0.08
        correlations.append(np.corrcoef(back.ravel(), original.ravel())[0, 1])
    assert np.median(correlations) > 0.95
    assert np.percentile(correlations, 10) > 0.85


def test_light_on_dark_is_kept_as_is(mnist):
    digit = mnist.x_test[5]
    np.testing.assert_allclose(preprocess(digit), digit / 255.0, atol=0.35)
    assert np.corrcoef(preprocess(digit).ravel(), digit.ravel())[0, 1] > 0.9


def test_blank_gives_zeros():
    for blank in (np.zeros((50, 80)), np.full((100, 100), 255, np.uint8), np.full((10, 10), 0.5)):
        out = preprocess(blank)
        assert out.shape == (28, 28) and not out.any()


def test_centre_of_mass_is_central_and_fits_box():
    img = np.zeros((400, 400), np.float32)
    img[20:120, 300:330] = 1.0   # a bar in a corner
    out = preprocess(img)
    ys, xs = np.nonzero(out)
    assert ys.max() - ys.min() + 1 <= 21 and xs.max() - xs.min() + 1 <= 21
    cy = (out.sum(axis=1) * np.arange(28)).sum() / out.sum()
    cx = (out.sum(axis=0) * np.arange(28)).sum() / out.sum()
    assert abs(cy - 14) <= 1 and abs(cx - 14) <= 1


def test_load_image_reads_png_and_jpeg(tmp_path, mnist):
    for ext in ("png", "jpg"):
        path = tmp_path / f"digit.{ext}"
        Image.fromarray(_photo_like(mnist.x_test[0])).save(path)
        gray = load_image(path)
        assert gray.ndim == 2 and gray.max() <= 1.0


def test_transparent_png_counts_as_paper(tmp_path):
    rgba = np.zeros((60, 60, 4), np.uint8)
    rgba[10:50, 28:32] = (0, 0, 0, 255)  # black ink, transparent elsewhere
    Image.fromarray(rgba, "RGBA").save(tmp_path / "t.png")
    out = preprocess(load_image(tmp_path / "t.png"))
    assert out.sum() > 10 and out[0, 0] == 0


def test_unreadable_image(tmp_path):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"no image here")
    with pytest.raises(UserError, match="not a readable image"):
        load_image(bad)
    with pytest.raises(UserError, match="no such file"):
        load_image(tmp_path / "missing.png")
