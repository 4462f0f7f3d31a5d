"""The one way an answer is spoken: text pieces in, sentences synthesised on a worker thread, audio out to a sink.

Generation (caller's thread) and synthesis (worker thread) overlap, so the first sentence is heard after one sentence
of generation instead of the whole answer. `stream=False` is the paper's sequential way (the whole answer, then its
speech), kept for the benchmark. A sink is any callable taking float32 chunks: a WAV writer, a WebSocket, memory.
A cancel event stops both generation and synthesis between two pieces or chunks.
Each sentence keeps the direction of the text it came from (PlacedText): `on_sentence` hears of it just before its
audio, and `spatial=True` pans its audio there, so the sink receives (n, 2) stereo frames instead of mono samples.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

from echollama.speech.panning import pan_field, stereo
from echollama.speech.protocols import SpeechSynthesizer
from echollama.speech.rate import check_rate
from echollama.speech.sentences import clean_for_speech, placed_sentences
from echollama.types import PlacedText

AudioSink = Callable[[np.ndarray], None]
# Told of each sentence just before its first audio: the sentence (its `azimuth_deg` says where it is from).
OnSentence = Callable[[PlacedText], None]
_DONE = object()
_PAUSE_S = 0.2  # silence after each sentence; Piper itself leaves none between separately spoken sentences


class Cancel(threading.Event):
    """A cancel event that can also say the listener stopped the answer, and how much of its audio they had heard.

    `set()` alone (a timed-out request, a client that left) means "stop"; `stop(heard_s)` is a barge-in or Stop.
    """

    def __init__(self) -> None:
        super().__init__()
        self.by_listener = False
        self.heard_s: float | None = None

    def stop(self, heard_s: float | None = None) -> None:
        if not self.is_set():
            self.by_listener, self.heard_s = True, heard_s
        self.set()


class Cancelled(Exception):
    """Speaking was stopped by its cancel event (barge-in, Stop, a timed-out request, a client that left).

    `result` holds what had been spoken into the sink by then; `heard` is set by `Pipeline.speak` to what the
    listener heard (recorded in the conversation as an interrupted turn).
    """

    def __init__(self, message: str, result: SpeechResult | None = None, by_listener: bool = False) -> None:
        super().__init__(message)
        self.result = result
        self.by_listener = by_listener
        self.heard = ""


@dataclass
class SpeechResult:
    """What was spoken and when: times are seconds from `start` (the caller's clock, perf_counter)."""

    text: str  # everything the pieces said, as produced
    sentences: list[str] = field(default_factory=list)
    spoken_at: list[float] = field(default_factory=list)  # when each sentence's first audio reached the sink
    azimuths: list[float | None] = field(default_factory=list)  # where each sentence is heard from (None: centre)
    first_text_s: float | None = None
    first_audio_s: float | None = None
    audio_seconds: float = 0.0
    synthesis_s: float = 0.0
    cancelled: bool = False
    # Where each sentence lies in the audio handed to the sink (seconds from its first sample, pauses included),
    # so a listener's "I heard 3.2 s of it" maps back to words.
    spans: list[tuple[float, float]] = field(default_factory=list)
    sent_s: float = 0.0  # audio handed to the sink so far, pauses included

    def to_dict(self) -> dict:
        return {
            # at_s: when its audio reached the sink (from `start`); audio_s: where it lies in that audio (audio_at_s:
            # its beginning, for the page's panner); azimuth_deg/pan: where it is heard from
            "sentences": [
                {
                    "text": s,
                    "at_s": round(t, 3),
                    "audio_s": [round(begin, 3), round(end, 3)],
                    "audio_at_s": round(begin, 3),
                    "azimuth_deg": None if azimuth is None else round(azimuth, 1),
                    "pan": pan_field(azimuth),
                }
                for s, t, (begin, end), azimuth in zip(self.sentences, self.spoken_at, self.spans, self.azimuths)
            ],
            "first_text_s": self.first_text_s,
            "first_audio_s": self.first_audio_s,
            "audio_s": round(self.audio_seconds, 3),
            "tts_s": round(self.synthesis_s, 3),
        }


def speak(
    pieces: Iterable[str],
    tts: SpeechSynthesizer,
    sink: AudioSink,
    on_text: Callable[[str], None] | None = None,
    stream: bool = True,
    cancel: threading.Event | None = None,
    start: float | None = None,
    on_sentence: OnSentence | None = None,
    spatial: bool = False,
    rate: float = 1.0,
) -> SpeechResult:
    """Speak `pieces` into `sink` at `rate` x the voice's pace (speech/rate.py); returns when all audio is out.
    Raises `Cancelled` when `cancel` is set."""
    start = time.perf_counter() if start is None else start
    cancel = cancel or threading.Event()
    result = SpeechResult(text="")
    pieces = _until_cancelled(pieces, cancel)
    voice = _Voice(tts, sink, result, cancel, start, on_sentence, spatial, check_rate(rate))
    try:
        if stream:
            _speak_streaming(pieces, voice, on_text)
        else:  # the whole answer as one utterance: it has no one direction
            text = "".join(_recording(pieces, result, None, start))
            if on_text is not None:
                on_text(text)
            spoken = clean_for_speech(text)
            if spoken:
                voice.speak(PlacedText(spoken))
    finally:
        close = getattr(pieces, "close", None)
        if close is not None:
            close()  # stops the generator chain now: the LLM's lock is released before we return
    if cancel.is_set():
        result.cancelled = True
        raise Cancelled("stopped", result, by_listener=getattr(cancel, "by_listener", False))
    return result


def heard_of(sentences: list[dict], heard_s: float) -> str:
    """`heard_text` for an answer already spoken, from its `sentences` (text and audio_s, as `to_dict` gives them)."""
    spans = [(float(s["audio_s"][0]), float(s["audio_s"][1])) for s in sentences]
    return heard_text(SpeechResult(text="", sentences=[s["text"] for s in sentences], spans=spans), heard_s)


def heard_text(result: SpeechResult, heard_s: float | None = None) -> str:
    """What the listener heard of a stopped answer: the sentences whose audio began before `heard_s` (all that
    reached the sink when it is None), the last one cut in proportion to the share of its audio played, with "…".
    """
    words: list[str] = []
    for sentence, (begin, end) in zip(result.sentences, result.spans):
        if heard_s is not None and heard_s <= begin:
            break
        if heard_s is None or heard_s >= end:
            words += sentence.split()
            continue
        share = (heard_s - begin) / (end - begin) if end > begin else 1.0
        cut = sentence.split()[: round(share * len(sentence.split()))]
        if cut:
            words += cut[:-1] + [cut[-1].rstrip(",;:.!?") + "…"]
        break
    return " ".join(words)


def _speak_streaming(pieces: Iterator[str], voice: _Voice, on_text) -> None:
    result, cancel, start = voice.result, voice.cancel, voice.start
    sentences: queue.Queue = queue.Queue()
    failure: list[BaseException] = []
    stop = threading.Event()

    def synthesize_worker() -> None:
        try:
            while (sentence := sentences.get()) is not _DONE:
                if not stop.is_set() and not cancel.is_set():
                    voice.speak(sentence)
        except BaseException as error:  # re-raised in the caller's thread
            failure.append(error)
            stop.set()

    worker = threading.Thread(target=synthesize_worker, name="tts", daemon=True)
    worker.start()
    try:
        for sentence in placed_sentences(_recording(pieces, result, on_text, start, stop)):
            sentences.put(sentence)
    except BaseException:
        stop.set()
        raise
    finally:
        sentences.put(_DONE)
        worker.join()
    if failure:
        raise failure[0]


def _until_cancelled(pieces: Iterable[str], cancel: threading.Event) -> Iterator[str]:
    iterator = iter(pieces)
    try:
        for piece in iterator:
            if cancel.is_set():
                return
            yield piece
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            close()


def _recording(
    pieces: Iterable[str], result: SpeechResult, on_text, start: float, stop: threading.Event | None = None
) -> Iterator[str]:
    for piece in pieces:
        if stop is not None and stop.is_set():
            break
        if result.first_text_s is None and piece.strip():
            result.first_text_s = time.perf_counter() - start
        result.text += piece
        if on_text is not None:
            on_text(piece)
        yield piece


class _Voice:
    """Synthesises one sentence at a time into the sink, from the sentence's direction when spatial."""

    def __init__(
        self,
        tts: SpeechSynthesizer,
        sink: AudioSink,
        result: SpeechResult,
        cancel: threading.Event,
        start: float,
        on_sentence: OnSentence | None,
        spatial: bool,
        rate: float = 1.0,
    ) -> None:
        self.tts, self.sink, self.result, self.cancel, self.start = tts, sink, result, cancel, start
        self.on_sentence = on_sentence
        self.spatial = spatial
        self.rate = rate

    def _out(self, samples: np.ndarray, azimuth: float | None) -> None:
        self.sink(stereo(samples, azimuth) if self.spatial else samples)
        self.result.sent_s += samples.size / self.tts.sample_rate

    def speak(self, sentence: PlacedText) -> None:
        tts, result, cancel = self.tts, self.result, self.cancel
        began = time.perf_counter()
        first = True
        for samples in tts.synthesize(str(sentence), self.rate):
            if cancel.is_set():
                break
            opening = first and samples.size > 0
            if opening:
                first = False
                if self.on_sentence is not None:  # before its audio: a listener's panner must be aimed first
                    self.on_sentence(sentence)
                result.spans.append((result.sent_s, result.sent_s))
            self._out(samples, sentence.azimuth_deg)
            if opening:
                at = time.perf_counter() - self.start
                result.sentences.append(str(sentence))
                result.azimuths.append(sentence.azimuth_deg)
                result.spoken_at.append(at)
                if result.first_audio_s is None:
                    result.first_audio_s = at
            result.audio_seconds += samples.size / tts.sample_rate
            if not first:
                result.spans[-1] = (result.spans[-1][0], result.sent_s)
        if not cancel.is_set():
            # a fast listener wants the pauses shortened with the words
            pause = np.zeros(int(_PAUSE_S / self.rate * tts.sample_rate), dtype=np.float32)
            self._out(pause, sentence.azimuth_deg)
        result.synthesis_s += time.perf_counter() - began


class MemorySink:
    """Keeps every chunk (for a WAV afterwards) and hands each one on (to a WebSocket)."""

    def __init__(self, on_audio: AudioSink | None = None) -> None:
        self.chunks: list[np.ndarray] = []
        self.on_audio = on_audio

    def __call__(self, samples: np.ndarray) -> None:
        self.chunks.append(samples)
        if self.on_audio is not None and samples.size:
            self.on_audio(samples)

    @property
    def samples(self) -> np.ndarray:
        return np.concatenate(self.chunks).astype(np.float32) if self.chunks else np.zeros(0, dtype=np.float32)
