"""Perception's stages side by side on two lanes (scene/analyze.py) against the same stages in turn: the embedded
profile's perception (models loaded, no text stage) on the 29 labelled photos, each photo through each setting in
turn, so that drifting load from other processes hits both alike. Prints median ms per stage and the ratio.

- side by side: the profile as built on two cores (the whole picture's classes beside detection on SSD's lane,
  fine-name crops on two one-thread classifiers beside the colours);
- in turn: the profile built for one thread (`PipelineConfig(threads=1)`): every stage after the other on the
  calling thread, one classifier (YOLOv5s still has SSD beside it: the detector is the same in both).

Run: python -m echollama.evaluation.bench_perception_lanes [ROUNDS]   (prints a table; nothing is asserted)
"""

from __future__ import annotations

import os
import statistics
import sys

STAGES = ("detect_s", "picture_s", "colour_s", "fine_names_s", "caption_s", "after_detect_s", "perception_s")


def main(rounds: int = 2) -> None:
    from echollama.config import PipelineConfig
    from echollama.evaluation.labelled_set import labelled_images
    from echollama.profiles import build_profile

    settings = {
        "side by side": build_profile(PipelineConfig(read_text=False, threads=2)).analyzer,
        "in turn": build_profile(PipelineConfig(read_text=False, threads=1)).analyzer,
    }
    for analyzer in settings.values():
        analyzer.load()
    images = [item.load() for item in labelled_images()]
    times: dict[str, dict[str, list[float]]] = {name: {stage: [] for stage in STAGES} for name in settings}
    for round_ in range(rounds + 1):  # round 0 warms up
        for image in images:
            for name, analyzer in settings.items():
                timings = analyzer.analyze(image, read_text=False).timings
                timings["after_detect_s"] = timings["perception_s"] - timings["detect_s"]
                for stage in STAGES:
                    if round_ and stage in timings:
                        times[name][stage].append(1000 * timings[stage])
    print(f"{len(images)} photos x {rounds} rounds, load average {os.getloadavg()[0]:.1f} at the end; median ms")
    print(f"{'stage':<16}" + "".join(f"{name:>14}" for name in settings) + "   ratio")
    for stage in STAGES:
        medians = [statistics.median(times[name][stage]) for name in settings]
        ratio = f"{medians[0] / medians[1]:8.2f}" if medians[1] > 0.05 else ""
        print(f"{stage:<16}" + "".join(f"{ms:14.1f}" for ms in medians) + ratio)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
