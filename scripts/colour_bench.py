"""Perception with and without object colours on the 29 labelled photos, interleaved in one process (2 rounds).

Run: PYTHONPATH=src python scripts/colour_bench.py   (prints median / max perception_s and colour_s, in ms)
"""

from __future__ import annotations

import statistics

from echollama.config import PipelineConfig
from echollama.evaluation.labelled_set import labelled_images
from echollama.profiles import build_profile


def main() -> None:
    analyzer = build_profile(PipelineConfig()).analyzer
    analyzer.load(text=False)
    colourer = analyzer.colourer
    images = [item.load() for item in labelled_images()]
    times: dict[str, list[float]] = {"without": [], "with": [], "colour": []}
    for _ in range(2):
        for image in images:
            for key, stage in (("without", None), ("with", colourer)):
                analyzer.colourer = stage
                scene = analyzer.analyze(image, read_text=False)
                times[key].append(scene.timings["perception_s"])
                if stage is not None:
                    times["colour"].append(scene.timings["colour_s"])
    for key, values in times.items():
        print(f"{key:8} median {1000 * statistics.median(values):.0f} ms, max {1000 * max(values):.0f} ms")


if __name__ == "__main__":
    main()
