"""What perception finds in one image: Detection and TextRegion (with their fine names, colours and relations) ->
Scene, and PendingText while the text stage still reads.

All are plain dataclasses, validated on construction and serialisable to JSON (that is what `--json` prints).
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from dataclasses import asdict, dataclass, field, replace
from typing import Any

Box = tuple[float, float, float, float]  # x1, y1, x2, y2 in pixels of the (EXIF-rotated) image


class _FoundInImage:
    """What Detection and TextRegion share: a score in 0-1 and a box with area, whose centre and size they give."""

    score: float
    box: Box

    def _check_score_and_box(self) -> None:
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"score {self.score} is not a probability")
        x1, y1, x2, y2 = self.box
        if not (x2 > x1 and y2 > y1):
            raise ValueError(f"box {self.box} has no area")

    @property
    def center(self) -> tuple[float, float]:
        x1, y1, x2, y2 = self.box
        return (x1 + x2) / 2.0, (y1 + y2) / 2.0

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]


@dataclass(frozen=True)
class FineName:
    """What the ImageNet classifier says an object is, from the object's own crop: "Doberman" for a dog.

    `under` is the COCO class the crop's name falls under: the detector's label when they agree (said hedged, "a
    dog, probably a Doberman"); another class when the crop contradicts the detector (never said; it lowers the
    object to "possibly"). `evidence` holds the crop's likeliest classes with their probabilities."""

    name: str
    score: float
    under: str
    evidence: tuple[tuple[str, float], ...] = ()

    def __post_init__(self) -> None:
        if not self.name or not 0.0 <= self.score <= 1.0:
            raise ValueError(f"a fine name needs a name and a probability, not {self.name!r} {self.score}")


@dataclass(frozen=True)
class Setting:
    """Where the photo was taken, when the objects and the whole-picture classifier agree: indoors or outdoors, and
    a kind of place ("a restaurant") when one of ImageNet's place classes says so; `evidence` says what agreed."""

    indoors: bool
    place: str = ""
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class Detection(_FoundInImage):
    """One detected object, and what later stages learnt about it."""

    label: str
    score: float
    box: Box
    z: float | None = None  # the matrix's z: metres (embedded) or MiDaS inverse depth (paper)
    distance_m: float | None = None  # metric distance from the camera, when a backend can estimate it
    cell: str | None = None  # grid cell name, e.g. "Left Bottom"
    clock: int | None = None  # clock direction as seen from the camera, 12 = straight ahead
    certain: bool = True  # False: scored in the hedged band, so it is said as "possibly a ..."
    fine_name: FineName | None = None  # what the object's crop says it is, more exactly (scene/fine_names.py)
    colour: ObjectColour | None = None  # its colour when clear (scene/object_colour.py)

    def __post_init__(self) -> None:
        if not self.label:
            raise ValueError("a detection needs a label")
        self._check_score_and_box()


@dataclass(frozen=True)
class TextRegion(_FoundInImage):
    """One line of text read in the image; later stages fill where it sits and what it is written on."""

    text: str
    score: float  # the recogniser's confidence, 0-1
    box: Box  # axis-aligned bounds of the (possibly rotated) text line
    cell: str | None = None  # grid cell name, e.g. "Right Top"
    direction: str | None = None  # spoken direction, e.g. "on your right"
    distance_m: float | None = None  # from the object the text is written on, when that has one
    on_object: str | None = None  # label of the detected object whose box holds the text, e.g. "bottle"

    def __post_init__(self) -> None:
        if not self.text.strip():
            raise ValueError("a text region needs text")
        self._check_score_and_box()


@dataclass(frozen=True)
class CodeRegion:
    """One QR code or barcode read in the image. Its text is data: quoted when said, never opened or obeyed."""

    kind: str  # "QR code" or "barcode"
    symbology: str  # e.g. "QR Code", "EAN-13", "UPC-A", "Code 128"
    text: str  # the decoded content
    box: Box  # axis-aligned bounds of the code
    cell: str | None = None  # grid cell name, e.g. "Right Top"
    direction: str | None = None  # spoken direction, e.g. "on your right"

    def __post_init__(self) -> None:
        if self.kind not in ("QR code", "barcode"):
            raise ValueError(f"unknown code kind {self.kind!r}")
        if not self.text.strip():
            raise ValueError("a code needs text")
        x1, y1, x2, y2 = self.box
        if not (x2 > x1 and y2 > y1):
            raise ValueError(f"box {self.box} has no area")


@dataclass(frozen=True)
class Camera:
    """The pinhole camera assumed for an image: what turns pixels into angles and metres."""

    width: int
    height: int
    focal_px: float
    focal_source: str  # "exif" or "default field of view"

    def __post_init__(self) -> None:
        if self.width <= 0 or self.height <= 0 or self.focal_px <= 0:
            raise ValueError("camera sizes must be positive")


@dataclass(frozen=True)
class Scene:
    """Everything perception found in one image; the prompt is built from this alone.

    While the text stage still reads, perception hands on a `PendingText`: its `objects` Scene has no text yet, and
    its `scene()` is a new Scene with the text."""

    width: int
    height: int
    detections: list[Detection]
    caption: str
    depth_unit: str  # "metres" (bigger = farther) or "inverse relative depth" (MiDaS, bigger = nearer)
    camera: Camera | None = None
    source: str = ""
    matrix: str = ""  # the paper's 2x3 object detection matrix (§5.1), as perception wrote it
    timings: dict[str, float] = field(default_factory=dict)
    text: list[TextRegion] = field(default_factory=list)  # text read in the image
    setting: Setting | None = None  # indoors or outdoors and the kind of place, when the evidence agrees
    codes: tuple[CodeRegion, ...] = ()  # QR codes and barcodes read in the image (read with the text)
    relations: tuple[Relation, ...] = ()  # how the objects relate, from their boxes and depth (scene/relations.py)

    def __post_init__(self) -> None:
        if self.width <= 0 or self.height <= 0:
            raise ValueError("image size must be positive")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> Scene:
        """A Scene from its JSON form (`to_dict`, e.g. in `describe --json`); KeyError, TypeError or ValueError on
        anything else."""
        if not isinstance(data, dict):
            raise TypeError("a scene is a JSON object")
        camera = data.get("camera")
        return cls(
            width=int(data["width"]),
            height=int(data["height"]),
            detections=[_with_fine_name(_boxed(Detection, d, "detection")) for d in data["detections"]],
            caption=str(data.get("caption", "")),
            depth_unit=str(data["depth_unit"]),
            camera=Camera(**camera) if camera else None,
            source=str(data.get("source", "")),
            matrix=str(data.get("matrix", "")),
            text=[_boxed(TextRegion, t, "text region") for t in data.get("text", [])],
            setting=_setting(data.get("setting")),
            codes=tuple(_boxed(CodeRegion, c, "code") for c in data.get("codes", [])),
            relations=tuple(Relation.from_dict(r) for r in data.get("relations", ())),
        )


def _boxed(kind: Any, data: Any, name: str) -> Any:
    if not isinstance(data, dict):
        raise TypeError(f"each {name} is a JSON object")
    fields = {**data, "box": tuple(data["box"])}
    if isinstance(data.get("colour"), dict):
        fields["colour"] = ObjectColour.from_dict(data["colour"])
    return kind(**fields)


def _with_fine_name(detection: Detection) -> Detection:
    fine = detection.fine_name
    if not isinstance(fine, dict):
        return detection
    evidence = tuple((str(name), float(score)) for name, score in fine.get("evidence", ()))
    return replace(detection, fine_name=FineName(**{**fine, "evidence": evidence}))


def _setting(data: Any) -> Setting | None:
    if data is None:
        return None
    if not isinstance(data, dict):
        raise TypeError("a setting is a JSON object")
    return Setting(**{**data, "evidence": tuple(data.get("evidence", ()))})


class PendingText:
    """The text stage of one scene, which runs beside detection and may finish after it, so the object sentences need
    not wait for it: `objects` is the scene without text, `scene()` waits for the text and returns the scene with it
    (the same Scene on every call; `objects` itself when there is no text stage)."""

    def __init__(
        self,
        objects: Scene,
        read: Future[tuple[list[TextRegion], dict[str, float]]] | None = None,
        wanted: threading.Event | None = None,
        codes: Future[tuple[CodeRegion, ...]] | None = None,
    ) -> None:
        self.objects = objects
        self._read = read  # the placed regions and the timings they add
        self._codes = codes  # the codes read, on the text stage's thread (done before the text)
        # Set by `scene()`: a text stage held back until the first sound (pipeline.py) starts at once when needed.
        self._wanted = wanted
        self._scene: Scene | None = objects if read is None else None
        self._lock = threading.Lock()

    def done(self) -> bool:
        return self._read is None or self._read.done()

    def scene(self) -> Scene:
        """The scene with the text read in the image, waiting for the text stage when it is still running."""
        with self._lock:
            if self._scene is None:
                assert self._read is not None
                if self._wanted is not None:
                    self._wanted.set()
                regions, timings = self._read.result()
                codes = self._codes.result() if self._codes is not None else ()
                self._scene = replace(
                    self.objects, text=regions, codes=codes, timings={**self.objects.timings, **timings}
                )
            return self._scene


@dataclass(frozen=True)
class ObjectColour:
    """An object's colour as said ("black", "brown and white") and the evidence: the mean CIELAB of its pixels, the
    share of its pixels named by each said term, and how its pixels were chosen ("grabcut" or "centre")."""

    words: str
    lab: tuple[float, float, float]
    share: dict[str, float]
    method: str

    def __post_init__(self) -> None:
        if not self.words or set(self.words.split(" and ")) != set(self.share):
            raise ValueError(f"colour words {self.words!r} do not match the shares {self.share}")

    @property
    def terms(self) -> tuple[str, ...]:
        """The basic colour terms said: ("brown", "white")."""
        return tuple(self.words.split(" and "))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ObjectColour:
        lab = tuple(float(v) for v in data["lab"])
        if len(lab) != 3:
            raise ValueError("a colour's lab is three numbers")
        return cls(str(data["words"]), (lab[0], lab[1], lab[2]), dict(data["share"]), str(data["method"]))


RELATION_KINDS = ("on", "riding", "holding", "next to", "in front of", "behind")


@dataclass(frozen=True)
class Relation:
    """How one detected object relates to another ("a cup on the table"), found from their boxes and depth alone.

    `subject` and `object` index the scene's detections; `evidence` holds the geometry that made the relation (the
    measured overlaps, edges and depths beside their thresholds), so `--json` can say why it was said."""

    subject: int
    subject_label: str
    kind: str  # one of RELATION_KINDS
    object: int
    object_label: str
    evidence: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in RELATION_KINDS:
            raise ValueError(f"unknown relation {self.kind!r}")
        if self.subject == self.object or min(self.subject, self.object) < 0:
            raise ValueError("a relation joins two different detections")

    @classmethod
    def from_dict(cls, data: Any) -> Relation:
        if not isinstance(data, dict):
            raise TypeError("each relation is a JSON object")
        return cls(**{**data, "evidence": dict(data.get("evidence", {}))})
