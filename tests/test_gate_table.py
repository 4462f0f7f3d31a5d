"""The gate's table test: hundreds of sentences against scenes perceived from real photos (stored as JSON under
tests/data/gate_scenes/, each `describe --json`'s `scene` from the embedded perception), each row saying whether an
LLM sentence may be spoken and, when not, the kind of reason. Every category has drop rows and keep rows (the keep
rows are benign context on the same theme). Done means: no contradicting sentence kept, >= 90 % of benign kept.

Rows are templates filled with each scene's main object ("the cup", "the cat") and an object no scene holds.
"""

import statistics
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from echollama.cli.check import read_scene
from echollama.language.gate import category, check_sentence
from echollama.scene.relations import find_relations
from echollama.scene.words import plural

SCENES_DIR = Path(__file__).parent / "data" / "gate_scenes"


def _perceived(path: Path):
    """A stored scene with its relations: they are geometry over the stored boxes, computed as perception does (the
    scenes were stored before perception computed relations)."""
    scene = read_scene(path)
    return replace(scene, relations=find_relations(scene.detections, scene.width, scene.height))


SCENES = {path.stem: _perceived(path) for path in sorted(SCENES_DIR.glob("*.json"))}

# (category, sentence) an LLM must never get spoken, whatever the scene.
DROP = [
    ("position", "The {x} is on your left."),
    ("position", "The {x} is straight ahead."),
    ("position", "There is {a} in the upper left."),
    ("position", "{A} sits at the top left of the picture."),
    ("position", "The {x} is slightly right of centre."),
    ("position", "The {x} is directly ahead."),
    ("clock hour", "The {x} is at three o'clock."),
    ("clock hour", "The {x} is at 9 o\u2019clock."),
    ("clock hour", "The {x} is at 12 o'clock."),
    ("distance", "The {x} is about two metres away."),
    ("distance", "The {x} is thirty feet away."),
    ("distance", "The {x} is half a metre away."),
    ("distance", "The {x} is within reach."),
    ("count", "There are three wooden {xs}."),
    ("count", "There are twelve {xs}."),
    ("count", "A couple of {xs} are here."),
    ("count", "Both {xs} look old."),
    ("count", "A dozen {xs} fill the scene."),
    ("nearness", "The {x} is the nearest thing."),
    ("nearness", "The {x} is close by."),
    ("nearness", "The {x} is far away."),
    ("nearness", "The {x} stands beside the window."),
    ("certainty", "There is definitely {a} here."),
    ("certainty", "It is certainly {a}."),
    ("certainty", "I am sure it is {a}."),
    ("absence", "There is no {absent} here."),
    ("absence", "Nothing else is in the picture."),
    ("absence", "The {x} is not alone."),
    ("not in the scene", "{ABSENT} grazes quietly."),
    ("not in the scene", "There is no cat here, but {absent_a} stands there."),
    ("not in the scene", "A cat without a collar sits there."),
    ("count", "Two pets play together."),
    ("not in the scene", "A rabbit hops past."),
    ("not in the scene", "The {x} sits beside a lamp."),
    ("unknowable", "There is a staircase ahead."),
    ("unknowable", "Mind the steps."),
    ("unknowable", "A door stands open."),
    ("unknowable", "The kerb is low here."),
    ("unknowable", "There is a hole in the ground."),
    ("listener", "You may want to be careful."),
    ("listener", "The listener would enjoy this."),
    ("listener", "A {x} is there, and you may want to be careful."),
    ("machinery", "The detector found {a}."),
    ("machinery", "The model may be wrong about the {x}."),
    ("machinery", "The listener has already heard that object found in the photo."),
    ("safety advice", "It is safe to walk forward."),
    ("safety advice", "The {x} is friendly, so it is safe to approach."),
    ("safety advice", "Turn right to find the {x}."),
    ("safety advice", "There is plenty of room to walk."),
    ("count", "Another {x} sits there."),
    ("count", "There might be a second {x}."),
    ("absence", "The {x} sits alone."),
    ("unnamed", "It is on your left."),
    ("unnamed", "Something is moving on your right."),
    ("unnamed", "They are straight ahead."),
    ("score", "The {x} has a confidence of 0.95."),
    ("coordinates", "The {x} is at (120, 45)."),
    ("grid cell", "The {x} is in the Left Top cell."),
]
# Benign context on each category's theme: what the LLM is there to add.
KEEP = [
    ("position", "That's right, it looks like a calm moment."),
    ("position", "The {x} looks alert right now."),
    ("clock hour", "It looks like a bright morning."),
    ("clock hour", "It seems to be late afternoon."),
    ("distance", "The {x} looks small."),
    ("distance", "The {x} looks quite large."),
    ("count", "It looks like {a}."),
    ("count", "{A} is in the picture."),
    ("nearness", "The {x} looks calm and relaxed."),
    ("nearness", "The scene feels peaceful."),
    ("certainty", "It may be a quiet day."),
    ("certainty", "The {x} seems relaxed."),
    ("absence", "The mood is calm."),
    ("absence", "The colours are warm and muted."),
    ("not in the scene", "The {x} looks clean and well kept."),
    ("not in the scene", "The {x} looks like it is made of wood."),
    ("unknowable", "The setting looks cosy."),
    ("unknowable", "It could be a rainy evening."),
    ("listener", "What a pleasant scene."),
    ("listener", "It is a calm scene on a sunny day."),
    ("machinery", "The picture has soft light."),
    ("machinery", "The photo feels warm and friendly."),
    ("safety advice", "The {x} looks gentle."),
    ("safety advice", "It is a mild, sunny afternoon."),
    ("unnamed", "The {x} seems content."),
    ("unnamed", "The light suggests early evening."),
    ("score", "The {x} looks well lit."),
    ("coordinates", "It looks like a lovely place to spend an afternoon."),
    ("grid cell", "The {x} looks new."),
    # As a small LLM writes context (Qwen 0.5B/1.5B on the labelled photos, reworded per scene).
    ("not in the scene", "It seems to be a relaxed moment at home."),
    ("not in the scene", "The scene has a cosy, homely feel."),
    ("not in the scene", "The lighting is soft and warm."),
    ("not in the scene", "It looks like a typical weekday morning."),
    ("not in the scene", "The atmosphere seems relaxed and friendly."),
    ("not in the scene", "The {x} appears to be in good condition."),
    ("not in the scene", "It might be a weekend afternoon."),
    ("not in the scene", "The overall mood is cheerful."),
]
# Hand-written rows for one scene each: unsure objects (said as sure: dropped; hedged in their clause: kept).
HAND = [
    ("coffee", "drop", "unsure said as sure", "The table is made of wood."),
    ("coffee", "drop", "unsure said as sure", "The cup rests on a table, and it may be warm."),
    ("coffee", "keep", "unsure said as sure", "The cup may stand on a wooden table."),
    ("coffee", "keep", "unsure said as sure", "Possibly a table, made of wood."),
    ("living_room_sofa", "drop", "unsure said as sure", "The couch looks comfortable."),
    ("living_room_sofa", "keep", "unsure said as sure", "What looks like a couch seems comfortable."),
    ("restaurant_dinner_table", "drop", "unsure said as sure", "One man wears a tie."),
    ("restaurant_dinner_table", "keep", "unsure said as sure", "The people seem to be enjoying dinner."),
    ("porch_dog_bicycle", "keep", "not in the scene", "The vehicles look old."),
    ("porch_dog_bicycle", "drop", "nearness", "A vehicle is parked nearby, perhaps."),
    ("family_group_chairs", "keep", "count", "The people look happy."),
    ("chelsea", "drop", "count", "The cats look happy."),
    ("chelsea", "keep", "not in the scene", "The kitty has soft fur."),
    ("street_truck", "keep", "not in the scene", "The lorry looks old."),
    # Relations: kept when perception computed them (coffee: the cup on the table, which it was unsure of; porch:
    # the dog in front of the bicycle, the bicycle in front of the car; living room: people on a couch; restaurant:
    # the table in front of people), dropped when the geometry says otherwise or says nothing of the kind.
    ("coffee", "keep", "relation", "The cup seems to rest on the table."),
    ("coffee", "keep", "relation", "The cup may stand on a wooden table."),
    ("coffee", "drop", "relation", "The table may be on the cup."),
    ("coffee", "drop", "relation", "The cup may be under the table."),
    ("coffee", "drop", "relation", "The cup might sit in front of the table."),
    ("coffee", "keep", "unverified relation", "The cup looks full and warm."),
    ("coffee", "drop", "unverified relation", "The cup may be next to the table."),
    ("coffee", "drop", "unverified relation", "It may sit on the table."),
    ("porch_dog_bicycle", "keep", "relation", "The dog sits in front of the bicycle."),
    ("porch_dog_bicycle", "keep", "relation", "The bicycle is behind the dog."),
    ("porch_dog_bicycle", "keep", "relation", "The bicycle stands in front of the car."),
    ("porch_dog_bicycle", "drop", "relation", "The dog is behind the bicycle."),
    ("porch_dog_bicycle", "drop", "relation", "The bicycle is in front of the dog."),
    ("porch_dog_bicycle", "drop", "relation", "The dog is riding the bicycle."),
    ("porch_dog_bicycle", "drop", "relation", "The dog sits on the bicycle."),
    ("porch_dog_bicycle", "drop", "relation", "The car is in front of the bicycle."),
    ("porch_dog_bicycle", "keep", "unverified relation", "The dog looks patient."),
    ("porch_dog_bicycle", "drop", "unverified relation", "The dog sits next to the car."),
    ("porch_dog_bicycle", "drop", "unverified relation", "The car is parked beside the bicycle."),
    ("porch_dog_bicycle", "drop", "unverified relation", "The dog is holding the bicycle."),
    ("porch_dog_bicycle", "drop", "unverified relation", "The dog sits under the car."),
    ("living_room_sofa", "drop", "relation", "The couch might be on the people."),
    # Several objects of a label: a relation claim is kept only when it holds for every pair it could mean. Perception
    # found five people and two couches in the living room, and the table in front of two of four people.
    ("living_room_sofa", "drop", "unverified relation", "The people may be sitting on the couch."),
    ("living_room_sofa", "drop", "unverified relation", "A woman may sit on the couch."),
    ("restaurant_dinner_table", "drop", "unverified relation", "The table may be in front of the people."),
    ("restaurant_dinner_table", "drop", "unverified relation", "A man may sit behind the table."),
    ("family_group_chairs", "drop", "relation", "A man may stand behind a woman."),
    ("family_group_chairs", "drop", "relation", "One person may be in front of another person."),
    ("family_group_chairs", "keep", "relation", "The people may be standing together."),
    ("restaurant_dinner_table", "keep", "relation", "The people may be enjoying a meal at the table."),
    ("restaurant_dinner_table", "drop", "relation", "The people may sit on the table."),
    ("restaurant_dinner_table", "drop", "unverified relation", "The people may be holding the table."),
    ("chelsea", "drop", "unverified relation", "The cat lies on the couch."),
    ("chelsea", "keep", "unverified relation", "The cat has soft fur and a calm look."),
]


def _main_object(scene) -> str:
    sure = [d.label for d in scene.detections if d.certain]
    return (sure or [d.label for d in scene.detections])[0]


def _fill(template: str, scene) -> str:
    x = _main_object(scene)
    a = f"an {x}" if x[0] in "aeiou" else f"a {x}"
    return template.format(
        x=x, xs=plural(x), a=a, A=a.capitalize(), absent="horse", absent_a="a horse", ABSENT="A horse"
    )


def rows() -> list[tuple[str, str, str, str]]:
    table = []
    for name, scene in SCENES.items():
        table += [(name, "drop", kind, _fill(t, scene)) for kind, t in DROP]
        table += [(name, "keep", kind, _fill(t, scene)) for kind, t in KEEP]
    return table + HAND


def test_the_table_covers_every_category_both_ways():
    table = rows()
    assert len(table) >= 200
    drops = {kind for _, verdict, kind, _ in table if verdict == "drop"}
    keeps = {kind for _, verdict, kind, _ in table if verdict == "keep"}
    assert drops == keeps
    assert len(SCENES) >= 5


def test_no_contradiction_is_kept_and_benign_context_is():
    kept_wrongly, dropped_benign, latencies = [], [], []
    tally: Counter[tuple[str, str, bool]] = Counter()
    for name, verdict, kind, sentence in rows():
        start = time.perf_counter()
        result = check_sentence(sentence, SCENES[name])
        latencies.append(time.perf_counter() - start)
        kinds = {category(r) for r in result.reasons}
        tally[(kind, verdict, result.spoken)] += 1
        if verdict == "drop" and (result.spoken or kind not in kinds):
            kept_wrongly.append((name, sentence, result.reasons))
        if verdict == "keep" and not result.spoken:
            dropped_benign.append((name, sentence, result.reasons))
    benign = sum(v for (_, verdict, _), v in tally.items() if verdict == "keep")
    print(f"\n{len(latencies)} sentences; check_sentence median {statistics.median(latencies) * 1000:.2f} ms")
    for (kind, verdict, spoken), n in sorted(tally.items()):
        print(f"  {kind:22} {verdict}: {n} {'spoken' if spoken else 'dropped'}")
    assert kept_wrongly == [], "\n".join(map(str, kept_wrongly))
    print("benign but dropped:", *dropped_benign, sep="\n  ")
    assert 1 - len(dropped_benign) / benign >= 0.90, dropped_benign
    assert statistics.median(latencies) < 0.05  # far from first audio's budget even on a busy CPU


@pytest.mark.parametrize("name", sorted(SCENES))
def test_the_stored_scenes_are_real_perception(name):
    scene = SCENES[name]
    assert scene.detections and scene.depth_unit == "metres" and scene.camera is not None
