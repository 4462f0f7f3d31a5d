"""Fallback speech recognition: CMU PocketSphinx with the en-us model inside the `pocketsphinx` wheel.

Less accurate than Whisper (DESIGN.md: WER 24-26 %) but tiny; used only when chosen with `--asr sphinx`, never silently.
"""

from __future__ import annotations

import threading
import time

from echollama.errors import InputError, ModelError, missing_extra
from echollama.speech.protocols import AudioClip, Transcript
from echollama.speech.whisper_asr import pcm16


class SphinxRecognizer:
    name = "pocketsphinx-en-us"

    def __init__(self) -> None:
        self._decoder = None
        self._lock = threading.Lock()  # a Decoder holds one utterance at a time

    def load(self):
        with self._lock:
            if self._decoder is None:
                try:
                    import pocketsphinx
                except ImportError:
                    raise missing_extra("pocketsphinx", "embedded") from None
                try:
                    # The wheel's default model is US English at 16 kHz, the rate audio_in delivers. SpeechRecognition's
                    # recognize_sphinx would rebuild this decoder on every call, so we keep one.
                    self._decoder = pocketsphinx.Decoder(samprate=16000, loglevel="FATAL")
                except (RuntimeError, ValueError) as error:
                    raise ModelError(f"pocketsphinx could not load its en-us model: {error}") from None
        return self._decoder

    def transcribe(self, audio: AudioClip) -> Transcript:
        if audio.sample_rate != 16000:
            raise ValueError("pocketsphinx's en-us model takes 16 kHz audio")
        decoder = self.load()
        start = time.perf_counter()
        with self._lock:
            decoder.start_utt()
            decoder.process_raw(pcm16(audio.samples), no_search=False, full_utt=True)
            decoder.end_utt()
            hypothesis = decoder.hyp()
        text = " ".join(hypothesis.hypstr.split()) if hypothesis is not None else ""
        if not text:
            raise InputError(f"{audio.source}: no words were recognised in the recording")
        return Transcript(text=text, backend=self.name, audio_s=audio.seconds, transcribe_s=time.perf_counter() - start)
