"""`echollama read IMAGE`: read all the text in a photo (a letter, a menu, a screen, a sign) in reading order, print
it and speak it into a WAV."""

from __future__ import annotations

import argparse
import json

from echollama.cli.options import add_pipeline_options, add_rate_option, pipeline_config, speech_rate, status


def register(commands) -> None:
    read = commands.add_parser(
        "read",
        help="read all the text in a photo aloud: prints it in reading order and speaks it into a WAV",
        description="Find and read every line of text (columns left to right, lines top to bottom), print it and "
        "speak it sentence by sentence into a WAV file, then any QR code or barcode. When the text runs off an edge "
        "of the picture, or is too small or blurred to read, that is said first, with what to do. No LLM is "
        "involved. Status lines go to stderr.",
        epilog="example: echollama read letter.jpg -o letter.wav",
    )
    read.add_argument("image", help="the photo (JPEG, PNG, WebP, ...; EXIF orientation is used)")
    read.add_argument("-o", "--output", default="text.wav", help="WAV file to write (default %(default)s)")
    read.add_argument(
        "--json",
        action="store_true",
        help="print the whole result as JSON: columns, paragraphs, lines and regions with their boxes",
    )
    read.add_argument("-q", "--quiet", action="store_true", help="no status lines on stderr")
    add_rate_option(read)
    add_pipeline_options(read)
    read.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from echollama.language.code_phrases import code_sentences
    from echollama.profiles import build_profile
    from echollama.reading import read_aloud

    rate = speech_rate(args)
    profile = build_profile(pipeline_config(args))
    reading = read_aloud(profile, args.image, output=args.output, rate=rate, status=status if not args.quiet else None)
    if args.json:
        print(json.dumps(reading.to_dict(), indent=2, ensure_ascii=False))
        return 0
    if reading.text:  # the advice and the codes as spoken, around the text as laid out on the page
        codes = " ".join(code_sentences(reading.codes))
        print("\n\n".join(piece for piece in (reading.framing, reading.text, codes) if piece))
    else:
        print(reading.spoken)
    if not args.quiet:
        timings = reading.timings
        status(
            f"{len(reading.regions)} lines of text read in {timings['read_s']:.2f} s; wrote {reading.audio_path} "
            f"({timings['audio_s']:.1f} s of speech), done in {timings['total_s']:.2f} s"
        )
    return 0
