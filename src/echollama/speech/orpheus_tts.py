"""Paper TTS: Orpheus 3B (`AquaLabs/Orpheus-3B-0.1-ft-Elise` by default) writes SNAC codes, SNAC 24 kHz plays them.

Audio streams out frame by frame while the LLM is still generating: ids -> 7-token frames -> windowed SNAC decode.
Generation is constrained to the audio code that is valid at each place in a frame (or end of speech between frames),
so a sampled stray token can never shift the frame alignment.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from echollama.errors import ModelError, missing_extra
from echollama.models.hub import local_model_dir
from echollama.models.torch_device import Placement, choose_placement, import_torch
from echollama.paper import PAPER_SNAC_MODEL, PAPER_TTS_DEFAULT, PAPER_TTS_MODELS, SNAC_SAMPLE_RATE
from echollama.speech.orpheus_tokens import (
    ORPHEUS_END_OF_SPEECH,
    ORPHEUS_FRAME_TOKENS,
    SNAC_CODEBOOK_SIZE,
    FrameAssembler,
    inference_prompt,
    token_offset,
)
from echollama.speech.snac_stream import SnacStreamDecoder

# Orpheus sampling as in the public Orpheus fine-tune inference examples; generation stops at end of speech.
ORPHEUS_GENERATION = {"temperature": 0.6, "top_p": 0.95, "repetition_penalty": 1.1, "max_new_tokens": 1200}

_DONE = object()


class OrpheusSynthesizer:
    sample_rate = SNAC_SAMPLE_RATE

    def __init__(self, model: str | Path = PAPER_TTS_MODELS[PAPER_TTS_DEFAULT], snac: str | Path = PAPER_SNAC_MODEL,
                 voice: str | None = None, placement: Placement | None = None,
                 generation: dict | None = None, seed: int = 0) -> None:
        self.name = f"orpheus:{Path(str(model)).name}"
        self._model_ref = model
        self._snac_ref = snac
        self._voice = voice
        self._placement = placement
        self._generation = {**ORPHEUS_GENERATION, **(generation or {})}
        self._seed = seed
        self._loaded = None
        self._lock = threading.Lock()
        self.last_frames = 0

    def load(self):
        with self._lock:
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
                    tokenizer = AutoTokenizer.from_pretrained(folder)
                    model = AutoModelForCausalLM.from_pretrained(folder, dtype=placement.dtype)
                    # SNAC stays in float32: it is small, and half precision audibly degrades its decoder.
                    snac = SNAC.from_pretrained(str(snac_folder)).eval().to(placement.device)
                except (OSError, ValueError, RuntimeError) as error:
                    raise ModelError(f"Orpheus could not load {folder} / {snac_folder}: {error}") from None
                model.to(placement.device).eval()
                if int(snac.sampling_rate) != SNAC_SAMPLE_RATE:
                    raise ModelError(f"{self._snac_ref} decodes at {snac.sampling_rate} Hz; Orpheus needs SNAC 24 kHz")
                self._loaded = (torch, tokenizer, model, snac, placement)
        return self._loaded

    def prompt_ids(self, text: str) -> list[int]:
        _, tokenizer, _, _, _ = self.load()
        spoken = f"{self._voice}: {text}" if self._voice else text  # multi-speaker checkpoints take "voice: text"
        return inference_prompt(tokenizer(spoken, add_special_tokens=True)["input_ids"])

    def synthesize(self, text: str) -> Iterator[np.ndarray]:
        """Yield float32 audio about one SNAC frame (85 ms) at a time, while Orpheus is still generating."""
        if not text.strip():
            return
        torch, tokenizer, model, snac, placement = self.load()
        ids = torch.tensor([self.prompt_ids(text)], device=placement.device)
        tokens: queue.Queue = queue.Queue()
        failure: list[BaseException] = []

        def generate() -> None:
            try:
                torch.manual_seed(self._seed)
                with torch.inference_mode():
                    model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), do_sample=True,
                                   streamer=_IdStreamer(tokens), logits_processor=_audio_only(ids.shape[-1]),
                                   eos_token_id=ORPHEUS_END_OF_SPEECH, pad_token_id=ORPHEUS_END_OF_SPEECH,
                                   **self._generation)
            except BaseException as error:  # re-raised in the caller's thread
                failure.append(error)
            finally:
                tokens.put(_DONE)

        with self._lock:  # one generation at a time on one model
            worker = threading.Thread(target=generate, name="orpheus-generate", daemon=True)
            worker.start()
            frames = FrameAssembler()
            decoder = SnacStreamDecoder(snac, placement.device)
            self.last_frames = 0
            while (token := tokens.get()) is not _DONE:
                codes = frames.push(token)
                if codes is None:
                    continue
                self.last_frames += 1
                audio = decoder.push(codes)
                if audio is not None:
                    yield audio
            worker.join()
            if failure:
                raise ModelError(f"Orpheus failed while generating speech: {failure[0]}")
            tail = decoder.flush()
            if tail is not None:
                yield tail


class _IdStreamer:
    """A transformers streamer that passes generated ids on (skipping the prompt, which arrives first)."""

    def __init__(self, out: queue.Queue) -> None:
        self._out = out
        self._prompt_seen = False

    def put(self, value) -> None:
        if not self._prompt_seen:
            self._prompt_seen = True
            return
        for token in value.reshape(-1).tolist():
            self._out.put(int(token))

    def end(self) -> None:
        pass


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
            allowed[:, start:start + SNAC_CODEBOOK_SIZE] = 0.0
            if slot == 0:
                allowed[:, ORPHEUS_END_OF_SPEECH] = 0.0
            return scores + allowed

    return LogitsProcessorList([AudioOnly()])
