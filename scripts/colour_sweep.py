"""The colour rule's sweep on the labelled photos: method x thresholds -> right % and said %, and ms per photo.

Detections come from the embedded profile's perception once (cached in /tmp); colours are recomputed per setting.
Run: PYTHONPATH=src python scripts/colour_sweep.py
"""

from __future__ import annotations

import pickle
import statistics
import time
from dataclasses import replace
from pathlib import Path

from echollama.config import PipelineConfig
from echollama.evaluation.colour_eval import colour_figures
from echollama.evaluation.labelled_set import labelled_images
from echollama.profiles import build_profile
from echollama.scene.object_colour import ColourRule, ObjectColourer

CACHE = Path("/tmp/echollama-colour-sweep.pkl")


def scenes_without_colour():
    if CACHE.exists():
        return pickle.loads(CACHE.read_bytes())
    analyzer = build_profile(PipelineConfig()).analyzer
    analyzer.colourer = None
    found = {}
    for item in labelled_images():
        image = item.load()
        found[item.name] = (image.rgb, analyzer.analyze(image, read_text=False))
    CACHE.write_bytes(pickle.dumps(found))
    return found


def main() -> None:
    found = scenes_without_colour()
    base = ColourRule()
    rules = [base, replace(base, white_patch=False)]
    rules += [
        replace(base, one=one, two=two, two_total=total)
        for one in (0.5, 0.6, 0.7)
        for two, total in ((0.25, 0.75), (0.3, 0.85), (1.0, 0.85))
    ]
    rules += [replace(base, chroma=c) for c in (8, 16, 20)]
    rules += [replace(base, two_tone_gap=g) for g in (35, 55)]
    rules += [replace(base, min_pixels=m) for m in (150, 2000)]
    rules += [replace(base, over_achromatic=o) for o in (0.0, 0.3, 0.45)]
    rules += [replace(base, over_ratio=r) for r in (1.5, 3.0)]
    rules += [replace(base, shades=s) for s in ((30, 30, 72, 72), (25, 40, 55, 72), (30, 38, 60, 75))]
    for method in ("grabcut", "centre"):
        for rule in rules:
            colourer = ObjectColourer(method, rule)
            scenes, times = {}, []
            for name, (rgb, scene) in found.items():
                start = time.perf_counter()
                detections = colourer.colour(rgb, scene.detections)
                times.append(time.perf_counter() - start)
                scenes[name] = replace(scene, detections=detections)
            f = colour_figures(scenes)
            print(
                f"{method:8} one={rule.one} two={rule.two}/{rule.two_total} min_px={rule.min_pixels} "
                f"chroma={rule.chroma} gap={rule.two_tone_gap} white_patch={rule.white_patch} "
                f"shades={rule.shades} over_achromatic={rule.over_achromatic}: "
                f"said {f['said']} right {f['right_share']:.0%} said-for {f['said_share']:.0%} "
                f"(of detected {f['said_share_of_detected']:.0%}, of named {f['said_share_of_named']:.0%}); ms/photo median {1000 * statistics.median(times):.0f}"
                f" max {1000 * max(times):.0f}"
            )
            if rule == base:
                for case in f["wrong"]:
                    print("    wrong:", case)


if __name__ == "__main__":
    main()
