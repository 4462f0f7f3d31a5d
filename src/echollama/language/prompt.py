"""The paper's prompt (§5.3, §6.1), built from a Scene. The texts themselves live in `echollama.config`.

The `paper` profile sends the paper's text untouched; the `embedded` profile adds one legend line saying that z is
in metres, because the paper's z (MiDaS) runs the other way and the model cannot know which it is given.
"""

from __future__ import annotations

from echollama.config import METRIC_DEPTH_LEGEND, SYSTEM_PROMPT, USER_PROMPT_TEMPLATE
from echollama.language.protocols import Message
from echollama.types import Scene


def user_prompt(scene: Scene, legend: bool = False) -> str:
    text = USER_PROMPT_TEMPLATE.format(caption=scene.caption, matrix=scene.matrix)
    if not legend:
        return text
    body, instruction = text.rsplit("\n", 1)
    return f"{body}\n{METRIC_DEPTH_LEGEND}\n{instruction}"


def describe_messages(scene: Scene, legend: bool = False) -> list[Message]:
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user_prompt(scene, legend)}]
