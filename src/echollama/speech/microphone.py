"""Live questions from a microphone through SpeechRecognition (PyAudio), when this machine has one.

Without PyAudio or an input device this says so in one line; the chat session carries on with typed questions.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from echollama.errors import InputError, missing_extra
from echollama.speech.audio_in import ASR_SAMPLE_RATE, MAX_QUESTION_AUDIO_S
from echollama.speech.protocols import AudioClip

NO_MICROPHONE = (
    "no microphone is available{why}; type the question instead, or pass recordings with --audio FILE "
    "(ask) or --audio-dir DIR (chat)"
)
_WAIT_FOR_SPEECH_S = 8.0


def listen(status: Callable[[str], None] | None = None) -> AudioClip:
    """Record one spoken question (until a pause) from the default microphone, as 16 kHz mono."""
    try:
        import speech_recognition as sr
    except ImportError:
        raise missing_extra("SpeechRecognition", "embedded") from None
    try:
        microphone = sr.Microphone(sample_rate=ASR_SAMPLE_RATE)
    except AttributeError:  # SpeechRecognition's way of saying PyAudio is not installed
        raise InputError(NO_MICROPHONE.format(why=" (PyAudio is not installed)")) from None
    except OSError as error:
        raise InputError(NO_MICROPHONE.format(why=f" ({error})")) from None
    recognizer = sr.Recognizer()
    try:
        with microphone as source:
            recognizer.adjust_for_ambient_noise(source, duration=0.3)
            if status is not None:
                status("listening...")
            audio = recognizer.listen(source, timeout=_WAIT_FOR_SPEECH_S, phrase_time_limit=MAX_QUESTION_AUDIO_S)
    except sr.WaitTimeoutError:
        raise InputError(f"nothing was said within {_WAIT_FOR_SPEECH_S:.0f} s") from None
    except (OSError, AssertionError) as error:  # PyAudio reports a missing input device as either
        raise InputError(NO_MICROPHONE.format(why=f" ({error or 'no input device'})")) from None
    pcm = audio.get_raw_data(convert_rate=ASR_SAMPLE_RATE, convert_width=2)
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
    return AudioClip(
        samples=samples,
        sample_rate=ASR_SAMPLE_RATE,
        source="microphone",
        original_rate=ASR_SAMPLE_RATE,
        original_channels=1,
    )
