"""Geometric metric depth: the cues on hand-made boxes, and an honest score on the Middlebury motorcycle scene.

The scene's true depth comes from its disparity map and calibration (scikit-image docstring: f = 994.978 px,
doffs = 31.086 px, baseline = 193.001 mm). The estimator is NOT given that focal length: it sees a plain RGB image
without EXIF and must use its default field of view, as it would for any user photo.
"""

import math

import numpy as np
import pytest
from skimage import data

from echollama.config import EMBEDDED_DETECTION_THRESHOLD
from echollama.scene.camera import camera_for
from echollama.scene.geometric_depth import (
    estimate_camera_height,
    estimate_distances,
    size_cues,
)
from echollama.scene.image import LoadedImage
from echollama.scene.ssd_detector import SsdMobileNetDetector
from echollama.types import Camera, Detection

FOCAL_PX, DOFFS_PX, BASELINE_MM = 994.978, 31.086, 193.001
CAMERA_1000 = Camera(1000, 800, 1000.0, "exif")  # focal length 1000 px


def true_depth_m(disparity: np.ndarray) -> np.ndarray:
    return BASELINE_MM * FOCAL_PX / (disparity + DOFFS_PX) / 1000.0


def test_person_height_cue_follows_the_pinhole_model():
    camera = CAMERA_1000
    person = Detection("person", 0.9, (450, 100, 550, 440))  # 340 px tall, 1.7 m tall -> 5 m
    assert size_cues(person, camera)["height"] == pytest.approx(5.0)


def test_boxes_cut_by_the_border_do_not_vote_on_that_axis():
    camera = CAMERA_1000
    cut_top = Detection("person", 0.9, (450, 0, 550, 440))
    assert "height" not in size_cues(cut_top, camera) and "width" in size_cues(cut_top, camera)


def test_nearer_objects_get_smaller_distances_and_camera_height_is_plausible():
    camera = CAMERA_1000
    near = Detection("chair", 0.9, (100, 350, 300, 750))
    far = Detection("chair", 0.9, (600, 420, 680, 580))
    placed = estimate_distances([near, far], camera)
    assert placed[0].distance_m < placed[1].distance_m
    assert 0.3 <= estimate_camera_height([near, far], camera) <= 2.5
    assert all(d.z <= d.distance_m for d in placed)


@pytest.mark.parametrize("x, bearing", [(500, 0.0), (100, -21.8), (900, 21.8)])
def test_spoken_distance_is_along_the_line_of_sight(x, bearing):
    # Same box size, so the same depth along the optical axis; off axis the object is farther by 1 / cos(bearing).
    person = Detection("person", 0.9, (x - 50, 100, x + 50, 440))
    placed = estimate_distances([person], CAMERA_1000)[0]
    assert placed.distance_m == pytest.approx(placed.z / math.cos(math.radians(bearing)), abs=0.01)


@pytest.mark.parametrize(
    "width, height, focal_35mm, focal_px",
    [
        (600, 400, None, 519.6),  # the default 60° is horizontal: (600 / 2) / tan(30°)
        (
            400,
            600,
            None,
            346.4,
        ),  # ... in portrait too, so left and right mean the same whichever way the phone was held
        (3000, 2000, 26, 2166.7),  # 3:2 frame: 26 mm on a 36 mm-wide frame is 26 / 36 of the width
        (4000, 3000, 26, 3004.6),  # 4:3 frame: the 35 mm equivalent is by the diagonal (43.27 mm <-> 5000 px)
    ],
)
def test_camera_focal_length(width, height, focal_35mm, focal_px):
    camera = camera_for(width, height, focal_35mm)
    assert camera.focal_px == pytest.approx(focal_px, abs=0.2)


def test_motorcycle_distance_against_stereo_ground_truth(record_property):
    left, _, disparity = data.stereo_motorcycle()
    image = LoadedImage(rgb=np.ascontiguousarray(left), source="stereo_motorcycle")
    detections = SsdMobileNetDetector().detect(image, EMBEDDED_DETECTION_THRESHOLD)
    camera = camera_for(image.width, image.height, image.focal_35mm)
    assert camera.focal_source == "default field of view"  # not the scene's calibrated focal length

    motorcycle = next(d for d in estimate_distances(detections, camera) if d.label == "motorcycle")
    x1, y1, x2, y2 = (int(round(v)) for v in motorcycle.box)
    depth = true_depth_m(disparity[y1:y2, x1:x2])
    truth = float(np.median(depth[np.isfinite(depth)]))
    error = abs(motorcycle.distance_m - truth)
    record_property("motorcycle_estimate_m", motorcycle.distance_m)
    record_property("motorcycle_truth_m", truth)
    print(
        f"\nmotorcycle: estimated {motorcycle.distance_m:.2f} m, true {truth:.2f} m, "
        f"error {error:.2f} m ({error / truth:.0%})"
    )
    assert truth == pytest.approx(2.55, abs=0.1)
    assert error / truth < 0.30
