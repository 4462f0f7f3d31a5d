"""Perception's stages side by side on two lanes (scene/analyze.py) say exactly what they say one after another.

Run: .venv/bin/python -m pytest -q tests/test_perception_lanes.py   (real YOLOv5s + SSD, classifier, GrabCut; ~10 s)
"""

import threading

import pytest

from echollama.config import PipelineConfig
from echollama.profiles import build_profile
from echollama.samples import SAMPLE_IMAGE
from echollama.scene.image import load_image


@pytest.fixture(scope="module")
def analyzers():
    """The embedded profile's perception with two lanes (its default on two cores) and with one (every stage in turn
    on the calling thread, the classifier's crops one after another)."""
    side_by_side = build_profile(PipelineConfig(read_text=False, threads=2)).analyzer
    in_turn = build_profile(PipelineConfig(read_text=False, threads=1)).analyzer
    assert (side_by_side.lanes, in_turn.lanes) == (2, 1)
    return side_by_side, in_turn


def _said(scene) -> dict:
    """Everything perception hands on, less its timings."""
    return {key: value for key, value in scene.to_dict().items() if key != "timings"}


@pytest.mark.parametrize("photo", ["coffee", "field_dog_person_horse", "giraffe_zebra"])
def test_stages_side_by_side_give_the_same_scene_as_in_turn(analyzers, labelled, photo):
    image = load_image(SAMPLE_IMAGE) if photo == "coffee" else labelled[photo].load()
    side_by_side, in_turn = (analyzer.analyze(image, read_text=False) for analyzer in analyzers)
    assert _said(side_by_side) == _said(in_turn)
    # The attributes were computed, so the comparison says something.
    assert side_by_side.caption and any(d.colour or d.fine_name for d in side_by_side.detections)
    assert "picture_s" in side_by_side.timings and "picture_s" in in_turn.timings


def test_two_pictures_at_once_each_get_their_own_caption(analyzers, labelled):
    """The whole-picture classifier's one shared run per picture must never hand one picture's classes to another
    (a server describes two uploads at once)."""
    side_by_side, in_turn = analyzers
    images = [load_image(SAMPLE_IMAGE), labelled["beach_kites"].load()]
    alone = [in_turn.analyze(image, read_text=False).caption for image in images]
    together: dict[int, str] = {}

    def look(index: int) -> None:
        together[index] = side_by_side.analyze(images[index], read_text=False).caption

    threads = [threading.Thread(target=look, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [together[0], together[1]] == alone
