"""`echollama ask IMAGE --question TEXT | --audio FILE`: one question about a photo, answered aloud into a WAV.

echollama ask photo.jpg --question "where is the cat?" -o answer.wav
echollama ask photo.jpg --audio question.wav --json
"""

from __future__ import annotations

import argparse
import json

from echollama.cli.conversation import add_conversation_options, voice_chat
from echollama.cli.options import add_pipeline_options, print_live, status


def register(subparsers) -> None:
    ask = subparsers.add_parser(
        "ask",
        help="ask one question about a photo (typed or as an audio file) and hear the answer",
        description="Look at the photo, answer one question about it and speak the answer into a WAV. Position, "
        "distance and count questions about detected objects are answered from the scene itself.",
        epilog='example: echollama ask kitchen.jpg --question "is there a chair on my left?" -o answer.wav',
    )
    ask.add_argument("image", help="the photo (JPEG, PNG, WebP, ...)")
    question = ask.add_mutually_exclusive_group(required=True)
    question.add_argument("--question", metavar="TEXT", help="the question as text")
    question.add_argument(
        "--audio", metavar="FILE", help="the question as a recording (WAV, FLAC, OGG, MP3, WebM; any rate)"
    )
    ask.add_argument(
        "-o", "--output", default="answer.wav", help="WAV file for the spoken answer (default %(default)s)"
    )
    ask.add_argument(
        "--json", action="store_true", help="print question, transcript, answer, scene and timings as JSON"
    )
    add_conversation_options(ask)
    add_pipeline_options(ask)
    ask.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from echollama.speech.wav_out import WavWriter, check_output_path

    check_output_path(args.output)
    if args.question is not None:
        from echollama.language.conversation import check_question

        check_question(args.question)  # a bad question must not cost a model load
    else:
        from echollama.speech.audio_in import load_question_audio

        load_question_audio(args.audio)  # silent, corrupt or speechless audio is refused before any model loads
    voice = voice_chat(args)
    voice.pipeline.text_needed_first()  # an answer quotes any text in the picture
    if args.audio is not None:
        voice.pipeline.recognizer(args.asr)  # starts loading the recogniser while perception runs
    voice.open_image(args.image)
    live = None if args.json else print_live
    with WavWriter(args.output, voice.pipeline.tts.sample_rate, channels=2 if args.spatial else 1) as wav:
        if args.audio is not None:
            turn = voice.ask_audio(args.audio, wav.write, on_text=live, stream=not args.no_stream)
        else:
            turn = voice.ask(args.question, wav.write, on_text=live, stream=not args.no_stream)
    turn.audio_path = str(args.output)
    voice.pipeline.settle()
    if args.json:
        scene = voice.conversation.scene_with_text()
        print(json.dumps({**turn.to_dict(), "llm": voice.pipeline.llm.name, "scene": scene.to_dict()}, indent=2))
        return 0
    print()
    if not args.quiet:
        heard = f"heard {turn.transcript['text']!r}; " if turn.transcript else ""
        status(
            f"{heard}wrote {args.output} ({turn.timings['audio_s']:.1f} s of speech); first audio after "
            f"{turn.timings['first_audio_s']:.2f} s"
        )
    return 0
