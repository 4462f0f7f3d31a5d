"""Reading mode in the page's live mode, over a real WebSocket on loopback: the frames of `watch --read`'s letter clip
(tests/test_watch_read_cli.py: the letter cut at the right, the camera moving right until it is framed, then still),
each on the video's clock: the advice, "Hold still, reading." and the letter come as announcements, each once."""

from __future__ import annotations

import difflib
import json

import httpx
import pytest

from echollama.live.reading import HOLD_STILL
from server_process import owner, running_server, stream_url
from test_framing import LETTER
from test_server_find import png
from test_server_live import LiveClient
from test_watch_read_cli import CUT_S, HOLD_S, MOVE_S, VIEW, desk, view_left_at

FPS = 4
pytestmark = [pytest.mark.timeout(600)]


@pytest.mark.slow  # about a minute on two shared cores (a server, 24 frames read, the letter spoken)
def test_reading_over_the_socket_advises_holds_and_reads_once(tmp_path):
    from websockets.sync.client import connect

    surface = desk()
    frames = [
        (i / FPS, surface[:, view_left_at(i / FPS) :][:, : VIEW[1]])
        for i in range(int((CUT_S + MOVE_S + HOLD_S) * FPS))
    ]
    with running_server(tmp_path / "serve.log") as base:
        created = httpx.post(
            f"{base}/v1/sessions", files={"image": ("frame.png", png(frames[0][1]), "image/png")}, timeout=120
        ).json()
        with connect(stream_url(base, created["session_id"]), max_size=None, additional_headers=owner(created)) as ws:
            live = LiveClient(ws)
            ws.send(json.dumps({"type": "read", "on": True}))
            off = live.receive(lambda item: item["type"] == "error")
            ws.send(json.dumps({"type": "live", "on": True}))
            live.receive(lambda item: item["type"] == "live")
            ws.send(json.dumps({"type": "read", "on": "yes"}))
            bad = live.receive(lambda item: item["type"] == "error")
            ws.send(json.dumps({"type": "find", "target": "chair"}))
            live.receive(lambda item: item["type"] == "find")
            ws.send(json.dumps({"type": "read", "on": True}))
            finding = live.receive(lambda item: item["type"] == "error")
            ws.send(json.dumps({"type": "find", "target": None}))
            live.receive(lambda item: item["type"] == "find")
            ws.send(json.dumps({"type": "read", "on": True}))
            started = live.receive(lambda item: item["type"] == "read")
            ws.send(json.dumps({"type": "find", "target": "chair"}))
            reading = live.receive(lambda item: item["type"] == "error")
            for at_s, rgb in frames:
                live.send_frame(png(rgb), at_s)
            live.send_frame(png(frames[-1][1]), frames[-1][0] + 30)  # long after: what was due has been said
            ws.send(json.dumps({"type": "read", "on": False}))
            ended = live.receive(lambda item: item["type"] == "read")

    assert off["status"] == 409 and off["about"] == "read" and "live mode is off" in off["detail"]
    assert bad["status"] == 400 and '"on"' in bad["detail"]
    assert finding["status"] == 409 and "find mode is on" in finding["detail"]
    assert reading["status"] == 409 and reading["about"] == "find" and "reading mode is on" in reading["detail"]
    assert started["on"] and not ended["on"]
    said = [a["answer"] for a in live.announcements()]
    assert said[:2] == ["The text runs off the right edge; move the camera right or step back.", HOLD_STILL]
    assert len(said) == 3 and said[2].startswith("Dear Ms Patel"), said
    assert difflib.SequenceMatcher(None, said[2], LETTER).ratio() >= 0.9
