"""An object's own pixels inside its detection box: GrabCut (OpenCV) initialised by the box on a small crop that keeps
a margin of surroundings as background, so a dog's colour is not the floor's; or the middle of the box."""

from __future__ import annotations

import cv2
import numpy as np

_CROP_SIDE = 80  # the crop's long side for GrabCut: ~10 ms per object on one core
_ITERATIONS = 1  # more collapsed the foreground on small crops and doubled the time
_MARGIN = 0.15  # of the box, on each side: the surroundings GrabCut learns the background from


def object_pixels(rgb: np.ndarray, box, method: str = "grabcut") -> np.ndarray:
    """The RGB pixels (N x 3) of the object in `box`, on a crop downscaled to at most _CROP_SIDE."""
    x1, y1, x2, y2 = box
    bw, bh = x2 - x1, y2 - y1
    if method == "centre":  # the middle half of the box in each direction
        cx1, cy1 = int(x1 + bw / 4), int(y1 + bh / 4)
        cx2, cy2 = max(cx1 + 1, int(x2 - bw / 4)), max(cy1 + 1, int(y2 - bh / 4))
        return downscaled(rgb[cy1:cy2, cx1:cx2]).reshape(-1, 3)
    crop, rect = crop_around_box(rgb, box)
    inner = (rect[0] > 0) + (rect[1] > 0) + (rect[0] + rect[2] < crop.shape[1]) + (rect[1] + rect[3] < crop.shape[0])
    if inner < 2:  # the box fills the picture: no background to learn from, so the middle of the box
        return object_pixels(rgb, box, "centre")
    chosen = grabcut_object_mask(crop, rect)
    if chosen is None:  # a degenerate crop (one colour throughout): the middle of the box
        return object_pixels(rgb, box, "centre")
    if chosen.sum() < 0.1 * rect[2] * rect[3]:  # GrabCut gave the object up: the middle of the box
        return object_pixels(rgb, box, "centre")
    return crop[chosen]


def crop_around_box(rgb: np.ndarray, box) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """The box with _MARGIN of its surroundings, downscaled to at most _CROP_SIDE, and the box in it (x, y, w, h)."""
    height, width = rgb.shape[:2]
    x1, y1, x2, y2 = box
    bw, bh = x2 - x1, y2 - y1
    px1, py1 = max(0, int(x1 - _MARGIN * bw)), max(0, int(y1 - _MARGIN * bh))
    px2, py2 = min(width, int(x2 + _MARGIN * bw) + 1), min(height, int(y2 + _MARGIN * bh) + 1)
    crop = downscaled(rgb[py1:py2, px1:px2])
    scale = crop.shape[1] / (px2 - px1)
    rect = (int((x1 - px1) * scale), int((y1 - py1) * scale), max(2, int(bw * scale)), max(2, int(bh * scale)))
    return crop, rect


def grabcut_object_mask(crop: np.ndarray, rect: tuple[int, int, int, int]) -> np.ndarray | None:
    """GrabCut's object pixels (a boolean mask) in an RGB crop, initialised by `rect`; None when it cannot run."""
    mask = np.zeros(crop.shape[:2], np.uint8)
    background, foreground = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    bgr = np.ascontiguousarray(crop[:, :, ::-1])
    cv2.setRNGSeed(0)  # GrabCut's k-means starts at random: the same photo gets the same colours
    try:
        cv2.grabCut(bgr, mask, rect, background, foreground, _ITERATIONS, cv2.GC_INIT_WITH_RECT)
    except cv2.error:
        return None
    return (mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)


def downscaled(crop: np.ndarray) -> np.ndarray:
    """Averaged down to at most _CROP_SIDE pixels along its long side (larger crops add time, not colour)."""
    side = max(crop.shape[:2])
    if side <= _CROP_SIDE:
        return crop
    scale = _CROP_SIDE / side
    size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
    return cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
