"""`echollama bench`: measured figures, printed as tables; nothing here asserts a time.

echollama bench describe --runs 3 --llm 1.5b   # streaming vs non-streaming time to first audio, stages, RSS
echollama bench detector                        # YOLOv5s vs SSD, whole vs sliced: precision/recall (bench_detector.py)
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
from echollama.evaluation.labelled_set import labelled_images
from echollama.samples import SAMPLE_IMAGE
from echollama.scene.image import LoadedImage, load_image

_COLUMNS = (
    "perception_s",
    "llm_first_token_s",
    "first_audio_s",
    "after_perception_s",
    "total_s",
    "tokens_per_s",
    "audio_s",
)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux reports KiB


def run(args, config: PipelineConfig | None) -> int:
    if args.target == "detector" or config is None:
        from echollama.evaluation.bench_detector import bench_detector

        return bench_detector(args)
    if args.target == "fresh":
        from echollama.evaluation.bench_fresh import bench_fresh

        return bench_fresh(args, config)
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


# Variants compared in one run: the grounded description (facts first, checked LLM sentences) against the paper's
# prompt, streamed and whole-answer-first (the paper's sequential way).
VARIANTS = (("grounded", True), ("paper", True), ("paper", False))


def _variant(style: str, stream: bool) -> str:
    return f"{style}, {'streaming' if stream else 'whole answer first'}"


def bench_describe(args, config: PipelineConfig) -> int:
    from echollama.language.llama_cpp_llm import LlamaCppModel
    from echollama.pipeline import Pipeline

    images = _bench_images(args.images)
    pipeline = Pipeline(config)
    llama_cpp = isinstance(pipeline.llm, LlamaCppModel)

    def as_a_fresh_process_would(style: str) -> None:
        # An empty KV cache, then the system prompt's state loaded from disk, as a one-shot `describe` starts.
        if llama_cpp:
            pipeline.llm.forget_cache()
            pipeline.warm_start(style)

    rows = []
    with tempfile.TemporaryDirectory() as folder:
        wav = Path(folder) / "bench.wav"
        start = time.perf_counter()
        cold = pipeline.describe(images[0], wav, stream=True)  # includes loading every model
        cold_total = time.perf_counter() - start
        print(
            f"cold start ({pipeline.llm.name}): first audio {cold.timings['first_audio_s']:.2f} s, "
            f"whole description {cold_total:.2f} s",
            file=sys.stderr,
        )
        for image in images:
            for run_index in range(args.runs):
                for style, stream in VARIANTS:
                    as_a_fresh_process_would(style)
                    result = pipeline.describe(image, wav, stream=stream, style=style)
                    timings = result.timings
                    row = {
                        "image": Path(image.source).name,
                        "mode": _variant(style, stream),
                        "run": run_index,
                        **{k: timings.get(k, result.answer.usage.get(k, 0.0)) or 0.0 for k in _COLUMNS},
                    }
                    rows.append(row)
                    print(
                        f"  {row['image']:<20} {row['mode']:<30} run {run_index}: first audio "
                        f"{row['first_audio_s']:.2f} s, {row['audio_s']:.1f} s of speech",
                        file=sys.stderr,
                    )
        fresh = _fresh_processes(images[0].source, config, args.runs) if Path(images[0].source).is_file() else {}
    summary = _summarise(rows)
    summary.update(
        {
            "llm": pipeline.llm.name,
            "runs": args.runs,
            "images": len(images),
            "fresh_process": fresh,
            "cold_first_audio_s": cold.timings["first_audio_s"],
            "peak_rss_mb": peak_rss_mb(),
        }
    )
    if args.json:
        print(json.dumps({"rows": rows, "summary": summary}, indent=2))
    else:
        _print_describe_table(rows, summary)
    return 0


def _fresh_processes(image: str, config: PipelineConfig, runs: int) -> dict[str, float]:
    """Median over `runs` fresh processes, per prompt style (`echollama bench fresh` compares more)."""
    from echollama.evaluation.bench_fresh import fresh_process_first_audio

    figures: dict[str, float] = {}
    for style in ("grounded", "paper"):
        seconds = [s for _ in range(runs) if (s := fresh_process_first_audio(image, config, style)) is not None]
        if seconds:
            figures[style] = statistics.median(seconds)
            print(f"  fresh process, {style}: first audio {figures[style]:.2f} s", file=sys.stderr)
    return figures


def _summarise(rows: list[dict]) -> dict:
    def median(mode: str, key: str) -> float:
        return statistics.median(r[key] for r in rows if r["mode"] == mode)

    summary: dict = {}
    for style, stream in VARIANTS:
        mode = _variant(style, stream)
        summary[mode] = {k: median(mode, k) for k in ("first_audio_s", "after_perception_s", "audio_s", "total_s")}
    grounded, paper = summary[_variant("grounded", True)], summary[_variant("paper", False)]
    summary["grounded_over_paper_first_audio_ratio"] = (
        grounded["first_audio_s"] / paper["first_audio_s"] if paper["first_audio_s"] else float("nan")
    )
    summary["perception_s"] = median(_variant("grounded", True), "perception_s")
    summary["tokens_per_s"] = median(_variant("paper", True), "tokens_per_s")
    return summary


def _print_describe_table(rows: list[dict], summary: dict) -> None:
    header = (
        f"{'image':<20} {'variant':<30} {'perceive':>9} {'1st token':>9} {'1st audio':>9} {'after perc.':>11} "
        f"{'total':>7} {'tok/s':>6} {'speech':>7}"
    )
    print(header)
    print("-" * len(header))
    groups: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        groups.setdefault((row["image"], row["mode"]), []).append(row)
    for (image, mode), members in groups.items():
        med = {k: statistics.median(m[k] for m in members) for k in _COLUMNS}
        print(
            f"{image:<20} {mode:<30} {med['perception_s'] * 1000:>7.0f}ms {med['llm_first_token_s']:>8.2f}s "
            f"{med['first_audio_s']:>8.2f}s {med['after_perception_s']:>10.2f}s {med['total_s']:>6.1f}s "
            f"{med['tokens_per_s']:>6.1f} {med['audio_s']:>6.1f}s"
        )
    print(f"\nmedians over {summary['runs']} run(s) per image and variant, models loaded, LLM {summary['llm']}")
    for style, stream in VARIANTS:
        mode = _variant(style, stream)
        figures = summary[mode]
        print(
            f"{mode:<30} first audio {figures['first_audio_s']:.2f} s ({figures['after_perception_s']:.2f} s after "
            f"perception), {figures['audio_s']:.1f} s of speech"
        )
    print(
        f"first audio, grounded streaming / paper whole answer: {summary['grounded_over_paper_first_audio_ratio']:.2f}"
    )
    for style, seconds in summary["fresh_process"].items():
        print(f"fresh `echollama describe` process, {style}: first audio {seconds:.2f} s after the process started")
    print(f"cold start in this process (loading every model): first audio {summary['cold_first_audio_s']:.2f} s")
    print(
        f"perception {summary['perception_s'] * 1000:.0f} ms; decode {summary['tokens_per_s']:.1f} tokens/s; "
        f"peak RSS {summary['peak_rss_mb']:.0f} MB"
    )
