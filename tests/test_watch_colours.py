"""Colours in `watch` and live mode ride with what says them: the opening overview and answers, never the later
announcements ("New: a dog ..."), so only the overview's frame measures them, and a question about the latest frame
still hears that frame's measured colour. Real embedded models on a real photo (a black dog), a real WatchSession; the
LLM's words scripted (tests/scripted_llm.py): only the grounded colour is asserted.
"""

import numpy as np
import pytest

from echollama.config import PipelineConfig
from echollama.evaluation.watch_clip import write_video
from echollama.live.events import ChangeDetector
from echollama.live.find import FindGuide, find_target
from echollama.live.session import WatchSession, WatchSettings
from echollama.live.tracking import MIN_FRAMES, Tracked
from echollama.live.watcher import ChangeWatcher
from echollama.pipeline import Pipeline
from echollama.scene.image import LoadedImage
from echollama.types import Detection
from echollama.voice_chat import VoiceChat
from scripted_llm import ScriptedLLM
from test_watch_events import H, W, scene

FRAMES = 10


def test_the_overview_is_due_on_the_frame_that_says_it():
    dog = Detection(label="dog", score=0.9, box=(20, 100, 80, 300), distance_m=3.0)
    changes = ChangeDetector()
    due, said = [], []
    for frame in range(MIN_FRAMES + 2):
        due.append(changes.overview_due)
        said.append(any(e.kind == "scene" for e in changes.update([Tracked(1, dog)], scene(dog), frame * 0.2)))
    assert due == said == [False] * (MIN_FRAMES - 1) + [True, False, False]


@pytest.mark.parametrize("find", [None, "dog"])
def test_colours_are_measured_only_on_the_frame_whose_overview_is_heard(find):
    """Find mode says only its own phrases and approaches (reading mode only the page and approaches): no overview."""
    dog = Detection(label="dog", score=0.9, box=(20, 100, 80, 300), distance_m=3.0)
    coloured: list[bool] = []
    watcher = ChangeWatcher(lambda image, colour: coloured.append(colour) or scene(dog), 5.0)
    watcher.finder = FindGuide(find_target(find)) if find else None
    for frame in range(MIN_FRAMES + 2):
        watcher.update(LoadedImage(np.zeros((H, W, 3), np.uint8), "frame"), frame * 0.2)
    assert coloured == [False] * (MIN_FRAMES - 1) + [find is None, False, False]


@pytest.fixture(scope="module")
def watching():
    """The pipeline `watch` runs (no text stage, one detector pass), its colourer counting what it measures."""
    config = PipelineConfig(llm="tiny", read_text=False, slice_detection=False)
    pipeline = Pipeline(config)
    pipeline.profile.llm = ScriptedLLM(["It lies on the floor."])
    colourer = pipeline.analyzer.colourer
    measure, measured = colourer.colours, []

    def counted(rgb, detections):
        colours = measure(rgb, detections)
        measured.append(colours)
        return colours

    colourer.colours = counted
    return pipeline, measured


def test_frames_after_the_overview_measure_no_colour_and_an_answer_hears_one(watching, labelled, tmp_path):
    pipeline, measured = watching
    clip = write_video(tmp_path / "dog.avi", [labelled["dog_indoors_floor"].load().rgb] * FRAMES, 5.0)
    reports = []
    session = WatchSession(VoiceChat(pipeline), WatchSettings(str(clip), fast=True), lambda samples: None, None)

    def report(item):
        reports.append(item)
        if item["type"] == "spoken" and item["kind"] == "scene":
            session.ask("Where is the dog?")  # answered about the next frame, analysed without colours

    session.report = report
    session.load()
    assert session.run()["frames_analysed"] == FRAMES

    # Measured on the overview's frame, then once more for the frame the question asked about: not per frame
    assert len(measured) == 2, measured
    (colour,) = measured[-1]
    assert colour is not None and all([c.words for c in found] == [colour.words] for found in measured)  # one dog
    spoken = [r["sentence"] for r in reports if r["type"] == "spoken"]
    assert spoken[0].startswith(f"I can see a {colour.words} dog")  # the overview says it, as before
    answers = [r["answer"] for r in reports if r["type"] == "answer"]
    assert len(answers) == 1 and f"The {colour.words} dog is" in answers[0], reports
