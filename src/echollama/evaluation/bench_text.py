"""`echollama bench text`: what the text stage adds to perception, measured in one run on the same images.

Per image and run, perception is timed without the text stage (the same backends, no reader) and with it (the reader
on its own thread beside detection): when the objects are ready (what the first sentence waits for) and when the text
is. Peak memory is the process's resident peak after the runs without text, then after those with it.
"""

from __future__ import annotations

import json
import resource
import statistics
from pathlib import Path

from echollama.config import PipelineConfig
from echollama.scene.analyze import SceneAnalyzer
from echollama.scene.image import load_image

OPENCV_TEXT = Path("/usr/share/doc/opencv-doc/examples/text")


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def bench_text(args, config: PipelineConfig) -> int:
    from echollama.profiles import build_profile
    from echollama.scene.rapidocr_reader import RapidOcrReader

    paths = args.images or sorted(str(p) for p in OPENCV_TEXT.glob("scenetext0*.jpg"))
    if not paths:
        print("echollama: bench text: no images; give --images or install Debian's opencv-doc (make setup-dev)")
        return 2
    images = [load_image(p) for p in paths]
    analyzer = build_profile(config).analyzer
    plain = SceneAnalyzer(
        analyzer.detector, analyzer.depth, analyzer.captioner, analyzer.threshold, certain_from=analyzer.certain_from
    )
    plain.load()
    plain.analyze(images[0])  # warm-up: first-call costs are not the text stage's
    without = [plain.analyze(image).timings["perception_s"] for _ in range(args.runs) for image in images]
    peak_without = _peak_mib()
    reading = SceneAnalyzer(
        analyzer.detector,
        analyzer.depth,
        analyzer.captioner,
        analyzer.threshold,
        certain_from=analyzer.certain_from,
        text_reader=RapidOcrReader(),
    )
    reading.load()
    reading.analyze(images[0])
    objects, text = [], []
    for _ in range(args.runs):
        for image in images:
            scene = reading.analyze(image)  # with its text
            objects.append(scene.timings["perception_s"])
            text.append(scene.timings["perception_with_text_s"])
    figures = {
        "images": [Path(p).name for p in paths],
        "runs": args.runs,
        "perception_without_text_s": statistics.median(without),
        "objects_ready_with_text_s": statistics.median(objects),
        "text_ready_s": statistics.median(text),
        "peak_rss_without_text_mib": peak_without,
        "peak_rss_with_text_mib": _peak_mib(),
    }
    figures["ratio_text_ready"] = figures["text_ready_s"] / figures["perception_without_text_s"]
    figures["ratio_objects_ready"] = figures["objects_ready_with_text_s"] / figures["perception_without_text_s"]
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(f"{len(images)} images x {args.runs} runs (medians):")
    print(f"  perception without the text stage       {figures['perception_without_text_s']:.2f} s")
    print(
        f"  with it: objects ready (first sentence) {figures['objects_ready_with_text_s']:.2f} s "
        f"(x{figures['ratio_objects_ready']:.2f})"
    )
    print(
        f"  with it: text ready                     {figures['text_ready_s']:.2f} s (x{figures['ratio_text_ready']:.2f})"
    )
    print(
        f"  peak memory: {figures['peak_rss_without_text_mib']:.0f} MiB without, "
        f"{figures['peak_rss_with_text_mib']:.0f} MiB with the text stage"
    )
    return 0
