"""Placed phrases joined into spoken sentences, each piece keeping the direction it is heard from.

What the narration (language/narration.py) says is cut into PlacedText pieces, one where each object's phrase
begins; these helpers add the commas, the "and" and the sentence's opening words without merging pieces, so a
listener hears each object from its side (`--spatial`, the page's panner). Pure code over strings.
"""

from __future__ import annotations

from echollama.types import PlacedText


def joined(parts: list[PlacedText]) -> list[PlacedText]:
    """`join_words` over placed parts, each keeping its direction: 'a, ' 'b ' 'and c'."""
    if len(parts) <= 1:
        return parts
    # A part placed on two sides already holds an "and"; a comma before the last "and" keeps the parts apart.
    before_and = ", " if any(" and " in p for p in parts) else " "
    last_two = [parts[-2].but(parts[-2] + before_and), parts[-1].but("and " + parts[-1])]
    return [p.but(p + ", ") for p in parts[:-2]] + last_two


def spoken_sentence(phrases: list[str], opener: str = "") -> str:
    """Phrases as one spoken sentence; 'and' after a comma when the phrases carry their own commas."""
    return "".join(sentence_pieces([[PlacedText(p)] for p in phrases], opener))


def sentence_pieces(phrases: list[list[PlacedText]], opener: str = "") -> list[PlacedText]:
    """Phrases (each in its placed pieces) as one sentence, keeping every piece's direction: ', ' | 'and a dog ...'."""
    count = len(phrases)
    if count == 2 and any("," in "".join(p) for p in phrases):
        joins = [("", ", "), ("and ", "")]
    else:
        joins = [("", ", " if i < count - 2 else " ") for i in range(count - 1)] + [("and " if count > 1 else "", "")]
    pieces: list[PlacedText] = []
    for phrase, (before, after) in zip(phrases, joins):
        phrase = list(phrase)
        phrase[0] = phrase[0].but(before + phrase[0])
        phrase[-1] = phrase[-1].but(phrase[-1] + after)
        pieces += phrase
    if opener and not pieces[0].startswith("possibly"):
        pieces[0] = pieces[0].but(f"{opener} {pieces[0]}")
    pieces[0] = pieces[0].but(pieces[0][0].upper() + pieces[0][1:])
    pieces[-1] = pieces[-1].but(pieces[-1] + ".")
    return pieces


def brief_sentences(phrases: list[list[PlacedText]], tail_follows: bool = False) -> list[list[PlacedText]]:
    """Two objects a sentence; a kind spread over the picture ("two people: one ..., and one ...") gets its own.

    The first opens with "I can see", and only the brief's last sentence with "Also": the one after these when
    `tail_follows` (the leftovers named short, narration._brief_tail). "Also a car .... Also a truck ..." said
    one word twice."""
    packed: list[list[int]] = []
    for i, phrase in enumerate(phrases):
        alone = _spread("".join(phrase))
        if packed and not alone and len(packed[-1]) == 1 and not _spread("".join(phrases[packed[-1][0]])):
            packed[-1].append(i)
        else:
            packed.append([i])
    last = len(packed) if tail_follows else len(packed) - 1
    openers = ["I can see" if n == 0 else "Also" if n == last else "" for n in range(len(packed))]
    return [sentence_pieces([phrases[i] for i in group], opener) for group, opener in zip(packed, openers)]


def _spread(phrase: str) -> bool:
    return " and " in phrase or ";" in phrase
