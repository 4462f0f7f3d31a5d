"""Paper TTS: Orpheus 3B (`AquaLabs/Orpheus-3B-0.1-ft-Elise` by default) writes SNAC codes, SNAC 24 kHz plays them.

Audio streams out frame by frame while the LLM is still generating: ids -> 7-token frames -> windowed SNAC decode.
Generation is constrained to the audio code that is valid at each place in a frame (or end of speech between frames),
so a sampled stray token can never shift the frame alignment. Long text is spoken in sentence-sized chunks, each
with a token budget scaled to its length; a chunk that meets its budget before end of speech is logged as cut.
Closing the audio iterator stops generate and joins its worker before the model lock is released.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from echollama.errors import ModelError, missing_extra
from echollama.models.generate_thread import GenerateThread
from echollama.models.hub import local_model_dir
from echollama.models.torch_device import PRETRAINED_LOAD_LOCK, Placement, choose_placement, import_torch
from echollama.paper import PAPER_SNAC_MODEL, PAPER_TTS_DEFAULT, PAPER_TTS_MODELS, SNAC_SAMPLE_RATE
from echollama.speech.orpheus_tokens import (
    ORPHEUS_END_OF_SPEECH,
    ORPHEUS_FRAME_TOKENS,
    SNAC_CODEBOOK_SIZE,
    FrameAssembler,
    inference_prompt,
    token_offset,
)
from echollama.speech.sentences import split_sentences
from echollama.speech.snac_stream import SnacStreamDecoder

# Orpheus sampling as in the public Orpheus fine-tune inference examples; generation stops at end of speech.
ORPHEUS_GENERATION = {"temperature": 0.6, "top_p": 0.95, "repetition_penalty": 1.1}

logger = logging.getLogger(__name__)
_DONE = object()

# Orpheus writes 7 tokens per SNAC frame of 2048 samples at 24 kHz: about 82 tokens per second of speech. Each chunk
# may speak for 2 s plus 0.15 s per character (Orpheus voices say about 14 characters a second, i.e. 0.07 s each),
# so a chunk that ends normally never meets its budget; one that does is reported as cut.
SAMPLES_PER_FRAME = 2048
BUDGET_SECONDS_PER_CHARACTER = 0.15
BUDGET_SECONDS_EXTRA = 2.0


def token_budget(text: str) -> int:
    """max_new_tokens for speaking `text`: whole frames covering a generous duration for its length."""
    seconds = BUDGET_SECONDS_EXTRA + BUDGET_SECONDS_PER_CHARACTER * len(text)
    return math.ceil(seconds * SNAC_SAMPLE_RATE / SAMPLES_PER_FRAME) * ORPHEUS_FRAME_TOKENS


@dataclass
class OrpheusSpeech:
    """One synthesis: iterate it for float32 audio; the other fields fill in as it plays (per call, not per model)."""

    chunks: list[str]  # the sentence-sized texts Orpheus was given, one generation each
    frames: int = 0  # SNAC frames decoded so far
    cut_chunks: list[str] = field(default_factory=list)  # chunks that stopped without end of speech
    token_times: list[float] = field(default_factory=list)  # perf_counter() of each token as generate produced it
    audio: Generator[np.ndarray, None, None] = field(init=False)

    def __iter__(self) -> Iterator[np.ndarray]:
        return self.audio

    def close(self) -> None:
        """Stop generating; returns once the model is free again."""
        self.audio.close()


class OrpheusSynthesizer:
    sample_rate = SNAC_SAMPLE_RATE

    def __init__(
        self,
        model: str | Path = PAPER_TTS_MODELS[PAPER_TTS_DEFAULT],
        snac: str | Path = PAPER_SNAC_MODEL,
        voice: str | None = None,
        placement: Placement | None = None,
        generation: dict | None = None,
        seed: int = 0,
        max_new_tokens: int | None = None,
    ) -> None:
        """`generation`: sampling settings over ORPHEUS_GENERATION's; `max_new_tokens` caps each chunk's budget
        (which is otherwise scaled to the chunk's text)."""
        self.name = f"orpheus:{Path(str(model)).name}"
        self._model_ref = model
        self._snac_ref = snac
        self._voice = voice
        self._placement = placement
        sampling = {**ORPHEUS_GENERATION, **(generation or {})}
        if generation and "max_new_tokens" in generation:
            raise ValueError("give Orpheus's token cap as max_new_tokens=..., not in the sampling settings")
        self._max_new_tokens = max_new_tokens
        self._generation = sampling
        self._seed = seed
        self._loaded: tuple[Any, ...] | None = None  # torch, tokenizer, model, SNAC, placement: loaded on first use
        self._load_lock = threading.Lock()
        self.generate_lock = threading.Lock()  # one model, one generation at a time

    def load(self):
        with self._load_lock:
            if self._loaded is None:
                torch = import_torch()
                try:
                    from snac import SNAC
                except ImportError:
                    raise missing_extra("snac", "paper") from None
                try:
                    from transformers import AutoModelForCausalLM, AutoTokenizer
                except ImportError:
                    raise missing_extra("transformers", "paper") from None
                folder = local_model_dir(self._model_ref)
                snac_folder = local_model_dir(self._snac_ref)
                placement = self._placement or choose_placement()
                try:
                    with PRETRAINED_LOAD_LOCK:
                        tokenizer = AutoTokenizer.from_pretrained(folder)
                        model: Any = AutoModelForCausalLM.from_pretrained(folder, dtype=placement.dtype)
                        model.to(placement.device).eval()
                        # SNAC stays in float32: it is small, and half precision audibly degrades its decoder.
                        snac = SNAC.from_pretrained(str(snac_folder)).eval().to(placement.device)
                except (OSError, ValueError, RuntimeError) as error:
                    raise ModelError(f"Orpheus could not load {folder} / {snac_folder}: {error}") from None
                if int(snac.sampling_rate) != SNAC_SAMPLE_RATE:
                    raise ModelError(f"{self._snac_ref} decodes at {snac.sampling_rate} Hz; Orpheus needs SNAC 24 kHz")
                self._loaded = (torch, tokenizer, model, snac, placement)
        return self._loaded

    def prompt_ids(self, text: str) -> list[int]:
        _, tokenizer, _, _, _ = self.load()
        spoken = f"{self._voice}: {text}" if self._voice else text  # multi-speaker checkpoints take "voice: text"
        return inference_prompt(tokenizer(spoken, add_special_tokens=True)["input_ids"])

    def synthesize(self, text: str, rate: float = 1.0) -> Iterator[np.ndarray]:
        """Yield float32 audio about one SNAC frame (85 ms) at a time, while Orpheus is still generating.

        Orpheus has no speaking-rate control, so `rate` != 1 resamples its audio: faster, and higher by the same
        factor (x2 is an octave up). A pitch-preserving stretch would need librosa or a hand-made WSOLA."""
        audio = self.speak(text).audio
        return audio if rate == 1.0 else _resampled(audio, rate, self.sample_rate)

    def speak(self, text: str) -> OrpheusSpeech:
        """Like `synthesize`, with an account of the run: chunks, frames, chunks cut short, token time stamps."""
        speech = OrpheusSpeech(chunks=list(split_sentences([text])))
        speech.audio = self._audio(speech)
        return speech

    def _audio(self, speech: OrpheusSpeech) -> Generator[np.ndarray, None, None]:
        if not speech.chunks:
            return
        self.load()
        with self.generate_lock:  # held for the whole text: its chunks play in order
            for index, chunk in enumerate(speech.chunks):
                yield from self._chunk_audio(speech, index, chunk)

    def _chunk_audio(self, speech: OrpheusSpeech, index: int, chunk: str) -> Iterator[np.ndarray]:
        torch, _, model, snac, placement = self.load()
        ids = torch.tensor([self.prompt_ids(chunk)], device=placement.device)
        budget = token_budget(chunk)
        if self._max_new_tokens is not None:
            budget = min(budget, self._max_new_tokens)
        tokens: queue.Queue = queue.Queue()
        worker = GenerateThread(
            "orpheus-generate",
            model,
            dict(
                input_ids=ids,
                attention_mask=torch.ones_like(ids),
                do_sample=True,
                max_new_tokens=budget,
                streamer=_IdStreamer(tokens, speech.token_times),
                logits_processor=_audio_only(ids.shape[-1]),
                eos_token_id=ORPHEUS_END_OF_SPEECH,
                pad_token_id=ORPHEUS_END_OF_SPEECH,
                **self._generation,
            ),
            self._seed,
        )
        frames = FrameAssembler()
        decoder = SnacStreamDecoder(snac, placement.device)
        try:
            while (token := tokens.get()) is not _DONE:
                codes = frames.push(token)
                if codes is None:
                    continue
                speech.frames += 1
                audio = decoder.push(codes)
                if audio is not None:
                    yield audio
        finally:
            worker.close()  # on close() too: generate stops and is joined before the lock is released
        if worker.failure is not None:
            raise ModelError(f"Orpheus failed while generating speech: {worker.failure}")
        if not frames.finished:
            speech.cut_chunks.append(chunk)
            logger.warning(
                "Orpheus stopped chunk %d of %d (%r) at its %d-token budget without end of speech; "
                "its audio may be cut short",
                index + 1,
                len(speech.chunks),
                chunk,
                budget,
            )
        tail = decoder.flush()
        if tail is not None:
            yield tail


class _IdStreamer:
    """A transformers streamer that passes generated ids on (skipping the prompt, which arrives first)."""

    def __init__(self, out: queue.Queue, times: list[float]) -> None:
        self._out = out
        self._times = times
        self._prompt_seen = False

    def put(self, value) -> None:
        if not self._prompt_seen:
            self._prompt_seen = True
            return
        for token in value.reshape(-1).tolist():
            self._times.append(time.perf_counter())
            self._out.put(int(token))

    def end(self) -> None:
        self._out.put(_DONE)


def _audio_only(prompt_length: int):
    """A logits processor allowing, at generated position p, only audio codes for frame slot p % 7 (and end of
    speech at frame boundaries)."""
    import torch
    from transformers import LogitsProcessor, LogitsProcessorList

    class AudioOnly(LogitsProcessor):
        def __call__(self, input_ids, scores):
            slot = (input_ids.shape[-1] - prompt_length) % ORPHEUS_FRAME_TOKENS
            allowed = torch.full_like(scores, float("-inf"))
            start = token_offset(slot)
            allowed[:, start : start + SNAC_CODEBOOK_SIZE] = 0.0
            if slot == 0:
                allowed[:, ORPHEUS_END_OF_SPEECH] = 0.0
            return scores + allowed

    return LogitsProcessorList([AudioOnly()])


def _resampled(chunks: Iterator[np.ndarray], rate: float, sample_rate: int) -> Iterator[np.ndarray]:
    """`chunks` played `rate` times faster: read as if recorded at rate x sample_rate, streamed without seams."""
    import soxr

    stream = soxr.ResampleStream(sample_rate * rate, sample_rate, 1, dtype="float32")
    try:
        for chunk in chunks:
            out = stream.resample_chunk(chunk)
            if out.size:
                yield out
        tail = stream.resample_chunk(np.zeros(0, dtype=np.float32), last=True)
        if tail.size:
            yield tail
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
