"""The pipeline: image -> Scene (`look`), and the one operation that speaks an answer (`speak`), used by `describe`,
the conversation (`ask`, `chat`), the server (HTTP and WebSocket), the benchmarks and the evaluation.

The profile's backends are built once (`echollama.profiles`); the voice and the detector load in background threads
while the image decodes, the LLM and the text reader only after the first sound (two cores), so a listener hears the
first grounded sentence as soon as the scene and the voice are ready.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

from echollama.config import PipelineConfig
from echollama.errors import ModelError
from echollama.language.conversation import LLM_DETAIL_LEVELS, Conversation
from echollama.language.prompt import system_messages
from echollama.language.reply import Reply
from echollama.models.background_load import in_background
from echollama.profiles import DEFAULT_ASR, Profile, build_profile
from echollama.scene.image import LoadedImage, decoded_while
from echollama.speech.protocols import SpeechRecognizer
from echollama.speech.streaming import AudioSink, Cancelled, OnSentence, heard_text, speak
from echollama.speech.wav_out import WavWriter, check_output_path
from echollama.types import Description, PendingText, SpokenAnswer

Status = Callable[[str], None]
# The LLM waits up to this long for the grounded facts' first audio before it starts (2 cores: they would compete).
FACTS_HEAD_START_S = 1.0
# The loads a first sound does not need (the LLM, the text reader) wait for it, for at most this long from the first
# load: on two cores they slowed the voice, the detector and the first sentence's synthesis from about 1.1 s to 1.8 s
# of a fresh `describe` (`echollama bench fresh`).
LATER_LOADS_WAIT_AT_MOST_S = 2.0


class Pipeline:
    def __init__(self, config: PipelineConfig | None = None, status: Status | None = None) -> None:
        self.config = config or PipelineConfig()
        self.status = status or (lambda message: None)
        self.profile: Profile = build_profile(self.config)
        self._loads: dict[str, Future] = {}
        # The LLM's load waits for this: set at the first sound, when something waits for the LLM, or
        # LATER_LOADS_WAIT_AT_MOST_S after the loads start, whichever comes first; never cleared.
        self._first_sound = threading.Event()
        # The text stage's: set with the one above, and also by whoever waits for the text (`PendingText.scene`) or
        # `text_needed_first`.
        self._text_go = threading.Event()
        self._first_sound_timer: threading.Timer | None = None
        if self.config.load_all_at_once:
            self._heard_first_sound()
        self._settling = False

    @property
    def llm(self):
        return self.profile.llm

    @property
    def tts(self):
        return self.profile.tts

    @property
    def analyzer(self):
        return self.profile.analyzer

    def start_loading(self, llm: bool = True) -> None:
        """Begin loading the voice, perception and (unless told not to) the LLM in the background (idempotent)."""
        if self._first_sound_timer is None:
            self._first_sound_timer = threading.Timer(LATER_LOADS_WAIT_AT_MOST_S, self._heard_first_sound)
            self._first_sound_timer.daemon = True
            self._first_sound_timer.start()
        loads = [
            ("tts", getattr(self.tts, "load", None)),
            ("perception", lambda: self.analyzer.load(text=self._text_go.is_set())),
        ]
        if llm:
            loads.append(("llm", self._warm_start_after_first_sound))
        for name, load in loads:
            if name not in self._loads and load is not None:
                self._loads[name] = in_background(load, f"load-{name}")

    def warm_start(self, style: str | None = None) -> dict[str, float]:
        """Load the LLM with its constant system prompt already read (from a state kept on disk when it can)."""
        self.llm.load()
        warm_start = getattr(self.llm, "warm_start", None)
        style = style or self.profile.prompt_style
        return warm_start(system_messages(style)) if warm_start is not None else {}

    def _heard_first_sound(self) -> None:
        self._first_sound.set()
        self._text_go.set()

    def text_needed_first(self) -> None:
        """The first answer quotes any text in the picture (a question, not a description): the text reader loads
        and reads at once instead of after the first sound. Call before `look`."""
        self._text_go.set()

    def _warm_start_after_first_sound(self) -> dict[str, float]:
        self._first_sound.wait()
        if self._settling:  # the command is over without needing the LLM (`ask` answered from the scene)
            return {}
        return self.warm_start()

    def wait_loaded(self, names: tuple[str, ...] | None = None) -> float:
        """Block until the named models (default: all) are loaded, re-raising a load error; returns seconds waited."""
        start = time.perf_counter()
        needs_llm = names is None or "llm" in names
        if needs_llm:
            self._heard_first_sound()  # the LLM is needed now: it no longer waits for a first sound
        self.start_loading(llm=needs_llm)  # (an LLM load already begun goes on either way)
        for name, future in list(self._loads.items()):
            if names is None or name in names:
                future.result()
        return time.perf_counter() - start

    def settle(self) -> None:
        """Wait for the loads already started, ignoring their errors: llama.cpp still reading its prompt when the
        process exits crashes it (SIGSEGV), e.g. after `ask` answered from the scene alone without the LLM. An LLM
        load still waiting for the first sound is not started at all."""
        self._settling = True
        self._heard_first_sound()
        for future in list(self._loads.values()):
            future.exception()

    def _decode_while_loading(self, image: str | Path | LoadedImage, llm: bool = True) -> LoadedImage:
        """Decode the image while the voice and the detector load; the LLM starts once the image is known good.

        Native libraries (llama.cpp, onnxruntime, OpenCV) can crash a process that exits while they load, so a bad
        image waits for the loads already started before its error goes up.
        """
        self.start_loading(llm=False)
        image = decoded_while(image, self._loads.values())
        self.start_loading(llm=llm)
        return image

    def recognizer(self, name: str = DEFAULT_ASR) -> SpeechRecognizer:
        """The speech recogniser `name`, loading in the background from the first call."""
        recognizer = self.profile.recognizer(name)
        key = f"asr-{name}"
        if key not in self._loads and hasattr(recognizer, "load"):
            self._loads[key] = in_background(recognizer.load, f"load-{key}")
        return recognizer

    def look(self, image: str | Path | LoadedImage, llm: bool = True) -> PendingText:
        """Perception: the objects' Scene at once, the text when read (starts loading the voice and, unless `llm` is
        False, the LLM meanwhile); hand it to `Conversation.start`."""
        image = self._decode_while_loading(image, llm)
        self.status("looking at the image")
        self.wait_loaded(("perception",))
        return self.analyzer.look(image, text_after=self._text_go)

    def conversation(self, style: str | None = None) -> Conversation:
        """A new conversation in the profile's prompt style (or `style`: "grounded" or "paper")."""
        profile = self.profile
        return Conversation(
            self.llm,
            self.config.generation,
            style=style or profile.prompt_style,
            legend=profile.legend,
            vocabulary=profile.vocabulary,
        )

    def speak(
        self,
        reply: Reply,
        sink: AudioSink,
        on_text: Callable[[str], None] | None = None,
        stream: bool = True,
        cancel: threading.Event | None = None,
        start: float | None = None,
        source: str = "typed",
        on_sentence: OnSentence | None = None,
        spatial: bool = False,
        rate: float = 1.0,
    ) -> SpokenAnswer:
        """Speak a reply into `sink` as it is produced: the one speaking path. Times count from `start` (now).

        `on_sentence` hears of each sentence (and its direction) just before its audio; `spatial` pans each sentence
        about an object to that object's direction, and the sink then receives stereo (n, 2) frames; `rate` speaks
        that much faster than the voice's pace (0.5-3.0)."""
        start = time.perf_counter() if start is None else start
        self.wait_loaded(("tts",))
        first_audio = threading.Event()
        if stream:
            # The text stage and the LLM may start once the grounded facts are audible (or after a short head start).
            reply.after_opening = lambda: first_audio.wait(FACTS_HEAD_START_S)
            reply.before_llm = lambda: (first_audio.wait(FACTS_HEAD_START_S), self.wait_loaded(("llm",)))
        else:
            reply.before_llm = lambda: self.wait_loaded(("llm",))

        def sink_and_mark(samples) -> None:
            sink(samples)
            if samples.size:
                first_audio.set()
                self._heard_first_sound()

        if not reply.opening:
            self.wait_loaded(("llm",))
        reply.stop = cancel
        try:
            spoken = speak(
                reply,
                self.tts,
                sink_and_mark,
                on_text=on_text,
                stream=stream,
                cancel=cancel,
                start=start,
                on_sentence=on_sentence,
                spatial=spatial,
                rate=rate,
            )
        except Cancelled as stopped:
            # The next turn must know the answer was cut and what of it the listener heard (a barge-in, Stop).
            if stopped.result is not None:
                stopped.heard = heard_text(stopped.result, getattr(cancel, "heard_s", None))
            reply.interrupt(stopped.heard)
            raise
        finally:
            reply.close()
        turn = reply.turn
        if turn is None:
            raise ModelError("the answer stopped before it was finished")
        end = time.perf_counter()
        timings = {
            "first_audio_s": spoken.first_audio_s if spoken.first_audio_s is not None else end - start,
            "total_s": end - start,
            "audio_s": spoken.audio_seconds,
            "tts_s": spoken.synthesis_s,
        }
        if spoken.first_text_s is not None:
            timings["first_text_s"] = spoken.first_text_s
        if turn.used_llm:
            timings["llm_first_token_s"] = turn.usage.get("first_token_s", 0.0)
        return SpokenAnswer(
            kind=turn.kind,
            question=turn.question,
            text=turn.answer,
            llm=self.llm.name,
            grounded=turn.grounded,
            used_llm=turn.used_llm,
            sentences=spoken.to_dict()["sentences"],
            dropped=turn.dropped,
            usage=turn.usage,
            timings=timings,
            messages=turn.messages,
            source=source,
        )

    def describe(
        self,
        image: str | Path | LoadedImage,
        output: str | Path,
        stream: bool = True,
        detail: str = "brief",
        on_text: Callable[[str], None] | None = None,
        style: str | None = None,
        spatial: bool = False,
        rate: float = 1.0,
    ) -> Description:
        """Describe the image aloud into `output` (a WAV, stereo when `spatial`); `on_text` receives the text as it is
        spoken."""
        start = time.perf_counter()
        check_output_path(output)
        paper = (style or self.profile.prompt_style) == "paper"
        if paper:
            self._heard_first_sound()  # no grounded opening: the first sound is the LLM's, so nothing is held back
        llm = paper or detail in LLM_DETAIL_LEVELS  # a brief description is the facts alone: no LLM is even loaded
        image = self._decode_while_loading(image, llm)
        load_s = time.perf_counter() - start
        conversation = self.conversation(style)
        conversation.start(self.look(image, llm))
        reply = conversation.describe(detail)
        self.status(f"describing with {self.llm.name}" if llm else "describing")
        with WavWriter(output, self.tts.sample_rate, channels=2 if spatial else 1) as wav:
            answer = self.speak(
                reply,
                wav.write,
                on_text=on_text,
                stream=stream,
                start=start,
                source="image",
                spatial=spatial,
                rate=rate,
            )
            if not answer.text:
                raise ModelError(f"{self.llm.name} produced no text for this image; try another --llm or --seed")
        answer.audio_path = str(Path(output))
        scene = conversation.scene_with_text()  # read while the description was spoken: it quotes the text
        answer.timings.update({"load_image_s": load_s, **scene.timings})
        first_audio = answer.timings["first_audio_s"]
        answer.timings["after_perception_s"] = first_audio - load_s - scene.timings.get("perception_s", 0.0)
        # Wall-clock time of the first audio, so a caller that started this process can measure from its start.
        answer.timings["first_audio_unix_s"] = time.time() - (time.perf_counter() - start - first_audio)
        return Description(scene=scene, answer=answer)
