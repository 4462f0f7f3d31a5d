"""QR codes and barcodes: found and read with zxing-cpp, placed in the picture (cell, spoken direction).

zxing-cpp read more of our photographed test codes than OpenCV 5's detectors and as many as ZBar, and fastest
(`tests/code_reader_sweep.py`): 10 of 10, in about 0.05 s on a 1280 px photo. It returns only codes whose checksum or
error correction holds, so a code cut off or smudged past repair is not read at all (silence, not a guess).

What a code holds is data: it is quoted or named (a web address as its domain), never opened, followed or obeyed.
"""

from __future__ import annotations

import importlib.util
import re
import unicodedata

import numpy as np

from echollama.errors import missing_extra
from echollama.scene.camera import camera_for
from echollama.scene.grid import bearing_degrees, clock_direction, grid_cell, horizontal_third
from echollama.scene.image import LoadedImage
from echollama.scene.words import side_words
from echollama.types import Box, Camera, CodeRegion

# Two-dimensional codes a phone camera meets; the rest of what zxing-cpp knows (postal, film edge, industrial)
# are never what a listener points at, and each more symbology is one more way to read a pattern that is not there.
_QR = ("QRCode", "MicroQRCode", "RMQRCode")
_BARCODES = ("EAN13", "EAN8", "UPCA", "UPCE", "Code128", "Code39", "Code93", "ITF", "DataBar", "DataBarExp")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # bytes a code may carry that no voice should meet


class ZxingCodeReader:
    name = "zxing-cpp"

    def read(self, image: LoadedImage) -> list[CodeRegion]:
        """Every code read in the image, placed; the same code found twice is kept once."""
        if importlib.util.find_spec("zxingcpp") is None:
            raise missing_extra("zxing-cpp", "embedded")
        import zxingcpp

        formats = zxingcpp.BarcodeFormats([getattr(zxingcpp.BarcodeFormat, name) for name in (*_QR, *_BARCODES)])
        found = zxingcpp.read_barcodes(np.ascontiguousarray(image.rgb[:, :, ::-1]), formats=formats)
        camera = camera_for(image.width, image.height, image.focal_35mm)
        codes: list[CodeRegion] = []
        for barcode in found:
            code = _code(barcode, camera)
            if code is not None and all((c.text, c.symbology) != (code.text, code.symbology) for c in codes):
                codes.append(code)
        return codes


def _code(barcode, camera: Camera) -> CodeRegion | None:
    symbology = str(barcode.format)  # "QR Code", "EAN-13", "Code 128", ...
    text = clean_text(barcode.text)
    if symbology == "EAN-13" and len(text) == 13 and text.startswith("0"):
        symbology, text = "UPC-A", text[1:]  # a UPC-A is an EAN-13 with a leading 0; it is printed with 12 digits
    box = _bounds(barcode.position, camera.width, camera.height)
    if not text or box is None:
        return None
    x, y = (box[0] + box[2]) / 2.0, (box[1] + box[3]) / 2.0
    third = horizontal_third(x, camera.width)
    return CodeRegion(
        kind="QR code" if "QR" in symbology else "barcode",
        symbology=symbology,
        text=text,
        box=box,
        cell=grid_cell(x, y, camera.width, camera.height),
        direction=side_words(third, bearing_degrees(x, camera), clock_direction(x, camera)),
    )


def clean_text(text: str) -> str:
    """The content as one line of plain characters: control bytes and runs of space become one space."""
    return " ".join(_CONTROL.sub(" ", unicodedata.normalize("NFKC", text)).split())


def _bounds(position, width: int, height: int) -> Box | None:
    corners = (position.top_left, position.top_right, position.bottom_right, position.bottom_left)
    xs = [min(max(float(point.x), 0.0), float(width)) for point in corners]
    ys = [min(max(float(point.y), 0.0), float(height)) for point in corners]
    x1, y1, x2, y2 = min(xs), min(ys), max(xs), max(ys)
    if y2 <= y1:  # a barcode may be located by its scan line alone: give it a sliver of height
        y1, y2 = max(y1 - 1.0, 0.0), min(y2 + 1.0, float(height))
    return (x1, y1, x2, y2) if x2 > x1 and y2 > y1 else None
