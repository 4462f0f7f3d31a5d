"""What the brief names when not everything fits (language/brief_choice.py), on hand-written Scenes.

Run: .venv/bin/python -m pytest -q tests/test_narration_brief.py   (pure code, < 1 s)
"""

from echollama.language.brief_choice import BRIEF_WORDS, sides, tail_sentence
from echollama.language.claims import contradictions
from echollama.language.narration import narrate, narrate_pieces
from echollama.scene.camera import camera_for
from echollama.scene.grid import bearing_degrees
from echollama.types import Camera, Detection, PlacedText
from test_narration import HEIGHT, WIDTH, scene, seen


def box(label, corners, metres, score=0.9, certain=True):
    return Detection(label, score, corners, z=metres, distance_m=metres, certain=certain)


# A dinner table: people on all sides, glasses, a worn tie, a bottle, a tiny unsure bowl and a big unsure table.
DINNER = scene(
    seen("person", 60, 3.0, half=40),
    seen("person", 300, 3.5, half=40),
    seen("person", 540, 4.0, half=40),
    seen("wine glass", 280, 1.0),
    seen("wine glass", 320, 1.4),
    seen("wine glass", 360, 1.8),
    seen("tie", 540, 4.0),
    seen("bottle", 250, 2.5),
    seen("bowl", 330, 1.5, score=0.41, certain=False),
    box("dining table", (150, 250, 450, 400), 2.0, score=0.54, certain=False),
)
# Two at a bar: the people and their glasses do not all fit in full, so the rest is named short.
BAR = scene(
    seen("person", 100, 1.5, half=40),
    seen("person", 500, 2.0, half=40),
    seen("tie", 500, 2.0),
    seen("wine glass", 150, 1.6),
    seen("wine glass", 320, 1.9, score=0.48, certain=False),
    box("dining table", (20, 260, 200, 400), 2.8, score=0.44, certain=False),
)


def test_what_is_left_over_is_named_short_the_big_table_first_instead_of_counted():
    assert narrate(DINNER) == [
        "I can see at least three people, the nearest on your left, about 3 metres away; one more straight ahead "
        "and one on your right.",
        "At least three wine glasses straight ahead, the nearest about 1 metre away.",
        # The bottle and the tie are counted; the tiny unsure bowl is not even counted.
        "Also possibly a dining table straight ahead and two more things.",
    ]
    assert narrate(BAR) == [
        "I can see two people: one on your left, about 1.5 metres away, and one on your right, about 2 metres away.",
        "Also possibly a dining table on your left, two wine glasses on your left and straight ahead, and a tie on "
        "your right.",
    ]
    for sentence in narrate(DINNER) + narrate(BAR):
        assert contradictions(sentence, DINNER if sentence in narrate(DINNER) else BAR) == [], sentence


def test_only_the_last_sentence_opens_with_also():
    # "Also at least three cars .... Also a truck ..." said the word twice; the leftovers are the one "Also".
    street = scene(
        seen("person", 60, 3.0, half=40),
        seen("person", 540, 4.0, half=40),
        seen("car", 150, 8.0, half=60),
        seen("car", 300, 9.0, half=60),
        seen("car", 500, 10.0, half=60),
        seen("truck", 500, 12.0, half=60),
    )
    assert narrate(street) == [
        "I can see two people: one on your left, about 3 metres away, and one on your right, about 4 metres away.",
        "At least three cars, the nearest slightly left, about 8 metres away; one more straight ahead and one on "
        "your right.",
        "Also a truck on your right.",
    ]
    # Three kinds each spread over the picture, all said in full: no leftovers, and still one "Also", the last.
    pairs = scene(*(seen(label, x, half=40) for label in ("person", "car", "dog") for x in (60, 540)))
    brief = narrate(pairs)
    assert len(brief) == 3 and [s.split()[0] for s in brief] == ["I", "Two", "Also"]


def test_the_brief_stays_within_its_words_and_three_sentences():
    for crowded in (DINNER, BAR):
        brief = narrate(crowded)
        assert len(brief) <= 3 and len(" ".join(brief).split()) <= BRIEF_WORDS


def test_a_small_unsure_thing_is_left_out_of_the_brief_but_said_in_more_detail():
    # On the labelled photos the small lone "possibly" boxes were wrong (a bowl, a remote), the big ones right.
    things = scene(seen("dog", 450, 2.0), seen("cat", 150, 1.5, score=0.5, certain=False))
    assert narrate(things) == ["I can see a dog slightly right, about 2 metres away."]
    assert "Possibly a cat slightly left" in " ".join(narrate(things, "normal"))
    alone = scene(seen("cat", 150, 1.5, score=0.5, certain=False))  # with nothing else, it is still said
    assert narrate(alone) == ["Possibly a cat slightly left, about 1.5 metres away."]


def test_a_worn_thing_comes_after_the_things_that_stand_free():
    # The tie is nearer than the cup, yet said after it.
    person = scene(seen("person", 300, 2.0, half=40), seen("tie", 300, 2.0), seen("cup", 500, 3.0))
    assert narrate(person) == [
        "I can see a person straight ahead, about 2 metres away, and a cup on your right, about 3 metres away.",
        "Also a tie straight ahead, about 2 metres away.",
    ]


def test_sides_of_a_group_say_each_third_and_never_the_clock():
    plain = scene()
    assert sides([seen("cup", 50), seen("cup", 550)], plain) == "on your left and right"
    assert sides([seen("cup", 300), seen("cup", 50)], plain) == "on your left and straight ahead"
    assert sides([seen("cup", 50), seen("cup", 300), seen("cup", 550)], plain) == (
        "straight ahead and on your left and right"
    )
    wide = scene(camera=Camera(WIDTH, HEIGHT, 200.0, "exif"))  # its edges are 56° off axis: "far left, at 10"
    assert sides([seen("dog", 5)], wide) == "on your far left"


def test_the_last_sentence_joins_its_items_and_keeps_each_ones_direction():
    pieces = tail_sentence([PlacedText("a bottle straight ahead", 0.0), PlacedText("a tie on your right", 20.0)], 2)
    assert "".join(pieces) == "Also a bottle straight ahead, a tie on your right and two more things."
    assert [p.azimuth_deg for p in pieces] == [0.0, 20.0, None]
    assert pieces[-1] == "and two more things."  # the "and" heard with what it adds, as in every other sentence
    spread = tail_sentence([PlacedText("two cups on your left and right"), PlacedText("a bowl straight ahead")], 0)
    assert "".join(spread) == "Also two cups on your left and right, and a bowl straight ahead."
    table = next(p for p in narrate_pieces(DINNER) if "dining table" in p)
    assert table.azimuth_deg == bearing_degrees(300, camera_for(WIDTH, HEIGHT))
