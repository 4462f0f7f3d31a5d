"""Speech rate over the API and on the page: the `rate` field (422 outside 0.5-3.0), a description at 2.0 shorter
than at 1.0, the WebSocket's rate message, and the page's control in real headless Chromium.

Run: .venv/bin/python -m pytest -q tests/test_server_rate.py   (the page test needs `make web-test-deps`)
"""

from __future__ import annotations

import json

import httpx
import pytest

from echollama.samples import SAMPLE_IMAGE
from server_process import owner, running_server, stream_url
from test_server_browser import node_modules, run_page_script  # noqa: F401 (a fixture)

pytestmark = pytest.mark.timeout(900)
PHOTO = {"image": ("coffee.jpg", SAMPLE_IMAGE.read_bytes(), "image/jpeg")}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("serve") / "serve.log", "--request-timeout", "300") as base:
        yield base


@pytest.fixture(scope="module")
def client(server):
    with httpx.Client(base_url=server, timeout=300) as http:
        yield http


def open_session(client) -> dict:
    response = client.post("/v1/sessions", files=PHOTO)
    assert response.status_code == 201, response.text
    return response.json()


@pytest.mark.parametrize("rate", ["0.4", "3.5", "0", "-1", "nan", "inf", "fast"])
def test_a_rate_outside_half_to_three_is_a_422(client, rate):
    session = open_session(client)
    for path, files, data in (
        ("/v1/describe", PHOTO, {"rate": rate}),
        ("/v1/read", PHOTO, {"rate": rate}),
        (f"/v1/sessions/{session['session_id']}/ask", None, {"text": "where is the cup?", "rate": rate}),
    ):
        response = client.post(path, files=files, data=data, headers=owner(session))
        assert response.status_code == 422, (path, rate, response.text)
        assert response.json()["detail"][0]["loc"] == ["body", "rate"]


def test_a_description_at_rate_2_is_shorter(client):
    seconds = {}
    for rate in ("1", "2"):
        response = client.post("/v1/describe", files=PHOTO, data={"rate": rate})
        assert response.status_code == 200, response.text
        seconds[rate] = response.json()["audio_s"]
    # Piper's own output (its length scale): about 0.6 at 2.0, never a timing
    assert 0.45 < seconds["2"] / seconds["1"] < 0.85, seconds


def test_the_websocket_takes_a_rate_message_and_checks_it(server, client):
    from websockets.sync.client import connect

    session = open_session(client)
    url = stream_url(server, session["session_id"])
    with connect(url, open_timeout=30, additional_headers=owner(session), max_size=None) as socket:
        socket.send(json.dumps({"type": "rate", "rate": 2}))
        assert json.loads(socket.recv(timeout=30)) == {"type": "rate", "rate": 2.0}
        for bad in ({"type": "rate", "rate": 5}, {"type": "rate"}, {"type": "rate", "rate": "2"}):
            socket.send(json.dumps(bad))
            reply = json.loads(socket.recv(timeout=30))
            assert reply["type"] == "error" and reply["status"] == 400 and "0.5 to 3.0" in reply["detail"], reply
        socket.send(json.dumps({"type": "ask", "text": "where is the cup?", "rate": 9}))
        reply = json.loads(socket.recv(timeout=30))
        assert reply["status"] == 400 and reply["answer_id"] == 1 and '"rate"' in reply["detail"], reply


def test_the_page_has_a_rate_control_sends_it_and_remembers_it(node_modules, server):  # noqa: F811
    result = run_page_script("rate.mjs", server, str(SAMPLE_IMAGE), timeout=800)
    assert not result["errors"], result["errors"]
    control = result["control"]
    assert control["tag"] == "SELECT" and control["label"] == "Speech rate" and control["value"] == "1"
    assert control["options"] == ["0.75", "1", "1.25", "1.5", "2", "2.5", "3"]
    assert result["afterKeys"] == {"value": "2", "saved": "2"}  # moved with the arrow keys, remembered
    assert result["error"] is None
    sent = result["sent"]
    described = sent.index({"type": "describe", "detail": "brief", "rate": 2})
    assert {"type": "rate", "rate": 2} in sent[:described]  # the socket is told when it opens
    assert {"type": "rate", "rate": 1.5} in sent[described:]  # and again when the control changes
    assert result["readForms"] == [{"rate": "1.5"}]
    assert result["remembered"] == "1.5"
    assert result["axe"] == [], result["axe"]
