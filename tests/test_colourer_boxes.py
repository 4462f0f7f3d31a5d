"""The colour stage on boxes a detector does not give but a caller may: a box reaching past the photo's edge is
coloured by its part inside the photo, one wholly outside gets no colour, and a table listed twice keeps its top."""

from dataclasses import replace

import pytest

from echollama.samples import SAMPLE_IMAGE
from echollama.scene.colourer import ObjectColourer
from echollama.scene.image import load_image
from echollama.types import Detection

CUP = Detection("cup", 0.95, (170.0, 13.0, 422.0, 297.0))  # the bundled photo's espresso cup (600 x 400)
TABLE = Detection("dining table", 0.9, (0.0, 0.0, 600.0, 400.0))


@pytest.mark.parametrize("method", ["grabcut", "centre"])
@pytest.mark.parametrize("label", ["cup", "teddy bear"])
# Past the top (the cup), and past the left and bottom (the red saucer's corner).
@pytest.mark.parametrize("over", [(170.0, -300.0, 422.0, 297.0), (-200.0, 150.0, 300.0, 700.0)])
def test_a_box_past_the_photos_edge_is_coloured_by_its_part_inside(method, label, over):
    rgb = load_image(SAMPLE_IMAGE).rgb
    inside = (max(0.0, over[0]), max(0.0, over[1]), min(600.0, over[2]), min(400.0, over[3]))
    colourer = ObjectColourer(method)
    said = colourer.colours(rgb, [Detection(label, 0.9, over)])
    assert said == colourer.colours(rgb, [Detection(label, 0.9, inside)])
    assert said[0] is not None


def test_a_box_wholly_outside_the_photo_gets_no_colour():
    rgb = load_image(SAMPLE_IMAGE).rgb
    outside = [Detection(label, 0.9, (610.0, 10.0, 900.0, 200.0)) for label in ("dining table", "cup", "bowl", "dog")]
    assert ObjectColourer().colours(rgb, [CUP, *outside]) == [ObjectColourer().colours(rgb, [CUP])[0], *[None] * 4]


def test_a_table_listed_twice_is_not_hidden_by_itself():
    rgb = load_image(SAMPLE_IMAGE).rgb
    once = ObjectColourer().colours(rgb, [TABLE, CUP])[0]
    assert once is not None  # else "the same" below could be None == None (which colour: test_container_colour)
    assert ObjectColourer().colours(rgb, [TABLE, CUP, replace(TABLE, score=0.8)])[0] == once
