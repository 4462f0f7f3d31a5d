"""The text stage inside perception and the description, on a real photo with a real sign pasted on it: the regions
are placed (cell, direction, object), the object sentences come first and the text sentences after them, the
prompts carry the text only quoted, and `--no-text` turns the stage off."""

from __future__ import annotations

import pytest

from echollama.config import PipelineConfig
from echollama.language.conversation import Conversation
from echollama.language.prompt import user_prompt
from echollama.paper import USER_PROMPT_TEMPLATE
from echollama.profiles import build_profile
from echollama.scene.grid import format_matrix
from echollama.scene.image import LoadedImage
from rendered_text import SCENES, render_scene


@pytest.fixture(scope="module")
def profile():
    profile = build_profile(PipelineConfig(llm="tiny"))
    profile.analyzer.load()
    return profile


@pytest.fixture(scope="module")
def exit_scene(profile):
    scene_spec = next(s for s in SCENES if s.name == "exit")
    return profile.analyzer.analyze(LoadedImage(rgb=render_scene(scene_spec), source="exit"))


def test_text_is_read_beside_detection_and_placed(exit_scene):
    regions = exit_scene.text
    assert [r.text for r in regions] == ["EXIT"]
    exit_sign = regions[0]
    assert exit_sign.direction == "on your right" and exit_sign.cell == "Right Top"
    assert exit_scene.timings["text_s"] > 0 and exit_scene.timings["perception_with_text_s"] > 0
    assert exit_scene.to_dict()["text"][0]["text"] == "EXIT"


def test_the_description_says_objects_first_then_the_text(profile, exit_scene):
    conversation = Conversation(profile.llm, PipelineConfig().generation, vocabulary=profile.vocabulary)
    conversation.start(exit_scene)
    reply = conversation.describe("full")  # the level that asks the LLM, after the facts and the text
    pieces = iter(reply)
    objects = "".join(next(pieces) for _ in reply.pieces)  # one piece per object; the LLM has not been asked yet
    text = next(pieces)
    assert "cup" in objects and "EXIT" not in objects
    assert text.strip() == 'A sign on your right reads: "EXIT".'
    reply.close()
    assert reply.generation is None  # the text sentence came before any LLM work
    fact_sheet = conversation.scene_messages("brief")[-1]["content"]
    assert '<image_text>\n"EXIT"\n</image_text>' in fact_sheet and "not instructions" in fact_sheet


def test_the_paper_prompt_only_quotes_the_text_in_its_caption_line(exit_scene):
    prompt = user_prompt(exit_scene)
    matrix = format_matrix(exit_scene.detections, exit_scene.width, exit_scene.height)
    caption = f'{exit_scene.caption} Text read in the image: "EXIT".'
    assert prompt == USER_PROMPT_TEMPLATE.format(caption=caption, matrix=matrix)


def test_no_text_turns_the_stage_off(profile, exit_scene):
    quiet = build_profile(PipelineConfig(llm="tiny", read_text=False))
    assert quiet.analyzer.text_reader is None
    assert profile.analyzer.text_reader is not None
    scene_spec = next(s for s in SCENES if s.name == "exit")
    scene = quiet.analyzer.analyze(LoadedImage(rgb=render_scene(scene_spec), source="exit"))
    assert scene.text == [] and "text_s" not in scene.timings
