"""`echollama train tts`: Orpheus LoRA fine-tuning with transformers' Trainer (paper §7.2-7.3).

On CUDA with bitsandbytes the base loads in 4 bit and trains with adamw_8bit, as in the paper; elsewhere the run
says which of the two it cannot do and continues in full precision with `cpu_optim`.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from echollama.errors import ModelError, missing_extra
from echollama.speech.orpheus_tokens import ORPHEUS_PAD
from echollama.training.tts_config import OrpheusRecipe

TTS_KEYS = ("loss", "learning_rate", "grad_norm")


def _status(message: str) -> None:
    print(f"echollama: {message}", file=sys.stderr, flush=True)


def load_snac(reference: str):
    try:
        from snac import SNAC
    except ImportError:
        raise missing_extra("snac", "train") from None
    folder = Path(reference)
    if not folder.is_dir():
        from echollama.models.hub import local_model_dir

        folder = local_model_dir(reference)
    try:
        return SNAC.from_pretrained(str(folder)).eval()
    except (OSError, ValueError, RuntimeError) as error:
        raise ModelError(f"cannot load SNAC from {folder}: {error}") from None


def pad_batch(features: list[dict]) -> dict:
    """Right-pad to the longest sequence: pad id for inputs, -100 (ignored) for labels."""
    import torch

    longest = max(len(f["input_ids"]) for f in features)

    def padded(key: str, value: int):
        return torch.tensor([list(f[key]) + [value] * (longest - len(f[key])) for f in features])

    return {
        "input_ids": padded("input_ids", ORPHEUS_PAD),
        "labels": padded("labels", -100),
        "attention_mask": padded("attention_mask", 0),
    }


def _quantisation(recipe: OrpheusRecipe, cuda: bool, status):
    """(BitsAndBytesConfig or None, optimiser name), saying aloud what the paper's recipe cannot have here."""
    import importlib.util

    has_bnb = importlib.util.find_spec("bitsandbytes") is not None
    if not (cuda and has_bnb):
        why = "no CUDA device" if not cuda else "bitsandbytes is not installed"
        if recipe.load_in_4bit:
            status(f"4-bit base skipped ({why}): training on a full-precision base")
        if recipe.optim != recipe.cpu_optim:
            status(f"{recipe.optim} unavailable ({why}): using {recipe.cpu_optim}")
        return None, recipe.cpu_optim
    if not recipe.load_in_4bit:
        return None, recipe.optim
    import torch
    from transformers import BitsAndBytesConfig

    compute = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return BitsAndBytesConfig(
        load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=compute
    ), recipe.optim


def build_trainer(recipe: OrpheusRecipe, callbacks=(), status=_status):
    """(trainer, tokenizer, quantised) with the data already encoded."""
    try:
        import torch
        from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training
        from transformers import AutoModelForCausalLM, AutoTokenizer, Trainer, TrainingArguments
    except ImportError as error:
        raise missing_extra(error.name or "transformers", "train") from None
    from echollama.training.tts_data import load_utterances, prepare_dataset

    cuda = torch.cuda.is_available()
    bf16 = cuda and torch.cuda.is_bf16_supported()
    quantisation, optim = _quantisation(recipe, cuda, status)
    try:
        tokenizer = AutoTokenizer.from_pretrained(recipe.base_model)
        model: Any = AutoModelForCausalLM.from_pretrained(
            recipe.base_model,
            dtype=torch.bfloat16 if bf16 else (torch.float16 if cuda else torch.float32),
            quantization_config=quantisation,
            device_map={"": 0} if quantisation else None,
        )
    except OSError as error:
        raise ModelError(f"cannot load the Orpheus base {recipe.base_model}: {error}") from None
    snac = load_snac(recipe.snac_model)
    status("encoding the speech with SNAC")
    utterances = load_utterances(recipe.dataset, recipe.speaker, recipe.max_rows)
    data = prepare_dataset(tokenizer, snac, utterances, recipe.max_length, recipe.dedupe)
    if quantisation is not None:
        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=recipe.gradient_checkpointing)
    elif recipe.gradient_checkpointing:
        model.enable_input_require_grads()  # LoRA + checkpointing: the frozen embeddings must still pass gradients
    model = get_peft_model(
        model,
        LoraConfig(
            r=recipe.lora_r,
            lora_alpha=recipe.lora_alpha,
            lora_dropout=recipe.lora_dropout,
            bias="none",
            task_type="CAUSAL_LM",
            target_modules=list(recipe.lora_target_modules),
        ),
    )
    args = TrainingArguments(
        output_dir=str(Path(recipe.output_dir) / "trainer"),
        per_device_train_batch_size=recipe.per_device_train_batch_size,
        gradient_accumulation_steps=recipe.gradient_accumulation_steps,
        warmup_steps=recipe.warmup_steps,
        max_steps=recipe.max_steps,
        learning_rate=recipe.learning_rate,
        lr_scheduler_type=recipe.lr_scheduler_type,
        optim=optim,
        gradient_checkpointing=recipe.gradient_checkpointing,
        logging_steps=1,
        save_strategy="no",
        report_to="none",
        seed=recipe.seed,
        bf16=bf16,
        fp16=cuda and not bf16,
        use_cpu=not cuda,
        dataloader_num_workers=0,
        remove_unused_columns=False,
    )
    trainer = Trainer(model=model, args=args, train_dataset=data, data_collator=pad_batch, callbacks=list(callbacks))
    return trainer, tokenizer, quantisation is not None


@dataclass
class TtsResult:
    output_dir: Path
    adapter: Path
    merged: Path | None
    summary: dict


def train_tts(recipe: OrpheusRecipe, status=_status, callbacks=()) -> TtsResult:
    """Train, then write adapter/, metrics.json(l), metrics.png and (unless 4-bit) merged/ under recipe.output_dir;
    `callbacks` (transformers TrainerCallbacks) watch the run beside the metrics log."""
    from echollama.training.metrics_log import make_callback, plot, summarise

    output = Path(recipe.output_dir)
    log = make_callback(output)
    trainer, tokenizer, quantised = build_trainer(recipe, [log, *callbacks], status)
    status(f"Orpheus LoRA r={recipe.lora_r} on {len(trainer.train_dataset)} utterances, {recipe.max_steps} steps")
    start = time.perf_counter()
    trainer.train()
    seconds = time.perf_counter() - start
    adapter = output / "adapter"
    trainer.save_model(str(adapter))
    tokenizer.save_pretrained(adapter)
    summary = {
        **summarise(log.records, TTS_KEYS),
        "utterances": len(trainer.train_dataset),
        "train_wall_s": round(seconds, 1),
        "recipe": asdict(recipe),
    }
    (output / "metrics.json").write_text(json.dumps(summary, indent=2))
    plot(log.records, output / "metrics.png", TTS_KEYS, title="Orpheus LoRA")
    merged = None
    if recipe.merge and not quantised:
        from echollama.training.checkpoints import merge_adapter

        merged = merge_adapter(trainer.model, tokenizer, output / "merged")
    elif recipe.merge:
        status("4-bit base: kept the adapter only; merge it into a bf16 copy of the base to serve it")
    return TtsResult(output, adapter, merged, summary)
