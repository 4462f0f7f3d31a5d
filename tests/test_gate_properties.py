"""Property tests over random scenes: what code says (the narration, the grounded answers) contradicts nothing the
parser can read, and an LLM's contradictions (wrong side, count, absent object, denied object, unsure said as sure,
a pronoun placed) are always dropped by the gate, each for a contradiction, not only by default-deny."""

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from echollama.language.claim_parser import split_sentences
from echollama.language.claims import contradictions
from echollama.language.facts import ground
from echollama.language.gate import check_sentence
from echollama.language.narration import narrate
from echollama.scene.camera import camera_for
from echollama.scene.grid import clock_direction, horizontal_third
from echollama.scene.size_priors import SIZE_PRIORS_M
from echollama.scene.words import counted, plural
from echollama.types import Detection, Scene

LABELS = ("person", "dog", "cat", "chair", "car", "cup", "skis", "orange", "tv", "dining table", "hot dog", "bench")
VOCABULARY = tuple(SIZE_PRIORS_M)
_SIDES = ("left", "straight ahead", "right")


@st.composite
def scenes(draw, at_least: int = 0) -> Scene:
    width, height = 800, 600
    camera = camera_for(width, height, draw(st.none() | st.floats(12, 80)))
    detections = []
    for _ in range(draw(st.integers(at_least, 7))):
        x1, y1 = draw(st.floats(0, width - 20)), draw(st.floats(0, height - 20))
        box = (x1, y1, draw(st.floats(x1 + 10, width)), draw(st.floats(y1 + 10, height)))
        score, metres = draw(st.floats(0.55, 1.0)), draw(st.floats(0.3, 40.0))
        detection = Detection(draw(st.sampled_from(LABELS)), score, box, z=metres, distance_m=metres)
        detections.append(replace(detection, certain=score >= 0.8, clock=clock_direction(detection.center[0], camera)))
    return Scene(width, height, detections, "", "metres", camera=camera)


def _code_made(scene: Scene) -> list[str]:
    said = [s for detail in ("brief", "normal", "full") for s in narrate(scene, detail)]
    for label in {d.label for d in scene.detections} | {"giraffe"}:
        for question in (f"Where is the {label}?", f"How many {plural(label)} are there?"):
            said += split_sentences(ground(question, scene, VOCABULARY).facts)
    return said


@settings(derandomize=True, max_examples=60, deadline=None)
@given(scenes())
def test_code_made_sentences_contradict_nothing(scene):
    for sentence in _code_made(scene):
        assert contradictions(sentence, scene) == [], sentence


def _contradicting(scene: Scene, draw) -> list[str]:
    """LLM-style sentences each of which the scene contradicts."""
    detection = draw(st.sampled_from(scene.detections))
    label = detection.label
    members = [d for d in scene.detections if d.label == label]
    thirds = {horizontal_third(d.center[0], scene.width) for d in members}
    name = "pair of skis" if label == "skis" else label
    wrong = [
        f"There is no {name} here.",
        f"I can see {counted(label, len(members) + 2)}.",
        "A giraffe stands in the picture.",
    ]
    wrong += [
        f"The {name} is {'on your ' if side != 'straight ahead' else ''}{side}."
        for third, side in enumerate(_SIDES)
        if third not in thirds
    ]
    if not any(d.certain for d in members):
        wrong.append(f"The {name} looks calm.")
    return wrong


@settings(derandomize=True, max_examples=60, deadline=None)
@given(scenes(at_least=1), st.data())
def test_llm_style_contradictions_are_always_dropped(scene, data):
    for sentence in _contradicting(scene, data.draw):
        assert contradictions(sentence, scene), sentence
        assert not check_sentence(sentence, scene).spoken, sentence
    for sentence in ("It is on your left.", "Something is straight ahead, about 2 metres away."):
        assert (
            "unnamed: places something without naming an object the scene holds"
            in check_sentence(sentence, scene).reasons
        )
