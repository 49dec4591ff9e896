"""Any picture of a digit becomes an MNIST-style 28x28 input."""
import numpy as np
import pytest
from PIL import Image

from lstm_viewer.core.errors import UserError
from lstm_viewer.core.preprocess import (
    PreprocessSteps,
    is_blank,
    load_image,
    preprocess,
    preprocess_steps,
    shifted_batch,
    to_ink,
)


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


# --- the default stays MNIST's recipe, bit for bit --------------------------------------------

def _old_preprocess(gray: np.ndarray) -> np.ndarray:
    """preprocess() as it was before centring, shift and blank detection (copied verbatim)."""
    img = np.asarray(gray, dtype=np.float32)
    if img.size and img.max() > 1.0:
        img = img / 255.0
    border = np.concatenate([img[0], img[-1], img[:, 0], img[:, -1]])
    if np.median(border) > 0.5:
        img = 1.0 - img
    background = np.median(img)
    top = img.max() if img.size else 0.0
    if top - background < 1e-3:
        return np.zeros((28, 28), dtype=np.float32)
    ink = np.clip((img - background) / (top - background), 0.0, 1.0)
    ink[ink < 0.1] = 0.0
    if not ink.any():
        return np.zeros((28, 28), dtype=np.float32)
    rows, cols = np.nonzero(ink)
    crop = ink[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    h, w = crop.shape
    scale = 20 / max(h, w)
    new_h, new_w = max(1, round(h * scale)), max(1, round(w * scale))
    resized = Image.fromarray(crop.astype(np.float32), mode="F").resize(
        (new_w, new_h), Image.Resampling.BILINEAR)
    digit = np.clip(np.asarray(resized, dtype=np.float32), 0.0, 1.0)
    if digit.sum() <= 0:
        return np.zeros((28, 28), dtype=np.float32)
    digit = digit / max(float(digit.max()), 1e-6)
    h, w = digit.shape
    total = digit.sum()
    ys, xs = np.mgrid[0:h, 0:w]
    cy, cx = (ys * digit).sum() / total, (xs * digit).sum() / total
    top_row = int(np.clip(round(14.0 - cy), 0, 28 - h))
    left = int(np.clip(round(14.0 - cx), 0, 28 - w))
    out = np.zeros((28, 28), dtype=np.float32)
    out[top_row:top_row + h, left:left + w] = digit
    return out


def test_default_is_bit_identical_to_before(mnist):
    """MNIST digits both ways round, photo-like pictures, the shipped samples and random specks."""
    from lstm_viewer.core.assets import samples_path
    rng = np.random.default_rng(1)
    pictures = [mnist.x_test[i] for i in range(200)]
    pictures += [255 - mnist.x_test[i] for i in range(200, 250)]
    pictures += [_photo_like(mnist.x_test[i], offset=(5 + i % 40, i - 250)) for i in range(250, 265)]
    pictures += [rng.random((rng.integers(10, 90), rng.integers(10, 90))) ** 8 for _ in range(30)]
    pictures += list(np.load(samples_path())["images"])
    for picture in pictures:
        old = _old_preprocess(picture)
        assert old.any()
        assert np.array_equal(preprocess(picture), old)
        assert np.array_equal(preprocess(picture, "mass", 0), old)


# --- blank pages -------------------------------------------------------------------------------

def _noise_page(sigma: float, paper: float = 0.9, shape=(300, 400), seed: int = 0) -> np.ndarray:
    return np.clip(paper + np.random.default_rng(seed).normal(0, sigma, shape), 0, 1).astype(np.float32)


@pytest.mark.parametrize("sigma", [0.005, 0.02, 0.04, 0.08])
@pytest.mark.parametrize("paper", [0.9, 0.15])
def test_noisy_blank_page_is_blank(sigma, paper):
    out = preprocess(_noise_page(sigma, paper))
    assert out.shape == (28, 28) and is_blank(out)


@pytest.mark.parametrize("quality", [30, 75, 95])
def test_jpeg_grain_on_a_blank_page_is_blank(tmp_path, quality):
    page = (_noise_page(0.02) * 255).astype(np.uint8)
    Image.fromarray(page).save(tmp_path / "page.jpg", quality=quality)
    assert is_blank(preprocess(load_image(tmp_path / "page.jpg")))


def test_ink_on_a_noisy_page_and_faint_pencil_are_not_blank():
    page = _noise_page(0.03)
    page[60:240, 180:200] -= 0.6                 # a stroke on grainy paper
    clean = np.full((200, 200), 0.9, np.float32)
    clean[40:160, 95:105] = 0.78                 # faint pencil: 0.12 darker than the paper
    for picture in (page, clean):
        steps = preprocess_steps(picture)
        assert not steps.blank and steps.final.sum() > 10
        assert steps.ink[60:240, 180:200].mean() > 0.7 if picture is page else \
            steps.ink[40:160, 95:105].min() == 1.0


def test_is_blank():
    image = np.zeros((28, 28), np.float32)
    assert is_blank(image)
    image[27, 0] = 0.01
    assert not is_blank(image)


def test_blank_steps():
    steps = preprocess_steps(np.full((40, 30), 0.7), centring="box", shift=3)
    assert steps.blank and not steps.final.any() and steps.final.shape == (28, 28)
    assert steps.centre_of_mass is None and steps.fitted.size == 0 and steps.crop.size == 0
    assert steps.ink.shape == (40, 30) and not steps.ink.any()


# --- centring and shift ------------------------------------------------------------------------

def _rectangle(height: int, width: int, at=(30, 50), shape=(200, 300)) -> np.ndarray:
    """White paper with a black rectangle of ink: it fits the 20x20 box exactly, all ones."""
    picture = np.ones(shape, np.float32)
    picture[at[0]:at[0] + height, at[1]:at[1] + width] = 0.0
    return picture


@pytest.mark.parametrize("centring, top, left", [
    ("mass", 4, 10),   # centre of mass (9.5, 4.5) to (14, 14): round(4.5) = 4, round(9.5) = 10
    ("box", 4, 9),     # bounding box centre to the field's centre: (28 - 20) // 2, (28 - 10) // 2
])
def test_a_rectangle_lands_where_the_rule_says(centring, top, left):
    steps = preprocess_steps(_rectangle(80, 40), centring=centring)
    assert steps.fitted.shape == (20, 10) and (steps.fitted == 1.0).all()
    expected = np.zeros((28, 28), np.float32)
    expected[top:top + 20, left:left + 10] = 1.0
    np.testing.assert_array_equal(steps.final, expected)
    assert (steps.top, steps.left) == (top, left)
    assert steps.centre_of_mass == pytest.approx((top + 9.5, left + 4.5))
    assert steps.crop.shape == (80, 40) and (steps.crop == 1.0).all()


def _lopsided_seven() -> np.ndarray:
    """A heavy bar over a thin stem: its centre of mass sits well above its bounding box's centre."""
    picture = np.zeros((100, 100), np.float32)
    picture[10:25, 20:80] = 1.0
    picture[25:90, 58:68] = 1.0
    return picture


def test_mass_and_box_differ_on_a_lopsided_digit():
    mass, box = preprocess_steps(_lopsided_seven(), "mass"), preprocess_steps(_lopsided_seven(), "box")
    np.testing.assert_array_equal(mass.fitted, box.fitted)      # the same crop and fit ...
    assert mass.top > box.top and not np.array_equal(mass.final, box.final)   # ... placed apart
    rows = np.arange(28)
    mass_cy = (mass.final.sum(axis=1) * rows).sum() / mass.final.sum()
    box_rows = np.flatnonzero(box.final.any(axis=1))
    assert abs(mass_cy - 14.0) <= 0.5                            # mass: the ink's centre at 14
    assert abs((box_rows[0] + box_rows[-1]) / 2 - 13.5) <= 0.5   # box: the extent centred
    assert mass.centre_of_mass[0] == pytest.approx(mass_cy, abs=1e-4)


def test_none_scales_the_whole_picture_without_cropping():
    picture = np.ones((100, 200), np.float32)
    picture[10:30, 10:30] = 0.0   # a square near the top-left corner stays there
    steps = preprocess_steps(picture, centring="none")
    assert steps.crop.shape == (100, 200)                        # no crop
    assert steps.fitted.shape == (14, 28)                        # longer side 28, aspect kept
    assert (steps.top, steps.left) == (7, 0)                     # centred
    ink = to_ink(picture)
    independent = np.asarray(Image.fromarray(ink, "F").resize((28, 14), Image.Resampling.BILINEAR))
    independent = np.clip(independent, 0, 1) / np.clip(independent, 0, 1).max()
    np.testing.assert_allclose(steps.final[7:21], independent, atol=1e-6)
    assert not steps.final[:7].any() and not steps.final[21:].any()
    cy = (steps.final.sum(axis=1) * np.arange(28)).sum() / steps.final.sum()
    cx = (steps.final.sum(axis=0) * np.arange(28)).sum() / steps.final.sum()
    scale = 28 / 200   # the square's centre (19.5, 19.5) in picture pixels, scaled and placed
    assert cy == pytest.approx(7 + (19.5 + 0.5) * scale - 0.5, abs=0.3)
    assert cx == pytest.approx((19.5 + 0.5) * scale - 0.5, abs=0.3)


@pytest.mark.parametrize("centring", ["mass", "box", "none"])
@pytest.mark.parametrize("shift", [-6, -3, -1, 1, 4, 6])
def test_shift_moves_rows_exactly(mnist, centring, shift):
    base = preprocess(mnist.x_test[0], centring=centring)
    moved = preprocess(mnist.x_test[0], centring=centring, shift=shift)
    if shift > 0:
        np.testing.assert_array_equal(moved[shift:], base[:-shift])
        assert not moved[:shift].any()
    else:
        np.testing.assert_array_equal(moved[:shift], base[-shift:])
        assert not moved[shift:].any()
    lost = base[-shift:] if shift > 0 else base[:-shift]        # rows pushed off the edge
    assert moved.sum() == pytest.approx(base.sum() - lost.sum())


def test_shift_pushes_ink_off_the_edge():
    steps = preprocess_steps(_rectangle(80, 40), shift=6)        # rows 4..23 move to 10..29
    assert steps.final[10:28].any(axis=1).all() and not steps.final[:10].any()
    assert steps.top == 4 and steps.shift == 6                    # placement is before the shift


def test_steps_are_the_stages_of_preprocess(mnist):
    picture = _photo_like(mnist.x_test[3], offset=(30, 60))
    for centring in ("mass", "box", "none"):
        steps = preprocess_steps(picture, centring=centring, shift=-2)
        assert isinstance(steps, PreprocessSteps) and steps.centring == centring
        np.testing.assert_array_equal(steps.final, preprocess(picture, centring=centring, shift=-2))
        np.testing.assert_array_equal(steps.ink, to_ink(picture))
        assert steps.final.dtype == np.float32 and steps.final.shape == (28, 28)
        assert steps.fitted.max() == 1.0 and max(steps.fitted.shape) == (28 if centring == "none" else 20)
        rows, cols = np.nonzero(steps.ink)
        if centring != "none":
            np.testing.assert_array_equal(
                steps.crop, steps.ink[rows.min():rows.max() + 1, cols.min():cols.max() + 1])
        unshifted = preprocess(picture, centring=centring)
        h, w = steps.fitted.shape
        np.testing.assert_array_equal(unshifted[steps.top:steps.top + h, steps.left:steps.left + w],
                                      steps.fitted)
    mass = preprocess_steps(picture)
    assert mass.centre_of_mass == pytest.approx((14.0, 14.0), abs=0.5)


def test_shifted_batch(mnist):
    picture = mnist.x_test[7]
    image28 = preprocess(picture)
    batch = shifted_batch(image28)
    assert batch.shape == (13, 28, 28) and batch.dtype == np.float32
    for row, shift in zip(batch, range(-6, 7), strict=True):
        np.testing.assert_array_equal(row, preprocess(picture, shift=shift))
    np.testing.assert_array_equal(shifted_batch(image28, [0, 2]),
                                  np.stack([image28, preprocess(picture, shift=2)]))
    with pytest.raises(ValueError, match=r"\(28, 28\)"):
        shifted_batch(np.zeros((20, 28)))


@pytest.mark.parametrize("centring", ["centre", "MASS", "", None])
def test_bad_centring(centring):
    with pytest.raises(ValueError, match="centring must be one of 'mass', 'box' or 'none'"):
        preprocess(np.eye(30), centring=centring)


@pytest.mark.parametrize("shift", [7, -7, 100, 1.5, 2.0, True, "2", None])
def test_bad_shift(shift):
    with pytest.raises(ValueError, match="shift must be a whole number of pixels from -6 to 6"):
        preprocess(np.eye(30), shift=shift)
    with pytest.raises(ValueError, match="shift must be"):
        shifted_batch(np.zeros((28, 28)), [0, shift])
    assert preprocess(np.eye(30), shift=np.int64(-6)).any()
