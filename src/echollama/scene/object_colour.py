"""The colour of each detected object, from the object's own pixels, named with basic colour terms.

The object's pixels (object_pixels.py): GrabCut initialised by the box on a small crop that keeps a margin of its
surroundings as background, so a dog's colour is not the floor's; or, with `method="centre"`, the middle of the box.
Each pixel is named in CIELAB by the nearest of a few prototypes per basic term (black, white, grey, red, orange,
yellow, green, blue, purple, pink, brown), and the object gets a colour only when its pixels agree: one term holding
most of them, or two clearly holding it together ("brown and white", an animal's "black and white"). Otherwise
nothing: a wrong colour is worse than none. A tie's white is never said; vehicles are named in vehicle_colour.py.
See COLOUR_RULE for the measured thresholds.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from echollama.scene.object_pixels import downscaled, object_pixels
from echollama.types import Detection, ObjectColour

# Skin, hair and clothing are not a person's colour; glass shows what is behind it or in it; cutlery mirrors what is
# around it; a bicycle's box is mostly the background between its thin tubes. (On the hand-drawn boxes of the labels,
# 9 of the 13 colours measured on these and on tables were wrong or had no clear colour.) A cup's or bowl's pixels are
# mostly what is in it and a table's box holds what stands on it, so theirs are measured on their wall, rim or
# uncovered top instead (container_colour.py).
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
        # A screen's box is mostly the picture it shows: a black monitor showing a red wallpaper measured pink (imgs.jpg).
        "tv",
        "laptop",
    }
)
# A tie's box holds the shirt around it, white more often than not: Grace Hopper's black tie measured 98 % white (a
# held-out photo). So a tie is never said to be white, nor black and white; its own grey, black or red are said.
SHIRT_LABELS = frozenset({"tie"})
# Coats and plumage are patterned black and white (a zebra, a cow, a magpie); a made thing's box often holds a white
# table or shirt around a black thing: a black phone on a white tablecloth measured "black and white" (yolo.jpg).
PATTERNED_LABELS = frozenset({"bird", "cat", "dog", "horse", "sheep", "cow", "elephant", "bear", "zebra", "giraffe"})

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
    # (225, 205, 170): a pale yellowish pixel (beige, cream: a tabby's light fur, hue 80 degrees) is light brown;
    # without it its nearest was light pink, whose hue (5 degrees) is far from it.
    "brown": (
        (120, 70, 30),
        (90, 55, 30),
        (160, 110, 60),
        (70, 45, 25),
        (140, 90, 50),
        (180, 130, 90),
        (110, 80, 55),
        (225, 205, 170),
    ),
}
TERMS = tuple(_PROTOTYPES)


def lab_pixels(rgb: np.ndarray) -> np.ndarray:
    """CIELAB (L 0-100, a and b about -128..127) of uint8 RGB pixels, any shape ending in 3."""
    flat = rgb.reshape(-1, 1, 3).astype(np.float32) / 255.0
    return cv2.cvtColor(flat, cv2.COLOR_RGB2Lab).reshape(*rgb.shape[:-1], 3)


_PROTOTYPE_LAB = lab_pixels(np.array([p for term in TERMS for p in _PROTOTYPES[term]], dtype=np.uint8))
_PROTOTYPE_TERM = np.array([i for i, term in enumerate(TERMS) for _ in _PROTOTYPES[term]])


@dataclass(frozen=True)
class ColourRule:
    """When the pixels' terms are clear enough to say (measured on colour_labels.json: scripts/colour_sweep.py)."""

    one: float = 0.50  # one term's share of the object's pixels to say it alone
    # Each of two terms' share to say both ("brown and white"); 1.0: never. Off, measured: the 4 two-tones measured
    # on the labels' hand-drawn boxes were all wrong (windows, tyres, food in a bowl), none came on detected ones.
    two: float = 1.0
    two_total: float = 0.85  # the two together
    min_pixels: int = 600  # box area (pixels at full size) under which nothing is said: too small to tell
    # A greyscale photo gets no colours at all (greyscale_photo). Its pixels are exactly grey (R = G = B): the share
    # of unclipped pixels within 1 level of grey, over `grey_photo_exact`, calls it so, coloured drawings on it
    # notwithstanding. Colour photos measure 0.00-0.21 (a dim office 0.12, a toy on a grey desk 0.21), greyscale
    # ones 1.00 (0.5-0.66 with dense keypoints or lines drawn on them; under 0.5 those are taken for colour photos,
    # as are screenshots whose grey window frames hold a colour photo, 0.27-0.33, in opencv-doc's tutorials).
    grey_photo_exact: float = 0.5
    # ... and a photo where under this share of pixels has real chroma (`chroma`) shows nothing coloured (printed
    # text, a newspaper's sudoku: 0.0 %); a black dog on a dark grey backdrop has 3.4 %, a hazy aerial view 0.53 %.
    grey_photo_coloured: float = 0.005
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
    # Black and white patches (a zebra, a magpie, a Friesian cow) are both lightness extremes; shading alone is one
    # shade (pixel_terms). Said when black and white each hold this share and together more than any colour.
    pattern: float = 0.15
    # A vehicle's body (its pixels less the black of windows, tyres and shade) must hold this share of its pixels to
    # be named: a yellow bus's front measured half black windows and half sky-lit glass, "white" (buses_street).
    vehicle_body: float = 0.6
    # A vehicle is white only when its white parts are about as light as the photo's lightest neutral surfaces (a
    # person judges lightness against the scene's white): a silver car in the sun measured L 72 against its photo's
    # 87 (street_parking_sign), a white plane in snow 82 against 87 (airport_snow), a white truck 94 against 85.
    vehicle_white_below: float = 8.0


COLOUR_RULE = ColourRule()
_GREY_SAMPLE_SIDE = 160  # greyscale_photo looks at every pixel of a photo this size, every few of a larger one
_ACHROMATIC_TERMS = tuple(TERMS.index(t) for t in ("black", "grey", "white"))
ACHROMATIC_WORDS = frozenset({"black", "grey", "white"})
_CHROMATIC = np.array([t not in _ACHROMATIC_TERMS for t in _PROTOTYPE_TERM])


_UNCLEAR = len(TERMS)  # a pixel's term when its shade is between black and grey or grey and white


def _achromatic_term(lightness: np.ndarray, rule: ColourRule) -> np.ndarray:
    """Black, grey or white by lightness; between them `_UNCLEAR`: a white plane under cloud is as light as a silver
    car in the sun, so the middle shades are not named."""
    black, grey_from, grey_to, white = rule.shades
    term = np.full(len(lightness), _UNCLEAR)
    term[lightness < black] = TERMS.index("black")
    term[(lightness >= grey_from) & (lightness <= grey_to)] = TERMS.index("grey")
    term[lightness > white] = TERMS.index("white")
    return term


def lit_lab(pixels: np.ndarray, gains: np.ndarray) -> np.ndarray:
    """Lab values (N x 3) of RGB pixels under the photo's per-channel gains (photo_gains)."""
    return lab_pixels(np.clip(pixels.astype(np.float32) * gains, 0, 255).astype(np.uint8)).reshape(-1, 3)


def lab_mean(lab: np.ndarray) -> tuple[float, float, float]:
    """The mean of Lab pixels (N x 3), rounded for --json."""
    mean = lab.mean(axis=0)
    return (round(float(mean[0]), 1), round(float(mean[1]), 1), round(float(mean[2]), 1))


def fold_orange_shade(shares: np.ndarray, rule: ColourRule = COLOUR_RULE) -> None:
    """An orange object's shaded parts read brown (ColourRule.orange_of_brown): when orange holds enough of the orange
    and brown together, they are all orange. `shares` (per term, indexed as TERMS) is changed in place."""
    orange, brown = TERMS.index("orange"), TERMS.index("brown")
    if shares[orange] > 0 and shares[orange] >= rule.orange_of_brown * (shares[orange] + shares[brown]):
        shares[orange], shares[brown] = shares[orange] + shares[brown], 0.0


def nearest_colour_term(lab: np.ndarray) -> np.ndarray:
    """The nearest chromatic term (index into TERMS) of each Lab pixel (N x 3)."""
    prototypes = _PROTOTYPE_LAB[_CHROMATIC]
    distances = ((lab[:, None, :] - prototypes[None, :, :]) ** 2).sum(axis=2)
    return _PROTOTYPE_TERM[_CHROMATIC][distances.argmin(axis=1)]


def pixel_terms(lab: np.ndarray, rule: ColourRule = COLOUR_RULE) -> np.ndarray:
    """The index into `TERMS` (or `_UNCLEAR`) of each Lab pixel's term (N x 3 -> N): the nearest chromatic prototype
    for coloured pixels; for the rest one shade for all of them (shading is not a second colour), or two when they
    split clearly into dark and light (a zebra)."""
    chroma = np.hypot(lab[:, 1], lab[:, 2])
    chromatic = chroma >= np.clip(rule.chroma_slope * lab[:, 0], rule.chroma_floor, rule.chroma)
    terms = np.empty(len(lab), dtype=int)
    if chromatic.any():
        terms[chromatic] = nearest_colour_term(lab[chromatic])
        chromatic[chromatic & (terms == TERMS.index("blue")) & (chroma < rule.blue_chroma)] = False
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
    grey = TERMS.index("grey")
    if shares[second] >= rule.two and shares[first] + shares[second] >= rule.two_total and grey not in (first, second):
        return [first, second]
    colour, next_colour = [i for i in order if i not in _ACHROMATIC_TERMS][:2]
    over = shares[colour] >= rule.over_achromatic and shares[next_colour] * rule.over_ratio <= shares[colour]
    if rule.over_achromatic and over:
        return [colour]
    black, white = TERMS.index("black"), TERMS.index("white")
    pattern = min(shares[black], shares[white]) >= rule.pattern and shares[black] + shares[white] > shares[colour]
    return [black, white] if pattern else []


def name_colour(lab: np.ndarray, method: str, rule: ColourRule = COLOUR_RULE) -> ObjectColour | None:
    """The object's colour from its pixels' Lab values (N x 3), or None when they do not agree clearly."""
    if len(lab) == 0:
        return None
    pixel_term = pixel_terms(lab, rule)
    counts = np.bincount(pixel_term, minlength=_UNCLEAR + 1)
    shares = counts / counts.sum()
    fold_orange_shade(shares, rule)
    named = _said_terms(shares, rule)
    if not named:
        return None
    terms = [TERMS[i] for i in named]
    # A pattern's stripes are judged without the grass between them (GrabCut leaves some around a zebra's legs).
    judged = lab[np.isin(pixel_term, named)] if len(named) == 2 else lab
    if set(terms) <= ACHROMATIC_WORDS and np.median(np.hypot(judged[:, 1], judged[:, 2])) >= rule.achromatic_chroma:
        return None
    return ObjectColour(
        words=" and ".join(terms),
        lab=lab_mean(lab),
        share={t: round(float(shares[i]), 3) for t, i in zip(terms, named)},
        method=method,
    )


def greyscale_photo(rgb: np.ndarray, rule: ColourRule = COLOUR_RULE) -> bool:
    """True for a black-and-white photo: its colours are not the objects' colours. Judged by the camera's noise, not
    by how colourful the scene is: a colour photo's grey surfaces are never exactly grey (sensor noise, light's tint),
    a greyscale picture's are, pixel for pixel; a black dog on a grey backdrop has little chroma, but some. Judged on
    every few pixels of the photo itself (averaging them down would blend drawn lines into the grey around them)."""
    step = max(1, max(rgb.shape[:2]) // _GREY_SAMPLE_SIDE)
    sample = rgb[::step, ::step].reshape(-1, 3)
    spread = sample.max(axis=1).astype(np.int16) - sample.min(axis=1)
    unclipped = (sample.max(axis=1) < 250) & (sample.min(axis=1) > 5)  # flat black or white says nothing of the camera
    if unclipped.any() and (spread[unclipped] <= 1).mean() >= rule.grey_photo_exact:
        return True
    lab = lab_pixels(sample).reshape(-1, 3)
    return float((np.hypot(lab[:, 1], lab[:, 2]) >= rule.chroma).mean()) < rule.grey_photo_coloured


def photo_gains(rgb: np.ndarray, rule: ColourRule = COLOUR_RULE) -> np.ndarray:
    """Per-channel gains for the photo's light: brighter for a dim photo (its brightest parts made white, 1 to 2.5
    times: in a dark bar a white cup reads grey), and with `rule.balance` a grey-world correction of its cast (a
    bluish dusk, warm lamps), each channel by at most 25 %."""
    sample = downscaled(rgb).reshape(-1, 3).astype(np.float32)
    gains = np.ones(3, np.float32)
    if rule.balance:
        means = sample.mean(axis=0) + 1.0
        gains = np.clip(means.mean() / means, 0.8, 1.25)
    if rule.white_patch:
        brightest = float(np.percentile((sample * gains).max(axis=1), 99))
        gains *= min(2.5, max(1.0, 250.0 / max(brightest, 1.0)))
    return gains


@dataclass(frozen=True)
class PhotoLight:
    """What the photo's light does to every object in it (photo_light)."""

    gains: np.ndarray  # per-channel gains (photo_gains)
    cast: tuple[float, float] = (0.0, 0.0)  # the light's (a, b), seen on the photo's bright near-neutral surfaces
    white: float = 100.0  # the lightness of its lightest neutral surfaces (95th percentile)


UNCHANGED_LIGHT = PhotoLight(np.ones(3, np.float32))  # the pixels as they are: an object measured without its photo


def photo_light(sample: np.ndarray, rule: ColourRule = COLOUR_RULE) -> PhotoLight:
    """The photo's light from a small copy of it: snow or a white wall under a blue sky reads bluish, and so does a
    white plane beside them; a person judges the plane white against them, and so does this."""
    gains = photo_gains(sample, rule)
    lab = lit_lab(sample.reshape(-1, 3), gains)
    bright = lab[(lab[:, 0] > 60) & (np.hypot(lab[:, 1], lab[:, 2]) < 20)]
    if len(bright) < 0.01 * len(lab):  # too few bright neutral surfaces to tell the light's colour
        return PhotoLight(gains)
    cast = (float(np.median(bright[:, 1])), float(np.median(bright[:, 2])))
    neutral = lab[np.hypot(lab[:, 1] - cast[0], lab[:, 2] - cast[1]) < rule.achromatic_chroma, 0]
    return PhotoLight(gains, cast, float(np.percentile(neutral, 95)) if len(neutral) else 100.0)


def object_colour(
    rgb: np.ndarray,
    detection: Detection,
    method: str = "grabcut",
    rule: ColourRule = COLOUR_RULE,
    light: PhotoLight = UNCHANGED_LIGHT,
) -> ObjectColour | None:
    """The colour of one detected object, or None (a class we do not colour, too small, or no clear colour)."""
    if detection.label in NO_COLOUR_LABELS or detection.width * detection.height < rule.min_pixels:
        return None
    pixels = object_pixels(rgb, detection.box, method)
    if len(pixels) == 0:
        return None
    lab = lit_lab(pixels, light.gains)
    colour = name_colour(lab, method, rule if detection.label in PATTERNED_LABELS else replace(rule, pattern=1.0))
    if colour is not None and detection.label in SHIRT_LABELS and "white" in colour.share:
        return None
    return colour
