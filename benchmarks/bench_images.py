"""Measure reading large image files: shrinking while reading against reading at full size, and bombs.

Run:  python benchmarks/bench_images.py [--repeats 5]

The files are made in a temporary folder: a 6000x4000 JPEG and an 8000x6000 PNG (a digit on grainy
paper, like a photograph), and PNG headers declaring 20000x20000 and 10000x10000 pixels (over
Pillow's decompression-bomb limit: the error and the warning level). Each comparison alternates its
two sides in one run and reports medians, so whatever else the machine does falls on both alike.
"""
from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import struct
import sys
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lstm_viewer.core import images  # noqa: E402  (after sys.path is set)
from lstm_viewer.core.errors import UserError  # noqa: E402  (after sys.path is set)
from lstm_viewer.core.preprocess import preprocess  # noqa: E402  (after sys.path is set)


def photo(width: int, height: int) -> np.ndarray:
    """Light paper with a little grain (sigma 2 grey levels) and a dark 7 across the middle third, RGB."""
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(0)
    paper = np.clip(rng.normal(225, 2, (height, width)), 0, 255).astype(np.uint8)
    image = Image.fromarray(paper).convert("RGB")
    draw = ImageDraw.Draw(image)
    x0, y0, size = width // 3, height // 3, height // 3
    stroke = max(3, size // 12)
    draw.line([(x0, y0), (x0 + size, y0), (x0 + size // 3, y0 + size)], fill=(30, 30, 40), width=stroke)
    return np.asarray(image)


def png_header(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b""))


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def load_full_size(path: Path) -> np.ndarray:
    saved = images.READ_PIXELS
    images.READ_PIXELS = math.inf
    try:
        return images.load_image(path)
    finally:
        images.READ_PIXELS = saved


def refused(path: Path) -> str:
    try:
        images.load_image(path)
    except UserError as error:
        return str(error)
    raise AssertionError(f"{path} was read")


def compare(path: Path, repeats: int) -> dict:
    shrunk, full = [], []
    for _ in range(repeats):
        shrunk.append(timed(lambda: images.load_image(path)))
        full.append(timed(lambda: load_full_size(path)))
    small, large = images.load_image(path), load_full_size(path)
    agreement = float(np.abs(preprocess(small) - preprocess(large)).mean())
    return {"shrunk_s": statistics.median(shrunk), "full_s": statistics.median(full),
            "speedup": statistics.median(full) / statistics.median(shrunk),
            "shape": small.shape, "full_shape": large.shape,
            "preprocessed_mean_abs_difference": agreement,
            "preprocess_s": timed(lambda: preprocess(small))}


def main() -> None:
    from PIL import Image

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, {platform.system()}, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        jpeg, png = folder / "photo.jpg", folder / "scan.png"
        Image.fromarray(photo(6000, 4000)).save(jpeg, quality=90)
        Image.fromarray(photo(8000, 6000)).save(png, compress_level=1)
        for name, path in (("6000x4000 JPEG", jpeg), ("8000x6000 PNG", png)):
            result = compare(path, args.repeats)
            print(f"{name} ({path.stat().st_size / 1e6:.1f} MB): read shrunk to {result['shape']} in "
                  f"{result['shrunk_s'] * 1e3:.0f} ms, at full size {result['full_shape']} in "
                  f"{result['full_s'] * 1e3:.0f} ms: {result['speedup']:.1f}x faster; preprocess of "
                  f"the shrunk picture {result['preprocess_s'] * 1e3:.0f} ms; the 28x28 inputs differ "
                  f"by {result['preprocessed_mean_abs_difference']:.4f} on average")
        for width, height in ((20_000, 20_000), (10_000, 10_000)):
            path = folder / f"bomb_{width}.png"
            path.write_bytes(png_header(width, height))
            seconds = statistics.median(timed(lambda path=path: refused(path)) for _ in range(args.repeats))
            print(f"{width}x{height} PNG header ({width * height / 1e6:.0f} Mpx): refused in "
                  f"{seconds * 1e3:.2f} ms: {refused(path).split(': ', 1)[1]}")


if __name__ == "__main__":
    main()
