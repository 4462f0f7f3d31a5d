"""What is said, and what each spoken operation returns: SpokenAnswer (an answer as heard), Description, Reading
and WatchEvent, with the words they carry (PlacedText, Message).

All are plain dataclasses (PlacedText a str), serialisable to JSON (that is what `--json` prints).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from echollama.types.perception import CodeRegion, Scene, TextRegion

Message = dict[str, str]  # a chat message: {"role": "system" | "user" | "assistant", "content": ...}


class PlacedText(str):
    """Text said about something in a known direction, so it can be heard from there (`--spatial`, the page's panner).

    `azimuth_deg` is the horizontal angle from the camera's axis, negative to the left; None: no one direction (an
    overview, an answer from the LLM). A str, so whatever joins, prints or checks text treats it as text.
    """

    azimuth_deg: float | None

    def __new__(cls, text: str, azimuth_deg: float | None = None) -> PlacedText:
        placed = super().__new__(cls, text)
        placed.azimuth_deg = azimuth_deg
        return placed

    def but(self, text: str) -> PlacedText:
        """Other words from the same direction."""
        return PlacedText(text, self.azimuth_deg)


@dataclass
class SpokenAnswer:
    """One answer as the listener heard it: a description or a reply, what was spoken when, and what was refused.

    `sentences` pairs each spoken sentence with the second (from the start of the request) its audio began;
    `dropped` lists the LLM sentences the claim checker refused or repaired, with its reasons.
    """

    kind: str  # "describe", "question" or "summary"
    question: str
    text: str
    llm: str
    grounded: str = ""  # the sentences composed from the scene (spoken first)
    used_llm: bool = False
    sentences: list[dict[str, Any]] = field(default_factory=list)
    dropped: list[dict[str, Any]] = field(default_factory=list)
    usage: dict[str, float] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    messages: list[Message] = field(default_factory=list)  # the prompt the LLM was given (empty without it)
    source: str = "typed"  # "typed", "audio file", "microphone", "image"
    transcript: dict[str, Any] | None = None
    audio_path: str | None = None

    def prompt(self) -> dict[str, str]:
        """The prompt by role (what `describe --json` and `POST /v1/describe` show; a describe prompt has each role
        once)."""
        return {m["role"]: m["content"] for m in self.messages}

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["answer"] = data.pop("text")
        return data


@dataclass
class Reading:
    """The result of `read`: every text region, the text in reading order, and what was spoken where."""

    source: str
    width: int
    height: int
    regions: list[TextRegion]
    columns: list[dict[str, Any]]  # columns -> paragraphs -> lines, with boxes (see scene.reading_order)
    text: str  # lines on their own line, a blank line between paragraphs and columns
    spoken: str
    audio_path: str | None = None
    timings: dict[str, float] = field(default_factory=dict)
    codes: tuple[CodeRegion, ...] = ()  # QR codes and barcodes read in the photo
    framing: str = ""  # advice when the text is cut off at an edge, too small or blurred ("" when well framed)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Description:
    """The result of `describe`: the scene, the spoken answer, and where the speech went."""

    scene: Scene
    answer: SpokenAnswer

    @property
    def text(self) -> str:
        return self.answer.text

    @property
    def timings(self) -> dict[str, float]:
        return self.answer.timings

    def prompt(self) -> dict[str, str]:
        return self.answer.prompt()

    def to_dict(self) -> dict[str, Any]:
        answer = self.answer.to_dict()
        answer.pop("messages")
        return {"scene": self.scene.to_dict(), "prompt": self.prompt(), **answer}


@dataclass(frozen=True)
class WatchEvent:
    """A change `watch` noticed in a video: what it is, where, when it was seen, and the sentence that says it.

    Times are seconds on the session's clock: the video's own time (a file played as fast as possible) or the wall
    clock since watching began (a camera, a stream or a file in real time); both are the same in real time.
    """

    kind: str  # "scene" (what is there when watching begins), "appeared", "approaching" or "left"; find mode: "lost", "reach"
    # reading mode (live/reading.py): "framing" (advice), "hold" ("Hold still, reading."), "text" (the page read)
    sentence: str
    seen_s: float  # when the frame showing the change was taken
    label: str = ""
    track_id: int | None = None
    direction: str = ""  # e.g. "on your left"
    distance_m: float | None = None
    urgency: int = 0  # bigger is said first
    tracks: tuple[int, ...] = ()  # the objects a "scene" event names

    def __post_init__(self) -> None:
        if self.kind not in ("scene", "appeared", "approaching", "left", "lost", "reach", "framing", "hold", "text"):
            raise ValueError(f"unknown watch event kind {self.kind!r}")
        if not self.sentence:
            raise ValueError("a watch event needs a sentence")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
