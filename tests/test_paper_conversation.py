"""A spoken conversation and the server on the `paper` profile, end to end, on tiny random checkpoints of the paper's architectures:
DETR, DPT, a Llama LLM (transformers), Orpheus + SNAC, Whisper. Only Moondream2 is replaced (see StandInCaptioner).

Run: .venv/bin/python -m pytest -q tests/test_paper_conversation.py
"""

from __future__ import annotations

import io
import json
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import numpy as np
import pytest
import soundfile

from echollama.samples import SAMPLE_IMAGE
from paper_checkpoints import build_whisper, tiny  # noqa: F401 (fixture)
from server_process import free_port
from spoken import write_spoken

pytestmark = pytest.mark.timeout(900)

QUESTION = "What kind of place is this?"  # names no object: the LLM answers it (no scene fact settles it)


class StandInCaptioner:
    """The one stand-in: Moondream2 runs its own remote Python code from the hub (trust_remote_code), which cannot be
    fetched offline and has no tiny random variant; every other stage is the real backend on a tiny checkpoint."""

    name = "stand-in captioner"

    def __init__(self) -> None:
        self.calls = 0

    def caption(self, image, detections) -> str:
        self.calls += 1
        return f"A photo {image.width} pixels wide."


def paper_env(checkpoints: dict[str, Path], whisper: Path, captioner_folder: Path) -> dict[str, str]:
    """Point every paper model at a local tiny checkpoint (a folder is enough for the captioner: it loads lazily)."""
    captioner_folder.mkdir(exist_ok=True)
    return {
        "ECHOLLAMA_PAPER_DETECTOR": str(checkpoints["detr"]),
        "ECHOLLAMA_PAPER_DEPTH": str(checkpoints["dpt"]),
        "ECHOLLAMA_PAPER_CAPTIONER": str(captioner_folder),
        "ECHOLLAMA_PAPER_LLM": str(checkpoints["llama"]),
        "ECHOLLAMA_PAPER_TTS": str(checkpoints["llama"]),
        "ECHOLLAMA_PAPER_SNAC": str(checkpoints["snac_small"]),
        "ECHOLLAMA_PAPER_ASR": str(whisper),
    }


@pytest.fixture(scope="module")
def whisper(tmp_path_factory) -> Path:
    import torch

    torch.manual_seed(0)  # the random Whisper's words depend on its weights: the same ones every run
    return build_whisper(tmp_path_factory.mktemp("whisper") / "whisper")


@pytest.fixture(scope="module")
def paper_pipeline(tiny, whisper, tmp_path_factory):  # noqa: F811 (fixture)
    from echollama.config import GenerationSettings, PipelineConfig
    from echollama.pipeline import Pipeline

    env = paper_env(tiny, whisper, tmp_path_factory.mktemp("moondream") / "moondream")
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        # Short answers keep Orpheus's (random, never-ending) speech short on a shared CPU.
        pipeline = Pipeline(PipelineConfig(profile="paper", generation=GenerationSettings(max_tokens=4)))
    pipeline.analyzer.captioner = StandInCaptioner()
    return pipeline


def test_paper_models_built_in_parallel_threads_all_load(tiny):  # noqa: F811 (fixture)
    """The profile loads its LLM, voice and perception in parallel threads; transformers' from_pretrained is not
    thread-safe (weights were left on the meta device), so the backends take turns building."""
    from echollama.language.transformers_llm import TransformersLLM
    from echollama.speech.orpheus_tts import OrpheusSynthesizer

    backends = [
        TransformersLLM(tiny["llama"]),
        TransformersLLM(tiny["llama"]),
        OrpheusSynthesizer(tiny["llama"], tiny["snac_small"]),
    ]
    failures: list[BaseException] = []

    def load(backend) -> None:
        try:
            backend.load()
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=load, args=(backend,)) for backend in backends]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert all(not p.is_meta for backend in backends for p in backend.load()[2].parameters())


def test_a_spoken_conversation_on_the_paper_profile(paper_pipeline, tmp_path):
    from echollama.paper import SYSTEM_PROMPT, USER_PROMPT_TEMPLATE
    from echollama.speech.wav_out import WavWriter
    from echollama.types import SpokenAnswer
    from echollama.voice_chat import VoiceChat

    chat = VoiceChat(paper_pipeline)
    opening = chat.open_image(SAMPLE_IMAGE)
    assert opening.kind == "summary" and opening.answer
    assert chat.scene.caption.startswith("A photo") and paper_pipeline.analyzer.captioner.calls == 1
    assert chat.scene.depth_unit == "inverse relative depth"

    wav_path = tmp_path / "conversation.wav"
    with WavWriter(wav_path, paper_pipeline.tts.sample_rate) as wav:
        typed = chat.ask(QUESTION, wav.write)
        recorded = chat.ask_audio(write_spoken(tmp_path / "question.wav", QUESTION), wav.write)
        described = chat.describe(wav.write)

    for answer in (typed, recorded, described):
        assert isinstance(answer, SpokenAnswer) and answer.llm == str(paper_pipeline.llm.name)
        assert answer.text and answer.used_llm  # the paper style speaks the LLM's words, however random
        assert answer.usage["completion_tokens"] > 0 and answer.usage["prompt_tokens"] > 0
        assert answer.timings["first_audio_s"] <= answer.timings["total_s"] and answer.timings["audio_s"] > 0
        assert answer.sentences
    assert (typed.kind, typed.source, typed.question) == ("question", "typed", QUESTION)
    assert (recorded.kind, recorded.source) == ("question", "audio file")
    # The random Whisper's words are whatever it decoded; they were the question the LLM was asked.
    assert recorded.transcript["text"] and recorded.question == recorded.transcript["text"]
    assert recorded.transcript["backend"].startswith("whisper-hf")
    assert recorded.messages[-1] == {"role": "user", "content": recorded.question}
    assert typed.messages[:2] == described.messages[:2]  # questions extend the paper's prompt

    # describe sends exactly the paper's [system, user] (§6.1): no legend, no summary turn, no extra instruction.
    scene = chat.scene
    from echollama.scene.grid import format_matrix

    user = USER_PROMPT_TEMPLATE.format(
        caption=scene.caption, matrix=format_matrix(scene.detections, scene.width, scene.height)
    )
    assert described.kind == "describe"
    assert described.messages == [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]

    info = soundfile.info(wav_path)
    assert info.samplerate == 24000 and paper_pipeline.tts.sample_rate == 24000  # Orpheus's SNAC 24 kHz
    speech_s = sum(a.timings["audio_s"] for a in (typed, recorded, described))
    from echollama.speech.streaming import _PAUSE_S

    pauses_s = _PAUSE_S * sum(len(a.sentences) for a in (typed, recorded, described))  # one after each sentence
    assert info.duration == pytest.approx(speech_s + pauses_s, abs=0.01)
    audio, _ = soundfile.read(wav_path, dtype="float32")
    assert np.abs(audio).max() > 0


@contextmanager
def serving(app):
    """`app` on a free loopback port by uvicorn, in this process (so the captioner can be swapped): its base URL."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning"))
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.1)
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=60)


def wait_until_ready(http: httpx.Client, timeout_s: float = 300) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        health = http.get("/healthz").json()
        assert health["status"] != "error", health
        if health["status"] == "ready":
            return health
        time.sleep(0.5)
    raise AssertionError(f"not ready after {timeout_s} s: {health}")


def assert_orpheus_wav(http: httpx.Client, url: str) -> None:
    response = http.get(url)
    assert response.status_code == 200 and response.headers["content-type"] == "audio/wav"
    samples, rate = soundfile.read(io.BytesIO(response.content))
    assert rate == 24000 and samples.size and np.abs(samples).max() > 0


def test_the_server_on_the_paper_profile(tiny, whisper, tmp_path, monkeypatch):  # noqa: F811 (fixture)
    from websockets.sync.client import connect

    from echollama.config import GenerationSettings, PipelineConfig
    from echollama.server.app import create_app
    from echollama.server.settings import ServerSettings

    for name, value in paper_env(tiny, whisper, tmp_path / "moondream").items():
        monkeypatch.setenv(name, value)
    config = PipelineConfig(profile="paper", generation=GenerationSettings(max_tokens=4))
    app = create_app(ServerSettings(pipeline=config, request_timeout_s=300))
    app.state.server.host.pipeline.analyzer.captioner = StandInCaptioner()  # before the server starts loading
    jpeg = ("coffee.jpg", SAMPLE_IMAGE.read_bytes(), "image/jpeg")
    with serving(app) as base, httpx.Client(base_url=base, timeout=300) as http:
        health = wait_until_ready(http)
        assert health["llm"] == str(tiny["llama"])
        opened = http.post("/v1/sessions", files={"image": jpeg})
        assert opened.status_code == 201, opened.text
        session = opened.json()["session_id"]
        assert opened.json()["scene"]["caption"].startswith("A photo")

        typed = http.post(f"/v1/sessions/{session}/ask", data={"text": QUESTION})
        assert typed.status_code == 200, typed.text
        assert typed.json()["question"] == QUESTION and typed.json()["answer"] and typed.json()["used_llm"]
        assert_orpheus_wav(http, typed.json()["audio_url"])

        recording = write_spoken(tmp_path / "question.wav", QUESTION).read_bytes()
        heard = http.post(f"/v1/sessions/{session}/ask", files={"audio": ("q.wav", recording, "audio/wav")})
        assert heard.status_code == 200, heard.text
        transcript = heard.json()["transcript"]
        assert transcript["text"] and transcript["backend"].startswith("whisper-hf")
        assert heard.json()["question"] == transcript["text"] and heard.json()["answer"]
        assert_orpheus_wav(http, heard.json()["audio_url"])

        frames, messages = [], []
        key = {"X-Session-Key": opened.json()["session_key"]}  # the session's own key opens its WebSocket
        with connect(
            base.replace("http://", "ws://") + f"/v1/sessions/{session}/stream",
            max_size=None,
            open_timeout=30,
            additional_headers=key,
        ) as socket:
            socket.send(json.dumps({"type": "ask", "text": QUESTION}))
            while not messages or messages[-1]["type"] not in ("done", "error"):
                message = socket.recv(timeout=300)
                if isinstance(message, bytes):
                    frames.append(message)
                else:
                    messages.append(json.loads(message))
        assert messages[0]["type"] == "start"  # each answer opens with its answer_id (barge-in names it)
        audio_format = {key: value for key, value in messages[1].items() if key != "answer_id"}
        assert audio_format == {"type": "audio_format", "encoding": "pcm_s16le", "channels": 1, "sample_rate": 24000}
        assert messages[-1]["type"] == "done", messages
        assert "".join(m["text"] for m in messages if m["type"] == "text").strip() == messages[-1]["answer"]
        assert frames and sum(len(f) for f in frames) / 2 / 24000 >= messages[-1]["audio_s"]  # 16-bit PCM at 24 kHz
        turns = http.get(f"/v1/sessions/{session}").json()["turns"]
        assert [t["kind"] for t in turns] == ["summary", "question", "question", "question"]
