"""Soak test of `echollama serve`: N virtual listeners describe photos and ask about them for M minutes.

Each listener loops: describe a photo (POST /v1/describe), fetch its WAV, ask a typed question, ask a recorded one
(a real spoken WAV), ask over the WebSocket (text and PCM frames until "done"), close the session. Meanwhile /healthz
is polled every second and the server's resident memory sampled. Reported: errors, p50/p95 per request kind,
/healthz latency, RSS at start/after warm-up/end and its growth. Nothing is asserted: it measures.

    python -m echollama.evaluation.soak --sessions 8 --minutes 10          # starts its own server (tiny LLM)
    python -m echollama.evaluation.soak --url http://127.0.0.1:8000 ...    # an already running server (no RSS)
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import socket
import subprocess
import sys
import time
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from echollama.samples import SAMPLE_IMAGE

PHOTOS = ("airport_snow.jpg", "bar_group_table.jpg", "buses_street.jpg", "dog_indoors_floor.jpg")
QUESTIONS = ("Where is the cup?", "What is on my left?", "How many people are here?", "Is there a chair?")
SPOKEN = "Where is my coffee cup?"
PIPER_WAV_BYTES_PER_S = 22_050 * 2  # 16-bit mono at Piper's rate: what one second of a kept answer costs
WARM_UP = 0.2  # at least the first fifth of the run: caches and allocator pools fill; growth is measured after it
WINDOW_S = 60.0  # RSS swings by ~100 MiB with the requests in flight: compare medians over a minute, not two samples


@dataclass
class Soak:
    base: str
    deadline: float
    sessions: int
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter[str] = field(default_factory=Counter)
    retried: Counter[str] = field(default_factory=Counter)  # 503 busy, retried after Retry-After (not errors)
    health_ms: list[float] = field(default_factory=list)
    answer_audio_s: float = 0.0  # seconds of speech the server keeps as WAVs (30 min by default)
    describe_stages: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))  # the server's timings
    rss_mb: list[tuple[float, float]] = field(default_factory=list)  # (seconds since start, MiB)
    started: float = field(default_factory=time.monotonic)
    first_rounds: int = 0  # listeners that have finished one whole round (every kind of request, every model loaded)
    all_warm_s: float | None = None  # when the last of them did, in seconds since the start

    @property
    def running(self) -> bool:
        return time.monotonic() < self.deadline


async def timed(soak: Soak, kind: str, send) -> object | None:
    """Run one request, retrying 503 + Retry-After; its latency counts from the first try. None when it failed."""
    start = time.perf_counter()
    for _ in range(20):
        try:
            result = await send()
        except Exception as error:  # a dropped connection, a timeout, a bad frame: all count
            soak.errors[f"{kind}: {type(error).__name__}: {str(error)[:120]}"] += 1
            return None
        status = getattr(result, "status_code", 200)
        if status == 503 and "retry-after" in result.headers:
            soak.retried[kind] += 1
            await asyncio.sleep(float(result.headers["retry-after"]))
            continue
        if status >= 400:
            soak.errors[f"{kind}: {status} {result.text[:120]}"] += 1
            return None
        answer = result.json() if kind.startswith("ask_") and kind != "ask_stream" else result
        if isinstance(answer, dict) and "audio_s" in answer:  # every answer's WAV stays in the server's memory
            soak.answer_audio_s += answer["audio_s"]
        soak.latencies[kind].append(time.perf_counter() - start)
        return result
    soak.errors[f"{kind}: still busy after 20 tries"] += 1
    return None


async def listener(soak: Soak, http, index: int, photos: list[tuple[str, bytes]], recording: bytes) -> None:
    from websockets.asyncio.client import connect

    turn, warm = index, False
    while soak.running:
        turn += 1
        name, photo = photos[turn % len(photos)]
        described: Any = await timed(
            soak, "describe", partial(http.post, "/v1/describe", files={"image": (name, photo, "image/jpeg")})
        )
        if described is None:
            await asyncio.sleep(1)
            continue
        result = described.json()
        soak.answer_audio_s += result["audio_s"]
        for stage, seconds in result["timings"].items():
            if isinstance(seconds, float):
                soak.describe_stages[stage].append(seconds)
        session, key = result["session_id"], {"X-Session-Key": result["session_key"]}  # the key opens the session
        await timed(soak, "audio", partial(http.get, result["audio_url"]))
        ask = f"/v1/sessions/{session}/ask"
        question = QUESTIONS[turn % len(QUESTIONS)]
        # A round once begun is finished (so every kind is measured even in a short run); none begins after the end.
        await timed(soak, "ask_text", partial(http.post, ask, data={"text": question}, headers=key))
        recorded = {"audio": ("q.wav", recording, "audio/wav")}
        await timed(soak, "ask_audio", partial(http.post, ask, files=recorded, headers=key))
        url = soak.base.replace("http://", "ws://") + f"/v1/sessions/{session}/stream"
        await timed(soak, "ask_stream", partial(stream_question, connect, url, question, key))
        await timed(soak, "close", partial(http.delete, f"/v1/sessions/{session}", headers=key))
        if not warm:
            warm = True
            soak.first_rounds += 1
            if soak.first_rounds == soak.sessions:
                soak.all_warm_s = time.monotonic() - soak.started


async def stream_question(connect, url: str, question: str, key: dict[str, str]) -> object:
    async with connect(url, max_size=None, open_timeout=60, additional_headers=key) as websocket:
        await websocket.send(json.dumps({"type": "ask", "text": question}))
        audio_bytes = 0
        while True:
            message = await asyncio.wait_for(websocket.recv(), 600)
            if isinstance(message, bytes):
                audio_bytes += len(message)
                continue
            frame = json.loads(message)
            if frame["type"] == "done":
                if not audio_bytes and frame["answer"].strip():  # an empty answer (all dropped) has nothing to play
                    raise RuntimeError(f"the answer {frame['answer'][:60]!r} came without audio frames")
                return frame
            if frame["type"] == "error":
                raise RuntimeError(f"error frame {frame.get('status')}: {frame.get('detail')}")


async def watch(soak: Soak, http, pid: int | None, started: float) -> None:
    """Poll /healthz every second (its latency) and sample the server's RSS every 10 s."""
    process = None
    if pid is not None:
        import psutil

        process = psutil.Process(pid)
    next_sample = 0.0
    while True:  # until cancelled, when the last listener has finished its round
        begin = time.perf_counter()
        try:
            response = await http.get("/healthz", timeout=30)
            if response.status_code == 200:
                soak.health_ms.append((time.perf_counter() - begin) * 1000)
            else:
                soak.errors[f"healthz: {response.status_code}"] += 1
        except Exception as error:
            soak.errors[f"healthz: {type(error).__name__}"] += 1
        if process is not None and time.monotonic() >= next_sample:
            soak.rss_mb.append((round(time.monotonic() - started, 1), process.memory_info().rss / 2**20))
            next_sample = time.monotonic() + 10
        await asyncio.sleep(max(0.0, 1.0 - (time.perf_counter() - begin)))


def spoken_question() -> bytes:
    """A real spoken question: Piper's voice at 16 kHz, as a phone would record it."""
    import soundfile
    import soxr

    from echollama.speech.piper_tts import PiperSynthesizer

    voice = PiperSynthesizer(deterministic=True)
    speech = np.concatenate(list(voice.synthesize(SPOKEN))).astype(np.float32)
    speech = soxr.resample(speech, voice.sample_rate, 16_000).astype(np.float32)
    pad = np.zeros(4_000, np.float32)
    buffer = io.BytesIO()
    soundfile.write(buffer, np.concatenate([pad, speech, pad]), 16_000, subtype="PCM_16", format="WAV")
    return buffer.getvalue()


def photo_set() -> list[tuple[str, bytes]]:
    folder = Path(__file__).parent / "photos"
    return [(SAMPLE_IMAGE.name, SAMPLE_IMAGE.read_bytes())] + [(n, (folder / n).read_bytes()) for n in PHOTOS]


async def soak_run(base: str, sessions: int, seconds: float, pid: int | None) -> Soak:
    import httpx

    photos, recording = photo_set(), spoken_question()
    started = time.monotonic()
    soak = Soak(base=base, deadline=started + seconds, sessions=sessions, started=started)
    limits = httpx.Limits(max_connections=sessions * 2 + 4)
    async with httpx.AsyncClient(base_url=base, timeout=600, limits=limits) as http:
        watcher = asyncio.create_task(watch(soak, http, pid, started))
        await asyncio.gather(*(listener(soak, http, i, photos, recording) for i in range(sessions)))
        watcher.cancel()
        if pid is not None:
            import psutil

            soak.rss_mb.append((round(time.monotonic() - started, 1), psutil.Process(pid).memory_info().rss / 2**20))
    return soak


def report(soak: Soak, sessions: int, wall_s: float) -> dict:
    kinds = {}
    for kind, values in sorted(soak.latencies.items()):
        p50, p95 = np.percentile(values, [50, 95])
        kinds[kind] = {"n": len(values), "p50_s": round(p50, 2), "p95_s": round(p95, 2), "max_s": round(max(values), 2)}
    figures: dict = {
        "sessions": sessions,
        "wall_s": round(wall_s, 1),
        "requests": sum(len(v) for v in soak.latencies.values()),
        "errors": sum(soak.errors.values()),
        "error_kinds": dict(soak.errors.most_common(20)),
        "retried_503": dict(soak.retried),
        "kinds": kinds,
        "answer_audio_kept_mb": round(soak.answer_audio_s * PIPER_WAV_BYTES_PER_S / 2**20, 1),
        "describe_stage_median_s": {k: round(float(np.median(v)), 2) for k, v in soak.describe_stages.items()},
    }
    if soak.health_ms:
        p50, p95 = np.percentile(soak.health_ms, [50, 95])
        figures["healthz_ms"] = {
            "n": len(soak.health_ms),
            "p50": round(p50, 1),
            "p95": round(p95, 1),
            "max": round(max(soak.health_ms), 1),
        }
    if soak.rss_mb:
        figures["rss_mb"] = memory_figures(soak)
    return figures


def memory_figures(soak: Soak) -> dict:
    """Growth from the minute after warm-up to the run's last minute, as medians, and the trend between them (least
    squares). Warm-up ends when every listener has done one whole round (the OCR, Whisper and LLM load only when first
    needed), and no sooner than WARM_UP. The last minute ends at the deadline: the drain after it, with fewer requests
    in flight, would flatter the figure."""
    samples = soak.rss_mb
    run_s = soak.deadline - soak.started
    warm_s = max(WARM_UP * run_s, soak.all_warm_s or run_s)
    measured = [(t, mb) for t, mb in samples if warm_s <= t <= run_s] or samples[-1:]
    after_warm = [mb for t, mb in measured if t <= warm_s + WINDOW_S]
    last = [mb for t, mb in measured if t >= max(warm_s, run_s - WINDOW_S)]
    warm, end = float(np.median(after_warm)), float(np.median(last))
    slope = float(np.polyfit([t for t, _ in measured], [mb for _, mb in measured], 1)[0]) if len(measured) > 2 else 0.0
    start = samples[0][1]
    return {
        "start": round(start),
        "warm_up_ended_s": round(warm_s, 1),
        "after_warm_up": round(warm),
        "end": round(end),
        "peak": round(max(mb for _, mb in samples)),
        "growth_pct": round(100 * (end - start) / start, 1),
        "growth_after_warm_up_pct": round(100 * (end - warm) / warm, 1),
        "trend_mb_per_min": round(60 * slope, 1),
        "samples": [(t, round(mb)) for t, mb in samples],
    }


def print_report(figures: dict) -> None:
    print(
        f"soak: {figures['sessions']} sessions, {figures['wall_s']} s, {figures['requests']} requests, "
        f"{figures['errors']} errors, 503 retried: {figures['retried_503'] or 0}"
    )
    for kind, row in figures["kinds"].items():
        print(
            f"  {kind:<11} n={row['n']:<5} p50={row['p50_s']:>6.2f} s  p95={row['p95_s']:>6.2f} s  max={row['max_s']:.2f} s"
        )
    if "healthz_ms" in figures:
        h = figures["healthz_ms"]
        print(f"  healthz     n={h['n']:<5} p50={h['p50']} ms  p95={h['p95']} ms  max={h['max']} ms")
    if "rss_mb" in figures:
        r = figures["rss_mb"]
        print(
            f"  server RSS  start {r['start']} MiB, after warm-up (from {r['warm_up_ended_s']} s, a minute's median) "
            f"{r['after_warm_up']} MiB, end (last minute's median) {r['end']} MiB, "
            f"peak {r['peak']} MiB; growth {r['growth_pct']} % ({r['growth_after_warm_up_pct']} % after warm-up, "
            f"trend {r['trend_mb_per_min']:+} MiB a minute); "
            f"answers kept as WAV by then: about {figures['answer_audio_kept_mb']} MiB"
        )
    if figures["describe_stage_median_s"]:
        stages = ", ".join(f"{k} {v}" for k, v in figures["describe_stage_median_s"].items())
        print(f"  describe, the server's stage times (median s): {stages}")
    for error, count in figures["error_kinds"].items():
        print(f"  error x{count}: {error}")


@contextmanager
def own_server(serve_args: list[str], log_path: Path):
    """`echollama serve` on a free loopback port; yields (base URL, pid) once /healthz says ready."""
    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "echollama.cli", "serve", "--port", str(port), *serve_args]
    base = f"http://127.0.0.1:{port}"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ})
        try:
            deadline = time.monotonic() + 600
            while True:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"soak: the server did not become ready; see {log_path}")
                try:
                    if httpx.get(f"{base}/healthz", timeout=5).json()["status"] == "ready":
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.5)
            yield base, process.pid
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m echollama.evaluation.soak", description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=8, help="concurrent listeners (default %(default)s)")
    parser.add_argument("--minutes", type=float, default=10.0, help="how long (default %(default)s)")
    parser.add_argument("--url", help="soak this running server instead of starting one (RSS is then not measured)")
    parser.add_argument("--llm", default="tiny", help="the started server's LLM (default %(default)s)")
    parser.add_argument("--max-tokens", default="48", help="the started server's answer length (default %(default)s)")
    parser.add_argument("--log", type=Path, default=Path("soak-serve.log"), help="the started server's log")
    parser.add_argument("--json", type=Path, help="also write the figures here as JSON")
    args = parser.parse_args(argv)
    seconds = args.minutes * 60
    started = time.monotonic()
    if args.url:
        soak = asyncio.run(soak_run(args.url.rstrip("/"), args.sessions, seconds, None))
    else:
        serve_args = [
            *("--llm", args.llm, "--max-tokens", args.max_tokens),
            *("--max-generations", str(args.sessions), "--request-timeout", "600"),
        ]
        with own_server(serve_args, args.log) as (base, pid):
            started = time.monotonic()
            soak = asyncio.run(soak_run(base, args.sessions, seconds, pid))
    figures = report(soak, args.sessions, time.monotonic() - started)
    print_report(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 1 if figures["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
