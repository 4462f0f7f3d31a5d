"""Paper LLM backends: transformers streaming (and cancelling) on a tiny random Llama, and the OpenAI-compatible HTTP
client against the loopback stand-in server (tests/openai_standin.py), which streams server-sent events like vLLM.

Run: .venv/bin/python -m pytest -q tests/test_paper_language.py
"""

import threading

import pytest

from echollama.config import GenerationSettings
from echollama.errors import ModelError
from openai_standin import serving

MESSAGES = [{"role": "system", "content": "You describe places."}, {"role": "user", "content": "Describe this place."}]


@pytest.fixture(scope="module")
def llm(tiny):
    from echollama.language.transformers_llm import TransformersLLM

    return TransformersLLM(tiny["llama"])


def test_transformers_llm_streams_pieces_through_the_chat_template(llm):
    settings = GenerationSettings(max_tokens=12, temperature=0.7, top_p=0.95, seed=3)
    generation = llm.stream(MESSAGES, settings)
    pieces = list(generation)
    usage = generation.usage
    assert len(pieces) >= 2 and all(isinstance(p, str) for p in pieces)
    assert usage["completion_tokens"] == 12 and usage["first_token_s"] <= usage["generate_s"]
    tokenizer = llm.load()[1]
    prompt = tokenizer.decode(llm.prompt_ids(MESSAGES)[0])
    assert prompt.startswith("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou describe places.")
    assert (
        prompt.endswith("<|start_header_id|>assistant<|end_header_id|>\n\n") and prompt.count("<|begin_of_text|>") == 1
    )
    assert "".join(llm.stream(MESSAGES, settings)) == "".join(pieces)  # same seed, same answer


def test_transformers_llm_counts_prompt_tokens(llm):
    assert llm.count_prompt_tokens(MESSAGES, "The") == llm.count_prompt_tokens(MESSAGES) + 1


def test_missing_llm_is_named_with_the_pull_command_and_no_fallback(empty_hub_cache):
    from echollama.language.transformers_llm import TransformersLLM

    with pytest.raises(ModelError) as error:
        TransformersLLM("AquaLabs/EchoLLaMA-1B").load()
    message = str(error.value)
    assert "AquaLabs/EchoLLaMA-1B" in message and "echollama models pull --profile paper" in message
    assert "\n" not in message


def test_transformers_llm_continues_an_assistant_prefix(llm):
    prefix_ids = llm.prompt_ids(MESSAGES, "The cup")[0].tolist()
    assert prefix_ids[:-2] == llm.prompt_ids(MESSAGES)[0].tolist()  # the prefix follows the assistant header
    settings = GenerationSettings(max_tokens=6, temperature=0.0)
    generation = llm.stream(MESSAGES, settings, assistant_prefix="The cup")
    assert "".join(generation) and generation.usage["prompt_tokens"] == len(prefix_ids)


def generate_threads():
    return [t for t in threading.enumerate() if t.name == "transformers-generate" and t.is_alive()]


def test_closing_a_generation_stops_generate_and_frees_the_model(llm):
    settings = GenerationSettings(max_tokens=600, temperature=0.7, seed=5)
    generation = llm.stream(MESSAGES, settings)
    first = next(iter(generation))
    assert first and llm.generate_lock.locked() and generate_threads()
    generation.close()
    # close() returns only after the worker is joined: no generate thread runs on, and the model is free.
    assert not generate_threads() and not llm.generate_lock.locked()
    # The stopping criterion ended generate early (600 tokens would run to the end without it).
    assert 1 <= generation.usage["completion_tokens"] < 100
    again = llm.stream(MESSAGES, GenerationSettings(max_tokens=4, temperature=0.0))
    assert "".join(again) and again.usage["completion_tokens"] == 4


def test_http_llm_streams_server_sent_events():
    from echollama.language.openai_http_llm import OpenAIHttpLLM

    prompt = [MESSAGES[0], {"role": "user", "content": "Matrix:\nLeft Bottom: cup: 0.95, r(10, 90, 1.2)"}]
    with serving(api_key="secret") as (url, requests):
        llm = OpenAIHttpLLM(url, model="teacher", api_key="secret")
        settings = GenerationSettings(max_tokens=50, temperature=0.7, top_p=0.95, seed=1)
        generation = llm.stream(prompt, settings)
        assert list(generation) == ["The ", "cup ", "is ", "on ", "the ", "left ", "of ", "the ", "picture."]
    request = requests[0]
    assert request["path"] == "/v1/chat/completions" and request["body"]["stream"] is True
    assert request["body"]["messages"] == prompt and request["body"]["model"] == "teacher"
    assert request["body"]["max_tokens"] == 50 and request["body"]["temperature"] == 0.7
    assert "continue_final_message" not in request["body"]  # plain requests stay plain OpenAI
    assert generation.usage["prompt_tokens"] == 11 + 4 * 2 + 3 and generation.usage["completion_tokens"] == 9


def test_http_llm_continues_an_assistant_prefix_like_vllm():
    from echollama.language.openai_http_llm import OpenAIHttpLLM

    prompt = [MESSAGES[0], {"role": "user", "content": "Matrix:\nRight Top: tv: 0.97, r(150, 20, 0.4)"}]
    with serving() as (url, requests):
        generation = OpenAIHttpLLM(url, model="teacher").stream(prompt, GenerationSettings(), "The tv is on the")
        assert "".join(generation) == " right of the picture."
    body = requests[0]["body"]
    assert body["messages"] == [*prompt, {"role": "assistant", "content": "The tv is on the"}]
    assert body["continue_final_message"] is True and body["add_generation_prompt"] is False


def test_http_llm_counts_tokens_with_the_servers_tokenize_else_estimates():
    from echollama.language.openai_http_llm import OpenAIHttpLLM

    with serving() as (url, requests):
        llm = OpenAIHttpLLM(url)
        assert llm.count_prompt_tokens(MESSAGES) == 6 + 4 * 2 + 3
        assert llm.count_prompt_tokens(MESSAGES, "A cup") == 8 + 4 * 3  # continuing: no generation prompt
        assert requests[0]["path"] == "/tokenize" and requests[1]["body"]["continue_final_message"] is True
        assert llm.n_ctx == 4096 and llm.prefill(MESSAGES) == {} and llm.load() is llm
    with serving(plain=True) as (url, requests):
        llm = OpenAIHttpLLM(url)
        characters = sum(len(m["content"]) for m in MESSAGES)
        assert llm.count_prompt_tokens(MESSAGES) == -(-characters // 3) + 5 * 2  # estimated, generously
        llm.count_prompt_tokens(MESSAGES)
        assert [r["path"] for r in requests] == ["/tokenize"]  # asked once, then remembered


def test_http_llm_refuses_a_prefix_the_server_cannot_continue_in_one_line():
    from echollama.language.openai_http_llm import OpenAIHttpLLM

    with serving(plain=True) as (url, _):
        with pytest.raises(ModelError) as error:
            list(OpenAIHttpLLM(url).stream(MESSAGES, GenerationSettings(), assistant_prefix="The cup"))
    message = str(error.value)
    assert "HTTP 400" in message and "continue_final_message" in message and "\n" not in message


def test_http_llm_context_size_comes_from_the_setting(monkeypatch):
    from echollama.language.openai_http_llm import OpenAIHttpLLM

    monkeypatch.setenv("ECHOLLAMA_LLM_N_CTX", "32768")
    assert OpenAIHttpLLM("http://127.0.0.1:9/v1").n_ctx == 32768
    assert OpenAIHttpLLM("http://127.0.0.1:9/v1", n_ctx=8192).n_ctx == 8192
    monkeypatch.setenv("ECHOLLAMA_LLM_N_CTX", "lots")
    with pytest.raises(ModelError, match="ECHOLLAMA_LLM_N_CTX='lots' is not a context size"):
        OpenAIHttpLLM("http://127.0.0.1:9/v1")


def test_http_llm_reads_the_key_from_the_environment(monkeypatch):
    from echollama.language.openai_http_llm import OpenAIHttpLLM

    monkeypatch.setenv("ECHOLLAMA_LLM_API_KEY", "secret")
    with serving(api_key="secret") as (url, _):
        assert "".join(OpenAIHttpLLM(url).stream(MESSAGES, GenerationSettings())) == "I cannot see anything I can name."


def test_http_llm_errors_are_one_line():
    from echollama.language.openai_http_llm import OpenAIHttpLLM

    with serving(api_key="secret") as (url, _):
        with pytest.raises(ModelError, match="answered HTTP 401"):
            list(OpenAIHttpLLM(url, api_key="wrong").stream(MESSAGES, GenerationSettings()))
    closed = "http://127.0.0.1:9/v1"  # the discard port: nothing listens there
    with pytest.raises(ModelError, match="cannot reach the LLM server"):
        list(OpenAIHttpLLM(closed, api_key="secret").stream(MESSAGES, GenerationSettings()))
