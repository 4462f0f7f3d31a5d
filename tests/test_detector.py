"""The embedded detector (real SSD-MobileNet-v2) on scikit-image photos against hand-drawn boxes."""

import pytest

from echollama.config import EMBEDDED_DETECTION_THRESHOLD
from echollama.evaluation.detection import iou
from echollama.scene.ssd_detector import SsdMobileNetDetector


@pytest.fixture(scope="module")
def detector():
    return SsdMobileNetDetector()


@pytest.mark.parametrize(
    "image, label",
    [
        ("coffee", "cup"),
        ("coffee", "dining table"),
        ("chelsea", "cat"),
        ("astronaut", "person"),
        ("motorcycle", "motorcycle"),
    ],
)
def test_finds_the_hand_labelled_object(detector, labelled, image, label):
    item = labelled[image]
    found = detector.detect(item.load(), EMBEDDED_DETECTION_THRESHOLD)
    truth = next(o.box for o in item.objects if o.label == label)
    best = max((iou(d.box, truth) for d in found if d.label == label), default=0.0)
    assert best >= 0.5, f"{label} in {image}: best IoU {best:.2f} among {[(d.label, round(d.score, 2)) for d in found]}"


def test_motorcycle_box_and_score(detector, labelled):
    found = detector.detect(labelled["motorcycle"].load(), EMBEDDED_DETECTION_THRESHOLD)
    motorcycle = next(d for d in found if d.label == "motorcycle")
    assert motorcycle.score == pytest.approx(0.99, abs=0.01)
    assert motorcycle.box == pytest.approx((102.6, 64.8, 679.8, 444.7), abs=3.0)


def test_nothing_invented_on_the_rocket_launch(detector, labelled):
    assert detector.detect(labelled["rocket"].load(), EMBEDDED_DETECTION_THRESHOLD) == []


def test_threshold_filters_and_results_are_sorted(detector, labelled):
    image = labelled["coffee"].load()
    low = detector.detect(image, 0.3)
    high = detector.detect(image, 0.9)
    assert [d.score for d in low] == sorted((d.score for d in low), reverse=True)
    assert all(d.score >= 0.9 for d in high) and len(high) < len(low)
    assert all(0 <= d.box[0] < d.box[2] <= image.width and 0 <= d.box[1] < d.box[3] <= image.height for d in low)
