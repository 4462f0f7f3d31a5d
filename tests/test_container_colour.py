"""A container's colour on real photos: a bowl's from its rim and wall, not its food; a table's from its top between
the things on it; a cup's from its wall below the drink; nothing where too little of the table is seen, nor for a
glass."""

import numpy as np

from echollama.evaluation.labelled_set import labelled_image
from echollama.samples import SAMPLE_IMAGE
from echollama.scene.colourer import ObjectColourer
from echollama.scene.container_colour import RIM_INNER, container_colour, container_pixels, rim_pixels
from echollama.scene.image import load_image
from echollama.types import Detection


def _coffee() -> np.ndarray:
    """The bundled photo: a brown-and-white espresso cup on a red saucer on a wooden table."""
    return load_image(SAMPLE_IMAGE).rgb


def _boxes(*boxes: tuple[float, float, float, float], label: str = "bowl") -> list[Detection]:
    return [Detection(label, 0.9, box) for box in boxes]


def test_a_bowl_of_food_is_the_colour_of_its_rim():
    # The labelled meal: a white bowl of greens (labelled white); the detector's box.
    rgb = labelled_image("outdoor_kitchen_meal").load().rgb
    bowl = Detection("bowl", 0.9, (316.0, 297.0, 362.0, 328.0))
    colour = ObjectColourer().colours(rgb, [bowl])[0]
    assert colour is not None and colour.words == "white" and colour.method == "rim"


def test_a_white_bowl_in_a_dim_bar_is_white():
    rgb = labelled_image("bar_friends_drinks").load().rgb  # a white bowl of lemon slices on a patterned cloth
    bowl = Detection("bowl", 0.9, (352.0, 298.0, 418.0, 332.0))
    colour = ObjectColourer().colours(rgb, [bowl])[0]
    assert colour is not None and colour.words == "white"


def test_the_rim_is_the_edge_of_the_box_not_its_middle():
    # A box whose ring outside RIM_INNER of its inscribed ellipse is red and whose middle is green, on blue: the rim is
    # red alone. Small enough that its crop is not averaged down, so no pixel mixes red and green.
    rim_red, middle_green, background_blue = (200, 30, 30), (30, 160, 40), (40, 60, 200)
    rgb = np.empty((100, 120, 3), np.uint8)
    rgb[:] = background_blue
    x1, y1, x2, y2 = 30, 30, 90, 70
    rows, columns = np.mgrid[y1:y2, x1:x2]
    radius = np.hypot((columns + 0.5 - x1 - 30) / 30, (rows + 0.5 - y1 - 20) / 20)
    rgb[y1:y2, x1:x2] = np.where((radius > RIM_INNER)[..., None], rim_red, middle_green)
    rim = rim_pixels(rgb, (x1, y1, x2, y2))
    assert len(rim) > 0
    assert (rim == rim_red).all(axis=1).all()


def test_a_table_is_the_colour_of_its_top_between_what_stands_on_it():
    # Near a threshold (measured): brown holds 0.527 of the coffee table's uncovered top against ColourRule.one, 0.50;
    # test_a_wooden_table_is_brown_and_a_striped_cloth_no_colour makes the point well clear of it.
    rgb = _coffee()
    table = Detection("dining table", 0.9, (0.0, 0.0, 600.0, 400.0))
    cup = Detection("cup", 0.95, (170.0, 13.0, 422.0, 297.0))
    table_colour, cup_colour = ObjectColourer().colours(rgb, [table, cup])
    assert table_colour is not None and table_colour.words == "brown" and table_colour.method == "uncovered top"
    assert cup_colour is not None and cup_colour.words == "red" and cup_colour.method == "lower wall"


def test_a_glass_is_not_the_colour_of_its_drink():
    # The labelled bar photo's glasses (labelled as no clear colour): tea reads brown on the wall and in the opening
    # alike, water grey; the detector's boxes.
    rgb = labelled_image("bar_friends_drinks").load().rgb
    glasses = [
        Detection("cup", 0.8, box)
        for box in ((232.0, 268.0, 275.0, 334.0), (276.0, 241.0, 310.0, 312.0), (343.0, 239.0, 384.0, 302.0))
    ]
    assert ObjectColourer().colours(rgb, glasses) == [None, None, None]


def test_the_meal_table_is_brown_under_its_bowls_and_beside_its_people():
    rgb = labelled_image("outdoor_kitchen_meal").load().rgb  # the detector's boxes, a brown woven tray as the table
    table = Detection("dining table", 0.54, (269.0, 260.0, 441.0, 337.0))
    others = [
        *_boxes((189.0, 106.0, 313.0, 327.0), (367.0, 80.0, 499.0, 333.0), label="person"),
        Detection("bottle", 0.83, (369.0, 158.0, 387.0, 212.0)),
        *_boxes((316.0, 297.0, 362.0, 328.0), (352.0, 292.0, 392.0, 313.0), (349.0, 273.0, 374.0, 293.0)),
    ]
    colour = container_colour(rgb, table, [table, *others])
    assert colour is not None and colour.words == "brown"


def test_a_table_hidden_by_what_stands_on_it_gets_no_colour():
    rgb = _coffee()
    table = Detection("dining table", 0.9, (200.0, 100.0, 400.0, 300.0))
    cover = Detection("cup", 0.9, (190.0, 90.0, 410.0, 298.0))  # leaves a strip 2 pixels high: under min_pixels
    found = container_pixels(rgb, table, [table, cover])
    assert found.seen == 200 * 2 and found.method == "uncovered top"
    assert container_colour(rgb, table, [table, cover]) is None


def test_a_patterned_tablecloth_is_not_said_to_be_its_commonest_shade():
    # The labelled bar photo: a table under a patterned cloth, labelled as no clear colour. Its top between the cups,
    # the bowl and the people is brown only in part (39 % as measured here; 41 % with the photo's light gains, as the
    # colourer measures it): a colour must hold most of a table top.
    item = labelled_image("bar_friends_drinks")
    detections = [Detection(o.label, 0.9, o.box) for o in item.objects]
    table = next(d for d in detections if d.label == "dining table")
    assert container_colour(item.load().rgb, table, detections) is None


def test_a_wooden_table_is_brown_and_a_striped_cloth_no_colour():
    # Well clear of ColourRule.one (0.50), where the real coffee table (0.527) and the bar's cloth (0.39) stand near
    # it: a grained brown top around a white cup is brown throughout (1.0); a cloth striped in five colours, one of
    # them that brown, holds each at a fifth.
    rng = np.random.default_rng(0)
    rgb = np.full((240, 320, 3), 200, np.uint8)  # a grey wall behind
    rgb[100:] = np.clip(np.array((130, 80, 40)) + rng.integers(-12, 12, (140, 320, 1)), 0, 255)
    table = Detection("dining table", 0.9, (0.0, 100.0, 320.0, 240.0))
    cup = Detection("cup", 0.9, (125.0, 55.0, 195.0, 155.0))
    rgb[60:150, 130:190] = 245
    wooden = container_colour(rgb, table, [table, cup])
    assert wooden is not None and wooden.words == "brown" and wooden.share["brown"] > 0.9
    stripes = [(130, 80, 40), (40, 60, 200), (240, 240, 240), (40, 150, 40), (200, 30, 30)]
    for k, x in enumerate(range(0, 320, 16)):
        rgb[100:, x : x + 16] = stripes[k % len(stripes)]
    rgb[60:150, 130:190] = 245
    assert container_colour(rgb, table, [table, cup]) is None
