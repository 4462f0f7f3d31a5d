"""Measure the text reader's score/size policy (not a test; run by hand when the policy or the model changes):

    PYTHONPATH=src:tests HF_HUB_OFFLINE=1 .venv/bin/python tests/text_policy_sweep.py

Prints every raw read on photos without text and on photos with text, its glyph line height (pixels and share of
the image height), and whether `keep_read` keeps it. Figures from a run go beside `ReadPolicy` in rapidocr_reader.py.
"""

from __future__ import annotations

import glob
import time

import numpy as np
from PIL import Image

import rendered_text
from echollama.scene.image import LoadedImage, load_image
from echollama.scene.rapidocr_reader import RapidOcrReader, keep_read, line_height

OPENCV_DOC = "/usr/share/doc/opencv-doc/examples"


def _without_text() -> dict[str, np.ndarray]:
    photos = {name: np.asarray(rendered_text.photo(name)) for name in (*rendered_text.NO_TEXT_PHOTOS, "motorcycle")}
    photos["bundled coffee.jpg"] = load_image("src/echollama/data/coffee.jpg").rgb
    for path in sorted(glob.glob(f"{OPENCV_DOC}/data/*.jpg")):
        photos["opencv " + path.rsplit("/", 1)[1]] = np.asarray(Image.open(path).convert("RGB"))
    return photos


def _with_text() -> dict[str, np.ndarray]:
    photos = {f"rendered {scene.name}": rendered_text.render_scene(scene) for scene in rendered_text.SCENES}
    photos["rendered page"] = rendered_text.render_two_column_page()[0]
    for path in sorted(glob.glob(f"{OPENCV_DOC}/text/scenetext0*.jpg")):
        photos["opencv " + path.rsplit("/", 1)[1]] = np.asarray(Image.open(path).convert("RGB"))
    return photos


def main() -> None:
    reader = RapidOcrReader()
    reader.load()
    for title, photos in (
        ("WITHOUT TEXT (opencv board/LinuxLogo/messi5 and motorcycle do have some)", _without_text()),
        ("WITH TEXT", _with_text()),
    ):
        print(f"== {title}")
        for name, rgb in photos.items():
            image = LoadedImage(rgb=np.ascontiguousarray(rgb), source=name)
            start = time.perf_counter()
            reads = reader.raw_reads(image)
            seconds = time.perf_counter() - start
            print(f"{name} {image.width}x{image.height} {seconds:.2f} s")
            for read in reads:
                height = line_height(read.quad)
                kept = "KEPT   " if keep_read(read.text, read.score, height, image.height) else "dropped"
                print(
                    f"   {kept} {read.text!r:40} score {read.score:.2f}  line {height:5.0f} px "
                    f"({height / image.height:.3f} of height)"
                )


if __name__ == "__main__":
    main()
