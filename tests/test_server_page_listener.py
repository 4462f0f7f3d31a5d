"""The page as a blind user meets it (issue 23, item 5), in real headless Chromium (tests/web/listener.mjs): earcons
when the microphone opens, when a question is sent and when it fails, and the error ("no speech found") spoken; in
voice mode no polite announcement while the app's voice plays; focus stays on Read text; Space on the conversation
list does not record; one Repeat control and no audio player in the tab order however many answers; a four-sentence
answer arriving at once is whole in text mode; Live's state in words; Talk on the first screen at 320 px; settings
remembered in the browser; axe finds nothing. The LLM is tests/openai_standin.py with scripted words (the answers'
content does not matter here, only that they come, fast, on any machine).

Run: .venv/bin/python -m pytest -q tests/test_server_page_listener.py   (needs `make web-test-deps`)
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from echollama.samples import SAMPLE_IMAGE
from openai_standin import serving
from server_process import running_server
from test_server_api import SHORT
from test_server_browser import node_modules, run_page_script  # noqa: F401 (a fixture)

pytestmark = pytest.mark.timeout(900)
EARCON_NOTES = 2  # each earcon is two oscillator notes (cues.js)


def quiet_noise(path, seconds: float = 4.0, rate: int = 48_000) -> None:
    """What the fake microphone hears: quiet noise, above the "silent" floor, with no speech in it."""
    import soundfile

    noise = np.random.default_rng(0).normal(0.0, 0.01, int(seconds * rate)).astype(np.float32)
    soundfile.write(path, noise, rate, subtype="PCM_16")


def test_the_page_as_a_blind_user_meets_it(node_modules, tmp_path):  # noqa: F811
    noise = tmp_path / "noise.wav"
    quiet_noise(noise)
    log = tmp_path / "serve.log"
    with (
        serving(script="The cup is on the table.") as (llm_url, _),
        running_server(log, *SHORT, env={"ECHOLLAMA_LLM_URL": llm_url}) as base,
    ):
        result = run_page_script("listener.mjs", base, str(SAMPLE_IMAGE), str(noise), timeout=800, log=log)
    assert not result["errors"], result["errors"]

    # Earcons in voice mode: listening when the microphone opens, sent, failed; the error heard in the device's voice.
    assert result["described"]["scheduled"] > 0 and result["described"]["earcons"] == []
    assert result["listening"]["earcons"] == ["listening"] and len(result["listening"]["tones"]) == EARCON_NOTES
    no_speech = result["noSpeech"]
    assert no_speech["earcons"] == ["listening", "sent", "failed"], no_speech
    tones = no_speech["tones"]  # every oscillator started on the page: the three earcons' notes, nothing else
    assert len(tones) == 3 * EARCON_NOTES, tones
    listening, sent, failed = (tones[i : i + EARCON_NOTES] for i in range(0, len(tones), EARCON_NOTES))
    assert listening[0]["frequency"] < listening[1]["frequency"]  # rising
    assert sent[0]["frequency"] > sent[1]["frequency"]  # falling
    assert {t["type"] for t in failed} == {"square"} and failed[0]["frequency"] < min(t["frequency"] for t in sent)
    assert no_speech["error"].startswith("No speech found"), no_speech["error"]
    assert no_speech["utterances"] == [no_speech["error"]] and no_speech["alert"] == ""  # said once, by the voice

    # In voice mode no polite announcement while the voice plays, and no progress line the voice or an earcon covers.
    polite = [a for a in result["voiceAnnounced"] if a["politeness"] == "polite"]
    assert polite, "nothing at all was announced"
    assert not [a for a in polite if a["voice"]], [a for a in polite if a["voice"]]
    assert not [a for a in polite if re.search(r"Describing|Speaking|Thinking|Listening", a["text"])], polite
    assert "twice" in result["bothLabel"], result["bothLabel"]

    # One Repeat control (and R), no player in the tab order: two more answers add no tab stop.
    assert result["players"]["repeat"] == 1 and result["players"]["controls"] == 0
    assert result["tabsAfterThree"] == result["tabsAfterOne"], (result["tabsAfterOne"], result["tabsAfterThree"])
    assert "repeat" in result["tabsAfterOne"] and "AUDIO" not in result["tabsAfterOne"]
    assert result["repeated"]["src"] == result["repeated"]["last"]
    assert result["rInTextBox"] == {"value": "r", "voice": False}  # typing R in the question box is not a shortcut
    assert "could not be played" not in str(result["noDeviceVoice"]["utterances"])

    # Focus stays on Read text; Space on the conversation list does not record.
    assert result["focusAfterRead"] == "read-text"
    assert result["spaceOnList"] == {"state": "answered", "recorder": False, "asked": 0, "focus": "log"}

    # Errors with no device voice, and in text mode: the alert region says them; text mode makes no sound.
    assert result["noDeviceVoice"]["alert"] == "Type a question first."
    assert result["noDeviceVoice"]["earcons"][-1] == "failed"
    text_error = result["textModeError"]
    assert (
        text_error["alert"] == "Type a question first." and text_error["earcons"] == result["noDeviceVoice"]["earcons"]
    )

    # A four-sentence answer arriving at once is all there for a screen reader.
    assert len(result["burst"]["spoken"]) == 4, result["burst"]
    assert result["repeatedAsText"] == {"spoken": result["burst"]["spoken"], "voice": False}

    # Live's state in words, Talk on the first screen at 320 px, the shortcuts listed.
    assert result["liveOff"] == {"text": "Live camera: off", "pressed": "false"}
    assert result["liveOn"] == "Live camera: on"
    assert result["talkTopAt320"] < 640
    assert {"Escape", "Space", "R"} <= set(result["shortcuts"])

    # Settings remembered in this browser (and a rate control's, where the page has one).
    restored = result["restored"]
    assert restored["detail"] == "full" and restored["spatial"] is False and restored["output"] == "text"
    assert restored["rate"] == result["rateSet"]

    for audit in ("axe", "axeNarrow"):
        assert result[audit]["violations"] == [], (audit, result[audit]["violations"])
