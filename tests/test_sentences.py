"""Sentence cutting for streaming speech: table-driven, with text arriving in awkward pieces."""

import pytest

from echollama.speech.sentences import clean_for_speech, split_sentences


def pieces(text, size=3):
    return [text[i : i + size] for i in range(0, len(text), size)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("The cup is ahead. The table is below it!", ["The cup is ahead.", "The table is below it!"]),
        ("It is 2.5 m away. Next.", ["It is 2.5 m away.", "Next."]),
        ("Dr. Smith sits e.g. here. Done", ["Dr. Smith sits e.g. here.", "Done"]),
        ("**Objects:**\n\n- a cup\n- a table", ["Objects:", "a cup a table"]),
        ("Is it near? Yes.", ["Is it near?", "Yes."]),
        ("", []),
        ("   ", []),
    ],
)
def test_split_sentences(text, expected):
    assert list(split_sentences(pieces(text))) == expected
    assert list(split_sentences([text])) == expected


def test_run_on_text_is_cut_near_a_comma_and_the_first_piece_sooner():
    text = "word, " * 80  # 480 characters with no full stop
    sentences = list(split_sentences(pieces(text, 7)))
    assert len(sentences) >= 3
    assert len(sentences[0]) <= 90  # the first audio should not wait for a long sentence
    assert all(len(s) <= 240 for s in sentences)
    assert all(s.endswith(",") for s in sentences)  # cut after commas, not inside words
    assert " ".join(sentences).split() == text.split()  # nothing lost or duplicated


def test_markdown_is_not_read_aloud():
    assert clean_for_speech("## Scene\n1. **A cup** on `the` table") == "Scene A cup on the table"


def test_the_first_piece_ends_at_its_first_clause_so_the_first_audio_comes_soon():
    text = "I can see a cup straight ahead, within reach, and a table. The rest follows, as usual."
    assert list(split_sentences(pieces(text, 4))) == [
        "I can see a cup straight ahead,",
        "within reach, and a table.",
        "The rest follows, as usual.",
    ]
