"""`echollama describe IMAGE`: look at a photo and speak what is there into a WAV (and print it)."""

from __future__ import annotations

import argparse
import json

from echollama.cli.conversation import add_spatial_option
from echollama.cli.options import (
    add_pipeline_options,
    add_rate_option,
    pipeline_config,
    print_live,
    speech_rate,
    status,
)
from echollama.config import DETAIL_LEVELS


def register(commands) -> None:
    describe = commands.add_parser(
        "describe",
        help="describe a photo aloud: prints the description and writes it as speech to a WAV",
        description="Detect objects and estimate their distances, say what is where at once (measured, not "
        "guessed), then let the LLM add a few checked sentences of context; spoken sentence by sentence into a WAV "
        "file. --prompt paper uses the paper's prompt and matrix instead. Status lines go to stderr.",
        epilog="example: echollama describe kitchen.jpg -o kitchen.wav --llm 0.5b",
    )
    describe.add_argument("image", help="the photo (JPEG, PNG, WebP, ...; EXIF orientation and focal length are used)")
    describe.add_argument("-o", "--output", default="description.wav", help="WAV file to write (default %(default)s)")
    describe.add_argument(
        "--json", action="store_true", help="print the whole result as JSON: scene, prompt, answer, timings"
    )
    describe.add_argument("--show-prompt", action="store_true", help="also print the exact prompt sent to the LLM")
    describe.add_argument(
        "--load-all-at-once",
        action="store_true",
        help="load the LLM and the text reader from the start instead of after the first sound (for comparison in "
        "`echollama bench fresh`; on two cores it delays the first audio)",
    )
    describe.add_argument(
        "--no-stream", action="store_true", help="generate the whole answer before speaking it (the paper's way)"
    )
    describe.add_argument(
        "--detail",
        choices=DETAIL_LEVELS,
        default="brief",
        help="brief: a few sentences, about 10-15 s of speech (default); normal: more; "
        "full: the paper's detailed description",
    )
    describe.add_argument(
        "--prompt",
        choices=["grounded", "paper"],
        help="grounded: facts measured from the photo first, then checked LLM sentences (embedded "
        "default); paper: the paper's prompt and matrix, spoken as generated (paper default)",
    )
    describe.add_argument("-q", "--quiet", action="store_true", help="no status lines on stderr")
    add_spatial_option(describe)
    add_rate_option(describe)

    add_pipeline_options(describe)
    describe.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from echollama.pipeline import Pipeline

    rate = speech_rate(args)
    pipeline = Pipeline(pipeline_config(args), status=status if not args.quiet else None)
    show_live = not args.json

    description = pipeline.describe(
        args.image,
        args.output,
        stream=not args.no_stream,
        detail=args.detail,
        spatial=args.spatial,
        rate=rate,
        # with --show-prompt the prompt comes first, so the answer is printed after it
        on_text=print_live if show_live and not args.show_prompt else None,
    )
    if args.json:
        print(json.dumps(description.to_dict(), indent=2))
        return 0
    if args.show_prompt:
        for role, content in description.prompt().items():
            print(f"--- {role} prompt ---\n{content}")
        print(f"--- answer ---\n{description.text}")
    else:
        print()
    if args.quiet:
        return 0
    timings = description.timings
    for dropped in description.answer.dropped:
        status(f"not said: {dropped['sentence']!r} ({'; '.join(dropped['reasons'])})")
    status(
        f"wrote {description.answer.audio_path} ({timings['audio_s']:.1f} s of speech); first audio after "
        f"{timings['first_audio_s']:.2f} s, done in {timings['total_s']:.2f} s"
    )
    return 0
