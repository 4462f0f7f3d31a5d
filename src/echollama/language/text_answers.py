"""Answers to questions about the text in the picture, from the text stage alone: "what does the sign say?", "read
the label", "is there an exit sign?". Pure code, table-tested.

A question is about text when it asks to read (read, say, written, sign, label, menu, ...) or names a word the text
stage read. The answer quotes what was read, grounded like the description's text sentences; the LLM adds nothing,
since it cannot read and a small one would invent lettering.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from echollama.language.text_phrases import nearby_groups, text_sentences
from echollama.types import Detection, TextRegion

_ASKS_TO_READ = re.compile(
    r"\b(read|reads|reading|written|writing|text|words?|signs?|signpost|labels?|menu|letters?|lettering|printed|"
    r"notice|poster|title|headline|caption|what does (it|this|that|the \w+) say|what do(es)? (they|the \w+) say)\b",
    re.IGNORECASE,
)
_YES_NO = re.compile(r"^\s*(is|are|does|do|can|could|has|have)\b", re.IGNORECASE)
# Words that shape a question rather than name what it looks for.
_QUESTION_WORDS = frozenset(
    """
a an the is are was were be it its this that these those there here what which who where when why how does do did
can could would will you your me my i we us of on in at to for from with by and or any some anything something
please tell say says said read reads reading written writing text word words sign signs signpost label labels menu
letter letters lettering printed notice poster title headline caption see visible picture image photo one ones all
""".split()  # noqa: SIM905 (a paragraph of words reads better than a column of them)
)


def is_text_question(question: str, regions: Sequence[TextRegion]) -> bool:
    return bool(_ASKS_TO_READ.search(question)) or any(holds(region, sought_words(question, ())) for region in regions)


def holds(region: TextRegion, sought: Sequence[str]) -> bool:
    """Whether the region's text has one of the words asked about, or all of them run together: the reader
    sometimes loses a space (opencv-doc's NO PARKING sign reads "NOPARKING")."""
    words = _words(region.text)
    joined = "".join(sought)
    return bool(set(sought) & set(words)) or (len(joined) >= 4 and joined in "".join(words))


def sought_words(question: str, object_labels: Iterable[str]) -> list[str]:
    """The question's own words that could be lettering, in order: not question words, not the object names it uses."""
    named = {word for label in object_labels for word in _words(label)}
    return [word for word in _words(question) if word not in _QUESTION_WORDS and word not in named and len(word) > 1]


def text_answer(
    question: str,
    regions: Sequence[TextRegion],
    detections: Sequence[Detection],
    image_width: int,
    object_labels: Iterable[str] = (),
) -> str:
    """The spoken answer from the text stage ('' when the question is not about text)."""
    if not is_text_question(question, regions):
        return ""
    if not regions:
        return "I cannot read any text in this picture."
    sought = sought_words(question, object_labels)
    yes_no = bool(_YES_NO.search(question))
    # Say only the signs and labels holding the words asked about, each whole.
    matching = [region for group in nearby_groups(regions) if any(holds(r, sought) for r in group) for region in group]
    if matching:
        opener = "Yes. " if yes_no else ""
        return opener + " ".join(text_sentences(matching, detections, image_width))
    everything = " ".join(text_sentences(regions, detections, image_width))
    if yes_no and sought:
        return f'No, I cannot read "{" ".join(sought)}" anywhere here. The text I can read: {everything}'
    return everything


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())
