"""Reading mode on live mode's socket (the messages are described in live.py): the page's framing advice, "Hold
still, reading." and the page's text as announcements (live/reading.py decides them), with `echollama read`'s reader."""

from __future__ import annotations

import asyncio
from typing import Any

from echollama.live.reading import page_reading
from echollama.live.watcher import ChangeWatcher


async def read(watcher: ChangeWatcher | None, pipeline, on: bool | None, error: str | None = None) -> dict[str, Any]:
    """Reading mode on (`on`) or off; not while live mode is off, nor beside find mode (one guide at a time)."""
    if watcher is None:
        detail = 'live mode is off; send {"type": "live", "on": true} first'
        return {"type": "error", "status": 409, "detail": detail, "about": "read"}
    if error is not None:
        return {"type": "error", "status": 400, "detail": error, "about": "read"}
    if on and watcher.finder is not None:
        detail = 'find mode is on; end it first with {"type": "find", "target": null}'
        return {"type": "error", "status": 409, "detail": detail, "about": "read"}
    if not on:
        watcher.reading = None
        return {"type": "read", "on": False}
    reader = pipeline.profile.page_reader()  # the reader `read` uses: built and loaded once per server
    await asyncio.to_thread(reader.load)
    watcher.reading = page_reading(reader)
    return {"type": "read", "on": True}
