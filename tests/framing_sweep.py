"""The figures behind scene/framing.py's policy: advice on the two-column page cut at each edge, blurred and shrunk
(the tuning cases), and how often photos with little or no text get advice they should not.

    PYTHONPATH=src:tests python tests/framing_sweep.py
"""

from __future__ import annotations

import glob

import cv2
import numpy as np

from echollama.scene.framing import framing_advice, sharpness
from echollama.scene.image import LoadedImage, load_image
from echollama.scene.rapidocr_reader import RapidOcrReader
from rendered_text import photo, render_two_column_page

WANTED = {"right": "right edge", "left": "left edge", "top": "top edge", "bottom": "bottom edge"}
WANTED.update({"blurred": "too blurred", "small": "too small"})


def tuning_pages() -> list[tuple[str, np.ndarray]]:
    page, _ = render_two_column_page()
    cut = [("right", page[:, :700]), ("right", page[:, :820]), ("left", page[:, 300:]), ("left", page[:, 180:])]
    cut += [("top", page[160:]), ("top", page[66:]), ("bottom", page[:380]), ("bottom", page[:300])]
    cut += [("blurred", cv2.GaussianBlur(page, (0, 0), 3.5))]
    return cut + [("small", cv2.resize(page, None, fx=0.3, fy=0.3, interpolation=cv2.INTER_AREA)), ("whole", page)]


def other_photos() -> list[tuple[str, np.ndarray]]:
    photos = [(name, np.asarray(photo(name))) for name in ("coffee", "chelsea", "astronaut", "rocket", "motorcycle")]
    folder = "/usr/share/doc/opencv-doc/examples"
    for path in sorted(glob.glob(f"{folder}/data/*.jpg")) + sorted(glob.glob(f"{folder}/text/*.jpg")):
        photos.append((path.split("/")[-1], load_image(path).rgb))
    return photos


def main() -> None:
    reader = RapidOcrReader()

    def advice(rgb: np.ndarray) -> str:
        rgb = np.ascontiguousarray(rgb)
        _, seen = reader.read_lines(LoadedImage(rgb=rgb, source="sweep"))
        return framing_advice(seen, rgb.shape[1], rgb.shape[0], sharpness(rgb))

    right = 0
    for kind, rgb in tuning_pages():
        heard = advice(rgb)
        ok = (heard == "") if kind == "whole" else (WANTED[kind] in heard and "edges" not in heard)
        right += ok and kind != "whole"
        print(f"{kind:8s} {'right' if ok else 'WRONG'}: {heard!r}")
    print(f"tuning pages: the right advice in {right} of 10")
    advised = [(name, heard) for name, rgb in other_photos() if (heard := advice(rgb))]
    for name, heard in advised:
        print(f"  advice on {name}: {heard!r}")
    print(f"other photos: advice on {len(advised)} of {len(other_photos())}")


if __name__ == "__main__":
    main()
