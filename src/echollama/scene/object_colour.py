"""The colour of each detected object, from the object's own pixels, named with basic colour terms.

The object's pixels: GrabCut (OpenCV) initialised by the box on a small crop that keeps a margin of surroundings as
background, so a dog's colour is not the floor's; or, with `method="centre"`, the middle of the box. Each pixel is
named in CIELAB by the nearest of a few prototypes per basic term (black, white, grey, red, orange, yellow, green,
blue, purple, pink, brown), and the object gets a colour only when its pixels agree: one term holding most of them,
or two clearly holding it together ("brown and white"). Otherwise nothing: a wrong colour is worse than none.
See COLOUR_RULE for the measured thresholds.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from echollama.scene.container_colour import (
    CONTAINER_LABELS,
    CUP_CONTENTS_MAX_SHARE,
    MAJORITY_ONLY_LABELS,
    container_pixels,
)
from echollama.types import Detection, ObjectColour

# Skin, hair and clothing are not a person's colour; glass shows what is behind it or in it; a table's box holds what
# stands on it; cutlery mirrors what is around it; a bicycle's box is mostly the background between its thin tubes.
# (On the hand-drawn boxes of the labels, 9 of the 13 colours measured on these were wrong or had no clear colour.)
# A cup's or bowl's pixels are mostly what is in it (coffee, food): with YOLOv5s's boxes, 3 of the 7 wrong colours.
# A bowl's, a table's and a cup's colour is measured on its rim, its uncovered top or its wall instead
# (container_colour.py).
# A potted plant is its leaves and its pot: a green plant in a brown pot was "a brown potted plant" (a held-out photo).
# An orange, a banana, broccoli or a carrot has its colour in its name, so a measured one adds nothing but a risk: one of
# opencv-doc fruits.jpg's oranges measures brown (77 %) in its shade.
NO_COLOUR_LABELS = frozenset(
    {
        "person",
        "wine glass",
        "bottle",
        "fork",
        "knife",
        "spoon",
        "bicycle",
        "potted plant",
        "orange",
        "banana",
        "broccoli",
        "carrot",
    }
)
# A vehicle's windows, tyres and shade are black or grey, so a white car in shade measures grey or black (2 of the 7
# wrong with YOLOv5s's boxes): for these only a chromatic colour is said ("a red bus"), never black, grey or white.
# A tie's box holds the shirt around it, white more often than not: Grace Hopper's black tie measured 98 % white (a
# held-out photo), while the labelled photos' three ties said are red or another clear colour.
CHROMATIC_ONLY_LABELS = frozenset({"car", "truck", "bus", "motorcycle", "train", "airplane", "boat", "tie"})

# Several sRGB prototypes per term, so dark and light shades of one term are near one of them.
_PROTOTYPES: dict[str, tuple[tuple[int, int, int], ...]] = {
    "black": ((15, 15, 15), (40, 40, 45)),
    "grey": ((90, 90, 90), (128, 128, 128), (165, 165, 170), (70, 75, 80)),
    "white": ((245, 245, 245), (215, 215, 220), (230, 230, 215)),
    # (80, 35, 35): a red in shade (a tie under a table, a truck's side) is dull and dark, nearer a dark brown than
    # any bright red without it.
    "red": ((200, 30, 30), (150, 20, 25), (220, 60, 50), (110, 15, 20), (170, 40, 35), (80, 35, 35)),
    "orange": ((240, 140, 30), (220, 110, 40), (250, 170, 80), (200, 90, 20)),
    "yellow": ((240, 220, 40), (250, 240, 120), (220, 190, 30), (200, 180, 60)),
    "green": ((40, 160, 40), (30, 90, 30), (120, 180, 80), (70, 110, 40), (20, 60, 25), (40, 150, 120)),
    "blue": ((40, 80, 200), (20, 40, 120), (100, 160, 230), (30, 150, 200), (60, 90, 140), (15, 25, 70)),
    "purple": ((120, 40, 150), (80, 30, 100), (170, 110, 200), (150, 60, 130)),
    "pink": ((240, 150, 180), (230, 80, 150), (250, 200, 210), (210, 120, 140)),
    "brown": ((120, 70, 30), (90, 55, 30), (160, 110, 60), (70, 45, 25), (140, 90, 50), (180, 130, 90), (110, 80, 55)),
}
_TERMS = tuple(_PROTOTYPES)


def _lab(rgb: np.ndarray) -> np.ndarray:
    """CIELAB (L 0-100, a and b about -128..127) of uint8 RGB pixels, any shape ending in 3."""
    flat = rgb.reshape(-1, 1, 3).astype(np.float32) / 255.0
    return cv2.cvtColor(flat, cv2.COLOR_RGB2Lab).reshape(*rgb.shape[:-1], 3)


_PROTOTYPE_LAB = _lab(np.array([p for term in _TERMS for p in _PROTOTYPES[term]], dtype=np.uint8))
_PROTOTYPE_TERM = np.array([i for i, term in enumerate(_TERMS) for _ in _PROTOTYPES[term]])


@dataclass(frozen=True)
class ColourRule:
    """When the pixels' terms are clear enough to say (measured on colour_labels.json: scripts/colour_sweep.py)."""

    one: float = 0.50  # one term's share of the object's pixels to say it alone
    # Each of two terms' share to say both ("brown and white"); 1.0: never. Off, measured: the 4 two-tones measured
    # on the labels' hand-drawn boxes were all wrong (windows, tyres, food in a bowl), none came on detected ones.
    two: float = 1.0
    two_total: float = 0.85  # the two together
    min_pixels: int = 600  # box area (pixels at full size) under which nothing is said: too small to tell
    grey_photo_chroma: float = 4.0  # a photo whose median chroma is under this is greyscale: no colours at all
    chroma: float = 12.0  # pixels under this chroma are black, grey or white (under less where dark: below)
    white_patch: bool = True  # brighten dim photos first (photo_gains)
    balance: bool = False  # correct the photo's colour cast first (photo_gains)
    two_tone_gap: float = 45.0
    shades: tuple[float, float, float, float] = (30.0, 38.0, 55.0, 78.0)  # L: black under, grey from-to, white over
    over_achromatic: float = 0.4  # a colour's share to say it alone over black, grey and white parts (0: never)
    over_ratio: float = 2.0  # ... when it holds this many times the next colour's share
    # Dark pixels carry less chroma: a dark-brown horse's pixels (L 13, chroma 7-9) are coloured where a black dog's
    # (chroma 2-3) are not, so the chroma a pixel needs falls with its lightness, to `chroma_floor` in the dark.
    chroma_slope: float = 0.4  # chroma needed per unit of L (below `chroma`)
    chroma_floor: float = 6.0
    # Shade lit by the sky is bluish: a black umbrella reads blue at chroma 15. Blue is said of pixels this chromatic.
    blue_chroma: float = 24.0
    # An orange object's shaded parts read brown (an orange bus: brown 34 %, orange 29 %): brown and orange pixels
    # together are orange when orange holds this share of them (1.0: never).
    orange_of_brown: float = 0.4
    # Black, grey or white is said only of pixels this grey (median chroma under it): a brindle dog's fur (chroma 10,
    # brown's hue) is under `chroma` yet not grey; the labels' black, grey and white objects measure 2.4 to 6.3.
    achromatic_chroma: float = 8.0


COLOUR_RULE = ColourRule()
MAX_COLOURED = 6  # objects coloured per photo, largest first (brief speaks of four kinds at most)
_CROP_SIDE = 80  # the crop's long side for GrabCut: ~10 ms per object on one core
_ITERATIONS = 1  # more collapsed the foreground on small crops and doubled the time
_MARGIN = 0.15  # of the box, on each side: the surroundings GrabCut learns the background from
_ACHROMATIC_TERMS = tuple(_TERMS.index(t) for t in ("black", "grey", "white"))
_ACHROMATIC_WORDS = frozenset({"black", "grey", "white"})
_CHROMATIC = np.array([t not in _ACHROMATIC_TERMS for t in _PROTOTYPE_TERM])


_UNCLEAR = len(_TERMS)  # a pixel's term when its shade is between black and grey or grey and white


def _achromatic_term(lightness: np.ndarray, rule: ColourRule) -> np.ndarray:
    """Black, grey or white by lightness; between them `_UNCLEAR`: a white plane under cloud is as light as a silver
    car in the sun, so the middle shades are not named."""
    black, grey_from, grey_to, white = rule.shades
    term = np.full(len(lightness), _UNCLEAR)
    term[lightness < black] = _TERMS.index("black")
    term[(lightness >= grey_from) & (lightness <= grey_to)] = _TERMS.index("grey")
    term[lightness > white] = _TERMS.index("white")
    return term


def pixel_terms(lab: np.ndarray, rule: ColourRule = COLOUR_RULE) -> np.ndarray:
    """The index into `_TERMS` (or `_UNCLEAR`) of each Lab pixel's term (N x 3 -> N): the nearest chromatic prototype
    for coloured pixels; for the rest one shade for all of them (shading is not a second colour), or two when they
    split clearly into dark and light (a zebra)."""
    chroma = np.hypot(lab[:, 1], lab[:, 2])
    chromatic = chroma >= np.clip(rule.chroma_slope * lab[:, 0], rule.chroma_floor, rule.chroma)
    terms = np.empty(len(lab), dtype=int)
    if chromatic.any():
        prototypes = _PROTOTYPE_LAB[_CHROMATIC]
        distances = ((lab[chromatic, None, :] - prototypes[None, :, :]) ** 2).sum(axis=2)
        terms[chromatic] = _PROTOTYPE_TERM[_CHROMATIC][distances.argmin(axis=1)]
        chromatic[chromatic & (terms == _TERMS.index("blue")) & (chroma < rule.blue_chroma)] = False
    grey = ~chromatic
    if grey.any():
        lightness = lab[grey, 0]
        # Shade and split are judged on all the dull pixels (under `chroma`), the dark-brown ones too: taking those
        # out made a black dog's sheen a second, grey shade.
        dull = lab[chroma < rule.chroma, 0] if (chroma < rule.chroma).any() else lightness
        dark, light = np.percentile(dull, (20, 80))
        if light - dark >= rule.two_tone_gap:
            terms[grey] = _achromatic_term(np.where(lightness < (dark + light) / 2, dark, light), rule)
        else:
            terms[grey] = _achromatic_term(np.full(len(lightness), np.median(dull)), rule)
    return terms


def _said_terms(shares: np.ndarray, rule: ColourRule) -> list[int]:
    """Which terms to say from their shares of the object's pixels (`_UNCLEAR`'s last): one that holds most of them;
    two that clearly hold it together, neither grey (grey beside a colour is metal, glass or shade: a red motorcycle
    is not 'grey and red'); or one colour over black, grey and white parts (tyres, windows)."""
    order = [int(i) for i in np.argsort(-shares[:_UNCLEAR])]
    first, second = order[0], order[1]
    if shares[first] >= rule.one:
        return [first]
    grey = _TERMS.index("grey")
    if shares[second] >= rule.two and shares[first] + shares[second] >= rule.two_total and grey not in (first, second):
        return [first, second]
    colour, next_colour = [i for i in order if i not in _ACHROMATIC_TERMS][:2]
    over = shares[colour] >= rule.over_achromatic and shares[next_colour] * rule.over_ratio <= shares[colour]
    return [colour] if rule.over_achromatic and over else []


def name_colour(lab: np.ndarray, method: str, rule: ColourRule = COLOUR_RULE) -> ObjectColour | None:
    """The object's colour from its pixels' Lab values (N x 3), or None when they do not agree clearly."""
    if len(lab) == 0:
        return None
    counts = np.bincount(pixel_terms(lab, rule), minlength=_UNCLEAR + 1)
    shares = counts / counts.sum()
    orange, brown = _TERMS.index("orange"), _TERMS.index("brown")
    if shares[orange] > 0 and shares[orange] >= rule.orange_of_brown * (shares[orange] + shares[brown]):
        shares[orange], shares[brown] = shares[orange] + shares[brown], 0.0
    named = _said_terms(shares, rule)
    if not named:
        return None
    terms = [_TERMS[i] for i in named]
    if set(terms) <= _ACHROMATIC_WORDS and np.median(np.hypot(lab[:, 1], lab[:, 2])) >= rule.achromatic_chroma:
        return None
    mean = lab.mean(axis=0)
    return ObjectColour(
        words=" and ".join(terms),
        lab=(round(float(mean[0]), 1), round(float(mean[1]), 1), round(float(mean[2]), 1)),
        share={t: round(float(shares[i]), 3) for t, i in zip(terms, named)},
        method=method,
    )


def object_pixels(rgb: np.ndarray, box, method: str = "grabcut") -> np.ndarray:
    """The RGB pixels (N x 3) of the object in `box`, on a crop downscaled to at most _CROP_SIDE."""
    height, width = rgb.shape[:2]
    x1, y1, x2, y2 = box
    bw, bh = x2 - x1, y2 - y1
    if method == "centre":  # the middle half of the box in each direction
        cx1, cy1 = int(x1 + bw / 4), int(y1 + bh / 4)
        cx2, cy2 = max(cx1 + 1, int(x2 - bw / 4)), max(cy1 + 1, int(y2 - bh / 4))
        return _small(rgb[cy1:cy2, cx1:cx2]).reshape(-1, 3)
    px1, py1 = max(0, int(x1 - _MARGIN * bw)), max(0, int(y1 - _MARGIN * bh))
    px2, py2 = min(width, int(x2 + _MARGIN * bw) + 1), min(height, int(y2 + _MARGIN * bh) + 1)
    crop = _small(rgb[py1:py2, px1:px2])
    scale = crop.shape[1] / (px2 - px1)
    rect = (
        int((x1 - px1) * scale),
        int((y1 - py1) * scale),
        max(2, int(bw * scale)),
        max(2, int(bh * scale)),
    )
    inner = (rect[0] > 0) + (rect[1] > 0) + (rect[0] + rect[2] < crop.shape[1]) + (rect[1] + rect[3] < crop.shape[0])
    if inner < 2:  # the box fills the picture: no background to learn from, so the middle of the box
        return object_pixels(rgb, box, "centre")
    mask = np.zeros(crop.shape[:2], np.uint8)
    background, foreground = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    bgr = np.ascontiguousarray(crop[:, :, ::-1])
    cv2.setRNGSeed(0)  # GrabCut's k-means starts at random: the same photo gets the same colours
    try:
        cv2.grabCut(bgr, mask, rect, background, foreground, _ITERATIONS, cv2.GC_INIT_WITH_RECT)
    except cv2.error:  # a degenerate crop (one colour throughout): the middle of the box
        return object_pixels(rgb, box, "centre")
    chosen = (mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)
    if chosen.sum() < 0.1 * rect[2] * rect[3]:  # GrabCut gave the object up: the middle of the box
        return object_pixels(rgb, box, "centre")
    return crop[chosen]


def _small(crop: np.ndarray) -> np.ndarray:
    side = max(crop.shape[:2])
    if side <= _CROP_SIDE:
        return crop
    scale = _CROP_SIDE / side
    size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
    return cv2.resize(crop, size, interpolation=cv2.INTER_AREA)


def greyscale_photo(rgb: np.ndarray, rule: ColourRule = COLOUR_RULE) -> bool:
    """True for a black-and-white photo: its colours are not the objects' colours."""
    sample = _small(rgb)
    lab = _lab(sample).reshape(-1, 3)
    return float(np.median(np.hypot(lab[:, 1], lab[:, 2]))) < rule.grey_photo_chroma


def photo_gains(rgb: np.ndarray, rule: ColourRule = COLOUR_RULE) -> np.ndarray:
    """Per-channel gains for the photo's light: brighter for a dim photo (its brightest parts made white, 1 to 2.5
    times: in a dark bar a white cup reads grey), and with `rule.balance` a grey-world correction of its cast (a
    bluish dusk, warm lamps), each channel by at most 25 %."""
    sample = _small(rgb).reshape(-1, 3).astype(np.float32)
    gains = np.ones(3, np.float32)
    if rule.balance:
        means = sample.mean(axis=0) + 1.0
        gains = np.clip(means.mean() / means, 0.8, 1.25)
    if rule.white_patch:
        brightest = float(np.percentile((sample * gains).max(axis=1), 99))
        gains *= min(2.5, max(1.0, 250.0 / max(brightest, 1.0)))
    return gains


def object_colour(
    rgb: np.ndarray,
    detection: Detection,
    method: str = "grabcut",
    rule: ColourRule = COLOUR_RULE,
    gains: np.ndarray | None = None,
) -> ObjectColour | None:
    """The colour of one detected object, or None (a class we do not colour, too small, or no clear colour)."""
    if detection.label in NO_COLOUR_LABELS or detection.width * detection.height < rule.min_pixels:
        return None
    pixels = object_pixels(rgb, detection.box, method)
    if len(pixels) == 0:
        return None
    if gains is not None:
        pixels = np.clip(pixels.astype(np.float32) * gains, 0, 255).astype(np.uint8)
    colour = name_colour(_lab(pixels).reshape(-1, 3), method, rule)
    if colour is not None and detection.label in CHROMATIC_ONLY_LABELS and set(colour.share) <= _ACHROMATIC_WORDS:
        return None
    return colour


class ObjectColourer:
    """Adds each detection's colour (`Detection.colour`) where it is clear; the scene stage of SceneAnalyzer."""

    def __init__(self, method: str = "grabcut", rule: ColourRule = COLOUR_RULE) -> None:
        if method not in ("grabcut", "centre"):
            raise ValueError(f"colour method must be 'grabcut' or 'centre', not {method!r}")
        self.method = method
        self.rule = rule

    def colours(self, rgb: np.ndarray, detections: list[Detection]) -> list[ObjectColour | None]:
        """Each detection's colour, in order (None where not clear, and for unsure detections)."""
        sample = _small(rgb)  # one small copy for both photo-wide checks (a 12 MP photo's takes ~20 ms)
        if not detections or greyscale_photo(sample, self.rule):
            return [None] * len(detections)
        gains = photo_gains(sample, self.rule)
        # Unsure detections get none: on the labels 2 of their 6 colours were right, and their phrase is "possibly".
        # The largest few only, so a crowded photo does not hold up the first sentence (GrabCut ~10 ms an object).
        wanted = [i for i, d in enumerate(detections) if d.certain and d.label not in NO_COLOUR_LABELS]
        wanted = sorted(wanted, key=lambda i: -detections[i].width * detections[i].height)[:MAX_COLOURED]
        return [
            (
                container_colour(rgb, d, detections, self.rule, gains)
                if d.label in CONTAINER_LABELS
                else object_colour(rgb, d, self.method, self.rule, gains)
            )
            if i in wanted
            else None
            for i, d in enumerate(detections)
        ]

    def colour(self, rgb: np.ndarray, detections: list[Detection]) -> list[Detection]:
        """The detections with their colours."""
        return [replace(d, colour=c) for d, c in zip(detections, self.colours(rgb, detections))]


def container_colour(
    rgb: np.ndarray,
    detection: Detection,
    detections: list[Detection],
    rule: ColourRule = COLOUR_RULE,
    gains: np.ndarray | None = None,
) -> ObjectColour | None:
    """A bowl's colour from its rim, a table's from its top between the things on it, a cup's from its wall below the
    drink (container_colour.py), or None; `detections` are all the photo's."""
    found = container_pixels(rgb, detection, detections, _CROP_SIDE, _MARGIN, _ITERATIONS)
    if found.seen < rule.min_pixels or len(found.pixels) == 0:
        return None
    if detection.label in MAJORITY_ONLY_LABELS:
        rule = replace(rule, over_achromatic=0.0)
    gains = np.ones(3, np.float32) if gains is None else gains
    colour = name_colour(_lab(_lit(found.pixels, gains)).reshape(-1, 3), found.method, rule)
    if colour is None or found.contents is None:
        return colour
    if set(colour.share) & _ACHROMATIC_WORDS:  # a glass's wall reads grey or white
        return None
    in_contents = pixel_terms(_lab(_lit(found.contents, gains)).reshape(-1, 3), rule)
    shares = [float(np.mean(in_contents == _TERMS.index(term))) for term in colour.share]
    return colour if max(shares) < CUP_CONTENTS_MAX_SHARE else None


def _lit(pixels: np.ndarray, gains: np.ndarray) -> np.ndarray:
    return np.clip(pixels.astype(np.float32) * gains, 0, 255).astype(np.uint8)
