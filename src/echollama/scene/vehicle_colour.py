"""A vehicle's colour: from its pixels as a whole (a colour over its windows and tyres, or white against the photo's
own white), else from its paint, its most chromatic large surface.

A vehicle's glass, tyres, chrome and shade are near neutral, so a red bus whose windows fill half its side measures
no colour over all its pixels (held-out red_bus_street: red 23 %, unclear shades 56 %). Its paint is what remains
clearly chromatic; the vehicle is said to be that colour when those pixels are a fair share of it and are one hue.
Measured on the middle of the box: a vehicle fills its box, so the middle is its body, while GrabCut on a small crop
may keep a backdrop of the body's lightness (brown boxes behind a red motorcycle) or drop the body for its windows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from echollama.scene.object_colour import (
    ACHROMATIC_WORDS,
    COLOUR_RULE,
    TERMS,
    ColourRule,
    PhotoLight,
    fold_orange_shade,
    lab_mean,
    lab_pixels,
    lit_lab,
    name_colour,
    nearest_colour_term,
    pixel_terms,
)
from echollama.scene.object_pixels import object_pixels
from echollama.types import Detection, ObjectColour

# A vehicle's windows, tyres and shade are black or grey, so a white car in shade measures grey or black (2 of the 7
# wrong with YOLOv5s's boxes): a vehicle is said to be a colour or white (whole_vehicle_colour), never black or grey.
VEHICLE_LABELS = frozenset({"car", "truck", "bus", "motorcycle", "train", "airplane", "boat"})


def whole_vehicle_colour(
    lab: np.ndarray, method: str, light: PhotoLight, rule: ColourRule = COLOUR_RULE
) -> ObjectColour | None:
    """A vehicle's colour from all its pixels' Lab values (N x 3): a colour over its black, grey and white parts
    ("a red bus"); or white, judged on its body (its pixels less the black of windows, tyres and shade) against the
    photo's lightest neutral surfaces; never black or grey (a white car in shade, a silver one in the sun)."""
    colour = name_colour(lab, method, rule)
    if colour is not None and not set(colour.share) <= ACHROMATIC_WORDS:
        return colour
    terms = pixel_terms(lab, rule)
    body = terms != TERMS.index("black")
    white = lab[terms == TERMS.index("white")]
    share = len(white) / max(1, body.sum())
    if body.mean() < rule.vehicle_body or share < rule.one:
        return None
    tint = np.median(np.hypot(white[:, 1] - light.cast[0], white[:, 2] - light.cast[1]))
    if tint >= rule.achromatic_chroma or np.median(white[:, 0]) < light.white - rule.vehicle_white_below:
        return None
    return ObjectColour(words="white", lab=lab_mean(white), share={"white": round(share, 3)}, method=method)


@dataclass(frozen=True)
class PaintRule:
    """When a vehicle's clearly chromatic pixels are its paint (measured on both colour label sets)."""

    # Paint is well above the neutral threshold (COLOUR_RULE.chroma, 12): tinted glass and sky-lit shade stay under.
    chroma: float = 20.0
    # A fair share of the body: a silver car's sky reflections are 15 % of its middle (street_parking_sign).
    share: float = 0.25
    # One paint is one hue: its pixels lie within `hue_window` degrees of one another; two cars in one box do not.
    hue_window: float = 50.0
    one_hue: float = 0.85
    # Judged as if exposed for the vehicle: a person looking at a truck in shade under a bright sky sees its paint
    # (held-out pickup_orchard: body L 5 with the photo's gains, which its sky holds to 1.3). Its lighter parts (this
    # percentile of the pixels' brightest channel) are brought to white, by at most `max_exposure`.
    exposure_percentile: float = 90.0
    max_exposure: float = 4.0
    # Blue paint's RGB saturation (max - min) / max, which exposure keeps: the blue pickup's 0.83 and a blue sports
    # car's 0.63 against 0.34 for a black umbrella lit by the sky (street_truck) and 0.41 for a silver car's sky.
    blue_saturation: float = 0.5


PAINT_RULE = PaintRule()
_HUE_BINS = 36  # 10 degrees each


def paint_colour(
    lab: np.ndarray, saturation: np.ndarray, rule: ColourRule = COLOUR_RULE, paint: PaintRule = PAINT_RULE
) -> tuple[str, np.ndarray] | None:
    """The paint's colour term and which of the vehicle's pixels (Lab, N x 3; `saturation`: each one's RGB
    saturation, 0-1) are its paint, or None."""
    if len(lab) == 0:
        return None
    chroma = np.hypot(lab[:, 1], lab[:, 2])
    hue = np.degrees(np.arctan2(lab[:, 2], lab[:, 1])) % 360
    # Sky-lit shade and glass read bluish (ColourRule.blue_chroma): blue paint must be more chromatic than they are.
    bluish = (hue > 230) & (hue < 310)
    strong = chroma >= np.where(bluish, max(paint.chroma, rule.blue_chroma), paint.chroma)
    # ... and more saturated: exposure brightens that tint with the rest (a black umbrella's, RGB saturation 0.34).
    strong &= ~bluish | (saturation >= paint.blue_saturation)
    if strong.mean() < paint.share:
        return None
    counts = np.bincount((hue[strong] // (360 / _HUE_BINS)).astype(int), minlength=_HUE_BINS)
    width = round(paint.hue_window / (360 / _HUE_BINS))
    windows = np.array([np.roll(counts, -start)[:width].sum() for start in range(_HUE_BINS)])
    start = int(windows.argmax())
    if windows[start] < paint.one_hue * strong.sum():
        return None
    in_window = strong & (((hue // (360 / _HUE_BINS)).astype(int) - start) % _HUE_BINS < width)
    shares = np.bincount(nearest_colour_term(lab[in_window]), minlength=len(TERMS)).astype(float)
    fold_orange_shade(shares, rule)
    return TERMS[int(shares.argmax())], in_window


def vehicle_paint_colour(
    rgb: np.ndarray, detection: Detection, light: PhotoLight, rule: ColourRule = COLOUR_RULE
) -> ObjectColour | None:
    """A vehicle's colour from its paint in the middle of its box (after the photo's light gains and an exposure
    for the vehicle itself), or None."""
    pixels = object_pixels(rgb, detection.box, "centre").astype(np.float32) * light.gains
    if len(pixels) == 0:
        return None
    lighter = float(np.percentile(pixels.max(axis=1), PAINT_RULE.exposure_percentile))
    pixels = np.clip(pixels * min(PAINT_RULE.max_exposure, max(1.0, 250.0 / max(lighter, 1.0))), 0, 255)
    lab = lab_pixels(pixels.astype(np.uint8)).reshape(-1, 3)
    brightest = pixels.max(axis=1)
    found = paint_colour(lab, (brightest - pixels.min(axis=1)) / np.maximum(brightest, 1.0), rule)
    if found is None:
        return None
    term, painted = found
    return ObjectColour(
        words=term, lab=lab_mean(lab[painted]), share={term: round(float(painted.mean()), 3)}, method="centre"
    )


def vehicle_colour(
    rgb: np.ndarray, detection: Detection, method: str, light: PhotoLight, rule: ColourRule = COLOUR_RULE
) -> ObjectColour | None:
    """A vehicle's colour from its pixels as a whole (object_pixels by `method`), or when they name none from its
    paint, or None (too small, or no clear colour)."""
    if detection.width * detection.height < rule.min_pixels:
        return None
    pixels = object_pixels(rgb, detection.box, method)
    colour = whole_vehicle_colour(lit_lab(pixels, light.gains), method, light, rule) if len(pixels) else None
    return colour if colour is not None else vehicle_paint_colour(rgb, detection, light, rule)
