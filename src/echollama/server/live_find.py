"""Find mode on live mode's socket (the messages are described in live.py): a find target checked and set on the
connection's watcher, and the tone each frame left, as the messages the page plays (live/find.py decides both)."""

from __future__ import annotations

from typing import Any

from echollama.errors import InputError
from echollama.live.find import FindGuide, find_target
from echollama.live.watcher import ChangeWatcher


def find(watcher: ChangeWatcher | None, words: str | None, error: str | None = None) -> dict[str, Any]:
    """Find mode on for `words` ("my cup"), replacing any before, or off (None); a name it cannot look for is
    answered with an error (status 400, "about": "find") and leaves find mode off."""
    if watcher is None:
        detail = 'live mode is off; send {"type": "live", "on": true} first'
        return {"type": "error", "status": 409, "detail": detail, "about": "find"}
    watcher.finder, watcher.find_step = None, None
    if error is not None:
        return {"type": "error", "status": 400, "detail": error, "about": "find"}
    if words is None:
        return {"type": "find", "on": False}
    try:
        target = find_target(words, listed_by="")
    except InputError as bad:
        return {"type": "error", "status": 400, "detail": str(bad), "about": "find"}
    watcher.finder = FindGuide(target)
    return {"type": "find", "on": True, "target": words, "name": target.name, "labels": sorted(target.labels)}


def tone(watcher: ChangeWatcher | None) -> dict[str, Any] | None:
    """The tone the latest frame left sounding ("tone"), or stopped ("tone_stop"); None: no change, or not finding."""
    step = watcher.find_step if watcher is not None else None
    if step is None:
        return None
    if step.tone is not None:
        return step.tone.to_dict()
    if step.stopped:
        return {"type": "tone_stop", "at_s": round(step.phrases[0].seen_s, 3), "label": step.phrases[0].label}
    return None
