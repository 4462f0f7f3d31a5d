"""The prompts, built from a Scene: the paper's (§5.3, §6.1; its text lives in `echollama.paper`) and our grounded one.

The `paper` profile sends the paper's text untouched; the `embedded` profile adds one legend line saying that z is
in metres, because the paper's z (MiDaS) runs the other way and the model cannot know which it is given.
"""

from __future__ import annotations

from echollama.language.text_phrases import quoted_text_for_caption
from echollama.paper import DESCRIBE_INSTRUCTION, SYSTEM_PROMPT, USER_PROMPT_TEMPLATE
from echollama.scene.grid import format_matrix
from echollama.types import Message, Scene

# Embedded-profile legend line (issue 2, point 4): the paper's z is MiDaS inverse depth; ours is metres.
METRIC_DEPTH_LEGEND = "In each r(x, y, z), x and y are pixels from the top-left corner and z is the distance from the camera in metres (bigger = farther)."


def user_prompt(scene: Scene, legend: bool = False) -> str:
    caption = f"{scene.caption} {quoted_text_for_caption(scene.text)}".strip()
    text = USER_PROMPT_TEMPLATE.format(
        caption=caption, matrix=format_matrix(scene.detections, scene.width, scene.height)
    )
    if not legend:
        return text
    body, instruction = text.rsplit("\n", 1)
    return f"{body}\n{METRIC_DEPTH_LEGEND}\n{instruction}"


def describe_messages(scene: Scene, legend: bool = False) -> list[Message]:
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user_prompt(scene, legend)}]


# The grounded style's system prompt is the same for every image, so its evaluated state can be kept between runs.
GROUNDED_SYSTEM_PROMPT = (
    "You help a blind person understand a photo taken with their phone. You receive facts measured from the photo: "
    "the objects that were recognised, where they are and how far away. The listener has already heard those facts. "
    "Continue with a few short spoken sentences of context: what kind of place this seems to be and how the objects "
    "relate to each other. Use only the objects in the facts; never invent objects, never give coordinates, "
    "scores, percentages or grid names, never use lists or markdown. If you are unsure, say less."
)
_GROUNDED_INSTRUCTION = {
    "brief": "Add one or two short sentences about the kind of place; do not repeat where the objects are.",
    "normal": "Add three or four short sentences about the kind of place and how the objects relate.",
    "full": DESCRIBE_INSTRUCTION,
}


def system_messages(style: str) -> list[Message]:
    """The constant start of every prompt in a style (the part worth keeping evaluated between runs)."""
    return [{"role": "system", "content": GROUNDED_SYSTEM_PROMPT if style == "grounded" else SYSTEM_PROMPT}]


def grounded_messages(scene: Scene, fact_sheet: str, detail: str) -> list[Message]:
    user = f"Facts measured from the photo:\n{fact_sheet}\n{_GROUNDED_INSTRUCTION[detail]}"
    return [*system_messages("grounded"), {"role": "user", "content": user}]


def instruction_for_questions(depth_unit: str) -> str:
    """The paper style's one instruction turn before questions; distances only in the unit the scene really has."""
    where = (
        "clock directions and distances in metres"
        if depth_unit == "metres"
        else "left, right or ahead, and nearer or farther (the depth values are relative, not metres)"
    )
    return (
        "The user is blind and now asks questions about this image. Answer each in one to three short sentences, "
        f"using only the image description and the detection matrix above. Say where things are as {where}. "
        "If the object asked about is not in the matrix, say that you cannot see it."
    )
