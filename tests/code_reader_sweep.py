"""Which library reads more of our photographed codes: zxing-cpp (what scene/code_reader.py uses), OpenCV 5's QR
(ArUco-based) and barcode detectors, and ZBar (pyzbar, with Debian's libzbar0; not a dependency, skipped if absent).
Prints, per reader and per set, how many of the ten codes were read exactly, and the median time per photo.

    PYTHONPATH=src:tests python tests/code_reader_sweep.py
"""

from __future__ import annotations

import statistics
import time

import cv2
import numpy as np

from code_photos import code_photos

SETS = {
    "test set (card 30-42 % of the width, blur 0.6-1.3 px)": {},
    "smaller (15-22 %)": {"size": (0.15, 0.22)},
    "blurrier (2.0-2.8 px)": {"blur": (2.0, 2.8)},
    "both": {"size": (0.15, 0.22), "blur": (2.0, 2.8)},
}


def zxing(bgr: np.ndarray) -> list[str]:
    from echollama.scene.code_reader import ZxingCodeReader
    from echollama.scene.image import LoadedImage

    return [code.text for code in ZxingCodeReader().read(LoadedImage(rgb=bgr[:, :, ::-1], source="sweep"))]


def opencv(bgr: np.ndarray) -> list[str]:
    found, texts, _, _ = cv2.QRCodeDetectorAruco().detectAndDecodeMulti(bgr)
    read = [t for t in texts if t] if found else []
    found, infos, kinds, _ = cv2.barcode.BarcodeDetector().detectAndDecodeWithType(bgr)
    # OpenCV reports a UPC-A as EAN-13 with a leading 0, as zxing-cpp does; code_reader.py drops it, so here too.
    return read + [t[1:] if kind == "EAN_13" and t.startswith("0") else t for t, kind in zip(infos, kinds) if t]


def zbar(bgr: np.ndarray) -> list[str]:
    from pyzbar import pyzbar

    texts = [(r.type, r.data.decode("utf-8", "replace")) for r in pyzbar.decode(cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY))]
    return [t[1:] if kind == "EAN13" and t.startswith("0") else t for kind, t in texts]


def readers() -> dict:
    found = {"zxing-cpp": zxing, "opencv": opencv}
    try:
        from pyzbar import pyzbar  # noqa: F401  (needs libzbar0)

        found["zbar"] = zbar
    except (ImportError, OSError):
        print("zbar: skipped (pip install pyzbar; apt-get install libzbar0)")
    return found


def main() -> None:
    for name, harder in SETS.items():
        photos = code_photos(**harder)
        for reader, read in readers().items():
            right, times = 0, []
            for code, rgb in photos:
                bgr = np.ascontiguousarray(rgb[:, :, ::-1])
                start = time.perf_counter()
                texts = read(bgr)
                times.append(time.perf_counter() - start)
                right += code.text in texts
            print(f"{name:55s} {reader:10s} {right:2d}/10 read exactly, median {statistics.median(times):.3f} s")


if __name__ == "__main__":
    main()
