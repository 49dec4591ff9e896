"""Image files read as their pixels say: every Pillow mode, transparency, EXIF, bombs, damaged files.

Every file is made here with Pillow: a "7" (a bar and a slanted stroke, so rotations and flips show),
dark on light and light on dark. A file is read correctly when ``load_image`` gives the paper and
ink values the file holds (in its real range) and the preprocessed 28x28 is the same digit as the
one made from the ideal mask.
"""
from __future__ import annotations

import struct
import warnings
import zlib

import numpy as np
import pytest
from PIL import Image, ImageOps

from lstm_viewer.core import images
from lstm_viewer.core.errors import UserError
from lstm_viewer.core.images import load_image
from lstm_viewer.core.preprocess import is_blank, preprocess

H, W = 84, 60


def seven() -> np.ndarray:
    """Boolean mask of a 7: a top bar and a stroke slanting down to the left."""
    mask = np.zeros((H, W), bool)
    mask[10:18, 10:52] = True
    for row in range(18, 76):
        col = int(round(50 - (row - 18) * 0.5))
        mask[row, col - 4:col + 3] = True
    return mask


MASK = seven()
REFERENCE = preprocess(MASK.astype(np.float32))


def levels(paper, ink, dtype=np.uint8) -> np.ndarray:
    """The 7 as an array: ``ink`` on the stroke, ``paper`` elsewhere (scalars or colour tuples)."""
    paper, ink = np.asarray(paper), np.asarray(ink)
    out = np.where(MASK[..., None] if paper.ndim else MASK, ink, paper)
    return out.astype(dtype)


def assert_seven(gray: np.ndarray, lossy: bool = False) -> None:
    out = preprocess(gray)
    if lossy:
        assert np.abs(out - REFERENCE).mean() < 0.03
        assert np.corrcoef(out.ravel(), REFERENCE.ravel())[0, 1] > 0.97
    else:
        np.testing.assert_allclose(out, REFERENCE, atol=1e-5)


def save(image: Image.Image, path, **options):
    image.save(path, **options)
    return path


def reopened(path) -> Image.Image:
    """The file as Pillow opens it, loaded and closed (for checking its mode, info, frames)."""
    with Image.open(path) as image:
        image.load()
        image.n_frames_seen = getattr(image, "n_frames", 1)
        return image


def png_bytes(width: int, height: int, bit_depth: int = 8, colour_type: int = 0,
              pixels: bytes = b"") -> bytes:
    """A PNG file written by hand: any declared size (bomb headers hold no pixels), any depth."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(pixels))
            + chunk(b"IEND", b""))


# --- every mode, both polarities ---------------------------------------------------------------

DARK_ON_LIGHT = (235, 25)
LIGHT_ON_DARK = (25, 235)


@pytest.mark.parametrize("paper, ink", [DARK_ON_LIGHT, LIGHT_ON_DARK])
@pytest.mark.parametrize("ext", ["png", "tif", "bmp", "pgm", "webp"])
def test_gray_8bit_lossless(tmp_path, paper, ink, ext):
    options = {"lossless": True} if ext == "webp" else {}
    path = save(Image.fromarray(levels(paper, ink)), tmp_path / f"seven.{ext}", **options)
    gray = load_image(path)
    assert gray.dtype == np.float32 and gray.shape == (H, W)
    assert gray[0, 0] == pytest.approx(paper / 255) and gray[14, 30] == pytest.approx(ink / 255)
    assert_seven(gray)


@pytest.mark.parametrize("paper, ink", [DARK_ON_LIGHT, LIGHT_ON_DARK])
def test_gray_jpeg(tmp_path, paper, ink):
    path = save(Image.fromarray(levels(paper, ink)), tmp_path / "seven.jpg", quality=92)
    gray = load_image(path)
    assert abs(gray[0, 0] - paper / 255) < 0.02
    assert_seven(gray, lossy=True)


@pytest.mark.parametrize("ext", ["png", "tif", "bmp"])
@pytest.mark.parametrize("dark_ink", [True, False])
def test_one_bit(tmp_path, ext, dark_ink):
    path = save(Image.fromarray(~MASK if dark_ink else MASK), tmp_path / f"seven.{ext}")
    assert reopened(path).mode == "1"
    gray = load_image(path)
    assert set(np.unique(gray)) == {0.0, 1.0}
    assert_seven(gray)


def _luma(rgb) -> float:
    r, g, b = rgb
    return (0.299 * r + 0.587 * g + 0.114 * b) / 255


NAVY_ON_CREAM = ((245, 235, 200), (20, 30, 120))
YELLOW_ON_BLUE = ((10, 20, 90), (250, 230, 60))


@pytest.mark.parametrize("paper, ink", [NAVY_ON_CREAM, YELLOW_ON_BLUE])
def test_colour_rgb_and_opaque_alpha(tmp_path, paper, ink):
    rgb = levels(paper, ink)
    for mode in ("RGB", "RGBA", "RGBX"):
        image = Image.fromarray(rgb).convert(mode)
        path = save(image, tmp_path / f"seven_{mode}.{'tif' if mode == 'RGBX' else 'png'}")
        gray = load_image(path)
        assert abs(gray[0, 0] - _luma(paper)) < 1 / 255 and abs(gray[14, 30] - _luma(ink)) < 1 / 255
        assert_seven(gray)


@pytest.mark.parametrize("paper, ink", [NAVY_ON_CREAM, YELLOW_ON_BLUE])
def test_palette(tmp_path, paper, ink):
    palette = Image.fromarray(levels(paper, ink)).convert("P", palette=Image.Palette.ADAPTIVE, colors=4)
    for ext in ("png", "gif", "bmp"):
        path = save(palette, tmp_path / f"seven.{ext}")
        assert reopened(path).mode == "P"
        gray = load_image(path)
        assert abs(gray[0, 0] - _luma(paper)) < 2 / 255
        assert_seven(gray)


@pytest.mark.parametrize("paper, ink", [NAVY_ON_CREAM, YELLOW_ON_BLUE])
def test_cmyk_and_ycbcr(tmp_path, paper, ink):
    rgb = Image.fromarray(levels(paper, ink))
    for mode, ext, lossy in (("CMYK", "tif", False), ("CMYK", "jpg", True),
                             ("YCbCr", "tif", False), ("YCbCr", "jpg", True)):
        path = save(rgb.convert(mode), tmp_path / f"seven_{mode}.{ext}", **({"quality": 95} if lossy else {}))
        gray = load_image(path)
        # Pillow's CMYK and YCbCr round trips are not exact colours; the 7 must still be the 7.
        expected_paper = np.asarray(rgb.convert(mode).convert("L"), np.float32)[0, 0] / 255
        assert abs(gray[0, 0] - expected_paper) < 0.03
        assert_seven(gray, lossy=lossy)


SIXTEEN_BIT = [(60000, 5000), (3000, 50000)]  # every value above 255: a clip to 8 bits is blank


@pytest.mark.parametrize("paper, ink", SIXTEEN_BIT)
@pytest.mark.parametrize("ext", ["png", "tif"])
def test_16bit_keeps_its_range(tmp_path, paper, ink, ext):
    path = save(Image.fromarray(levels(paper, ink, np.uint16)), tmp_path / f"seven.{ext}")
    assert reopened(path).mode == "I;16"
    # Pillow's own 8-bit conversion clips all of it to one value: the old reading saw a blank page.
    assert np.ptp(np.asarray(reopened(path).convert("L"))) == 0
    gray = load_image(path)
    assert gray[0, 0] == pytest.approx(paper / 65535) and gray[14, 30] == pytest.approx(ink / 65535)
    assert_seven(gray)


def test_16bit_colour_png(tmp_path):
    """Pillow keeps the top byte of each channel: the range is right, to 1/255."""
    data = levels((60000, 59000, 61000), (5000, 3000, 7000), ">u2")
    rows = b"".join(b"\0" + row.tobytes() for row in data)   # filter byte 0 before each row
    path = tmp_path / "rgb16.png"
    path.write_bytes(png_bytes(W, H, bit_depth=16, colour_type=2, pixels=rows))
    gray = load_image(path)
    assert abs(gray[0, 0] - _luma((60000, 59000, 61000)) * 255 / 65535) < 1 / 255
    assert_seven(gray)


@pytest.mark.parametrize("paper, ink", SIXTEEN_BIT)
def test_16bit_big_endian_and_pgm(tmp_path, paper, ink):
    data = levels(paper, ink, np.uint16)
    big = Image.frombytes("I;16B", (W, H), data.astype(">u2").tobytes())
    path = save(big, tmp_path / "seven_be.tif")
    assert reopened(path).mode == "I;16B"
    gray = load_image(path)
    assert gray[0, 0] == pytest.approx(paper / 65535)
    assert_seven(gray)
    pgm = tmp_path / "seven.pgm"  # 16-bit PGM, which Pillow opens as mode "I"
    pgm.write_bytes(f"P5 {W} {H} 65535\n".encode() + data.astype(">u2").tobytes())
    assert reopened(pgm).mode == "I"
    gray = load_image(pgm)
    assert gray[0, 0] == pytest.approx(paper / 65535)
    assert_seven(gray)


@pytest.mark.parametrize("paper, ink, scale", [
    (60000, 5000, 65535),                      # 16-bit values stored as 32-bit: the 16-bit range
    (2_000_000_000, 100_000_000, 2**31 - 1),   # values only 32 bits hold: int32's range
    (200, 10, 255),                            # 8-bit values: the 8-bit range
    (-30000, 20000, 65535),                    # negatives: the signed 16-bit range
])
def test_32bit_integers(tmp_path, paper, ink, scale):
    path = save(Image.fromarray(levels(paper, ink, np.int32)), tmp_path / "seven.tif")
    assert reopened(path).mode == "I"
    gray = load_image(path)
    low = -32768 if paper < 0 else 0
    assert gray[0, 0] == pytest.approx((paper - low) / scale, rel=1e-6)
    assert gray[14, 30] == pytest.approx((ink - low) / scale, rel=1e-6)
    assert_seven(gray)


@pytest.mark.parametrize("paper, ink, expected_paper", [
    (0.92, 0.10, 0.92),          # [0, 1]: as it is
    (0.10, 0.92, 0.10),
    (230.0, 20.0, 230 / 255),    # [0, 255]
    (50000.0, 900.0, 50000 / 65535),  # [0, 65535]
    (0.8, -0.9, 1.0),            # negative: stretched from its minimum to its maximum
])
def test_float_tiff(tmp_path, paper, ink, expected_paper):
    path = save(Image.fromarray(levels(paper, ink, np.float32)), tmp_path / "seven.tif")
    assert reopened(path).mode == "F"
    gray = load_image(path)
    assert gray[0, 0] == pytest.approx(expected_paper, rel=1e-6)
    assert_seven(gray)


def test_float_tiff_in_unit_range_is_not_a_blank_page(tmp_path):
    """The issue's case: a float TIFF in [0, 1] used to be read as black (clipped to 8 bits)."""
    path = save(Image.fromarray(levels(0.95, 0.05, np.float32)), tmp_path / "seven.tif")
    assert np.asarray(reopened(path).convert("L")).max() <= 1   # Pillow's 8-bit view: all black
    assert not is_blank(preprocess(load_image(path)))


def test_float_with_nan_is_refused(tmp_path):
    data = levels(0.9, 0.1, np.float32)
    data[3, 3] = np.nan
    path = save(Image.fromarray(data), tmp_path / "nan.tif")
    with pytest.raises(UserError, match="not numbers"):
        load_image(path)


# --- transparency ------------------------------------------------------------------------------

def rgba(ink_colour, hidden_colour=(0, 0, 0), soft=False) -> np.ndarray:
    """The 7 as opaque ``ink_colour`` on a fully transparent sheet whose hidden colour is given."""
    out = np.zeros((H, W, 4), np.uint8)
    out[..., :3] = hidden_colour
    out[MASK, :3] = ink_colour
    alpha = MASK.astype(np.float32)
    if soft:  # anti-aliased edges, as drawing programs export them
        padded = np.pad(alpha, 1)
        alpha = sum(padded[dy:dy + H, dx:dx + W] for dy in range(3) for dx in range(3)) / 9  # 3x3 blur
        out[alpha > 0, :3] = ink_colour
    out[..., 3] = np.round(alpha * 255)
    return out


@pytest.mark.parametrize("ink, hidden", [
    ((255, 255, 255), (0, 0, 0)),         # white ink on transparent black
    ((255, 255, 255), (255, 255, 255)),   # white ink on transparent white: only alpha differs
    ((0, 0, 0), (0, 0, 0)),               # dark ink on transparent black
    ((0, 0, 0), (255, 255, 255)),
    ((200, 30, 30), (255, 255, 255)),     # red ink
])
@pytest.mark.parametrize("soft", [False, True])
def test_ink_on_transparent_reads_whatever_its_colour(tmp_path, ink, hidden, soft):
    path = save(Image.fromarray(rgba(ink, hidden, soft), "RGBA"), tmp_path / "seven.png")
    gray = load_image(path)
    assert gray[0, 0] == 1.0      # transparent sheet: white paper
    assert gray[14, 30] == 0.0    # opaque ink: black, whatever its colour
    assert_seven(gray, lossy=soft)


def test_white_ink_on_transparent_gray_alpha(tmp_path):
    la = np.zeros((H, W, 2), np.uint8)
    la[MASK] = (255, 255)
    path = save(Image.fromarray(la, "LA"), tmp_path / "seven.png")
    assert reopened(path).mode == "LA"
    assert_seven(load_image(path))


@pytest.mark.parametrize("ext", ["png", "gif"])
@pytest.mark.parametrize("ink", [(255, 255, 255), (0, 0, 0)])
def test_palette_with_transparency(tmp_path, ext, ink):
    palette = Image.fromarray(MASK.astype(np.uint8), "L").convert("P")
    palette.putpalette([*ink, *ink] + [0, 0, 0] * 254)   # both indices the same colour: only
    path = save(palette, tmp_path / f"seven.{ext}", transparency=0)  # transparency tells them apart
    image = reopened(path)
    assert image.mode == "P" and "transparency" in image.info
    assert_seven(load_image(path))


def test_colour_key_transparency_in_rgb_png(tmp_path):
    path = save(Image.fromarray(levels((10, 200, 10), (255, 255, 255))), tmp_path / "key.png",
                transparency=(10, 200, 10))
    assert reopened(path).mode == "RGB" and "transparency" in reopened(path).info
    assert_seven(load_image(path))


def test_opaque_page_with_transparent_margins_is_a_page_not_a_blob(tmp_path):
    """A white card with dark ink and transparent corners: the alpha is the card, the ink is dark."""
    out = np.zeros((H, W, 4), np.uint8)
    out[..., :3] = 0
    out[3:-3, 3:-3] = (255, 255, 255, 255)      # the card
    out[MASK] = (20, 20, 20, 255)               # the ink on it
    path = save(Image.fromarray(out, "RGBA"), tmp_path / "card.png")
    gray = load_image(path)
    assert gray[0, 0] == 1.0     # the transparent margin takes the card's colour
    assert_seven(gray)


def test_opaque_alpha_everywhere_is_ignored(tmp_path):
    out = np.dstack([levels(0, 250)] * 3 + [np.full((H, W), 255, np.uint8)])  # white ink on black
    path = save(Image.fromarray(out, "RGBA"), tmp_path / "opaque.png")
    gray = load_image(path)
    assert gray[0, 0] == 0.0 and gray[14, 30] == pytest.approx(250 / 255)
    assert_seven(gray)


def test_fully_transparent_is_blank(tmp_path):
    out = rgba((0, 0, 0))
    out[..., 3] = 0
    path = save(Image.fromarray(out, "RGBA"), tmp_path / "empty.png")
    gray = load_image(path)
    assert (gray == 1.0).all()
    assert is_blank(preprocess(gray))


# --- orientation, frames, size -----------------------------------------------------------------

def test_exif_rotated_jpeg_comes_out_upright(tmp_path):
    """A phone photo stored sideways with Orientation 6 ("rotate 90 clockwise to view")."""
    upright = Image.fromarray(levels(*DARK_ON_LIGHT))
    exif = Image.Exif()
    exif[images.ORIENTATION_TAG] = 6
    path = save(upright.transpose(Image.Transpose.ROTATE_90), tmp_path / "phone.jpg", exif=exif, quality=95)
    stored = np.asarray(reopened(path).convert("L"), np.float32) / 255
    assert stored.shape == (W, H)
    gray = load_image(path)
    assert gray.shape == (H, W)
    assert_seven(gray, lossy=True)
    assert np.abs(preprocess(stored) - REFERENCE).mean() > 0.05   # as stored it is not the upright 7


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("ext, options", [("png", {}), ("jpg", {"quality": 100}), ("tif", {}),
                                          ("tif", {"compression": "tiff_lzw"})])
def test_every_orientation_as_pillow_transposes_it(tmp_path, orientation, ext, options):
    exif = Image.Exif()
    exif[images.ORIENTATION_TAG] = orientation
    path = save(Image.fromarray(levels(*DARK_ON_LIGHT)), tmp_path / f"o.{ext}", exif=exif, **options)
    with Image.open(path) as image:
        expected = np.asarray(ImageOps.exif_transpose(image).convert("L"), np.float32) / 255
    if ext == "tif" and orientation >= 5 and not options:
        # Pillow 13 garbles uncompressed TIFFs with these orientations when it memory-maps them;
        # load_image reads from a file object. The upright array is the 7 turned exactly.
        expected = np.asarray(Image.fromarray(levels(*DARK_ON_LIGHT)).transpose(
            {5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270,
             7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_90}[orientation]),
            np.float32) / 255
    gray = load_image(path)
    assert gray.shape == expected.shape
    np.testing.assert_allclose(gray, expected, atol=0.02 if ext == "jpg" else 0)


@pytest.mark.parametrize("ext", ["gif", "png", "webp"])
def test_animated_image_gives_its_first_frame(tmp_path, ext):
    first = Image.fromarray(levels(*DARK_ON_LIGHT)).convert("RGB")
    second = Image.fromarray(np.full((H, W), 128, np.uint8)).convert("RGB")
    options = {"lossless": True} if ext == "webp" else {}
    path = save(first, tmp_path / f"anim.{ext}", save_all=True, append_images=[second], **options)
    assert reopened(path).n_frames_seen == 2
    assert_seven(load_image(path))


def test_large_images_are_shrunk_while_read(tmp_path, monkeypatch):
    big = Image.fromarray(levels(*DARK_ON_LIGHT)).resize((W * 6, H * 6), Image.Resampling.NEAREST)
    png, jpg = save(big, tmp_path / "big.png"), save(big, tmp_path / "big.jpg", quality=95)
    full_png, full_jpg = load_image(png), load_image(jpg)
    assert full_png.shape == (H * 6, W * 6)
    monkeypatch.setattr(images, "READ_PIXELS", 20_000)   # 181,440 pixels: a factor of 4 (ceil 3.01)
    small_png, small_jpg = load_image(png), load_image(jpg)
    assert small_png.shape == small_jpg.shape == (H * 6 // 4, W * 6 // 4)
    # The PNG: the 4x4 box average of the full-size pixels (Pillow's reduce, rounded to 8 bits).
    boxes = full_png.reshape(H * 6 // 4, 4, W * 6 // 4, 4).mean(axis=(1, 3))
    np.testing.assert_allclose(small_png, boxes, atol=0.5 / 255 + 1e-6)
    for full, small in ((full_png, small_png), (full_jpg, small_jpg)):
        assert np.abs(preprocess(full) - preprocess(small)).mean() < 0.03
        assert_seven(small, lossy=True)


# --- bombs and bad files -----------------------------------------------------------------------

@pytest.mark.parametrize("width, height", [(20_000, 20_000), (10_000, 10_000)])  # error, warning level
def test_bomb_sized_header_is_a_plain_error(tmp_path, width, height, recwarn):
    path = tmp_path / "bomb.png"
    path.write_bytes(png_bytes(width, height))
    with pytest.raises(UserError, match="too many to read safely"):
        load_image(path)
    assert not recwarn.list


@pytest.mark.parametrize("side", [110, 150])  # 12,100 pixels: Pillow warns; 22,500: it raises
def test_bomb_over_a_lowered_limit(tmp_path, monkeypatch, side, recwarn):
    path = save(Image.fromarray(np.zeros((side, side), np.uint8)), tmp_path / "b.png")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10_000)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(UserError, match="more than 10,000 pixels"):
            load_image(path)
    assert not recwarn.list


@pytest.mark.parametrize("ext", ["png", "jpg", "gif", "tif", "webp", "bmp"])
def test_truncated_file(tmp_path, ext):
    noise = np.random.default_rng(0).integers(0, 256, (120, 120), dtype=np.uint8)
    whole = save(Image.fromarray(noise), tmp_path / f"whole.{ext}")
    cut = tmp_path / f"cut.{ext}"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(UserError, match="damaged, truncated") as error:
        load_image(cut)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("content, message", [
    (b"", "the file is empty"),
    (b"no image here", "not a readable image"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "not a readable image"),
])
def test_unreadable_files(tmp_path, content, message):
    path = tmp_path / "bad.png"
    path.write_bytes(content)
    with pytest.raises(UserError, match=message):
        load_image(path)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(UserError, match="no such file"):
        load_image(tmp_path / "missing.png")
    with pytest.raises(UserError, match="is a folder"):
        load_image(tmp_path)


def test_load_image_still_importable_from_preprocess():
    from lstm_viewer.core import preprocess as module
    assert module.load_image is load_image
