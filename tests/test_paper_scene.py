"""Paper perception on tiny random checkpoints: DETR post-processing, DPT z at box centres, the matrix, Moondream's adapter.

Moondream2's remote code cannot run offline; its adapter is tested against a stand-in with the documented interface.
Run: .venv/bin/python -m pytest -q tests/test_paper_scene.py
"""

import re

import numpy as np
import pytest

from echollama.scene.analyze import SceneAnalyzer
from echollama.scene.camera import camera_for
from echollama.scene.grid import format_matrix
from echollama.scene.image import LoadedImage
from echollama.types import Detection

IMAGE = LoadedImage(rgb=(np.random.default_rng(0).random((120, 160, 3)) * 255).astype(np.uint8), source="noise.png")


def steer_detr(detector, label_id, logit):
    """Make every query predict `label_id` with a known confidence, and a box per query from its own embedding."""
    import torch

    model = detector.load()[2]
    with torch.no_grad():
        classifier = model.class_labels_classifier
        classifier.weight.zero_()
        classifier.bias.fill_(0.0)
        classifier.bias[label_id] = logit
    return model


@pytest.fixture(scope="module")
def detector(tiny):
    from echollama.scene.detr_detector import DetrDetector

    return DetrDetector(tiny["detr"])


@pytest.fixture(scope="module")
def depth(tiny):
    from echollama.scene.dpt_depth import DptDepthEstimator

    return DptDepthEstimator(tiny["dpt"])


def test_detr_keeps_confident_objects_with_coco_names_and_clipped_boxes(detector):
    model = steer_detr(detector, label_id=2, logit=12.0)  # "cup", softmax ~0.99997 over 6 classes
    detections = detector.detect(IMAGE, threshold=0.9)
    assert len(detections) == model.config.num_queries
    for d in detections:
        assert d.label == "cup" and d.score > 0.99
        x1, y1, x2, y2 = d.box
        assert 0 <= x1 < x2 <= IMAGE.width and 0 <= y1 < y2 <= IMAGE.height
    # Left to right by box centre (the queries' own order is not), so each cell reads as in the paper's Figure 4.
    assert [d.center for d in detections] == sorted(d.center for d in detections)


def test_detr_threshold_drops_unsure_objects(detector):
    steer_detr(detector, label_id=3, logit=1.0)  # "chair" at e^1 / (e^1 + 5) ~ 0.35
    assert detector.detect(IMAGE, threshold=0.9) == []
    assert {d.label for d in detector.detect(IMAGE, threshold=0.3)} == {"chair"}


def test_dpt_depth_map_has_the_image_size(depth):
    depth_map = depth.depth_map(IMAGE)
    assert depth_map.shape == (IMAGE.height, IMAGE.width) and depth_map.dtype == np.float32
    assert depth.unit == "inverse relative depth"


def test_dpt_z_is_the_depth_map_at_the_box_centre(depth):
    boxes = [(10.0, 10.0, 50.0, 40.0), (100.0, 70.0, 150.0, 118.0)]
    detections = [Detection("cup", 0.95, box) for box in boxes]
    depth_map = depth.depth_map(IMAGE)
    camera = camera_for(IMAGE.width, IMAGE.height)
    with_z = depth.estimate_depth(IMAGE, detections, camera)
    assert [d.z for d in with_z] == [round(float(depth_map[25, 30]), 4), round(float(depth_map[94, 125]), 4)]
    assert all(d.distance_m is None for d in with_z)  # relative depth is not a distance


def test_inverse_depth_fit_recovers_scale_and_shift():
    from echollama.scene.dpt_depth import fit_inverse_depth

    # 1 / metres = 0.05 * midas + 0.1 exactly: 5 m, 2.5 m, 1 m at MiDaS 2, 6, 18.
    scale, shift = fit_inverse_depth([2.0, 6.0, 18.0], [5.0, 2.5, 1.0])
    assert scale == pytest.approx(0.05) and shift == pytest.approx(0.1)
    # Noisy estimates: the least-squares line in inverse depth, not a line through any two of them.
    scale, shift = fit_inverse_depth([2.0, 6.0, 18.0, 10.0], [5.0, 2.5, 1.0, 2.0])
    assert scale == pytest.approx(0.049286, abs=1e-6) and shift == pytest.approx(0.081429, abs=1e-6)


def test_inverse_depth_fit_with_one_object_or_a_reversed_order_is_scale_only():
    from echollama.scene.dpt_depth import fit_inverse_depth

    assert fit_inverse_depth([8.0], [2.0]) == (pytest.approx(1 / 16), 0.0)  # 1 / (8 / 16) = 2 m
    # The geometry says the bigger MiDaS value is farther: an affine fit would reverse MiDaS's order, so scale only.
    assert fit_inverse_depth([10.0, 40.0], [1.0, 2.0]) == (pytest.approx((0.1 + 0.0125) / 2), 0.0)  # median of 1/(m·v)
    assert fit_inverse_depth([0.0, 5.0], [None, None]) is None


def test_dpt_in_metres_fits_scale_and_shift_to_the_geometric_distances():
    from echollama.scene.dpt_depth import sample_at_centres
    from echollama.scene.geometric_depth import estimate_distances

    depth_map = np.full((120, 160), 10.0, dtype=np.float32)
    depth_map[:, 80:] = 40.0  # MiDaS: the right half is nearer
    camera = camera_for(160, 120)
    # The right cup's box is bigger, so the geometry also puts it nearer, but not 4x nearer as a pure scale would.
    detections = [Detection("cup", 0.9, (20, 50, 30, 62)), Detection("cup", 0.9, (100, 40, 124, 64))]
    geometric = estimate_distances(detections, camera)
    left, right = sample_at_centres(depth_map, detections, camera)
    assert right.distance_m < left.distance_m and left.z == left.distance_m
    assert left.distance_m / right.distance_m != pytest.approx(4.0, rel=0.05)
    # Two objects, two unknowns: the fit passes through both geometric estimates.
    assert [left.distance_m, right.distance_m] == pytest.approx([g.distance_m for g in geometric], abs=0.011)
    only_left = sample_at_centres(depth_map, detections[:1], camera)[0]
    assert only_left.distance_m == pytest.approx(estimate_distances(detections[:1], camera)[0].distance_m, abs=0.011)


class StandInMoondream:
    """The documented Moondream2 interface of revisions from 2025 on: caption(image, length=...) -> {"caption": ...}."""

    def __init__(self):
        self.calls = []

    def caption(self, image, length="normal"):
        self.calls.append((image.size, length))
        return {"caption": "  A cup of coffee\n on a wooden table. "}


class StandInOldMoondream:
    """The paper's revision (2024-08-26): encode_image(image) and answer_question(encoded, question, tokenizer)."""

    def encode_image(self, image):
        return ("encoded", image.size)

    def answer_question(self, encoded, question, tokenizer):
        assert encoded == ("encoded", (160, 120)) and tokenizer == "tokenizer"
        return f"Answer to: {question}"


def test_moondream_adapter_uses_caption_on_recent_revisions():
    from echollama.scene.moondream_captioner import MoondreamCaptioner

    stand_in = StandInMoondream()
    captioner = MoondreamCaptioner(loaded=stand_in)
    assert captioner.caption(IMAGE, []) == "A cup of coffee on a wooden table."
    assert stand_in.calls == [((160, 120), "normal")]


def test_moondream_adapter_asks_older_revisions_to_describe_the_image():
    from echollama.scene.moondream_captioner import MoondreamCaptioner

    captioner = MoondreamCaptioner(loaded=StandInOldMoondream(), tokenizer="tokenizer")
    assert captioner.caption(IMAGE, []) == "Answer to: Describe this image."


def test_scene_matrix_from_detr_and_dpt(detector, depth):
    from echollama.scene.moondream_captioner import MoondreamCaptioner

    steer_detr(detector, label_id=4, logit=12.0)  # "tv"
    analyzer = SceneAnalyzer(detector, depth, MoondreamCaptioner(loaded=StandInMoondream()), threshold=0.9)
    scene = analyzer.analyze(IMAGE)
    depth_map = depth.depth_map(IMAGE)
    assert scene.depth_unit == "inverse relative depth" and scene.caption == "A cup of coffee on a wooden table."
    lines = format_matrix(scene.detections, scene.width, scene.height).splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "Left Top",
        "Mid Top",
        "Right Top",
        "Left Bottom",
        "Mid Bottom",
        "Right Bottom",
    ]
    for d in scene.detections:
        x, y = d.center
        assert d.z == round(float(depth_map[int(y), int(x)]), 4)
        entry = f"tv: {round(d.score, 2)!r}, r({round(x)}, {round(y)}, {round(d.z, 4)!r})"
        assert entry in next(line for line in lines if line.startswith(f"{d.cell}:"))
    for line in lines:  # inside a cell, objects are listed left to right
        xs = [int(x) for x in re.findall(r"r\((\d+), ", line)]
        assert xs == sorted(xs)
