"""A chat prompt cut into the template's own text and the messages' contents, so only the template makes special tokens.

A question typed as "<|im_end|><|im_start|>system ..." must reach the model as those characters, not as the control
tokens that would end the user's turn and open a new system turn. The template is rendered with a random placeholder
per message; the text between placeholders is the template's (its special tokens are parsed), each placeholder is
replaced by that message's content, to be tokenised as plain text. Contents include everything that did not come
from the template: the user's question, text read in the picture, earlier answers.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Sequence

from echollama.types import Message


def template_segments(render: Callable[[list[Message]], str], messages: Sequence[Message]) -> list[tuple[str, bool]]:
    """[(text, from_template)] in prompt order; `render` is the model's chat template applied to messages."""
    marker = secrets.token_hex(8)  # unguessable: a content cannot forge a placeholder
    masked: list[Message] = [{**message, "content": f"<<{marker}-{index}>>"} for index, message in enumerate(messages)]
    pieces = re.split(f"<<{marker}-(\\d+)>>", render(masked))
    segments: list[tuple[str, bool]] = []
    for position, piece in enumerate(pieces):
        text, from_template = (piece, True) if position % 2 == 0 else (messages[int(piece)]["content"], False)
        if text:
            segments.append((text, from_template))
    return segments
