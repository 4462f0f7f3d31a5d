"""What a listener must never hear: coordinates, scores, percentages, grid-cell names, "matrix", markdown, the names
of our models. `readouts` finds them in a sentence; `repair` cuts out the ones whose removal leaves the sentence
meaning what it meant (markdown, a cell-name heading, a coordinate parenthesis, a trailing score clause).
The claim checker (`echollama.language.claims`) counts them and judges each sentence with them.
"""

from __future__ import annotations

import re

_UNITS = (
    r"(?:m|km|cm|mm|metres?|meters?|kilomet(?:er|re)s?|centimet(?:er|re)s?|millimet(?:er|re)s?|ft|feet|foot|"
    r"inch(?:es)?|miles?|yards?|seconds?|s|minutes?|hours?|kg|grams?|g|litres?|liters?|degrees?|"
    r"dollars?|euros?|pounds?|o'?\s*clock)\b"
)
_READOUTS = {
    "coordinates": re.compile(
        r"\br\s*(?=\()|\(\s*\d+(?:\.\d+)?\s*,\s*\d+(?:\.\d+)?\s*(?:,\s*\d+(?:\.\d+)?\s*)?\)|"
        r"\b(?:coordinates?|pixels?|bounding box(?:es)?)\b",
        re.IGNORECASE,
    ),
    "percentage": re.compile(r"\d+(?:\.\d+)?\s*(?:%|per\s*cent\b)", re.IGNORECASE),
    "score": re.compile(
        r"\b(?:confidence|probabilit(?:y|ies)|certainty)\b|\bscores?\s+(?:of\s+)?\d*\.?\d+|"
        r"(?<![\d.])\d*\.\d+(?!\d|\.\d)(?!\s*-?\s*" + _UNITS + ")",
        re.IGNORECASE,
    ),
    "grid cell": re.compile(
        r"\b(?:left|mid|middle|right)[\s-]+(?:top|bottom)\b|\bgrid\b|\bcells?\b(?!\s+phones?)|"
        r"\bmatrix\b",
        re.IGNORECASE,
    ),
    "markdown": re.compile(r"\*+|__|`|^\s*#+\s|^\s*[-*•]\s+|^\s*\d+[.)]\s+|\[[^\]]*\]\([^)]*\)", re.MULTILINE),
    # How we know, not what is there: a listener has no use for our models' names or the prompt's wording.
    "machinery": re.compile(
        r"\b(?:object detectors?|detectors?|classifiers?|fact sheet|facts? (?:measured|given|provided))\b|"
        r"\(a guess\)",
        re.IGNORECASE,
    ),
}
# Repairs that leave a sentence meaning what it meant: markdown marks, a cell-name heading, a coordinate
# parenthesis, and a score clause at the very end ("..., with a confidence of 0.8.").
_REPAIRS = (
    re.compile(r"\*+|__|`|^\s*#+\s*|^\s*[-*•]\s+|^\s*\d+[.)]\s+", re.MULTILINE),
    re.compile(r"^\s*(?:left|mid|middle|right)\s+(?:top|bottom)\s*:\s*", re.IGNORECASE),
    re.compile(
        r",?\s*(?:\b(?:at|in)\s+(?:the\s+)?(?:(?:position|coordinates?|location|point)\s*)?)?(?:\br)?\([^()]*\d[^()]*\)",
        re.IGNORECASE,
    ),
    re.compile(
        r",?\s*\b(?:with|at|having)\s+(?:an?\s+|the\s+)?(?:(?:confidence|probability|certainty|detection)\s*)+"
        r"(?:(?:score|level|value|rate)\s*)?(?:of\s+)?(?:about\s+|around\s+)?\d*\.?\d+\s*%?(?=\s*[.!?]?\s*$)",
        re.IGNORECASE,
    ),
    re.compile(
        r",?\s*\b(?:with\s+)?(?:about\s+)?\d+(?:\.\d+)?\s*(?:%|per\s*cent\b)\s*(?:confiden(?:t|ce)|"
        r"certain(?:ty)?|sure|probability)?(?=\s*[.!?]?\s*$)",
        re.IGNORECASE,
    ),
)
# A sentence's first comma right before its verb is what a cut clause left: "The dog, is on your right." (from "The
# dog, at (291, 129), is on your right."); a comma closing an earlier one ("The dog, a terrier, is ...") is not.
_DEBRIS = re.compile(
    r"^(?=[^,]*,\s+(?:is|are|was|were|has|have|sits?|stands?|lies?|looks?|seems?|appears?)\b)([^,]*),\s+", re.I
)
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def readouts(sentence: str) -> list[str]:
    """What in `sentence` reads the machinery aloud: 'coordinates: (291, 129)', 'score: 0.96', 'markdown: **'."""
    return [
        f"{kind}: {match.group(0).strip()}"
        for kind, pattern in _READOUTS.items()
        for match in pattern.finditer(sentence)
    ]


def repair(sentence: str) -> str:
    """The sentence with markdown, cell-name headings, coordinate parentheses and a trailing score clause removed."""
    text = _LINK.sub(r"\1", sentence)
    for pattern in _REPAIRS:
        text = pattern.sub("", text)
    text = re.sub(r"\s+([,.!?;:])", r"\1", re.sub(r"\s{2,}", " ", text)).strip()
    text = re.sub(r"[,;:]+(?=[.!?]|$)", "", text).strip()
    text = _DEBRIS.sub(r"\1 ", text, count=1)
    return text[:1].upper() + text[1:] if text else ""
