"""A Scene is a frozen value; the text still being read is a separate handle (PendingText): the objects' Scene is
there at once, `scene()` waits for the text and returns a new Scene with it, and nothing else ever waits."""

import dataclasses
import threading
from concurrent.futures import Future

import pytest

from echollama.language.conversation import Conversation
from echollama.types import PendingText, Scene, TextRegion

OBJECTS = Scene(width=640, height=480, detections=[], caption="", depth_unit="metres", timings={"detect_s": 0.1})
EXIT = TextRegion("EXIT", 0.9, (500, 20, 600, 60), direction="on your right")


def test_a_scene_cannot_be_changed():
    with pytest.raises(dataclasses.FrozenInstanceError):
        OBJECTS.caption = "a kitchen"


def test_the_text_arrives_as_a_new_scene_and_only_whoever_needs_it_waits():
    read: Future = Future()
    wanted = threading.Event()
    pending = PendingText(OBJECTS, read, wanted)
    assert not pending.done() and OBJECTS.to_dict()["text"] == []  # serialising never waits for the text stage
    read.set_result(([EXIT], {"text_s": 0.4}))
    with_text = pending.scene()
    assert wanted.is_set()  # waiting for the text lets a held-back text stage start at once
    assert with_text.text == [EXIT] and with_text.timings == {"detect_s": 0.1, "text_s": 0.4}
    assert OBJECTS.text == [] and pending.scene() is with_text


def test_a_conversation_speaks_the_objects_first_and_quotes_the_text_once_read():
    read: Future = Future()
    conversation = Conversation(llm=None, settings=None)  # no answer is generated here
    conversation.start(PendingText(OBJECTS, read))
    assert conversation.require_scene() is OBJECTS  # the summary and the first sentences need no text
    read.set_result(([EXIT], {}))
    assert conversation.scene_with_text().text == [EXIT] and conversation.scene is conversation.scene_with_text()


def test_a_whole_scene_starts_a_conversation_as_it_is():
    conversation = Conversation(llm=None, settings=None)
    conversation.start(OBJECTS)
    assert conversation.scene_with_text() is OBJECTS
