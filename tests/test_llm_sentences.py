"""The eval's tally of what the LLM got past the gate: its sentences after the code-made opening, the dropped ones by
reason, and the share of descriptions that kept at least one."""

from echollama.evaluation.llm_sentences import llm_sentences, summarise_llm_sentences
from echollama.types import SpokenAnswer

OPENING = "I can see a cup straight ahead, within reach."


def answer(llm_text: str, dropped: list[dict]) -> SpokenAnswer:
    text = f"{OPENING} {llm_text}".strip()
    return SpokenAnswer("describe", "", text, "scripted", grounded=OPENING, dropped=dropped)


def test_the_llm_sentences_are_those_after_the_opening_and_reasons_go_by_category():
    one = llm_sentences(
        answer(
            "It looks like a quiet morning. The cup seems full.",
            [
                {"sentence": "A dog is on your left.", "reasons": ["not in the scene: dog", "position: on your left"]},
                {"sentence": "The cup (0.96) seems full.", "repaired": "The cup seems full.", "reasons": ["x"]},
            ],
        )
    )
    assert one == {
        "spoken": ["It looks like a quiet morning.", "The cup seems full."],
        "dropped": ["A dog is on your left."],
        "reasons": ["not in the scene"],
    }
    none = llm_sentences(answer("", [{"sentence": "Counts: a cup.", "reasons": ["speaks in the fact sheet's words"]}]))
    summary = summarise_llm_sentences([one, none])
    assert summary["descriptions"] == 2 and summary["spoken"] == 2 and summary["dropped"] == 2
    assert summary["spoken_share"] == 0.5 and summary["descriptions_with_a_kept_sentence"] == 0.5
    assert summary["dropped_reasons"] == {"not in the scene": 1, "speaks in the fact sheet's words": 1}
    assert summarise_llm_sentences([])["descriptions_with_a_kept_sentence"] is None
