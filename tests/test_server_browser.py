"""The page end to end in real headless Debian Chromium (playwright-core): photo -> streamed spoken description,
stopped with the Stop button while it is still being made (no audio after Stop, the server told, the turn kept as cut)
-> a spoken question through a fake microphone with Talk as a toggle (Enter to start, a screen reader's bare click
to send) -> the Space shortcut, Escape and turning the shortcut off -> an answer as screen reader text (sentences in a
polite live region, no sound) -> "Read text" from the keyboard; axe-core finds 0 accessibility violations at phone
width and at 320 px, where nothing scrolls sideways and every control is at least 24 x 24 px.

Needs /usr/bin/chromium, Node and tests/web/node_modules, all set up by `make web-test-deps` (part of `make test`); the
test itself never installs or downloads anything, and fails naming that command when something is missing.
Run: .venv/bin/python -m pytest -q -s tests/test_server_browser.py   (prints the screenshot path)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from echollama.samples import SAMPLE_IMAGE
from server_process import running_server, spoken_question

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "tests" / "web"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOT = ROOT / "build" / "web-test" / "echollama-page.png"

SETUP = "run `make web-test-deps` (as root, for Debian's chromium; `make test` runs it too)"
pytestmark = pytest.mark.timeout(1200)


def run_page_script(script: str, base: str, *args: str, timeout: int, log: Path | None = None, **env: str) -> dict:
    """Run tests/web/SCRIPT in real Chromium against the server at `base`; its last line of output is its JSON report."""
    run = subprocess.run(
        ["node", str(WEB / script), base, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=WEB,
        env={**os.environ, "CHROMIUM": CHROMIUM, **env},
    )
    server_log = f"\nserver log:\n{log.read_text()}" if log is not None and log.exists() else ""
    assert run.returncode == 0, f"{run.stderr}\n{run.stdout}{server_log}"
    return json.loads(run.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def node_modules():
    missing = [
        name
        for name, found in (
            ("chromium", Path(CHROMIUM).exists()),
            ("node", shutil.which("node")),
            ("tests/web/node_modules", (WEB / "node_modules" / "playwright-core").is_dir()),
        )
        if not found
    ]
    if missing:
        pytest.fail(f"the browser test needs {', '.join(missing)}; {SETUP}", pytrace=False)
    return WEB / "node_modules"


def test_page_stop_toggle_talk_text_mode_and_axe(node_modules, tmp_path):
    question = tmp_path / "question.wav"
    seconds = spoken_question(question, "Where is my coffee cup?")
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    log = tmp_path / "serve.log"
    with running_server(log, "--max-tokens", "48", "--request-timeout", "300") as base:
        result = run_page_script(
            "e2e.mjs",
            base,
            *(str(SAMPLE_IMAGE), str(question), str(SCREENSHOT)),
            timeout=1000,
            log=log,
            QUESTION_SECONDS=f"{seconds - 1.0:.1f}",  # talk until the question has been spoken, send in the silence
        )
    print(f"\nscreenshot of the page: {result['screenshot']}")
    print(
        f"first audio of the description {result['firstAudioSeconds']:.1f} s, answer {result['answerSeconds']:.1f} s; "
        f"axe passes {result['axeFull']['passes']}, violations {len(result['axeFull']['violations'])}"
    )
    assert not result["errors"], result["errors"]
    assert result["firstFocus"] == "stop"  # Stop is the first thing in the tab order

    # Stop during the description: silent at once, nothing of it played afterwards, the server stopped it and the
    # conversation keeps what was heard, marked as cut.
    at_stop, after_stop = result["atStop"], result["afterStop"]
    assert not at_stop["playing"] and not after_stop["playing"] and after_stop["paused"]
    assert after_stop["scheduled"] == at_stop["scheduled"], "audio of the stopped description was played after Stop"
    described = [turn for turn in result["turnsAfterStop"] if turn["kind"] == "describe"]
    assert len(described) == 1 and described[0]["interrupted"], result["turnsAfterStop"]

    # Talk as a toggle (Enter, then a bare click as NVDA/JAWS send it): the spoken question and a streamed answer.
    assert result["talkLabelWhileRecording"].strip() == "Send question"
    asked, answered = result["log"][-2:]
    assert asked.startswith("You asked:") and "cup" in asked.lower()
    assert answered.startswith("Answer:") and "cup" in answered.lower()
    assert result["voiced"]["scheduled"] > at_stop["scheduled"]  # the answer was heard
    assert result["answerAudio"]["streamedChunks"] > 0 and result["answerAudio"]["duration"] > 0.5

    # The Space shortcut starts talking where no control has focus; Escape cancels; it can be turned off (remembered).
    assert result["spaceStarts"] and result["escapeCancels"] == "described"
    assert result["spaceOff"] == {"state": "described", "saved": "false"}

    # With a pointer, a tap toggles (still recording after it; a second tap sends) and a hold sends on release.
    assert result["pointer"] == {"afterTap": "recording", "sentByTap": 0, "sent": 2}

    # Screen reader text: sentences in a polite live region, no sound at all, "Answer finished" said.
    text_mode = result["textMode"]
    assert text_mode["live"] == "polite" and text_mode["saved"] == "text"
    assert text_mode["spoken"] and "cup" in " ".join(text_mode["spoken"]).lower()
    assert text_mode["after"]["scheduled"] == text_mode["before"]["scheduled"] and text_mode["after"]["paused"]
    assert text_mode["after"]["status"].startswith("Answer finished")

    # Read text, pressed with Enter: the status line sums it up; in text mode its audio does not start by itself.
    assert result["readTabIndex"] == 0 and "no text" in result["readStatus"]
    assert result["readingPaused"]

    for audit in ("axeEmpty", "axeFull", "axeNarrow"):
        assert result[audit]["violations"] == [], (audit, result[audit]["violations"])
    for width in ("phone", "narrow"):
        assert result[width]["scrollWidth"] <= result[width]["width"], f"the page scrolls sideways at {width} width"
        assert result[width]["small"] == [], f"targets under 24 x 24 px: {result[width]['small']}"
    assert result["narrow"]["talkHeight"] >= 88  # the talk target stays big on a phone
    assert SCREENSHOT.stat().st_size > 10_000
