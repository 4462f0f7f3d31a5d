"""The values that flow between stages: Detection (and TextRegion) -> Scene -> SpokenAnswer -> Description.

What perception finds lives in `perception`, what is said in `spoken`; both are imported from here. Imports nothing
else of ours.
"""

from echollama.types.perception import (
    RELATION_KINDS,
    Box,
    Camera,
    CodeRegion,
    Detection,
    FineName,
    ObjectColour,
    PendingText,
    Relation,
    Scene,
    Setting,
    TextRegion,
)
from echollama.types.spoken import Description, Message, PlacedText, Reading, SpokenAnswer, WatchEvent

__all__ = [
    "RELATION_KINDS",
    "Box",
    "Camera",
    "CodeRegion",
    "Description",
    "Detection",
    "FineName",
    "Message",
    "ObjectColour",
    "PendingText",
    "PlacedText",
    "Reading",
    "Relation",
    "Scene",
    "Setting",
    "SpokenAnswer",
    "TextRegion",
    "WatchEvent",
]
