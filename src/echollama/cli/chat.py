"""`echollama chat [IMAGE]`: an interactive session about a photo, typed or spoken questions, spoken answers.

echollama chat photo.jpg --audio-dir questions/ --transcript session.json
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

from echollama.cli.conversation import add_conversation_options, voice_chat
from echollama.cli.options import add_pipeline_options, status
from echollama.errors import EchollamaError, InputError, OutputError
from echollama.output_files import write_text_atomically

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".webm", ".m4a")
CHAT_HELP = (
    "type a question and press Enter; an empty line speaks through the microphone; "
    "/describe  /scene  /image PATH (a new photo; earlier ones are remembered)  /forget  /help  /quit"
)


def register(subparsers) -> None:
    chat = subparsers.add_parser(
        "chat",
        help="talk about a photo: typed or spoken questions, follow-ups, spoken answers",
        description=f"An interactive session about one photo: {CHAT_HELP}. The scene is read once; follow-ups "
        "reuse the LLM's cache. Answers are spoken into one WAV (-o) or one WAV per answer (--output-dir).",
        epilog="example: echollama chat kitchen.jpg --audio-dir questions/ --transcript session.json",
    )
    chat.add_argument("image", nargs="?", help="the photo; without it, open one with /image PATH")
    chat.add_argument(
        "--audio-dir",
        metavar="DIR",
        help="answer the numbered recordings in DIR first (01.wav, 02.flac, ...), "
        "then read typed questions until end of input",
    )
    chat.add_argument("-o", "--output", default="chat.wav", help="one WAV with every answer (default %(default)s)")
    chat.add_argument("--output-dir", metavar="DIR", help="instead, one WAV per answer: DIR/answer-01.wav, ...")
    chat.add_argument("--transcript", metavar="JSON", help="save questions, answers and timings as JSON")
    add_conversation_options(chat)
    add_pipeline_options(chat)
    chat.set_defaults(run=run)


def numbered_audio_files(folder: str | Path) -> list[Path]:
    """Recordings in `folder` in the order of the first number in their names (01.wav, 2.flac, 10.mp3)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: not a folder of recordings")
    files = [p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES]
    if not files:
        raise InputError(f"{folder}: no recordings ({', '.join(AUDIO_SUFFIXES)}) in this folder")

    def order(path: Path) -> tuple[int, str]:
        match = re.search(r"\d+", path.stem)
        return (int(match.group()) if match else sys.maxsize, path.name)

    return sorted(files, key=order)


class AnswerAudio:
    """Where answers are spoken to: one session WAV (kept open, committed at the end) or one WAV per answer."""

    def __init__(self, output: str, output_dir: str | None, sample_rate: int, channels: int = 1) -> None:
        from echollama.speech.wav_out import WavWriter, check_output_path

        self.sample_rate = sample_rate
        self.channels = channels
        self.output_dir = Path(output_dir) if output_dir else None
        self.count = 0
        if self.output_dir is not None:
            if not self.output_dir.is_dir():
                raise OutputError(f"{self.output_dir}: the folder does not exist")
            check_output_path(self.output_dir / "answer-01.wav")
            self.session = None
        else:
            self.session = WavWriter(output, sample_rate, channels)

    def speak(self, action):
        """Run `action(sink)` with a sink for one answer; returns the action's result and the answer's WAV path."""
        from echollama.speech.wav_out import WavWriter

        self.count += 1
        if self.session is not None:
            return action(self.session.write), str(self.session.path)
        assert self.output_dir is not None  # no session WAV: one WAV per answer in the folder
        path = self.output_dir / f"answer-{self.count:02d}.wav"
        with WavWriter(path, self.sample_rate, self.channels) as wav:
            result = action(wav.write)
        return result, str(path)

    def close(self, keep: bool) -> None:
        if self.session is not None:
            self.session.commit() if keep and self.session.frames else self.session.abort()


def run(args: argparse.Namespace) -> int:
    from echollama.speech.wav_out import check_output_path

    if args.output_dir is None:
        check_output_path(args.output)
    if args.transcript:
        _check_transcript_path(args.transcript)
    recordings = numbered_audio_files(args.audio_dir) if args.audio_dir else []
    voice = voice_chat(args)
    voice.pipeline.recognizer(args.asr)  # loads in the background: the first spoken question should not wait for it
    audio = AnswerAudio(args.output, args.output_dir, voice.pipeline.tts.sample_rate, 2 if args.spatial else 1)
    session = ChatLoop(voice, audio, quiet=args.quiet, stream=not args.no_stream)
    finished = False
    try:
        if args.image:
            session.open(args.image)
        for recording in recordings:
            session.handle_audio(recording)
        session.loop(sys.stdin)
        finished = True
    finally:
        audio.close(keep=finished)
        if args.transcript:
            session.save_transcript(args.transcript, args.image)
    if not args.quiet and audio.session is not None and audio.session.frames:
        status(f"wrote {args.output} ({audio.session.seconds:.1f} s of speech)")
    return 0


class ChatLoop:
    """The chat loop: every turn's error is reported on one line and the session goes on."""

    def __init__(self, voice, audio: AnswerAudio, quiet: bool, stream: bool) -> None:
        self.voice = voice
        self.audio = audio
        self.quiet = quiet
        self.stream = stream
        self.log: list[dict] = []
        self._answering = False

    def say(self, text: str) -> None:
        print(text, flush=True)

    def open(self, image: str) -> None:
        opening = self.voice.open_image(image)
        _, path = self.audio.speak(self.voice.speak_summary)  # before the LLM loads: the summary needs no LLM
        self.say(f"echollama: {opening.answer}")
        opening.usage = self.voice.prefill()
        self.log.append({**opening.to_dict(), "source": "image", "image": str(image), "audio_path": path})

    def handle_audio(self, path: Path) -> None:
        self._turn(
            lambda sink: self.voice.ask_audio(path, sink, on_text=self._live, stream=self.stream), heard_from=path.name
        )

    def handle_line(self, line: str) -> bool:
        """One typed line; returns False when the session should end."""
        text = line.strip()
        if text in ("/quit", "/exit"):
            return False
        if text == "/help":
            self.say(f"echollama: {CHAT_HELP}")
        elif text == "/scene":
            self._guard(self._show_scene)
        elif text == "/describe":
            self._turn(lambda sink: self.voice.describe(sink, on_text=self._live, stream=self.stream))
        elif text == "/forget":
            self._guard(self._forget)
        elif text.startswith("/image"):
            self._guard(lambda: self.open(text.removeprefix("/image").strip() or "<missing path>"))
        elif text.startswith("/"):
            self.say(f"echollama: unknown command {text.split()[0]}; {CHAT_HELP}")
        elif not text:
            self._turn(self._microphone_turn, heard_from="microphone")
        else:
            self._turn(lambda sink: self.voice.ask(text, sink, on_text=self._live, stream=self.stream))
        return True

    def loop(self, lines) -> None:
        interactive = hasattr(lines, "isatty") and lines.isatty()
        while True:
            if interactive:
                print("you> ", end="", file=sys.stderr, flush=True)
            line = lines.readline()
            if not line or not self.handle_line(line):
                return

    def _microphone_turn(self, sink):
        from echollama.speech.microphone import listen

        self.voice.conversation.require_scene()
        clip = listen(status=None if self.quiet else status)
        return self.voice.ask_clip(clip, sink, on_text=self._live, stream=self.stream)

    def _forget(self) -> None:
        said = self.voice.conversation.forget()
        _, path = self.audio.speak(lambda sink: self.voice.speak_text(said, sink))
        self.say(f"echollama: {said}")
        self.log.append({"kind": "forget", "answer": said, "audio_path": path})

    def _show_scene(self) -> None:
        scene = self.voice.scene
        if scene is None:
            raise InputError("there is no picture yet: open an image first with /image PATH")
        from echollama.scene.grid import format_matrix

        matrix = format_matrix(scene.detections, scene.width, scene.height)
        self.say(f"{scene.caption}\n{matrix}\n{self.voice.conversation.summary}")

    def _live(self, piece: str) -> None:
        if not self._answering:  # the answer's first words: an error before them gets a line of its own instead
            self._answering = True
            sys.stdout.write("echollama: ")
        sys.stdout.write(piece)
        sys.stdout.flush()

    def _guard(self, action) -> bool:
        try:
            action()
            return True
        except EchollamaError as error:
            self.say(f"echollama: {error}")
            self.log.append({"error": str(error)})
            return False

    def _turn(self, action, heard_from: str | None = None) -> None:
        def run() -> None:
            self.voice.conversation.require_scene()  # "no picture yet" before any audio or model work
            self._answering = False
            try:
                turn, path = self.audio.speak(action)
            finally:
                if self._answering:
                    sys.stdout.write("\n")
            if turn.transcript is not None:
                self.say(f"  (heard from {heard_from}: {turn.transcript['text']!r})")
            turn.audio_path = path
            self.log.append(turn.to_dict())
            if not self.quiet:
                status(f"first audio after {turn.timings['first_audio_s']:.2f} s")

        self._guard(run)

    def save_transcript(self, path: str, image: str | None) -> None:
        voice = self.voice
        report = {
            "image": image,
            "llm": voice.pipeline.llm.name,
            "asr": voice.asr_name,
            "scene": voice.conversation.scene_with_text().to_dict() if voice.scene else None,
            "turns": self.log,
        }
        write_text_atomically(Path(path), json.dumps(report, indent=2))
        if not self.quiet:
            status(f"saved the transcript to {path}")


def _check_transcript_path(path: str) -> None:
    target = Path(path)
    parent = target.parent if str(target.parent) else Path(".")
    if target.is_dir() or not parent.is_dir() or not os.access(parent, os.W_OK):
        raise OutputError(f"{target}: cannot write the transcript there")
