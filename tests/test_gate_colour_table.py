"""The gate's colour rows: the stored real-perception scenes (tests/data/gate_scenes) with the colours measured on
their photos (scene/object_colour.py). A colour an LLM says is spoken only when it is what was measured for that
object; a wrong one is dropped as "colour", one said of an object with no measured colour (or of nothing the scene
holds) as "colour not measured". Narration's own coloured sentences contradict nothing."""

from dataclasses import replace
from pathlib import Path

import pytest

from echollama.cli.check import read_scene
from echollama.evaluation.labelled_set import labelled_image
from echollama.language.claims import contradictions
from echollama.language.gate import category, check_sentence
from echollama.language.narration import narrate
from echollama.scene.colourer import ObjectColourer

SCENES_DIR = Path(__file__).parent / "data" / "gate_scenes"
_OTHER_COLOURS = ("pink", "purple", "green", "red", "blue", "yellow")


def _coloured(path: Path):
    scene = read_scene(path)
    return replace(scene, detections=ObjectColourer().colour(labelled_image(path.stem).load().rgb, scene.detections))


SCENES = {path.stem: _coloured(path) for path in sorted(SCENES_DIR.glob("*.json"))}


def rows() -> list[tuple[str, str, str, str]]:
    table = []
    for name, scene in SCENES.items():
        measured = [d for d in scene.detections if d.colour is not None]
        unmeasured = [d for d in scene.detections if d.colour is None and d.certain]
        for d in measured:
            wrong = next(c for c in _OTHER_COLOURS if c not in d.colour.terms)
            table += [
                (name, "keep", "colour", f"The {d.colour.words} {d.label} looks calm."),
                (name, "keep", "colour", f"The {d.label} looks {d.colour.words}."),
                (name, "drop", "colour", f"The {wrong} {d.label} looks calm."),
                (name, "drop", "colour", f"The {d.label} is {wrong}."),
            ]
        for d in unmeasured:
            table += [
                (name, "drop", "colour not measured", f"The red {d.label} looks calm."),
                (name, "keep", "colour not measured", f"The {d.label} looks calm."),
            ]
        table += [
            (name, "drop", "colour not measured", "Everything looks white."),
            (name, "keep", "colour not measured", "The colours are warm and muted."),
        ]
    return table


def test_the_table_has_measured_and_unmeasured_colours_both_ways():
    table = rows()
    assert {(kind, verdict) for _, verdict, kind, _ in table} == {
        ("colour", "keep"),
        ("colour", "drop"),
        ("colour not measured", "keep"),
        ("colour not measured", "drop"),
    }
    assert sum(kind == "colour" for _, _, kind, _ in table) >= 8  # at least two objects with a measured colour


@pytest.mark.parametrize(("name", "verdict", "kind", "sentence"), rows())
def test_colour_claims(name, verdict, kind, sentence):
    result = check_sentence(sentence, SCENES[name])
    if verdict == "keep":
        assert result.spoken, result.reasons
    else:
        assert not result.spoken and kind in {category(r) for r in result.reasons}, result.reasons


@pytest.mark.parametrize("name", sorted(SCENES))
def test_narrations_coloured_sentences_contradict_nothing(name):
    for sentence in narrate(SCENES[name], "full"):
        assert contradictions(sentence, SCENES[name]) == [], sentence


def test_some_scene_has_a_colour_said():
    said = [s for name in SCENES for s in narrate(SCENES[name])]
    assert any(" black dog" in s for s in said) and any(" brown cat" in s for s in said), said
