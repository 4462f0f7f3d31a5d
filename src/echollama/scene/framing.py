"""Framing help for reading: whether the text in a photo runs off an edge, or is too small or blurred to read, and
what to do about it ("The text runs off the right edge; move the camera right or step back."). Pure code.

It looks at every line the text detector found, before the reading policy drops any (`rapidocr_reader.py`): lines
whose box touches a border are cut there; lines too low for the recogniser are too small; lines high enough whose
reads score low are blurred (the detector still finds blurred text, the recogniser cannot read it).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from echollama.types import Box


@dataclass(frozen=True)
class SeenLine:
    """One line the text detector found, kept or not: its box clipped to the picture, glyph height and read score."""

    box: Box
    height_px: float
    score: float
    kept: bool = False  # passed the reading policy: real text, read

    @property
    def aspect(self) -> float:
        return (self.box[2] - self.box[0]) / max(self.height_px, 1.0)


@dataclass(frozen=True)
class FramingPolicy:
    """Measured on rendered pages cut at each edge, blurred and shrunk, and on 70 photos with little or no text
    (tests/test_framing.py; the figures are in its docstring). The text detector also finds "lines" in fur, foliage
    and chessboards, so only line-shaped boxes count, and edges are judged only where some text was read."""

    min_aspect: float = 2.0  # width / height of a line of text; spurious boxes were mostly squarish
    max_height_fraction: float = 0.6  # as the reading policy: spurious boxes spanned up to the whole picture
    touch_lines: float = 0.4  # a box this many line heights (or 3 px) from a border touches it
    min_touching: float = 0.15  # share of the lines touching a side border before the text "runs off" it
    small_px: float = 12.0  # lines lower than this are too small (the recogniser misreads under ~10 px)
    readable_score: float = 0.90  # as the reading policy: real text read right scored 0.91-1.00
    min_block: int = 3  # lines that make a block of small or blurred text, not a stray mark
    min_height_ratio: float = 0.25  # of the read lines' height: the sliver of a line cut across still counts
    blurred_share: float = 0.4  # of the lines high enough to read: this many unread means the picture is blurred
    blurred_under: float = 16.0  # `sharpness` under which a picture with nothing read is called blurred


POLICY = FramingPolicy()
BLURRED = "The picture is too blurred to read; hold the camera still, check the lens is clean, and try again."
_MOVES = {"left": "move the camera left", "right": "move the camera right", "top": "tilt the camera up"}
_MOVES["bottom"] = "tilt the camera down"


def text_lines(lines: Sequence[SeenLine], height: int, policy: FramingPolicy = POLICY) -> list[SeenLine]:
    """The lines shaped like lines of text (read or not)."""
    return [
        line
        for line in lines
        if line.kept or (line.aspect >= policy.min_aspect and line.height_px <= policy.max_height_fraction * height)
    ]


def edges_cut(lines: Sequence[SeenLine], width: int, height: int, policy: FramingPolicy = POLICY) -> list[str]:
    """The borders the text runs off: 'left', 'right', 'top', 'bottom' (in that order); none where no line of text
    was read (a lone read character on a chessboard is not a page)."""
    read = [line for line in lines if line.kept and line.aspect >= policy.min_aspect]
    if not read:
        return []
    line_height = statistics.median(line.height_px for line in read)
    reach = max(3.0, policy.touch_lines * line_height)
    # Unread lines count when sized like the read ones (a line cut across keeps a sliver of its height); a box from
    # the top border to the bottom one is the whole picture mistaken for a line, not a line cut twice.
    lines = [
        line
        for line in text_lines(lines, height, policy)
        if (line.kept or policy.min_height_ratio * line_height <= line.height_px <= 2 * line_height)
        and not (line.box[1] <= reach and line.box[3] >= height - reach)
    ]
    touching = {
        "left": sum(line.box[0] <= reach for line in lines),
        "right": sum(line.box[2] >= width - reach for line in lines),
        "top": sum(line.box[1] <= reach for line in lines),
        "bottom": sum(line.box[3] >= height - reach for line in lines),
    }
    # Every line of a column cut at a side touches it; only the one line cut across touches the top or bottom.
    needed = {"left": policy.min_touching * len(lines), "right": policy.min_touching * len(lines)}
    return [edge for edge, count in touching.items() if count > 0 and count >= needed.get(edge, 1)]


def sharpness(rgb: np.ndarray) -> float:
    """How crisp the picture is: the 99.5th percentile of the Laplacian's magnitude, at most 1000 px on the long side.
    Of opencv-doc's 59 data/*.jpg and 18 text/*.jpg and 5 scikit-image photos, the sharp ones scored 21 and up, its
    defocused and motion-blurred text photos 13 and 15 (text_motion.jpg 25); a rendered letter blurred past what
    the detector finds (sigma 4) 4."""
    import cv2

    grey: np.ndarray = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY).astype(np.float32)
    scale = 1000.0 / max(grey.shape)
    if scale < 1:  # never enlarged: a small picture is not a blurred one
        grey = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return float(np.percentile(np.abs(cv2.Laplacian(grey, cv2.CV_32F)), 99.5))


def framing_advice(
    lines: Sequence[SeenLine], width: int, height: int, crispness: float | None = None, policy: FramingPolicy = POLICY
) -> str:
    """One sentence on how to frame the text better, or '' when it is well framed (or there is no text at all).
    `crispness` (`sharpness` of the picture) lets a picture too blurred for the detector to find any line be told."""
    if crispness is not None and crispness < policy.blurred_under and not any(line.kept for line in lines):
        return BLURRED
    edges = edges_cut(lines, width, height, policy)
    if edges:
        return _edge_advice(edges)
    shaped = text_lines(lines, height, policy)
    small = [line for line in shaped if line.height_px < policy.small_px]
    if len(small) >= policy.min_block and len(small) * 2 > len(shaped):
        return "The text is too small to read; move the camera closer."
    big_enough = [line for line in shaped if line.height_px >= policy.small_px]
    unread = [line for line in big_enough if line.score < policy.readable_score]
    if len(unread) >= policy.min_block and len(unread) >= policy.blurred_share * len(big_enough):
        return BLURRED
    return ""


def _edge_advice(edges: list[str]) -> str:
    if len(edges) == 1:
        return f"The text runs off the {edges[0]} edge; {_MOVES[edges[0]]} or step back."
    named = ", ".join(edges[:-1]) + f" and {edges[-1]}"
    opposite = {"left", "right"} <= set(edges) or {"top", "bottom"} <= set(edges)
    if opposite or len(edges) > 2:
        return f"The text runs off the {named} edges; step back."
    first, second = (_MOVES[edge].split()[-1] for edge in edges)
    verb = "move" if {"left", "right"} & set(edges) else "tilt"
    return f"The text runs off the {named} edges; {verb} the camera {first} and {second}, or step back."
