"""Object colours: basic colour terms from CIELAB on synthetic patches, two-toned objects, a busy background that must
not bleed in, real photos, the phrase that says them, and the JSON that carries their evidence."""

import json

import cv2
import numpy as np
import pytest

from echollama.evaluation.labelled_set import labelled_image
from echollama.language.narration import fact_sheet, narrate
from echollama.scene.colourer import ObjectColourer
from echollama.scene.object_colour import ColourRule, name_colour, object_colour
from echollama.types import Detection, ObjectColour, Scene


def _lab_of(rgb: tuple[int, int, int], n: int = 400) -> np.ndarray:
    pixel = np.array([[rgb]], dtype=np.float32) / 255.0
    return np.repeat(cv2.cvtColor(pixel, cv2.COLOR_RGB2Lab).reshape(1, 3), n, axis=0)


@pytest.mark.parametrize(
    ("rgb", "words"),
    [
        ((15, 15, 15), "black"),
        ((245, 245, 245), "white"),
        ((110, 110, 110), "grey"),
        ((200, 30, 30), "red"),
        ((240, 140, 30), "orange"),
        ((240, 220, 40), "yellow"),
        ((40, 150, 40), "green"),
        ((40, 80, 200), "blue"),
        ((120, 40, 150), "purple"),
        ((240, 150, 180), "pink"),
        ((110, 70, 35), "brown"),
    ],
)
def test_each_basic_term_from_its_lab_colour(rgb, words):
    colour = name_colour(_lab_of(rgb), "test")
    assert colour is not None and colour.words == words
    assert colour.share == {words: 1.0}


def test_a_shade_between_grey_and_white_is_not_named():
    # A white plane under cloud and a silver car in the sun are this light: silence beats a guess.
    assert name_colour(_lab_of((160, 160, 160)), "test") is None


def test_two_tones_are_said_only_where_the_rule_allows_them_and_a_mixture_never():
    brown_and_white = np.vstack([_lab_of((110, 70, 35), 500), _lab_of((245, 245, 245), 450)])
    # The measured rule says one colour or none: here the colour over the white parts.
    assert name_colour(brown_and_white, "test").words == "brown"
    two = name_colour(brown_and_white, "test", ColourRule(one=0.6, two=0.3))
    assert two is not None and two.words == "brown and white" and set(two.share) == {"brown", "white"}
    mixed = np.vstack([_lab_of(c, 250) for c in ((200, 30, 30), (40, 80, 200), (40, 150, 40), (240, 220, 40))])
    assert name_colour(mixed, "test", ColourRule(two=0.3)) is None


def test_shading_on_a_black_object_is_not_a_second_colour():
    # A black dog's sheen: dark pixels with some lighter ones are one shade, not "black and grey".
    shaded = np.vstack([_lab_of((20, 20, 20), 700), _lab_of((60, 60, 60), 300)])
    assert name_colour(shaded, "test").words == "black"


def test_a_colour_over_black_and_grey_parts_is_said_alone():
    # A red car: its windows and tyres are black, its chrome white in the sun.
    car = np.vstack([_lab_of((200, 30, 30), 520), _lab_of((20, 20, 20), 240), _lab_of((245, 245, 245), 240)])
    assert name_colour(car, "test").words == "red"


def _busy(height: int = 240, width: int = 320) -> np.ndarray:
    """Stripes of saturated colours, a different one every 6 pixels."""
    colours = np.array([(200, 30, 30), (40, 80, 200), (40, 150, 40), (240, 220, 40), (120, 40, 150)], np.uint8)
    return colours[(np.arange(width) // 6) % len(colours)][None, :, :].repeat(height, axis=0).copy()


def test_a_busy_background_does_not_bleed_into_the_object():
    image = _busy()
    cv2.ellipse(image, (160, 120), (60, 45), 0, 0, 360, (20, 20, 20), -1)  # a black object on stripes
    dog = Detection("dog", 0.9, (95.0, 70.0, 225.0, 170.0))  # its box holds stripes in the corners
    colour = object_colour(image, dog)
    assert colour is not None and colour.words == "black" and colour.method == "grabcut"


def test_classes_without_a_colour_of_their_own_and_unsure_objects_get_none():
    image = np.full((200, 200, 3), (200, 30, 30), np.uint8)
    person = Detection("person", 0.9, (50.0, 50.0, 150.0, 150.0))
    unsure = Detection("dog", 0.6, (50.0, 50.0, 150.0, 150.0), certain=False)
    tiny = Detection("dog", 0.9, (50.0, 50.0, 60.0, 60.0))
    plant = Detection("potted plant", 0.9, (50.0, 50.0, 150.0, 150.0))  # leaves and pot: which colour is it?
    orange = Detection("orange", 0.9, (50.0, 50.0, 150.0, 150.0))  # its colour is its name
    assert ObjectColourer().colours(image, [person, unsure, tiny, plant, orange]) == [None] * 5


def test_a_greyscale_photo_gets_no_colours():
    image = labelled_image("office_basketball").load().rgb  # a black-and-white photo
    ball = Detection("sports ball", 0.9, (120.0, 85.0, 195.0, 160.0))
    assert ObjectColourer().colours(image, [ball]) == [None]


@pytest.mark.parametrize(("photo", "index", "words"), [("dog_indoors_floor", 0, "black"), ("horses_field", 0, "white")])
def test_real_photos_unambiguous_colours(photo, index, words):
    item = labelled_image(photo)
    box = item.objects[index]
    detection = Detection(box.label, 0.9, box.box)
    assert ObjectColourer().colour(item.load().rgb, [detection])[0].colour.words == words


def _scene(*detections: Detection) -> Scene:
    return Scene(640, 480, list(detections), "", "metres")


BLACK = ObjectColour("black", (12.0, 0.5, -0.3), {"black": 0.94}, "grabcut")
WHITE = ObjectColour("white", (88.0, 0.1, 2.0), {"white": 0.9}, "grabcut")
ORANGE = ObjectColour("orange", (60.0, 30.0, 60.0), {"orange": 0.7}, "grabcut")


def test_the_colour_goes_before_the_label_when_measured():
    scene = _scene(
        Detection("dog", 0.9, (10.0, 200.0, 100.0, 300.0), distance_m=2.0, colour=BLACK),
        Detection("bus", 0.9, (300.0, 100.0, 600.0, 400.0), distance_m=8.0, colour=ORANGE),
    )
    said = narrate(scene)[0]
    assert said.startswith("I can see a black dog on your left") and "an orange bus" in said
    assert "A black dog on your left" in fact_sheet(scene)


def test_a_group_is_coloured_only_when_every_member_agrees():
    agree = [Detection("chair", 0.9, (x, 300.0, x + 50, 400.0), distance_m=3.0, colour=WHITE) for x in (100, 300)]
    assert narrate(_scene(*agree))[0].startswith("I can see two white chairs")
    mixed = [agree[0], Detection("chair", 0.9, (400.0, 300.0, 450.0, 400.0), distance_m=3.0, colour=BLACK)]
    assert narrate(_scene(*mixed))[0].startswith("I can see two chairs")
    partly = [agree[0], Detection("chair", 0.9, (400.0, 300.0, 450.0, 400.0), distance_m=3.0)]
    assert narrate(_scene(*partly))[0].startswith("I can see two chairs")


def test_an_orange_is_not_an_orange_orange():
    orange = Detection("orange", 0.9, (10.0, 200.0, 100.0, 300.0), distance_m=0.5, colour=ORANGE)
    assert narrate(_scene(orange))[0].startswith("I can see an orange on your left")


def test_possibly_objects_get_no_colour():
    unsure = Detection("dog", 0.6, (10.0, 200.0, 100.0, 300.0), distance_m=2.0, certain=False, colour=BLACK)
    assert narrate(_scene(unsure))[0].startswith("Possibly a dog on your left")


def test_the_json_carries_the_colour_and_its_evidence():
    scene = _scene(
        Detection("dog", 0.9, (10.0, 200.0, 100.0, 300.0), colour=BLACK), Detection("cat", 0.9, (1, 1, 9, 9))
    )
    data = json.loads(json.dumps(scene.to_dict()))
    assert data["detections"][0]["colour"] == {
        "words": "black",
        "lab": [12.0, 0.5, -0.3],
        "share": {"black": 0.94},
        "method": "grabcut",
    }
    assert Scene.from_dict(data) == scene


def test_a_colour_whose_words_and_shares_disagree_is_refused():
    with pytest.raises(ValueError):
        ObjectColour("black and white", (1.0, 0.0, 0.0), {"black": 0.9}, "grabcut")


def test_the_eval_counts_right_and_wrong_colours_against_the_labels():
    from echollama.evaluation.colour_eval import colour_figures, colour_line

    dog = labelled_image("dog_indoors_floor").objects[0]

    def figures(colour: ObjectColour, certain: bool = True) -> dict:
        said = Detection("dog", 0.9, dog.box, certain=certain, colour=colour)
        return colour_figures({"dog_indoors_floor": Scene(800, 600, [said], "", "metres")})

    right, wrong, unsure = figures(BLACK), figures(WHITE), figures(BLACK, certain=False)
    assert (right["said"], right["right"], right["said_share_of_named"]) == (1, 1, 1.0)
    assert (wrong["said"], wrong["right"]) == (1, 0) and "said white" in wrong["wrong"][0]
    assert unsure["said"] == 0 and unsure["clear_colour_objects_named"] == 0
    assert colour_line(right).startswith("colour words said: 1, right 100% against the labels")


def test_the_eval_takes_a_two_tone_in_either_order():
    from echollama.evaluation.colour_eval import colour_figures

    dog = labelled_image("porch_dog_bicycle").objects[0]  # labelled 'black and brown' among others
    two_tone = ObjectColour("brown and black", (20.0, 5.0, 8.0), {"brown": 0.4, "black": 0.5}, "grabcut")
    said = Detection("dog", 0.9, dog.box, colour=two_tone)
    figures = colour_figures({"porch_dog_bicycle": Scene(800, 600, [said], "", "metres")})
    assert (figures["said"], figures["right"]) == (1, 1)


def test_the_eval_matches_a_detection_by_any_name_its_label_accepts():
    from echollama.evaluation.colour_eval import colour_figures

    pickup = labelled_image("porch_dog_bicycle").objects[2]  # "truck", also "car" or "pickup"; labelled white
    assert pickup.label == "truck" and "car" in pickup.names

    def figures(label: str) -> dict:
        said = Detection(label, 0.9, pickup.box, colour=WHITE)
        return colour_figures({"porch_dog_bicycle": Scene(768, 576, [said], "", "metres")})

    assert (figures("car")["said"], figures("car")["right"]) == (1, 1)  # "a white car" is its colour said
    assert figures("bus")["said"] == 0  # a name the label does not accept is another object, not judged


def _lab_pixels(lightness: float, chroma: float, hue_degrees: float, n: int = 400) -> np.ndarray:
    hue = np.radians(hue_degrees)
    return np.tile([lightness, chroma * np.cos(hue), chroma * np.sin(hue)], (n, 1)).astype(np.float32)


def test_dark_brown_is_brown_and_a_black_coat_is_black():
    # A dark-brown horse's pixels (L 13, chroma 8, brown's hue) against a black dog's (L 13, chroma 2.5).
    assert name_colour(_lab_pixels(13, 8, 55), "test").words == "brown"
    assert name_colour(_lab_pixels(13, 2.5, 55), "test").words == "black"


def test_a_black_thing_in_bluish_shade_is_not_blue_and_a_blue_one_is():
    # A black umbrella under the sky (L 36, chroma 15, blue's hue): not blue; a blue one has far more chroma.
    assert name_colour(_lab_pixels(36, 15, -82), "test") is None
    assert name_colour(_lab_pixels(36, 45, -70), "test").words == "blue"


def test_an_orange_object_with_shaded_brown_parts_is_orange_and_a_brown_one_brown():
    bus = np.vstack([_lab_of((240, 140, 30), 300), _lab_of((120, 70, 30), 350), _lab_of((128, 128, 128), 350)])
    assert name_colour(bus, "test").words == "orange"
    cat = np.vstack([_lab_of((160, 110, 60), 900), _lab_of((240, 140, 30), 50)])
    assert name_colour(cat, "test").words == "brown"


def test_warm_fur_under_the_chroma_of_a_colour_is_not_called_grey():
    # A brindle dog's fur (chroma 10, brown's hue) is too grey for brown and too warm for grey: nothing is said.
    assert name_colour(_lab_pixels(55, 10, 60), "test") is None
    assert name_colour(_lab_pixels(50, 3, 60), "test").words == "grey"


def test_a_red_in_shade_is_red_and_a_dark_brown_stays_brown():
    # A red tie in a table's shade (L 20, chroma 14, red's hue 25) against a dark-brown horse (hue 55).
    assert name_colour(_lab_pixels(20, 14, 25), "test").words == "red"
    assert name_colour(_lab_pixels(20, 14, 55), "test").words == "brown"


def test_a_tie_is_never_said_to_be_white():
    # A tie's box holds the shirt around it: white there is the shirt's more often than the tie's.
    tie = Detection("tie", 0.9, (50.0, 50.0, 150.0, 150.0))
    white = np.full((200, 200, 3), (235, 235, 235), np.uint8)
    red = np.full((200, 200, 3), (200, 30, 30), np.uint8)
    assert ObjectColourer().colours(white, [tie]) == [None]
    colour = ObjectColourer().colours(red, [tie])[0]
    assert colour is not None and colour.words == "red"
