"""Image records: validation at upload and loading into arrays on a worker (torch-free).

An image dataset is JSONL like every other dataset, one image per line:

    {"png": "<base64 PNG bytes>", "label": 3}

`png` is required: a PNG of 8-bit grayscale ("L") or RGB pixels, 1 to MAX_SIDE pixels a side
and at most MAX_PIXELS in all. `label` is an optional class label, an integer in
[0, MAX_LABEL]. Across a dataset every image has the same number of channels, and either every
record has a label or none has (`ImageRowCheck`). Images may differ in size: the job decides
the resolution and resizes (see `load_image_records`).

The size is read from the PNG header before any pixel is decoded, so a 20,000 x 20,000 header
is refused without allocating the image.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import math
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kiln_trainer.data.formats import RecordError

MAX_SIDE = 4096  # pixels a side
MAX_PIXELS = 4096 * 4096  # width * height, checked from the header before decoding
MAX_LABEL = 9999
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MODES = {"L": 1, "RGB": 3}  # PIL mode -> channels


@dataclass(frozen=True)
class ImageInfo:
    width: int
    height: int
    channels: int
    label: int | None


def decode_png(data: bytes, field: str = "png") -> tuple[np.ndarray, int]:
    """(H, W, C) uint8 pixels of a PNG, and its channel count; RecordError(field) if it is not a
    decodable 8-bit grayscale or RGB PNG within the size limits."""
    from PIL import Image

    if not data.startswith(PNG_MAGIC):
        raise RecordError(field, "is not a PNG (no PNG signature)")
    # The size comes from the IHDR chunk, which must come first: read it by hand, so that an
    # oversized or empty image is refused before any library looks at (or allocates) pixels.
    if len(data) < 24 or data[12:16] != b"IHDR":
        raise RecordError(field, "is not a decodable PNG (no IHDR chunk first)")
    width, height = struct.unpack(">II", data[16:24])
    if width < 1 or height < 1:
        raise RecordError(field, f"has no pixels ({width}x{height})")
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise RecordError(field, f"is {width}x{height}; at most {MAX_SIDE} pixels a side and {MAX_PIXELS} in all")
    try:
        img = Image.open(io.BytesIO(data), formats=["PNG"])
    except Exception as exc:  # PIL raises several types for a broken header
        raise RecordError(field, f"is not a decodable PNG ({type(exc).__name__})") from None
    if img.mode not in MODES:
        raise RecordError(field, f"must be 8-bit grayscale or RGB, got PIL mode {img.mode!r}")
    try:
        img.load()  # decodes every chunk: catches truncated or corrupt pixel data
    except Exception as exc:
        raise RecordError(field, f"is not a decodable PNG ({type(exc).__name__}: {exc})") from None
    pixels = np.asarray(img, dtype=np.uint8)
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    return pixels, MODES[img.mode]


def validate_image_record(obj: object) -> ImageInfo:
    """Check one parsed JSON record; RecordError naming the field if it is not an image record."""
    if not isinstance(obj, dict):
        raise RecordError("record", f"must be a JSON object, got {type(obj).__name__}")
    if "png" not in obj:
        raise RecordError("png", "missing")
    raw = obj["png"]
    if not isinstance(raw, str) or not raw:
        raise RecordError("png", f"must be a non-empty base64 string, got {type(raw).__name__}")
    try:
        data = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise RecordError("png", "is not valid base64") from None
    pixels, channels = decode_png(data)
    label = obj.get("label")
    if label is not None and (isinstance(label, bool) or not isinstance(label, int)):
        raise RecordError("label", f"must be an integer class label, got {type(label).__name__}")
    if label is not None and not 0 <= label <= MAX_LABEL:
        raise RecordError("label", f"must be in [0, {MAX_LABEL}], got {label}")
    return ImageInfo(width=pixels.shape[1], height=pixels.shape[0], channels=channels, label=label)


class ImageRowCheck:
    """The rules that span records: one channel count, and labels on every record or on none.
    `add` raises RecordError naming the field of the first record that breaks them."""

    def __init__(self) -> None:
        self.channels: int | None = None
        self.labelled: bool | None = None
        self.first_line = 0
        self.classes: set[int] = set()

    def add(self, info: ImageInfo, line: int) -> None:
        if self.channels is None:
            self.channels, self.labelled, self.first_line = info.channels, info.label is not None, line
        if info.channels != self.channels:
            raise RecordError(
                "png",
                f"has {info.channels} channel(s) but line {self.first_line} has {self.channels}; "
                "every image of a dataset must be grayscale or every one RGB",
            )
        if (info.label is not None) != self.labelled:
            raise RecordError(
                "label",
                f"{'missing' if self.labelled else 'present'} here but "
                f"{'present' if self.labelled else 'absent'} on line {self.first_line}; "
                "label every record or none",
            )
        if info.label is not None:
            self.classes.add(info.label)


def encode_png(pixels: np.ndarray) -> bytes:
    """PNG bytes of (H, W) or (H, W, 1|3) uint8 pixels."""
    from PIL import Image

    arr = np.asarray(pixels, dtype=np.uint8)
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    buf = io.BytesIO()
    Image.fromarray(arr, mode="L" if arr.ndim == 2 else "RGB").save(buf, format="PNG")
    return buf.getvalue()


def image_record(pixels: np.ndarray, label: int | None = None) -> dict:
    rec: dict = {"png": base64.b64encode(encode_png(pixels)).decode("ascii")}
    if label is not None:
        rec["label"] = int(label)
    return rec


@dataclass
class ImageArrays:
    images: np.ndarray  # (N, C, R, R) float32 in [0, 1]
    labels: np.ndarray | None  # (N,) int64, or None when the dataset has no labels
    num_classes: int  # max label + 1; 0 without labels


def resize_square(pixels: np.ndarray, resolution: int) -> np.ndarray:
    """(H, W, C) uint8 -> (R, R, C) uint8: centre-crop to a square, then bilinear resize. Cropping
    keeps the aspect ratio (no stretching); the job's resolution decides R."""
    from PIL import Image

    h, w = pixels.shape[:2]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    square = pixels[top : top + side, left : left + side]
    if side == resolution:
        return square
    channels = square.shape[2]
    img = Image.fromarray(square[:, :, 0] if channels == 1 else square)
    out = np.asarray(img.resize((resolution, resolution), Image.Resampling.BILINEAR), dtype=np.uint8)
    return out[:, :, None] if out.ndim == 2 else out


def load_image_records(path: str | Path, resolution: int, field: str = "train_path") -> ImageArrays:
    """Read an image JSONL file into arrays at `resolution` (validated again: a worker may be given
    any file). RecordError(field) names the line of a bad record."""
    images, labels = [], []
    rows = ImageRowCheck()
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                validate_image_record(obj)  # the limits, before decoding for real
                pixels, _ = decode_png(base64.b64decode(obj["png"]))
                info = ImageInfo(pixels.shape[1], pixels.shape[0], pixels.shape[2], obj.get("label"))
                rows.add(info, n)
            except json.JSONDecodeError as e:
                raise RecordError(field, f"invalid JSON ({e.msg})", line=n) from None
            except RecordError as e:
                raise RecordError(field, f"{e.field}: {e.message}", line=n) from None
            images.append(resize_square(pixels, resolution))
            labels.append(info.label)
    if not images:
        raise RecordError(field, f"no image records in {path}")
    arr = np.stack(images).astype(np.float32).transpose(0, 3, 1, 2) / 255.0
    if rows.labelled:
        lab = np.asarray(labels, dtype=np.int64)
        return ImageArrays(arr, lab, int(lab.max()) + 1)
    return ImageArrays(arr, None, 0)


def to_uint8(images: np.ndarray) -> np.ndarray:
    """(N, C, R, R) floats in [0, 1] -> (N, R, R, C) uint8 pixels."""
    return np.rint(np.clip(np.asarray(images, dtype=np.float32), 0.0, 1.0) * 255).astype(np.uint8).transpose(0, 2, 3, 1)


def image_grid(images: np.ndarray, columns: int = 8, pad: int = 1) -> np.ndarray:
    """(N, C, R, R) floats in [0, 1] -> one (H, W, C) uint8 picture of them in rows of `columns`."""
    pixels = to_uint8(images)
    n, r, _, c = pixels.shape
    rows = math.ceil(n / columns)
    grid = np.zeros((rows * (r + pad) + pad, columns * (r + pad) + pad, c), np.uint8)
    for i, img in enumerate(pixels):
        y, x = divmod(i, columns)
        grid[pad + y * (r + pad) : pad + y * (r + pad) + r, pad + x * (r + pad) : pad + x * (r + pad) + r] = img
    return grid
