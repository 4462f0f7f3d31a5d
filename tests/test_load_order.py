"""On two cores the first sound comes first: a fresh pipeline loads the voice and the detector at once, but the LLM
and the text reader only after the first sound (or when something needs them, or after a bound). Real models (the
tiny LLM); what is checked is the order of events, never a time."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from echollama import pipeline as pipeline_module
from echollama.config import GenerationSettings, PipelineConfig
from echollama.pipeline import Pipeline
from echollama.scene.image import LoadedImage
from rendered_text import SCENES, render_scene


@pytest.fixture(autouse=True)
def no_timer_release(monkeypatch):
    """The held-back loads also start after a bound in seconds; on a slow or busy machine the first sound can come
    later than that, which would turn these order checks into a race. Only the test of that bound shortens it."""
    monkeypatch.setattr(pipeline_module, "LATER_LOADS_WAIT_AT_MOST_S", 600.0)


def _exit_sign() -> LoadedImage:
    scene = next(s for s in SCENES if s.name == "exit")
    return LoadedImage(rgb=render_scene(scene), source="exit")


class Events:
    """When (monotonic seconds) each watched call first began."""

    def __init__(self) -> None:
        self.at: dict[str, float] = {}
        self._lock = threading.Lock()

    def mark(self, name: str) -> None:
        with self._lock:
            self.at.setdefault(name, time.monotonic())

    def watch(self, owner, method: str, name: str) -> None:
        real = getattr(owner, method)

        def watched(*args, **kwargs):
            self.mark(name)
            return real(*args, **kwargs)

        setattr(owner, method, watched)

    def sink(self, samples) -> None:
        if np.asarray(samples).size:
            self.mark("first audio")


def _watched_pipeline(**config) -> tuple[Pipeline, Events]:
    pipeline = Pipeline(PipelineConfig(llm="tiny", **config))
    events = Events()
    events.watch(pipeline.llm, "load", "llm load")
    events.watch(pipeline.analyzer.text_reader, "load", "text load")
    events.watch(pipeline.analyzer.text_reader, "read", "text read")
    return pipeline, events


def _answer(pipeline: Pipeline, events: Events, question: str | None = None):
    """Look at the exit sign, then describe it (or answer `question`) into the watching sink."""
    conversation = pipeline.conversation()
    conversation.start(pipeline.look(_exit_sign()))
    reply = conversation.describe("full") if question is None else conversation.ask(question)  # full: with the LLM
    return pipeline.speak(reply, events.sink)


def test_a_description_loads_the_llm_and_reads_text_only_after_its_first_sound():
    pipeline, events = _watched_pipeline()
    answer = _answer(pipeline, events)
    assert "EXIT" in answer.text and answer.used_llm  # the text was read and the LLM spoke after all
    assert events.at["first audio"] < events.at["text read"]
    assert events.at["first audio"] < events.at["llm load"]


def test_all_at_once_loads_the_llm_and_the_text_reader_before_the_first_sound():
    pipeline, events = _watched_pipeline(load_all_at_once=True)
    _answer(pipeline, events)
    assert events.at["llm load"] < events.at["first audio"]
    assert events.at["text load"] < events.at["first audio"]


def test_a_question_that_needs_the_text_does_not_wait_for_a_first_sound():
    pipeline, events = _watched_pipeline()
    answer = _answer(pipeline, events, "What does the sign say?")
    assert "EXIT" in answer.text
    assert events.at["text read"] < events.at["first audio"]  # waiting for the text opened its gate at once


def test_held_back_loads_start_by_themselves_when_no_sound_ever_comes(monkeypatch):
    monkeypatch.setattr(pipeline_module, "LATER_LOADS_WAIT_AT_MOST_S", 0.2)
    pipeline, events = _watched_pipeline()
    pipeline.look(_exit_sign())  # nothing is spoken and nobody asks for the LLM
    pipeline._loads["llm"].result(timeout=120)  # the LLM's own load, not `wait_loaded` (which would release it)
    assert "llm load" in events.at


def test_a_question_coming_first_has_the_text_read_at_once():
    pipeline, events = _watched_pipeline()
    pipeline.text_needed_first()  # as `echollama ask` does: its answer quotes any text in the picture
    answer = _answer(pipeline, events, "Where is the cup?")
    assert not answer.used_llm and "cup" in answer.text
    assert events.at["text read"] < events.at["first audio"]


def test_settling_before_any_sound_never_loads_the_llm():
    pipeline, events = _watched_pipeline()
    pipeline.look(_exit_sign())
    pipeline.settle()  # the command ends (an error, or an answer needing no LLM) before the LLM's load began
    assert pipeline._loads["llm"].done() and "llm load" not in events.at


def test_the_paper_prompt_holds_nothing_back(tmp_path):
    pipeline, events = _watched_pipeline(generation=GenerationSettings(max_tokens=16))
    pipeline.describe(_exit_sign(), tmp_path / "paper.wav", style="paper")  # its first sound is the LLM's
    assert events.at["llm load"] < events.at["text read"]
