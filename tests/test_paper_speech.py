"""Paper speech on tiny random checkpoints: SNAC 24 kHz decoding, streaming frame by frame, Orpheus end to end, Whisper.

Run: .venv/bin/python -m pytest -q tests/test_paper_speech.py
"""

import threading
import time

import numpy as np
import pytest

from echollama.errors import InputError, ModelError
from echollama.speech.orpheus_tokens import codes_to_tokens, tokens_to_codes
from echollama.speech.protocols import AudioClip
from echollama.speech.snac_stream import SnacStreamDecoder, decode_frames
from paper_checkpoints import SNAC_24KHZ, build_snac, build_whisper

FRAME = 2048  # samples per SNAC 24 kHz frame: hop 512 x level-0 stride 4
CAP = 24  # frames per Orpheus generation in these tests (7 tokens each)


def random_frames(count, seed=0):
    rng = np.random.default_rng(seed)
    tokens = codes_to_tokens(*(rng.integers(0, 4096, size=n * count) for n in (1, 2, 4)))
    return [tokens_to_codes(tokens[7 * i : 7 * i + 7]) for i in range(count)]


@pytest.fixture(scope="module")
def snac_small(tiny):
    from snac import SNAC

    return SNAC.from_pretrained(str(tiny["snac_small"]))


def test_snac_24khz_config_decodes_2048_samples_per_frame(tmp_path):
    from snac import SNAC

    snac = SNAC.from_pretrained(str(build_snac(tmp_path / "snac24", SNAC_24KHZ)))  # the real 24 kHz architecture
    assert snac.sampling_rate == 24000 and sum(p.numel() for p in snac.parameters()) > 19e6
    audio = decode_frames(snac, random_frames(2))
    assert audio.dtype == np.float32 and audio.shape == (2 * FRAME,) and np.isfinite(audio).all()


def test_streaming_decode_emits_each_frame_once_as_frames_arrive(snac_small):
    decoder = SnacStreamDecoder(snac_small)
    assert decoder.samples_per_frame == FRAME
    emitted = [decoder.push(frame) for frame in random_frames(6)]
    # Frame i is ready once frames i+1 and i+2 (its right context) have arrived.
    assert [None if a is None else a.size for a in emitted] == [None, None, FRAME, FRAME, FRAME, FRAME]
    tail = decoder.flush()
    assert tail.size == 2 * FRAME and decoder.flush() is None


def test_streaming_decode_of_a_short_clip_happens_at_flush(snac_small):
    decoder = SnacStreamDecoder(snac_small)
    assert all(decoder.push(frame) is None for frame in random_frames(2))
    assert decoder.flush().size == 2 * FRAME


def test_streamed_audio_matches_whole_decode_in_length(snac_small):
    frames = random_frames(5, seed=1)
    decoder = SnacStreamDecoder(snac_small)
    pieces = [a for a in (decoder.push(f) for f in frames) if a is not None] + [decoder.flush()]
    assert sum(p.size for p in pieces) == decode_frames(snac_small, frames).size == 5 * FRAME


@pytest.fixture(scope="module")
def orpheus(tiny):
    from echollama.models.torch_device import choose_placement
    from echollama.speech.orpheus_tts import OrpheusSynthesizer

    synthesizer = OrpheusSynthesizer(tiny["llama"], tiny["snac_small"], max_new_tokens=7 * CAP)
    synthesizer.load()
    assert str(synthesizer.load()[4]) == str(choose_placement())  # loaded where the device helper says
    return synthesizer


def test_orpheus_prompt_is_the_public_layout(orpheus):
    ids = orpheus.prompt_ids("Hello")
    assert ids[:2] == [128259, 128000] and ids[-4:] == [128009, 128260, 128261, 128257]


def test_orpheus_streams_audio_before_generation_ends(orpheus):
    speech = orpheus.speak("A cup is on the table.")
    chunks, arrivals = [], []
    for chunk in speech:
        chunks.append(chunk)
        arrivals.append(time.perf_counter())
    # The real model's streamer stamped every token as generate produced it: the first audio was out before the last.
    assert len(speech.token_times) == 7 * CAP and arrivals[0] < speech.token_times[-1]
    assert orpheus.sample_rate == 24000
    assert speech.frames == CAP  # constrained decoding: every generated token is an audio code (or end of speech)
    assert len(chunks) == speech.frames - 1  # one chunk per frame while generating, then the held-back tail
    assert all(c.size == FRAME for c in chunks[:-1]) and chunks[-1].size == 2 * FRAME
    assert all(c.dtype == np.float32 and np.isfinite(c).all() for c in chunks)


def test_orpheus_speaks_long_text_in_sentence_chunks_and_reports_a_cut_one(orpheus, caplog):
    text = "A cup is on the table. The chair stands to the left, about two metres away."
    with caplog.at_level("WARNING", logger="echollama.speech.orpheus_tts"):
        speech = orpheus.speak(text)
        audio = list(speech)
    assert speech.chunks == ["A cup is on the table.", "The chair stands to the left, about two metres away."]
    # Each chunk is its own generation, capped at CAP frames here, so each stopped without end of speech...
    assert speech.frames == 2 * CAP and sum(a.size for a in audio) == 2 * CAP * FRAME
    assert speech.cut_chunks == speech.chunks
    # ...and says so, naming the chunk.
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 2 and "chunk 2 of 2" in warnings[1] and "The chair stands" in warnings[1]
    assert "without end of speech" in warnings[0]


def test_orpheus_token_budget_grows_with_the_text():
    from echollama.speech.orpheus_tts import token_budget

    short, long = token_budget("Hi."), token_budget("x" * 200)
    assert short % 7 == 0 and long % 7 == 0 and long > short
    # At least 0.15 s of audio per character (Orpheus speaks about 0.07 s per character): 82 tokens per second.
    assert long / (7 * 24000 / 2048) >= 0.15 * 200
    assert long > 1200  # the old fixed cap, which silently cut long answers


def generate_threads():
    return [t for t in threading.enumerate() if t.name == "orpheus-generate" and t.is_alive()]


def test_closing_orpheus_stops_generate_before_the_model_is_free(orpheus):
    speech = orpheus.speak("A cup is on the table.")
    first = next(iter(speech))
    assert first.size and orpheus.generate_lock.locked() and generate_threads()
    speech.close()
    assert not generate_threads() and not orpheus.generate_lock.locked()
    assert len(speech.token_times) < 7 * CAP  # generate stopped early instead of running to its budget
    assert sum(c.size for c in orpheus.synthesize("A cup is on the table.")) == CAP * FRAME  # and the next call runs


def test_orpheus_without_its_model_names_the_pull_command(empty_hub_cache):
    from echollama.speech.orpheus_tts import OrpheusSynthesizer

    with pytest.raises(ModelError, match="echollama models pull --profile paper"):
        OrpheusSynthesizer().load()  # the default, AquaLabs/Orpheus-3B-0.1-ft-Elise


def test_whisper_pipeline_transcribes_16khz_audio(tmp_path):
    from echollama.speech.whisper_hf_asr import WhisperHfRecognizer

    recognizer = WhisperHfRecognizer(build_whisper(tmp_path / "whisper"), max_new_tokens=6)
    samples = (0.1 * np.sin(np.linspace(0, 2000, 16000))).astype(np.float32)
    transcript = recognizer.transcribe(AudioClip(samples, 16000, source="tone.wav"))
    assert transcript.text and transcript.audio_s == 1.0 and transcript.backend.startswith("whisper-hf")
    assert recognizer.transcribe(samples).text == transcript.text  # bare 16 kHz samples work too
    # The embedded recogniser's interface: name, an idempotent load(), one clear line for audio at the wrong rate.
    assert recognizer.name == "whisper-hf:whisper" and recognizer.load() is recognizer.load()
    with pytest.raises(InputError, match="needs 16000 Hz audio, got 8000 Hz"):
        recognizer.transcribe(AudioClip(samples[::2].copy(), 8000, source="phone.wav"))
