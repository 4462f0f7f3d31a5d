"""Speaking while the LLM is still writing: sentences go to a TTS thread as soon as each one is complete.

Generation (main thread) and synthesis (worker thread) overlap, so the first sentence is heard after one sentence of
generation instead of the whole answer. `speak_text` is the non-streaming baseline the benchmark compares against.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

from echollama.speech.protocols import SpeechSynthesizer
from echollama.speech.sentences import clean_for_speech, split_sentences

AudioSink = Callable[[np.ndarray], None]
_DONE = object()
_PAUSE_S = 0.2  # silence after each sentence; Piper itself leaves none between separately spoken sentences


@dataclass
class SpeechResult:
    text: str  # everything the LLM produced, as produced
    sentences: list[str] = field(default_factory=list)
    first_audio_at: float | None = None  # perf_counter() when the first audio chunk reached the sink
    audio_seconds: float = 0.0
    synthesis_s: float = 0.0


def speak_stream(pieces: Iterable[str], tts: SpeechSynthesizer, sink: AudioSink,
                 on_text: Callable[[str], None] | None = None) -> SpeechResult:
    """Consume LLM pieces, speaking each finished sentence on a worker thread; returns when all audio is out."""
    result = SpeechResult(text="")
    sentences: queue.Queue = queue.Queue()
    failure: list[BaseException] = []
    stop = threading.Event()

    def synthesize_worker() -> None:
        try:
            while (sentence := sentences.get()) is not _DONE:
                if stop.is_set():
                    continue
                _speak_one(sentence, tts, sink, result)
        except BaseException as error:  # re-raised in the caller's thread
            failure.append(error)
            stop.set()

    worker = threading.Thread(target=synthesize_worker, name="tts", daemon=True)
    worker.start()
    try:
        for sentence in split_sentences(_recording(pieces, result, on_text, stop)):
            result.sentences.append(sentence)
            sentences.put(sentence)
    except BaseException:
        stop.set()
        raise
    finally:
        sentences.put(_DONE)
        worker.join()
    if failure:
        raise failure[0]
    return result


def speak_text(text: str, tts: SpeechSynthesizer, sink: AudioSink) -> SpeechResult:
    """Speak a finished text (the paper's sequential way: whole answer first, then the whole speech)."""
    result = SpeechResult(text=text)
    spoken = clean_for_speech(text)
    if spoken:
        result.sentences.append(spoken)
        _speak_one(spoken, tts, sink, result)
    return result


def _recording(pieces: Iterable[str], result: SpeechResult, on_text, stop: threading.Event) -> Iterator[str]:
    for piece in pieces:
        if stop.is_set():
            break
        result.text += piece
        if on_text is not None:
            on_text(piece)
        yield piece


def _speak_one(sentence: str, tts: SpeechSynthesizer, sink: AudioSink, result: SpeechResult) -> None:
    start = time.perf_counter()
    for samples in tts.synthesize(sentence):
        sink(samples)
        if result.first_audio_at is None and samples.size:
            result.first_audio_at = time.perf_counter()
        result.audio_seconds += samples.size / tts.sample_rate
    sink(np.zeros(int(_PAUSE_S * tts.sample_rate), dtype=np.float32))
    result.synthesis_s += time.perf_counter() - start
