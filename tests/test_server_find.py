"""Find mode in the page's live mode: over a real WebSocket on loopback (frames of the find clip, a camera move over a
real photo: evaluation/find_clip.py, each on the video's clock as the live tests send them), then the page itself in
Chromium with a fake camera playing the clip (tests/web/find.mjs): a tone from the dog's side that starts and stops,
"within reach" and "lost" said once, a bad name answered without closing the socket, Stop ends it."""

from __future__ import annotations

import json

import httpx
import numpy as np
import pytest

from echollama.evaluation.find_clip import FPS, SIZE, clip_frames, dog_box_at
from server_process import owner, running_server, stream_url
from test_server_browser import node_modules, run_page_script  # noqa: F401  (node_modules is a fixture)
from test_server_live import LiveClient

EVERY = 2  # of the clip's 10 frames a second, every second one
pytestmark = [pytest.mark.timeout(600)]


def png(rgb: np.ndarray) -> bytes:
    """A lossless frame: zoomed in, the dog is a blur that a JPEG's losses can hide from the detector."""
    import cv2

    return cv2.imencode(".png", np.ascontiguousarray(rgb[:, :, ::-1]))[1].tobytes()


@pytest.mark.slow  # about 40 s on two shared cores (a server, 45 frames, two phrases)
def test_find_over_the_socket_tones_from_the_dogs_side_and_says_each_phrase_once(tmp_path):
    from websockets.sync.client import connect

    frames = clip_frames(EVERY)
    # SSD, as in test_find_cli.py: YOLOv5s loses the dog in the clip's 5x-upscaled near frames
    with running_server(tmp_path / "serve.log", "--detector", "ssd") as base:
        created = httpx.post(
            f"{base}/v1/sessions", files={"image": ("frame.png", png(frames[0][1]), "image/png")}, timeout=120
        ).json()
        with connect(stream_url(base, created["session_id"]), max_size=None, additional_headers=owner(created)) as ws:
            live = LiveClient(ws)
            ws.send(json.dumps({"type": "find", "target": "my dog"}))
            off = live.receive(lambda item: item["type"] == "error")
            ws.send(json.dumps({"type": "live", "on": True}))
            live.receive(lambda item: item["type"] == "live")
            for bad in ("unicorn", 42):
                ws.send(json.dumps({"type": "find", "target": bad}))
                live.receive(lambda item: item["type"] == "error")
            ws.send(json.dumps({"type": "find", "target": "my dog"}))
            started = live.receive(lambda item: item["type"] == "find")
            for at_s, rgb in frames:
                live.send_frame(png(rgb), at_s)
            ws.send(json.dumps({"type": "find", "target": None}))
            ended = live.receive(lambda item: item["type"] == "find")

    errors = [m for m in live.messages if m["type"] == "error"]
    assert off["status"] == 409 and "live mode is off" in off["detail"]
    assert [e["status"] for e in errors[1:]] == [400, 400] and all(e["about"] == "find" for e in errors)
    assert "cannot look for 'unicorn'" in errors[1]["detail"] and '"target"' in errors[2]["detail"]
    assert started["on"] and started["name"] == "dog" and not ended["on"]

    tones = [m for m in live.messages if m["type"] == "tone"]
    sided = [(np.sign(t["pan"]), np.sign((b[0] + b[2]) / 2 - SIZE[0] / 2)) for t in tones
             if (b := dog_box_at(t["at_s"])) is not None and abs((b[0] + b[2]) / 2 - SIZE[0] / 2) > 0.05 * SIZE[0]]  # fmt: skip
    assert len(tones) >= 10 and len(sided) >= 8 and sum(p == s for p, s in sided) >= 0.95 * len(sided)
    assert sum(m["type"] == "tone_stop" for m in live.messages) == 1
    said = [a["answer"] for a in live.announcements()]
    assert said.count("The dog is within reach, straight ahead.") == 1 and said.count("Lost the dog.") == 1
    assert said == ["The dog is within reach, straight ahead.", "Lost the dog."]  # nothing else while finding


def write_find_y4m(path) -> str:
    """The find clip as a .y4m file (I420), what Chromium's fake camera plays in a loop."""
    import cv2

    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{SIZE[0]} H{SIZE[1]} F{FPS}:1 Ip A1:1 C420jpeg\n".encode())
        for _, rgb in clip_frames():
            out.write(b"FRAME\n" + cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420).tobytes())
    return str(path)


@pytest.mark.usefixtures("node_modules")
def test_the_page_finds_the_dog_by_tone_with_a_fake_camera(tmp_path):
    video = write_find_y4m(tmp_path / "dog.y4m")
    log = tmp_path / "serve.log"
    with running_server(log) as base:
        result = run_page_script("find.mjs", base, video, timeout=400, log=log)
    assert not result["errors"], result["errors"]
    assert result["badName"]["error"] and "cannot look for" in result["badName"]["error"]
    assert result["badName"]["live"]  # the socket stays open: live goes on

    during = result["during"]
    beeps = during["started"] - result["badName"]["started"]  # (the bad name's failed earcon came first)
    assert beeps > 0 and during["stopped"] == during["started"]  # each beep is scheduled to stop
    assert during["pan"] == pytest.approx(during["tone"]["pan"], abs=1e-3)  # the panner follows the tone
    assert any(p < -0.1 for p in result["pans"])  # heard on the left as the dog came in from the left
    stopped, later = result["stoppedTone"], result["afterToneStop"]
    assert stopped["tone"] is None and stopped["finding"]  # lost: the tone stopped, find mode goes on
    if later["tone"] is None:  # (the looping camera may have brought the dog back meanwhile)
        assert later["started"] == stopped["started"], "a tone was played after it stopped"
    assert result["axe"]["violations"] == [], result["axe"]["violations"]

    at_stop, after_stop = result["atStop"], result["afterStop"]
    assert not at_stop["live"] and not at_stop["finding"] and at_stop["tone"] is None
    assert after_stop["started"] == at_stop["started"], "a tone was played after Stop"
