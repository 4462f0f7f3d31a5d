"""What `ask` and `chat` share: the speech-recogniser and streaming options, and the VoiceChat they build."""

from __future__ import annotations

import argparse

from echollama.cli.options import add_rate_option, pipeline_config, speech_rate, status
from echollama.profiles import ASR_BACKENDS, DEFAULT_ASR


def add_conversation_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--asr",
        choices=ASR_BACKENDS,
        default=DEFAULT_ASR,
        help="speech recogniser: whisper (Whisper tiny.en, default) or sphinx (PocketSphinx, less accurate)",
    )
    parser.add_argument("--no-stream", action="store_true", help="generate the whole answer before speaking it")
    add_spatial_option(parser)
    add_rate_option(parser)
    parser.add_argument("-q", "--quiet", action="store_true", help="no status lines on stderr")


def add_spatial_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--spatial",
        action="store_true",
        help="hear each sentence about an object from that object's direction (stereo WAV; best with headphones)",
    )


def voice_chat(args):
    from echollama.pipeline import Pipeline
    from echollama.voice_chat import VoiceChat

    rate = speech_rate(args)  # before any model loads
    pipeline = Pipeline(pipeline_config(args), status=None if args.quiet else status)
    return VoiceChat(pipeline, asr=args.asr, spatial=args.spatial, rate=rate)
