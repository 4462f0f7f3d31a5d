"""The page's live mode over a real WebSocket on loopback: real frames of OpenCV's people-walking video (Debian
opencv-doc), JPEG-encoded as the page sends them, each one sent only after the server acknowledged the one before.
Each frame carries its time in the video ("at_s"), so live mode runs on the video's clock, and the client waits for an
announcement the ack names to end before the next frame: the same frames give the same announcements on a fast
machine, a slow one and one core (a wall clock would let a change go stale while the overview is said, or not).

What is checked: the opening overview and a person walking in are announced as answers (start, audio_format, text,
PCM, done); nobody is announced twice; a scene that stops changing (the last frame, sent again and again) brings no
new change; a typed question during live is answered about the latest frame; live off stops it; bad frames get an
ack with a status, never a dropped socket. Then the page itself in Chromium with a fake camera playing vtest
(tests/web/live.mjs): Live from the keyboard, announcements heard and shown, Stop and Escape, a refused camera.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from echollama.live.events import GONE_AFTER_S
from rendered_text import opencv_doc_file
from server_process import owner, running_server, stream_url
from test_server_browser import node_modules, run_page_script  # noqa: F401  (node_modules is a fixture)

VTEST = "data/vtest.avi"  # of Debian opencv-doc's examples (`make setup-dev` installs them)
CLIP_S = 6.0  # vtest's first 6 s: a couple walks in at the right edge at about 1.5 s, a man at about 4.5 s
EVERY = 2  # of its 10 frames a second, every second one
FRAME_S = EVERY / 10  # the video time between two frames sent
STILL_FRAMES = 23  # then its last frame again and again, for 4.6 s of video time: nothing changes
SETTLED_S = GONE_AFTER_S + 0.5  # (after whoever is not in that frame has been found gone)

pytestmark = [
    pytest.mark.timeout(600),
]


def vtest_jpegs() -> list[bytes]:
    import cv2

    capture = cv2.VideoCapture(str(opencv_doc_file(VTEST)))
    frames = []
    for index in range(int(CLIP_S * 10)):
        ok, bgr = capture.read()
        assert ok, f"vtest.avi ended at frame {index}"
        if index % EVERY == 0:
            frames.append(cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, 80])[1].tobytes())
    capture.release()
    return frames


class LiveClient:
    """The page's loop: one frame, wait for its ack (collecting announcements meanwhile), the next frame."""

    def __init__(self, socket) -> None:
        self.socket = socket
        self.messages: list[dict] = []
        self.pcm_frames = 0

    def receive(self, until, timeout_s: float = 120.0) -> dict:
        deadline = time.monotonic() + timeout_s
        while True:
            message = self.socket.recv(timeout=max(0.1, deadline - time.monotonic()))
            if isinstance(message, bytes):
                self.pcm_frames += 1
                continue
            item = json.loads(message)
            self.messages.append(item)
            if until(item):
                return item

    def send_frame(self, jpeg: bytes, at_s: float) -> dict:
        """One frame at video time `at_s`; its ack, once any announcement it names has ended (the video waits for
        the listener, as a slower or faster machine would not)."""
        self.socket.send(json.dumps({"type": "frame", "at_s": at_s}))
        self.socket.send(jpeg)
        ack = self.receive(lambda item: item["type"] == "ack")
        if "announcing" in ack and not self.ended(ack["announcing"]):
            self.receive(lambda item: self.ended(ack["announcing"]))
        return ack

    def ended(self, answer_id: str) -> bool:
        return any(
            m.get("answer_id") == answer_id and m["type"] in ("done", "cancelled", "error") for m in self.messages
        )

    def announcements(self) -> list[dict]:
        return [m for m in self.messages if m["type"] == "done" and m.get("kind") == "announcement"]


@pytest.mark.slow  # about 50 s on two shared cores (a server, 53 frames, a question); 85 s on a loaded machine
def test_live_frames_are_acknowledged_and_changes_announced_once(tmp_path):
    from websockets.sync.client import connect

    frames = vtest_jpegs()
    with running_server(tmp_path / "serve.log", "--threshold", "0.55") as base:
        created = httpx.post(
            f"{base}/v1/sessions", files={"image": ("frame.jpg", frames[0], "image/jpeg")}, timeout=120
        ).json()
        url = stream_url(base, created["session_id"])
        with connect(url, max_size=None, open_timeout=30, additional_headers=owner(created)) as socket:
            live = LiveClient(socket)
            socket.send(json.dumps({"type": "frame"}))
            socket.send(frames[0])
            refused = live.receive(lambda item: item["type"] == "ack")
            assert refused["status"] == 409 and "live mode is off" in refused["detail"]

            socket.send(json.dumps({"type": "live", "on": True}))
            assert live.receive(lambda item: item["type"] == "live")["on"] is True
            acks = [live.send_frame(jpeg, index * FRAME_S) for index, jpeg in enumerate(frames)]
            still_from, settled = len(frames) * FRAME_S, []
            for index in range(STILL_FRAMES):
                ack = live.send_frame(frames[-1], still_from + index * FRAME_S)
                acks.append(ack)
                if index * FRAME_S >= SETTLED_S:
                    settled.append(ack)
            socket.send(json.dumps({"type": "frame", "at_s": 0.0}))  # the video's clock never goes back
            socket.send(frames[-1])
            backwards = live.receive(lambda item: item["type"] == "ack")
            socket.send(
                json.dumps({"type": "frame", "at_s": "soon"})
            )  # its frame is answered, never taken as a question
            socket.send(frames[-1])
            not_a_time = live.receive(lambda item: item["type"] == "ack")

            # a question while live: answered about the latest frame (people on a footpath)
            socket.send(json.dumps({"type": "ask", "text": "How many people are there?"}))
            answer = live.receive(lambda item: item["type"] in ("done", "error") and item["answer_id"] == 1)

            socket.send(json.dumps({"type": "frame"}))
            socket.send(b"not a picture")
            unreadable = live.receive(lambda item: item["type"] == "ack")
            socket.send(json.dumps({"type": "frame"}))
            socket.send(frames[0] + bytes(3 * 2**20))  # over the 2 MiB a frame may have
            too_big = live.receive(lambda item: item["type"] == "ack")
            socket.send(json.dumps({"type": "live", "on": "yes"}))
            malformed = live.receive(lambda item: item["type"] == "error")
            socket.send(json.dumps({"type": "live", "on": False}))
            ended = live.receive(lambda item: item["type"] == "live")

    assert all("status" not in ack for ack in acks), [a for a in acks if "status" in a]
    rate = acks[-1]["frames_per_s"]
    print(f"\nlive: {len(acks)} frames, {rate} frames a second at the end (busy machine)")
    print(
        "said (text, audio_s, seen at):",
        [(m["answer"], m["audio_s"], m["event"]["seen_s"]) for m in live.announcements()],
    )
    assert rate > 0 and ended == {**ended, "on": False, "frames": len(acks)}

    said = live.announcements()
    events = [m["event"] for m in said]
    assert events and events[0]["kind"] == "scene" and "people" in events[0]["sentence"], events
    appeared = [e for e in events if e["kind"] == "appeared"]
    assert any(e["label"] == "person" for e in appeared), events  # a person walking in
    assert len({e["track_id"] for e in appeared}) == len(appeared)  # nobody announced twice
    assert not [e for e in events if e["label"] == "car"]  # the parked van: never news

    # Every announcement came as an answer: start, audio_format, text, then done, under its "live-N" id, with audio.
    for done in said:
        own = [m["type"] for m in live.messages if m.get("answer_id") == done["answer_id"]]
        assert own[:2] == ["start", "audio_format"] and "text" in own and own[-1] == "done", own
        assert done["answer_id"].startswith("live-") and done["audio_s"] > 0.3
    assert live.pcm_frames >= len(said)

    # The unchanged scene: once settled, no change is seen, so nothing is announced again.
    assert len(settled) == 13 and sum(ack["events"] for ack in settled) == 0, settled
    assert len(said) <= sum(ack["events"] for ack in acks)

    assert answer["type"] == "done", answer
    assert "people" in answer["answer"] or "person" in answer["answer"], answer
    assert unreadable["status"] in (400, 415) and too_big["status"] == 413
    assert backwards["status"] == 400 and "went back" in backwards["detail"]
    assert not_a_time["status"] == 400 and '"at_s"' in not_a_time["detail"]
    assert malformed["status"] == 400 and '"on"' in malformed["detail"]


def write_y4m(path: Path, seconds: float = 6.0) -> Path:
    """vtest's first seconds as a .y4m file (I420), what Chromium's fake camera plays in a loop."""
    import cv2

    capture = cv2.VideoCapture(str(opencv_doc_file(VTEST)))
    with open(path, "wb") as out:
        for index in range(int(seconds * 10)):
            ok, bgr = capture.read()
            assert ok, f"vtest.avi ended at frame {index}"
            if index == 0:
                height, width = bgr.shape[:2]
                out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
            out.write(b"FRAME\n" + cv2.cvtColor(bgr, cv2.COLOR_BGR2YUV_I420).tobytes())
    capture.release()
    return path


@pytest.mark.usefixtures("node_modules")  # Chromium, Node and playwright-core are there, or it fails naming the fix
def test_the_page_goes_live_with_a_fake_camera_and_stop_silences_it(tmp_path):

    video = write_y4m(tmp_path / "vtest.y4m")
    log = tmp_path / "serve.log"
    with running_server(log) as base:
        result = run_page_script("live.mjs", base, str(video), timeout=400, log=log)
    print(f"\npage: {result['rate']}; said: {result['during']['said']}")
    assert not result["errors"], result["errors"]
    assert result["liveBox"]["width"] >= 24 and result["liveBox"]["height"] >= 24

    during = result["during"]
    assert during["live"] and during["camera"] and during["pressed"] == "true"
    assert during["said"] and during["scheduled"] > 0  # announced, shown and heard
    assert set(during["spoken"]) <= set(during["said"]) and during["spoken"]  # the live region: announcements only
    assert result["axeLive"]["violations"] == [], result["axeLive"]["violations"]

    at_stop, after_stop = result["atStop"], result["afterStop"]
    assert not at_stop["live"] and not at_stop["camera"] and at_stop["pressed"] == "false"
    assert not at_stop["playing"] and not after_stop["playing"]
    assert after_stop["scheduled"] == at_stop["scheduled"], "audio was played after Stop"
    assert after_stop["said"] == at_stop["said"] and at_stop["status"] == "Live stopped."
    assert not result["afterEscape"]["live"] and not result["afterEscape"]["camera"]

    refused = result["refused"]
    assert not refused["live"] and refused["pressed"] == "false"
    assert "camera is not available or permission was refused" in refused["error"]
