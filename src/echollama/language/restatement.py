"""LLM sentences that add nothing: they restate the facts already spoken, or only parrot the whole-picture guess.

A small LLM given the fact sheet often answers "The overall impression is that the whole picture may show an
espresso." — the captioner's guess (often wrong) in the fact sheet's own words. Such a sentence is dropped; one that
adds something of its own ("It seems to be a quiet park.", "It's likely an Egyptian cat, a breed from Egypt.") is
kept. Pure code, table-tested.
"""

from __future__ import annotations

import re

# Words that frame a guess rather than say anything: "the overall impression is that the whole picture may show".
_FRAMING_WORDS = (
    "a an the is are was were be been being it its it's this that these those there here of in on at to with and or "
    "as so which what i we you think believe whole picture photo photograph image scene overall impression shows "
    "show showing shown may might could can seems seem appears appear looks look like likely possibly probably "
    "perhaps maybe guess unclear sure kind sort some cannot can't not determine tell identify recognise recognize "
    "exactly clearly"
)
_FRAMING = frozenset(_FRAMING_WORDS.split())


def _words(text: str) -> list[str]:
    return [word.removesuffix("'s") for word in re.findall(r"[a-z']+", text.lower())]


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def repeats(sentence: str, said: str, share: float = 0.8) -> bool:
    """Whether nearly every word of `sentence` was already spoken (small LLMs restate the facts they were given)."""
    words = re.findall(r"[a-z']+", sentence.lower())
    heard = set(re.findall(r"[a-z']+", said.lower()))
    return len(words) >= 4 and sum(word in heard for word in words) >= share * len(words)


def restates_guess(sentence: str, said: str, guess: str) -> bool:
    """Whether `sentence` says nothing beyond the words already spoken and the whole-picture `guess`, and does echo
    the guess: "The whole picture may show a malamute." after "I can see a dog ..." given "a malamute"."""
    if not guess:
        return False
    guessed = {_stem(w) for w in _words(guess)}
    content = [_stem(w) for w in _words(sentence) if w not in _FRAMING]
    known = guessed | {_stem(w) for w in _words(said)}
    echoes = any(_stem(w) in guessed for w in _words(sentence))
    return echoes and all(word in known for word in content)


# The fact sheet's own headings, said back: "The overall impression is unclear, it could be a street or a park." (a
# bar, Qwen 1.5B); "... as the text read from the image does not provide any context".
# SmolLM2 also says the headings and the instruction back: "Counts: a truck.", "Add one or two short sentences ...".
_FACT_SHEET_WORDS = re.compile(
    r"\boverall impression\b|\btext read (?:from|in) the (?:image|picture|photo)\b|^\W*counts?\s*:|"
    r"\bobjects found in the photo\b|\b(?:add|write)\b.*\bsentences?\b",
    re.I,
)


def reads_the_fact_sheet(sentence: str) -> bool:
    """Whether `sentence` speaks in the fact sheet's words rather than a person's."""
    return bool(_FACT_SHEET_WORDS.search(sentence))
