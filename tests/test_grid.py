"""The paper's object detection matrix (§5.1): cells, notation, and the worked example of Figure 4."""

import pytest

from echollama.scene.camera import camera_for
from echollama.scene.grid import clock_direction, format_entry, format_matrix, grid_cell
from echollama.types import Camera, Detection


def box_around(x, y, half=5):
    return (x - half, y - half, x + half, y + half)


def test_paper_figure_4_example_is_reproduced_exactly():
    # Figure 4: DETR scores and MiDaS z as the paper prints them; an image 300 px wide and 180 px high puts
    # x = 48..67 in the left third, 170 in the middle and 214 in the right, and every y (91..131) in the bottom row.
    detections = [
        Detection("chair", 0.998, box_around(48, 101), z=74.5101),
        Detection("diningtable", 0.92, box_around(62, 91), z=76.78),
        Detection("couch", 0.9991, box_around(67, 131), z=99.69),
        Detection("chair", 0.95, box_around(170, 95), z=132.81),
        Detection("tv", 0.997, box_around(214, 98), z=156.495),
    ]
    assert format_matrix(detections, 300, 180) == (
        "Left Top:\n"
        "Mid Top:\n"
        "Right Top:\n"
        "Left Bottom: chair: 1.0, r(48, 101, 74.5101), diningtable: 0.92, r(62, 91, 76.78), couch: 1.0, r(67, 131, 99.69)\n"
        "Mid Bottom: chair: 0.95, r(170, 95, 132.81)\n"
        "Right Bottom: tv: 1.0, r(214, 98, 156.495)"
    )


@pytest.mark.parametrize(
    "x, y, cell",
    [
        (0, 0, "Left Top"),
        (99.9, 49.9, "Left Top"),
        (100, 0, "Mid Top"),
        (199.9, 10, "Mid Top"),
        (200, 10, "Right Top"),
        (299, 99.9, "Right Top"),
        (0, 100, "Left Bottom"),
        (150, 100, "Mid Bottom"),
        (300, 200, "Right Bottom"),  # the far corner belongs to the last cell
    ],
)
def test_grid_cell_boundaries(x, y, cell):
    assert grid_cell(x, y, 300, 200) == cell


def test_empty_matrix_lists_all_six_cells():
    assert format_matrix([], 640, 480).splitlines() == [
        "Left Top:",
        "Mid Top:",
        "Right Top:",
        "Left Bottom:",
        "Mid Bottom:",
        "Right Bottom:",
    ]


def test_entry_without_depth_leaves_z_out():
    assert format_entry(Detection("cup", 0.873, (10, 20, 30, 40))) == "cup: 0.87, r(20, 30)"


@pytest.mark.parametrize(
    "x, hour",
    [
        (320, 12),
        (0, 11),
        (639, 1),
        (330, 12),  # 60° field of view: the image edges are 30° off axis
        (213, 11),
        (214, 12),
        (426, 12),
        (427, 1),
    ],  # the hour agrees with the third the spoken side comes from
)
def test_clock_direction(x, hour):
    camera = camera_for(640, 480)
    assert clock_direction(x, camera) == hour


def test_clock_direction_wide_angle_reaches_two_and_ten():
    camera = camera_for(1000, 500, focal_35mm=10)  # very wide lens: edges are ~61° off axis
    assert clock_direction(0, camera) == 10
    assert clock_direction(999, camera) == 2


def test_clock_keeps_the_middle_third_at_twelve_even_with_a_wide_lens():
    camera = Camera(900, 600, 260.0, "exif")  # the thirds' edges are 30° off axis
    assert [clock_direction(x, camera) for x in (299, 301, 599, 601)] == [11, 12, 12, 1]
