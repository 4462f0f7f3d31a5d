"""`echollama watch SOURCE`: live narration of a camera, a video file or a stream: what appears, what comes closer
fast, what leaves, said as it happens; typed questions are answered about the latest frame."""

from __future__ import annotations

import argparse
import json
import sys
import threading

from echollama.cli.conversation import add_conversation_options
from echollama.cli.options import add_pipeline_options, pipeline_config, speech_rate, status
from echollama.errors import InputError

EPILOG = """\
what is said:
  once at the start, what is there ("I can see a person on your left, about 4 metres away.");
  then only changes: something new appears ("New: a dog slightly right, about 2 metres away."), something
  comes closer fast ("A car coming closer, straight ahead, about 5 metres away.", said before anything else),
  something has gone ("The person on your left has gone."). The same object is never announced twice while it
  stays in view. One thing is said at a time, the most urgent and newest first; what could not be said in time
  (2.5 s for an approach, 4 s for an arrival, 5 s for a departure) is dropped as stale rather than said late.

questions (while watching):
  type a question and press Enter ("where is the person?", "what is in front of me?"); it is answered about the
  latest frame, and announcements wait until the answer is spoken (one being said stops). `/audio FILE` answers a
  recorded question (WAV, FLAC, OGG, MP3, WebM).

speed:
  one frame is analysed at a time and the next is the newest the source has, so the rate is what this CPU
  sustains (printed at the end); cameras and streams never lag behind, frames are dropped instead. A file plays in
  real time unless --fast, which analyses --fps frames per second of video as quickly as possible (the same file
  then always gives the same announcements).

output:
  speech goes into a WAV (-o) in step with the video: silence up to each announcement's moment. Spoken lines are
  printed; --json prints one JSON object a line instead: event (a change seen), spoken, dropped (with the reason),
  cut_off, answer, error, rate and, at the end, summary. Ctrl-C stops; no partial WAV is kept.

find mode (--find NAME):
  a short tone guides you to one kind of thing ("chair", "my cup", "a seat"): it comes from the thing's direction,
  repeats faster as it gets nearer and sounds higher as it nears the centre of the picture, for the nearest one.
  When it is out of sight the tone stops and "Lost the chair." is said once; "The chair is within reach, straight
  ahead." once when it is. Only these (and things coming closer fast) are said; the WAV is then stereo. With --json,
  tone (at_s, pan, interval_s, pitch_hz, ...) and tone_stop lines. `--find list` lists the names it takes.

examples:
  echollama watch 0 --find "my cup"                   # guided to the nearest cup by sound
  echollama watch 0                                   # the first camera, until Ctrl-C
  echollama watch walk.mp4 --fast --json > events.jsonl
  echollama watch rtsp://192.168.1.20/stream --duration 60 -o street.wav
"""


def register(commands) -> None:
    watch = commands.add_parser(
        "watch",
        help="narrate a camera, video file or stream live: what appears, comes closer fast or leaves",
        description="Narrate a camera, a video file or a stream as it happens: what is there at first, then what "
        "appears, what comes closer fast and what leaves, with sides and distances as descriptions say them. Typed "
        "questions are answered about the latest frame. Text in the picture is not read while watching.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    watch.add_argument("source", help="a camera index (0, 1, ...), a video file, or a stream URL (rtsp://, http://)")
    watch.add_argument("-o", "--output", default="watch.wav", help="WAV file for the speech (default %(default)s)")
    watch.add_argument("--json", action="store_true", help="print one JSON object a line for every event")
    watch.add_argument(
        "--fast", action="store_true", help="a video file: analyse it as fast as possible instead of in real time"
    )
    watch.add_argument(
        "--fps",
        type=float,
        default=5.0,
        help="with --fast: frames analysed per second of video (default %(default)s)",
    )
    watch.add_argument("--loop", action="store_true", help="a video file: start again from the beginning at its end")
    watch.add_argument("--duration", type=float, metavar="S", help="stop after S seconds (of video with --fast)")
    watch.add_argument(
        "--find", metavar="NAME", help='guide to one kind of thing by sound ("chair", "my cup"); "list" lists names'
    )
    add_conversation_options(watch)
    add_pipeline_options(watch)
    watch.set_defaults(run=run)


def _printer(as_json: bool, quiet: bool):
    lock = threading.Lock()

    def report(item: dict) -> None:
        with lock:
            if as_json:
                print(json.dumps(item), flush=True)
                return
            kind = item["type"]
            if kind == "spoken":
                print(f"[{item['heard_s']:6.1f} s] {item['sentence']}", flush=True)
            elif kind == "answer":
                print(f"[{item['heard_s']:6.1f} s] you: {item['question']}\n           {item['answer']}", flush=True)
            elif kind == "error":
                print(f"echollama: {item['error']}", flush=True)
            elif kind == "rate" and not quiet:
                status(f"analysing {item['frames_per_s']:.1f} frames a second (what this CPU sustains)")

    return report


def _centred(write):
    """Find mode's WAV is stereo (its tones are panned): speech, mono, is heard from the centre."""
    from echollama.speech.panning import stereo

    return lambda samples: write(samples if samples.ndim == 2 else stereo(samples, None))


def _read_questions(session) -> None:
    for line in sys.stdin:
        if line.strip():
            session.ask(line)


def run(args: argparse.Namespace) -> int:
    from echollama.live.capture import describe_source
    from echollama.live.find import find_target, findable_names
    from echollama.live.session import WatchSession, WatchSettings
    from echollama.pipeline import Pipeline
    from echollama.speech.wav_out import WavWriter, check_output_path
    from echollama.voice_chat import VoiceChat

    if args.fps <= 0 or args.fps > 60:
        raise InputError("--fps must be between 0 and 60")
    if args.duration is not None and args.duration <= 0:
        raise InputError("--duration must be positive")
    if args.find is not None and args.find.strip().lower() == "list":
        print("\n".join(findable_names()))  # synonyms and plurals of these are taken too ("seat", "cups")
        return 0
    target = find_target(args.find) if args.find is not None else None
    rate = speech_rate(args)
    check_output_path(args.output)
    describe_source(args.source)  # a missing file is refused before any model loads
    args.no_text = True  # reading signs takes half a second a frame: not while watching
    args.slices = False  # three detector passes a frame would cut the frame rate to a third
    pipeline = Pipeline(pipeline_config(args), status=None)
    voice = VoiceChat(pipeline, asr=args.asr, rate=rate)
    settings = WatchSettings(
        args.source, args.fast, args.fps, args.loop, args.duration, stream=not args.no_stream, find=target
    )
    report = _printer(args.json, args.quiet)
    session = WatchSession(voice, settings, None, report)
    if not args.quiet:
        status(f"watching {args.source} ({session.source.width}x{session.source.height}); loading the models")
    session.load()
    with WavWriter(args.output, pipeline.tts.sample_rate, channels=2 if target else 1) as wav:
        session.write_audio = _centred(wav.write) if target else wav.write
        threading.Thread(target=_read_questions, args=(session,), name="questions", daemon=True).start()
        summary = session.run()
    if args.json:
        report({**summary, "audio_path": args.output})
    elif not args.quiet:
        status(
            f"analysed {summary['frames_analysed']} frames at {summary['analysis_frames_per_s']:.1f} a second on "
            f"{summary['cpu_cores']} cores ({summary['pace']}); said {summary['spoken']} of {summary['events']} "
            f"changes; wrote {args.output}"
        )
    return 0
