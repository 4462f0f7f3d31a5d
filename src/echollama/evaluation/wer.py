"""Word error rate for the speech round trip (TTS -> ASR): word-level edit distance over the reference length.

Both sides are normalised the same way first (case, punctuation, common contractions, British spellings).
"""

from __future__ import annotations

import re

_SAME_WORDS = {"where's": "where is", "what's": "what is", "it's": "it is", "there's": "there is",
               "how's": "how is", "colour": "color", "grey": "gray", "metres": "meters", "metre": "meter"}


def normalise_words(text: str) -> list[str]:
    words = re.findall(r"[a-z0-9']+", text.lower())
    return " ".join(_SAME_WORDS.get(word, word) for word in words).split()


def edit_distance(reference: list[str], hypothesis: list[str]) -> int:
    """Substitutions + insertions + deletions turning `reference` into `hypothesis` (one row of the DP table)."""
    previous = list(range(len(hypothesis) + 1))
    for i, ref_word in enumerate(reference, start=1):
        current = [i]
        for j, hyp_word in enumerate(hypothesis, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref_word != hyp_word)))
        previous = current
    return previous[-1]


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(errors, reference words): sum both over phrases, then divide, for a corpus WER."""
    ref, hyp = normalise_words(reference), normalise_words(hypothesis)
    return edit_distance(ref, hyp), len(ref)


def word_error_rate(reference: str, hypothesis: str) -> float:
    errors, words = word_errors(reference, hypothesis)
    return errors / words if words else float(bool(normalise_words(hypothesis)))
