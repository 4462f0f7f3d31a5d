"""Find mode: guide a listener to one named kind of thing by sound, as Lookout's Find mode does.

While the thing is followed, a short tone repeats from its direction (the pan of `--spatial`), faster as it comes
nearer and higher as it nears the centre of the picture; one tone stream at a time, for the nearest of its kind (the
one followed keeps the tone until another is markedly nearer, so the sound does not jump between two cups). When it
has been out of sight for `LOST_AFTER_S`, the tone stops and "Lost the chair." is said once; when it comes within
reach, "The chair is within reach, straight ahead." is said once (again only after it was farther or lost).
Pure code on the session clock: tracked objects in, a tone and phrases out; live/tones.py makes the sound.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from echollama.errors import InputError
from echollama.language import narration
from echollama.language.vocabulary import HYPERNYMS, object_words
from echollama.live.tracking import Tracked
from echollama.scene.size_priors import SIZE_PRIORS_M
from echollama.scene.words import WITHIN_REACH_UNDER_M, plural
from echollama.speech.panning import pan_field
from echollama.types import Detection, Scene, WatchEvent

LOST_AFTER_S = 0.8  # unseen this long: lost (a detector missing it in one or two frames is not a loss)
SWITCH_WHEN_NEARER = 0.75  # another of its kind this share of the followed one's distance takes the tone over
REACH_AGAIN_FROM_M = 1.2  # "within reach" is said again only after it was this far (or lost)
REACH_SHARE = 0.8  # without metres (the paper's relative depth): within reach when its box is this share of the height
NEAR_M, FAR_M = 0.5, 5.0  # the repeat interval runs from fastest (this near or nearer) to slowest (this far or farther)
FASTEST_S, SLOWEST_S = 0.15, 1.0  # seconds between tones
CENTRE_HZ, EDGE_HZ = 880.0, 440.0  # an octave: the pitch rises as the thing nears the centre
URGENCY = {"reach": 6, "lost": 6}  # above every change `watch` says: the listener asked for this
FILLERS = re.compile(r"^(?:(?:find|where(?:'s| is)|me|my|the|a|an|our|your|some|please)\s+)+", re.IGNORECASE)


@dataclass(frozen=True)
class FindTarget:
    name: str  # what is said: the label ("chair" for "a seat"), or the word for several ("pet")
    labels: frozenset[str]


def findable_names() -> list[str]:
    """The detector's labels, each a name `--find` takes (synonyms and plurals are taken too)."""
    return sorted(SIZE_PRIORS_M)


LISTED_BY = "; `echollama watch --find list` lists them"


def find_target(words: str, listed_by: str = LISTED_BY) -> FindTarget:
    """'my cup' -> cup, 'a seat' -> chair, 'pets' -> dog or cat; InputError naming where the names are listed."""
    phrase = " ".join(FILLERS.sub("", words.strip().lower().rstrip("?.!")).split())
    names = {word.lower(): label for word, (label, _) in object_words().items()}
    kinds = {form: (word, labels) for word, labels in HYPERNYMS.items() for form in (word, plural(word))}
    for size in (3, 2, 1):  # the longest known name at the phrase's end: "the red coffee cup" -> cup
        tail = " ".join(phrase.split()[-size:])
        if tail in names:
            return FindTarget(names[tail], frozenset({names[tail]}))
        if tail in kinds:
            return FindTarget(*kinds[tail])
    raise InputError(
        f"I cannot look for {words.strip()!r}: I can find the 80 kinds of thing the detector knows (chair, cup, "
        f"bottle, person, dog, ...) and their usual names{listed_by}"
    )


@dataclass(frozen=True)
class Tone:
    """The tone as it should sound from `at_s` on: where from, how often, how high."""

    at_s: float
    pan: float  # -1 full left .. 1 full right (Web Audio's StereoPannerNode law)
    interval_s: float  # from one tone's start to the next
    pitch_hz: float
    label: str
    track_id: int
    distance_m: float | None
    direction: str

    def to_dict(self) -> dict:
        return {"type": "tone", **asdict(self)}


@dataclass(frozen=True)
class FindStep:
    """What one frame changed: the tone now (None: silent), whether it stopped in this frame, phrases to say."""

    tone: Tone | None
    stopped: bool = False
    phrases: tuple[WatchEvent, ...] = ()


def closeness(detection: Detection, scene: Scene) -> float:
    """0 (far) .. 1 (near): from metres, else from the share of the picture's height its box takes."""
    if detection.distance_m is not None:
        return min(1.0, max(0.0, (FAR_M - detection.distance_m) / (FAR_M - NEAR_M)))
    return min(1.0, detection.height / scene.height / REACH_SHARE)


def within_reach(detection: Detection, scene: Scene) -> bool:
    if detection.distance_m is not None:
        return detection.distance_m < WITHIN_REACH_UNDER_M
    return detection.height >= REACH_SHARE * scene.height


def tone_for(tracked: Tracked, scene: Scene, at_s: float) -> Tone:
    detection = tracked.detection
    pan = pan_field(narration.azimuth(detection, scene))
    interval = SLOWEST_S - closeness(detection, scene) * (SLOWEST_S - FASTEST_S)
    pitch = EDGE_HZ * (CENTRE_HZ / EDGE_HZ) ** (1.0 - abs(pan))
    distance = None if detection.distance_m is None else round(detection.distance_m, 2)
    direction = narration.direction(detection, scene)
    return Tone(round(at_s, 3), pan, round(interval, 3), round(pitch, 1), detection.label, tracked.track_id,
                distance, direction)  # fmt: skip


class FindGuide:
    def __init__(self, target: FindTarget) -> None:
        self.target = target
        self.tone: Tone | None = None
        self._following: int | None = None  # the track that has the tone
        self._last_seen_s = 0.0
        self._reach_said = False

    def update(self, tracked: list[Tracked], scene: Scene, at_s: float) -> FindStep:
        candidates = [t for t in tracked if t.detection.label in self.target.labels]
        chosen = self._choose(candidates, scene)
        if chosen is None:
            if self.tone is None or at_s - self._last_seen_s < LOST_AFTER_S:
                return FindStep(None)  # nothing yet, or still sounding where it was last seen
            lost = self._phrase("lost", f"Lost the {self.target.name}.", self.tone, at_s)
            self.tone, self._following, self._reach_said = None, None, False
            return FindStep(None, stopped=True, phrases=(lost,))
        self._following, self._last_seen_s = chosen.track_id, at_s
        self.tone = tone_for(chosen, scene, at_s)
        phrases: tuple[WatchEvent, ...] = ()
        distance = chosen.detection.distance_m
        if self._reach_said and distance is not None and distance >= REACH_AGAIN_FROM_M:
            self._reach_said = False
        if not self._reach_said and within_reach(chosen.detection, scene):
            self._reach_said = True
            sentence = f"The {self.target.name} is within reach, {self.tone.direction}."
            phrases = (self._phrase("reach", sentence, self.tone, at_s),)
        return FindStep(self.tone, phrases=phrases)

    def _choose(self, candidates: list[Tracked], scene: Scene) -> Tracked | None:
        """The nearest of its kind, but the one followed keeps the tone unless another is markedly nearer."""
        if not candidates:
            return None
        nearest = min(candidates, key=lambda t: narration.nearness(t.detection, scene))
        followed = next((t for t in candidates if t.track_id == self._following), None)
        if followed is None or followed is nearest:
            return nearest
        ours, theirs = narration.nearness(followed.detection, scene), narration.nearness(nearest.detection, scene)
        markedly = theirs < SWITCH_WHEN_NEARER * ours if ours > 0 else theirs < ours / SWITCH_WHEN_NEARER
        return nearest if markedly else followed

    def _phrase(self, kind: str, sentence: str, tone: Tone, at_s: float) -> WatchEvent:
        return WatchEvent(kind, sentence, at_s, label=tone.label, track_id=tone.track_id, direction=tone.direction,
                          distance_m=tone.distance_m, urgency=URGENCY[kind])  # fmt: skip
