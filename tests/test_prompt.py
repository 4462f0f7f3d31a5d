"""The paper's prompt (§5.3/§6.1) is sent verbatim; only the embedded profile adds one legend line."""

from echollama.language.prompt import METRIC_DEPTH_LEGEND, describe_messages, user_prompt
from echollama.paper import SYSTEM_PROMPT
from echollama.types import Detection, Scene


def scene():
    return Scene(
        width=300,
        height=200,
        detections=[Detection("cup", 0.9, (10, 120, 50, 160), z=1.2)],
        caption="A cup on a table.",
        depth_unit="metres",
    )


def test_paper_prompt_is_verbatim():
    assert user_prompt(scene()) == (
        "Image Description: A cup on a table.\n"
        "This grid-based object detection matrix represents detected objects in different regions of the image. "
        "Left Top:\nMid Top:\nRight Top:\nLeft Bottom: cup: 0.9, r(30, 140, 1.2)\nMid Bottom:\nRight Bottom:\n"
        "Describe this place in detail."
    )


def test_system_prompt_is_the_papers():
    assert SYSTEM_PROMPT.startswith("You are a visual understanding and interpretation assistant. You will receive")
    assert SYSTEM_PROMPT.endswith("Your task is to give information and answer questions about places.")
    assert describe_messages(scene())[0] == {"role": "system", "content": SYSTEM_PROMPT}


def test_embedded_legend_is_one_separate_line_before_the_instruction():
    paper = user_prompt(scene()).splitlines()
    embedded = user_prompt(scene(), legend=True).splitlines()
    assert embedded == paper[:-1] + [METRIC_DEPTH_LEGEND, paper[-1]]
    assert "metres" in METRIC_DEPTH_LEGEND and "farther" in METRIC_DEPTH_LEGEND
