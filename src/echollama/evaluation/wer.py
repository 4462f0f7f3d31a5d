"""Word and character error rates (jiwer) for the speech round trip (TTS -> ASR) and the fixed-phrase ASR check.

Both sides are normalised the same way first (case, punctuation, common contractions, British spellings), so a
recogniser is not charged for writing "where's" or "colour" differently from our text.
"""

from __future__ import annotations

import re

import jiwer

_SAME_WORDS = {
    "where's": "where is",
    "what's": "what is",
    "it's": "it is",
    "there's": "there is",
    "how's": "how is",
    "colour": "color",
    "grey": "gray",
    "metres": "meters",
    "metre": "meter",
}


def normalise_words(text: str) -> list[str]:
    words = re.findall(r"[a-z0-9']+", text.lower().replace("\u2019", "'"))
    return " ".join(_SAME_WORDS.get(word, word) for word in words).split()


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(substitutions + deletions + insertions, reference words): sum both over phrases, then divide (corpus WER)."""
    ref, hyp = normalise_words(reference), normalise_words(hypothesis)
    if not ref:
        return len(hyp), 0
    if not hyp:
        return len(ref), len(ref)
    out = jiwer.process_words(" ".join(ref), " ".join(hyp))
    return out.substitutions + out.deletions + out.insertions, len(ref)


def word_error_rate(reference: str, hypothesis: str) -> float:
    errors, words = word_errors(reference, hypothesis)
    return errors / words if words else float(bool(normalise_words(hypothesis)))


def character_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(character edits, reference characters) over the normalised words joined by single spaces."""
    ref, hyp = " ".join(normalise_words(reference)), " ".join(normalise_words(hypothesis))
    if not ref:
        return len(hyp), 0
    if not hyp:
        return len(ref), len(ref)
    out = jiwer.process_characters(ref, hyp)
    return out.substitutions + out.deletions + out.insertions, len(ref)


def character_error_rate(reference: str, hypothesis: str) -> float:
    errors, chars = character_errors(reference, hypothesis)
    return errors / chars if chars else float(bool(normalise_words(hypothesis)))
