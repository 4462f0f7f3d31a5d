"""The server stays bounded under abuse (issue 22), through real sockets on loopback with short limits: silent and
trickling connections are closed on time while others are served, a body trickled too slowly gets 408, a 503 always
says Retry-After, and decodes are admitted by their pixel count. Every timing asserted is an upper bound; the
decode in progress is held at a gate (gated_decode.py), so nothing depends on how fast this machine decodes.

The decode budget itself (first come first served, given back when the image is freed or its job ends) is tested
in process. `python -m echollama.evaluation.attack` runs the full-size attack (make fuzz-api).

Run: .venv/bin/python -m pytest -q tests/test_server_abuse.py   (about a minute: one server with SmolLM2)
"""

from __future__ import annotations

import gc
import socket
import threading
import time

import httpx
import numpy as np
import pytest

from echollama.samples import SAMPLE_IMAGE
from echollama.server.host import Busy, DecodeBudget, admit_decode
from gated_decode import gated_server
from test_server_hardening import big_png

pytestmark = pytest.mark.timeout(600)
HEADER_TIMEOUT_S = 2.0
BODY_TIMEOUT_S = 2.0
MAX_CONNECTIONS = 8
DECODE_WAIT_S = 1.0
SLACK_S = 3.0  # scheduling on a shared machine: generous, and still far below "never"
LIMITS = (
    *("--max-tokens", "24", "--header-timeout", str(HEADER_TIMEOUT_S), "--body-timeout", str(BODY_TIMEOUT_S)),
    *("--max-connections", str(MAX_CONNECTIONS), "--max-decode-pixels", "64000000"),
    *("--decode-wait", str(DECODE_WAIT_S)),
)
JPEG = ("coffee.jpg", SAMPLE_IMAGE.read_bytes(), "image/jpeg")


def upload_start(length: int) -> bytes:
    """A describe request's headers and the start of its file part: what follows is the file's bytes."""
    return (
        b"POST /v1/describe HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=x\r\n"
        b'Content-Length: %d\r\n\r\n--x\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\n'
        b"Content-Type: image/jpeg\r\n\r\n" % length
    )


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    with gated_server(tmp_path_factory.mktemp("abuse") / "serve.log", *LIMITS) as (base, gate):
        yield base, gate


def port_of(base: str) -> int:
    return int(base.rsplit(":", 1)[1])


def seconds_until_closed(raw: socket.socket, began: float, limit_s: float) -> float:
    """Read until the server closes the connection; seconds from `began` (fails if it is still open at `limit_s`)."""
    raw.settimeout(0.1)
    while time.monotonic() - began < limit_s:
        try:
            if not raw.recv(65536):
                return time.monotonic() - began
        except TimeoutError:
            continue
        except OSError:  # reset: closed as well
            return time.monotonic() - began
    raise AssertionError(f"the connection was still open after {limit_s:g} s")


def test_silent_and_trickling_connections_are_closed_while_others_are_served(served):
    base, _ = served
    began = time.monotonic()
    silent = [socket.create_connection(("127.0.0.1", port_of(base))) for _ in range(3 * MAX_CONNECTIONS)]
    trickling = socket.create_connection(("127.0.0.1", port_of(base)))
    try:
        # Three times the connection cap sent nothing: a new client is still served, every time.
        for _ in range(3):
            assert httpx.get(f"{base}/healthz", timeout=10).status_code == 200
        for byte in b"GET /healthz HTTP/1.1\r\n":  # header bytes, one at a time, slower than any deadline allows
            try:
                trickling.sendall(bytes([byte]))
            except OSError:  # closed already
                break
            time.sleep(0.2)
        closed = [seconds_until_closed(raw, began, HEADER_TIMEOUT_S + 2 * SLACK_S) for raw in [*silent, trickling]]
    finally:
        for raw in [*silent, trickling]:
            raw.close()
    print(f"\n{len(closed)} silent or trickling connections closed within {max(closed):.2f} s")
    assert max(closed) < HEADER_TIMEOUT_S + 2 * SLACK_S


def test_a_body_trickled_too_slowly_gets_408_and_the_connection_closes(served):
    base, _ = served
    with socket.create_connection(("127.0.0.1", port_of(base))) as raw:
        raw.sendall(upload_start(100_000))
        began = time.monotonic()
        raw.settimeout(0.5)
        received = b""
        while time.monotonic() - began < BODY_TIMEOUT_S + 2 * SLACK_S:  # a byte every 0.5 s: never stalled, too slow
            try:
                raw.sendall(b"a")
                chunk = raw.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                break
            if not chunk:
                break
            received += chunk
        waited = time.monotonic() - began
    assert received.startswith(b"HTTP/1.1 408"), received[:200]
    assert b"stalled" in received and waited < BODY_TIMEOUT_S + 2 * SLACK_S


def test_connections_all_busy_with_requests_get_503_with_retry_after(served):
    base, _ = served
    busy = [socket.create_connection(("127.0.0.1", port_of(base))) for _ in range(MAX_CONNECTIONS)]
    feeding = threading.Event()

    def feed() -> None:  # requests whose bodies keep coming fast enough: busy, neither idle nor too slow
        while not feeding.is_set():
            try:
                for raw in busy:
                    raw.sendall(b"a" * 4096)
            except OSError:  # closed at the end of the test
                return
            time.sleep(0.25)

    feeder = threading.Thread(target=feed, daemon=True)
    try:
        for raw in busy:
            raw.sendall(upload_start(10_000_000))
        feeder.start()
        time.sleep(0.5)  # their headers are in: every connection is serving a request
        refused = httpx.get(f"{base}/healthz", timeout=10)
    finally:
        feeding.set()
        if feeder.is_alive():
            feeder.join(10)
        for raw in busy:
            raw.close()
    assert refused.status_code == 503, refused.text
    assert int(refused.headers["retry-after"]) > 0 and "too many connections" in refused.json()["detail"]
    assert httpx.get(f"{base}/healthz", timeout=10).status_code == 200  # and once they are gone, served again


def test_decodes_are_admitted_by_pixel_count_and_the_rest_get_503_with_retry_after(served):
    base, gate = served
    png = big_png(7_800, 7_700, cut=64)  # 60 MP of the 64 MP budget while it is held at the gate
    answers: dict[str, httpx.Response] = {}

    def post(name: str, upload) -> None:
        answers[name] = httpx.post(f"{base}/v1/sessions", files={"image": upload}, timeout=120)

    first = threading.Thread(target=post, args=("first", ("big.png", png, "image/png")))
    small = threading.Thread(target=post, args=("small", JPEG))
    with gate.held():
        first.start()
        gate.wait_entered(1, 60)
        began = time.monotonic()
        post("second", ("big2.png", png, "image/png"))  # 60 MP more do not fit: it waits its second, then 503
        waited = time.monotonic() - began
        small.start()
        gate.wait_entered(2, 60)  # the 0.24 MP photo fits beside the 60 MP held: admitted
    first.join(120)
    small.join(120)
    second = answers["second"]
    assert second.status_code == 503 and int(second.headers["retry-after"]) > 0, second.text
    assert "being decoded" in second.json()["detail"] and waited < DECODE_WAIT_S + 2 * SLACK_S
    assert answers["small"].status_code == 201, answers["small"].text
    assert answers["first"].status_code == 400 and "truncated or corrupt" in answers["first"].json()["detail"]


# --- the budget, in process -------------------------------------------------------------------------------------


def test_the_decode_budget_is_first_come_first_served_and_bounded_in_time():
    budget = DecodeBudget(max_pixels=100, wait_s=0.2, retry_after_s=3)
    budget.admit(60)
    with pytest.raises(Busy) as busy:
        budget.admit(50)
    assert busy.value.retry_after_s == 3 and budget.in_use == 60
    budget.wait_s = 30.0
    order: list[int] = []

    def admit(pixels: int) -> None:
        budget.admit(pixels)
        order.append(pixels)

    big = threading.Thread(target=admit, args=(90,))
    big.start()
    while not budget.waiting:  # the big one is in line first
        time.sleep(0.001)
    small = threading.Thread(target=admit, args=(10,))
    small.start()
    time.sleep(0.05)
    assert order == []  # the small one would fit now, but waits its turn behind the big one
    budget.release(60)
    big.join(10)
    budget.release(90)
    small.join(10)
    assert order == [90, 10] and budget.in_use == 10
    budget.release(10)
    assert budget.admit(10**9) == 100  # larger than the whole budget: waits for all of it, never for ever


def test_decoded_pixels_are_given_back_when_the_image_is_freed_or_the_job_ends():
    budget = DecodeBudget(max_pixels=100, wait_s=0.1, retry_after_s=1)
    with budget.job():
        image = np.zeros((4, 5, 3), np.uint8)
        admit_decode(20).hold_while(image)
        kept = admit_decode(30)
        assert budget.in_use == 50
        del image
        gc.collect()
        assert budget.in_use == 30  # the first image is gone: its pixels are free for others already
        kept.release()
        kept.release()  # given back once only
        assert budget.in_use == 0
        admit_decode(40)
    assert budget.in_use == 0  # the job ended
    assert admit_decode(10**9).pixels == 10**9 and budget.in_use == 0  # outside a job: nothing is counted
