"""Find mode's pure parts on hand-written boxes: the names it takes, the tone it chooses, what it says; the tones."""

import numpy as np
import pytest

from echollama.errors import InputError
from echollama.live.find import (
    CENTRE_HZ,
    EDGE_HZ,
    FASTEST_S,
    LOST_AFTER_S,
    SLOWEST_S,
    FindGuide,
    find_target,
    findable_names,
)
from echollama.live.speaker import TimelineSink
from echollama.live.tones import BEEP_S, TonePlayer, beep
from echollama.live.tracking import Tracked
from echollama.scene.camera import camera_for
from echollama.types import Detection, Scene

W, H = 600, 400


def seen(x1, x2, metres, track=1, label="chair", height=200):
    return Tracked(track, Detection(label=label, score=0.9, box=(x1, 100, x2, 100 + height), distance_m=metres))


def scene(*tracked):
    return Scene(W, H, [t.detection for t in tracked], caption="", depth_unit="metres", camera=camera_for(W, H))


def step(guide, at_s, *tracked):
    return guide.update(list(tracked), scene(*tracked), at_s)


@pytest.mark.parametrize(
    ("words", "name", "labels"),
    [
        ("chair", "chair", {"chair"}),
        ("a seat", "chair", {"chair"}),
        ("my cup", "cup", {"cup"}),
        ("Find my mobile phone", "cell phone", {"cell phone"}),
        ("the red coffee cup", "cup", {"cup"}),
        ("where is the dog?", "dog", {"dog"}),
        ("cups", "cup", {"cup"}),
        ("my pet", "pet", {"dog", "cat"}),
    ],
)
def test_names_people_use_find_the_detector_label(words, name, labels):
    target = find_target(words)
    assert (target.name, target.labels) == (name, frozenset(labels))


@pytest.mark.parametrize("words", ["unicorn", "", "the door", "my"])
def test_an_unknown_name_gets_one_error_saying_where_the_names_are(words):
    with pytest.raises(InputError, match="--find list"):
        find_target(words)


def test_every_listed_name_is_taken():
    names = findable_names()
    assert len(names) == 80 and "chair" in names
    assert all(find_target(name).labels == {name} for name in names)


def test_the_tone_comes_from_the_side_and_is_higher_at_the_centre_and_faster_when_near():
    guide = FindGuide(find_target("chair"))
    left = step(guide, 0.0, seen(20, 120, 4.0)).tone
    centre = step(guide, 0.2, seen(250, 350, 4.0)).tone
    right_near = step(guide, 0.4, seen(480, 580, 0.5)).tone
    assert left.pan < -0.3 and right_near.pan > 0.3 and abs(centre.pan) < 0.05
    assert EDGE_HZ < left.pitch_hz < centre.pitch_hz <= CENTRE_HZ
    assert centre.pitch_hz == pytest.approx(CENTRE_HZ, rel=0.05)
    assert right_near.interval_s == FASTEST_S and FASTEST_S < left.interval_s < SLOWEST_S


def test_the_nearest_of_its_kind_is_followed_until_another_is_markedly_nearer():
    guide = FindGuide(find_target("chair"))
    assert (
        step(guide, 0.0, seen(20, 120, 3.0, 1), seen(480, 580, 2.0, 2), seen(250, 350, 0.4, 3, "person")).tone.track_id
        == 2
    )
    assert step(guide, 0.2, seen(20, 120, 1.8, 1), seen(480, 580, 2.0, 2)).tone.track_id == 2  # not markedly nearer
    assert step(guide, 0.4, seen(20, 120, 1.2, 1), seen(480, 580, 2.0, 2)).tone.track_id == 1


def test_lost_is_said_once_after_a_while_out_of_sight_and_the_tone_stops():
    guide = FindGuide(find_target("chair"))
    assert step(guide, 0.0).tone is None and not step(guide, 0.1).phrases  # nothing yet: nothing to lose
    step(guide, 0.2, seen(20, 120, 3.0))
    held = step(guide, 0.2 + LOST_AFTER_S / 2)  # a frame or two without it: still sounding, nothing said
    assert not held.stopped and not held.phrases and guide.tone is not None
    lost = step(guide, 0.2 + LOST_AFTER_S)
    assert lost.stopped and lost.tone is None and [p.sentence for p in lost.phrases] == ["Lost the chair."]
    assert lost.phrases[0].kind == "lost"
    later = step(guide, 0.4 + LOST_AFTER_S)
    assert not later.stopped and not later.phrases


def test_within_reach_is_said_once_with_its_direction_and_again_only_after_it_was_farther():
    guide = FindGuide(find_target("a seat"))
    said = [p.sentence for t, metres in enumerate([2.0, 0.7, 0.6, 0.9, 0.7, 1.5, 0.6])
            for p in step(guide, t * 0.2, seen(250, 350, metres)).phrases]  # fmt: skip
    assert said == ["The chair is within reach, straight ahead.", "The chair is within reach, straight ahead."]


def test_a_beep_is_a_faded_sine_of_its_pitch():
    samples = beep(440.0, 16000)
    assert samples.dtype == np.float32 and len(samples) == int(BEEP_S * 16000)
    assert abs(samples[0]) < 0.01 and abs(samples[-1]) < 0.01  # no click
    spectrum = np.abs(np.fft.rfft(samples, 16000))
    assert abs(np.argmax(spectrum) - 440) <= 2


def test_the_player_writes_panned_beeps_at_their_moments_and_skips_those_under_speech():
    written = []
    sink = TimelineSink(lambda s: written.append(s if s.ndim == 2 else np.stack([s, s], axis=1)), 16000)
    player = TonePlayer(16000)
    guide = FindGuide(find_target("chair"))
    player.set(step(guide, 0.0, seen(20, 120, 4.0)).tone)  # on the left, far: slow
    player.play(2.0, sink)
    audio = np.concatenate(written)
    interval = guide.tone.interval_s
    assert player.beeps == int(2.0 / interval) + 1
    first = audio[: int(BEEP_S * 16000)]
    assert np.abs(first[:, 0]).max() > 1.5 * np.abs(first[:, 1]).max()  # heard on the left
    starts = [i / 16000 for i in range(1, len(audio)) if audio[i - 1, 0] == 0 and audio[i, 0] != 0]
    assert starts[1] - starts[0] == pytest.approx(interval, abs=0.01)
    sink.at(2.95)  # speech until 2.95 s: a beep due meanwhile is skipped, not queued
    before = player.beeps
    player.play(2.95, sink)
    assert player.beeps == before and player.next_s > 2.95
    player.set(None)
    player.play(10.0, sink)
    assert player.beeps == before and sink.position_s == pytest.approx(2.95)  # stopped: nothing more
