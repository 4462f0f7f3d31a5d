"""The server under abuse, through real HTTP and WebSockets on loopback (issue 14): DNS rebinding, a 70 MP header, a
60 MP decode (held at a gate while /healthz is timed) beside /healthz, stalled bodies, idle and surplus WebSockets, hostile frames and WAV headers, /docs
under the CSP, and no exception text or path in public answers.

Run: .venv/bin/python -m pytest -q tests/test_server_hardening.py   (about a minute: two servers with SmolLM2)
"""

from __future__ import annotations

import io
import json
import socket
import struct
import threading
import time
import zlib
from contextlib import ExitStack

import httpx
import numpy as np
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from echollama.samples import SAMPLE_IMAGE
from gated_decode import gated_server
from server_process import owner, running_server, spoken_question, stream_url
from test_image_input import png_header_only

pytestmark = pytest.mark.timeout(600)
IDLE_S = 3.0
BODY_TIMEOUT_S = 2.0
STREAMS_PER_SESSION = 50
LIMITS = (
    "--max-tokens",
    "24",
    "--websocket-idle",
    str(IDLE_S),
    "--body-timeout",
    str(BODY_TIMEOUT_S),
    "--max-websockets-per-session",
    str(STREAMS_PER_SESSION),
    "--max-websockets",
    str(STREAMS_PER_SESSION + 1),
)
JPEG = ("coffee.jpg", SAMPLE_IMAGE.read_bytes(), "image/jpeg")


@pytest.fixture(scope="module")
def gated(tmp_path_factory):
    """The server, with its image decoder held at a gate when a test asks (gated_decode.py)."""
    with gated_server(tmp_path_factory.mktemp("serve") / "serve.log", *LIMITS) as (base, gate):
        yield base, gate


@pytest.fixture(scope="module")
def server(gated):
    return gated[0]


@pytest.fixture(scope="module")
def client(server):
    with httpx.Client(base_url=server, timeout=120) as http:
        yield http


KEYS: dict[str, dict[str, str]] = {}  # session id -> the header that opens it


def open_session(client) -> str:
    response = client.post("/v1/sessions", files={"image": JPEG})
    assert response.status_code == 201, response.text
    KEYS[response.json()["session_id"]] = owner(response.json())
    return response.json()["session_id"]


def test_dns_rebinding_is_refused_over_http_and_websocket(server, client):
    port = int(server.rsplit(":", 1)[1])
    evil = {"host": f"evil.example:{port}", "origin": f"http://evil.example:{port}"}  # Origin matches Host
    response = client.post("/v1/describe", files={"image": JPEG}, headers=evil)
    assert response.status_code == 403 and "host name" in response.json()["detail"]
    assert client.get("/healthz", headers={"host": f"evil.example:{port}"}).status_code == 403
    # Our own names still work (an empty upload gets its 400, not 403).
    for name in ("localhost", "127.0.0.1", "[::1]", "app.localhost"):
        own = {"host": f"{name}:{port}", "origin": f"http://{name}:{port}"}
        response = client.post("/v1/describe", files={"image": ("a.jpg", b"", "image/jpeg")}, headers=own)
        assert response.status_code == 400, (name, response.text)

    session_id = open_session(client)
    # The browser resolved evil.example to 127.0.0.1: the handshake carries that name as Host, and a matching Origin.
    with socket.create_connection(("127.0.0.1", port)) as raw:
        with pytest.raises(InvalidStatus) as refused:
            with connect(
                f"ws://evil.example:{port}/v1/sessions/{session_id}/stream",
                sock=raw,
                origin=evil["origin"],
                open_timeout=30,
            ):
                pass
    assert refused.value.response.status_code == 403
    with connect(
        stream_url(server, session_id),
        additional_headers=KEYS[session_id],
        origin=f"http://127.0.0.1:{port}",
        open_timeout=30,
    ):
        pass  # the page's own origin still connects


def test_a_70_megapixel_header_gets_our_own_413(client):
    # 70 MP: over our 64 MP limit, under Pillow's own 89 MP warning, so only our check can refuse it.
    header = png_header_only(10_000, 7_000)
    for path in ("/v1/sessions", "/v1/describe", "/v1/read"):
        response = client.post(path, files={"image": ("big.png", header, "image/png")})
        assert response.status_code == 413, (path, response.text)
        assert response.json()["detail"] == "big.png: the image is 10000x7000 pixels; at most 64 MP is accepted"


def big_png(width: int, height: int, cut: int) -> bytes:
    """A valid-looking RGB PNG of width x height (a gradient, a few hundred kB) whose pixel data lacks its last
    `cut` bytes: decoding runs through nearly every row, then fails."""
    ramp = (np.arange(width * 3) % 251).astype(np.uint8).tobytes()
    packer = zlib.compressobj(1)
    data = [packer.compress(b"\x00" + ramp)]
    same_as_above = b"\x02" + bytes(width * 3)  # PNG "Up" filter: each row repeats the row above
    data += [packer.compress(same_as_above) for _ in range(height - 1)]
    pixels = b"".join(data) + packer.flush()

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels[:-cut]) + chunk(b"IEND", b"")


def healthz_latencies_during(client, server, upload) -> tuple[list[float], httpx.Response]:
    """/healthz timings (s) taken every 50 ms while POST /v1/sessions with `upload` is in flight, and its answer."""
    answer: dict = {}

    def post():
        with httpx.Client(base_url=server, timeout=300) as other:
            answer["response"] = other.post("/v1/sessions", files={"image": upload})

    worker = threading.Thread(target=post)
    worker.start()
    latencies = []
    while True:  # at least one sample, however quickly this machine opens the session
        start = time.perf_counter()
        assert client.get("/healthz").status_code == 200
        latencies.append(time.perf_counter() - start)
        if not worker.is_alive():
            break
        time.sleep(0.05)
    worker.join()
    return latencies, answer["response"]


def test_healthz_stays_fast_while_a_60_megapixel_png_is_decoded(gated):
    # The decode waits at the gate until /healthz has answered: a decode on the event loop would block these
    # /healthz calls (a timeout fails the test), however fast the machine decodes.
    server, gate = gated
    png = big_png(7_800, 7_700, cut=64)  # 60.06 MP
    answer: dict = {}

    def post():
        with httpx.Client(base_url=server, timeout=300) as other:
            answer["response"] = other.post("/v1/sessions", files={"image": ("big.png", png, "image/png")})

    worker = threading.Thread(target=post)
    latencies = []
    with gate.held(), httpx.Client(base_url=server, timeout=5) as client:
        worker.start()
        gate.wait_entered(1, 60)  # admitted, its pixels counted, the decode about to run
        for _ in range(10):
            start = time.perf_counter()
            assert client.get("/healthz").status_code == 200
            latencies.append(time.perf_counter() - start)
            time.sleep(0.05)
    worker.join(300)
    response = answer["response"]
    assert response.status_code == 400 and "truncated or corrupt" in response.json()["detail"], response.text
    print(
        f"\n/healthz during a 60 MP PNG decode: n={len(latencies)} "
        f"p50={np.median(latencies) * 1000:.1f} ms max={max(latencies) * 1000:.1f} ms"
    )
    assert_responsive(latencies)


def test_healthz_stays_fast_while_a_session_is_opened(client, server):
    # The text stage finishes after perception; waiting for it (scene.to_dict) must not happen on the event loop.
    latencies, response = healthz_latencies_during(client, server, JPEG)
    assert response.status_code == 201, response.text
    print(
        f"\n/healthz while a session is opened: n={len(latencies)} "
        f"p50={np.median(latencies) * 1000:.1f} ms max={max(latencies) * 1000:.1f} ms"
    )
    assert_responsive(latencies)


def assert_responsive(latencies: list[float]) -> None:
    """Generous bounds (the machine may be shared): before the fix the loop was blocked for the whole decode (1.8 s
    and more); a responsive loop answers in milliseconds, with the odd scheduling hiccup."""
    assert np.median(latencies) < 0.1 and max(latencies) < 1.0, [round(t, 3) for t in latencies]


def test_a_body_that_never_arrives_gets_408_and_the_connection_closes(server):
    port = int(server.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=BODY_TIMEOUT_S + 20) as raw:
        raw.sendall(
            b"POST /v1/describe HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 100000\r\n\r\n--x\r\n"
        )
        start = time.monotonic()
        received = b""
        while chunk := raw.recv(65536):  # read until the server closes the connection
            received += chunk
        waited = time.monotonic() - start
    assert received.startswith(b"HTTP/1.1 408"), received[:200]
    assert b"stalled" in received and waited < BODY_TIMEOUT_S + 10


def test_idle_websockets_are_closed_and_counted_per_session_and_in_all(server, client):
    first, second = open_session(client), open_session(client)
    with ExitStack() as stack:
        sockets = [
            stack.enter_context(connect(stream_url(server, first), additional_headers=KEYS[first], open_timeout=30))
        ]
        sockets += [
            stack.enter_context(connect(stream_url(server, first), additional_headers=KEYS[first]))
            for _ in range(STREAMS_PER_SESSION - 1)
        ]
        with pytest.raises(InvalidStatus) as per_session:
            stack.enter_context(connect(stream_url(server, first), additional_headers=KEYS[first], open_timeout=30))
        assert per_session.value.response.status_code == 429
        sockets.append(
            stack.enter_context(connect(stream_url(server, second), additional_headers=KEYS[second]))
        )  # the last place in all
        with pytest.raises(InvalidStatus) as in_all:
            stack.enter_context(connect(stream_url(server, second), additional_headers=KEYS[second], open_timeout=30))
        assert in_all.value.response.status_code == 503
        opened = time.monotonic()
        codes = []
        for websocket in sockets:  # nobody says anything: the server closes every one with a close frame
            with pytest.raises(ConnectionClosed) as closed:
                websocket.recv(timeout=IDLE_S + 30)
            assert closed.value.rcvd is not None, "dropped without a close frame"
            codes.append(closed.value.rcvd.code)
        waited = time.monotonic() - opened
    assert codes == [1001] * (STREAMS_PER_SESSION + 1)
    print(f"\n{len(codes)} idle WebSockets closed {waited:.1f} s after the last opened (idle timeout {IDLE_S:g} s)")
    assert waited < IDLE_S + 15
    with connect(
        stream_url(server, first), additional_headers=KEYS[first], open_timeout=30
    ):  # their places are free again
        pass


def test_hostile_websocket_frames_get_error_frames_and_the_socket_stays_usable(server, client):
    session_id = open_session(client)
    with connect(
        stream_url(server, session_id), additional_headers=KEYS[session_id], open_timeout=30, max_size=None
    ) as websocket:
        for frame in ("[" * 100_000, "{" * 50_000, '"\\ud800', "null", json.dumps({"type": "ask", "text": 5})):
            websocket.send(frame)
            reply = json.loads(websocket.recv(timeout=30))
            assert reply["type"] == "error" and reply["status"] == 400, (frame[:20], reply)
        websocket.send(json.dumps({"type": "ask", "text": "Where is the cup?"}))
        while not isinstance(message := websocket.recv(timeout=120), str) or json.loads(message)["type"] not in (
            "done",
            "error",
        ):
            pass
        assert json.loads(message)["type"] == "done", message


def wav_with_format_tag(tag: int, path) -> bytes:
    spoken_question(path, "Where is the cup?", rate=16_000, lead_s=0.2, tail_s=0.2)
    data = bytearray(path.read_bytes())
    struct.pack_into("<H", data, data.find(b"fmt ") + 8, tag)
    return bytes(data)


@pytest.mark.parametrize("tag", [0x0000, 0xFFFF])
def test_a_wav_with_an_unknown_format_tag_gets_a_json_400(server, client, tmp_path, tag):
    recording = wav_with_format_tag(tag, tmp_path / "q.wav")
    session_id = open_session(client)
    response = client.post(f"/v1/sessions/{session_id}/ask", files={"audio": ("q.wav", recording, "audio/wav")})
    assert response.status_code == 400 and response.headers["content-type"] == "application/json"
    assert "recording" in response.json()["detail"]
    assert client.get("/healthz").status_code == 200  # the same keep-alive connection still answers
    with connect(stream_url(server, session_id), additional_headers=KEYS[session_id], open_timeout=30) as websocket:
        websocket.send(recording)
        while isinstance(message := websocket.recv(timeout=60), bytes) or json.loads(message)["type"] not in (
            "done",
            "error",
        ):
            pass
        assert json.loads(message)["status"] == 400


def test_docs_is_a_plain_page_that_works_under_the_csp(client):
    docs = client.get("/docs")
    assert docs.status_code == 200 and docs.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in docs.headers["content-security-policy"]
    assert "<script" not in docs.text and "style=" not in docs.text and "<style" not in docs.text
    assert "http" not in docs.text.replace('href="/', "")  # nothing from elsewhere
    for path in client.get("/openapi.json").json()["paths"]:
        assert f"<code>{path}</code>" in docs.text
    assert "<code>image</code>" in docs.text  # the upload field of /v1/describe is described
    assert client.get("/redoc").status_code == 404


def test_a_model_failure_is_told_without_exception_text_or_paths(tmp_path):
    broken = tmp_path / "secret-folder" / "broken.gguf"
    broken.parent.mkdir()
    broken.write_bytes(b"GGUF" + bytes(64))  # a GGUF magic, then nothing llama.cpp can load
    log_path = tmp_path / "serve.log"
    with running_server(log_path, "--llm-path", str(broken), expect="error") as base:
        health = httpx.get(f"{base}/healthz", timeout=30)
        refused = httpx.post(f"{base}/v1/describe", files={"image": JPEG}, timeout=60)
    assert health.status_code == 500 and health.json()["status"] == "error"
    assert refused.status_code == 500
    for answer in (health.text, refused.text):
        assert "secret-folder" not in answer and "/" not in json.loads(answer)["detail"]
        assert "Error" not in answer and "Traceback" not in answer
    assert "secret-folder" in log_path.read_text()  # the operator still finds out why


def matroska_pcm(seconds: float, rate: int, declared: float) -> bytes:
    """A tone as 16-bit PCM in Matroska (read through PyAV, not libsndfile), its header's sampling frequency
    rewritten to `declared`: the rate every decoder downstream then believes."""
    import av

    tone = (0.3 * 32767 * np.sin(2 * np.pi * 440 * np.arange(int(seconds * rate)) / rate)).astype(np.int16)
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="matroska") as out:
        stream = out.add_stream("pcm_s16le", rate=rate, layout="mono")
        for start in range(0, tone.size, 4096):
            frame = av.AudioFrame.from_ndarray(tone[None, start : start + 4096].copy(), format="s16", layout="mono")
            frame.sample_rate, frame.pts = rate, start
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    data = bytearray(buffer.getvalue())
    where = data.find(b"\xb5\x88")  # SamplingFrequency, an 8-byte float
    assert where > 0 and struct.unpack_from(">d", data, where + 2)[0] == rate
    struct.pack_into(">d", data, where + 2, declared)
    return bytes(data)


def test_audio_length_is_bounded_by_decoded_samples_not_the_declared_rate(client):
    from echollama.errors import InputError
    from echollama.speech.audio_in import decode_audio

    # Declared 96 kHz: decoded at 48 kHz, so 2 s of samples are 2 s; the length bound counts what was decoded.
    clip = decode_audio(matroska_pcm(2.0, 96_000, 96_000), "fast.mkv")
    assert clip.original_rate == 48_000 and clip.seconds == pytest.approx(2.0, abs=0.05)
    # The count is what bounds the work: 70 s of samples at an honest 8 kHz are refused while they are decoded...
    with pytest.raises(InputError, match="at most 60 s"):
        decode_audio(matroska_pcm(70.0, 8_000, 8_000), "long.mkv")
    # ...the same samples declared at 768 kHz come down to 48 kHz (0.73 s of them), never up to the declared rate...
    assert decode_audio(matroska_pcm(70.0, 8_000, 768_000), "lie.mkv").seconds == pytest.approx(0.73, abs=0.01)
    # ...and a rate no recorder writes is a corrupt header.
    with pytest.raises(InputError, match="sample rate 1000000000 Hz"):
        decode_audio(matroska_pcm(1.0, 8_000, 1e9), "lie.mkv")
    response = client.post(
        f"/v1/sessions/{open_session(client)}/ask",
        files={"audio": ("q.mkv", matroska_pcm(1.0, 8_000, 1e9), "audio/x-matroska")},
    )
    assert response.status_code == 400 and "sample rate" in response.json()["detail"]
