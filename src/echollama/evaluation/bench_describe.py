"""`echollama bench`: measured figures, printed as tables; nothing here asserts a time.

  echollama bench describe --runs 3 --llm 1.5b   # streaming vs non-streaming time to first audio, stages, RSS
  echollama bench detector                        # SSD precision/recall per threshold on the labelled images
"""

from __future__ import annotations

import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from echollama.config import PipelineConfig
from echollama.evaluation.detection import MatchCounts, match
from echollama.samples import SAMPLE_IMAGE, labelled_images
from echollama.scene.image import LoadedImage, load_image

_THRESHOLDS = (0.3, 0.4, 0.5, 0.55, 0.6, 0.7, 0.8, 0.9)
_COLUMNS = ("perception_s", "llm_first_token_s", "first_audio_s", "total_s", "tokens_per_s", "audio_s")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux reports KiB


def run(args, config: PipelineConfig | None) -> int:
    if args.target == "detector":
        return bench_detector(args)
    if args.target == "conversation":
        from echollama.evaluation.bench_conversation import bench_conversation

        return bench_conversation(args, config)
    return bench_describe(args, config)


def _bench_images(paths: list[str] | None) -> list[LoadedImage]:
    if paths:
        return [load_image(p) for p in paths]
    images = [load_image(SAMPLE_IMAGE)]
    try:
        by_name = {item.name: item for item in labelled_images()}
        images += [by_name["chelsea"].load(), by_name["motorcycle"].load()]
    except Exception as error:  # scikit-image is a dev extra; the bundled photo alone still measures
        print(f"echollama: bench: only the bundled photo ({error})", file=sys.stderr)
    return images


def bench_describe(args, config: PipelineConfig) -> int:
    from echollama.pipeline import Pipeline

    images = _bench_images(args.images)
    pipeline = Pipeline(config)
    from echollama.language.llama_cpp_llm import LlamaCppModel

    llama_cpp = isinstance(pipeline.llm, LlamaCppModel)
    def forget_prompt_cache() -> None:
        # As a fresh process: an empty KV cache, then the system prompt's state loaded from disk.
        if llama_cpp:
            pipeline.llm.forget_cache()
            pipeline.warm_start()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        wav = Path(folder) / "bench.wav"
        start = time.perf_counter()
        cold = pipeline.describe(images[0], wav, stream=True)  # includes loading every model
        cold_total = time.perf_counter() - start
        print(f"cold start ({pipeline.llm.name}): first audio {cold.timings['first_audio_s']:.2f} s, "
              f"whole description {cold_total:.2f} s", file=sys.stderr)
        for image in images:
            for run_index in range(args.runs):
                for mode, stream in (("streaming", True), ("whole answer first", False)):
                    # Every run re-reads its whole prompt, as a one-shot `describe` does: without this the KV
                    # cache of the previous identical prompt makes the first token almost free.
                    forget_prompt_cache()
                    result = pipeline.describe(image, wav, stream=stream)
                    row = {"image": Path(image.source).name, "mode": mode, "run": run_index,
                           **{k: result.timings.get(k, result.answer.usage.get(k, 0.0)) for k in _COLUMNS}}
                    rows.append(row)
                    print(f"  {row['image']:<20} {mode:<18} run {run_index}: first audio {row['first_audio_s']:.2f} s",
                          file=sys.stderr)
    summary = _summarise(rows)
    summary.update({"llm": pipeline.llm.name, "runs": args.runs, "images": len(images),
                    "cold_first_audio_s": cold.timings["first_audio_s"], "peak_rss_mb": peak_rss_mb()})
    if args.json:
        print(json.dumps({"rows": rows, "summary": summary}, indent=2))
    else:
        _print_describe_table(rows, summary)
    return 0


def _summarise(rows: list[dict]) -> dict:
    def median(mode: str, key: str) -> float:
        return statistics.median(r[key] for r in rows if r["mode"] == mode)

    streaming = median("streaming", "first_audio_s")
    whole = median("whole answer first", "first_audio_s")
    return {"first_audio_streaming_s": streaming, "first_audio_whole_answer_s": whole,
            "streaming_over_whole_ratio": streaming / whole if whole else float("nan"),
            "perception_s": median("streaming", "perception_s"), "tokens_per_s": median("streaming", "tokens_per_s")}


def _print_describe_table(rows: list[dict], summary: dict) -> None:
    header = f"{'image':<20} {'mode':<18} {'perceive':>9} {'1st token':>9} {'1st audio':>9} {'total':>7} {'tok/s':>6} {'speech':>7}"
    print(header)
    print("-" * len(header))
    groups: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        groups.setdefault((row["image"], row["mode"]), []).append(row)
    for (image, mode), members in groups.items():
        med = {k: statistics.median(m[k] for m in members) for k in _COLUMNS}
        print(f"{image:<20} {mode:<18} {med['perception_s'] * 1000:>7.0f}ms {med['llm_first_token_s']:>8.2f}s "
              f"{med['first_audio_s']:>8.2f}s {med['total_s']:>6.1f}s {med['tokens_per_s']:>6.1f} {med['audio_s']:>6.1f}s")
    print(f"\nmedians over {summary['runs']} run(s) per image and mode, models warm, LLM {summary['llm']}")
    print(f"time to first audio: streaming {summary['first_audio_streaming_s']:.2f} s, whole answer first "
          f"{summary['first_audio_whole_answer_s']:.2f} s, ratio {summary['streaming_over_whole_ratio']:.2f}")
    print(f"cold start first audio (loading every model): {summary['cold_first_audio_s']:.2f} s")
    print(f"perception {summary['perception_s'] * 1000:.0f} ms; decode {summary['tokens_per_s']:.1f} tokens/s; "
          f"peak RSS {summary['peak_rss_mb']:.0f} MB")


def bench_detector(args) -> int:
    from echollama.scene.ssd_detector import SsdMobileNetDetector

    detector = SsdMobileNetDetector()
    labelled = labelled_images()
    found = {item.name: detector.detect(item.load(), threshold=min(_THRESHOLDS)) for item in labelled}
    table = []
    for threshold in _THRESHOLDS:
        total = MatchCounts()
        for item in labelled:
            kept = [d for d in found[item.name] if d.score >= threshold]
            total = total + match(kept, [(o.label, o.box) for o in item.objects])
        table.append({"threshold": threshold, "tp": total.true_positives, "fp": total.false_positives,
                      "fn": total.false_negatives, "precision": total.precision, "recall": total.recall, "f1": total.f1})
    if args.json:
        print(json.dumps({"images": [i.name for i in labelled], "sweep": table}, indent=2))
        return 0
    print(f"SSD-MobileNet-v2 on {len(labelled)} hand-labelled images ({', '.join(i.name for i in labelled)}), IoU >= 0.5")
    print(f"{'threshold':>9} {'TP':>3} {'FP':>3} {'FN':>3} {'precision':>9} {'recall':>7} {'F1':>5}")
    for row in table:
        print(f"{row['threshold']:>9.2f} {row['tp']:>3} {row['fp']:>3} {row['fn']:>3} {row['precision']:>9.2f} "
              f"{row['recall']:>7.2f} {row['f1']:>5.2f}")
    print("\ndetections at the lowest threshold:")
    for name, detections in found.items():
        print(f"  {name}: " + ", ".join(f"{d.label} {d.score:.2f}" for d in detections))
    return 0
