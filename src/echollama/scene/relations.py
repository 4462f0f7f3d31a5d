"""How the placed objects relate, from their boxes and depth alone: a cup on the table, a person riding a horse, a
person holding a glass, a dog next to a person, a bus in front of a car.

Pure geometry over one scene's detections; each relation keeps the measurements that made it (`Relation.evidence`),
so `describe --json` can say why it was said. Only confident relations are kept: silence beats a wrong one. The
thresholds were set on the 29 hand-labelled photos (evaluation/photos/relation_labels.json), on the detector's
boxes and on the hand-drawn ones; `echollama eval` measures what is said of them.
"""

from __future__ import annotations

from collections.abc import Sequence

from echollama.types import Detection, Relation

# What things are put on: a table's top is seen from above, a seat's from the front.
TABLES = frozenset({"dining table"})
SEATS = frozenset({"chair", "couch", "bed", "bench"})
# What is put on a table: small things a hand sets down (not a person, an animal or furniture).
TABLETOP = frozenset(
    {
        "cup", "bottle", "wine glass", "bowl", "fork", "knife", "spoon", "banana", "apple", "sandwich", "orange",
        "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "laptop", "mouse", "remote", "keyboard",
        "cell phone", "book", "clock", "vase", "scissors", "teddy bear", "potted plant", "handbag", "toaster",
    }
)  # fmt: skip
# What sits or lies on a seat.
SEATED = frozenset({"person", "cat", "dog", "teddy bear", "laptop", "handbag", "backpack", "book", "remote"})
RIDDEN = frozenset({"horse", "bicycle", "motorcycle", "elephant"})
# What a hand holds; a tie, a backpack or a handbag on a shoulder sit inside a person's box without being held.
HELD = frozenset(
    {
        "cup", "bottle", "wine glass", "cell phone", "umbrella", "sports ball", "book", "remote", "frisbee", "knife",
        "fork", "spoon", "banana", "apple", "donut", "sandwich", "hot dog", "toothbrush", "scissors", "teddy bear",
        "tennis racket", "baseball bat", "baseball glove", "hair drier", "mouse",
    }
)  # fmt: skip

# on: the thing's horizontal extent lies over its support, its bottom edge inside the support's box.
ON_MIN_OVERLAP = 0.7  # of the thing's width over the support's
ON_TABLE_ABOVE_TOP = 0.05  # of the table's height: how far above the table's top edge a bottom edge may sit
ON_SEAT_BELOW_TOP = 0.25  # of the seat's height: a sitter's bottom edge lies this far inside the seat's box or more
ON_MAX_WIDTH = 0.6  # of the support's width: a thing as wide as its table is not on it
# riding: the rider's box over the mount, torso above it, feet inside its box above the ground line.
RIDE_MIN_OVERLAP = 0.6
RIDE_HEAD_ABOVE = 0.3  # of the mount's height: the rider's top edge above the mount's top by this much
RIDE_FEET_ABOVE_GROUND = 0.1  # of the mount's height: a rider's feet are off the ground the mount stands on
# holding: a small thing in a person's upper box, nearer that person's middle than any other person's.
HOLD_TOP = -0.1  # of the person's height from their top edge (an umbrella overhead) ...
HOLD_BOTTOM = 0.65  # ... to about the waist
HOLD_MAX_AREA = 0.3  # of the person's box
HOLD_MAX_OFF_CENTRE = 0.45  # of the person's width, from the middle of the box to the thing's centre
HOLD_MAX_FARTHER = 1.3  # the thing's distance over the person's: not far behind them
# Worn things sit inside a person's box: they are neither in front of nor next to anything.
WORN = frozenset({"tie", "backpack", "handbag"})
# in front of: boxes overlap and both cues agree: nearer by the depth estimate and lower bottom edge.
FRONT_MIN_OVERLAP = 0.15  # of the smaller box's area
FRONT_MIN_DEPTH_RATIO = 1.45  # the farther one's distance over the nearer one's
FRONT_MIN_LOWER = 0.03  # of the image height: the nearer one's bottom edge lies at least this much lower
# next to: about as far away, side by side, standing on the same line.
NEXT_MAX_GAP = 0.25  # of the wider box's width, between their sides (overlap counts as no gap)
NEXT_MAX_OVERLAP = 0.35  # of the narrower box's width: more overlap is one in front of the other
NEXT_MAX_DEPTH_RATIO = 1.2
NEXT_MAX_BOTTOM_STEP = 0.1  # of the taller box's height, between their bottom edges
NEXT_MIN_SIZE_RATIO = 0.5  # of the taller box's height: a far small thing is not beside a near big one


def find_relations(detections: Sequence[Detection], width: int, height: int) -> tuple[Relation, ...]:
    """Every confident relation between two of `detections` (indices into it), at most one per pair."""
    relations: list[Relation] = []
    taken: set[frozenset[int]] = set()
    finders = (_on, _riding, _holding(detections), _in_front, _next_to)
    for find in finders:
        for i, a in enumerate(detections):
            for j, b in enumerate(detections):
                pair = frozenset((i, j))
                if i == j or pair in taken:
                    continue
                found = find(a, b, height)
                if found is not None:
                    kind, evidence = found
                    relations.append(Relation(i, a.label, kind, j, b.label, _rounded(evidence)))
                    taken.add(pair)
    return tuple(relations)


_Found = tuple[str, dict[str, float]] | None


def _overlap_x(a: Detection, b: Detection) -> float:
    return max(0.0, min(a.box[2], b.box[2]) - max(a.box[0], b.box[0]))


def _overlap_area(a: Detection, b: Detection) -> float:
    high = max(0.0, min(a.box[3], b.box[3]) - max(a.box[1], b.box[1]))
    return _overlap_x(a, b) * high


def _on(a: Detection, b: Detection, height: int) -> _Found:
    table = b.label in TABLES and a.label in TABLETOP
    seat = b.label in SEATS and a.label in SEATED
    if not (table or seat):
        return None
    over = _overlap_x(a, b) / a.width
    # How far the thing's bottom edge lies below the support's top edge, in the support's heights.
    bottom_in = (a.box[3] - b.box[1]) / b.height
    lowest = -ON_TABLE_ABOVE_TOP if table else ON_SEAT_BELOW_TOP
    # A sitter's head rises above the seat; a thing on a table or a cat on a couch is far narrower than its support.
    fits = a.box[1] < b.box[1] if seat and a.label == "person" else a.width <= ON_MAX_WIDTH * b.width
    if over >= ON_MIN_OVERLAP and lowest <= bottom_in <= 1.02 and fits:
        return "on", {"overlap_x": over, "bottom_in_support": bottom_in, "width_ratio": a.width / b.width}
    return None


def _riding(a: Detection, b: Detection, height: int) -> _Found:
    if a.label != "person" or b.label not in RIDDEN:
        return None
    over = _overlap_x(a, b) / a.width
    head_above = (b.box[1] - a.box[1]) / b.height
    feet_above = (b.box[3] - a.box[3]) / b.height
    if over >= RIDE_MIN_OVERLAP and head_above >= RIDE_HEAD_ABOVE and RIDE_FEET_ABOVE_GROUND <= feet_above < 1.0:
        return "riding", {"overlap_x": over, "head_above_mount": head_above, "feet_above_ground": feet_above}
    return None


def _holding(detections: Sequence[Detection]):
    people = [d for d in detections if d.label == "person"]

    def off_centre(person: Detection, thing: Detection) -> float:
        return abs(thing.center[0] - person.center[0]) / person.width

    def holding(a: Detection, b: Detection, height: int) -> _Found:
        if a.label != "person" or b.label not in HELD:
            return None
        x, y = b.center
        if not (a.box[0] <= x <= a.box[2]):
            return None
        rows = (y - a.box[1]) / a.height
        area = b.width * b.height / (a.width * a.height)
        off = off_centre(a, b)
        # Of the people whose box holds the thing, only the one whose middle is nearest it.
        if any(p is not a and p.box[0] <= x <= p.box[2] and off_centre(p, b) < off for p in people):
            return None
        farther = b.distance_m / a.distance_m if a.distance_m and b.distance_m else 1.0
        if (
            HOLD_TOP <= rows <= HOLD_BOTTOM
            and area <= HOLD_MAX_AREA
            and off <= HOLD_MAX_OFF_CENTRE
            and farther <= HOLD_MAX_FARTHER
        ):
            return "holding", {"height_in_person": rows, "area_ratio": area, "off_centre": off}
        return None

    return holding


def _in_front(a: Detection, b: Detection, height: int) -> _Found:
    if a.distance_m is None or b.distance_m is None or {a.label, b.label} & WORN:
        return None
    overlap = _overlap_area(a, b) / min(a.width * a.height, b.width * b.height)
    depth_ratio = b.distance_m / a.distance_m
    lower = (a.box[3] - b.box[3]) / height
    if overlap >= FRONT_MIN_OVERLAP and depth_ratio >= FRONT_MIN_DEPTH_RATIO and lower >= FRONT_MIN_LOWER:
        return "in front of", {"overlap": overlap, "depth_ratio": depth_ratio, "bottom_lower": lower}
    return None


def _next_to(a: Detection, b: Detection, height: int) -> _Found:
    if a.distance_m is None or b.distance_m is None or {a.label, b.label} & (WORN | TABLES):
        return None
    wider, narrower = max(a.width, b.width), min(a.width, b.width)
    taller = max(a.height, b.height)
    overlap = _overlap_x(a, b)
    gap = max(0.0, max(a.box[0], b.box[0]) - min(a.box[2], b.box[2])) / wider
    depth_ratio = max(a.distance_m, b.distance_m) / min(a.distance_m, b.distance_m)
    step = abs(a.box[3] - b.box[3]) / taller
    size = min(a.height, b.height) / taller
    if (
        gap <= NEXT_MAX_GAP
        and overlap / narrower <= NEXT_MAX_OVERLAP
        and depth_ratio <= NEXT_MAX_DEPTH_RATIO
        and step <= NEXT_MAX_BOTTOM_STEP
        and size >= NEXT_MIN_SIZE_RATIO
    ):
        return "next to", {"gap": gap, "overlap_x": overlap / narrower, "depth_ratio": depth_ratio, "bottom_step": step}
    return None


def _rounded(evidence: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 3) for k, v in evidence.items()}
