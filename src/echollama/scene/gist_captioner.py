"""Embedded captioner: an ImageNet label for the whole picture (EfficientNet-Lite3) plus what the detector found.

No captioning model ships offline, so this says only what the two models saw, with the classifier's confidence,
instead of inventing a scene (the `paper` profile uses Moondream2 here).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from typing import Any

import numpy as np
from PIL import Image

from echollama.errors import missing_extra
from echollama.models.quiet import native_stderr_silenced
from echollama.models.wheel_files import package_file
from echollama.scene.image import LoadedImage
from echollama.scene.ssd_detector import DETECTOR_PACKAGE
from echollama.scene.words import GUESS_OPENING, count_phrase
from echollama.types import Detection

GIST_MODEL = "models/efficientnet_lite3.tflite"

GIST_LABELS = "models/efficientnet_labels.txt"

_UNSURE_BELOW = 0.15  # under this top-1 probability the classifier's guess is not worth saying
# A synonym that only adds one of these words to the first name is clearer said aloud ("monarch" -> "monarch
# butterfly", "notebook" -> "notebook computer"); others ("church building", "Gorilla gorilla") are not.
_CLEARER_ENDINGS = frozenset(
    [
        "shark",
        "turtle",
        "lizard",
        "rattlesnake",
        "hound",
        "terrier",
        "spaniel",
        "corgi",
        "cat",
        "fly",
        "butterfly",
        "rabbit",
        "sheep",
        "monkey",
        "salmon",
        "pen",
        "light",
        "cabinet",
        "oven",
        "truck",
        "ship",
        "bear",
        "piano",
        "cleaner",
        "worm",
        "pinscher",
        "computer",
    ]
)


def spoken_name(label_line: str) -> str:
    """The name to say for one ImageNet label line ("monarch, monarch butterfly, milkweed butterfly, ...")."""
    names = [name.strip() for name in label_line.split(",")]
    head = names[0].lower() + " "
    for name in names[1:]:
        if name.lower().startswith(head) and name[len(head) :] in _CLEARER_ENDINGS:
            return name
    return names[0]


class GistCaptioner:
    """`threads` interpreters of one thread each, so that two crops (or a crop and the whole picture) are classified
    side by side on two cores; each interpreter still runs one inference at a time."""

    name = "efficientnet-lite3-gist"

    def __init__(self, threads: int = 2) -> None:
        self._threads = max(1, threads)
        self._free: queue.SimpleQueue[Any] = queue.SimpleQueue()  # the interpreters not running now
        self._labels: list[str] = []
        self._input_size = (0, 0)  # (width, height) the model takes
        self._lock = threading.Lock()
        self._last: tuple[np.ndarray, Future[np.ndarray]] | None = None  # the last whole picture and its probabilities

    def load(self) -> None:
        with self._lock:
            if self._labels:
                return
            try:
                from ai_edge_litert.interpreter import Interpreter
            except ImportError:
                raise missing_extra("ai-edge-litert", "embedded") from None
            model = package_file(DETECTOR_PACKAGE, GIST_MODEL)
            labels = package_file(DETECTOR_PACKAGE, GIST_LABELS).read_text(encoding="utf-8").splitlines()
            with native_stderr_silenced():
                for _ in range(self._threads):
                    interpreter = Interpreter(model_path=str(model), num_threads=1)
                    interpreter.allocate_tensors()
                    self._free.put(interpreter)
            height, width = (int(v) for v in interpreter.get_input_details()[0]["shape"][1:3])
            self._input_size = (width, height)
            self._labels = [spoken_name(line) for line in labels]

    def classify(self, image: LoadedImage) -> tuple[str, float]:
        """Top ImageNet label of the whole image and its probability."""
        probabilities = self._probabilities(image)
        best = int(np.argmax(probabilities))
        return self._labels[best], float(probabilities[best])

    @property
    def labels(self) -> list[str]:
        """The 1,000 ImageNet names as said aloud, in the model's class order."""
        self.load()
        return self._labels

    def picture_probabilities(self, image: LoadedImage) -> np.ndarray:
        """ImageNet-1k class probabilities for the whole picture (one run shared by the caption and the setting)."""
        return self._probabilities(image)

    def _probabilities(self, image: LoadedImage) -> np.ndarray:
        """One run per picture, however many ask: the caption, the setting and `SceneAnalyzer`'s early start beside
        detection all ask about the same picture, some of them at once."""
        with self._lock:
            mine = self._last is None or self._last[0] is not image.rgb
            if mine:
                self._last = (image.rgb, Future())
            assert self._last is not None
            probabilities = self._last[1]
        if mine:
            try:
                probabilities.set_result(self.probabilities(image.rgb))
            except BaseException as error:
                probabilities.set_exception(error)
        return probabilities.result()

    def probabilities(self, rgb: np.ndarray) -> np.ndarray:
        """ImageNet-1k class probabilities for an RGB array (a whole picture or an object's crop)."""
        self.load()
        pixels = np.asarray(Image.fromarray(rgb).resize(self._input_size, Image.Resampling.BILINEAR), np.uint8)[None]
        interpreter = self._free.get()  # waits while every interpreter is running
        try:
            interpreter.set_tensor(interpreter.get_input_details()[0]["index"], pixels)
            interpreter.invoke()
            output = interpreter.get_output_details()[0]
            raw = interpreter.get_tensor(output["index"])[0].astype(np.float32)
        finally:
            self._free.put(interpreter)
        scale, zero = output["quantization"]
        return (raw - zero) * scale if scale else raw

    def caption(self, image: LoadedImage, detections: Sequence[Detection]) -> str:
        label, probability = self.classify(image)
        return compose_caption(label, probability, [d.label for d in detections])


def compose_caption(gist_label: str, gist_probability: float, detected_labels: Sequence[str]) -> str:
    """One sentence that keeps each model's claim attributed to it."""
    # No percentages: whatever reads this (an LLM, a listener) must not be invited to say "18% confident".
    if gist_probability >= _UNSURE_BELOW:
        gist = f"{GUESS_OPENING}{'an' if gist_label[:1].lower() in 'aeiou' else 'a'} {gist_label} (a guess)"
    else:
        gist = "It is unclear what the whole picture shows"
    if detected_labels:
        found = f"the object detector found {count_phrase(detected_labels)}"
    else:
        found = "the object detector found no objects it knows"
    return f"{gist}; {found}."
