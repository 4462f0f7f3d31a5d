"""Word and character error rates (jiwer) after the shared normalisation, on hand-worked pairs."""

import pytest

from echollama.evaluation.wer import character_error_rate, character_errors, word_error_rate, word_errors


@pytest.mark.parametrize(
    "reference, hypothesis, expected",
    [
        ("Where is the cat?", "where's the cat", 0.0),  # contractions count as the words they stand for
        ("The cup is about 2 metres away.", "the cup is about 2 meters away", 0.0),
        ("where is the cat", "where is a cat", 0.25),
        ("where is the cat", "where is the black cat", 0.25),
        ("is there a chair", "", 1.0),
        ("", "", 0.0),
        ("", "hello", 1.0),
    ],
)
def test_word_error_rate(reference, hypothesis, expected):
    assert word_error_rate(reference, hypothesis) == pytest.approx(expected)


def test_corpus_counts_add_up():
    pairs = [("one two three four", "one two three"), ("a b", "a c")]
    errors, words = map(sum, zip(*(word_errors(r, h) for r, h in pairs)))
    assert (errors, words) == (2, 6)


@pytest.mark.parametrize(
    "reference, hypothesis, expected",
    [
        ("the cat", "the bat", 1 / 7),
        ("The cat!", "the cat", 0.0),
        ("abc", "", 1.0),
    ],
)
def test_character_error_rate(reference, hypothesis, expected):
    assert character_error_rate(reference, hypothesis) == pytest.approx(expected)
    assert character_errors("cat", "cut") == (1, 3)
