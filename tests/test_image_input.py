"""Bad images get one clear InputError; good ones come back upright with their EXIF focal length."""

import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from echollama.errors import InputError
from echollama.scene.image import load_image


def file_with(path, data):
    path.write_bytes(data)
    return path


def png_header_only(width, height):
    """A tiny PNG file whose header claims width x height RGB pixels."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


def write_jpeg(path, width=64, height=32, exif=None):
    image = Image.fromarray(np.full((height, width, 3), 128, dtype=np.uint8))
    image.save(path, format="JPEG", exif=exif) if exif is not None else image.save(path, format="JPEG")
    return path


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda d: d / "missing.jpg", "no such file"),
        (lambda d: d, "is a directory"),
        (lambda d: file_with(d / "empty.jpg", b""), "empty"),
        (lambda d: file_with(d / "notes.jpg", b"not a picture at all"), "not an image"),
    ],
)
def test_unusable_files_are_refused_clearly(tmp_path, make, message):
    with pytest.raises(InputError, match=message):
        load_image(make(tmp_path))


def test_truncated_image_is_refused(tmp_path):
    good = write_jpeg(tmp_path / "good.jpg", 256, 256)
    data = good.read_bytes()
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="truncated or corrupt"):
        load_image(cut)


def test_decompression_bomb_is_refused_before_decoding(tmp_path):
    # A PNG header that claims 100000 x 100000 pixels: 10 gigapixels from a file of a few hundred bytes.
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_header_only(100_000, 100_000))
    with pytest.raises(InputError, match="pixels|too large"):
        load_image(bomb)


def test_exif_focal_length_and_orientation_are_used(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    exif.get_ifd(0x8769)[0xA405] = 26  # FocalLengthIn35mmFilm
    path = write_jpeg(tmp_path / "phone.jpg", width=64, height=32, exif=exif)
    image = load_image(path)
    assert image.focal_35mm == 26.0
    assert (image.width, image.height) == (32, 64)  # turned upright


def test_image_without_exif_has_no_focal_length(tmp_path):
    assert load_image(write_jpeg(tmp_path / "plain.jpg")).focal_35mm is None
