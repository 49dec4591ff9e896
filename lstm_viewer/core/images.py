"""Any image file -> a float32 grayscale array in [0, 1] whose values mean what the pixels say.

Each of Pillow's modes is read with its real range (16-bit as 16-bit, floats as floats, never a clip
to 8 bits), transparency is turned into paper and ink, the EXIF orientation is applied, and very
large pictures are shrunk while they are read. Every failure is a ``UserError`` with one sentence.

Range rules (documented because integer and float pixels carry no unit of their own):

- 8-bit modes (1, L, P, RGB, CMYK, YCbCr, ...): Pillow's luminance, divided by 255. (Pillow
  reads 16-bit colour PNGs as 8-bit RGB, keeping each channel's top byte: the range is right.)
- ``I;16`` and its byte orders: divided by 65535.
- ``I`` (32-bit integers): the bit depth is the one the file declares when it is 8 or 16 (TIFF's
  BitsPerSample; PNG and PGM/PPM, which Pillow reads into 16-bit values); otherwise (no
  declaration, or 32 bits, which says only how the values were stored) the smallest of 8, 16 or 32
  bits that holds every value. Non-negative values span [0, 2**bits - 1] (for 32 bits [0, 2**31 - 1],
  the most Pillow's signed 32-bit pixels hold); values with negatives span the signed range
  [-2**(bits-1), 2**(bits-1) - 1].
- ``F`` (floats): as they are if every value is in [0, 1]; else divided by 255 if every value is in
  [0, 255], or by 65535 if every value is in [0, 65535]; anything else (negative values, larger
  values) has no known scale and is stretched from its own minimum to its maximum. NaN or infinite
  pixels are refused.
"""
from __future__ import annotations

import math
import os
import warnings

import numpy as np

from .errors import UserError
from .i18n import tr

READ_PIXELS = 4_000_000  # larger pictures are shrunk while read (the digit ends up 20x20 anyway)
ORIENTATION_TAG = 0x0112
EIGHT_BIT_MODES_NEEDING_RGB = ("LAB",)  # Pillow converts these to L only through RGB
ALPHA_MODES = ("RGBA", "LA", "PA", "La", "RGBa")
SIXTEEN_BIT_MODES = ("I;16", "I;16B", "I;16L", "I;16N")
FORMAT_BITS = {"PNG": 16, "PPM": 16}  # formats whose "I" images hold 16-bit values
SAME_COLOUR = 0.25   # grey levels closer than this are one colour (ink vs paper differ by more)
FEW_PIXELS = 0.05    # a share of pixels too small to make a picture more than one colour


def load_image(path: str | os.PathLike) -> np.ndarray:
    """Read an image file as float32 grayscale (H, W) in [0, 1]; 1 is white, 0 is black.

    Transparent images come back as dark ink on white paper (see ``composite_alpha``); a fully
    transparent image is white paper. Animated images give their first frame. Images over
    ``READ_PIXELS`` come back shrunk by a whole factor; over ``PIL.Image.MAX_IMAGE_PIXELS``
    (Pillow's decompression-bomb limit) they are refused.

    Not thread-safe against other threads changing warning filters: ``warnings.catch_warnings``
    is process-wide in Python < 3.14.
    """
    from PIL import Image, UnidentifiedImageError

    name = os.fspath(path)
    _check_file(name)
    try:
        with warnings.catch_warnings():
            # Pillow's complaints about damaged metadata do not change a pixel; a bomb is an error.
            warnings.filterwarnings("ignore", category=UserWarning, module="PIL")
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # From a file object, not a name: Pillow 13 then does not memory-map raw data, whose
            # fast path ignores the rotation TIFF orientations 5-8 need (garbled pixels).
            with open(name, "rb") as file, Image.open(file) as img:
                pixels, kind, bits = _read_pixels(img)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UserError(tr("{name}: the image has more than {limit:,} pixels, too many to read safely",
                           name=name, limit=Image.MAX_IMAGE_PIXELS)) from None
    except UnidentifiedImageError:
        raise UserError(tr("{name}: not a readable image (not a picture format Pillow knows)",
                           name=name)) from None
    except PermissionError:
        raise UserError(tr("{name}: cannot be read (permission denied)", name=name)) from None
    except MemoryError:
        raise UserError(tr("{name}: not enough memory to read this image", name=name)) from None
    except Exception as exc:  # Pillow's decoders raise many types on damaged data
        raise UserError(tr("{name}: not a readable image (damaged, truncated, or a variant Pillow "
                           "cannot decode)", name=name)) from exc
    gray, alpha = _to_unit_range(pixels, kind, bits, name)
    if alpha is not None:
        gray = composite_alpha(gray, alpha)
    if gray.size == 0:
        raise UserError(tr("{name}: the image is empty", name=name))
    return np.ascontiguousarray(gray, dtype=np.float32)


def _check_file(name: str) -> None:
    if not os.path.exists(name):
        raise UserError(tr("{name}: no such file", name=name))
    if os.path.isdir(name):
        raise UserError(tr("{name}: is a folder, not an image", name=name))
    if not os.path.isfile(name):  # a pipe or a device: reading it could wait forever
        raise UserError(tr("{name}: is not a regular file (a pipe or a device?), not an image", name=name))
    if os.path.getsize(name) == 0:
        raise UserError(tr("{name}: the file is empty", name=name))


def _read_pixels(img) -> tuple[np.ndarray, str, int | None]:
    """Decode (shrunk when large, upright) into a numpy array, and say what kind of pixels it holds.

    kind: "L" (8-bit gray), "LA" (8-bit gray and alpha), "I;16" (16-bit), "I" (32-bit) or "F".
    """
    from PIL import ImageOps

    factor = _shrink_factor(img.size)
    if factor > 1:
        # JPEG decodes straight to 1/2, 1/4 or 1/8 size (and to gray): far less work.
        draft_scale = min(8, 2 ** math.ceil(math.log2(factor)))
        img.draft("L", (max(1, img.size[0] // draft_scale), max(1, img.size[1] // draft_scale)))
    img.load()
    bits = _declared_bits(img)  # before transposing: the copy keeps neither tags nor format
    if _orientation(img) != 1:
        img = ImageOps.exif_transpose(img)
    work, kind = _working_mode(img)
    factor = _shrink_factor(work.size)
    if factor > 1:
        work = work.reduce(factor)  # box average, in C, before anything becomes float
    return np.array(work), kind, bits


def _shrink_factor(size: tuple[int, int]) -> int:
    return max(1, math.ceil(math.sqrt(size[0] * size[1] / READ_PIXELS)))


def _orientation(img) -> int:
    try:
        return int(img.getexif().get(ORIENTATION_TAG, 1))
    except Exception:  # unreadable EXIF: the pixels are still good, read them as stored
        return 1


def _declared_bits(img) -> int | None:
    """The bit depth the file declares for its integer pixels, when it is 8 or 16."""
    tags = getattr(img, "tag_v2", None)
    bits = tags.get(258) if tags is not None else FORMAT_BITS.get(img.format)
    if isinstance(bits, tuple):
        bits = bits[0] if bits else None
    return int(bits) if bits in (8, 16) else None


def _working_mode(img):
    """One of the kinds ``_to_unit_range`` knows, converted by Pillow without loss of range."""
    mode = img.mode
    if mode in ALPHA_MODES or ("transparency" in img.info and mode in ("1", "L", "P", "RGB")):
        # Through RGBA so palette and colour-key transparency become a real alpha channel.
        return img.convert("RGBA").convert("LA"), "LA"
    if mode in SIXTEEN_BIT_MODES:
        return img.convert("I"), "I;16"  # exact; Pillow can shrink "I" but not "I;16"
    if mode in ("I", "F"):
        return img, mode
    if mode in EIGHT_BIT_MODES_NEEDING_RGB:
        return img.convert("RGB").convert("L"), "L"
    return img.convert("L"), "L"


def _to_unit_range(pixels: np.ndarray, kind: str, bits: int | None,
                   name: str) -> tuple[np.ndarray, np.ndarray | None]:
    """Gray (and alpha) as float32 in [0, 1], following the module's range rules."""
    if kind == "L":
        return pixels.astype(np.float32) / 255.0, None
    if kind == "LA":
        return pixels[..., 0].astype(np.float32) / 255.0, pixels[..., 1].astype(np.float32) / 255.0
    if kind == "I;16":
        return pixels.astype(np.float32) / 65535.0, None
    if kind == "I":
        return _integers_to_unit(pixels.astype(np.float64), bits), None
    return _floats_to_unit(pixels.astype(np.float64), name), None


def _integers_to_unit(values: np.ndarray, bits: int | None) -> np.ndarray:
    if values.size == 0:
        return values.astype(np.float32)
    signed = values.min() < 0
    if bits is None or not _fits(values, bits, signed):
        bits = next((b for b in (8, 16) if _fits(values, b, signed)), 32)
    low = -(2.0 ** (bits - 1)) if signed else 0.0
    high = 2.0 ** (bits - 1) - 1 if signed or bits == 32 else 2.0 ** bits - 1
    return ((values - low) / (high - low)).astype(np.float32)


def _fits(values: np.ndarray, bits: int, signed: bool) -> bool:
    if signed:
        return values.min() >= -(2 ** (bits - 1)) and values.max() <= 2 ** (bits - 1) - 1
    return values.max() <= 2 ** bits - 1


def _floats_to_unit(values: np.ndarray, name: str) -> np.ndarray:
    if values.size == 0:
        return values.astype(np.float32)
    if not np.isfinite(values).all():
        raise UserError(tr("{name}: the image has pixels that are not numbers (NaN or infinite)", name=name))
    low, high = values.min(), values.max()
    if low >= 0.0:
        for top in (1.0, 255.0, 65535.0):
            if high <= top:
                return (values / top).astype(np.float32)
    if high == low:
        return np.zeros_like(values, dtype=np.float32)
    return ((values - low) / (high - low)).astype(np.float32)


def composite_alpha(gray: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """One gray picture from gray and alpha (both in [0, 1]) where ink is ink whatever its colour.

    - Alpha the same everywhere says nothing: the gray is the picture (fully transparent: white paper).
    - The opaque pixels all one colour and covering less than half the picture: they are strokes on
      a transparent sheet (white ink, black ink, any ink), so the alpha is where the ink is. Returned
      as dark ink on white paper.
    - Otherwise the opaque part is a page with its own paper and ink (a card with transparent
      corners, a cut-out label): the transparent area takes the colour of the page's edge.
    """
    gray = np.asarray(gray, dtype=np.float32)
    alpha = np.asarray(alpha, dtype=np.float32)
    if gray.size == 0:
        return gray
    if alpha.max() - alpha.min() < 1.0 / 255.0:
        return gray if alpha.max() > 0.0 else np.ones_like(gray)
    opaque = alpha >= 0.5 * alpha.max()
    edge_colour = float(np.median(gray[_edge(opaque)]))
    other_colours = np.abs(gray[opaque] - edge_colour) > SAME_COLOUR
    if opaque.mean() < 0.5 and other_colours.mean() < FEW_PIXELS:
        return (1.0 - alpha).astype(np.float32)
    return (alpha * gray + (1.0 - alpha) * edge_colour).astype(np.float32)


def _edge(opaque: np.ndarray) -> np.ndarray:
    """Opaque pixels beside a transparent one (the picture's border does not count); or all opaque."""
    padded = np.pad(opaque, 1, constant_values=True)
    inside = (padded[:-2, 1:-1] & padded[2:, 1:-1] & padded[1:-1, :-2] & padded[1:-1, 2:])
    edge = opaque & ~inside
    return edge if edge.any() else opaque
