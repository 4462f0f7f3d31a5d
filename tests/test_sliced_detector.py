"""Sliced detection: slice geometry, the merge of slice boxes, and the real SSD on labelled photos, whole vs sliced."""

import pytest

from echollama.config import EMBEDDED_DETECTION_THRESHOLD, PipelineConfig
from echollama.evaluation.detection import match
from echollama.scene.dedupe import merge_duplicates
from echollama.scene.sliced_detector import SlicedDetector, cut_by_slice, merge_same_class, slice_boxes
from echollama.scene.ssd_detector import SsdMobileNetDetector
from echollama.types import Detection


@pytest.mark.parametrize(
    "width, height, grid, expected",
    [
        # landscape: two slices side by side, each 1/1.7 of the width, sharing 30 % of a slice
        (800, 600, (2, 1), [(0, 0, 471, 600), (329, 0, 800, 600)]),
        # portrait: the same cut across the longer (vertical) side
        (300, 500, (2, 1), [(0, 0, 300, 294), (0, 206, 300, 500)]),
        (500, 500, (2, 1), [(0, 0, 294, 500), (206, 0, 500, 500)]),
        (500, 500, (1, 1), [(0, 0, 500, 500)]),
        (800, 600, (2, 2), [(0, 0, 471, 353), (329, 0, 800, 353), (0, 247, 471, 600), (329, 247, 800, 600)]),
    ],
)
def test_slices_overlap_and_cover_the_picture(width, height, grid, expected):
    assert slice_boxes(width, height, grid) == [tuple(float(v) for v in box) for box in expected]


LEFT_SLICE = (0.0, 0.0, 471.0, 600.0)  # of an 800x600 picture: its right edge is a cut, the other three are not
RIGHT_SLICE = (329.0, 0.0, 800.0, 600.0)


@pytest.mark.parametrize(
    "box, piece, cut",
    [
        ((400, 100, 471, 300), LEFT_SLICE, True),  # reaches the cut: maybe half a person
        ((400, 100, 465, 300), LEFT_SLICE, True),  # within 2 % of the slice's width of it
        ((400, 100, 455, 300), LEFT_SLICE, False),
        ((0, 0, 100, 600), LEFT_SLICE, False),  # the picture's own edges are not cuts
        ((329, 100, 400, 300), RIGHT_SLICE, True),
        ((700, 500, 800, 600), RIGHT_SLICE, False),
    ],
)
def test_a_box_at_a_cut_edge_is_known_to_be_cut(box, piece, cut):
    assert cut_by_slice(box, piece, 800, 600) is cut


PERSON = (100, 100, 200, 400)


@pytest.mark.parametrize(
    "whole, parts, kept",
    [
        # the same person from the whole picture and from a slice: one person, the higher score
        ([("person", 0.7, PERSON)], [("person", 0.9, (105, 110, 205, 405))], [0.9]),
        # a slice's head and shoulders of a person found whole: inside it, so part of the same person
        ([("person", 0.8, PERSON)], [("person", 0.9, (110, 100, 190, 200))], [0.8]),
        # ... also when the whole person is the other slice's find
        ([], [("person", 0.8, PERSON), ("person", 0.6, (110, 100, 190, 200))], [0.8]),
        # a far person inside the box of one sitting in front, found by the whole picture too: both stay
        (
            [("person", 0.7, (0, 0, 400, 600)), ("person", 0.75, PERSON)],
            [("person", 0.8, (102, 102, 200, 400))],
            [0.8, 0.7],
        ),
        # SSD's own part box (a giraffe's neck) inside a larger, higher-scored box of its class
        ([("giraffe", 0.96, (100, 0, 400, 500)), ("giraffe", 0.67, (120, 0, 300, 200))], [], [0.96]),
        # two people side by side stay two
        ([("person", 0.8, PERSON)], [("person", 0.7, (180, 100, 280, 400))], [0.8, 0.7]),
        # a cup on a table: other classes are not merged here (scene/dedupe.py decides those)
        ([("dining table", 0.6, (0, 200, 800, 600))], [("cup", 0.9, (300, 250, 360, 320))], [0.9, 0.6]),
        ([], [], []),
    ],
)
def test_slice_boxes_of_one_object_merge_into_one(whole, parts, kept):
    merged = merge_same_class(*([Detection(*found) for found in group] for group in (whole, parts)))
    assert [d.score for d in merged] == kept


@pytest.fixture(scope="module")
def ssd():
    return SsdMobileNetDetector()


@pytest.mark.parametrize(
    "photo, label, whole, sliced",
    [
        ("bar_couple_glasses", "wine glass", 1, 3),  # three glasses on the table; whole, SSD sees one
        ("street_truck", "person", 0, 2),  # two small people beside a truck: found only when sliced
        ("street_parking_sign", "person", 1, 2),
        ("horses_field", "horse", 2, 3),
        ("motorcycle", "motorcycle", 1, 1),  # a large object is found once, not once per slice
    ],
)
def test_slices_find_small_labelled_objects_the_whole_picture_misses(ssd, labelled, photo, label, whole, sliced):
    item = labelled[photo]
    truth = [(o.label, o.box) for o in item.objects if o.label == label]

    def matched(detector) -> int:
        found = [d for d in merge_duplicates(detector.detect(item.load(), EMBEDDED_DETECTION_THRESHOLD))]
        return match([d for d in found if d.label == label], truth).true_positives

    assert (matched(ssd), matched(SlicedDetector(ssd))) == (whole, sliced)


def test_counts_a_person_can_check_are_never_further_off_when_sliced(ssd, labelled):
    # "counts" in the labels are the numbers clear by eye; a person split into two boxes would be a wrong count.
    for item in labelled.values():
        if not item.counts:
            continue
        image = item.load()
        whole = merge_duplicates(ssd.detect(image, EMBEDDED_DETECTION_THRESHOLD))
        sliced = merge_duplicates(SlicedDetector(ssd).detect(image, EMBEDDED_DETECTION_THRESHOLD))
        for label, true in item.counts.items():
            off_whole = abs(sum(d.label == label for d in whole) - true)
            off_sliced = abs(sum(d.label == label for d in sliced) - true)
            assert off_sliced <= off_whole, f"{item.name}: {label} off by {off_sliced} sliced, {off_whole} whole"


def test_slicing_is_an_embedded_option_off_by_default():
    from echollama.profiles import embedded
    from echollama.scene.sure_box_ensemble import SureBoxEnsemble
    from echollama.scene.yolov5_detector import YoloV5Detector

    default = embedded(PipelineConfig()).analyzer.detector  # the default, set up: YOLOv5s with SSD's sure boxes
    assert isinstance(default, SureBoxEnsemble) and isinstance(default.primary, YoloV5Detector)
    assert isinstance(embedded(PipelineConfig(detector="ssd")).analyzer.detector, SsdMobileNetDetector)
    sliced = embedded(PipelineConfig(slice_detection=True)).analyzer.detector
    assert isinstance(sliced, SlicedDetector) and isinstance(sliced.detector, SureBoxEnsemble)
