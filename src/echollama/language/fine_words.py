"""How an object's fine name and the photo's setting are said: hedged, and only what perception computed.

"a dog, probably a Doberman, on your left" — the classifier named the dog's crop; "Probably indoors, in a
restaurant." — the objects and the whole picture agreed (scene/fine_names.py, scene/setting.py). Pure code.
"""

from __future__ import annotations

from echollama.types import Detection, Setting


def _with_article(name: str) -> str:
    return f"an {name}" if name[:1].lower() in "aeiou" else f"a {name}"


def fine_name_words(detection: Detection) -> str:
    """', probably a Doberman' for an object whose crop agreed with the detector; '' otherwise (an unsure object's
    fine name is not said: "possibly a dog, probably a Doberman" would hedge twice)."""
    fine = detection.fine_name
    if fine is None or fine.under != detection.label or not detection.certain:
        return ""
    return f", probably {_with_article(fine.name)},"


def setting_sentence(setting: Setting | None, detail: str = "brief") -> str:
    """'Probably indoors, in a restaurant.'; in a brief description only when a kind of place is known."""
    if setting is None or (detail == "brief" and not setting.place):
        return ""
    side = "indoors" if setting.indoors else "outdoors"
    return f"Probably {side}" + (f", {setting.place}." if setting.place else ".")


def setting_fact(setting: Setting | None) -> str:
    """The setting for the LLM's fact sheet, marked as a guess."""
    if setting is None:
        return ""
    side = "indoors" if setting.indoors else "outdoors"
    return f"Setting (a guess from the picture and the objects): probably {side}" + (
        f", {setting.place}." if setting.place else "."
    )
