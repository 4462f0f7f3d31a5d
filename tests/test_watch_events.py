"""`watch`'s pure parts on hand-written boxes: the wording, the change detector and the announcer's choices."""

import pytest

from echollama.live import phrases
from echollama.live.announcer import Announcer
from echollama.live.events import GONE_AFTER_S, ChangeDetector
from echollama.live.tracking import Tracked
from echollama.scene.camera import camera_for
from echollama.types import Detection, Scene, WatchEvent

W, H = 600, 400


def person(x1, y1, x2, y2, metres=4.0, score=0.9, label="person"):
    return Detection(label=label, score=score, box=(x1, y1, x2, y2), distance_m=metres, certain=score >= 0.8)


def scene(*detections):
    return Scene(W, H, list(detections), caption="", depth_unit="metres", camera=camera_for(W, H))


@pytest.mark.parametrize(
    ("detection", "expected"),
    [
        (person(20, 100, 80, 300, 4.2), "New: a person on your left, about 4 metres away."),
        (person(270, 100, 330, 300, 0.5), "New: a person straight ahead, within reach."),
        (person(430, 100, 470, 300, 2.2, score=0.6), "New: possibly a person slightly right, about 2 metres away."),
        (person(500, 100, 560, 300, 12.0, label="dog"), "New: a dog on your right, about 12 metres away."),
    ],
)
def test_appeared_is_said_with_side_and_distance(detection, expected):
    assert phrases.appeared(detection, scene(detection)) == expected


@pytest.mark.parametrize(
    ("detection", "expected"),
    [
        (person(420, 100, 460, 300, 2.6, label="car"), "A car coming closer, slightly right, about 2.5 metres away."),
        (person(250, 100, 350, 300, 1.2), "A person coming closer, straight ahead, about 1 metre away."),
    ],
)
def test_approaching_is_said_with_side_and_distance(detection, expected):
    assert phrases.approaching(detection, scene(detection)) == expected


@pytest.mark.parametrize(
    ("label", "direction", "expected"),
    [
        ("person", "on your left", "The person on your left has gone."),
        ("dog", "slightly right", "The dog slightly to your right has gone."),
        ("car", "on your far left, at 10 o'clock", "The car on your far left has gone."),
        ("cup", "straight ahead", "The cup straight ahead has gone."),
        ("scissors", "on your right", "The pair of scissors on your right has gone."),
    ],
)
def test_left_names_where_it_was(label, direction, expected):
    assert phrases.left(label, direction) == expected


def test_overview_counts_and_places_the_nearest_person():
    near, far = person(20, 100, 80, 300, 3.0), person(500, 100, 540, 200, 9.0)
    chair = person(250, 200, 350, 300, 2.0, label="chair")
    assert (
        phrases.overview(scene(near, far, chair))
        == "I can see two people and a chair; the nearest person is on your left, about 3 metres away."
    )
    assert phrases.overview(scene(chair)) == "I can see a chair."
    assert phrases.overview(scene()) == phrases.NOTHING_YET


def frames(detector, boxes_by_time, step=0.2):
    """Feed the detector one frame per `step`: {time: [(track_id, detection), ...]}; returns every event."""
    events = []
    for at in sorted(boxes_by_time):
        tracked = [Tracked(track, detection) for track, detection in boxes_by_time[at]]
        events += detector.update(tracked, scene(*(d for _, d in boxes_by_time[at])), at)
    return events


def test_an_object_is_announced_once_while_it_stays_and_once_when_it_goes():
    chair = person(250, 200, 350, 300, 2.0, label="chair")
    walker = person(20, 100, 80, 300, 4.0)
    timeline = {round(i * 0.2, 1): [(1, chair)] + ([(2, walker)] if 1.0 <= i * 0.2 <= 3.0 else []) for i in range(30)}
    events = frames(ChangeDetector(), timeline)
    kinds = [(e.kind, e.label) for e in events]
    assert kinds == [("scene", ""), ("appeared", "person"), ("left", "person")]
    assert events[0].sentence == "I can see a chair." and events[0].tracks == (1,)
    assert events[1].seen_s == 1.0 and events[1].direction == "on your left"
    assert 3.0 + GONE_AFTER_S <= events[2].seen_s < 3.0 + GONE_AFTER_S + 0.2  # the first frame after it


def test_a_renumbered_track_near_where_one_vanished_is_the_same_object():
    timeline = {0.0: [], 0.2: []}
    for i in range(2, 20):  # the tracker loses the person at 1.6 s and finds them again under a new number
        at = round(i * 0.2, 1)
        if at < 1.6:
            timeline[at] = [(5, person(100 + i * 4, 100, 160 + i * 4, 300))]
        elif at > 2.0:
            timeline[at] = [(9, person(100 + i * 4, 100, 160 + i * 4, 300))]
        else:
            timeline[at] = []
    events = frames(ChangeDetector(), timeline)
    assert [e.kind for e in events] == ["scene", "appeared"]


def test_a_second_box_inside_a_followed_object_is_not_a_new_object():
    giraffe = person(200, 20, 500, 380, 5.0, label="giraffe")
    inner = person(260, 120, 480, 370, 5.0, label="giraffe")
    timeline = {round(i * 0.2, 1): [(1, giraffe)] + ([(2, inner)] if i > 4 else []) for i in range(15)}
    assert [e.kind for e in frames(ChangeDetector(), timeline)] == ["scene"]


def test_coming_closer_needs_steady_growth_beyond_what_was_seen_before():
    grows = {round(i * 0.2, 1): [(1, person(400, 280 - 20 * i, 440, 300, 6.0 - 0.3 * i))] for i in range(8)}
    events = frames(ChangeDetector(), grows)
    approach = [e for e in events if e.kind == "approaching"]
    assert len(approach) == 1 and approach[0].urgency > 3 and "coming closer" in approach[0].sentence

    # the zebra was half hidden behind a passer-by and shows itself whole again: not coming closer
    heights = [200] * 6 + [120, 110, 130, 160, 190, 200, 200]
    hidden = {
        round(i * 0.2, 1): [(1, person(300, 300 - h, 400, 300, 4.0, label="zebra"))] for i, h in enumerate(heights)
    }
    assert [e.kind for e in frames(ChangeDetector(), hidden)] == ["scene"]


def test_at_a_slow_frame_rate_coming_closer_is_judged_over_the_last_three_frames():
    slow = {
        round(i * 0.7, 1): [(1, person(400, 300 - h, 440, 300, 4.0))] for i, h in enumerate([200, 200, 200, 300, 450])
    }
    assert [e.kind for e in frames(ChangeDetector(), slow)] == ["scene", "approaching"]
    still = {
        round(i * 0.7, 1): [(1, person(400, 300 - h, 440, 300, 4.0))] for i, h in enumerate([200, 210, 195, 205, 200])
    }
    assert [e.kind for e in frames(ChangeDetector(), still)] == ["scene"]


def event(kind, seen, track=1, urgency=1, label="person"):
    return WatchEvent(kind, f"{kind} {track}", seen, label=label, track_id=track, urgency=urgency)


def test_the_most_urgent_then_the_newest_goes_first():
    announcer = Announcer()
    announcer.add(event("appeared", 1.0, track=1, urgency=1))
    announcer.add(event("appeared", 1.2, track=2, urgency=2))
    announcer.add(event("approaching", 1.1, track=3, urgency=4))
    announcer.add(event("appeared", 1.3, track=4, urgency=2))
    said = []
    now = 1.4
    while announcer.pending:
        chosen, _ = announcer.next(now)
        said.append(chosen.track_id)
        announcer.spoke(now + 0.5)
        now = announcer.free_at
    assert said == [3, 4, 2, 1]


def test_nothing_starts_while_talking_and_stale_changes_are_dropped():
    announcer = Announcer()
    announcer.add(event("appeared", 0.0, track=1))
    chosen, _ = announcer.next(0.0)
    announcer.spoke(6.0)  # a long sentence
    announcer.add(event("approaching", 1.0, track=1, urgency=4))
    announcer.add(event("appeared", 2.5, track=2))
    chosen, dropped = announcer.next(5.0)  # still talking: nothing starts, and the approach is no longer news
    assert chosen is None
    assert [d.event.kind for d in dropped] == ["approaching"] and "stale" in dropped[0].reason
    chosen, dropped = announcer.next(6.5)
    assert chosen.track_id == 2 and dropped == []


def test_what_came_and_went_unsaid_is_not_said_at_all():
    announcer = Announcer()
    announcer.add(event("scene", 0.0, track=None))
    announcer.next(0.0)
    announcer.spoke(3.0)
    announcer.add(event("appeared", 1.0, track=7))
    announcer.add(event("left", 2.5, track=7))
    chosen, dropped = announcer.next(3.5)
    assert chosen is None
    assert sorted(d.reason for d in dropped) == ["it had gone before this was said", "it was never announced"]


def test_objects_named_in_the_overview_are_said_to_leave():
    announcer = Announcer()
    announcer.add(WatchEvent("scene", "I can see a person.", 0.0, tracks=(4,), urgency=5))
    announcer.next(0.0)
    announcer.spoke(2.0)
    announcer.add(event("left", 3.0, track=4))
    chosen, dropped = announcer.next(3.0)
    assert chosen is not None and chosen.kind == "left" and dropped == []


def test_a_van_the_detector_calls_a_car_then_a_truck_keeps_one_track():
    from echollama.live.tracking import ObjectTracker

    tracker = ObjectTracker(frame_rate=5)
    numbers = set()
    for i in range(10):
        label = "car" if i < 5 else "truck"  # the same parked van, labelled a car, then a truck
        van = person(400, 200, 520, 300, 12.0, score=0.9, label=label)
        numbers |= {t.track_id for t in tracker.update(scene(van), i * 0.2)}
    assert len(numbers) == 1
