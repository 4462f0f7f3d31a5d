"""Pure spatial reasoning: which grid cell a box falls in, its clock direction, and the paper's matrix text.

The matrix notation follows §5.1 exactly: `Cell: label: p, r(x, y, z), label: p, r(x, y, z)`, one cell per line.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from echollama.paper import GRID_CELL_NAMES, GRID_COLS, GRID_ROWS
from echollama.types import Camera, Detection


def grid_cell(x: float, y: float, width: int, height: int) -> str:
    """The 2x3 cell (§5.1) holding point (x, y); points on or past the far edge belong to the last row/column."""
    col = horizontal_third(x, width)
    row = min(GRID_ROWS - 1, max(0, int(y * GRID_ROWS // height)))
    return GRID_CELL_NAMES[row][col]


def bearing_degrees(x: float, camera: Camera) -> float:
    """Horizontal angle from the optical axis to pixel column x; negative is left."""
    return math.degrees(math.atan2(x - camera.width / 2.0, camera.focal_px))


def horizontal_third(x: float, width: int) -> int:
    """0, 1 or 2: the left, middle or right third of the picture holding column x (the grid's columns, §5.1)."""
    return min(GRID_COLS - 1, max(0, int(x * GRID_COLS // width)))


def clock_direction(x: float, camera: Camera) -> int:
    """Clock-face direction of pixel column x as seen from the camera: 12 ahead, 3 right, 9 left (30° an hour).

    The hour agrees with the third of the picture that the spoken side comes from: the middle third is always
    12 o'clock, and the side thirds never are, so "on your left" is never said together with "12 o'clock".
    """
    hours = round(bearing_degrees(x, camera) / 30.0)
    third = horizontal_third(x, camera.width)
    if third == 1:
        hours = 0
    elif third == 0:
        hours = min(hours, -1)
    else:
        hours = max(hours, 1)
    hour = (12 + hours) % 12
    return 12 if hour == 0 else hour


def _number(value: float, digits: int) -> str:
    # The paper prints Python-style shortest floats: 1.0, 0.92, 74.5101, 156.495.
    return repr(round(float(value), digits))


def format_entry(detection: Detection) -> str:
    """`label: probability, r(x, y, z)`; z is left out (`r(x, y)`) when no depth was estimated."""
    x, y = detection.center
    coords = [str(int(round(x))), str(int(round(y)))]
    if detection.z is not None:
        coords.append(_number(detection.z, 4))
    return f"{detection.label}: {_number(detection.score, 2)}, r({', '.join(coords)})"


def group_by_cell(detections: Iterable[Detection], width: int, height: int) -> dict[str, list[Detection]]:
    """Detections per cell name, every cell present, in the paper's row-major order; input order kept inside cells."""
    cells: dict[str, list[Detection]] = {name: [] for row in GRID_CELL_NAMES for name in row}
    for detection in detections:
        cells[grid_cell(*detection.center, width, height)].append(detection)
    return cells


def format_matrix(detections: Iterable[Detection], width: int, height: int) -> str:
    """The object detection matrix of §5.1 as the prompt text, one line per cell (empty cells end at the colon)."""
    lines = []
    for name, members in group_by_cell(detections, width, height).items():
        entries = ", ".join(format_entry(d) for d in members)
        lines.append(f"{name}: {entries}" if entries else f"{name}:")
    return "\n".join(lines)
