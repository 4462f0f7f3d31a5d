"""The CLI under abuse, as a user meets it: a real `echollama` process, real files, real signals (issue 14).

Every failure is one line on stderr and a documented exit code (2 input, 3 output, 128 + signal), never a traceback,
never a partial WAV left behind.
"""

import os
import signal
import struct
import subprocess
import sys
import time

import pytest

from echollama.samples import SAMPLE_IMAGE
from spoken import write_spoken
from test_describe_cli import run_cli


def one_clear_line(result, code, message):
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert message in result.stderr, result.stderr


def with_format_tag(path, tag):
    """`path`, a PCM WAV, with its fmt chunk's format tag (bytes 20-21) replaced."""
    data = bytearray(path.read_bytes())
    assert data[12:16] == b"fmt " and struct.unpack("<H", data[20:22])[0] == 1
    data[20:22] = struct.pack("<H", tag)
    damaged = path.with_name(f"tag-{tag:04x}.wav")
    damaged.write_bytes(data)
    return damaged


# 0x0000 and 0xFFFF name no format; 0x0040 (G.721 ADPCM) is one libsndfile opens but cannot seek, which once
# escaped as a ValueError.
@pytest.mark.parametrize("tag", [0x0000, 0xFFFF, 0x0040])
def test_a_wav_with_an_unknown_format_tag_gets_one_line(tmp_path, tag):
    recording = with_format_tag(write_spoken(tmp_path / "question.wav"), tag)
    out = tmp_path / "answer.wav"
    result = run_cli("ask", str(SAMPLE_IMAGE), "--audio", str(recording), "-o", str(out), "--llm", "tiny")
    one_clear_line(result, 2, str(recording))
    assert not out.exists() and not list(tmp_path.glob(".*partial"))


def corrupt_model_home(tmp_path):
    """A home whose 0.5B model is corrupt: a command that reached the models would exit 4, not 3."""
    home = tmp_path / "home"
    (home / "models").mkdir(parents=True)
    (home / "models" / "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf").write_bytes(b"GGUF" + b"\0" * 4096)
    return {"ECHOLLAMA_HOME": str(home)}


@pytest.mark.parametrize(
    "output, message",
    [
        ("/proc/x.wav", "cannot create a file in /proc"),
        ("/sys/x.wav", "cannot create a file in /sys"),
        ("{tmp}/" + "a" * 300 + ".wav", "the file name is 304 bytes long"),
        ("{tmp}/" + "deep/" * 1000 + "x.wav", "the path is"),
    ],
)
def test_impossible_outputs_are_refused_before_any_model_runs(tmp_path, output, message):
    output = output.format(tmp=tmp_path)
    # --detail full: the level that loads the LLM (a brief or normal description needs none: never reaches the file)
    result = run_cli(
        "describe",
        str(SAMPLE_IMAGE),
        "-o",
        output,
        "--llm",
        "0.5b",
        "--detail",
        "full",
        env=corrupt_model_home(tmp_path),
    )
    one_clear_line(result, 3, message)
    assert not list(tmp_path.glob(".*partial"))


def test_a_long_but_legal_name_is_written(tmp_path):
    """250 bytes is a legal name: the hidden temporary name beside it must not be the one that is too long."""
    out = tmp_path / ("b" * 246 + ".wav")
    result = run_cli("describe", str(SAMPLE_IMAGE), "-o", str(out), "-q", "--llm", "tiny", "--max-tokens", "8")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # -q: nothing on stderr when all went well
    assert result.stdout.strip()  # the description itself still goes to stdout
    assert out.stat().st_size > 44 and not list(tmp_path.glob(".*partial"))


def test_a_fifo_is_named_as_a_pipe_and_never_opened(tmp_path):
    fifo = tmp_path / "photo.jpg"
    os.mkfifo(fifo)  # opening it for reading would block for ever: the test's timeout is the proof it is not
    result = run_cli("describe", str(fifo), "-o", str(tmp_path / "out.wav"), "--llm", "tiny", timeout=120)
    one_clear_line(result, 2, "is a named pipe (FIFO), not a file")


def test_a_symlink_loop_is_named_as_a_loop(tmp_path):
    loop = tmp_path / "loop.jpg"
    loop.symlink_to(tmp_path / "other.jpg")
    (tmp_path / "other.jpg").symlink_to(loop)
    result = run_cli("describe", str(loop), "-o", str(tmp_path / "out.wav"), "--llm", "tiny")
    one_clear_line(result, 2, "symbolic link loop")


def test_a_dangling_symlink_says_where_it_points(tmp_path):
    link = tmp_path / "photo.jpg"
    link.symlink_to(tmp_path / "gone.jpg")
    result = run_cli("describe", str(link), "-o", str(tmp_path / "out.wav"), "--llm", "tiny")
    one_clear_line(result, 2, "gone.jpg, which does not exist")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_clean_up_like_ctrl_c(tmp_path, signum):
    out = tmp_path / "out.wav"
    command = [sys.executable, "-m", "echollama.cli", "describe", str(SAMPLE_IMAGE), "-o", str(out), "--llm", "tiny"]
    process = subprocess.Popen(
        [*command, "--max-tokens", "2000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob(".out.wav.*.partial")) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert process.poll() is None, "describe ended before it started writing: nothing was tested"
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + signum, stderr
    assert f"stopped by {signal.Signals(signum).name}" in stderr and "Traceback" not in stderr
    assert not out.exists() and not list(tmp_path.glob(".*partial"))


def test_what_is_said_while_llama_cpp_loads_still_reaches_the_terminal():
    """llama.cpp's loader points stdout and stderr at /dev/null for every thread while a model loads, just when the
    grounded description is printed (the 1.5B takes seconds): the CLI writes to copies of them kept at its start."""
    script = (
        "from llama_cpp._utils import suppress_stdout_stderr\n"
        "from echollama.cli.options import keep_terminal, print_live, status\n"
        "keep_terminal()\n"
        "with suppress_stdout_stderr(disable=False):\n"
        "    print_live('I can see a cup straight ahead. ')\n"
        "    status('describing')\n"
        "print('after loading')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "I can see a cup straight ahead. after loading\n"
    assert done.stderr == "echollama: describing\n"
