"""The text reader's share of `echollama eval`: character error rate per photo with text and for the set, and any
text read on photos that have none. Photos: Debian opencv-doc's real scene-text photos (`make setup-dev` installs
them), with the text a person reads on them written by hand; the bundled and labelled photos, which carry no text
(scikit-image's motorcycle has real "YAMAHA" lettering, so it is left out).

CER ignores case and how the text was broken into lines: a reader is not wrong for reading a sign's two lines as one.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import jiwer

from echollama.evaluation.labelled_set import labelled_images
from echollama.samples import SAMPLE_IMAGE
from echollama.scene.image import LoadedImage, load_image
from echollama.scene.reading_order import reading_text

OPENCV_TEXT = Path("/usr/share/doc/opencv-doc/examples/text")
# Read by eye from each photo: every legible line, in reading order.
TEXT_PHOTOS = {
    "scenetext01.jpg": "NOTICE\nDOUBLE\nPARKING\nPROHIBITED\nAT ALL TIMES\nThe Washington Post",
    "scenetext02.jpg": "Sports Centre\nWivenhoe Park\nConference Centre\nCar Parks",
    "scenetext03.jpg": "the copy centre",
    "scenetext04.jpg": "Gmmco\nGM 125",
    "scenetext05.jpg": "NO PARKING\nNO PARKING",
    "scenetext06.jpg": "priory galleries at the ship\npriory galleries at the ship",
}
NO_TEXT_LABELLED = ("coffee", "chelsea", "astronaut", "rocket")


def _plain(text: str) -> str:
    return " ".join(text.lower().split())


def _no_text_photos() -> list[tuple[str, LoadedImage]]:
    photos = [("bundled coffee.jpg", load_image(SAMPLE_IMAGE))]
    try:
        photos += [(item.name, item.load()) for item in labelled_images() if item.name in NO_TEXT_LABELLED]
    except Exception as error:  # scikit-image is a dev extra; the bundled photo alone still counts
        print(f"echollama: eval: text: only the bundled photo without text ({error})", file=sys.stderr)
    return photos


def evaluate_text(reader=None, folder: Path = OPENCV_TEXT) -> dict:
    """CER per text photo and for the set (all edits over all reference characters), and spurious reads."""
    if reader is None:
        from echollama.scene.rapidocr_reader import RapidOcrReader

        reader = RapidOcrReader()
    missing = [name for name in TEXT_PHOTOS if not (folder / name).is_file()]
    if missing:
        return {"skipped": f"{folder} lacks {', '.join(missing)}; as root run: make setup-dev (installs opencv-doc)"}
    per_image, references, hypotheses = {}, [], []
    for name, expected in TEXT_PHOTOS.items():
        start = time.perf_counter()
        got = reading_text(reader.read(load_image(folder / name)))
        seconds = time.perf_counter() - start
        error = jiwer.cer(_plain(expected), _plain(got)) if got.strip() else 1.0
        per_image[name] = {"expected": expected, "read": got, "cer": round(error, 4), "seconds": round(seconds, 3)}
        references.append(_plain(expected))
        hypotheses.append(_plain(got) or "")
        print(f"echollama: eval: text {name}: CER {error:.3f} ({got!r})", file=sys.stderr, flush=True)
    spurious = {name: reading_text(reader.read(image)) for name, image in _no_text_photos()}
    set_cer = jiwer.cer(references, hypotheses)
    print(
        f"echollama: eval: text: CER {set_cer:.3f} on {len(TEXT_PHOTOS)} photos; text read on "
        f"{sum(bool(t) for t in spurious.values())} of {len(spurious)} photos without text",
        file=sys.stderr,
    )
    return {
        "reader": getattr(reader, "name", type(reader).__name__),
        "cer": round(set_cer, 4),
        "images": per_image,
        "no_text_photos": {name: text for name, text in spurious.items()},
        "spurious_reads": sum(bool(t) for t in spurious.values()),
    }
