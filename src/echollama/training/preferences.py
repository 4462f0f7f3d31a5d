"""Teacher-free preferences (beyond the paper): rank the base model's own answers by spatial grounding.

Each answer is scored with the shared checker (`echollama.language.claims`); best = chosen, worst = rejected.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from echollama.language.claims import check_text
from echollama.types import Scene


@dataclass(frozen=True)
class ScoredAnswer:
    text: str
    score: float


def score_answers(answers: Sequence[str], scene: Scene) -> list[ScoredAnswer]:
    return [ScoredAnswer(text, check_text(text, scene).score()) for text in answers if text.strip()]


def choose_pair(answers: Sequence[str], scene: Scene) -> tuple[ScoredAnswer, ScoredAnswer] | None:
    """(chosen, rejected): the best- and worst-grounded answers; None when they tie (no preference to learn).

    Ties between equal scores go to the earliest answer, so the choice is deterministic.
    """
    scored = score_answers(answers, scene)
    if len(scored) < 2:
        return None
    best = max(scored, key=lambda a: a.score)
    worst = min(scored, key=lambda a: a.score)
    if best.score == worst.score:
        return None
    return best, worst
