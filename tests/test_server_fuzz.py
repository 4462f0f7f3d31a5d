"""Schema-driven fuzzing of every API endpoint (Schemathesis) against `echollama serve --llm tiny` on loopback.

Every operation in the served OpenAPI document gets generated requests, valid and invalid (positive and negative
modes; uploads are real photos and a real spoken question in several formats), and every response is held to the
document: no 5xx except the designed 503 (busy, with Retry-After), only documented statuses, content types, headers
and bodies, invalid data refused with a 4xx, valid data accepted. Then a short stateful run follows the documented
links (a new session's id into its info, ask, new photo, forget and close routes). A session's routes want its key:
requests naming a session this run made carry it (an auth hook), the others are refused like any stranger's.

Bounded by default (about 2 minutes; few examples for the model-bound routes) and derandomized: the same cases every
run, so `make test` passes or fails the same way on every machine. The long run draws fresh cases each time:
    make fuzz-api        # ECHOLLAMA_FUZZ_SCALE=20: twenty times the examples, a longer stateful run, fresh seeds
"""

from __future__ import annotations

import io
import os
from collections import Counter

import httpx
import jsonschema_rs
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from schemathesis import GenerationMode
from schemathesis.checks import CheckContext
from schemathesis.generation.stateful import run_state_machine_as_test
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from echollama.errors import InputError
from echollama.samples import SAMPLE_IMAGE
from echollama.server.api_docs import QUESTION_TEXT_SCHEMA, typed_question
from server_process import running_server, spoken_question

SCALE = int(os.environ.get("ECHOLLAMA_FUZZ_SCALE", "1"))
FRESH_SEEDS = "ECHOLLAMA_FUZZ_SCALE" in os.environ  # the long run explores; the bounded one repeats itself
# Examples per operation in the bounded run: routes that run the models (seconds each) get few.
OPERATIONS = {
    "GET /healthz": 10,
    "POST /v1/describe": 2,
    "POST /v1/read": 2,
    "POST /v1/sessions": 3,
    "GET /v1/sessions/{session_id}": 15,
    "POST /v1/sessions/{session_id}/ask": 6,
    "POST /v1/sessions/{session_id}/cancel": 10,
    "POST /v1/sessions/{session_id}/image": 2,
    "POST /v1/sessions/{session_id}/forget": 10,
    "GET /v1/audio/{audio_id}.wav": 15,
    "DELETE /v1/sessions/{session_id}": 15,  # last: it closes the real session the others use
}
# A long request timeout: a 504 is a 5xx too, and a busy 2-core machine can take minutes for one description.
SERVER_OPTIONS = ("--max-tokens", "24", "--request-timeout", "600", "--session-ttl", "600")

pytestmark = pytest.mark.timeout(600 * SCALE)


SEEN: Counter[tuple[str, int]] = Counter()  # (operation, status) of every response checked, for the summary
KEYS: dict[str, str] = {}  # session id -> its key, for every session this run made
SESSION_KEY_HEADER = "X-Session-Key"


class SessionKeyAuth:
    """The key of the session a request names, when this run made it (a schemathesis auth provider)."""

    def get(self, case, context) -> str | None:
        return KEYS.get((case.path_parameters or {}).get("session_id", ""))

    def set(self, case, key: str | None, context) -> None:
        if key is not None:
            case.headers = {**(case.headers or {}), SESSION_KEY_HEADER: key}


def remember_key(response) -> None:
    """Keep the key of a session a response just made (POST /v1/sessions, POST /v1/describe)."""
    if response.status_code in (200, 201) and "application/json" in str(response.headers.get("content-type")):
        body = response.json()
        if isinstance(body, dict) and "session_key" in body:
            KEYS[body["session_id"]] = body["session_key"]


@schemathesis.check
def no_server_error_but_busy(ctx: CheckContext, response, case) -> None:
    """5xx only as the designed 503 (every slot or session taken), which tells the client when to retry."""
    SEEN[case.operation.label, response.status_code] += 1
    if response.status_code >= 500:
        assert response.status_code == 503 and "retry-after" in {k.lower() for k in response.headers}, (
            f"{case.operation.label} answered {response.status_code}: {response.text[:300]}"
        )


CHECKS = [
    no_server_error_but_busy,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    positive_data_acceptance,
]


def photos() -> dict[str, list[bytes]]:
    """The bundled photo as sent by a phone, and small copies in every other accepted format."""
    original = SAMPLE_IMAGE.read_bytes()
    small = Image.open(io.BytesIO(original)).convert("RGB")
    small.thumbnail((320, 320))
    encoded: dict[str, list[bytes]] = {"image/jpeg": [original]}
    for media_type, fmt in (
        ("image/png", "PNG"),
        ("image/webp", "WEBP"),
        ("image/gif", "GIF"),
        ("image/bmp", "BMP"),
        ("image/tiff", "TIFF"),
    ):
        buffer = io.BytesIO()
        small.save(buffer, fmt)
        encoded[media_type] = [buffer.getvalue()]
    buffer = io.BytesIO()
    small.save(buffer, "JPEG", quality=70)
    encoded["image/jpeg"].append(buffer.getvalue())
    return encoded


def recordings(folder) -> dict[str, list[bytes]]:
    """A real spoken question (Piper) as WAV, FLAC and OGG/Vorbis."""
    import soundfile

    wav = folder / "question.wav"
    spoken_question(wav, "Where is my coffee cup?", rate=16_000, lead_s=0.3, tail_s=0.3)
    samples, rate = soundfile.read(wav)
    encoded = {"audio/wav": [wav.read_bytes()]}
    for media_type, fmt in (("audio/flac", "FLAC"), ("audio/ogg", "OGG")):
        buffer = io.BytesIO()
        soundfile.write(buffer, samples, rate, format=fmt)
        encoded[media_type] = [buffer.getvalue()]
    return encoded


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    for media_type, examples in {**photos(), **recordings(folder)}.items():
        schemathesis.openapi.media_type(media_type, st.sampled_from(examples))
    with running_server(folder / "serve.log", *SERVER_OPTIONS) as base:
        yield base
    print(f"\nfuzzed: {sum(SEEN.values())} responses checked")
    for (label, status), count in sorted(SEEN.items()):
        print(f"  {label}: {status} x{count}")


@pytest.fixture(scope="module")
def api(server):
    schema = schemathesis.openapi.from_url(f"{server}/openapi.json")
    schema.config.update(base_url=server)
    schema.auth(refresh_interval=None)(SessionKeyAuth)  # no caching: each request names its own session
    return schema


@pytest.fixture(scope="module")
def known_ids(server) -> dict[str, str]:
    """A real session and answer, so that generated requests reach past the id lookup too."""
    jpeg = ("coffee.jpg", SAMPLE_IMAGE.read_bytes(), "image/jpeg")
    response = httpx.post(f"{server}/v1/describe", files={"image": jpeg}, timeout=700)
    assert response.status_code == 200, response.text
    described = response.json()
    remember_key(response)
    audio_id = described["audio_url"].removeprefix("/v1/audio/").removesuffix(".wav")
    return {"session_id": described["session_id"], "audio_id": audio_id}


BLANKS = " \t\n\v\f\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000\ufeff\u180e"


@given(text=st.text(max_size=600) | st.text(st.sampled_from(BLANKS + "a{}"), max_size=520))
@settings(derandomize=not FRESH_SEEDS, database=None, deadline=None, max_examples=300 * SCALE)
def test_a_typed_question_is_accepted_exactly_when_the_schema_says(text):
    """The multipart `text` of /ask is plain text (JSON-looking or not): the server's check and the documented schema
    agree on every string, including the characters JSON Schema and Python disagree are whitespace."""

    try:
        accepted = typed_question(text) == text
    except InputError:
        accepted = False
    assert accepted == jsonschema_rs.validator_for({"type": "string", **QUESTION_TEXT_SCHEMA}).is_valid(text)


def test_every_endpoint_is_fuzzed(api):
    served = {operation.ok().label for operation in api.get_all_operations()}
    assert served == set(OPERATIONS), "add the new endpoint to OPERATIONS (and its examples budget)"


@pytest.mark.parametrize("label", list(OPERATIONS))
def test_endpoint_conforms_to_its_schema(api, known_ids, label):
    method, path = label.split(" ", 1)
    operation = api[path][method]
    modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    strategies = [operation.as_strategy(generation_mode=mode) for mode in modes]
    real = {name: value for name, value in known_ids.items() if "{" + name + "}" in path}
    if real:  # half the requests name a real session or answer
        strategies += [operation.as_strategy(generation_mode=mode, path_parameters=real) for mode in modes]
    cases = st.one_of(*strategies)

    @given(case=cases)
    @settings(
        max_examples=OPERATIONS[label] * SCALE,
        derandomize=not FRESH_SEEDS,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def conforms(case):
        remember_key(case.call_and_validate(checks=CHECKS, timeout=700))

    conforms()


def test_stateful_links_between_sessions_and_questions(api, server):
    """Open a session (or describe), then use its id: info, questions, close; responses checked as above."""
    machine = api.as_state_machine()

    class Checked(machine):  # type: ignore[misc, valid-type]
        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs)

        def get_call_kwargs(self, case):
            return {"timeout": 700}

        def after_call(self, response, case):
            super().after_call(response, case)
            remember_key(response)

    run_state_machine_as_test(
        Checked,
        settings=settings(
            max_examples=SCALE,
            derandomize=not FRESH_SEEDS,
            stateful_step_count=4,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
    assert httpx.get(f"{server}/healthz", timeout=30).json()["status"] == "ready"
