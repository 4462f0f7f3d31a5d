"""What the LLM got past the gate in descriptions: its sentences spoken and dropped, the reasons, and the share of
descriptions that kept at least one of its sentences (whether a detail level earns the LLM's CPU)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from echollama.language.claim_parser import split_sentences
from echollama.language.gate import category
from echollama.types import SpokenAnswer


def llm_sentences(answer: SpokenAnswer) -> dict[str, Any]:
    """One description: the LLM's sentences that were spoken (after the code-made opening; a repaired one among
    them) and those dropped, each by the category of its first reason."""
    spoken = split_sentences(answer.text[len(answer.grounded) :].strip())
    dropped = [d for d in answer.dropped if "repaired" not in d]  # a repaired sentence was spoken
    return {
        "spoken": spoken,
        "dropped": [d["sentence"] for d in dropped],
        "reasons": [category(d["reasons"][0]) for d in dropped if d.get("reasons")],
    }


def summarise_llm_sentences(per_description: Sequence[dict[str, Any]]) -> dict[str, Any]:
    spoken = sum(len(d["spoken"]) for d in per_description)
    dropped = sum(len(d["dropped"]) for d in per_description)
    with_one = sum(1 for d in per_description if d["spoken"])
    return {
        "descriptions": len(per_description),
        "spoken": spoken,
        "dropped": dropped,
        "spoken_share": spoken / (spoken + dropped) if spoken + dropped else None,
        "descriptions_with_a_kept_sentence": with_one / len(per_description) if per_description else None,
        "dropped_reasons": dict(Counter(r for d in per_description for r in d["reasons"]).most_common()),
    }
