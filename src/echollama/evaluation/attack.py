"""A bounded attack on a loopback `echollama serve` (issue 22): does it stay bounded, and keep serving others?

Three rounds, each checked, all on 127.0.0.1 with fixed counts and time limits; it stops by itself:
1. slow clients: 128 connections that send nothing, 8 that trickle header bytes (one every 2 s) and one request whose
   body trickles at one byte every 20 s: each must be closed within 15 s, while a normal client's /healthz and
   describe are served meanwhile;
2. memory: four concurrent 64 MP uploads (flat PNGs, a few hundred kB each) plus four live sockets sending camera
   frames: the server's peak RSS (psutil, sampled every 50 ms) must stay at or under 3 GB, and an upload that was not
   admitted must get 503 with Retry-After;
3. live beside describes: four live sockets send frames while another client describes photos: every describe must
   be admitted (no 503).

    python -m echollama.evaluation.attack                  # starts its own server (tiny LLM); exit 1 if a check fails
    python -m echollama.evaluation.attack --json attack.json

Sessions opened here send back whatever per-session key the server handed out (`session_headers`).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import sys
import time
from pathlib import Path
from typing import Any

from echollama.evaluation.soak import own_server
from echollama.samples import SAMPLE_IMAGE

SILENT, TRICKLING_HEADERS = 128, 8
CLOSED_WITHIN_S = 15.0
PEAK_RSS_LIMIT_MB = 3 * 1024
BIG_UPLOADS, LIVE_SOCKETS = 4, 4
BIG_SIDE = 8000  # 8000 x 8000 = 64 MP, the upload limit
DESCRIBES_BESIDE_LIVE = 5
ROUND_LIMIT_S = 420.0


def session_headers(created: dict[str, Any]) -> dict[str, str]:
    """What a session's owner sends with each request about it: its key (a server without keys fails loudly here,
    rather than every later request looking like a refusal of the attack's own)."""
    return {"X-Session-Key": created["session_key"]}  # the API's header (server/dependencies.py; a sibling layer)


def flat_png(side: int) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (side, side), (120, 30, 200)).save(buffer, "PNG", compress_level=9)
    return buffer.getvalue()


def camera_frame() -> bytes:
    """The sample photo as a 1280x720 JPEG, like a phone camera's live frame."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.open(SAMPLE_IMAGE).convert("RGB").resize((1280, 720)).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


# --- round 1: slow clients ----------------------------------------------------------------------------------------


async def closed_after(reader: asyncio.StreamReader, began: float, limit_s: float) -> float | None:
    """Seconds from `began` until the server closed the connection (None: still open after `limit_s`)."""
    try:
        while await asyncio.wait_for(reader.read(65536), max(0.0, began + limit_s - time.monotonic())):
            pass
    except TimeoutError:
        return None
    except OSError:
        pass
    return time.monotonic() - began


async def trickle(writer: asyncio.StreamWriter, data: bytes, every_s: float) -> None:
    for byte in data:
        await asyncio.sleep(every_s)
        writer.write(bytes([byte]))
        try:
            await writer.drain()
        except OSError:
            return


async def slow_clients(base: str, port: int) -> dict[str, Any]:
    import httpx

    began = time.monotonic()
    silent = [await asyncio.open_connection("127.0.0.1", port) for _ in range(SILENT)]
    tricklers = [await asyncio.open_connection("127.0.0.1", port) for _ in range(TRICKLING_HEADERS)]
    body_reader, body_writer = await asyncio.open_connection("127.0.0.1", port)
    body_writer.write(
        b"POST /v1/describe HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=x\r\n"
        b"Content-Length: 100000\r\n\r\n-"
    )
    feeders = [asyncio.create_task(trickle(w, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 2.0)) for _, w in tricklers]
    feeders.append(asyncio.create_task(trickle(body_writer, b"-x\r\n" * 10, 20.0)))
    waits = [closed_after(r, began, 30.0) for r, _ in (*silent, *tricklers, (body_reader, body_writer))]
    closing = asyncio.gather(*waits)
    served: list[int | str] = []
    image = ("coffee.jpg", SAMPLE_IMAGE.read_bytes(), "image/jpeg")
    async with httpx.AsyncClient(base_url=base, timeout=120) as http:  # a normal client, while they hang on
        for send in (lambda: http.get("/healthz"), lambda: http.post("/v1/describe", files={"image": image})):
            try:
                served.append((await send()).status_code)
            except httpx.HTTPError as error:  # refused or dropped: not served
                served.append(type(error).__name__)
    closed = await closing
    for task in feeders:
        task.cancel()
    for _, writer in (*silent, *tricklers, (body_reader, body_writer)):
        writer.close()
    open_still = sum(1 for t in closed if t is None)
    latest = max((t for t in closed if t is not None), default=0.0)
    return {
        "connections": len(closed),
        "still_open_after_30_s": open_still,
        "latest_close_s": round(latest, 2),
        "body_trickle_closed_s": None if closed[-1] is None else round(closed[-1], 2),
        "normal_client_statuses": served,
        "ok": open_still == 0 and latest <= CLOSED_WITHIN_S and served == [200, 200],
    }


# --- live sockets -------------------------------------------------------------------------------------------------


async def open_session(http) -> tuple[str, dict[str, str]]:
    image = ("coffee.jpg", SAMPLE_IMAGE.read_bytes(), "image/jpeg")
    for _ in range(60):
        response = await http.post("/v1/sessions", files={"image": image})
        if response.status_code == 201:
            created = response.json()
            return created["session_id"], session_headers(created)
        await asyncio.sleep(float(response.headers.get("retry-after", 1)))
    raise RuntimeError(f"no session: {response.status_code} {response.text[:200]}")


async def live_socket(base: str, session: tuple[str, dict[str, str]], frame: bytes, stop: asyncio.Event) -> dict:
    """Live mode on a session's WebSocket: a frame, its ack, the next frame, until `stop`; counts acks by status."""
    from websockets.asyncio.client import connect

    session_id, headers = session
    url = base.replace("http://", "ws://") + f"/v1/sessions/{session_id}/stream"
    acks: dict[str, int] = {}
    async with connect(url, max_size=None, open_timeout=60, additional_headers=headers) as websocket:
        await websocket.send(json.dumps({"type": "live", "on": True}))
        while not stop.is_set():
            await websocket.send(json.dumps({"type": "frame"}))
            await websocket.send(frame)
            while True:  # announcements (JSON and audio) may come between a frame and its ack
                message = await asyncio.wait_for(websocket.recv(), 300)
                if isinstance(message, str) and json.loads(message).get("type") == "ack":
                    status = str(json.loads(message).get("status", 200))
                    acks[status] = acks.get(status, 0) + 1
                    break
            if status == "503":  # busy: as a client should, wait a little before the next frame
                await asyncio.sleep(0.2)
    return acks


async def sample_rss(pid: int, stop: asyncio.Event) -> float:
    import psutil

    process, peak = psutil.Process(pid), 0.0
    while not stop.is_set():
        peak = max(peak, process.memory_info().rss / 2**20)
        await asyncio.sleep(0.05)
    return peak


# --- round 2: memory ----------------------------------------------------------------------------------------------


async def big_upload(http, png: bytes, index: int) -> str:
    response = await http.post("/v1/describe", files={"image": (f"flat{index}.png", png, "image/png")})
    if response.status_code in (429, 503):  # refused, bounded: the client's share of sessions, or busy
        code = response.status_code
        return f"{code} with Retry-After" if response.headers.get("retry-after") else f"{code} WITHOUT Retry-After"
    return str(response.status_code)


async def memory(base: str, pid: int) -> dict[str, Any]:
    import httpx

    png, frame = flat_png(BIG_SIDE), camera_frame()
    async with httpx.AsyncClient(base_url=base, timeout=ROUND_LIMIT_S) as http:
        sessions = [await open_session(http) for _ in range(LIVE_SOCKETS)]
        stop = asyncio.Event()
        sampler = asyncio.create_task(sample_rss(pid, stop))
        live = [asyncio.create_task(live_socket(base, session, frame, stop)) for session in sessions]
        uploads = await asyncio.gather(*(big_upload(http, png, i) for i in range(BIG_UPLOADS)))
        stop.set()
        acks = await asyncio.gather(*live)
        peak = await sampler
    return {
        "peak_rss_mb": round(peak),
        "uploads": uploads,
        "live_acks": acks,
        "ok": peak <= PEAK_RSS_LIMIT_MB
        and all(u in ("200", "429 with Retry-After", "503 with Retry-After") for u in uploads),
    }


# --- round 3: live beside describes -------------------------------------------------------------------------------


async def live_beside_describes(base: str) -> dict[str, Any]:
    import httpx

    frame = camera_frame()
    image = ("coffee.jpg", SAMPLE_IMAGE.read_bytes(), "image/jpeg")
    async with httpx.AsyncClient(base_url=base, timeout=ROUND_LIMIT_S) as http:
        sessions = [await open_session(http) for _ in range(LIVE_SOCKETS)]
        stop = asyncio.Event()
        live = [asyncio.create_task(live_socket(base, session, frame, stop)) for session in sessions]
        await asyncio.sleep(2.0)  # the sockets are sending frames
        statuses, seconds = [], []
        for _ in range(DESCRIBES_BESIDE_LIVE):
            start = time.monotonic()
            statuses.append((await http.post("/v1/describe", files={"image": image})).status_code)
            seconds.append(round(time.monotonic() - start, 1))
        stop.set()
        acks = await asyncio.gather(*live)
    return {"describe_statuses": statuses, "describe_s": seconds, "live_acks": acks, "ok": set(statuses) == {200}}


ROUNDS = ("slow_clients", "memory", "live_beside_describes")


async def attack(base: str, pid: int, names: tuple[str, ...] = ROUNDS) -> dict[str, Any]:
    port = int(base.rsplit(":", 1)[1])
    runs = {
        "slow_clients": lambda: slow_clients(base, port),
        "memory": lambda: memory(base, pid),
        "live_beside_describes": lambda: live_beside_describes(base),
    }
    rounds: dict[str, dict[str, Any]] = {}
    for name in names:
        run = runs[name]
        began = time.monotonic()
        try:
            rounds[name] = await asyncio.wait_for(run(), ROUND_LIMIT_S)
        except Exception as error:  # a round that breaks is a failed check, and the next round still runs
            rounds[name] = {"ok": False, "error": f"{type(error).__name__}: {error}"}
        rounds[name]["round_s"] = round(time.monotonic() - began, 1)
        print(f"attack: {name}: {json.dumps(rounds[name])}", file=sys.stderr)
    return rounds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m echollama.evaluation.attack", description=__doc__.split("\n")[0])
    parser.add_argument("--llm", default="tiny", help="the started server's LLM (default %(default)s)")
    parser.add_argument("--log", type=Path, default=Path("attack-serve.log"), help="the started server's log")
    parser.add_argument("--json", type=Path, help="also write the figures here as JSON")
    parser.add_argument(
        "--rounds", default=",".join(ROUNDS), help="which rounds, comma-separated (default: all: %(default)s)"
    )
    parser.add_argument("serve_args", nargs="*", help="more `echollama serve` options (after --)")
    args = parser.parse_args(argv)
    # A 64 MP describe beside four live sockets takes minutes on two shared cores: give it room to end in 200 or 503.
    serve_args = ["--llm", args.llm, "--max-tokens", "24", "--request-timeout", "400", *args.serve_args]
    names = tuple(name.strip() for name in args.rounds.split(","))
    if unknown := set(names) - set(ROUNDS):
        parser.error(f"unknown round {sorted(unknown)[0]!r}; the rounds are {', '.join(ROUNDS)}")
    with own_server(serve_args, args.log) as (base, pid):
        rounds = asyncio.run(attack(base, pid, names))
    if args.json:
        args.json.write_text(json.dumps(rounds, indent=2))
    failed = [name for name, figures in rounds.items() if not figures["ok"]]
    print(f"attack: {'FAILED: ' + ', '.join(failed) if failed else 'every check held'}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
