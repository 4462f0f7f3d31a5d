"""`echollama bench fresh`: a new `echollama describe` process per run, from its start to its first audio.

This is what a listener waits for after typing the command: interpreter start, imports, every model load and
perception included. Variants run interleaved (image by image, run by run) so that a busy moment of the machine
falls on all of them alike:
- grounded: the default;
- grounded, all loads at once: the LLM and the text reader load from the start instead of after the first sound
  (`--load-all-at-once`, the way before the loads were held back);
- paper: the paper's prompt (no grounded opening: the first audio waits for the LLM).
The first run of each image is also the first to read its models from disk after a while: look at the spread.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from echollama.config import PipelineConfig
from echollama.evaluation.labelled_set import PHOTOS_DIR
from echollama.samples import SAMPLE_IMAGE

# (name, prompt style, extra describe options)
VARIANTS = (
    ("grounded", "grounded", ()),
    ("grounded, all loads at once", "grounded", ("--load-all-at-once",)),
    ("paper prompt", "paper", ()),
)
_DEFAULT_PHOTOS = ("street_truck", "living_room_sofa", "porch_dog_bicycle")


def fresh_process_first_audio(
    image: str, config: PipelineConfig, style: str, extra: tuple[str, ...] = ()
) -> float | None:
    """Seconds from starting a new `echollama describe` process to its first audio (None if it failed)."""
    llm = ["--llm-path", str(config.llm_path)] if config.llm_path else ["--llm", config.llm]
    options = [*llm, "--profile", config.profile, "--detector", config.detector, "--prompt", style, *extra]
    if not config.read_text:
        options.append("--no-text")
    with tempfile.TemporaryDirectory() as folder:
        out = str(Path(folder) / "out.wav")
        started = time.time()
        command = [sys.executable, "-m", "echollama.cli", "describe", image, "-o", out, "--json", "-q", *options]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        print(f"echollama: bench: a fresh describe failed: {done.stderr.strip()}", file=sys.stderr)
        return None
    return float(json.loads(done.stdout)["timings"]["first_audio_unix_s"]) - started


def fresh_images(paths: list[str] | None) -> list[str]:
    if paths:
        return list(paths)
    photos = [PHOTOS_DIR / f"{name}.jpg" for name in _DEFAULT_PHOTOS]
    return [str(p) for p in photos if p.is_file()] or [str(SAMPLE_IMAGE)]


def measure(images: list[str], config: PipelineConfig, runs: int, variants=VARIANTS) -> dict:
    """Per variant: every run's seconds and their median, over `images` x `runs`, interleaved."""
    seconds: dict[str, list[float]] = {name: [] for name, _, _ in variants}
    for image in images:
        for run_index in range(runs):
            for name, style, extra in variants:
                value = fresh_process_first_audio(image, config, style, extra)
                if value is not None:
                    seconds[name].append(value)
                    print(f"  {Path(image).name:<24} {name:<28} run {run_index}: {value:.2f} s", file=sys.stderr)
    figures: dict = {
        name: {"median_s": statistics.median(values), "min_s": min(values), "max_s": max(values), "runs": values}
        for name, values in seconds.items()
        if values
    }
    base, other = VARIANTS[0][0], VARIANTS[1][0]
    if base in figures and other in figures:
        figures["held_back_over_all_at_once"] = figures[base]["median_s"] / figures[other]["median_s"]
    return figures


def bench_fresh(args, config: PipelineConfig) -> int:
    images = fresh_images(args.images)
    figures = measure(images, config, args.runs)
    if args.json:
        print(json.dumps({"llm": config.llm_path or config.llm, "images": images, **figures}, indent=2))
        return 0
    print(f"fresh `echollama describe` process -> first audio, {len(images)} image(s) x {args.runs} run(s)")
    for name, _, _ in VARIANTS:
        if name in figures:
            f = figures[name]
            print(f"{name:<30} median {f['median_s']:.2f} s  (min {f['min_s']:.2f}, max {f['max_s']:.2f})")
    if "held_back_over_all_at_once" in figures:
        print(f"held back / all loads at once: x{figures['held_back_over_all_at_once']:.2f}")
    return 0
