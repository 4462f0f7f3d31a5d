"""Reading order: hand-written boxes for each layout rule, then a rendered two-column page through the real reader."""

from __future__ import annotations

import jiwer
import pytest

from echollama.scene.reading_order import reading_order, reading_text
from echollama.types import TextRegion


def region(text: str, x1: float, y1: float, x2: float, y2: float) -> TextRegion:
    return TextRegion(text=text, score=0.99, box=(x1, y1, x2, y2))


def lines_of(regions) -> list[list[list[str]]]:
    """columns -> paragraphs -> line texts"""
    return [[[line.text for line in paragraph] for paragraph in column.paragraphs] for column in reading_order(regions)]


CASES = {
    "empty": ([], []),
    "one line detected in pieces, given out of order": (
        [region("Street", 130, 10, 230, 40), region("Main", 10, 12, 110, 41), region("42", 250, 9, 290, 40)],
        [[["Main Street 42"]]],
    ),
    "a slightly tilted line stays one line": (
        [
            region("PLATFORM", 10, 10, 200, 50),
            region("3", 210, 20, 240, 60),
            region("Trains to City", 10, 70, 260, 110),
        ],
        [[["PLATFORM 3", "Trains to City"]]],
    ),
    "two columns with aligned lines are read column by column": (
        [
            region("left one", 0, 0, 300, 20),
            region("right one", 360, 0, 660, 20),
            region("left two", 0, 30, 300, 50),
            region("right two", 360, 30, 660, 50),
        ],
        [[["left one", "left two"]], [["right one", "right two"]]],
    ),
    "a title over two columns comes first": (
        [
            region("right one", 360, 60, 660, 80),
            region("Title across the page", 0, 0, 660, 30),
            region("left one", 0, 60, 300, 80),
            region("left two", 0, 90, 300, 110),
            region("right two", 360, 90, 660, 110),
        ],
        [[["Title across the page"]], [["left one", "left two"]], [["right one", "right two"]]],
    ),
    "a menu's prices stay on their dishes' lines": (
        [
            region("Tomato soup", 0, 0, 200, 20),
            region("4.50", 400, 0, 450, 20),
            region("Cheese sandwich", 0, 30, 260, 50),
            region("6.00", 400, 30, 450, 50),
        ],
        [[["Tomato soup 4.50", "Cheese sandwich 6.00"]]],
    ),
    "a wide gap starts a paragraph": (
        [
            region("first line", 0, 0, 300, 20),
            region("second line", 0, 28, 300, 48),
            region("new paragraph", 0, 80, 300, 100),
            region("its second line", 0, 108, 300, 128),
        ],
        [[["first line", "second line"], ["new paragraph", "its second line"]]],
    ),
    "two lines two line-heights apart are two paragraphs": (
        [region("Opening hours", 0, 0, 300, 20), region("Closed on Sundays", 0, 70, 300, 90)],
        [[["Opening hours"], ["Closed on Sundays"]]],
    ),
    "evenly spaced lines are one paragraph": (
        [region(f"line {i}", 0, 40 * i, 300, 40 * i + 20) for i in range(4)],
        [[["line 0", "line 1", "line 2", "line 3"]]],
    ),
    "two signs side by side, each of several lines": (
        [
            region("TOILETS", 0, 0, 200, 30),
            region("first floor", 0, 40, 200, 70),
            region("LIFTS", 500, 5, 700, 35),
            region("all floors", 500, 45, 700, 75),
        ],
        [[["TOILETS", "first floor"]], [["LIFTS", "all floors"]]],
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_layouts(name):
    regions, expected = CASES[name]
    assert lines_of(regions) == expected


def test_reading_text_separates_lines_paragraphs_and_columns():
    regions = CASES["a title over two columns comes first"][0]
    assert reading_text(regions) == "Title across the page\n\nleft one\nleft two\n\nright one\nright two"


def test_a_rendered_two_column_page_reads_in_order():
    from echollama.scene.image import LoadedImage
    from echollama.scene.rapidocr_reader import RapidOcrReader
    from rendered_text import render_two_column_page

    rgb, expected = render_two_column_page()
    got = reading_text(RapidOcrReader().read(LoadedImage(rgb=rgb, source="two-column page")))
    cer = jiwer.cer(" ".join(expected.split()), " ".join(got.split()))
    print(f"two-column page CER {cer:.3f}")
    assert cer <= 0.02, got
    # The order itself: the whole left column before the right one, the title before both.
    flat = " ".join(got.split())
    marks = ["Notice to residents", "Dear neighbour", "finish by noon", "The lift in block two", "after nine"]
    assert [flat.find(mark) for mark in marks] == sorted(flat.find(mark) for mark in marks)
    assert all(mark in flat for mark in marks)
