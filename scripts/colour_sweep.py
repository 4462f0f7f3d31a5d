"""The colour rule's sweep on the labelled photos: thresholds -> right % and said %, on the default detector's boxes
and on the labels' own boxes, with the settings on the frontier (no other setting both righter and saying more).

Detections come from the embedded profile's perception once (cached in --cache; --fresh remakes it after a detector
change); each object's pixels (GrabCut) are measured once, the naming rule recomputed per setting.
Run: PYTHONPATH=src python scripts/colour_sweep.py [--fresh] [--all]
"""

from __future__ import annotations

import argparse
import itertools
import pickle
from dataclasses import replace
from pathlib import Path

import echollama.scene.container_colour as container_colour
import echollama.scene.object_colour as object_colour
import echollama.scene.object_pixels as object_pixels
import echollama.scene.vehicle_colour as vehicle_colour
from echollama.config import PipelineConfig
from echollama.evaluation.colour_eval import colour_figures
from echollama.evaluation.labelled_set import labelled_images
from echollama.profiles import build_profile
from echollama.scene.colourer import ObjectColourer
from echollama.scene.object_colour import COLOUR_RULE, ColourRule

GRID = {
    "chroma_floor": (12.0, 6.0, 4.0),
    "chroma_slope": (0.25, 0.4),
    "blue_chroma": (0.0, 24.0),
    "orange_of_brown": (1.0, 0.5, 0.4),
    "one": (0.6, 0.5),
    "over_achromatic": (0.5, 0.4),
    "achromatic_chroma": (1e9, 8.0),
}


def scenes_without_colour(cache: Path, fresh: bool):
    if cache.exists() and not fresh:
        return pickle.loads(cache.read_bytes())
    analyzer = build_profile(PipelineConfig()).analyzer
    analyzer.colourer = None
    found = {}
    for item in labelled_images():
        image = item.load()
        found[item.name] = (image.rgb, analyzer.analyze(image, read_text=False))
    cache.write_bytes(pickle.dumps(found))
    return found


def _kept(measure):
    """`measure(rgb, box, *rest)` computed once per photo, box and rest (the photos stay loaded, so their ids hold)."""
    measured: dict = {}

    def cached(rgb, box, *rest):
        key = (id(rgb), tuple(box), rest)
        if key not in measured:
            measured[key] = measure(rgb, box, *rest)
        return measured[key]

    return cached


def _measure_pixels_once() -> None:
    """GrabCut does not depend on the naming rule: each box's pixels are kept for the next setting, wherever the
    colourer measures them (an object's and a vehicle's by object_pixels, a bowl's rim by rim_pixels)."""
    pixels = _kept(object_pixels.object_pixels)
    object_colour.object_pixels = pixels  # type: ignore[assignment]
    vehicle_colour.object_pixels = pixels  # type: ignore[assignment]
    container_colour.rim_pixels = _kept(container_colour.rim_pixels)  # type: ignore[assignment]


def figures(rule: ColourRule, found: dict, hand: dict) -> tuple[dict, dict]:
    colourer = ObjectColourer("grabcut", rule)

    def coloured(scenes: dict) -> dict:
        return {
            name: replace(scene, detections=colourer.colour(rgb, scene.detections))
            for name, (rgb, scene) in scenes.items()
        }

    return colour_figures(coloured(found)), colour_figures(coloured(hand))


def line(rule: ColourRule, f: dict, h: dict) -> str:
    changed = {k: getattr(rule, k) for k in GRID if getattr(rule, k) != getattr(COLOUR_RULE, k)}
    return (
        f"detector boxes: said {f['said']:2} right {f['right_share']:4.0%} said-for {f['said_share']:4.0%} "
        f"(of named {f['said_share_of_named']:4.0%}) | labels' boxes: said {h['said']:2} right {h['right_share']:4.0%} "
        f"said-for {h['said_share']:4.0%} | {changed or 'the shipped rule'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cache", type=Path, default=Path("/tmp/echollama-colour-sweep.pkl"))
    parser.add_argument("--fresh", action="store_true", help="detect again (after a detector change)")
    parser.add_argument("--all", action="store_true", help="print every setting, not only the frontier")
    args = parser.parse_args()
    found = scenes_without_colour(args.cache, args.fresh)
    hand = {}
    for item in labelled_images():
        rgb, scene = found[item.name]
        hand[item.name] = (rgb, replace(scene, detections=item.as_detections()))
    _measure_pixels_once()
    shipped = figures(COLOUR_RULE, found, hand)
    print("shipped:", line(COLOUR_RULE, *shipped))
    for case in shipped[0]["wrong"]:
        print("    wrong:", case)
    results = []
    for values in itertools.product(*GRID.values()):
        rule = replace(COLOUR_RULE, **dict(zip(GRID, values)))
        results.append((rule, *figures(rule, found, hand)))
    # The frontier on the detector's boxes: right % first (>= 90 % is the constraint), said % second.
    frontier = [
        r
        for r in results
        if not any(
            o[1]["right_share"] >= r[1]["right_share"]
            and o[1]["said_share"] >= r[1]["said_share"]
            and (o[1]["right_share"], o[1]["said_share"]) != (r[1]["right_share"], r[1]["said_share"])
            for o in results
        )
    ]
    print(f"{len(results)} settings; {'all' if args.all else 'the frontier'}:")
    for rule, f, h in sorted(
        results if args.all else frontier, key=lambda r: (-r[1]["said_share"], -r[2]["right_share"])
    ):
        print(line(rule, f, h))


if __name__ == "__main__":
    main()
