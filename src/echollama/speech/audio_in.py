"""Spoken questions from files: any of WAV/FLAC/OGG/MP3/WebM at any rate and channel count -> 16 kHz mono speech.

soundfile (libsndfile) reads most files; PyAV (FFmpeg) takes the rest (WebM/Opus, M4A). soxr resamples; the Silero
VAD that faster-whisper ships finds the speech, so silence is trimmed and noise-only recordings are refused.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from echollama.errors import InputError, missing_extra
from echollama.input_files import read_input_file
from echollama.models.quiet import native_stderr_silenced
from echollama.speech.protocols import AudioClip

# Speech recognition runs at 16 kHz mono: Whisper's and the CMU Sphinx en-us model's native rate.
ASR_SAMPLE_RATE = 16_000

# A spoken question: refused beyond these (a question is seconds long; a 10-minute recording is a mistake).
MAX_QUESTION_AUDIO_S = 60.0

MAX_AUDIO_BYTES = 64 * 1024 * 1024

# PyAV decodes to at most this rate (FFmpeg resamples anything faster), so its length bound counts decoded samples
# whatever rate a header declares; a declared rate above MAX_DECLARED_RATE is a corrupt or hostile header.
MAX_DECODE_RATE = 48_000
MAX_DECLARED_RATE = 768_000

# Below this peak level (about -60 dBFS) a recording is treated as silence, without running the VAD.
SILENT_PEAK = 0.001

# Silero VAD (shipped inside faster-whisper) decides where speech is; a recording with none is refused.
VAD_THRESHOLD = 0.5

VAD_PAD_S = 0.15  # kept around the detected speech so trimming never clips a first or last consonant

MIN_SPEECH_S = 0.25  # shorter "speech" is a click or a cough

READABLE = "WAV, FLAC, OGG, MP3 or WebM"

# Headers beyond these are corrupt (studio audio stops at 384 kHz; 7.1.4 surround is 12 channels); they also bound
# how many samples a 60 s question can decode to, whatever rate a damaged header declares.
MAX_SAMPLE_RATE = 384_000
MAX_CHANNELS = 64

_BLOCK_FRAMES = 65_536


def load_audio(path: str | Path) -> AudioClip:
    """Read an audio file as 16 kHz mono, refusing missing, empty, huge, corrupt and non-audio files clearly."""
    data = read_input_file(path, "an audio file", MAX_AUDIO_BYTES)
    return decode_audio(data, str(path))


def decode_audio(data: bytes, source: str = "<upload>") -> AudioClip:
    """Decode audio bytes (a file or an upload), downmix to mono and resample to 16 kHz."""
    if not data:
        raise InputError(f"{source}: the file is empty (0 bytes)")
    decoded = _read_with_soundfile(data, source)
    if decoded is None:
        decoded = _read_with_pyav(data, source)
    samples, rate, channels = decoded
    if samples.size == 0:
        raise InputError(f"{source}: the file holds no audio samples")
    if not np.all(np.isfinite(samples)):
        raise InputError(f"{source}: the audio is corrupt (it holds non-numeric samples)")
    return AudioClip(
        samples=to_speech_rate(samples, rate),
        sample_rate=ASR_SAMPLE_RATE,
        source=source,
        original_rate=rate,
        original_channels=channels,
    )


def to_speech_rate(samples: np.ndarray, rate: int) -> np.ndarray:
    """Mono float32 at the recognisers' 16 kHz (soxr's high-quality resampler)."""
    import soxr

    samples = np.asarray(samples, dtype=np.float32)
    if rate != ASR_SAMPLE_RATE:
        samples = soxr.resample(samples, rate, ASR_SAMPLE_RATE, quality="HQ").astype(np.float32)
    return np.ascontiguousarray(samples)


def _too_long(source: str, seconds: float) -> InputError:
    return InputError(
        f"{source}: the recording is {seconds:.0f} s long; a spoken question may last at most "
        f"{MAX_QUESTION_AUDIO_S:.0f} s"
    )


def _read_with_soundfile(data: bytes, source: str) -> tuple[np.ndarray, int, int] | None:
    """Samples, rate and channels; None when libsndfile does not recognise the format (PyAV gets a try)."""
    import soundfile

    try:
        with native_stderr_silenced():
            handle = soundfile.SoundFile(io.BytesIO(data))
    except (soundfile.LibsndfileError, RuntimeError, TypeError, ValueError):
        return None
    with handle:
        rate, channels = _checked_header(source, handle.samplerate, handle.channels)
        # The header's length is checked before anything is decoded: a long file is refused cheaply.
        if handle.seekable() and handle.frames > MAX_QUESTION_AUDIO_S * rate:
            raise _too_long(source, handle.frames / rate)
        pieces: list[np.ndarray] = []
        decoded = 0
        try:
            # Read in blocks, counting what really decodes: a header's frame count can lie (and some codecs, e.g.
            # G.721 ADPCM, are not seekable and have none), so nothing is allocated from it.
            while True:
                with native_stderr_silenced():  # libmpg123 prints warnings about damaged MP3 headers to fd 2
                    block = handle.read(_BLOCK_FRAMES, dtype="float32", always_2d=True)
                if not len(block):
                    break
                with np.errstate(invalid="ignore", over="ignore"):  # inf/NaN samples are refused below
                    pieces.append(block.mean(axis=1))
                decoded += len(block)
                if decoded > MAX_QUESTION_AUDIO_S * rate:
                    raise _too_long(source, decoded / rate)
        except (soundfile.LibsndfileError, RuntimeError, ValueError, OverflowError, MemoryError) as error:
            raise InputError(f"{source}: the audio is truncated or corrupt ({error})") from None
    return (np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)), rate, channels


def _checked_header(source: str, rate: int, channels: int, max_rate: int = MAX_SAMPLE_RATE) -> tuple[int, int]:
    """The header's rate and channel count, refused when no real recording could have them."""
    if not 0 < rate <= max_rate:
        raise InputError(f"{source}: the audio header is corrupt (sample rate {rate} Hz)")
    if not 0 < channels <= MAX_CHANNELS:
        raise InputError(f"{source}: the audio header is corrupt ({channels} channels)")
    return rate, channels


def _read_with_pyav(data: bytes, source: str) -> tuple[np.ndarray, int, int]:
    try:
        import av
    except ImportError:
        raise missing_extra("av", "embedded") from None
    try:
        container = av.open(io.BytesIO(data))
    except (av.error.FFmpegError, ValueError, UnicodeDecodeError, OverflowError):
        raise InputError(f"{source}: not a readable audio file (corrupt, or not {READABLE})") from None
    with container:
        stream = next((s for s in container.streams if s.type == "audio"), None)
        if stream is None:
            raise InputError(f"{source}: the file has no audio track")
        declared, channels = int(getattr(stream, "rate", 0) or 0), int(getattr(stream, "channels", 1) or 1)
        if declared <= 0:
            raise InputError(f"{source}: the audio stream has no sample rate (corrupt?)")
        # FFmpeg does the downmix to mono float (and brings fast rates down to 48 kHz); soxr then resamples to
        # 16 kHz, as for every other file. The bound counts the samples decoded, at a rate we chose.
        declared, channels = _checked_header(source, declared, channels, max_rate=MAX_DECLARED_RATE)
        rate = min(declared, MAX_DECODE_RATE)
        mono = av.AudioResampler(format="flt", layout="mono", rate=rate)
        pieces: list[np.ndarray] = []
        decoded = 0
        try:
            for frame in container.decode(stream):  # type: ignore[union-attr]
                for converted in mono.resample(frame):  # type: ignore[arg-type]
                    pieces.append(converted.to_ndarray().reshape(-1))
                    decoded += pieces[-1].size
                if decoded > MAX_QUESTION_AUDIO_S * rate:  # some WebM files carry no duration: count as we go
                    raise _too_long(source, decoded / rate)
        except (av.error.FFmpegError, ValueError, OverflowError, MemoryError) as error:
            raise InputError(f"{source}: the audio is truncated or corrupt ({error})") from None
    samples = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)
    return samples, rate, channels


def trim_to_speech(clip: AudioClip) -> AudioClip:
    """Cut leading and trailing silence; refuse silent and speechless (noise-only) recordings."""
    samples = clip.samples
    peak = float(np.abs(samples).max()) if samples.size else 0.0
    if peak < SILENT_PEAK:
        raise InputError(f"{clip.source}: the recording is silent; nothing to transcribe")
    spans = speech_spans(samples)
    if not spans or sum(end - start for start, end in spans) < MIN_SPEECH_S * ASR_SAMPLE_RATE:
        raise InputError(f"{clip.source}: no speech found in the recording (only noise or silence?)")
    pad = int(VAD_PAD_S * ASR_SAMPLE_RATE)
    start, end = max(0, spans[0][0] - pad), min(samples.size, spans[-1][1] + pad)
    return AudioClip(
        samples=np.ascontiguousarray(samples[start:end]),
        sample_rate=clip.sample_rate,
        source=clip.source,
        original_rate=clip.original_rate,
        original_channels=clip.original_channels,
        trimmed_s=(samples.size - (end - start)) / clip.sample_rate,
    )


def speech_spans(samples: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) sample indices of speech at 16 kHz, from the Silero VAD bundled with faster-whisper."""
    try:
        from faster_whisper.vad import VadOptions, get_speech_timestamps
    except ImportError:
        raise missing_extra("faster-whisper", "embedded") from None
    # No padding here (trim_to_speech pads once) and short pauses do not split a question into pieces.
    options = VadOptions(
        threshold=VAD_THRESHOLD,
        min_speech_duration_ms=int(MIN_SPEECH_S * 1000) // 2,
        min_silence_duration_ms=300,
        speech_pad_ms=0,
    )
    return [(int(s["start"]), int(s["end"])) for s in get_speech_timestamps(samples, options)]


def load_question_audio(path: str | Path) -> AudioClip:
    """A spoken question from a file, decoded, resampled and trimmed to its speech."""
    return trim_to_speech(load_audio(path))
