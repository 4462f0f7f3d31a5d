"""Questions about the text in the picture, answered from the text stage: table-tested on hand-made scenes."""

from __future__ import annotations

import pytest

from echollama.language.facts import ground
from echollama.scene.ssd_detector import COCO_LABELS
from echollama.types import Detection, Scene, TextRegion

VOCABULARY = tuple(COCO_LABELS.values())
EXIT = TextRegion("EXIT", 0.99, (520.0, 40.0, 600.0, 80.0), direction="on your right")
PLATFORM = (
    TextRegion("PLATFORM 3", 0.98, (250.0, 100.0, 420.0, 130.0)),
    TextRegion("Trains to City", 0.97, (250.0, 136.0, 430.0, 166.0)),
)
NOPARKING = TextRegion("NOPARKING", 0.97, (250.0, 300.0, 400.0, 340.0))
BOTTLE = Detection("bottle", 0.9, (40.0, 200.0, 140.0, 460.0), distance_m=0.6)
LABEL = TextRegion("Still Water", 0.96, (55.0, 300.0, 130.0, 330.0), on_object="bottle", distance_m=0.6)


def scene(text=(), detections=()):
    return Scene(width=640, height=480, detections=list(detections), caption="", depth_unit="metres", text=list(text))


@pytest.mark.parametrize(
    "question, text, detections, says, settles",
    [
        ("what does the sign say?", [EXIT], [], ['A sign on your right reads: "EXIT".'], True),
        ("Read the label", [LABEL], [BOTTLE], ['The bottle\'s label reads: "Still Water".'], True),
        ("is there an exit sign?", [EXIT, *PLATFORM], [], ['Yes. A sign on your right reads: "EXIT".'], True),
        ("is there an exit sign?", list(PLATFORM), [], ['No, I cannot read "exit" anywhere here.', "PLATFORM 3"], True),
        ("what does the sign say?", [], [], ["I cannot read any text in this picture."], True),
        ("which platform is this?", list(PLATFORM), [], ['"PLATFORM 3, Trains to City"'], True),  # names a word read
        ("where is the bottle?", [LABEL], [BOTTLE], ["The bottle is"], True),  # no text asked for: objects only
        # The reader lost the space: the words asked about still find the sign.
        ("is there a no parking sign?", [NOPARKING, EXIT], [], ['Yes. A sign ahead reads: "NOPARKING".'], True),
    ],
)
def test_text_questions_are_answered_from_the_text_stage(question, text, detections, says, settles):
    grounding = ground(question, scene(text, detections), VOCABULARY)
    for phrase in says:
        assert phrase in grounding.facts
    assert grounding.settles_it is settles


def test_questions_not_about_text_get_no_text_answer():
    grounding = ground("what is the mood of this place?", scene([EXIT]), VOCABULARY)
    assert grounding.text == "" and not grounding.settles_it
    assert "EXIT" not in ground("where is the bottle?", scene([LABEL], [BOTTLE]), VOCABULARY).facts
