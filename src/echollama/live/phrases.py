"""What `watch` says about a change, in the words descriptions use for sides and distances (language.narration).

Short, since the world goes on while they are said: "New: a person on your left, about 4 metres away.", "A car
coming closer, straight ahead, about 3 metres away.", "The dog on your right has gone." Pure code, table-tested.
"""

from __future__ import annotations

from echollama.language import narration
from echollama.scene.words import singular_name
from echollama.types import Detection, Scene

NOTHING_YET = "Watching. I cannot recognise anything yet."
# People and vehicles move towards a listener: where they are is said at once, and their approach before anything.
MOVERS = frozenset({"person", "bicycle", "car", "motorcycle", "bus", "train", "truck"})


def _capital(text: str) -> str:
    return text[0].upper() + text[1:]


def _name(detection: Detection) -> str:
    name = narration.article(detection.label)
    return name if detection.certain else f"possibly {name}"


def appeared(detection: Detection, scene: Scene) -> str:
    where = narration.where(detection, scene)
    return f"New: {_name(detection)}" + (f" {where}" if where else "") + "."


def approaching(detection: Detection, scene: Scene) -> str:
    where = narration.where(detection, scene)
    return _capital(f"{_name(detection)} coming closer" + (f", {where}" if where else "")) + "."


def left(label: str, direction: str) -> str:
    """'The person on your left has gone.'; `direction` is where it was last seen."""
    place = direction.split(",")[0]  # the clock hour helps to turn towards something, not to hear it went
    if place.startswith("slightly "):
        place = f"slightly to your {place.removeprefix('slightly ')}"
    name = singular_name(label)  # "the pair of skis ... has gone", never "the skis ... has gone"
    return f"The {name} {place} has gone." if place else f"The {name} has gone."


def overview(scene: Scene) -> str:
    """What is there when watching begins, in one short sentence, and where the nearest person or vehicle is:
    'I can see two people and possibly a car; the nearest person is on your left, about 4 metres away.'"""
    ordered = narration.groups(scene)
    if not ordered:
        return NOTHING_YET
    first = ordered[0][0]
    where = narration.where(first, scene)
    if not where or not first.certain or first.label not in MOVERS:
        return f"I can see {narration.overview(ordered)}."
    nearest = f"the nearest {first.label} is {where}" if len(ordered[0]) > 1 else f"the {first.label} is {where}"
    return f"I can see {narration.overview(ordered)}; {nearest}."
