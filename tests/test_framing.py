"""Framing help for reading, with the real text detector and recogniser: a rendered page cut at each edge, blurred and
shrunk gets the right advice; the whole page, and photos with little or no text, get none.

The policy (scene/framing.py) was tuned on the two-column page cut at x=700/820 (right), 300/180 (left), y=160/66
(top), 380/300 (bottom), blurred (sigma 3.5) and shrunk to 0.3: 10 of 10 right (`tests/framing_sweep.py`). Of 82
other photos it advised on 6: of the 64 with little or no text (scikit-image's 5, opencv-doc's data/*.jpg), on a
circuit board whose lettering meets the top edge and on a motion-blurred licence plate ("too blurred"); of opencv-doc's
18 text/*.jpg, on its defocused text photo and a blurry word ("too blurred") and two words cropped to their edges.
The cases below are other cuts of a one-column letter and of the two-column page (each through a line of text), so
they test the policy rather than repeat its tuning.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw

from echollama.scene.framing import SeenLine, edges_cut, framing_advice, sharpness
from echollama.scene.image import LoadedImage
from rendered_text import SERIF, font, render_two_column_page

LETTER = (
    "Dear Ms Patel, thank you for your letter of the third. Your appointment at the eye clinic is now on Monday "
    "the ninth at half past ten in the morning. Please bring your glasses, a list of the medicines you take and this "
    "letter. The clinic is on the second floor; the lift is beside the main entrance. If you cannot come, call us on "
    "the number above and we will find another time."
)


def render_letter(width: int = 900, margin: int = 60) -> np.ndarray:
    face = font(SERIF, 26)
    page = Image.new("RGB", (width, 700), (252, 250, 245))
    draw = ImageDraw.Draw(page)
    words, line, y = LETTER.split(), "", margin
    for word in words:
        if face.getlength(f"{line} {word}".strip()) > width - 2 * margin:
            draw.text((margin, y), line, font=face, fill=(15, 15, 15))
            line, y = word, y + 38
        else:
            line = f"{line} {word}".strip()
    draw.text((margin, y), line, font=face, fill=(15, 15, 15))
    return np.asarray(page)


def cases() -> list[tuple[str, np.ndarray, str]]:
    letter = render_letter()
    page, _ = render_two_column_page()
    return [
        ("letter cut at the right", letter[:, :640], "runs off the right edge; move the camera right"),
        ("page cut at the right", page[:, :760], "runs off the right edge; move the camera right"),
        ("letter cut at the left", letter[:, 250:], "runs off the left edge; move the camera left"),
        ("page cut at the left", page[:, 240:], "runs off the left edge; move the camera left"),
        ("letter cut at the top", letter[75:], "runs off the top edge; tilt the camera up"),
        ("page cut at the top", page[150:], "runs off the top edge; tilt the camera up"),
        ("letter cut at the bottom", letter[:250], "runs off the bottom edge; tilt the camera down"),
        ("page cut at the bottom", page[:345], "runs off the bottom edge; tilt the camera down"),
        ("letter blurred", cv2.GaussianBlur(letter, (0, 0), 4.5), "too blurred to read"),
        ("letter far away", cv2.resize(letter, None, fx=0.32, fy=0.32, interpolation=cv2.INTER_AREA), "too small"),
    ]


@pytest.fixture(scope="module")
def reader():
    from echollama.scene.rapidocr_reader import RapidOcrReader

    return RapidOcrReader()


def advice(reader, rgb: np.ndarray) -> str:
    rgb = np.ascontiguousarray(rgb)
    _, seen = reader.read_lines(LoadedImage(rgb=rgb, source="page"))
    return framing_advice(seen, rgb.shape[1], rgb.shape[0], sharpness(rgb))


def test_cut_blurred_and_small_pages_get_the_right_advice(reader):
    said = [(name, expected, advice(reader, rgb)) for name, rgb, expected in cases()]
    right = [name for name, expected, heard in said if expected in heard]
    print(f"framing advice right in {len(right)} of {len(said)} cases")
    assert len(right) >= 9, said


@pytest.mark.parametrize("which", ["letter", "page", "page smaller"])
def test_a_well_framed_page_gets_no_advice(reader, which):
    page, _ = render_two_column_page()
    rgb = {
        "letter": render_letter(),
        "page": page,
        "page smaller": cv2.resize(page, None, fx=0.6, fy=0.6, interpolation=cv2.INTER_AREA),
    }[which]
    assert advice(reader, rgb) == ""


def line(box, height=20.0, score=0.97, kept=True) -> SeenLine:
    return SeenLine(box=box, height_px=height, score=score, kept=kept)


def test_the_advice_names_two_edges_and_how_to_move():
    lines = [line((0, 100 + 30 * i, 400, 120 + 30 * i)) for i in range(5)] + [line((50, 490, 380, 500), height=10)]
    assert edges_cut(lines, 400, 500) == ["left", "right", "bottom"]
    assert framing_advice(lines, 400, 500) == "The text runs off the left, right and bottom edges; step back."
    corner = [line((300, 430 + 30 * i, 500, 450 + 30 * i)) for i in range(2)]
    corner.append(line((300, 494, 480, 500), height=6, score=0.3, kept=False))  # the sliver of a line cut across
    assert framing_advice(corner, 500, 500) == (
        "The text runs off the right and bottom edges; move the camera right and down, or step back."
    )


def test_unread_marks_alone_never_get_advice():
    # The detector's "lines" in fur or on a chessboard: squarish, or long but with nothing read anywhere.
    marks = [line((0, 0, 30, 30), height=30, score=0.4, kept=False), line((0, 470, 90, 500), height=30, kept=False)]
    assert framing_advice(marks, 500, 500) == ""
    assert framing_advice([], 500, 500) == ""


def test_read_prints_and_speaks_the_advice_first(tmp_path):
    from test_describe_cli import assert_speech, run_cli

    page, _ = render_two_column_page()
    Image.fromarray(page[:, 240:]).save(tmp_path / "cut.png")  # the left column cut through
    result = run_cli("read", str(tmp_path / "cut.png"), "-o", str(tmp_path / "cut.wav"), "-q")
    assert result.returncode == 0, result.stderr
    advice = "The text runs off the left edge; move the camera left or step back."
    assert result.stdout.startswith(advice + "\n\n") and "by the main entrance." in result.stdout
    assert_speech(tmp_path / "cut.wav")
