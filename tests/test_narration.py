"""Narration composed from hand-written Scenes: the words a listener hears about what, how many, where and how far.

Run: .venv/bin/python -m pytest -q tests/test_narration.py   (pure code, < 1 s)
"""

import re
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from echollama.language.brief_choice import BRIEF_WORDS
from echollama.language.claims import contradictions
from echollama.language.narration import direction, fact_sheet, narrate
from echollama.language.readouts import readouts
from echollama.scene.camera import camera_for
from echollama.scene.grid import clock_direction
from echollama.scene.words import distance_words
from echollama.types import Camera, Detection, Scene

WIDTH, HEIGHT = 600, 400  # default 60° field of view: f = 519.6 px; thirds end at x = 200 and 400


def seen(label, x, metres=None, score=0.9, certain=True, z=None, half=10):
    """A detection centred on column x (mid-height) at `metres`."""
    return Detection(
        label,
        score,
        (x - half, 180, x + half, 220),
        z=z if z is not None else metres,
        distance_m=metres,
        certain=certain,
    )


def scene(*detections, camera=None, depth_unit="metres", caption=""):
    return Scene(WIDTH, HEIGHT, list(detections), caption, depth_unit, camera=camera or camera_for(WIDTH, HEIGHT))


@pytest.mark.parametrize(
    "x, words",
    [
        (300, "straight ahead"),
        (200, "straight ahead"),  # the middle third starts at x = 200, as in the grid
        (399, "straight ahead"),
        (199, "slightly left"),  # left third, 11° off axis
        (112, "slightly left"),  # 19.9°
        (109, "on your left"),  # 20.2°
        (0, "on your left"),  # the picture's edge is 30° off axis with the default field of view
        (400, "slightly right"),
        (599, "on your right"),
    ],
)
def test_direction_at_the_thirds_and_angle_edges(x, words):
    assert direction(seen("cup", x), scene()) == words


def test_far_sides_need_a_wide_lens_and_then_say_the_clock():
    wide = Camera(WIDTH, HEIGHT, 200.0, "exif")  # edges are 56° off axis
    assert direction(seen("dog", 5), scene(camera=wide)) == "on your far left, at 10 o'clock"
    assert direction(seen("dog", 595), scene(camera=wide)) == "on your far right, at 2 o'clock"


@pytest.mark.parametrize(
    "metres, words",
    [
        (None, ""),
        (0.3, "within reach"),
        (0.79, "within reach"),
        (0.8, "about 1 metre away"),
        (1.24, "about 1 metre away"),
        (1.3, "about 1.5 metres away"),
        (2.6, "about 2.5 metres away"),
        (2.8, "about 3 metres away"),
        (3.4, "about 3 metres away"),
        (7.6, "about 8 metres away"),
        (23.0, "about 25 metres away"),
    ],
)
def test_distance_words_are_rounded_as_the_estimate_deserves(metres, words):
    assert distance_words(metres) == words


def test_one_object_is_placed_in_one_sentence():
    assert narrate(scene(seen("cup", 300, 0.5))) == ["I can see a cup straight ahead, within reach."]


def test_nothing_found_is_said_plainly():
    assert narrate(scene()) == ["I cannot recognise any objects in this picture."]


def test_with_nothing_found_the_whole_picture_guess_is_said_as_a_guess():
    guessed = scene(
        caption="The whole picture may show a monastery (a guess); the object detector found no objects it knows."
    )
    assert narrate(guessed) == [
        "I cannot recognise any objects in this picture.",
        "It might show a monastery, but that is only a guess.",
    ]
    unclear = scene(
        caption="It is unclear what the whole picture shows; the object detector found no objects it knows."
    )
    assert narrate(unclear) == ["I cannot recognise any objects in this picture."]


def test_objects_of_one_kind_are_counted_and_each_placed():
    chairs = scene(seen("chair", 500, 3.2), seen("chair", 100, 2.1))
    assert narrate(chairs) == [
        "I can see two chairs: one on your left, about 2 metres away, and one on your right, about 3 metres away."
    ]
    assert narrate(chairs, "normal") == [
        "I can see two chairs: one on your left, about 2 metres away; one on your right, about 3 metres away."
    ]
    same_side = scene(seen("chair", 520, 3.2), seen("chair", 560, 2.1))
    assert narrate(same_side) == ["I can see two chairs on your right, the nearest about 2 metres away."]


@pytest.mark.parametrize(
    "people, words",
    [
        # Three or more: "at least" (the detector misses people in groups), the nearest placed, the rest by thirds.
        (
            [(300, 1.0), (100, 3.0), (250, 3.5), (350, 4.0), (550, 5.0)],
            "I can see at least five people, the nearest straight ahead, about 1 metre away; "
            "one more on your left, two straight ahead and one on your right.",
        ),
        (
            [(450, 2.0), (100, 3.0), (150, 4.0)],
            "I can see at least three people, the nearest slightly right, about 2 metres away; two more on your left.",
        ),
        (
            [(250, 2.0), (300, 3.0), (350, 4.0)],
            "I can see at least three people straight ahead, the nearest about 2 metres away.",
        ),
    ],
)
def test_a_group_says_every_members_side_in_few_words(people, words):
    assert narrate(scene(*(seen("person", x, metres) for x, metres in people))) == [words]


def test_a_group_spread_over_the_picture_has_its_own_sentence():
    things = scene(seen("person", 60, 2.0), seen("person", 540, 2.6), seen("dog", 300, 3.0), seen("car", 500, 9.0))
    assert narrate(things) == [
        "I can see two people: one on your left, about 2 metres away, and one on your right, about 2.5 metres away.",
        "Also a dog straight ahead, about 3 metres away, and a car on your right, about 9 metres away.",
    ]


def test_people_and_vehicles_come_first_then_nearest_first():
    things = scene(seen("cup", 300, 0.5), seen("book", 100, 1.1), seen("truck", 560, 9.0), seen("person", 250, 4.0))
    brief = narrate(things)
    assert brief == [
        "I can see a person straight ahead, about 4 metres away, and a truck on your right, about 9 metres away.",
        "Also a cup straight ahead, within reach, and a book on your left, about 1 metre away.",
    ]


def test_uncertain_objects_are_hedged_and_said_last():
    # A box of 2.7 % of the picture: big enough for a "possibly" to be said in the brief (language/brief_choice.py).
    things = scene(seen("cat", 150, 1.5, score=0.5, certain=False, half=80), seen("dog", 450, 2.0))
    assert narrate(things) == [
        (
            "I can see a dog slightly right, about 2 metres away, and possibly a cat slightly left, "
            "about 1.5 metres away."
        )
    ]
    only_unsure = scene(seen("cat", 150, 1.5, score=0.5, certain=False))
    assert narrate(only_unsure) == ["Possibly a cat slightly left, about 1.5 metres away."]


def test_unsure_ones_beside_sure_ones_of_the_same_kind_are_counted_with_them():
    # On the labelled photos 20 of 21 such detections were real: "a person and possibly another" was heard as one.
    players = scene(seen("person", 60, 2.0), seen("person", 540, 2.6, score=0.6, certain=False))
    assert narrate(players) == [
        "I can see two people: one on your left, about 2 metres away, and one on your right, about 2.5 metres away."
    ]
    fruit = scene(
        seen("orange", 300, 0.5),
        seen("orange", 450, 0.6, score=0.7, certain=False),
        seen("orange", 560, 0.7, score=0.6, certain=False),
    )
    sentences = narrate(fruit, "normal")
    assert sentences == [
        "I can see at least three oranges: one straight ahead, within reach; one slightly right, within reach; "
        "one on your right, within reach."
    ]
    assert all(contradictions(s, fruit) == [] for s in sentences)


def test_a_kind_seen_only_unsure_stays_possibly_and_is_never_at_least():
    unsure = scene(*(seen("person", x, 2.0 + x / 100, score=0.6, certain=False) for x in (100, 300, 500)))
    assert narrate(unsure) == [
        "Possibly three people, the nearest on your left, about 3 metres away; "
        "one more straight ahead and one on your right."
    ]


def test_brief_stays_short_and_summarises_the_rest():
    labels = ["person", "dog", "chair", "cup", "book", "bottle", "laptop"]
    crowded = scene(*(seen(label, 40 + 80 * i, 1.0 + i) for i, label in enumerate(labels)))
    brief = narrate(crowded)
    # The last sentence names the first thing left over by its side and counts the rest, within about 18 s.
    assert len(brief) == 3 and brief[-1] == "Also a book straight ahead and two more things."
    assert len(" ".join(brief).split()) <= BRIEF_WORDS == 50
    normal = narrate(crowded, "normal")
    assert normal[0] == ("I can see seven things: a person, a dog, a chair, a cup, a book, a bottle and a laptop.")
    assert len(normal) == 8 and all(label in " ".join(normal) for label in labels)


def test_relative_depth_says_nearer_and_farther_never_metres():
    paper = scene(
        seen("chair", 100, z=74.5),
        seen("tv", 500, z=156.5),
        seen("couch", 300, z=99.7),
        depth_unit="inverse relative depth",
    )
    text = " ".join(narrate(paper, "full"))
    assert "metre" not in text
    assert "A tv on your right, the nearest thing." in text  # MiDaS: bigger z = nearer
    assert "A chair on your left, farther away." in text


@pytest.mark.parametrize("detail", ["brief", "normal", "full"])
def test_no_readouts_and_every_sentence_passes_the_claim_checker(detail):
    things = scene(
        seen("cup", 300, 0.46, score=0.96),
        seen("chair", 60, 2.13),
        seen("chair", 540, 3.71),
        seen("person", 230, 1.52),
        seen("cat", 420, 2.2, score=0.51, certain=False),
        caption="An image classifier's best guess is 'espresso' (84% confident).",
    )
    sentences = narrate(things, detail)
    for sentence in sentences:
        assert readouts(sentence) == []
        assert not re.search(r"\d\.\d\d|Left|Mid |Top|Bottom|matrix|grid|\*|#", sentence)
        assert contradictions(sentence, things) == [], sentence


def test_fact_sheet_is_plain_words_for_the_prompt():
    things = scene(
        seen("cup", 300, 0.46, score=0.96),
        seen("cat", 420, 2.2, score=0.51, certain=False),
        caption="The whole picture may show an espresso (a guess); the object detector found one cup.",
    )
    sheet = fact_sheet(things)
    assert sheet.splitlines() == [
        "Objects found in the photo, in the order they matter to the listener (nothing else was found):",
        "A cup straight ahead, within reach.",
        "Possibly a cat slightly right, about 2 metres away.",
        "Counts: a cup and possibly a cat.",
        "Overall impression (a guess, often wrong): The whole picture may show an espresso.",
    ]
    assert readouts(sheet) == []


def test_unknown_detail_level_is_refused():
    with pytest.raises(ValueError, match="brief, normal, full"):
        narrate(scene(), "chatty")


# --- Property: whatever the scene, the narration says only what the claim checker lets through ----------------------
LABELS = (
    "person",
    "chair",
    "cup",
    "dog",
    "car",
    "truck",
    "clock",
    "hot dog",
    "teddy bear",
    "cell phone",
    "dining table",
    "traffic light",
    "sports ball",
    "skis",
    "orange",
    "tv",
    "bench",
)


@st.composite
def scenes(draw):
    width, height = draw(st.integers(100, 2000)), draw(st.integers(100, 2000))
    focal_35mm = draw(st.none() | st.floats(10, 120))
    camera = camera_for(width, height, focal_35mm)
    relative = draw(st.booleans())
    detections = []
    for _ in range(draw(st.integers(0, 9))):
        x1, y1 = draw(st.floats(0, width - 2)), draw(st.floats(0, height - 2))
        x2, y2 = draw(st.floats(x1 + 1, width)), draw(st.floats(y1 + 1, height))
        score = draw(st.floats(0.55, 1.0))
        metres = draw(st.floats(0.2, 80.0))
        detection = Detection(
            draw(st.sampled_from(LABELS)),
            score,
            (x1, y1, x2, y2),
            certain=score >= 0.8,
            z=draw(st.floats(1.0, 300.0)) if relative else metres,
            distance_m=None if relative else metres,
        )
        detections.append(replace(detection, clock=clock_direction(detection.center[0], camera)))
    return Scene(width, height, detections, "", "inverse relative depth" if relative else "metres", camera=camera)


@settings(max_examples=150, deadline=None, derandomize=True, database=None)  # the same scenes every run
@given(scenes())
def test_every_narrated_sentence_contradicts_nothing(any_scene):
    for detail in ("brief", "normal", "full"):
        sentences = narrate(any_scene, detail)
        assert detail != "brief" or len(sentences) <= 3
        for sentence in sentences:
            assert readouts(sentence) == [], sentence
            assert contradictions(sentence, any_scene) == [], sentence
    assert readouts(fact_sheet(any_scene).replace("\n", " ")) == []
