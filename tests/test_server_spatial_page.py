"""The page's sound from each object's direction, in real headless Chromium: a streamed answer about the dog on the
left is played through a StereoPannerNode panned left; with the labelled switch off it goes straight out.

Run: .venv/bin/python -m pytest -q tests/test_server_spatial_page.py   (needs `make web-test-deps`)
"""

from __future__ import annotations

import pytest

from echollama.evaluation.labelled_set import PHOTOS_DIR
from server_process import running_server
from test_server_browser import node_modules, run_page_script  # noqa: F401 (a fixture)

pytestmark = pytest.mark.timeout(900)


def test_each_sentence_is_played_from_its_direction_and_the_switch_turns_it_off(node_modules, tmp_path):  # noqa: F811
    photo = PHOTOS_DIR / "porch_dog_bicycle.jpg"  # the dog is on the left
    with running_server(tmp_path / "serve.log", "--max-tokens", "48", "--request-timeout", "300") as base:
        result = run_page_script("spatial.mjs", base, str(photo), timeout=800)
    assert not result["errors"], result["errors"]
    assert result["switch"]["checked"] and result["switch"]["label"] == "Hear each object from its direction"
    on, off = result["on"], result["off"]
    answer = on["answer"]  # "The black dog is in front of the bicycle, slightly left, ...": the grounded answer
    assert on["error"] is None and "dog is" in answer and "slightly left" in answer, on
    assert on["routes"] and all(isinstance(pan, float) and pan < -0.1 for pan in on["routes"]), on["routes"]
    assert off["routes"] and set(off["routes"]) == {"direct"}, off["routes"]
    assert result["remembered"] == "off"
    assert result["axe"] == [], result["axe"]
