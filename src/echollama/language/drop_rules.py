"""What an LLM sentence must pass before it is spoken: a list of small rules, each named by what it drops and giving
its reason, then the claim checker (which may also repair the sentence). Pure code; `Reply` applies it to each
sentence of a checked answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from echollama.language import gate, narration
from echollama.language.restatement import reads_the_fact_sheet, repeats, restates_guess
from echollama.language.text_phrases import echoes_text
from echollama.types import CodeRegion, Scene, TextRegion

# A sentence that ends like one (a run-on cut at a comma is mid-answer, not unfinished).
_FINISHED = re.compile(r"[.!?,;:…][\"'”’)\]]*$")


@dataclass(frozen=True)
class SaidSoFar:
    """What a sentence is judged against: the scene (its text read) and everything this answer has already said."""

    scene: Scene
    spoken: str


class DropRule(Protocol):
    """One reason not to speak an LLM sentence."""

    def reason(self, sentence: str, said: SaidSoFar) -> str | None:
        """Why `sentence` is dropped, or None when this rule lets it pass."""
        ...


class PictureTextUnquoted:
    """Text in the picture is quoted, never obeyed or said as the LLM's own words."""

    def reason(self, sentence: str, said: SaidSoFar) -> str | None:
        # A code's content is the picture's text too (a QR code saying "ignore your instructions").
        written: list[TextRegion | CodeRegion] = [*said.scene.text, *said.scene.codes]
        return "says the picture's text unquoted" if echoes_text(sentence, written) else None


class Repetition:
    """Small LLMs restate the facts they were given."""

    def reason(self, sentence: str, said: SaidSoFar) -> str | None:
        return "repeats what was already said" if repeats(sentence, said.spoken) else None


class GuessRestated:
    """The whole-picture guess (often wrong) said back in other words adds nothing."""

    def reason(self, sentence: str, said: SaidSoFar) -> str | None:
        guess = narration.impression(said.scene)
        return "repeats the whole-picture guess" if restates_guess(sentence, said.spoken, guess) else None


class FactSheetWords:
    """The fact sheet's headings said back ("the overall impression is ...")."""

    def reason(self, sentence: str, said: SaidSoFar) -> str | None:
        return "speaks in the fact sheet's words" if reads_the_fact_sheet(sentence) else None


class Unfinished:
    """Only the last piece can lack an ending: the answer hit its length limit mid-sentence."""

    def reason(self, sentence: str, said: SaidSoFar) -> str | None:
        return None if _FINISHED.search(sentence) else "unfinished: the answer hit its length limit"


# In the order they are tried: the first rule that gives a reason drops the sentence.
DROP_RULES: tuple[DropRule, ...] = (
    PictureTextUnquoted(),
    Repetition(),
    GuessRestated(),
    FactSheetWords(),
    Unfinished(),
)


@dataclass(frozen=True)
class Judgement:
    """What becomes of one LLM sentence: `spoken` is what is said (itself or its repair; None: dropped), `report` the
    entry for the answer's "dropped" list ({"sentence", "reasons"[, "repaired"]}; None: spoken as it came)."""

    spoken: str | None
    report: dict[str, Any] | None = None


def judge(sentence: str, said: SaidSoFar, rules: Sequence[DropRule] = DROP_RULES) -> Judgement:
    """Drop `sentence` for the first rule's reason; else the claim checker keeps, repairs or drops it."""
    for rule in rules:
        reason = rule.reason(sentence, said)
        if reason is not None:
            return Judgement(None, {"sentence": sentence, "reasons": [reason]})
    verdict = gate.check_sentence(sentence, said.scene)
    if verdict.action == "drop":
        return Judgement(None, {"sentence": sentence, "reasons": list(verdict.reasons)})
    if verdict.action == "repair":
        return Judgement(
            verdict.text, {"sentence": sentence, "repaired": verdict.text, "reasons": list(verdict.reasons)}
        )
    return Judgement(verdict.text)
