"""The HTTP/WebSocket API through real HTTP: `echollama serve --llm tiny` in a subprocess, httpx and websockets clients.

Run: .venv/bin/python -m pytest -q tests/test_server_api.py   (about a minute; real models, SmolLM2 for speed)

The module's one httpx client keeps the session cookies the server sets (as the page's browser does), so its HTTP
calls open their sessions by cookie; the WebSocket clients send the `X-Session-Key` header.
"""

from __future__ import annotations

import io
import json

import httpx
import pytest
import soundfile

from echollama.samples import SAMPLE_IMAGE
from rendered_text import opencv_photo
from server_process import owner, running_server, spoken_question, stream_url
from test_describe_cli import run_cli
from test_image_input import png_header_only

pytestmark = pytest.mark.timeout(900)
SHORT = ("--max-tokens", "48", "--request-timeout", "300")  # short answers: the tests check plumbing, not prose


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("serve") / "serve.log", *SHORT) as base:
        yield base


@pytest.fixture(scope="module")
def client(server):
    with httpx.Client(base_url=server, timeout=300) as http:
        yield http


KEYS: dict[str, dict[str, str]] = {}  # session id -> the header that opens it, for the sessions made here


def open_stream(server: str, session_id: str):
    from websockets.sync.client import connect

    return connect(stream_url(server, session_id), max_size=None, open_timeout=30, additional_headers=KEYS[session_id])


@pytest.fixture(scope="module")
def session_id(client):
    return new_session(client)


def assert_speech_url(client, url):
    response = client.get(url)
    assert response.status_code == 200 and response.headers["content-type"] == "audio/wav"
    samples, rate = soundfile.read(io.BytesIO(response.content))
    assert rate == 22050 and len(samples) / rate > 0.5 and abs(samples).max() > 0.01


def test_health_page_and_openapi(client):
    assert client.get("/healthz").json()["status"] == "ready"
    page = client.get("/")
    assert page.status_code == 200 and 'capture="environment"' in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert client.get("/static/app.js").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/describe", "/v1/sessions", "/v1/sessions/{session_id}/ask", "/v1/audio/{audio_id}.wav"} <= set(paths)


def test_describe_returns_scene_text_timings_and_audio(client):
    response = client.post("/v1/describe", files={"image": ("coffee.jpg", SAMPLE_IMAGE.read_bytes(), "image/jpeg")})
    assert response.status_code == 200, response.text
    result = response.json()
    assert "cup" in {d["label"] for d in result["scene"]["detections"]}
    assert "cup: 0.9" in result["scene"]["matrix"]
    assert result["description"] and "cup" in result["summary"]
    assert result["timings"]["first_audio_s"] <= result["timings"]["total_s"]
    assert result["audio_url"].startswith("/v1/audio/") and result["session_id"]
    assert_speech_url(client, result["audio_url"])


def test_describe_sends_the_clis_prompt(client, tmp_path):
    """`POST /v1/describe` and `echollama describe` are one operation: same profile and photo, same messages."""
    served = client.post(
        "/v1/describe",
        files={"image": ("coffee.jpg", SAMPLE_IMAGE.read_bytes(), "image/jpeg")},
        data={"detail": "full"},  # the level that asks the LLM (brief and normal are the facts alone)
    )
    assert served.status_code == 200, served.text
    cli = run_cli(
        "describe",
        str(SAMPLE_IMAGE),
        "-o",
        str(tmp_path / "d.wav"),
        "--json",
        "-q",
        "--detail",
        "full",
        "--llm",
        "tiny",
        *SHORT[:2],
        timeout=600,
    )
    assert cli.returncode == 0, cli.stderr
    described = json.loads(cli.stdout)
    assert list(described["prompt"]) == ["system", "user"] and "cup" in described["prompt"]["user"]
    assert served.json()["prompt"] == described["prompt"]
    assert served.json()["scene"]["matrix"] == described["scene"]["matrix"]


def bad_uploads():
    jpeg = SAMPLE_IMAGE.read_bytes()
    return {
        "empty": (("a.jpg", b"", "image/jpeg"), 400, "empty"),
        "text named .jpg": (("a.jpg", b"hello, I am not a photo\n", "image/jpeg"), 415, "not an image"),
        "svg": (("a.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "image/svg+xml"), 415, "not an image"),
        "truncated jpeg": (("a.jpg", jpeg[:5000], "image/jpeg"), 400, "corrupt"),
        "huge pixel count": (("bomb.png", png_header_only(90_000, 90_000), "image/png"), 413, "pixels"),
    }


@pytest.mark.parametrize("case", list(bad_uploads()))
def test_bad_uploads_are_refused_clearly(client, case):
    upload, status, words = bad_uploads()[case]
    for path in ("/v1/sessions", "/v1/describe", "/v1/read"):
        response = client.post(path, files={"image": upload})
        assert response.status_code == status, (path, response.text)
        assert words in response.json()["detail"]


def test_read_returns_the_text_in_reading_order_with_boxes_and_speech(client):
    photo = opencv_photo("scenetext01.jpg")
    response = client.post("/v1/read", files={"image": (photo.name, photo.read_bytes(), "image/jpeg")})
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["text"].startswith("NOTICE\nDOUBLE\nPARKING\nPROHIBITED\nAT ALL TIMES")
    line = result["columns"][0]["paragraphs"][0][0]
    assert line["text"] == "NOTICE" and len(line["box"]) == 4 and line["regions"][0]["score"] >= 0.9
    assert result["spoken"].startswith("NOTICE DOUBLE PARKING PROHIBITED AT ALL TIMES.")
    assert_speech_url(client, result["audio_url"])


def test_read_says_when_the_text_runs_off_an_edge(client):
    from PIL import Image

    from rendered_text import render_two_column_page

    page, _ = render_two_column_page()
    png = io.BytesIO()
    Image.fromarray(page[:, :760]).save(png, format="PNG")  # the right column cut through
    response = client.post("/v1/read", files={"image": ("cut.png", png.getvalue(), "image/png")})
    assert response.status_code == 200, response.text
    result = response.json()
    advice = "The text runs off the right edge; move the camera right or step back."
    assert result["framing"] == advice and result["spoken"].startswith(advice)


def test_type_comes_from_the_bytes_not_the_name_or_declared_type(client):
    response = client.post("/v1/sessions", files={"image": ("notes.txt", SAMPLE_IMAGE.read_bytes(), "text/plain")})
    assert response.status_code == 201, response.text


def test_oversized_and_malformed_bodies(client):
    too_big = b"\xff" * (21 * 2**20)  # over the 20 MiB default
    response = client.post("/v1/describe", files={"image": ("big.jpg", too_big, "image/jpeg")})
    assert response.status_code == 413 and "larger than" in response.json()["detail"]

    def chunked():  # a well-formed multipart body with no Content-Length: the limit must hold as it streams in
        yield b'--x\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
        for _ in range(22):
            yield b"\xff" * 2**20
        yield b"\r\n--x--\r\n"

    response = client.post(
        "/v1/describe", content=chunked(), headers={"content-type": "multipart/form-data; boundary=x"}
    )
    assert response.status_code == 413
    assert client.post("/v1/describe", json={"image": "coffee.jpg"}).status_code == 422
    assert client.post("/v1/describe", files={"photo": ("a.jpg", b"x", "image/jpeg")}).status_code == 422


@pytest.mark.parametrize(
    "path",
    [
        "/v1/audio/..%2F..%2F..%2Fetc%2Fpasswd.wav",
        "/v1/audio/%2e%2e%2f%2e%2e%2fpyproject.toml.wav",
        "/v1/audio/....%2F%2F....%2F%2Fetc%2Fpasswd.wav",
        "/v1/audio/%2Fetc%2Fpasswd.wav",
        "/v1/audio/AAAAAAAAAAAAAAAAAAAAAA.wav",  # well-formed but never issued
        "/v1/audio/AAAAAAAAAAAAAAAAAAAAAA%00.wav",
        "/static/..%2F..%2F..%2Fpyproject.toml",
    ],
)
def test_audio_urls_cannot_reach_files(client, path):
    response = client.get(httpx.URL(client.base_url.join(path), params=None), follow_redirects=False)
    assert response.status_code == 404, response.text
    assert b"root:" not in response.content and b"[project]" not in response.content


def test_ask_by_text_then_by_voice(client, session_id, tmp_path):
    response = client.post(f"/v1/sessions/{session_id}/ask", data={"text": "Where is the cup?"})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert "cup" in answer["answer"].lower() and answer["question"] == "Where is the cup?"
    assert_speech_url(client, answer["audio_url"])

    spoken_question(tmp_path / "q.wav", "Where is my coffee cup?")
    response = client.post(
        f"/v1/sessions/{session_id}/ask", files={"audio": ("q.wav", (tmp_path / "q.wav").read_bytes(), "audio/wav")}
    )
    assert response.status_code == 200, response.text
    voiced = response.json()
    assert "cup" in voiced["transcript"]["text"].lower() and "cup" in voiced["answer"].lower()
    turns = client.get(f"/v1/sessions/{session_id}").json()["turns"]
    assert [t["kind"] for t in turns] == ["summary", "question", "question"]


def test_ask_refuses_bad_questions(client, session_id):
    ask = f"/v1/sessions/{session_id}/ask"
    assert client.post(ask, data={}).status_code == 400
    assert client.post(ask, data={"text": "   "}).status_code == 400
    assert client.post(ask, data={"text": "x" * 600}).status_code == 400
    silent = io.BytesIO()
    soundfile.write(silent, [0.0] * 16000, 16000, format="WAV")
    response = client.post(ask, files={"audio": ("s.wav", silent.getvalue(), "audio/wav")})
    assert response.status_code == 400 and "silent" in response.json()["detail"]
    assert client.post(ask, files={"audio": ("n.wav", b"not audio", "audio/wav")}).status_code == 400
    assert client.post("/v1/sessions/nope/ask", data={"text": "hi"}).status_code == 404


def test_session_can_be_closed(client):
    created = client.post("/v1/sessions", files={"image": ("c.jpg", SAMPLE_IMAGE.read_bytes(), "image/jpeg")}).json()
    assert client.delete(f"/v1/sessions/{created['session_id']}").status_code == 204
    assert client.get(f"/v1/sessions/{created['session_id']}").status_code == 404


def test_websocket_streams_text_and_audio_then_done(server, session_id):
    frames, messages = [], []
    with open_stream(server, session_id) as socket:
        socket.send(json.dumps({"type": "ask", "text": "What is on the table?"}))
        while True:
            message = socket.recv(timeout=300)
            if isinstance(message, bytes):
                frames.append(message)
                continue
            messages.append(json.loads(message))
            if messages[-1]["type"] in ("done", "error"):
                break
        socket.send("not json")
        assert json.loads(socket.recv(timeout=30))["status"] == 400
    kinds = [m["type"] for m in messages]
    assert kinds[:2] == ["start", "audio_format"] and "text" in kinds and kinds[-1] == "done", messages
    assert {m["answer_id"] for m in messages} == {1}
    assert frames and all(len(frame) % 2 == 0 for frame in frames)  # 16-bit PCM
    assert "".join(m["text"] for m in messages if m["type"] == "text").strip() == messages[-1]["answer"]


def test_cross_site_requests_are_refused(server, client, session_id):
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    evil = {"origin": "http://evil.example"}
    response = client.post(
        "/v1/sessions", files={"image": ("c.jpg", SAMPLE_IMAGE.read_bytes(), "image/jpeg")}, headers=evil
    )
    assert response.status_code == 403
    preflight = client.options("/v1/describe", headers={**evil, "access-control-request-method": "POST"})
    assert "access-control-allow-origin" not in preflight.headers  # CORS is off by default
    with pytest.raises(InvalidStatus):
        with connect(
            server.replace("http://", "ws://") + f"/v1/sessions/{session_id}/stream",
            additional_headers=evil,
            open_timeout=30,
        ):
            pass


def new_session(client) -> str:
    response = client.post("/v1/sessions", files={"image": ("coffee.jpg", SAMPLE_IMAGE.read_bytes(), "image/jpeg")})
    assert response.status_code == 201, response.text
    KEYS[response.json()["session_id"]] = owner(response.json())
    return response.json()["session_id"]


def test_websocket_stop_cuts_the_answer_and_the_next_question_follows(server, client):
    """Barge-in: Stop during the description; it ends within a sentence, nothing more of it is sent once the end
    is announced, the next question is answered at once, and the conversation keeps what was heard, marked cut."""

    session = new_session(client)
    received = []  # (answer_id the frame belongs to, message or byte count), in arrival order
    with open_stream(server, session) as socket:
        socket.send(json.dumps({"type": "describe", "detail": "full"}))
        owner = None
        while True:  # until the first audio of the description: its first sentence's (the "sentence" before it)
            message = socket.recv(timeout=300)
            if isinstance(message, bytes):
                received.append((owner, len(message)))
                break
            owner = json.loads(message)["answer_id"]
            received.append((owner, json.loads(message)))
        first_sentence = [r for _, r in received if isinstance(r, dict) and r["type"] == "sentence"][-1]["text"]
        rate = next(r for _, r in received if isinstance(r, dict) and r["type"] == "audio_format")["sample_rate"]
        # Stop halfway through that audio, whatever its length (the unseeded voice's timing varies): inside it.
        heard_s = received[-1][1] / 2 / rate / 2
        socket.send(json.dumps({"type": "cancel", "answer_id": 1, "heard_s": heard_s}))
        socket.send(json.dumps({"type": "ask", "text": "Where is the cup?"}))
        while True:
            message = socket.recv(timeout=300)
            if isinstance(message, bytes):
                received.append((owner, len(message)))
                continue
            reply = json.loads(message)
            owner = reply["answer_id"]
            received.append((owner, reply))
            if reply["type"] in ("done", "error") and owner == 2:
                break
    replies = [r for _, r in received if isinstance(r, dict)]
    assert [(r["type"], r["answer_id"]) for r in replies if r["type"] in ("start", "cancelled", "done")] == [
        ("start", 1),
        ("cancelled", 1),
        ("start", 2),
        ("done", 2),
    ], replies
    cancelled = next(r for r in replies if r["type"] == "cancelled")
    assert cancelled["interrupted"] and cancelled["answer"].endswith("…")  # cut inside the first sentence
    assert first_sentence.startswith(cancelled["answer"][:-1]), (cancelled, first_sentence)
    assert 1 <= len(cancelled["answer"].split()) < len(first_sentence.split())
    ending = received.index((1, cancelled))
    assert all(owner == 2 for owner, _ in received[ending + 1 :])  # nothing of the stopped answer after its end
    assert "cup" in replies[-1]["answer"].lower() and not replies[-1].get("interrupted")
    audio_of_stopped = sum(size for owner, size in received if owner == 1 and isinstance(size, int))
    assert audio_of_stopped < 22050 * 2 * 10, "the whole description was sent anyway"
    turns = client.get(f"/v1/sessions/{session}").json()["turns"]
    assert [(t["kind"], t["interrupted"]) for t in turns] == [
        ("summary", False),
        ("describe", True),
        ("question", False),
    ]
    assert turns[1]["answer"] == cancelled["answer"]


def test_websocket_cancel_messages_are_checked(server, client):

    session = new_session(client)
    with open_stream(server, session) as socket:
        socket.send(json.dumps({"type": "cancel"}))  # nothing to stop: ignored
        for bad in ({"heard_s": -1}, {"heard_s": "2"}, {"heard_s": True}, {"answer_id": 1.5}):
            socket.send(json.dumps({"type": "cancel", **bad}))
            assert json.loads(socket.recv(timeout=30))["status"] == 400, bad
        socket.send(json.dumps({"type": "ask", "text": "Where is the cup?"}))
        replies = []
        while not replies or replies[-1]["type"] not in ("done", "error"):
            message = socket.recv(timeout=300)
            if isinstance(message, str):
                replies.append(json.loads(message))
        assert replies[0] == {"type": "start", "answer_id": 1, "kind": "ask"} and replies[-1]["type"] == "done"
        first = replies[-1]["sentences"][0]
        assert first["audio_s"][1] > first["audio_s"][0] >= 0  # where each sentence lies in the answer's audio
        # Stop after the answer was sent whole, while its audio still played: the conversation keeps what was heard
        middle = sum(first["audio_s"]) / 2
        socket.send(json.dumps({"type": "cancel", "answer_id": 1, "heard_s": middle}))
        cut = json.loads(socket.recv(timeout=30))
        assert cut["type"] == "cancelled" and cut["answer_id"] == 1 and cut["answer"].endswith("…"), cut
        assert first["text"].startswith(cut["answer"][:-1])
        socket.send(json.dumps({"type": "cancel", "answer_id": 1, "heard_s": 0.1}))  # once only: ignored
        socket.send(json.dumps({"type": "ask", "text": "Where is the cup?"}))
        assert json.loads(socket.recv(timeout=300)) == {"type": "start", "answer_id": 2, "kind": "ask"}
    turns = client.get(f"/v1/sessions/{session}").json()["turns"]
    assert turns[1]["interrupted"] and turns[1]["answer"] == cut["answer"]


def test_a_session_remembers_earlier_photos_and_sends_each_sentences_direction(server, client):

    from echollama.evaluation.labelled_set import PHOTOS_DIR

    session = new_session(client)
    porch = (PHOTOS_DIR / "porch_dog_bicycle.jpg").read_bytes()

    def questions_left():
        return client.get(f"/v1/sessions/{session}").json()["questions_left"]

    before = questions_left()
    broken = client.post(f"/v1/sessions/{session}/image", files={"image": ("p.jpg", b"not a photo", "image/jpeg")})
    assert broken.status_code in (400, 415) and "detail" in broken.json(), broken.text
    response = client.post(f"/v1/sessions/{session}/image", files={"image": ("p.jpg", porch, "image/jpeg")})
    assert response.status_code == 200, response.text  # the broken upload left the session free and the photo as is
    assert questions_left() == before  # a photo is not a question
    assert response.json()["photos_remembered"] == 2 and "dog" in response.json()["summary"]
    events = []
    with open_stream(server, session) as socket:
        socket.send(json.dumps({"type": "ask", "text": "What changed since the last photo?"}))
        while not events or events[-1].get("type") not in ("done", "error"):
            message = socket.recv(timeout=300)
            events.append({"type": "pcm"} if isinstance(message, bytes) else json.loads(message))
    kinds = [e["type"] for e in events]
    assert kinds[-1] == "done" and kinds.index("sentence") < kinds.index("pcm"), kinds  # direction before audio
    answer = events[-1]["answer"]
    new = "New since the last photo: a black dog, probably a malamute, slightly left"
    assert new in answer and "Gone: the cup that was" in answer
    pans = {e["text"]: e["pan"] for e in events if e["type"] == "sentence"}
    assert any(pan < -0.1 for text, pan in pans.items() if "slightly left" in text), pans
    assert any(pan > 0.05 for text, pan in pans.items() if "slightly right" in text), pans
    assert all(s["pan"] == pans[s["text"]] for s in events[-1]["sentences"])  # the replayed WAV pans the same
    assert all(len(s["audio_s"]) == 2 for s in events[-1]["sentences"])  # barge-in's spans survive beside the pan
    assert questions_left() == before - 1
    forgot = client.post(f"/v1/sessions/{session}/forget").json()
    assert forgot["answer"] == "I have forgotten the one earlier photo; I only remember this one."
    assert questions_left() == before - 1  # nor is forgetting
    assert client.post("/v1/sessions/nope/image", files={"image": ("p.jpg", porch, "image/jpeg")}).status_code == 404
