"""Opening a user's image safely: one clear InputError for anything that is not a usable picture.

Returns RGB pixels turned upright by the EXIF orientation, plus the EXIF 35 mm-equivalent focal length if any.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from echollama.errors import InputError
from echollama.input_files import read_input_file
from echollama.models.background_load import while_loading

# Images larger than this are refused before decoding (decompression bombs; a 48 MP phone photo still passes).
MAX_IMAGE_PIXELS = 64_000_000

MAX_IMAGE_BYTES = 64 * 1024 * 1024

_EXIF_IFD = 0x8769
_FOCAL_LENGTH_35MM = 0xA405


@dataclass(frozen=True)
class LoadedImage:
    rgb: np.ndarray  # H x W x 3, uint8
    source: str
    focal_35mm: float | None = None

    @property
    def width(self) -> int:
        return int(self.rgb.shape[1])

    @property
    def height(self) -> int:
        return int(self.rgb.shape[0])


def load_image(path: str | Path) -> LoadedImage:
    """Read an image file, refusing missing, empty, huge, corrupt and non-image files with a clear message."""
    data = read_input_file(path, "an image file", MAX_IMAGE_BYTES)
    return decode_image(data, str(path))


def decoded_while(image: str | Path | LoadedImage, loads: Iterable[Future]) -> LoadedImage:
    """The image's pixels: a LoadedImage as it is, a file decoded while `loads` go on (while_loading: on a bad file
    its error goes up once they are done)."""
    if isinstance(image, LoadedImage):
        return image
    return while_loading(partial(load_image, image), loads)


def decode_image(data: bytes, source: str = "<upload>", fit_pixels: int | None = None) -> LoadedImage:
    """Decode image bytes (from a file or an upload) with the same checks as `load_image`. A JPEG over `fit_pixels`
    is decoded at 1/2, 1/4 or 1/8 of its size (libjpeg's draft mode), the first that fits."""
    if not data:
        raise InputError(f"{source}: the file is empty (0 bytes)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size  # read from the header, before any pixel is decoded
            if fit_pixels is not None and width * height > fit_pixels and image.format in ("JPEG", "MPO"):
                image.draft("RGB", _draft_size(width, height, fit_pixels))
                width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise InputError(
                    f"{source}: the image is {width}x{height} pixels ({width * height / 1e6:.0f} MP); "
                    f"at most {MAX_IMAGE_PIXELS / 1e6:.0f} MP is accepted"
                )
            image.load()
            focal = _focal_35mm(image)
            rgb = ImageOps.exif_transpose(image).convert("RGB")
    except InputError:
        raise
    except UnidentifiedImageError:
        raise InputError(f"{source}: not an image file (or a format Pillow cannot read)") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InputError(
            f"{source}: the image has too many pixels to decode safely "
            f"(at most {MAX_IMAGE_PIXELS / 1e6:.0f} MP is accepted)"
        ) from None
    except (OSError, SyntaxError, ValueError) as error:
        raise InputError(f"{source}: the image is truncated or corrupt ({error})") from None
    return LoadedImage(rgb=np.asarray(rgb, dtype=np.uint8), source=source, focal_35mm=focal)


def _draft_size(width: int, height: int, fit_pixels: int) -> tuple[int, int]:
    """The size to ask `Image.draft` for: it decodes at the largest of 1/2, 1/4, 1/8 that keeps at least this."""
    scale = next((s for s in (2, 4, 8) if -(-width // s) * -(-height // s) <= fit_pixels), 8)
    return width // scale, height // scale


def _focal_35mm(image: Image.Image) -> float | None:
    try:
        value = image.getexif().get_ifd(_EXIF_IFD).get(_FOCAL_LENGTH_35MM)
        focal = float(value) if value else None
    except Exception:  # broken EXIF must not stop a description; we fall back to the default field of view
        return None
    return focal if focal and 8.0 <= focal <= 800.0 else None
