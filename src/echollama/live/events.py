"""From tracked objects to the changes worth saying: what is there at first, what appears, what comes closer fast,
what has gone. Pure code on the session clock (seconds), so a test can feed it hand-made frames.

An object is announced once: when it first appears (or in the opening overview), again only when it comes closer fast
or leaves. ByteTrack sometimes loses a person for a moment and finds them again under a new number; a new track of
the same kind close to where one vanished moments ago is taken to be that one, so nobody is announced twice.
Objects the detector was never sure of ("possibly ...") are followed but never announced as changes.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field, replace

from echollama.language import narration
from echollama.live import phrases
from echollama.live.phrases import MOVERS
from echollama.live.tracking import MIN_FRAMES, Tracked
from echollama.paper import PAPER_DEPTH_UNIT
from echollama.types import Detection, Scene, WatchEvent

GONE_AFTER_S = 1.5  # unseen this long: gone (as long as the tracker keeps a lost track)
SAME_OBJECT_WITHIN = 1.5  # box widths between where a track vanished and where a new one of its kind starts
SAME_OBJECT_OVERLAP = 0.6  # a new track whose box lies this much inside a followed one's is that one, twice detected
# Coming closer is judged by the object's own box growing, steadily: the geometric distances of all objects shift
# together when something enters the picture (they share the scene's scale), so metres alone would make a still
# giraffe "come closer" when a person walks in.
APPROACH_WINDOW_S = 1.0  # growth is measured over this much history
APPROACH_GROWTH = 1.25  # the box grew this much taller within the window (5 m -> 4 m is 1.25)
APPROACH_MIN_SAMPLES = 3
APPROACH_LONGEST_S = 2.0  # on a slow CPU (under 3 frames a second) the last 3 frames, if they span at most this
APPROACH_ABOVE_BEFORE = 1.1  # and is this much taller than it ever was before the window (not just un-hidden)
APPROACH_WITHIN_M = 8.0  # farther than this (when metres are known), coming closer is not urgent yet
APPROACH_AGAIN_AFTER_S = 2.0  # said again only after it stopped coming closer for this long
URGENCY = {"scene": 5, "approaching-mover": 4, "approaching": 3, "appeared-mover": 2, "appeared": 1, "left": 1}


@dataclass
class _Object:
    number: int
    detection: Detection
    direction: str
    last_seen_s: float
    history: deque = field(default_factory=lambda: deque(maxlen=64))  # (at_s, metres or None, box height)
    announced: bool = False
    sure: bool = False  # seen with a certain score at least once
    approach_said: bool = False
    last_approach_s: float = -1e9


class ChangeDetector:
    def __init__(self) -> None:
        self._objects: dict[int, _Object] = {}  # by object number
        self._track_to_object: dict[int, int] = {}
        self._frames = 0
        self._overview_said = False

    @property
    def overview_due(self) -> bool:
        """The next frame's update says the opening overview (it names colours, "a black dog"; the later changes do
        not). It is said on the MIN_FRAMES-th frame, of that frame's objects: the frames before it say nothing."""
        return not self._overview_said and self._frames + 1 >= MIN_FRAMES

    def update(self, tracked: list[Tracked], scene: Scene, at_s: float) -> list[WatchEvent]:
        self._frames += 1
        seen = [self._follow(t, scene, at_s) for t in tracked]
        events: list[WatchEvent] = []
        if not self._overview_said:
            if self._frames < MIN_FRAMES:
                return []
            self._overview_said = True
            for obj in seen:
                obj.announced = True
            overview = replace(scene, detections=[obj.detection for obj in seen])
            sentence = phrases.overview(overview)
            tracks = tuple(sorted({obj.number for obj in seen}))
            return [WatchEvent("scene", sentence, at_s, urgency=URGENCY["scene"], tracks=tracks)]
        for obj in seen:
            event = self._approach(obj, scene, at_s)
            if event is not None:
                obj.announced = True  # coming closer says where it is: no separate "appeared"
                events.append(event)
            elif not obj.announced and obj.sure:
                obj.announced = True
                events.append(self._event("appeared", phrases.appeared(obj.detection, scene), obj, at_s))
        for number, obj in list(self._objects.items()):
            if at_s - obj.last_seen_s >= GONE_AFTER_S:
                del self._objects[number]
                if obj.announced:
                    events.append(self._event("left", phrases.left(obj.detection.label, obj.direction), obj, at_s))
        return events

    def _follow(self, tracked: Tracked, scene: Scene, at_s: float) -> _Object:
        detection = tracked.detection
        number = self._track_to_object.get(tracked.track_id)
        if number is None or number not in self._objects:
            number = self._same_as_vanished(detection, at_s) or self._inside_followed(detection) or tracked.track_id
            self._track_to_object[tracked.track_id] = number
        obj = self._objects.get(number)
        direction = narration.direction(detection, scene)
        if obj is None:
            obj = self._objects[number] = _Object(number, detection, direction, at_s)
        elif obj.last_seen_s == at_s and len(obj.history):  # seen twice in one frame: keep the first box
            return obj
        obj.detection, obj.direction, obj.last_seen_s = detection, direction, at_s
        obj.sure = obj.sure or detection.certain
        obj.history.append((at_s, _metres(detection, scene), detection.height))
        return obj

    def _same_as_vanished(self, detection: Detection, at_s: float) -> int | None:
        """A recently vanished object of the same kind near this new track's box: the same object, renumbered."""
        x, y = detection.center
        best: tuple[float, int] | None = None
        for number, obj in self._objects.items():
            if obj.detection.label != detection.label or obj.last_seen_s >= at_s:
                continue
            ox, oy = obj.detection.center
            reach = SAME_OBJECT_WITHIN * max(obj.detection.width, detection.width)
            gap = ((x - ox) ** 2 + (y - oy) ** 2) ** 0.5
            if gap <= reach and (best is None or gap < best[0]):
                best = (gap, number)
        return best[1] if best else None

    def _inside_followed(self, detection: Detection) -> int | None:
        """A followed object of the same kind whose box mostly holds this one's (or the other way round)."""
        for number, obj in self._objects.items():
            if obj.detection.label == detection.label and _overlap(obj.detection, detection) >= SAME_OBJECT_OVERLAP:
                return number
        return None

    def _approach(self, obj: _Object, scene: Scene, at_s: float) -> WatchEvent | None:
        if obj.approach_said and at_s - obj.last_approach_s >= APPROACH_AGAIN_AFTER_S:
            obj.approach_said = False
        metres = _metres(obj.detection, scene)
        near_enough = metres is None or metres <= APPROACH_WITHIN_M
        if not obj.sure or not near_enough or not _coming_closer(obj.history, at_s):
            return None
        obj.last_approach_s = at_s
        if obj.approach_said:
            return None
        obj.approach_said = True
        return self._event("approaching", phrases.approaching(obj.detection, scene), obj, at_s)

    def _event(self, kind: str, sentence: str, obj: _Object, at_s: float) -> WatchEvent:
        label = obj.detection.label
        key = f"{kind}-mover" if kind != "left" and label in MOVERS else kind
        return WatchEvent(
            kind,
            sentence,
            at_s,
            label=label,
            track_id=obj.number,
            direction=obj.direction,
            distance_m=obj.detection.distance_m,
            urgency=URGENCY[key],
        )


def _metres(detection: Detection, scene: Scene) -> float | None:
    return None if scene.depth_unit == PAPER_DEPTH_UNIT else detection.distance_m


def _overlap(a: Detection, b: Detection) -> float:
    """The intersection's share of the smaller box."""
    x1, y1 = max(a.box[0], b.box[0]), max(a.box[1], b.box[1])
    x2, y2 = min(a.box[2], b.box[2]), min(a.box[3], b.box[3])
    inter = max(0.0, x2 - x1) * max(0.0, y2 - y1)
    return inter / min(a.width * a.height, b.width * b.height)


def _coming_closer(history: deque, at_s: float) -> bool:
    """Whether the object's box grew markedly and steadily taller within the last APPROACH_WINDOW_S."""
    span = APPROACH_WINDOW_S
    if sum(1 for t, _, _ in history if at_s - t <= span + 1e-9) < APPROACH_MIN_SAMPLES and len(history) >= 3:
        span = min(APPROACH_LONGEST_S, at_s - history[-APPROACH_MIN_SAMPLES][0])  # too few frames: look further back
    heights = [h for t, _, h in history if at_s - t <= span + 1e-9]
    before = [h for t, _, h in history if at_s - t > span + 1e-9]
    if len(heights) < APPROACH_MIN_SAMPLES:
        return False
    steady = all(later >= 0.95 * earlier for earlier, later in zip(heights, heights[1:]))
    # something that walked in front of it hid part of it: growing back to its old size is not coming closer
    beyond_before = not before or heights[-1] >= APPROACH_ABOVE_BEFORE * max(before)
    return steady and beyond_before and heights[-1] >= APPROACH_GROWTH * heights[0]
