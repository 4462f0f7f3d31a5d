"""`echollama describe` end to end, as a user runs it: a real process, real models (SmolLM2 for speed), real files."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import soundfile

from echollama.samples import SAMPLE_IMAGE
from test_image_input import png_header_only


def run_cli(*args, env=None, timeout=300):
    environment = {**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "echollama.cli", *args], capture_output=True, text=True, timeout=timeout, env=environment
    )


def run_cli_with_scripted_llm(script: str, *args):
    """The CLI with its LLM behind the OpenAI stand-in saying `script`; returns (result, the requests it received)."""
    from openai_standin import serving

    with serving(script=script) as (base_url, requests):
        return run_cli(*args, env={"ECHOLLAMA_LLM_URL": base_url}), requests


def assert_speech(path):
    samples, rate = soundfile.read(path)
    assert rate == 22050
    assert len(samples) / rate > 1.0
    assert np.sqrt(np.mean(samples**2)) > 0.01  # not silence


def test_describe_prints_text_and_writes_speech(tmp_path):
    out = tmp_path / "coffee.wav"
    result = run_cli("describe", str(SAMPLE_IMAGE), "-o", str(out), "--llm", "tiny")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.split()) >= 5
    assert "wrote" in result.stderr and "Traceback" not in result.stderr
    assert_speech(out)
    assert not list(tmp_path.glob("*.partial"))
    assert out.stat().st_mode & 0o044  # readable by others under the usual umask, not mkstemp's 0600


def test_describe_json_has_the_whole_scene(tmp_path):
    out = tmp_path / "coffee.wav"
    result = run_cli(
        "describe",
        str(SAMPLE_IMAGE),
        "-o",
        str(out),
        "--llm",
        "tiny",
        "--json",
        "-q",
        "--detail",
        "full",
        "--max-tokens",
        "48",
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    cup = next(d for d in report["scene"]["detections"] if d["label"] == "cup")
    assert cup["cell"] == "Mid Top" and cup["clock"] == 12 and 0.05 < cup["distance_m"] < 2.0
    assert set(cup) >= {"label", "score", "box", "cell", "distance_m", "clock"}
    # the paper's notation, with whatever score the detector gave (no detector's exact score is pinned)
    assert f"cup: {cup['score']:.2f}, r(" in report["scene"]["matrix"]
    # The grounded prompt carries facts in words, never the raw matrix; the answer opens with them.
    assert "r(" not in report["prompt"]["user"] and "cup" in report["prompt"]["user"]
    assert report["grounded"] and report["answer"].startswith(report["grounded"])
    assert report["timings"]["first_audio_s"] <= report["timings"]["total_s"]
    assert report["audio_path"] == str(out)
    assert [s["text"] for s in report["sentences"]] and all(s["at_s"] > 0 for s in report["sentences"])


def test_the_paper_prompt_is_available_on_the_embedded_profile(tmp_path):
    out = tmp_path / "coffee.wav"
    script = "A cup of coffee sits on a table."  # the paper prompt's answer is spoken unchecked, as the paper does
    result, requests = run_cli_with_scripted_llm(
        script,
        "describe",
        str(SAMPLE_IMAGE),
        "-o",
        str(out),
        "--json",
        "-q",
        "--prompt",
        "paper",
        "--max-tokens",
        "40",
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["prompt"]["user"].startswith("Image Description: ")
    assert report["scene"]["matrix"] in report["prompt"]["user"]
    assert report["prompt"]["user"].endswith("Describe this place in detail.")
    sent = [r["body"]["messages"] for r in requests if r["path"] == "/v1/chat/completions"]
    assert sent and sent[-1][-1] == {"role": "user", "content": report["prompt"]["user"]}  # verbatim, §6.1
    assert report["answer"] == script and not report["grounded"] and not report["dropped"]


def bad_images(folder):
    truncated = folder / "truncated.jpg"
    truncated.write_bytes(SAMPLE_IMAGE.read_bytes()[:5000])
    (folder / "empty.png").write_bytes(b"")
    (folder / "text.jpg").write_text("hello, I am not a photo\n")
    (folder / "bomb.png").write_bytes(png_header_only(90_000, 90_000))
    return {
        "missing": (folder / "nope.jpg", "no such file"),
        "directory": (folder, "is a directory"),
        "not an image": (folder / "text.jpg", "not an image"),
        "truncated": (truncated, "truncated or corrupt"),
        "zero bytes": (folder / "empty.png", "empty"),
        "decompression bomb": (folder / "bomb.png", "pixels"),
    }


@pytest.mark.parametrize(
    "case", ["missing", "directory", "not an image", "truncated", "zero bytes", "decompression bomb"]
)
def test_bad_image_gets_one_clear_line(tmp_path, case):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    image, message = bad_images(inputs)[case]
    out = tmp_path / "out.wav"
    result = run_cli("describe", str(image), "-o", str(out), "-q", "--llm", "tiny")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr and "Traceback" not in result.stderr
    assert not out.exists() and not list(tmp_path.glob("*.partial"))


@pytest.mark.parametrize(
    "output, message",
    [("missing-folder/out.wav", "does not exist"), (".", "is a directory"), ("out.mp3", "ending in .wav")],
)
def test_unwritable_output_is_refused_before_any_work(tmp_path, output, message):
    result = run_cli("describe", str(SAMPLE_IMAGE), "-o", str(tmp_path / output), "-q", "--llm", "tiny")
    assert result.returncode == 3
    assert message in result.stderr and result.stderr.count("\n") == 1


def test_corrupted_model_file_is_refused(tmp_path):
    home = tmp_path / "home"
    (home / "models").mkdir(parents=True)
    (home / "models" / "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf").write_bytes(b"GGUF" + b"\0" * 4096)
    out = tmp_path / "out.wav"
    result = run_cli(
        "describe",
        str(SAMPLE_IMAGE),
        "-o",
        str(out),
        "-q",
        "--llm",
        "0.5b",
        "--detail",
        "full",  # the level that asks the LLM (a brief or normal description needs none: never reads the file)
        env={"ECHOLLAMA_HOME": str(home)},
    )
    assert result.returncode == 4
    assert "corrupt" in result.stderr and "rm " in result.stderr and result.stderr.count("\n") == 1
    assert not out.exists()


def test_ctrl_c_leaves_no_partial_wav(tmp_path):
    out = tmp_path / "out.wav"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "echollama.cli",
            "describe",
            str(SAMPLE_IMAGE),
            "-o",
            str(out),
            "--llm",
            "tiny",
            "--max-tokens",
            "2000",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob(".out.wav.*.partial")) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert not out.exists() and not list(tmp_path.glob("*.partial"))


@pytest.mark.slow
@pytest.mark.parametrize("llm", ["0.5b", "1.5b"])
def test_bigger_models_name_the_cup(tmp_path, llm):
    out = tmp_path / "coffee.wav"
    result = run_cli("describe", str(SAMPLE_IMAGE), "-o", str(out), "--llm", llm, "--json", "-q", timeout=900)
    assert result.returncode == 0, result.stderr
    assert "cup" in json.loads(result.stdout)["answer"].lower()
    assert_speech(out)


def scene_of(report: dict):
    """The Scene a `describe --json` report was made from, rebuilt to judge its sentences again."""
    from echollama.types import Scene

    return Scene.from_dict(report["scene"])


def llm_sentences(report: dict) -> list[str]:
    """The sentences spoken after the grounded opening, as they were streamed (the opening's pieces come first)."""
    pieces = [sentence["text"] for sentence in report["sentences"]]
    for opening in range(len(pieces) + 1):
        if " ".join(pieces[:opening]) == report["grounded"]:
            return pieces[opening:]
    raise AssertionError(f"the spoken pieces do not begin with the grounded opening: {pieces}")


def assert_only_checked_sentences_spoken(report: dict) -> None:
    """Every LLM sentence spoken passes the checker against the report's own scene and is finished; every refused
    one is listed with its reasons."""
    from echollama.language.gate import check_sentence

    scene = scene_of(report)
    assert all(dropped["reasons"] for dropped in report["dropped"])
    for sentence in llm_sentences(report):
        assert check_sentence(sentence, scene).action == "keep", sentence
        assert sentence[-1] in ".!?,;:…\"')", f"an unfinished sentence was spoken: {sentence!r}"


def test_describe_with_the_real_tiny_model_speaks_only_checked_sentences(tmp_path):
    """SmolLM2 end to end at full detail: whatever it happens to say on this CPU, only checked sentences are spoken."""
    result = run_cli(
        "describe",
        str(SAMPLE_IMAGE),
        "-o",
        str(tmp_path / "out.wav"),
        "--llm",
        "tiny",
        "--json",
        "-q",
        "--detail",
        "full",
    )
    assert result.returncode == 0, result.stderr
    assert_only_checked_sentences_spoken(json.loads(result.stdout))


# The LLM's words, scripted (a real model's words differ between CPUs): contradictions of the coffee photo's scene
# (the cup is straight ahead, within reach; there is no dog) and one sentence that claims nothing.
WRONG_SIDE = "The cup is on your far left."
INVENTED = "A dog sleeps under the table."
WRONG_DISTANCE = "The cup is about 5 metres away."
BENIGN = "It looks like a quiet morning."


def test_describe_drops_every_scripted_contradiction_and_speaks_the_rest(tmp_path):
    script = " ".join([WRONG_SIDE, BENIGN, INVENTED, WRONG_DISTANCE])
    out = tmp_path / "out.wav"
    result, requests = run_cli_with_scripted_llm(
        script,
        "describe",
        str(SAMPLE_IMAGE),
        "-o",
        str(out),
        "--json",
        "-q",
        "--detail",
        "full",
    )
    assert result.returncode == 0, result.stderr
    assert any(r["path"] == "/v1/chat/completions" for r in requests), "the scripted LLM was never asked"
    report = json.loads(result.stdout)
    dropped = {d["sentence"]: d["reasons"] for d in report["dropped"]}
    for wrong in (WRONG_SIDE, INVENTED, WRONG_DISTANCE):
        assert wrong in dropped and dropped[wrong], wrong
        assert wrong not in report["answer"]
    assert report["answer"].startswith(report["grounded"]) and BENIGN in report["answer"][len(report["grounded"]) :]
    assert_only_checked_sentences_spoken(report)
    assert_speech(out)
