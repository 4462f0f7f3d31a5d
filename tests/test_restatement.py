"""LLM sentences that only parrot the whole-picture guess are recognised; ones that add something are not.

Sentences are the 1.5B model's own, from `echollama eval` on the labelled photos. Pure code, < 1 s.
"""

import pytest

from echollama.language.narration import impression
from echollama.language.restatement import reads_the_fact_sheet, restates_guess
from echollama.types import Scene


@pytest.mark.parametrize(
    "sentence, said, guess, parrot",
    [
        (
            "The overall impression is that the whole picture may show a football helmet.",
            "I can see a person straight ahead, about 1 metre away.",
            "The whole picture may show a football helmet",
            True,
        ),
        (  # opencv-doc's LinuxLogo.jpg, Qwen 1.5B
            "The overall impression is unclear, as I cannot determine what the whole scene shows.",
            'I cannot recognise any objects in this picture. A sign ahead reads: "Linux".',
            "It is unclear what the whole picture shows",
            True,
        ),
        (
            "It appears to be a missile.",
            "I cannot recognise any objects.",
            "The whole picture may show a missile",
            True,
        ),
        (
            "It looks like a garbage truck.",
            "I can see a truck slightly right, about 13 metres away.",
            "The whole picture may show a garbage truck",
            True,
        ),
        (
            "The dog may be a malamute.",
            "I can see a dog slightly left, about 1.5 metres away.",
            "The whole picture may show a malamute",
            True,
        ),
        (
            "The overall impression is unclear what the whole picture shows.",
            "I can see two people.",
            "It is unclear what the whole picture shows",
            True,
        ),
        # Adds something of its own: kept.
        (
            "It's likely an Egyptian cat, which is a type of domesticated feline native to Egypt.",
            "I can see a cat straight ahead, within reach.",
            "The whole picture may show an Egyptian cat",
            False,
        ),
        (
            "This is likely to be an espresso bar or a cafe.",
            "I can see a cup straight ahead, within reach.",
            "The whole picture may show an espresso",
            False,
        ),
        (
            "The bird is likely a bald eagle, perched on a rock by the water.",
            "I can see a bird straight ahead.",
            "The whole picture may show a bald eagle",
            False,
        ),
        # Does not echo the guess at all: not this rule's business.
        ("It seems to be in a forest or park.", "I can see a bird.", "The whole picture may show a bald eagle", False),
        ("It may show a dog.", "I can see a dog.", "", False),  # no guess was given
    ],
)
def test_a_sentence_parroting_the_whole_picture_guess(sentence, said, guess, parrot):
    assert restates_guess(sentence, said, guess) is parrot


def test_the_guess_is_the_captions_first_clause_without_its_hedge_mark():
    scene = Scene(
        600, 400, [], "The whole picture may show an espresso (a guess); the object detector found one cup.", "metres"
    )
    assert impression(scene) == "The whole picture may show an espresso"
    assert impression(Scene(600, 400, [], "", "metres")) == ""


@pytest.mark.parametrize(
    "sentence, fact_sheet_words",
    [
        ("The overall impression is unclear, it could be a street or a park.", True),  # a bar, Qwen 1.5B
        (
            "The overall impression is unclear, as the text read from the image does not provide any context.",
            True,
        ),
        ("My overall impression: a busy beach.", True),
        ("It looks like a busy beach on a sunny day.", False),
        ("The sign's text reads EXIT.", False),
    ],
)
def test_a_sentence_in_the_fact_sheets_words(sentence, fact_sheet_words):
    assert reads_the_fact_sheet(sentence) is fact_sheet_words
