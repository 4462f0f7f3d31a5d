"""Relations from geometry (scene/relations.py), table-tested on hand-made boxes with their near misses; how they are
said (language/relation_phrases.py), parsed back (language/relation_claims.py) and judged against the labels
(evaluation/relation_eval.py); and on the bundled coffee photo with the real detector.

Run: .venv/bin/python -m pytest -q tests/test_relations.py   (pure code, plus SSD-MobileNet-v2 on one photo, ~2 s)
"""

import json
from dataclasses import replace

import pytest

from echollama.evaluation.labelled_set import LabelledImage, LabelledObject
from echollama.evaluation.relation_eval import canonical, judge_relations, said_relations, summarise_relations
from echollama.language.claim_parser import parse
from echollama.language.facts import ground
from echollama.language.narration import fact_sheet, narrate
from echollama.language.relation_claims import relation_claims, verdict
from echollama.scene.relations import find_relations
from echollama.types import Camera, Detection, Relation, Scene

W, H = 800, 600


def d(label, box, distance=None, certain=True):
    return Detection(label, 0.9, box, z=distance, distance_m=distance, certain=certain)


def kinds(*detections):
    return {(r.subject_label, r.kind, r.object_label) for r in find_relations(list(detections), W, H)}


TABLE = d("dining table", (100, 300, 700, 600), 1.5)
COUCH = d("couch", (100, 250, 700, 550), 2.5)
HORSE = d("horse", (300, 250, 600, 550), 5.0)
PERSON = d("person", (200, 100, 400, 580), 2.0)


@pytest.mark.parametrize(
    "detections, expected",
    [
        # on: bottom edge inside the table's box, the cup over it, far narrower than the table
        ((d("cup", (300, 250, 380, 360), 1.2), TABLE), {("cup", "on", "dining table")}),
        ((d("cup", (300, 150, 380, 260), 1.2), TABLE), set()),  # held up above the table's top edge
        ((d("cup", (650, 400, 780, 500), 1.2), TABLE), set()),  # mostly beside the table
        ((d("bowl", (120, 310, 690, 560), 1.4), TABLE), set()),  # as wide as the table: not a thing on it
        ((d("person", (300, 150, 420, 500), 1.5), TABLE), set()),  # people are not put on tables
        # seats: a sitter's bottom edge well inside the seat's box, their top above it
        ((d("person", (300, 150, 450, 450), 2.6), COUCH), {("person", "on", "couch")}),
        ((d("person", (300, 100, 380, 270), 4.0), COUCH), set()),  # behind the couch: feet hidden at its top
        ((d("cat", (300, 300, 400, 400), 2.5), COUCH), {("cat", "on", "couch")}),
        # riding: over the mount, head well above it, feet off the ground it stands on
        ((d("person", (380, 80, 520, 450), 5.0), HORSE), {("person", "riding", "horse")}),
        ((d("person", (380, 150, 460, 550), 5.0), HORSE), set()),  # standing beside it: feet on its ground line
        ((d("person", (380, 80, 520, 450), 5.0), replace(HORSE, label="dog")), set()),  # dogs are not ridden
    ],
)
def test_on_and_riding(detections, expected):
    assert kinds(*detections) == expected


@pytest.mark.parametrize(
    "detections, expected",
    [
        ((PERSON, d("cup", (330, 250, 370, 300), 1.8)), {("person", "holding", "cup")}),
        ((PERSON, d("umbrella", (220, 60, 380, 120), 2.0)), {("person", "holding", "umbrella")}),  # overhead
        ((PERSON, d("tie", (290, 200, 310, 300), 2.0)), set()),  # worn, not held
        ((PERSON, d("cup", (290, 520, 320, 570), 2.0)), set()),  # at the feet
        ((PERSON, d("cup", (300, 250, 340, 300), 6.0)), {("person", "in front of", "cup")}),  # far behind them
        # between two people: held by the one whose middle it is nearest
        (
            (PERSON, d("person", (330, 100, 700, 580), 2.0), d("cup", (320, 250, 360, 300), 1.8)),
            {("person", "holding", "cup"), ("person", "next to", "person")},
        ),
    ],
)
def test_holding(detections, expected):
    assert kinds(*detections) == expected


def test_a_cup_between_two_people_is_held_by_the_nearer_middle():
    left, right = PERSON, d("person", (330, 100, 700, 580), 2.0)
    relations = find_relations([left, right, d("cup", (320, 250, 360, 300), 1.8)], W, H)
    assert [(r.subject, r.kind, r.object) for r in relations if r.kind == "holding"] == [(0, "holding", 2)]


@pytest.mark.parametrize(
    "detections, expected",
    [
        # overlapping, nearer by the depth estimate and lower in the picture
        (
            (d("dog", (200, 300, 400, 590), 1.5), d("bicycle", (150, 200, 600, 450), 2.5)),
            {("dog", "in front of", "bicycle")},
        ),
        ((d("dog", (200, 300, 400, 590), 2.2), d("bicycle", (150, 200, 600, 450), 2.5)), set()),  # about as far
        ((d("dog", (200, 300, 400, 440), 1.5), d("bicycle", (150, 200, 600, 450), 2.5)), set()),  # bottom not lower
        ((d("dog", (20, 300, 140, 590), 1.5), d("bicycle", (150, 200, 600, 450), 2.5)), set()),  # no overlap
        ((d("tie", (200, 300, 260, 590), 1.5), d("person", (150, 100, 600, 450), 2.5)), set()),  # worn
        # next to: side by side, as far, on one ground line
        ((d("dog", (100, 300, 300, 500), 3.0), d("person", (320, 100, 420, 500), 3.2)), {("dog", "next to", "person")}),
        ((d("dog", (100, 300, 300, 500), 3.0), d("person", (600, 100, 700, 500), 3.2)), set()),  # a gap between
        ((d("dog", (100, 300, 300, 500), 3.0), d("person", (320, 100, 420, 500), 6.0)), set()),  # twice as far
        ((d("dog", (100, 300, 300, 500), 3.0), d("person", (320, 100, 420, 400), 3.2)), set()),  # not one ground line
    ],
)
def test_in_front_and_next_to(detections, expected):
    assert kinds(*detections) == expected


def test_no_depth_no_depth_relations_but_boxes_still_say_on():
    cup, table = d("cup", (300, 250, 380, 360)), replace(TABLE, distance_m=None, z=None)
    dog, bike = d("dog", (200, 300, 400, 590)), d("bicycle", (150, 200, 600, 450))
    assert kinds(cup, table, dog, bike) == {("cup", "on", "dining table")}


def test_each_relation_carries_the_geometry_that_made_it():
    (relation,) = find_relations([d("cup", (300, 250, 380, 360), 1.2), TABLE], W, H)
    assert (relation.subject, relation.object) == (0, 1)
    assert set(relation.evidence) == {"overlap_x", "bottom_in_support", "width_ratio"}
    assert relation.evidence["overlap_x"] == 1.0


def scene_of(*detections, caption="", width=W, height=H):
    scene = Scene(
        width, height, list(detections), caption, "metres", Camera(width, height, 700.0, "default field of view")
    )
    return replace(scene, relations=find_relations(scene.detections, width, height))


def test_the_scene_round_trips_through_json_with_its_relations():
    scene = scene_of(d("cup", (300, 250, 380, 360), 1.2), TABLE)
    again = Scene.from_dict(json.loads(json.dumps(scene.to_dict())))
    assert again.relations == scene.relations and again.relations
    older = scene.to_dict()
    older.pop("relations")  # a scene stored before relations were computed
    assert Scene.from_dict(older).relations == ()


@pytest.mark.parametrize("kind, subject, other", [("under", 0, 1), ("on", 1, 1), ("on", -1, 1)])
def test_a_relation_is_validated(kind, subject, other):
    with pytest.raises(ValueError):
        Relation(subject, "cup", kind, other, "dining table")


def test_brief_says_the_most_useful_relation_inside_the_objects_phrase():
    dog, bike = d("dog", (200, 300, 400, 590), 1.5), d("bicycle", (150, 200, 600, 450), 2.5)
    text = " ".join(narrate(scene_of(dog, bike), "brief"))
    assert text.startswith("I can see a dog in front of the bicycle, straight ahead, about 1.5 metres away")
    cup, table = d("cup", (300, 250, 380, 360), 0.5), replace(TABLE, certain=False)
    text = " ".join(narrate(scene_of(cup, table), "brief"))
    assert text.startswith("I can see a cup, possibly on the table, straight ahead, within reach")


def test_relations_between_objects_of_a_kind_seen_more_than_once_are_not_said():
    # "in front of a person" among several: a listener cannot tell which one.
    people = [d("person", (100, 100, 300, 590), 2.0), d("person", (250, 50, 400, 400), 4.0)]
    scene = scene_of(*people, d("dog", (500, 300, 700, 590), 3.0))
    assert scene.relations and all(r.kind == "in front of" for r in scene.relations)
    assert " in front of " not in " ".join(narrate(scene, "full"))


def test_brief_says_at_most_two():
    things = [
        d("cup", (110, 350, 150, 400), 1.0),
        d("bowl", (300, 350, 360, 400), 1.1),
        d("bottle", (500, 330, 530, 400), 1.2),
        replace(TABLE, box=(100, 320, 700, 600)),
    ]
    said = [r for r in ("cup on", "bowl on", "bottle on") if r in " ".join(narrate(scene_of(*things), "brief"))]
    assert len(scene_of(*things).relations) == 3 and len(said) == 2


def test_the_fact_sheet_and_answers_carry_relations():
    scene = scene_of(d("cup", (300, 250, 380, 360), 0.5), replace(TABLE, certain=False))
    assert "the cup is possibly on the table" in fact_sheet(scene)
    assert ground("where is the cup?", scene, ["cup"]).facts == (
        "The cup is possibly on the table, straight ahead, within reach."
    )


@pytest.mark.parametrize(
    "sentence, claimed",
    [
        ("The cup is on the table.", [("cup", "on", "table")]),
        ("A cup, possibly on a wooden table, straight ahead.", [("cup", "on", "table")]),
        ("A man on a horse rides past.", [("man", "riding", "horse")]),
        ("The table under the cup looks old.", [("table", "under", "cup")]),
        ("The cup is held by a woman.", [("woman", "holding", "cup")]),
        ("The dog sits next to the cup on the table.", [("dog", "next to", "cup"), ("cup", "on", "table")]),
        ("It sits on the table.", [(None, "on", "table")]),
        ("The cup is on your left.", []),
        ("A cup and a table.", []),
        ("On the table, a cup.", []),
    ],
)
def test_relation_claims_are_parsed(sentence, claimed):
    found = [(c.subject.word if c.subject else None, c.kind, c.object.word) for c in relation_claims(parse(sentence))]
    assert found == claimed


def test_a_claim_is_borne_out_contradicted_or_unverified():
    scene = scene_of(d("dog", (200, 300, 400, 590), 1.5), d("bicycle", (150, 200, 600, 450), 2.5))

    def judged(sentence):
        return [verdict(c, scene) for c in relation_claims(parse(sentence))]

    assert judged("The dog is in front of the bicycle.") == [None]
    assert judged("The bicycle is behind the dog.") == [None]
    assert judged("The dog is behind the bicycle.") == ["wrong relation: dog behind bicycle"]
    assert judged("The dog is riding the bicycle.") == ["wrong relation: dog riding bicycle"]
    assert judged("The dog is next to the bicycle.") == ["unverified relation: dog next to bicycle"]


def test_a_claim_about_one_of_several_objects_is_kept_only_when_it_holds_for_every_one_it_could_mean():
    cup_on, cup_off = d("cup", (300, 250, 380, 360), 1.2), d("cup", (20, 100, 90, 200), 1.2)
    person, other = d("person", (100, 100, 250, 590), 2.0), d("person", (260, 100, 400, 590), 2.0)

    def judged(sentence, *detections):
        scene = scene_of(*detections)
        return [verdict(c, scene) for c in relation_claims(parse(sentence))]

    assert judged("The cup is on the table.", cup_on, TABLE) == [None]
    some = "unverified relation: cup on table (true of only some of the objects it could mean)"
    assert judged("The cup is on the table.", cup_on, cup_off, TABLE) == [some]  # which cup?
    assert judged("A cup is on the table.", cup_on, replace(cup_on, box=(420, 260, 500, 370)), TABLE) == [None]
    assert judged("A man stands next to a woman.", person, other) == [None]  # two people side by side, either way
    assert judged("A man stands next to a woman.", person, other, d("person", (600, 10, 640, 90), 9.0)) == [
        "unverified relation: man next to woman (true of only some of the objects it could mean)"
    ]
    three = scene_of(person, other, d("person", (600, 10, 640, 90), 9.0))
    assert said_relations("A man stands next to a woman.", three) == []


def test_said_relations_are_judged_against_the_labels_by_their_boxes():
    dog, bike = d("dog", (200, 300, 400, 590), 1.5), d("bicycle", (150, 200, 600, 450), 2.5)
    scene = scene_of(dog, bike)
    photo = LabelledImage(
        "porch_dog_bicycle",
        "photo:porch_dog_bicycle.jpg",
        (LabelledObject("dog", (130, 220, 310, 540)), LabelledObject("bicycle", (125, 140, 565, 420))),
    )
    assert canonical(1, "behind", 0) == (0, "in front of", 1) == canonical(0, "in front of", 1)
    text = "I can see a dog in front of the bicycle, slightly left."
    assert [(r.subject, r.kind, r.object) for r in said_relations(text, scene)] == [(0, "in front of", 1)]
    # The labelled boxes of the stored photo differ: the dog box here does not match its label at IoU 0.5.
    judged = judge_relations(text, scene, photo)
    assert [(j.right, j.why) for j in judged] == [(False, "no labelled box for one of them")]
    moved = replace(scene, detections=[replace(dog, box=(130, 220, 310, 540)), replace(bike, box=(125, 140, 565, 420))])
    assert [(j.right, j.why) for j in judge_relations(text, moved, photo)] == [(True, "labelled true")]
    summary = summarise_relations({"porch_dog_bicycle": judge_relations(text, moved, photo)})
    assert (summary["said"], summary["share_right"]) == (1, 1.0)


@pytest.fixture(scope="module")
def coffee():
    from echollama.config import EMBEDDED_DETECTION_THRESHOLD
    from echollama.samples import SAMPLE_IMAGE
    from echollama.scene.analyze import EMBEDDED_CERTAIN_FROM, SceneAnalyzer
    from echollama.scene.geometric_depth import GeometricDepthEstimator
    from echollama.scene.gist_captioner import GistCaptioner
    from echollama.scene.image import load_image
    from echollama.scene.ssd_detector import SsdMobileNetDetector

    analyzer = SceneAnalyzer(
        SsdMobileNetDetector(),
        GeometricDepthEstimator(),
        GistCaptioner(2),
        EMBEDDED_DETECTION_THRESHOLD,
        certain_from=EMBEDDED_CERTAIN_FROM,
    )
    return analyzer.analyze(load_image(SAMPLE_IMAGE), read_text=False)


def test_on_the_coffee_photo_the_cup_is_on_the_table(coffee):
    labels = {d.label for d in coffee.detections}
    assert {
        "cup",
        "dining table",
    } <= labels  # SSD: cup 0.95, table 0.76 (a failure here is the detector, not relations)
    assert [(r.subject_label, r.kind, r.object_label) for r in coffee.relations] == [("cup", "on", "dining table")]
    assert "relations_s" in coffee.timings
    assert "a cup, possibly on the table, straight ahead, within reach" in narrate(coffee, "brief")[0]
    assert json.loads(json.dumps(coffee.to_dict()))["relations"][0]["evidence"]["overlap_x"] > 0.9


def test_a_relation_of_an_unsure_object_is_hedged_once_and_unsure_neighbours_place_nothing():
    cat, couch = d("cat", (300, 300, 400, 400), 2.5, certain=False), replace(COUCH, certain=False)
    text = " ".join(narrate(scene_of(cat, couch), "brief"))
    assert text.startswith("Possibly a cat on the couch, straight ahead") and "possibly on" not in text
    tv, person = d("tv", (100, 200, 300, 500), 1.5), d("person", (320, 100, 420, 500), 1.6, certain=False)
    assert scene_of(tv, person).relations and "next to" not in " ".join(narrate(scene_of(tv, person), "full"))


def _labelled_scene(photo, moved=None):
    """The photo's hand-labelled boxes as sure detections (`moved`: label -> another box for that object)."""
    width, height = photo.size
    found = [Detection(o.label, 0.9, (moved or {}).get(o.label, o.box)) for o in photo.objects]
    return scene_of(*found, width=width, height=height)


def test_on_a_photo_a_person_standing_beside_a_horse_is_not_riding_it(labelled):
    # No packaged photo on this machine shows a rider (searched: opencv-doc's data, text and tutorial images and
    # every 25th frame of vtest.avi; scikit-image; matplotlib; kphotoalbum's, dlib's and labelme's examples), so
    # riding's photo check is its near miss: darknet's person.jpg, a woman standing beside a white horse, her feet on
    # the ground the horse stands on (judged by eye; relation_labels.json lists "riding" as false). Its hand-drawn
    # boxes stand in for a detector's, whose exact boxes differ between CPUs.
    photo = labelled["field_dog_person_horse"]
    scene = _labelled_scene(photo)
    (person,) = [d for d in scene.detections if d.label == "person"]
    (horse,) = [d for d in scene.detections if d.label == "horse"]
    assert person.box[3] >= horse.box[3]  # her feet at the horse's ground line, not above it
    assert not [r for r in scene.relations if r.kind == "riding"]
    assert "riding" not in " ".join(narrate(scene, "full"))
    # The same woman lifted into the saddle: over the horse, head above its back, feet off the ground
    x1, y1, x2, y2 = horse.box
    saddle = (x1 + 40, y1 - 80, x1 + 40 + person.width, y1 - 80 + person.height * 0.8)
    mounted = _labelled_scene(photo, {"person": saddle})
    assert [(r.subject_label, r.kind, r.object_label) for r in mounted.relations if r.kind == "riding"] == [
        ("person", "riding", "horse")
    ]
    assert "riding" in " ".join(narrate(mounted, "full"))


def test_on_the_real_photo_the_detector_finds_no_rider(labelled):
    # What any working detector gives here: the woman and the horse, each clearly apart (SSD and YOLOv5s find both
    # above 0.9, their boxes 130 px apart), so no riding, whatever the exact boxes.
    from echollama.config import PipelineConfig
    from echollama.profiles import embedded

    analyzer = embedded(PipelineConfig()).analyzer  # the default detector
    scene = analyzer.analyze(labelled["field_dog_person_horse"].load(), read_text=False)
    assert {"person", "horse"} <= {d.label for d in scene.detections}  # a failure here is the detector
    assert not [r for r in scene.relations if r.kind == "riding"]
    assert "riding" not in " ".join(narrate(scene, "full"))
