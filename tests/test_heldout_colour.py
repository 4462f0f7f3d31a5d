"""The held-out colour labels (evaluation/photos/heldout/colour_labels.json) and their figures in `echollama bench
heldout`: the labels name held-out objects by index in basic colour terms, and the bench scores and prints them."""

from echollama.evaluation.bench_heldout import _print, score_set
from echollama.evaluation.colour_eval import colour_labels
from echollama.evaluation.heldout_set import HELDOUT_DIR, heldout_images
from echollama.types import Detection, ObjectColour, Scene

BASIC_TERMS = ("black", "white", "grey", "red", "orange", "yellow", "green", "blue", "purple", "pink", "brown")


def test_the_heldout_colour_labels_name_heldout_objects_in_basic_terms():
    photos = {item.name: item for item in heldout_images()}
    labels = colour_labels(HELDOUT_DIR / "colour_labels.json")
    assert set(labels) == set(photos)  # every held-out photo judged, even where nothing has a colour
    clear = 0
    for name, entries in labels.items():
        for index, accepted in entries.items():
            assert 0 <= index < len(photos[name].objects) and photos[name].objects[index].label != "person"
            clear += accepted is not None
            for words in accepted or ():
                assert set(words.split(" and ")) <= set(BASIC_TERMS), (name, index, words)
    assert clear >= 25


def _said(item, index: int, words: str) -> Detection:
    terms = words.split(" and ")
    colour = ObjectColour(words, (50.0, 0.0, 0.0), dict.fromkeys(terms, 1 / len(terms)), "grabcut")
    return Detection(item.objects[index].label, 0.9, item.objects[index].box, colour=colour)


def test_the_bench_scores_and_prints_the_heldout_colours(capsys):
    photos = {item.name: item for item in heldout_images()}
    bus, tie = photos["double_decker_bus"], photos["grace_hopper"]
    scenes = {
        "double_decker_bus": Scene(*bus.size, [_said(bus, 0, "red"), _said(bus, 1, "blue")], "", "metres"),
        "grace_hopper": Scene(*tie.size, [_said(tie, 1, "black")], "", "metres"),
    }
    figures = score_set(scenes, [bus, tie], colours=colour_labels(HELDOUT_DIR / "colour_labels.json"))
    colours = figures["colours"]
    assert (colours["said"], colours["right"], colours["clear_colour_objects"]) == (3, 2, 4)
    assert colours["wrong"] == ["double_decker_bus 1 car: said blue, labelled ('white',)"]
    _print({"heldout": {"guard on": figures}})
    printed = capsys.readouterr().out
    assert "colour words said: 3, right 67% against the labels" in printed and "said blue" in printed
