"""`read`: all the text in a photo in reading order, aloud, framing advice first and any QR codes or barcodes after;
no LLM: the profile's voice and page readers, nothing of the pipeline's (`echollama read`, the server's /read)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from echollama.models.background_load import in_background
from echollama.profiles import Profile
from echollama.scene.image import LoadedImage, decoded_while
from echollama.speech.streaming import AudioSink, speak
from echollama.speech.wav_out import WavWriter, check_output_path
from echollama.types import Reading

NO_TEXT_READ = "I cannot read any text in this picture."


def read_aloud(
    profile: Profile,
    image: str | Path | LoadedImage,
    output: str | Path | None = None,
    sink: AudioSink | None = None,
    on_text: Callable[[str], None] | None = None,
    cancel: threading.Event | None = None,
    rate: float = 1.0,
    status: Callable[[str], None] | None = None,
) -> Reading:
    """Read all the text in the image in reading order, aloud into `output` (a WAV) or `sink`; no LLM."""
    from echollama.language.code_phrases import code_sentences, not_printed_codes
    from echollama.language.text_phrases import spoken_reading
    from echollama.scene.framing import framing_advice, sharpness
    from echollama.scene.reading_order import columns_for_json, reading_text

    start = time.perf_counter()
    if output is not None:
        check_output_path(output)
    reader = profile.page_reader()
    loads = [
        in_background(load, f"load-{name}")
        for name, load in (("tts", getattr(profile.tts, "load", None)), ("text", getattr(reader, "load", None)))
        if load
    ]
    image = decoded_while(image, loads)
    for future in loads:
        future.result()
    if status is not None:
        status("reading the text")
    regions, seen = reader.read_lines(image) if hasattr(reader, "read_lines") else (reader.read(image), [])
    codes = tuple(profile.page_code_reader().read(image))
    read_s = time.perf_counter() - start
    # Framing advice first: a listener told the text runs off an edge can reframe before hearing the rest.
    # A code read whole shows the picture is sharp enough, whatever its sharpness score says.
    framing = framing_advice(seen, image.width, image.height, None if codes else sharpness(image.rgb))
    said = [framing, spoken_reading(not_printed_codes(regions, codes)), *code_sentences(codes)]
    spoken = " ".join(piece for piece in said if piece) or NO_TEXT_READ
    if output is not None:
        with WavWriter(output, profile.tts.sample_rate) as wav:
            result = speak([spoken], profile.tts, wav.write, on_text=on_text, cancel=cancel, start=start, rate=rate)
    else:
        quiet = sink or (lambda samples: None)
        result = speak([spoken], profile.tts, quiet, on_text=on_text, cancel=cancel, start=start, rate=rate)
    timings = {
        "read_s": read_s,
        "first_audio_s": result.first_audio_s or 0.0,
        "total_s": time.perf_counter() - start,
        "audio_s": result.audio_seconds,
    }
    return Reading(
        source=image.source,
        width=image.width,
        height=image.height,
        regions=regions,
        columns=columns_for_json(regions),
        text=reading_text(regions),
        spoken=spoken,
        audio_path=str(Path(output)) if output is not None else None,
        timings=timings,
        codes=codes,
        framing=framing,
    )
