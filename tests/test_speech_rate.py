"""Speech rate: Piper's own length scale (shorter audio, same pitch) through the one speaking path, the checks on the
number, Orpheus's seamless resampling and the pitch estimate `bench rate` reports.

Ratios are of the model's own output (samples it made), never of time taken, so they hold on any CPU.
"""

from __future__ import annotations

import numpy as np
import pytest

from echollama.evaluation.bench_rate import median_f0
from echollama.speech.orpheus_tts import _resampled
from echollama.speech.piper_tts import PiperSynthesizer
from echollama.speech.rate import check_rate
from echollama.speech.streaming import MemorySink, speak

TEXT = "A cup is straight ahead, about one metre away, on a table. A chair is on your left."


@pytest.fixture(scope="module")
def spoken_at():
    """Seconds of speech and median pitch of TEXT at each rate, spoken by `speak` (the one path) with Piper."""
    voice = PiperSynthesizer(deterministic=True)  # no sampling noise: one take, the same on every machine
    results = {}
    for rate in (0.5, 1.0, 2.0, 3.0):
        sink = MemorySink()
        spoken = speak([TEXT], voice, sink, rate=rate)
        results[rate] = (spoken.audio_seconds, median_f0(sink.samples, voice.sample_rate), sink.samples.size)
    return results


def test_the_rate_reaches_pipers_length_scale_shorter_at_the_same_pitch(spoken_at):
    seconds = {rate: s for rate, (s, _, _) in spoken_at.items()}
    # Piper's durations have a floor of one frame per phoneme, so 2.0 is not quite half (about 0.6 here)
    assert 0.45 < seconds[2.0] / seconds[1.0] < 0.8, seconds
    assert seconds[3.0] < seconds[2.0] and seconds[0.5] / seconds[1.0] > 1.4, seconds
    pitch = {rate: f0 for rate, (_, f0, _) in spoken_at.items()}
    for rate in (0.5, 2.0, 3.0):
        assert 0.9 < pitch[rate] / pitch[1.0] < 1.1, pitch  # a length scale, not a resampling: the voice stays put


def test_pauses_shrink_with_the_rate(spoken_at):
    # the sink also gets a pause after each sentence: 0.2 s / rate each (the sink's samples minus the speech)
    pauses = {rate: samples / 22050 - seconds for rate, (seconds, _, samples) in spoken_at.items()}
    for rate, pause in pauses.items():
        assert pause == pytest.approx(pauses[1.0] / rate, abs=0.002), pauses


@pytest.mark.parametrize("rate", [0.49, 3.01, float("nan"), float("inf"), True, "2"])
def test_a_rate_outside_half_to_three_is_refused(rate):
    with pytest.raises(ValueError, match="0.5 to 3.0"):
        check_rate(rate)
    with pytest.raises(ValueError, match="0.5 to 3.0"):
        speak(["Hello."], PiperSynthesizer(), MemorySink(), rate=rate)


@pytest.mark.parametrize("rate", [0.5, 1, 2.5, 3.0])
def test_rates_in_range_pass(rate):
    assert check_rate(rate) == float(rate)


def test_orpheus_audio_is_resampled_as_one_stream():
    sample_rate = 24_000
    tone = np.sin(2 * np.pi * 200 * np.arange(sample_rate) / sample_rate).astype(np.float32)
    chunks = iter([tone[i : i + 2048] for i in range(0, tone.size, 2048)])  # SNAC-sized pieces
    out = np.concatenate(list(_resampled(chunks, 2.0, sample_rate)))
    assert out.dtype == np.float32 and abs(out.size - tone.size / 2) <= 2
    # resampling: twice as fast and an octave up (what the help and README say of Orpheus)
    assert median_f0(out, sample_rate) == pytest.approx(400, rel=0.02)
    # no seams between the chunks: the tone's envelope stays flat inside
    inner = np.abs(out[500:-500])
    assert inner.max() < 1.05 and np.convolve(inner, np.ones(240) / 240, "valid").min() > 0.55


@pytest.mark.parametrize("hz", [85, 120, 210, 330])
def test_median_f0_finds_a_voice_like_tone(hz):
    sample_rate = 22050
    t = np.arange(sample_rate) / sample_rate
    voice = sum(np.sin(2 * np.pi * hz * k * t) / k for k in (1, 2, 3, 4))
    silence = np.zeros(sample_rate // 2)
    assert median_f0(np.concatenate([silence, voice, silence]), sample_rate) == pytest.approx(hz, rel=0.02)
    assert np.isnan(median_f0(silence, sample_rate))


def test_orpheus_speaks_at_the_rate_and_a_stopped_answer_frees_the_model(tiny):
    from echollama.speech.orpheus_tts import OrpheusSynthesizer

    frames, frame_samples = 24, 2048  # the tiny checkpoint never ends speech: each text is its budget of frames
    orpheus = OrpheusSynthesizer(tiny["llama"], tiny["snac_small"], max_new_tokens=7 * frames)
    assert sum(c.size for c in orpheus.synthesize("A cup is on the table.")) == frames * frame_samples
    fast = sum(c.size for c in orpheus.synthesize("A cup is on the table.", rate=2.0))
    assert abs(fast - frames * frame_samples / 2) <= 2
    speech = orpheus.synthesize("A cup is on the table.", rate=2.0)
    assert next(iter(speech)).size and orpheus.generate_lock.locked()
    speech.close()  # Stop: the resampler closes Orpheus's own stream, which stops generate and frees the model
    assert not orpheus.generate_lock.locked()
