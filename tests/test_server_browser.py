"""The page end to end in real headless Debian Chromium (playwright-core): photo -> spoken description -> spoken
question through a fake microphone -> streamed spoken answer -> "Read text" from the keyboard; axe-core finds 0
accessibility violations.

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


def test_page_photo_description_spoken_question_answer_and_axe(node_modules, tmp_path):
    question = tmp_path / "question.wav"
    seconds = spoken_question(question, "Where is my coffee cup?")
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    with running_server(tmp_path / "serve.log", "--max-tokens", "48", "--request-timeout", "300") as base:
        run = subprocess.run(
            ["node", str(WEB / "e2e.mjs"), base, str(SAMPLE_IMAGE), str(question), str(SCREENSHOT)],
            capture_output=True,
            text=True,
            timeout=1000,
            cwd=WEB,
            # hold the talk key until the question has been spoken, releasing inside the trailing silence
            env={**os.environ, "CHROMIUM": CHROMIUM, "QUESTION_SECONDS": f"{seconds - 1.0:.1f}"},
        )
    assert run.returncode == 0, f"{run.stderr}\n{run.stdout}\nserver log:\n{(tmp_path / 'serve.log').read_text()}"
    result = json.loads(run.stdout.strip().splitlines()[-1])
    print(f"\nscreenshot of the page: {result['screenshot']}")
    print(
        f"describe {result['describeSeconds']:.1f} s, answer {result['answerSeconds']:.1f} s; "
        f"axe passes {result['axeFull']['passes']}, violations {len(result['axeFull']['violations'])}"
    )

    assert not result["errors"], result["errors"]
    assert len(result["description"].split()) >= 5
    audio = result["descriptionAudio"]
    assert audio["src"].startswith("/v1/audio/") and audio["duration"] > 1 and audio["readyState"] >= 1
    asked, answered = result["log"][-2:]
    assert asked.startswith("You asked:") and "cup" in asked.lower()
    assert answered.startswith("Answer:") and "cup" in answered.lower()
    assert result["answerAudio"]["streamedChunks"] > 0 and result["answerAudio"]["duration"] > 0.5
    # "Read text" is in the tab order and pressed with Enter; the photo has no text, and the live region says so.
    assert result["readTabIndex"] == 0
    assert result["readingLive"] == "polite" and "cannot read any text" in result["reading"]
    for audit in ("axeEmpty", "axeFull", "axeNarrow"):
        assert result[audit]["violations"] == [], (audit, result[audit]["violations"])
    assert result["narrow"]["scrollWidth"] <= result["narrow"]["width"], "the page scrolls sideways at 320 px"
    assert result["narrow"]["talkHeight"] >= 88  # the push-to-talk target stays big on a phone
    assert SCREENSHOT.stat().st_size > 10_000
