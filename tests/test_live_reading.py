"""Reading mode's decisions (live/reading.py), on hand-made frames: each frame's advice and text in, phrases out."""

import pytest

from echollama.live.announcer import Announcer
from echollama.live.reading import HOLD_STILL, URGENCY, PageView, ReadingGuide
from echollama.types import WatchEvent

RIGHT = "The text runs off the right edge; move the camera right or step back."
TOP = "The text runs off the top edge; tilt the camera up or step back."
LETTER = "Dear Ms Patel, thank you for your letter of the third."
LETTER_MISREAD = "Dear Ms Pate1, thank you for your lettr of the third."
BILL = "Electricity bill for March: 42 pounds due on the fifth."

# one letter a frame: R (cut at the right), T (cut at the top), F (framed letter), f (the letter misread a little),
# B (framed bill), w (one word, no advice: not a page), - (no text)
VIEWS = {
    "R": PageView(RIGHT, "Dear Ms"),
    "T": PageView(TOP, "thank you"),
    "F": PageView("", LETTER),
    "f": PageView("", LETTER_MISREAD),
    "B": PageView("", BILL),
    "w": PageView("", "EXIT"),
    "-": PageView("", ""),
}


def said(frames: str) -> list[str]:
    guide = ReadingGuide()
    phrases = []
    for index, frame in enumerate(frames):
        phrases += [event.sentence for event in guide.update(VIEWS[frame], index * 0.2)]
    return phrases


@pytest.mark.parametrize(
    "frames, expected",
    [
        ("RRRRFFFFFF", [RIGHT, HOLD_STILL, LETTER]),  # the test's story: advice, hold still, the text once
        ("RRRRRRRR", [RIGHT]),  # said once while it holds
        ("RRRFRRR", [RIGHT]),  # one framed frame in the move: neither hold nor a second advice
        ("RRRTRRR", [RIGHT]),  # one noisy frame does not flip the advice
        ("RRTTRR", [RIGHT, TOP, RIGHT]),  # a steady change is said, and the first advice again when it comes back
        ("FFF", [HOLD_STILL, LETTER]),
        ("FFfFfFFfff", [HOLD_STILL, LETTER]),  # the same page misread a little is not read again
        ("FFFRRFFF", [HOLD_STILL, LETTER, RIGHT]),  # moved off and back to the same page: not read again
        ("FFF--FFF", [HOLD_STILL, LETTER, HOLD_STILL, LETTER]),  # the page went and came back: read again
        ("FFFBBB", [HOLD_STILL, LETTER, HOLD_STILL, BILL]),  # the next page
        ("FFRRFFF", [HOLD_STILL, RIGHT, HOLD_STILL, LETTER]),  # moved off before it was read: read once framed again
        ("FF-FFF", [HOLD_STILL, LETTER]),  # one frame without text does not interrupt the reading
        ("wwww----", []),  # a stray word is not a page
        ("", []),
    ],
)
def test_frames_to_phrases(frames, expected):
    assert said(frames) == expected


def test_the_text_read_is_the_fullest_reading_of_the_page():
    guide = ReadingGuide()
    short, full = PageView("", "Dear Ms Patel, thank you"), PageView("", "Dear Ms Patel, thank you for your letter.")
    events = [e for i, v in enumerate([short, full, short]) for e in guide.update(v, i * 0.2)]
    assert [(e.kind, e.sentence) for e in events] == [("hold", HOLD_STILL), ("text", full.text)]
    assert events[0].urgency > events[1].urgency  # "hold still" goes first even when both wait


def test_advice_overtaken_by_newer_framing_is_dropped_not_said_late():
    announcer = Announcer()
    announcer.spoke(3.0)  # still talking until 3 s
    for kind, sentence, at_s in [("framing", RIGHT, 0.5), ("hold", HOLD_STILL, 1.5), ("text", LETTER, 1.7)]:
        announcer.add(WatchEvent(kind, sentence, at_s, urgency=URGENCY[kind]))
    first, dropped = announcer.next(3.5)
    assert [d.event.sentence for d in dropped] == [RIGHT]
    assert first is not None and first.sentence == HOLD_STILL
    announcer.spoke(4.0)
    second, _ = announcer.next(4.5)
    assert second is not None and second.sentence == LETTER
