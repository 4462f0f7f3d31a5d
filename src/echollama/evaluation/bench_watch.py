"""`echollama bench watch`: how `watch` keeps up on this CPU. Measured, printed, never asserted.

1. Analysis rate: the first 10 s of OpenCV's people-walking sample (vtest.avi), every frame, as fast as possible.
2. A real-time session over the photo clip (evaluation/watch_clip.py) looped for `--minutes`: the rate sustained in
   real time, the latency from each scripted change in the video to the first audio announcing it, and the process's
   CPU and memory, sampled every second.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import tempfile
import threading
from pathlib import Path

from echollama.config import PipelineConfig
from echollama.evaluation.watch_clip import CHANGES, DURATION_S, write_clip
from echollama.live.session import WatchSession, WatchSettings
from echollama.pipeline import Pipeline
from echollama.voice_chat import VoiceChat

VTEST = Path("/usr/share/doc/opencv-doc/examples/data/vtest.avi")
# The walker starts in at 2.0 s, 0.6 s before the clip's nominal "appeared" moment (watch_clip.CHANGES): the
# rectangular YOLOv5s sees it at about 2.5 s, which a window opening at the nominal moment missed (0 of 4 counted).
SEEN_EARLY_S = 0.6
MATCH_WITHIN_S = 6.0  # an announcement of this kind later than this after the change is not counted as its


def _session(pipeline: Pipeline, settings: WatchSettings, reports: list) -> WatchSession:
    session = WatchSession(VoiceChat(pipeline), settings, lambda samples: None, reports.append)
    session.load()
    return session


def _sampler(stop: threading.Event, samples: list) -> None:
    import psutil

    process = psutil.Process()
    process.cpu_percent(None)
    while not stop.wait(1.0):
        samples.append((process.cpu_percent(None), process.memory_info().rss))


def _latencies(reports: list, loops: int) -> dict[str, list[float]]:
    """Change in the video -> first audio of its announcement, per kind, over every loop of the clip."""
    spoken = [r for r in reports if r["type"] == "spoken" and r["kind"] != "scene"]
    found: dict[str, list[float]] = {c.kind: [] for c in CHANGES}
    for loop in range(loops):
        for change in CHANGES:
            at = loop * DURATION_S + change.at_s
            match = next(
                (s for s in spoken if s["kind"] == change.kind and -SEEN_EARLY_S <= s["seen_s"] - at <= MATCH_WITHIN_S),
                None,
            )
            if match is not None:
                found[change.kind].append(max(match["heard_s"], match["audio_ready_s"]) - at)
    return found


def run(args, config: PipelineConfig) -> int:
    config.read_text = False
    config.slice_detection = False  # as `echollama watch` runs it
    config.threads = 2
    pipeline = Pipeline(config)
    figures: dict = {"cpu_cores": len(os.sched_getaffinity(0)), "llm": config.llm}

    if VTEST.is_file():
        reports: list = []
        session = _session(pipeline, WatchSettings(str(VTEST), fast=True, sample_fps=10.0, duration_s=10.0), reports)
        summary = session.run()
        figures["vtest_frames_per_s"] = summary["analysis_frames_per_s"]
        figures["vtest_frames"] = summary["frames_analysed"]

    minutes = args.minutes
    loops = math.ceil(minutes * 60 / DURATION_S)
    with tempfile.TemporaryDirectory() as folder:
        clip = write_clip(Path(folder) / "walker.avi", loops=loops)
        reports = []
        session = _session(pipeline, WatchSettings(str(clip), duration_s=minutes * 60), reports)
        stop, samples = threading.Event(), list[tuple[float, int]]()
        sampler = threading.Thread(target=_sampler, args=(stop, samples), daemon=True)
        sampler.start()
        summary = session.run()
        stop.set()
        sampler.join()
    latencies = _latencies(reports, loops)
    cpu = [c for c, _ in samples]
    figures.update(
        {
            "realtime_minutes": minutes,
            "realtime_frames_per_s": summary["session_frames_per_s"],
            "analysis_frames_per_s": summary["analysis_frames_per_s"],
            "events": summary["events"],
            "spoken": summary["spoken"],
            "dropped_stale": sum(1 for r in reports if r["type"] == "dropped" and "stale" in r["reason"]),
            "latency_s": {
                kind: {
                    "count": len(values),
                    "of": loops,
                    "median": round(statistics.median(values), 2) if values else None,
                    "max": round(max(values), 2) if values else None,
                }
                for kind, values in latencies.items()
            },
            "cpu_percent_mean": round(statistics.mean(cpu), 1) if cpu else None,
            "cpu_percent_max": round(max(cpu), 1) if cpu else None,
            "rss_mb_start": round(samples[0][1] / 2**20) if samples else None,
            "rss_mb_peak": round(max(r for _, r in samples) / 2**20) if samples else None,
            "rss_mb_end": round(samples[-1][1] / 2**20) if samples else None,
        }
    )
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(f"watch on {figures['cpu_cores']} cores (LLM for questions: {config.llm})")
    if "vtest_frames_per_s" in figures:
        print(f"  analysis, vtest.avi, every frame:   {figures['vtest_frames_per_s']:.2f} frames/s")
    print(f"  real time, {minutes:g} min photo clip:    {figures['realtime_frames_per_s']:.2f} frames/s analysed")
    for kind, values in figures["latency_s"].items():
        print(f"  change -> first audio, {kind:<11} median {values['median']} s, max {values['max']} s "
              f"({values['count']} of {values['of']} said)")  # fmt: skip
    print(f"  CPU {figures['cpu_percent_mean']} % mean, {figures['cpu_percent_max']} % max (100 % = one core)")
    print(f"  memory (RSS) {figures['rss_mb_start']} MB at start, {figures['rss_mb_peak']} MB peak, "
          f"{figures['rss_mb_end']} MB at the end")  # fmt: skip
    return 0
