"""The spoken question set: questions with checkable answers per labelled image, asked through the full voice path.

Each question is spoken by our TTS into a WAV, transcribed by the ASR, answered by the conversation and checked
against the hand labels (not the detector's output): counts, presence and positions (side, height, clock), which the
scene's facts answer, and "identify" questions ("What animals can you see?"), which name no object and so reach the
LLM: right when the answer names every expected object and invents none.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib.resources import files

from echollama.evaluation.labelled_set import LabelledImage
from echollama.evaluation.listener import score_description
from echollama.language.claims import check_text
from echollama.scene.camera import camera_for
from echollama.scene.grid import clock_direction, grid_cell
from echollama.types import Detection, Scene

_NEGATIVE = re.compile(r"\b(no|not|none|zero|cannot|can't|don't|doesn't|isn't|aren't|nothing)\b", re.I)


@dataclass(frozen=True)
class Question:
    image: str
    question: str
    kind: str  # count | presence | position | identify
    label: str  # the object asked about ("" for identify)
    expected: object = None  # a count, True/False for presence, the labels an identify answer must name


def question_set() -> list[Question]:
    raw = json.loads(files("echollama").joinpath("data/questions.json").read_text(encoding="utf-8"))
    return [
        Question(image, q["question"], q["kind"], q.get("label", ""), q.get("expected"))
        for image, questions in raw["images"].items()
        for q in questions
    ]


def truth_scene(width: int, height: int, objects) -> Scene:
    """A Scene made of the hand-drawn boxes: what a perfect detector would have seen (no distances)."""
    camera = camera_for(width, height)
    detections = []
    for obj in objects:
        x1, y1, x2, y2 = (float(v) for v in obj.box)
        d = Detection(obj.label, 1.0, (x1, y1, x2, y2))
        x, y = d.center
        detections.append(
            Detection(d.label, 1.0, d.box, cell=grid_cell(x, y, width, height), clock=clock_direction(x, camera))
        )
    return Scene(width=width, height=height, detections=detections, caption="", depth_unit="metres", camera=camera)


def check_answer(question: Question, answer: str, truth: Scene, photo: LabelledImage | None = None) -> bool:
    """Whether `answer` is right about the question, judged against the hand-labelled scene (and photo)."""
    if question.kind == "identify":
        if photo is None:
            raise ValueError("an identify question is checked against its labelled photo")
        score = score_description(answer, photo)
        return set(question.expected) <= set(score.mentioned) and not score.invented  # type: ignore[call-overload]
    report = check_text(answer, truth)
    mine = [c for c in report.claims if c.label == question.label]
    if question.kind == "presence":
        said_absent = any(c.kind == "absence" for c in mine) or (
            bool(_NEGATIVE.search(answer)) and question.label not in report.mentioned
        )
        said_present = question.label in report.mentioned and not said_absent
        return said_present if question.expected else said_absent or not said_present
    if question.kind == "count":
        expected = int(question.expected)  # type: ignore[call-overload]
        counts = [c for c in mine if c.kind == "count"]
        if counts:
            return all(c.agrees for c in counts)
        # Without a "two chairs"-style claim only "none" can be recognised; anything else did not answer.
        return expected == 0 and bool(_NEGATIVE.search(answer))
    spatial = [c for c in mine if c.kind in ("side", "height", "clock") and c.agrees is not None]
    return bool(spatial) and all(c.agrees for c in spatial)
