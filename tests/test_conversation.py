"""Conversations about a real scene with real models (SmolLM2 for speed): spoken questions, grounded positions,
follow-ups that reuse llama.cpp's cached prefix, streaming speech, and a session that survives bad input.

Run: .venv/bin/python -m pytest -q tests/test_conversation.py -m "not slow"
"""

import threading
import time

import numpy as np
import pytest

from echollama.config import PipelineConfig
from echollama.errors import InputError
from echollama.evaluation.wer import normalise_words
from echollama.language.conversation import ANSWER_MAX_TOKENS, Conversation
from echollama.language.llama_cpp_llm import LlamaCppModel
from echollama.models.gguf import LLM_MODELS, gguf_path
from echollama.speech.streaming import Cancel, Cancelled, SpeechResult, heard_text, speak
from echollama.voice_chat import VoiceChat
from scripted_llm import ScriptedLLM
from spoken import write_noise, write_silence, write_spoken


@pytest.fixture(scope="module")
def chelsea(labelled):
    return labelled["chelsea"].load()


@pytest.fixture
def voice(tiny_pipeline, chelsea):
    chat = VoiceChat(tiny_pipeline)
    chat.open_image(chelsea)
    return chat


class Recorder:
    """An audio sink that keeps the samples and when the first one arrived."""

    def __init__(self):
        self.chunks = []
        self.first_at = None

    def __call__(self, samples):
        if samples.size and self.first_at is None:
            self.first_at = time.perf_counter()
        self.chunks.append(samples)

    @property
    def samples(self):
        return np.concatenate(self.chunks) if self.chunks else np.zeros(0, dtype=np.float32)


def assert_cat_position(answer):
    # chelsea: SSD puts the cat in the middle third, 0.39 m from the camera (scene/geometric depth); its fur is brown
    assert "The brown cat is straight ahead, within reach." in answer


def test_a_spoken_question_is_transcribed_and_answered(voice, tmp_path):
    question = write_spoken(tmp_path / "question.wav", "Where is the cat?", rate=44100, channels=2)
    audio = Recorder()
    turn = voice.ask_audio(question, audio)
    assert normalise_words(turn.transcript["text"]) == ["where", "is", "the", "cat"]
    assert_cat_position(turn.text)
    assert turn.timings["asr_s"] > 0 and 0 < turn.timings["first_audio_s"] <= turn.timings["total_s"]
    assert audio.samples.size / voice.pipeline.tts.sample_rate > 2.0 and np.sqrt(np.mean(audio.samples**2)) > 0.01


def test_where_is_the_cat_names_its_real_position(voice):
    turn = voice.ask("Where is the cat?", Recorder())
    assert_cat_position(turn.text)
    assert not turn.used_llm  # a measured position is not left to a 135M model


def test_an_object_that_is_not_there_is_said_to_be_absent(voice):
    turn = voice.ask("Is there a chair on my left?", Recorder())
    assert turn.text == "I cannot see any chairs here. I can only see a brown cat."


def test_a_follow_up_reuses_the_cached_scene_prefix(voice):
    llm = voice.pipeline.llm
    first = voice.ask("What is the cat doing?", Recorder()).usage
    second = voice.ask("What colour is its fur?", Recorder()).usage
    # The scene prompt, the first question and its answer are already in llama.cpp's KV cache: only the new turn
    # is evaluated (llama.cpp's own prompt-eval counter), though the prompt grew.
    assert second["prompt_tokens"] > first["prompt_tokens"] > 200
    assert second["prompt_tokens_reused"] >= first["prompt_tokens"]
    assert second["prompt_tokens_evaluated"] <= second["prompt_tokens"] - first["prompt_tokens"]
    assert second["prompt_tokens_evaluated"] == pytest.approx(
        second["prompt_tokens"] - second["prompt_tokens_reused"], abs=1
    )
    # Without the cache the same prompt is read in full.
    llm.forget_cache()
    voice.conversation._history.pop()
    cold = voice.ask("What colour is its fur?", Recorder()).usage
    assert cold["prompt_tokens"] == second["prompt_tokens"]
    assert cold["prompt_tokens_reused"] == 0 and cold["prompt_tokens_evaluated"] >= 0.95 * cold["prompt_tokens"]


def test_streaming_speaks_before_the_llm_has_finished(voice):
    # No object named in the question, so no grounded preamble: the first audio must come from streamed LLM text.
    # The LLM's words are scripted and it holds back its second sentence until audio has been heard: an answer that
    # were spoken only once the LLM had finished would come a minute late, after `finished`.
    heard = threading.Event()
    llm = ScriptedLLM(["The cat looks calm. ", heard, "It seems relaxed."])
    conversation = Conversation(llm, voice.pipeline.config.generation)
    conversation.start(voice.conversation.scene)
    reply = conversation.ask("Write a long poem about this place.")
    finished = {}

    def pieces():
        yield from reply
        finished["at"] = time.perf_counter()

    class HearingRecorder(Recorder):
        def __call__(self, samples):
            super().__call__(samples)
            if samples.size:
                heard.set()

    audio = HearingRecorder()
    result = speak(pieces(), voice.pipeline.tts, audio)
    assert result.sentences == ["The cat looks calm.", "It seems relaxed."]
    assert audio.first_at is not None and audio.first_at < finished["at"]
    assert llm.prompts, "the scripted LLM was never asked"


def test_bad_questions_are_refused_and_the_session_goes_on(tiny_pipeline, chelsea, tmp_path):
    chat = VoiceChat(tiny_pipeline)
    with pytest.raises(InputError, match="no picture yet"):
        chat.ask("Where is the cat?", Recorder())
    with pytest.raises(InputError, match="no picture yet"):
        chat.ask_audio(write_spoken(tmp_path / "q.wav"), Recorder())
    chat.open_image(chelsea)
    with pytest.raises(InputError, match="10,000 characters"):
        chat.ask("x" * 10_000, Recorder())
    with pytest.raises(InputError, match="empty"):
        chat.ask("   ", Recorder())
    with pytest.raises(InputError, match="silent"):
        chat.ask_audio(write_silence(tmp_path / "silent.wav"), Recorder())
    with pytest.raises(InputError, match="no speech"):
        chat.ask_audio(write_noise(tmp_path / "noise.wav"), Recorder())
    corrupt = tmp_path / "corrupt.ogg"
    corrupt.write_bytes(b"OggS" + bytes(range(200)) * 10)
    with pytest.raises(InputError, match="not a readable audio file"):
        chat.ask_audio(corrupt, Recorder())
    assert len(chat.conversation.turns) == 1  # only the opening summary: failures leave no half turns
    assert_cat_position(chat.ask("Where is the cat?", Recorder()).text)


def test_long_sessions_trim_the_oldest_turns_to_fit_the_context(chelsea, tiny_pipeline):
    small = LlamaCppModel(gguf_path(LLM_MODELS["tiny"]), "tiny, small context", n_ctx=768, threads=2)
    conversation = Conversation(small, PipelineConfig(llm="tiny").generation)
    conversation.start(tiny_pipeline.look(chelsea))
    for index in range(10):  # about 80 tokens a turn: well past the 768-token context
        reply = conversation.ask(
            f"Question {index}: what is the cat doing, and why does it look like that? "
            "Tell me about its fur, its eyes, its ears and whatever it is looking at."
        )
        "".join(reply)
        assert reply.turn.usage["prompt_tokens"] + ANSWER_MAX_TOKENS <= 768
    assert len(conversation.turns) == 11  # the transcript keeps everything
    assert len(conversation._history) < 10  # the prompt kept only the newest turns
    assert conversation.messages_for("next?")[1]["content"].endswith("Describe this place in detail.")  # scene stays


@pytest.mark.slow
def test_a_bigger_model_answers_around_the_grounded_position(chelsea):
    from echollama.pipeline import Pipeline

    chat = VoiceChat(Pipeline(PipelineConfig(llm="0.5b")))
    chat.open_image(chelsea)
    assert_cat_position(chat.ask("Where is the cat?", Recorder()).text)
    turn = chat.ask("Where is the cat, and what is it doing?", Recorder())
    assert_cat_position(turn.text)
    assert turn.used_llm and turn.text.startswith(turn.grounded)
    follow_up = chat.ask("What colour is its fur?", Recorder()).usage
    assert follow_up["prompt_tokens_reused"] >= turn.usage["prompt_tokens"]  # the cached prefix, whatever was said


def test_tell_me_more_continues_the_description_in_more_detail(tiny_pipeline, labelled):
    conversation = tiny_pipeline.conversation()
    conversation.start(tiny_pipeline.look(labelled["motorcycle"].load()))
    brief = conversation.describe("brief")
    "".join(brief)
    more = conversation.ask("Tell me more")
    "".join(more)
    assert more.turn.kind == "describe" and conversation.detail_said == "normal"
    assert len(more.opening) >= len(brief.opening)


@pytest.mark.parametrize(
    "sentence, repeated",
    [
        ("I can see a cup straight ahead, within reach and possibly the dining table.", True),
        ("This is likely to be an espresso bar or a cafe.", False),
        ("Yes.", False),
    ],
)
def test_an_llm_sentence_that_restates_the_facts_is_recognised(sentence, repeated):
    from echollama.language.restatement import repeats

    said = (
        "I can see a cup straight ahead, within reach, and possibly a dining table straight ahead, about 1 metre away."
    )
    assert repeats(sentence, said) is repeated


def test_a_stopped_description_is_kept_as_heard_and_the_next_prompt_says_it_was_cut(voice):
    rate = voice.pipeline.tts.sample_rate
    cancel = Cancel()
    audio = Recorder()

    def listener(samples):  # stops it after hearing 1.2 s, as a barge-in would
        audio(samples)
        if sum(chunk.size for chunk in audio.chunks) >= 1.2 * rate:
            cancel.stop(heard_s=1.2)

    with pytest.raises(Cancelled) as stopped:
        voice.pipeline.speak(voice.conversation.describe("full"), listener, cancel=cancel)
    turn = voice.conversation.turns[-1]
    assert turn.kind == "describe" and turn.interrupted and stopped.value.by_listener
    assert turn.answer == stopped.value.heard and turn.answer.endswith("…")
    assert stopped.value.result.sentences[0].startswith(turn.answer[:-1])  # cut inside the first sentence
    messages = voice.conversation.messages_for("What else is there?")
    assert messages[-3] == {"role": "assistant", "content": turn.answer}
    assert messages[-2]["role"] == "system" and "interrupted" in messages[-2]["content"]
    # the next answer goes on normally, and its prompt (the LLM's own input) carries the note
    reply = voice.pipeline.speak(voice.conversation.ask("Why is the cat here?"), Recorder())
    assert reply.used_llm and messages[-2] in reply.messages


@pytest.mark.parametrize(
    ("heard_s", "heard"),
    [
        (None, "The cup is ahead. A chair, on your left, within reach."),
        (0.0, ""),
        (0.5, "The…"),
        (1.5, "The cup is ahead."),
        (1.6, "The cup is ahead."),  # in the pause between sentences
        (3.2, "The cup is ahead. A chair, on your…"),  # the comma gives way to the ellipsis
        (9.0, "The cup is ahead. A chair, on your left, within reach."),
    ],
)
def test_what_the_listener_heard_of_a_stopped_answer(heard_s, heard):
    result = SpeechResult(
        text="", sentences=["The cup is ahead.", "A chair, on your left, within reach."], spans=[(0, 1.5), (1.7, 4.7)]
    )
    assert heard_text(result, heard_s) == heard


def test_brief_and_normal_descriptions_are_the_facts_alone_and_never_ask_the_llm(chelsea, tiny_pipeline):
    llm = ScriptedLLM(["The cat looks calm."])  # words the gate lets through, when the LLM is asked
    conversation = Conversation(llm, PipelineConfig().generation)
    conversation.start(tiny_pipeline.look(chelsea))
    brief = conversation.describe("brief")
    text = "".join(brief)
    assert text.strip() == brief.opening and "calm" not in text
    assert not brief.turn.used_llm and not llm.prompts  # not even a prompt was made for it
    assert "calm" not in "".join(conversation.describe("normal")) and not llm.prompts  # nor a normal one
    full = conversation.describe("full")
    assert "The cat looks calm." in "".join(full) and full.turn.used_llm and llm.prompts
