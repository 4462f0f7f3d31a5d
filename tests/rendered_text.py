"""Real text on real photos for the text-reading tests: signs drawn with Debian's fonts and pasted onto scikit-image's
photos (rotated, blurred where the scene says so), and a two-column page. Each scene carries its hand-written text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_DIR = Path("/usr/share/fonts/truetype")
SANS_BOLD = "dejavu/DejaVuSans-Bold.ttf"
SANS = "liberation/LiberationSans-Regular.ttf"
SANS_NARROW_BOLD = "liberation/LiberationSans-Bold.ttf"
SERIF_BOLD = "liberation/LiberationSerif-Bold.ttf"
SERIF = "dejavu/DejaVuSerif.ttf"


def font(name: str, size: int) -> ImageFont.FreeTypeFont:
    path = FONT_DIR / name
    if not path.is_file():  # a failure, not a skip: a text test that never runs proves nothing
        pytest.fail(f"{path} is missing; run `make setup-dev` as root (it installs fonts-dejavu-core fonts-liberation)")
    return ImageFont.truetype(str(path), size)


OPENCV_EXAMPLES = Path("/usr/share/doc/opencv-doc/examples")


def opencv_doc_file(relative: str) -> Path:
    """A file of Debian opencv-doc's examples; a failure, never a skip, when it is missing (it names the set-up)."""
    path = OPENCV_EXAMPLES / relative
    if not path.is_file():
        pytest.fail(f"{path} is missing; run `make setup-dev` as root (it installs Debian's opencv-doc)", pytrace=False)
    return path


def opencv_photo(name: str) -> Path:
    """One of Debian opencv-doc's real scene-text photos."""
    return opencv_doc_file(f"text/{name}")


def photo(name: str) -> Image.Image:
    from paper_checkpoints import require

    require("skimage")
    from skimage import data

    pixels = data.stereo_motorcycle()[0] if name == "motorcycle" else getattr(data, name)()
    return Image.fromarray(np.asarray(pixels)).convert("RGB")


@dataclass(frozen=True)
class Sign:
    lines: tuple[str, ...]
    font: str
    size: int  # pixels
    ink: tuple[int, int, int]
    paper: tuple[int, int, int] | None  # None: letters painted straight on the photo, with a dark outline
    at: tuple[float, float]  # top-left corner as fractions of the photo's width and height
    angle: float = 0.0  # degrees, anticlockwise
    blur: float = 0.0  # Gaussian radius in pixels, applied to the whole photo afterwards


@dataclass(frozen=True)
class Scene:
    name: str
    photo: str
    signs: tuple[Sign, ...]
    expected: str  # every legible line, in reading order, one per line


SCENES = (
    Scene("exit", "coffee", (Sign(("EXIT",), SANS_BOLD, 44, (255, 255, 255), (0, 122, 61), (0.70, 0.08)),), "EXIT"),
    Scene(
        "wet-floor",
        "astronaut",
        (Sign(("CAUTION: WET FLOOR",), SANS_NARROW_BOLD, 30, (0, 0, 0), (250, 204, 21), (0.04, 0.70)),),
        "CAUTION: WET FLOOR",
    ),
    Scene(
        "platform",
        "rocket",
        (
            Sign(
                ("PLATFORM 3", "Trains to City"),
                SANS_BOLD,
                34,
                (255, 255, 255),
                (20, 50, 140),
                (0.45, 0.15),
                angle=7.0,
                blur=1.2,
            ),
        ),
        "PLATFORM 3\nTrains to City",
    ),
    Scene(
        "bakery",
        "chelsea",
        (Sign(("Main Street Bakery",), SERIF_BOLD, 30, (120, 20, 30), (245, 235, 210), (0.12, 0.05)),),
        "Main Street Bakery",
    ),
    Scene("gate", "coffee", (Sign(("Gate B12",), SANS_BOLD, 40, (255, 255, 255), None, (0.05, 0.72)),), "Gate B12"),
)
NO_TEXT_PHOTOS = ("coffee", "chelsea", "astronaut", "rocket")  # motorcycle has real "YAMAHA" lettering


def _sign_image(sign: Sign) -> Image.Image:
    face = font(sign.font, sign.size)
    pad, gap = sign.size // 2, sign.size // 4
    sizes = [face.getbbox(line) for line in sign.lines]
    width = max(box[2] for box in sizes) + 2 * pad
    height = sum(box[3] for box in sizes) + gap * (len(sizes) - 1) + 2 * pad
    image = Image.new("RGBA", (width, height), (*sign.paper, 255) if sign.paper else (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    y = pad
    for line, box in zip(sign.lines, sizes):
        outline = {} if sign.paper else {"stroke_width": 2, "stroke_fill": (20, 20, 20)}
        draw.text((pad, y), line, font=face, fill=sign.ink, **outline)
        y += box[3] + gap
    return image.rotate(sign.angle, expand=True, resample=Image.BICUBIC) if sign.angle else image


def render_scene(scene: Scene) -> np.ndarray:
    """The scene's photo with its signs, as H x W x 3 uint8 RGB."""
    return paste_signs(photo(scene.photo), scene.signs)


def paste_signs(canvas: Image.Image, signs: tuple[Sign, ...]) -> np.ndarray:
    """`canvas` (a real photo) with the signs drawn on it, as H x W x 3 uint8 RGB."""
    canvas = canvas.convert("RGB")
    for sign in signs:
        art = _sign_image(sign)
        canvas.paste(art, (int(sign.at[0] * canvas.width), int(sign.at[1] * canvas.height)), art)
        if sign.blur:
            canvas = canvas.filter(ImageFilter.GaussianBlur(sign.blur))
    return np.asarray(canvas)


LEFT_COLUMN = (
    (
        "Dear neighbour, the water supply to our street will be turned off on Tuesday morning while the old pipes "
        "are replaced."
    ),
    "Please fill a kettle the night before. The work should finish by noon.",
)
RIGHT_COLUMN = (
    "The lift in block two is out of service until Friday. Use the stairs by the main entrance.",
    "Questions go to the caretaker in flat one, or call the office after nine.",
)


def _wrap(text: str, face: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines, current = [], ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if face.getlength(trial) <= width or not current:
            current = trial
        else:
            lines.append(current)
            current = word
    return lines + [current]


def render_two_column_page(width: int = 1000, margin: int = 50, gutter: int = 60) -> tuple[np.ndarray, str]:
    """A letter-like page: a title over two columns of two paragraphs each. Returns (RGB, the text in reading order)."""
    title_face, face = font(SERIF_BOLD, 40), font(SERIF, 24)
    column_width = (width - 2 * margin - gutter) // 2
    page = Image.new("RGB", (width, 900), (250, 248, 240))
    draw = ImageDraw.Draw(page)
    title = "Notice to residents"
    draw.text((margin, margin), title, font=title_face, fill=(10, 10, 10))
    expected = [title]
    for index, paragraphs in enumerate((LEFT_COLUMN, RIGHT_COLUMN)):
        x, y = margin + index * (column_width + gutter), margin + 90
        for paragraph in paragraphs:
            lines = _wrap(paragraph, face, column_width)
            for line in lines:
                draw.text((x, y), line, font=face, fill=(20, 20, 20))
                y += 34
            y += 30  # paragraph gap
            expected.extend(lines)
    return np.asarray(page), "\n".join(expected)
