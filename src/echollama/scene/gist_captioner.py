"""Embedded captioner: an ImageNet label for the whole picture (EfficientNet-Lite3) plus what the detector found.

No captioning model ships offline, so this says only what the two models saw, with the classifier's confidence,
instead of inventing a scene (the `paper` profile uses Moondream2 here).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
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
    name = "efficientnet-lite3-gist"

    def __init__(self, threads: int = 2) -> None:
        self._threads = threads
        self._interpreter: Any = None
        self._labels: list[str] = []
        self._lock = threading.Lock()  # a TFLite interpreter runs one inference at a time
        self._last: tuple[np.ndarray, np.ndarray] | None = None  # the last whole picture and its probabilities

    def load(self) -> None:
        if self._interpreter is not None:
            return
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError:
            raise missing_extra("ai-edge-litert", "embedded") from None
        model = package_file(DETECTOR_PACKAGE, GIST_MODEL)
        labels = package_file(DETECTOR_PACKAGE, GIST_LABELS).read_text(encoding="utf-8").splitlines()
        with native_stderr_silenced():
            interpreter = Interpreter(model_path=str(model), num_threads=self._threads)
            interpreter.allocate_tensors()
        self._labels = [spoken_name(line) for line in labels]
        self._interpreter = interpreter

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
        with self._lock:
            if self._last is not None and self._last[0] is image.rgb:
                return self._last[1]  # the caption and the setting ask about the same picture
        probabilities = self.probabilities(image.rgb)
        with self._lock:
            self._last = (image.rgb, probabilities)
        return probabilities

    def probabilities(self, rgb: np.ndarray) -> np.ndarray:
        """ImageNet-1k class probabilities for an RGB array (a whole picture or an object's crop)."""
        self.load()
        interpreter = self._interpreter
        size = tuple(int(v) for v in interpreter.get_input_details()[0]["shape"][1:3])
        pixels = np.asarray(Image.fromarray(rgb).resize((size[1], size[0]), Image.Resampling.BILINEAR), dtype=np.uint8)[
            None
        ]
        with self._lock:
            interpreter.set_tensor(interpreter.get_input_details()[0]["index"], pixels)
            interpreter.invoke()
            output = interpreter.get_output_details()[0]
            raw = interpreter.get_tensor(output["index"])[0].astype(np.float32)
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
