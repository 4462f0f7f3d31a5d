"""The second opinion on picture-filling boxes (scene/whole_frame.py), with the real SSD detector and the real
EfficientNet gist on real pictures: a palace facade boxed whole as a bird is dropped, a real cat and dog filling the
frame are kept, pictures without such a box never run the classifier for it; and the classifier's labels are said by
their clearest name."""

from __future__ import annotations

import pytest

from echollama.config import PipelineConfig
from echollama.profiles import build_profile
from echollama.scene.gist_captioner import spoken_name
from echollama.scene.image import load_image
from rendered_text import opencv_doc_file


@pytest.fixture(scope="module")
def analyzer():
    # SSD's own picture-filling mistakes are what these pictures pin, so SSD is chosen explicitly (YOLOv5s is the default)
    analyzer = build_profile(PipelineConfig(llm="tiny", read_text=False, detector="ssd")).analyzer
    analyzer.load()
    return analyzer


def _labels(analyzer, image) -> list[str]:
    return [d.label for d in analyzer.analyze(image, caption=False, read_text=False).detections]


@pytest.mark.parametrize(
    ("picture", "wrong"),
    [("home.jpg", "bird"), ("LinuxLogo.jpg", "clock"), ("detect_blob.png", "stop sign")],
)
def test_a_picture_filling_box_the_classifier_does_not_confirm_is_dropped(analyzer, picture, wrong):
    image = load_image(opencv_doc_file(f"data/{picture}"))
    check = analyzer.whole_frame_check
    try:
        analyzer.whole_frame_check = None
        assert wrong in _labels(analyzer, image)  # what the detector alone would have said
    finally:
        analyzer.whole_frame_check = check
    assert wrong not in _labels(analyzer, image)


def test_a_real_animal_filling_the_frame_is_kept(analyzer, labelled):
    assert "dog" in _labels(analyzer, load_image(opencv_doc_file("data/chicky_512.png")))  # top class: Pekinese
    assert "cat" in _labels(analyzer, labelled["chelsea"].load())  # top class: Egyptian cat


def test_pictures_without_a_filling_box_do_not_run_the_classifier_for_it(analyzer, labelled):
    check = analyzer.whole_frame_check
    calls = []
    real = check.probabilities

    def counted(rgb):
        calls.append(rgb)
        return real(rgb)

    check.probabilities = counted
    try:
        labels = _labels(analyzer, labelled["porch_dog_bicycle"].load())
    finally:
        check.probabilities = real
    assert "dog" in labels and calls == []


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ("monarch, monarch butterfly, milkweed butterfly, Danaus plexippus", "monarch butterfly"),
        ("notebook, notebook computer", "notebook computer"),
        ("English springer, English springer spaniel", "English springer spaniel"),
        ("church, church building", "church"),
        ("gorilla, Gorilla gorilla", "gorilla"),
        ("monastery", "monastery"),
    ],
)
def test_the_gist_says_an_imagenet_label_by_its_clearest_name(line, said):
    assert spoken_name(line) == said
