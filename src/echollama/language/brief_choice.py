"""What the brief description names when not everything fits: the most useful groups in full, the rest short.

The brief (language/narration.py) says at most three sentences. The groups that do not fit in full (side and
distance) are named short, with their side only, in its last sentence, and the whole stays within BRIEF_WORDS.
Pure code over a Scene's detection groups, table-tested in tests/test_narration_brief.py.
"""

from __future__ import annotations

from echollama.language.phrase_joins import joined
from echollama.scene.camera import camera_for
from echollama.scene.grid import bearing_degrees, horizontal_third
from echollama.scene.relations import WORN
from echollama.scene.words import more_things, side_words
from echollama.types import Camera, Detection, PlacedText, Scene

# Why: "And five more things." left the table of a restaurant photo and the glasses at a bar unnamed, and long lists
# ran to 22 s (issue 20). On the 29 labelled photos (`echollama eval --no-speech --prompt grounded`, brief), naming the
# rest short within 50 words took labelled objects given a position from 0.730 to 0.770 and must-see objects named
# from 0.951 to 0.976; CHAIR-i 0.018 -> 0, median speech 11.5 -> 11.6 s (the voice varies 0.2 s run to run), the
# longest 22.1 -> 21.1 s. At 45 words the outdoor meal's bottle is dropped (0.743); 60 adds a bar's tie (0.797) and
# runs to about 25 s.
MAX_BRIEF_TAIL = 3  # groups named short in the last sentence; more are counted ("and two more things")
BRIEF_WORDS = 50  # about 18 s: the voice says 2.8 words a second on the labelled photos' descriptions
# A "possibly" object alone is named in the brief only when its box is at least this share of the picture: on the
# labelled photos the four such boxes that big were real (dining tables, 7.5-98 % of the picture), the two smaller
# ones were not (a 0.5 % bowl, a 0.3 % remote); a big unsure box also matters more to someone who may walk into it.
POSSIBLY_NAMED_FROM_SHARE = 0.02


def brief_order(ordered: list[list[Detection]], scene: Scene) -> list[list[Detection]]:
    """The groups the brief may name, most useful first: a small "possibly" thing is left out (unless there is
    nothing else), and a worn thing (a tie, a handbag) goes after the things that stand free, which a listener may
    reach for or walk into; a worn one says little that "a person" has not."""
    worth = [g for g in ordered if worth_naming(g, scene)] or ordered
    return sorted(worth, key=lambda g: g[0].label in WORN)


def worth_naming(members: list[Detection], scene: Scene) -> bool:
    return any_sure(members) or biggest_share(members, scene) >= POSSIBLY_NAMED_FROM_SHARE


def any_sure(members: list[Detection]) -> bool:
    """Whether a group is said plainly: one sure member is enough; otherwise it is "possibly"."""
    return any(d.certain for d in members)


def share(detection: Detection, scene: Scene) -> float:
    """The box's share of the picture."""
    return detection.width * detection.height / (scene.width * scene.height)


def biggest_share(members: list[Detection], scene: Scene) -> float:
    return max(share(d, scene) for d in members)


def camera_of(scene: Scene) -> Camera:
    """The camera that took the picture: its own (EXIF) or the default for its size."""
    return scene.camera or camera_for(scene.width, scene.height)


def azimuth(detection: Detection, scene: Scene) -> float:
    """Degrees from the camera's axis to the object's centre, negative to the left: where it is heard from."""
    return bearing_degrees(detection.center[0], camera_of(scene))


def third_of(detection: Detection, scene: Scene) -> int:
    """0, 1, 2: the left, middle or right third of the picture the object's centre is in."""
    return horizontal_third(detection.center[0], scene.width)


def tail_order(leftover: list[list[Detection]], scene: Scene, moving: frozenset[str]) -> list[list[Detection]]:
    """The groups left for the last sentence, in the order they are named: things that move first (`moving`), as in
    the whole description; then the biggest, since a table, a couch or a bed is what other things stand on and what
    a listener may walk into; worn things last."""
    return sorted(leftover, key=lambda g: (g[0].label in WORN, g[0].label not in moving, -biggest_share(g, scene)))


# Where the members of a group are, by the picture's thirds, when they are on more than one.
_SIDES_OF_A_GROUP = {
    (0, 1): "on your left and straight ahead",
    (1, 2): "straight ahead and on your right",
    (0, 2): "on your left and right",
    (0, 1, 2): "straight ahead and on your left and right",
}


def sides(members: list[Detection], scene: Scene) -> str:
    """'straight ahead', 'slightly left' (the nearest member's side, no clock) or 'on your left and right'."""
    thirds = sorted({third_of(d, scene) for d in members})
    if len(thirds) > 1:
        return _SIDES_OF_A_GROUP[tuple(thirds)]
    return side_words(thirds[0], azimuth(members[0], scene))


def tail_sentence(items: list[PlacedText], rest: int) -> list[PlacedText]:
    """'Also a, b and two more things.' over placed items, each piece keeping its direction."""
    more = [PlacedText(more_things(rest))] if rest else []
    pieces = joined(items + more)
    pieces[-1] = pieces[-1].but(pieces[-1] + ".")
    return [pieces[0].but("Also " + pieces[0]), *pieces[1:]]


def words(sentences: list[list[PlacedText]]) -> int:
    """Words in placed sentences: how long they take to say."""
    return sum(len(piece.split()) for sentence in sentences for piece in sentence)
