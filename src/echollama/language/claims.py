"""The claim scorer: what a text claims about the scene, and whether each claim agrees with it.

Claims (per sentence, from the shared parser language/claim_parser.py, each attached to the object its clause names):
  side ("on your left", "slightly right", "straight ahead", "in the upper left"), height (top / bottom), clock hour
  ("at 2 o'clock", "at three o'clock"), distance ("1.5 metres", "thirty feet", "half a metre"), count ("two chairs",
  "a couple of dogs", "at least five people"), nearest / farthest, "in front of" / "behind" another object, absence
  ("no dog"), colour ("the black dog": against the colour perception measured). A mentioned object the scene does not contain is a hallucination.
Used by `echollama eval`, the Spatial-DPO pair scorer and, through `contradictions`, the gate (language/gate.py),
which keeps `check_sentence` for what reaches the voice.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from echollama.language import claim_parser
from echollama.language.claim_parser import Mention, ParsedSentence, Said, parse
from echollama.language.claim_parser import split_sentences as _sentences
from echollama.language.readouts import readouts
from echollama.language.relation_claims import relation_claims
from echollama.language.vocabulary import fine_name_words
from echollama.scene.grid import horizontal_third
from echollama.scene.words import WITHIN_REACH_UNDER_M
from echollama.types import Detection, Scene

DISTANCE_TOLERANCE = 0.5  # a spoken distance within ±50 % of the estimate agrees (the estimate itself is rough)
_THIRDS = ("left", "centre", "right")
_HEIGHTS = ("top", "bottom", "upper", "lower")


@dataclass
class Claim:
    kind: str
    label: str
    value: object
    sentence: str
    agrees: bool | None  # None: the scene cannot settle it (e.g. no distances in a relative-depth scene)

    @property
    def why(self) -> str:
        if self.kind == "absence":
            return f"said to be absent, but the scene has it: {self.label}"
        return f"wrong {self.kind} for the {self.label}: {self.value}"


@dataclass
class GroundingReport:
    claims: list[Claim] = field(default_factory=list)
    mentioned: list[str] = field(default_factory=list)  # scene-checkable object labels the text mentions
    hallucinated: list[str] = field(default_factory=list)  # mentioned as present but not in the scene
    readouts: list[str] = field(default_factory=list)  # what a listener should not hear: "score: 0.96", ...

    @property
    def checked(self) -> list[Claim]:
        return [c for c in self.claims if c.agrees is not None]

    @property
    def agreement(self) -> float | None:
        """Share of checkable spatial claims that agree with the scene (None when there are none)."""
        checked = [c for c in self.checked if c.kind not in ("absence", "colour")]
        return sum(bool(c.agrees) for c in checked) / len(checked) if checked else None

    @property
    def hallucination_rate(self) -> float | None:
        return len(self.hallucinated) / len(self.mentioned) if self.mentioned else None

    def score(self) -> float:
        """One number for ranking answers: agreeing claims minus disagreeing ones, invented objects and readouts."""
        agree = sum(1 for c in self.checked if c.agrees)
        disagree = sum(1 for c in self.checked if not c.agrees)
        return float(agree - disagree - 2 * len(self.hallucinated) - len(self.readouts))

    def to_dict(self) -> dict:
        return {
            "agreement": self.agreement,
            "hallucination_rate": self.hallucination_rate,
            "score": self.score(),
            "mentioned": self.mentioned,
            "hallucinated": self.hallucinated,
            "readouts": self.readouts,
            "claims": [c.__dict__ for c in self.claims],
        }


def _third(detection: Detection, scene: Scene) -> str:
    return _THIRDS[horizontal_third(detection.center[0], scene.width)]


def _row(detection: Detection, scene: Scene) -> str:
    return "top" if detection.center[1] < scene.height / 2 else "bottom"


def _agrees(claim: Said, members: list[Detection], scene: Scene, everyone: list[Detection]) -> bool | None:
    """Whether the scene bears the claim out for these members (None: it cannot tell)."""
    if claim.kind == "side":
        return any(_third(d, scene) in claim.thirds for d in members)
    if claim.kind == "height":
        wanted = "top" if claim.words.lower() in ("top", "upper") else "bottom"
        return any(_row(d, scene) == wanted for d in members)
    if claim.kind == "clock":
        hours = [d.clock for d in members if d.clock is not None]
        value = int(claim.number or 0)
        return any(min((h - value) % 12, (value - h) % 12) <= 1 for h in hours) if hours else None
    distances = [d.distance_m for d in members if d.distance_m is not None]
    if claim.kind == "distance":
        metres = claim.number
        if metres is None:
            return (
                any(m < WITHIN_REACH_UNDER_M for m in distances)
                if distances and "reach" in claim.words.lower()
                else None
            )
        return any(abs(metres - d) <= DISTANCE_TOLERANCE * d for d in distances) if distances else None
    known = [d.distance_m for d in everyone if d.distance_m is not None]
    if claim.kind == "extreme":
        if not distances or len(known) < 2:
            return None
        nearest = claim.words.lower() in ("closest", "nearest")
        return min(distances) == min(known) if nearest else max(distances) == max(known)
    return None


def _owner(mentions: list[Mention], said: Said, sentence: str) -> Mention | None:
    """The object a claim belongs to (`claim_parser.owner`), else the sentence's first."""
    found = claim_parser.owner(mentions, said.start, said.end, sentence)
    return found if found is not None else (mentions[0] if mentions else None)


def _spatial_claims(parsed: ParsedSentence) -> list[Said]:
    """The parser's claims in the scorer's kinds: side, height (top/bottom only), clock, distance, extreme,
    relation (in front of / behind)."""
    out: list[Said] = []
    for said in parsed.said:
        word = said.words.lower()
        if said.kind == "position" and "clock" not in word:
            out.append(Said("side", said.words, said.start, said.end, said.value))
        elif said.kind in ("clock", "distance") or (said.kind == "height" and word in _HEIGHTS):
            out.append(said)
        elif said.kind == "nearness" and word in ("closest", "nearest", "farthest", "furthest"):
            out.append(Said("extreme", said.words, said.start, said.end))
        elif said.kind == "nearness" and word in ("behind", "in front of"):
            out.append(Said("relation", said.words, said.start, said.end))
    return out


def check_text(text: str, scene: Scene) -> GroundingReport:
    """Every claim in `text` about `scene`, each marked as agreeing, disagreeing or unverifiable."""
    by_label: dict[str, list[Detection]] = {}
    for detection in scene.detections:
        by_label.setdefault(detection.label, []).append(detection)
    report = GroundingReport()
    for sentence in _sentences(text):
        report.readouts.extend(readouts(sentence))
        parsed = parse(sentence)
        mentions = [m for m in parsed.mentions if not m.general]
        for m in mentions:
            _mention_claims(report, m, sentence, by_label)
        present = [m for m in mentions if not m.negated]
        report.claims += colour_claims(parsed, present, by_label)
        # "the cup on the table, within reach": what follows is said of the cup, not of the table it relates to.
        related = {id(c.object) for c in relation_claims(parsed) if c.subject is not None}
        owners = [m for m in present if id(m) not in related]
        for said in _spatial_claims(parsed):
            owner = _owner(owners, said, parsed.text)
            if owner is None or owner.label not in by_label or parsed.of_kind("negation") and owner.negated:
                continue
            if said.kind == "extreme" and (owner.plural or (owner.count is not None and owner.count.value != 1)):
                continue  # "two chairs, the nearest on your left": nearest of them, true by construction
            if said.kind == "relation":
                behind = [m for m in present if m.start >= said.end and m.label != owner.label and m.label in by_label]
                if behind:
                    report.claims.append(_relation(owner, said, behind[0], sentence, by_label))
                continue
            members = by_label[owner.label]
            agrees = _agrees(said, members, scene, scene.detections)
            value = said.value if said.kind in ("clock", "distance") else said.words.lower()
            report.claims.append(Claim(said.kind, owner.label, value, sentence, agrees))
    report.mentioned = list(dict.fromkeys(report.mentioned))
    return report


def colour_owner(mentions: list[Mention], said: Said, sentence: str) -> Mention | None:
    """The object colour words describe: the one named right after them ("a black dog", "a black pet dog"), else the
    last one named before them in the sentence ("the dog is black"), else None ("everything is white")."""
    after = [m for m in mentions if m.start >= said.end]
    if after and re.fullmatch(r"(?:\s+[A-Za-z-]+){0,2}\s+", sentence[said.end : after[0].start]):
        return after[0]
    before = [m for m in mentions if m.end <= said.start]
    return before[-1] if before else None


def colour_claims(parsed: ParsedSentence, present: list[Mention], by_label: dict[str, list[Detection]]) -> list[Claim]:
    """A claim per colour said of an object the scene holds: agreeing when perception measured that colour for one of
    them (all its terms, or the main one of two); None when it measured none (the gate drops those too)."""
    claims = []
    for said in parsed.of_kind("colour"):
        owner = colour_owner(present, said, parsed.text)
        if owner is None or owner.label not in by_label:
            continue
        measured = [d.colour.terms for d in by_label[owner.label] if d.colour is not None]
        terms = said.thirds  # the colour's basic terms (claim_parser.colour_terms)
        agrees = any(terms == set(t) or terms == {t[0]} for t in measured) if measured else None
        claims.append(Claim("colour", owner.label, " and ".join(sorted(terms)), parsed.text, agrees))
    return claims


def _mention_claims(report: GroundingReport, m: Mention, sentence: str, by_label: dict[str, list[Detection]]) -> None:
    if m.negated:
        report.claims.append(Claim("absence", m.label, None, sentence, agrees=m.label not in by_label))
        return
    report.mentioned.append(m.label)
    if m.label not in by_label and m.label not in report.hallucinated:
        report.hallucinated.append(m.label)
    if m.count is not None:
        members = by_label.get(m.label, [])
        sure = sum(d.certain for d in members)
        value = m.count.value
        if value is None:  # "several chairs": two or more
            agrees: bool | None = len(members) >= 2 if members else False
        elif m.count.at_least:
            agrees = len(members) >= value
        else:  # "two chairs, and possibly another" counts the sure ones; "three chairs" all of them
            agrees = value in (len(members), sure)
        report.claims.append(Claim("count", m.label, value, sentence, agrees))


def _relation(owner: Mention, said: Said, other: Mention, sentence: str, by_label) -> Claim:
    mine = [d.distance_m for d in by_label[owner.label] if d.distance_m is not None]
    theirs = [d.distance_m for d in by_label[other.label] if d.distance_m is not None]
    relation = said.words.lower()
    agrees = None
    if mine and theirs:
        agrees = min(mine) < min(theirs) if relation == "in front of" else min(mine) > min(theirs)
    return Claim("relation", owner.label, (relation, other.label), sentence, agrees)


def summarise(reports: list[GroundingReport]) -> dict:
    """Totals over many texts: agreement of all checkable spatial claims, hallucinated share of mentions."""
    claims = [c for r in reports for c in r.checked if c.kind not in ("absence", "colour")]
    colours = [c for r in reports for c in r.checked if c.kind == "colour"]
    mentioned = sum(len(r.mentioned) for r in reports)
    hallucinated = sum(len(r.hallucinated) for r in reports)
    return {
        "spatial_claims": len(claims),
        "agreement": sum(bool(c.agrees) for c in claims) / len(claims) if claims else None,
        "by_kind": {
            kind: {"claims": n, "agree": sum(c.agrees for c in claims if c.kind == kind)}
            for kind, n in Counter(c.kind for c in claims).items()
        },
        "mentions": mentioned,
        "hallucination_rate": hallucinated / mentioned if mentioned else None,
        "colour_claims": len(colours),
        "colour_agreement": sum(bool(c.agrees) for c in colours) / len(colours) if colours else None,
        "readouts": sum(len(r.readouts) for r in reports),
        "readouts_per_text": sum(len(r.readouts) for r in reports) / len(reports) if reports else None,
    }


# --- What contradicts the scene, said by anyone: the gate's first test, and every code-made sentence passes it ----
def contradictions(sentence: str, scene: Scene) -> list[str]:
    """Why `sentence` contradicts `scene`: invented objects, wrong claims, metres in a relative-depth scene, an
    unsure object said as sure (its hedge must be in its own clause). [] when nothing it says is wrong."""
    report = check_text(sentence, scene)
    problems = [f"not in the scene: {label}" for label in report.hallucinated]
    problems += [claim.why for claim in report.checked if not claim.agrees]
    parsed = parse(sentence)
    labels = {d.label for d in scene.detections}
    for m in parsed.mentions:
        if m.general and not m.negated and not m.labels & labels:
            problems.append(f"not in the scene: {m.word.lower()}")
    if scene.depth_unit != "metres" and any(s.value is not None for s in parsed.of_kind("distance")):
        problems.append("a distance in metres, but this scene's depth is only relative")
    sure = {d.label for d in scene.detections if d.certain}
    for m in parsed.mentions:
        if not m.negated and not m.hedged and m.labels & labels and not m.labels & sure:
            problems.append(f"said as certain, but the detector was unsure: {m.label}")
    problems += wrong_fine_names(parsed, scene)
    return list(dict.fromkeys(problems))


def wrong_fine_names(parsed: ParsedSentence, scene: Scene) -> list[str]:
    """A fine name ("a Doberman") said for an object whose crop did not give that name (scene/fine_names.py)."""
    fine = fine_name_words()
    computed = {
        (d.label, fine.get(d.fine_name.name.lower(), ("", -1))[1])
        for d in scene.detections
        if d.fine_name is not None and d.fine_name.under == d.label and d.certain
    }
    return [
        f"not what the crop shows: {m.word} for the {m.label}"
        for m in parsed.mentions
        if not m.negated and m.word.lower() in fine and (m.label, fine[m.word.lower()][1]) not in computed
    ]
