"""Live camera frames have their own lane (issue 22): they never take the answers' places, one frame per client is in
analysis at a time, and a frame is camera-sized (4 MP, read from its header; a bigger JPEG is decoded small).

The lane's rules on its own (a job held on an Event: no timing involved), then a real server on loopback: a client
streaming frames as fast as they are acknowledged while another client describes photos with one generation slot.
Run: .venv/bin/python -m pytest -q tests/test_server_frames.py   (about two minutes)
"""

from __future__ import annotations

import asyncio
import io
import json
import threading
import time
from typing import cast

import httpx
import pytest
from PIL import Image

from echollama.samples import SAMPLE_IMAGE
from echollama.server.host import DecodeBudget, ModelHost
from echollama.server.live_lane import MAX_FRAME_PIXELS, LiveLane, read_frame
from echollama.server.uploads import UploadError
from server_process import owner, running_server, stream_url

JPEG = ("coffee.jpg", SAMPLE_IMAGE.read_bytes(), "image/jpeg")


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def camera_frame() -> bytes:
    """The sample photo as the page sends a frame: 640 pixels wide, JPEG."""
    image = Image.open(io.BytesIO(JPEG[1])).convert("RGB")
    image.thumbnail((640, 640))
    return encoded(image, "JPEG", quality=80)


class ReadyHost:
    decodes = DecodeBudget(max_pixels=64_000_000, wait_s=1.0, retry_after_s=1)

    def require_ready(self) -> None:
        pass


def test_one_frame_per_client_in_analysis_and_never_more():
    async def scenario() -> None:
        lane = LiveLane(cast(ModelHost, ReadyHost()), timeout_s=30)  # the lane asks the host only these
        release = threading.Event()
        first = asyncio.create_task(lane.frame("a", lambda: release.wait(30) and "first"))
        await asyncio.sleep(0)  # the first frame is in analysis now
        with pytest.raises(UploadError) as second:
            await lane.frame("a", lambda: "second")  # refused at once, not queued
        assert second.value.status == 409 and "previous frame" in second.value.detail
        assert await lane.frame("b", lambda: "another client") == "another client"
        release.set()
        assert await first == "first"
        while lane.busy("a"):  # its place comes back when the job has really ended
            await asyncio.sleep(0.01)
        assert await lane.frame("a", lambda: "next") == "next"
        lane.close()

    asyncio.run(asyncio.wait_for(scenario(), 60))


def test_frames_are_camera_sized():
    flat = encoded(Image.new("RGB", (8000, 8000), (128, 128, 128)), "PNG", optimize=True)
    assert len(flat) < 2 * 2**20  # under the 2 MiB a frame may have: only the pixel count can refuse it
    with pytest.raises(UploadError) as refused:
        read_frame(flat)
    assert refused.value.status == 413 and "8000x8000" in refused.value.detail and "4 MP" in refused.value.detail
    big = Image.new("RGB", (4000, 3000), (90, 120, 150))  # 12 MP from a phone: decoded at half size
    frame = read_frame(encoded(big, "JPEG", quality=70))
    assert frame.rgb.shape == (1500, 2000, 3) and frame.rgb.shape[0] * frame.rgb.shape[1] <= MAX_FRAME_PIXELS
    with pytest.raises(UploadError) as too_big:  # beyond what 1/8 scale brings under 4 MP
        read_frame(encoded(Image.new("RGB", (20000, 16000)), "JPEG", quality=10))
    assert too_big.value.status == 413


class FrameStreamer(threading.Thread):
    """A live client: one frame, its ack, the next frame, until stopped (or while paused, none); keeps each frame's
    round trip."""

    def __init__(self, base: str, created: dict, frame: bytes) -> None:
        super().__init__(daemon=True)
        self.base, self.created, self.frame = base, created, frame
        self.round_trips: list[float] = []
        self.refused: list[dict] = []
        self.error: BaseException | None = None
        self.stop = threading.Event()
        self.paused = threading.Event()

    def run(self) -> None:
        from websockets.sync.client import connect

        url = stream_url(self.base, self.created["session_id"])
        try:
            with connect(url, max_size=None, open_timeout=30, additional_headers=owner(self.created)) as ws:
                ws.send(json.dumps({"type": "live", "on": True}))
                while not self.stop.is_set():
                    if self.paused.is_set():
                        time.sleep(0.05)
                        continue
                    sent = time.monotonic()
                    ws.send(json.dumps({"type": "frame"}))
                    ws.send(self.frame)
                    while (ack := self._next_json(ws))["type"] != "ack":
                        pass
                    self.round_trips.append(time.monotonic() - sent)
                    if "status" in ack:
                        self.refused.append(ack)
        except BaseException as error:  # reported by the test
            self.error = error

    def flowing(self, timeout_s: float = 120) -> None:
        """Resume, and return once a frame has gone through again."""
        seen = len(self.round_trips)
        self.paused.clear()
        deadline = time.monotonic() + timeout_s
        while len(self.round_trips) <= seen and self.error is None:
            assert time.monotonic() < deadline, "no frame was acknowledged"
            time.sleep(0.05)
        assert self.error is None, self.error

    @staticmethod
    def _next_json(ws) -> dict:
        while isinstance(message := ws.recv(timeout=120), bytes):
            pass  # an announcement's audio
        return json.loads(message)


def timed_describe(http: httpx.Client) -> float:
    start = time.monotonic()
    response = http.post("/v1/describe", files={"image": JPEG})
    assert response.status_code == 200, response.text  # admitted: never 503 because of frames
    return time.monotonic() - start


@pytest.mark.timeout(900)
def test_live_frames_never_take_a_describes_place(tmp_path):
    """With one generation slot, frames flowing from one client: every other client's describe is admitted (frames
    used to hold the slot, so describes got 503), and takes at most about a frame longer than without them."""
    options = ("--max-generations", "1", "--max-tokens", "8", "--request-timeout", "300")
    with (
        running_server(tmp_path / "serve.log", *options) as base,
        httpx.Client(base_url=base, timeout=300) as describer,
        httpx.Client(base_url=base, timeout=300, transport=httpx.HTTPTransport(local_address="127.0.0.2")) as live,
    ):
        timed_describe(describer)  # the first one warms the models up
        created = live.post("/v1/sessions", files={"image": JPEG})
        assert created.status_code == 201, created.text
        streamer = FrameStreamer(base, created.json(), camera_frame())
        streamer.paused.set()
        streamer.start()
        alone, beside = [], []
        try:
            for _ in range(3):  # interleaved, so that both see the same load on a shared machine
                streamer.paused.set()
                alone.append(timed_describe(describer))
                streamer.flowing()
                beside.append(timed_describe(describer))
        finally:
            streamer.stop.set()
            streamer.join(120)
    assert streamer.error is None, streamer.error
    assert not streamer.refused, streamer.refused[:3]
    longest_frame = max(streamer.round_trips)
    print(
        f"\ndescribe alone: {[round(s, 2) for s in alone]} s; beside {len(streamer.round_trips)} frames: "
        f"{[round(s, 2) for s in beside]} s; a frame's round trip: up to {longest_frame:.2f} s"
    )
    # Both share the machine's cores, so a describe beside frames may run slower; what it must never do is queue
    # behind frames (or be refused): a generous bound, far under waiting for the stream to stop.
    assert max(beside) <= 3 * max(alone) + 2 * longest_frame + 30
