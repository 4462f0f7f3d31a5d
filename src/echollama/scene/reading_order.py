"""Reading order for `echollama read`: text regions -> lines -> paragraphs -> columns, for letters, menus and screens.

A recursive XY cut. A block splits into columns at a vertical gutter (an x range no region touches) when the text on
both sides is wide enough to be a column, so a menu's narrow price column stays on its dishes' lines; a block with
no gutter splits at its widest horizontal gap, but only when a part below it has columns (a title over two columns),
otherwise it is one column read top to bottom. Inside a column, regions that overlap vertically form a line (read
left to right) and a gap clearly wider than the line spacing (or two line heights) starts a paragraph.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from echollama.types import Box, TextRegion

# All in units of the median text-line height, so the same rules serve a phone screen and a wall sign.
_GUTTER_MIN = 1.0  # a column gutter is at least one line height wide (word gaps are about a third of one)
_COLUMN_MIN_WIDTH = 5.0  # text on each side of a gutter must be this wide to be a column (prices are ~2-3)
_LINE_OVERLAP = 0.5  # share of the shorter region's height two regions must share to sit on one line
_PARAGRAPH_GAP = 0.7  # a vertical gap this large (and well above the line spacing) starts a paragraph
_PARAGRAPH_BREAK = 2.0  # a vertical gap this large always does


@dataclass(frozen=True)
class TextLine:
    regions: tuple[TextRegion, ...]  # left to right

    @property
    def text(self) -> str:
        return " ".join(region.text for region in self.regions)

    @property
    def box(self) -> Box:
        return _union(self.regions)


@dataclass(frozen=True)
class TextColumn:
    paragraphs: tuple[tuple[TextLine, ...], ...]  # top to bottom

    @property
    def text(self) -> str:
        return "\n\n".join("\n".join(line.text for line in paragraph) for paragraph in self.paragraphs)

    @property
    def box(self) -> Box:
        return _union([region for paragraph in self.paragraphs for line in paragraph for region in line.regions])


def reading_order(regions: Sequence[TextRegion]) -> list[TextColumn]:
    """Columns in reading order: left to right within a band, bands (a title, a two-column body) top to bottom."""
    if not regions:
        return []
    unit = statistics.median(region.height for region in regions)
    return [_column(block, unit) for block in _blocks(list(regions), unit)]


def reading_text(regions: Sequence[TextRegion]) -> str:
    """All the text in reading order: lines on their own line, a blank line between paragraphs and columns."""
    return "\n\n".join(column.text for column in reading_order(regions))


def columns_for_json(regions: Sequence[TextRegion]) -> list[dict]:
    """Columns -> paragraphs -> lines, each with its text and box, and each line's regions with their scores."""

    def box(b: Box) -> list[float]:
        return [round(v, 1) for v in b]

    return [
        {
            "text": column.text,
            "box": box(column.box),
            "paragraphs": [
                [
                    {
                        "text": line.text,
                        "box": box(line.box),
                        "regions": [{"text": r.text, "score": r.score, "box": box(r.box)} for r in line.regions],
                    }
                    for line in paragraph
                ]
                for paragraph in column.paragraphs
            ],
        }
        for column in reading_order(regions)
    ]


def _blocks(regions: list[TextRegion], unit: float) -> list[list[TextRegion]]:
    columns = _split_columns(regions, unit)
    if len(columns) > 1:
        return [block for column in columns for block in _blocks(column, unit)]
    cut = _widest_row_gap(regions)
    if cut is None:
        return [regions]
    top = [region for region in regions if region.center[1] < cut]
    bottom = [region for region in regions if region.center[1] >= cut]
    top_blocks, bottom_blocks = _blocks(top, unit), _blocks(bottom, unit)
    if len(top_blocks) == 1 and len(bottom_blocks) == 1:
        return [regions]  # no columns on either side: one column, whose paragraphs `_column` finds
    return top_blocks + bottom_blocks


def _split_columns(regions: list[TextRegion], unit: float) -> list[list[TextRegion]]:
    """Split at every gutter that has column-wide text on both sides; left to right."""
    ordered = sorted(regions, key=lambda region: region.box[0])
    groups: list[list[TextRegion]] = [[ordered[0]]]
    right_edge = ordered[0].box[2]
    for region in ordered[1:]:
        if region.box[0] - right_edge >= _GUTTER_MIN * unit:
            groups.append([region])
        else:
            groups[-1].append(region)
        right_edge = max(right_edge, region.box[2])
    # Narrow groups (prices, page numbers, a lone word) join their left neighbour instead of standing alone.
    merged: list[list[TextRegion]] = []
    for group in groups:
        box = _union(group)
        if merged and (box[2] - box[0] < _COLUMN_MIN_WIDTH * unit or _width(merged[-1]) < _COLUMN_MIN_WIDTH * unit):
            merged[-1] = merged[-1] + group
        else:
            merged.append(group)
    return merged


def _width(regions: list[TextRegion]) -> float:
    box = _union(regions)
    return box[2] - box[0]


def _widest_row_gap(regions: list[TextRegion]) -> float | None:
    """The middle of the widest vertical gap that no region spans, or None when the regions form one band."""
    ordered = sorted(regions, key=lambda region: region.box[1])
    best, best_gap = None, 0.0
    bottom = ordered[0].box[3]
    for region in ordered[1:]:
        gap = region.box[1] - bottom
        if gap > best_gap:
            best, best_gap = (bottom + region.box[1]) / 2.0, gap
        bottom = max(bottom, region.box[3])
    return best


def _column(regions: list[TextRegion], unit: float) -> TextColumn:
    lines = _lines(regions)
    gaps = [lines[i + 1].box[1] - lines[i].box[3] for i in range(len(lines) - 1)]
    spacing = max(min(gaps, default=0.0), 0.0)  # the line spacing: the tightest gap in the column
    paragraphs: list[list[TextLine]] = [[lines[0]]]
    for line, gap in zip(lines[1:], gaps):
        if gap >= _PARAGRAPH_BREAK * unit or (gap >= _PARAGRAPH_GAP * unit and gap > 1.5 * spacing):
            paragraphs.append([line])
        else:
            paragraphs[-1].append(line)
    return TextColumn(paragraphs=tuple(tuple(paragraph) for paragraph in paragraphs))


def _lines(regions: list[TextRegion]) -> list[TextLine]:
    rows: list[list[TextRegion]] = []
    for region in sorted(regions, key=lambda region: region.center[1]):
        row = rows[-1] if rows else None
        if row is not None:
            top, bottom = min(r.box[1] for r in row), max(r.box[3] for r in row)
            shared = min(bottom, region.box[3]) - max(top, region.box[1])
            if shared >= _LINE_OVERLAP * min(region.height, bottom - top):
                row.append(region)
                continue
        rows.append([region])
    return [TextLine(regions=tuple(sorted(row, key=lambda region: region.box[0]))) for row in rows]


def _union(regions: Sequence[TextRegion]) -> Box:
    return (
        min(r.box[0] for r in regions),
        min(r.box[1] for r in regions),
        max(r.box[2] for r in regions),
        max(r.box[3] for r in regions),
    )
