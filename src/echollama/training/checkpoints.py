"""Trainable checkpoints: a GGUF turned once into a plain transformers folder, and a LoRA adapter merged into its base.

transformers reads a GGUF (`gguf_file=`) but leaves the model flagged as quantised, which trainers refuse; clearing
those flags and saving once gives an ordinary float checkpoint (cached under $ECHOLLAMA_HOME/checkpoints).
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

from echollama.config import echollama_home
from echollama.errors import ModelError, missing_extra
from echollama.output_files import atomic_folder


def _import_transformers():
    try:
        import transformers
    except ImportError:
        raise missing_extra("transformers", "train") from None
    return transformers


def checkpoint_from_gguf(gguf: Path, cache: Path | None = None) -> Path:
    """A plain float32 checkpoint folder for `gguf` (built on first use; later calls return the cached folder)."""
    gguf = Path(gguf)
    if not gguf.is_file():
        raise ModelError(f"{gguf}: no such GGUF file")
    stat = gguf.stat()
    # Keyed by the file's identity so a different file of the same name gets its own checkpoint.
    key = hashlib.sha256(f"{gguf.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()[:12]
    target = (cache or echollama_home() / "checkpoints") / f"{gguf.stem}-{key}"
    if (target / "config.json").is_file():
        return target
    transformers = _import_transformers()
    try:
        import gguf as _  # noqa: F401  (transformers needs it to read the file)
    except ImportError:
        raise missing_extra("gguf", "train") from None
    print(f"echollama: converting {gguf.name} to a trainable checkpoint (once)", file=sys.stderr, flush=True)
    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        model = transformers.AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    except (OSError, ValueError, RuntimeError) as error:
        raise ModelError(f"transformers could not read {gguf}: {error}") from None
    # The de-quantised weights are plain tensors now; only the flags still say "quantised".
    model.hf_quantizer = None
    model.quantization_method = None
    model.is_quantized = False
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_folder(target) as staging:  # a crash leaves a hidden staging folder, never a half checkpoint
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
    return target


def resolve_base(base_model: str) -> str:
    """A checkpoint folder or hub id transformers can load: GGUF files, and bundled LLM keys (tiny, 0.5b, 1.5b: the
    embedded runtime's own GGUFs, sha256-checked), are converted first."""
    from echollama.models.gguf import LLM_MODELS

    if base_model in LLM_MODELS:
        from echollama.models.gguf import gguf_path

        return str(checkpoint_from_gguf(gguf_path(LLM_MODELS[base_model])))
    if base_model.lower().endswith(".gguf"):
        return str(checkpoint_from_gguf(Path(base_model)))
    return base_model


def merge_adapter(model, tokenizer, target: Path) -> Path:
    """Fold the LoRA weights of a PEFT `model` into its base and save a plain checkpoint in `target`."""
    merged = model.merge_and_unload()
    merged.save_pretrained(target)
    tokenizer.save_pretrained(target)
    return target
