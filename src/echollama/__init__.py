"""echollama: a photo becomes a spoken, spatially grounded description you can talk to.

A reimplementation of the EchoLLaMA paper that runs offline on a CPU (`embedded` profile) or with the paper's models.

    from echollama import Pipeline, PipelineConfig
    description = Pipeline(PipelineConfig(llm="0.5b")).describe("kitchen.jpg", "kitchen.wav")
    print(description.text)

The package, stage by stage: `scene/` (perception: Detection -> Scene), `language/` (narration, claim checker,
prompts, conversation, LLM backends), `speech/` (the one speaking path, TTS and ASR backends), `pipeline.py` and
`voice_chat.py` (compose them), `profiles.py` (every backend of each profile), `paper.py` (the paper's constants),
`types.py` (the values that flow), then the faces: `cli/`, `server/`, `evaluation/`, `training/`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# The public face, imported on first use so that `echollama --version` stays instant.
_EXPORTS = {
    "Pipeline": "echollama.pipeline",
    "VoiceChat": "echollama.voice_chat",
    "PipelineConfig": "echollama.config",
    "GenerationSettings": "echollama.config",
    "Scene": "echollama.types",
    "Detection": "echollama.types",
    "TextRegion": "echollama.types",
    "Description": "echollama.types",
    "SpokenAnswer": "echollama.types",
    "EchollamaError": "echollama.errors",
}
__all__ = [
    "Description",
    "Detection",
    "EchollamaError",
    "GenerationSettings",
    "Pipeline",
    "PipelineConfig",
    "Scene",
    "SpokenAnswer",
    "TextRegion",
    "VoiceChat",
    "__version__",
]

if TYPE_CHECKING:
    from echollama.config import GenerationSettings, PipelineConfig
    from echollama.errors import EchollamaError
    from echollama.pipeline import Pipeline
    from echollama.types import Description, Detection, Scene, SpokenAnswer, TextRegion
    from echollama.voice_chat import VoiceChat


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'echollama' has no attribute {name!r}")
