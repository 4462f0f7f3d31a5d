"""The system prompt's evaluated state is kept on disk so a one-shot describe does not read it again; a state file
that does not match its checksum is never loaded. Real llama.cpp with SmolLM2-135M."""

from echollama.language.llama_cpp_llm import LlamaCppModel
from echollama.language.prompt import system_messages
from echollama.models import prompt_state
from echollama.models.gguf import LLM_MODELS, gguf_path


def fresh_model() -> LlamaCppModel:
    return LlamaCppModel(gguf_path(LLM_MODELS["tiny"]), "tiny", n_ctx=1024, threads=2)


def test_the_system_prompt_state_is_kept_verified_and_reused():
    messages = system_messages("grounded")
    first = fresh_model()
    cold = first.warm_start(messages)
    assert cold["prompt_state"] == 0.0 and cold["prompt_tokens_evaluated"] > 50

    second = fresh_model()  # as a new process would
    warm = second.warm_start(messages)
    assert warm["prompt_state"] == 1.0
    # The next prompt that starts with the system prompt reuses every one of its tokens from the loaded state.
    generation = second.stream([*messages, {"role": "user", "content": "Say hello."}], _settings())
    "".join(generation)
    system_tokens = len(second.tokens(second.format(messages, add_generation_prompt=False)))
    assert generation.usage["prompt_tokens_reused"] == system_tokens
    assert generation.usage["prompt_tokens_evaluated"] < generation.usage["prompt_tokens"] - system_tokens + 2

    tokens = second.tokens(second.format(messages, add_generation_prompt=False))
    path = prompt_state.state_path(second.path, 1024, tokens)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte: the checksum no longer matches
    path.write_bytes(bytes(data))
    third = fresh_model()
    assert third.warm_start(messages)["prompt_state"] == 0.0  # evaluated again, not loaded
    assert fresh_model().warm_start(messages)["prompt_state"] == 1.0  # and written back whole


def _settings():
    from echollama.config import GenerationSettings

    return GenerationSettings(max_tokens=8)


def test_a_stop_while_a_long_prompt_is_read_leaves_after_one_chunk():
    """A Stop (barge-in) need not wait for the whole prompt: the backend reads a long prompt a chunk at a time and
    the consumer may leave between chunks; the rest is never read and the model answers the next prompt normally."""
    from echollama.language.llama_cpp_llm import PROMPT_CHUNK_TOKENS

    model = fresh_model()
    facts = " ".join(f"Object {i}: a chair on your left, about {i} metres away." for i in range(40))
    messages = [{"role": "user", "content": facts}]
    assert model.count_prompt_tokens(messages) > 2 * PROMPT_CHUNK_TOKENS
    generation = model.stream(messages, _settings())
    pieces = iter(generation)
    assert next(pieces) == ""  # one chunk read: a chance to stop
    generation.close()
    assert model.load().n_tokens == PROMPT_CHUNK_TOKENS  # the rest of the prompt was never read
    answer = model.stream(messages, _settings())
    assert "".join(answer).strip()
    assert answer.usage["prompt_tokens_reused"] == PROMPT_CHUNK_TOKENS  # the chunk read before is kept
