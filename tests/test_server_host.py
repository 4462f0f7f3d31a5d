"""What the server's model host shares between requests: the voice, locked per audio chunk (chunks go out as they are
made, a Stop cuts between two of them, answers take turns), and `serve --no-text`'s reader for /v1/read, built once.
"""

from __future__ import annotations

import threading

import numpy as np

from echollama.config import PipelineConfig
from echollama.pipeline import Pipeline
from echollama.server.host import LockedSynthesizer, shared_voice


class CountingVoice:
    """Three chunks a sentence; records what happened in order, and whether the lock was held while making each."""

    name = "counting"
    sample_rate = 16_000

    def __init__(self) -> None:
        self.events: list[str] = []
        self.lock: threading.Lock | None = None
        self.closed = 0

    def synthesize(self, text: str, rate: float = 1.0):
        try:
            for index in range(3):
                assert self.lock is not None and self.lock.locked(), "a chunk made outside the lock"
                self.events.append(f"made {text} {index}")
                yield np.full(4, index, np.float32)
        finally:
            self.closed += 1


def locked_voice() -> tuple[LockedSynthesizer, CountingVoice]:
    voice = CountingVoice()
    locked = LockedSynthesizer(voice)
    voice.lock = locked.lock
    return locked, voice


def test_each_chunk_goes_out_as_it_is_made_and_the_lock_is_free_in_between():
    locked, voice = locked_voice()
    for chunk in locked.synthesize("a"):
        voice.events.append(f"heard {int(chunk[0])}")
        assert not locked.lock.locked()  # the caller's work never holds the voice
    assert voice.events == ["made a 0", "heard 0", "made a 1", "heard 1", "made a 2", "heard 2"]


def test_two_answers_take_turns_chunk_by_chunk():
    locked, voice = locked_voice()
    first, second = locked.synthesize("a"), locked.synthesize("b")
    for _ in range(3):
        next(first)
        next(second)
    assert voice.events == ["made a 0", "made b 0", "made a 1", "made b 1", "made a 2", "made b 2"]


def test_a_stop_inside_a_sentence_ends_its_synthesis_at_once():
    locked, voice = locked_voice()
    chunks = locked.synthesize("a")
    next(chunks)
    chunks.close()  # what speak() does when the listener stops after the first chunk
    assert voice.events == ["made a 0"] and voice.closed == 1 and not locked.lock.locked()


def test_a_voice_that_locks_itself_for_a_whole_text_is_not_locked_again():
    class StreamingVoice(CountingVoice):
        generate_lock = threading.Lock()  # Orpheus: one generation running across its chunks

    streaming, plain = StreamingVoice(), CountingVoice()
    assert shared_voice(streaming) is streaming
    assert isinstance(shared_voice(plain), LockedSynthesizer)


def test_without_the_text_stage_read_builds_its_reader_once():
    pipeline = Pipeline(PipelineConfig(read_text=False))
    assert pipeline.analyzer.text_reader is None
    reader = pipeline.profile.page_reader()
    assert reader is pipeline.profile.page_reader()  # not a new 0.5 GB reader per /v1/read
