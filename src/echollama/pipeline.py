"""The composition root: builds a profile's backends and runs `describe` (image -> scene -> prompt -> LLM -> speech).

Models load lazily; `describe` starts loading the LLM and the voice in the background while perception runs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

from echollama.config import LLM_MODELS, PipelineConfig
from echollama.language.llama_cpp_llm import LlamaCppModel
from echollama.language.prompt import describe_messages
from echollama.language.protocols import LanguageModel
from echollama.errors import ModelError
from echollama.model_files import gguf_path
from echollama.scene.analyze import SceneAnalyzer
from echollama.scene.geometric_depth import GeometricDepthEstimator
from echollama.scene.gist_captioner import GistCaptioner
from echollama.scene.image import LoadedImage, load_image
from echollama.scene.ssd_detector import SsdMobileNetDetector
from echollama.speech.piper_tts import PiperSynthesizer
from echollama.speech.protocols import SpeechSynthesizer
from echollama.speech.streaming import speak_stream, speak_text
from echollama.speech.wav_out import WavWriter, check_output_path
from echollama.types import Description, Scene

Status = Callable[[str], None]


@dataclass
class Components:
    analyzer: SceneAnalyzer
    llm: LanguageModel
    tts: SpeechSynthesizer
    legend: bool  # add the metric-depth legend line to the paper's prompt


def embedded_llm(config: PipelineConfig) -> LanguageModel:
    if config.llm_path is not None:
        return LlamaCppModel(Path(config.llm_path), Path(config.llm_path).name, config.generation.n_ctx, config.threads)
    model = LLM_MODELS[config.llm]
    return LlamaCppModel(None, model.description, config.generation.n_ctx, config.threads, resolve=lambda: gguf_path(model))


def _embedded(config: PipelineConfig) -> Components:
    analyzer = SceneAnalyzer(SsdMobileNetDetector(), GeometricDepthEstimator(), GistCaptioner(config.threads), config.threshold)
    return Components(analyzer=analyzer, llm=embedded_llm(config), tts=PiperSynthesizer(), legend=True)


def _paper(config: PipelineConfig) -> Components:
    """The seed's models (DETR, DPT, Moondream2, EchoLLaMA-1B or an HTTP endpoint, Orpheus + SNAC), from local files."""
    from echollama.config import PaperSettings
    from echollama.model_registry import missing_model_error, missing_models

    paper = PaperSettings.from_env()
    needed = [paper.detector, paper.depth, paper.captioner, paper.tts, paper.snac]
    if not paper.llm_url:
        needed.append(paper.llm)
    missing = missing_models(needed)
    if missing:  # say so before any work, in one line naming every missing model
        if len(missing) == 1:
            repo, _, revision = missing[0].partition("@")
            raise missing_model_error(repo, revision)
        raise ModelError(f"{len(missing)} paper models are not downloaded ({', '.join(missing)}); "
                         f"run: echollama models pull --profile paper")
    from echollama.language.openai_http_llm import OpenAIHttpLLM
    from echollama.language.transformers_llm import TransformersLLM
    from echollama.scene.detr_detector import DetrDetector
    from echollama.scene.dpt_depth import DptDepthEstimator
    from echollama.scene.moondream_captioner import MoondreamCaptioner
    from echollama.speech.orpheus_tts import OrpheusSynthesizer

    depth = DptDepthEstimator(paper.depth, in_metres=paper.depth_in_metres)
    analyzer = SceneAnalyzer(DetrDetector(paper.detector), depth, MoondreamCaptioner(paper.captioner), config.threshold)
    llm: LanguageModel = (OpenAIHttpLLM(paper.llm_url, paper.llm_api_model or paper.llm) if paper.llm_url
                          else TransformersLLM(paper.llm))
    tts = OrpheusSynthesizer(paper.tts, paper.snac, voice=paper.voice)
    # The paper's prompt is sent untouched (§6.1): no legend line, unless z was turned into metres.
    return Components(analyzer=analyzer, llm=llm, tts=tts, legend=depth.unit == "metres")


# Profile name -> builder.
PROFILE_BUILDERS: dict[str, Callable[[PipelineConfig], Components]] = {"embedded": _embedded, "paper": _paper}


def _in_background(function: Callable[[], object], name: str) -> Future:
    """Run `function` on a daemon thread (an interrupted CLI exits without waiting for a model to finish loading)."""
    future: Future = Future()

    def target() -> None:
        try:
            future.set_result(function())
        except BaseException as error:
            future.set_exception(error)

    threading.Thread(target=target, name=name, daemon=True).start()
    return future


class Pipeline:
    def __init__(self, config: PipelineConfig | None = None, status: Status | None = None) -> None:
        self.config = config or PipelineConfig()
        self.status = status or (lambda message: None)
        builder = PROFILE_BUILDERS.get(self.config.profile)
        if builder is None:
            raise ValueError(f"profile {self.config.profile!r} is not available; choose one of {', '.join(PROFILE_BUILDERS)}")
        self.components = builder(self.config)
        self._loads: dict[str, Future] = {}

    @property
    def analyzer(self) -> SceneAnalyzer:
        return self.components.analyzer

    @property
    def llm(self) -> LanguageModel:
        return self.components.llm

    @property
    def tts(self) -> SpeechSynthesizer:
        return self.components.tts

    def start_loading(self) -> None:
        """Begin loading the LLM and the voice in the background (idempotent)."""
        for name, backend in (("llm", self.llm), ("tts", self.tts)):
            if name not in self._loads and hasattr(backend, "load"):
                self._loads[name] = _in_background(backend.load, f"load-{name}")

    def wait_loaded(self) -> float:
        """Block until every model is loaded (re-raising a load error); returns the seconds spent waiting."""
        start = time.perf_counter()
        self.start_loading()
        self.analyzer.load()
        for future in self._loads.values():
            future.result()
        return time.perf_counter() - start

    def describe(self, image: str | Path | LoadedImage, output: str | Path, stream: bool = True,
                 on_text: Callable[[str], None] | None = None) -> Description:
        """Describe the image aloud into `output` (a WAV); `on_text` receives the answer's text as it is generated."""
        start = time.perf_counter()
        check_output_path(output)
        timings: dict[str, float] = {}
        if not isinstance(image, LoadedImage):
            image = load_image(image)
        timings["load_image_s"] = time.perf_counter() - start
        self.start_loading()  # after the cheap input checks: a bad file must not cost a model load

        self.status("looking at the image")
        scene = self.analyzer.analyze(image)
        timings.update(scene.timings)
        messages = describe_messages(scene, legend=self.components.legend)

        self.status("waiting for the models to load")
        waited = time.perf_counter()
        for future in self._loads.values():
            future.result()
        timings["wait_models_s"] = time.perf_counter() - waited

        self.status(f"describing with {self.llm.name}")
        generate_start = time.perf_counter()
        with WavWriter(output, self.tts.sample_rate) as wav:
            if stream:
                spoken = speak_stream(self.llm.stream(messages, self.config.generation), self.tts, wav.write, on_text)
            else:
                text = "".join(self.llm.stream(messages, self.config.generation))
                if on_text is not None:
                    on_text(text)
                spoken = speak_text(text, self.tts, wav.write)
            if not spoken.sentences:
                raise ModelError(f"{self.llm.name} produced no text for this image; try another --llm or --seed")
        end = time.perf_counter()
        usage = self.llm.last_usage
        timings["llm_first_token_s"] = usage.get("first_token_s", 0.0)
        timings["llm_generate_s"] = usage.get("generate_s", 0.0)
        timings["tts_s"] = spoken.synthesis_s
        timings["first_audio_s"] = (spoken.first_audio_at - start) if spoken.first_audio_at else end - start
        timings["first_audio_after_models_s"] = (spoken.first_audio_at or end) - generate_start
        timings["total_s"] = end - start
        timings["audio_s"] = spoken.audio_seconds
        return Description(
            scene=scene, system_prompt=messages[0]["content"], user_prompt=messages[1]["content"],
            text=spoken.text.strip(), audio_path=str(Path(output)), llm=self.llm.name, timings=timings, usage=usage,
        )

    # --- Conversation (issue 3): the same models, read once per image, plus a speech recogniser -----------------------

    def look(self, image: str | Path | LoadedImage) -> Scene:
        """Perception only: the Scene a conversation is about (starts loading the LLM and voice meanwhile)."""
        if not isinstance(image, LoadedImage):
            image = load_image(image)
        self.start_loading()
        self.status("looking at the image")
        return self.analyzer.analyze(image)

    def chat_model(self):
        """The LLM as a conversation uses it: chat template, continuation, KV-cache reuse counts."""
        from echollama.language.llama_cpp_chat import LlamaCppChat

        if not hasattr(self, "_chat_model"):
            self._chat_model = LlamaCppChat(self.llm)
        return self._chat_model

    def recognizer(self, name: str = "whisper"):
        """The speech recogniser `name` (whisper or sphinx), loading in the background from the first call."""
        from echollama.speech.sphinx_asr import SphinxRecognizer
        from echollama.speech.whisper_asr import WhisperRecognizer

        builders = {"whisper": lambda: WhisperRecognizer(self.config.threads), "sphinx": SphinxRecognizer}
        if name not in builders:
            raise ValueError(f"unknown speech recogniser {name!r}; choose one of {', '.join(builders)}")
        key = f"asr-{name}"
        if key not in self._loads:
            recognizer = builders[name]()
            self._recognizers = {**getattr(self, "_recognizers", {}), name: recognizer}
            self._loads[key] = _in_background(recognizer.load, f"load-{key}")
        return self._recognizers[name]
