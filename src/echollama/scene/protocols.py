"""The perception roles. Each backend is one file in this folder; `echollama.pipeline` picks them per profile.

A backend loads its model lazily, on first use, and is safe to call from several threads one call at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from echollama.scene.image import LoadedImage
from echollama.types import Camera, CodeRegion, Detection, TextRegion


class Detector(Protocol):
    name: str

    def detect(self, image: LoadedImage, threshold: float) -> list[Detection]:
        """Objects scoring at least `threshold`, best first."""
        ...


class DepthEstimator(Protocol):
    name: str
    unit: str  # what z means: "metres" (bigger = farther) or "inverse relative depth" (bigger = nearer)

    def estimate_depth(self, image: LoadedImage, detections: Sequence[Detection], camera: Camera) -> list[Detection]:
        """The same detections, in order, with `z` (and `distance_m` when metric) filled in."""
        ...


class Captioner(Protocol):
    name: str

    def caption(self, image: LoadedImage, detections: Sequence[Detection]) -> str:
        """One short description of the whole image; it must not claim more than the models saw."""
        ...


class TextReader(Protocol):
    name: str

    def read(self, image: LoadedImage) -> list[TextRegion]:
        """Lines of text worth reporting (spurious reads already filtered out), in no particular order."""
        ...


class CodeReader(Protocol):
    name: str

    def read(self, image: LoadedImage) -> list[CodeRegion]:
        """QR codes and barcodes read in the image (only those that decode whole), placed (cell, direction)."""
        ...
