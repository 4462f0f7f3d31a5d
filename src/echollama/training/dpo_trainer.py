"""`echollama train dpo`: TRL's DPOTrainer with a PEFT LoRA adapter, then merge and GGUF export (paper §6.2).

The reference model is the base itself (LoRA disabled), so only one copy of the weights is held in memory.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from echollama.errors import EchollamaError, ModelError, missing_extra
from echollama.paper import SYSTEM_PROMPT
from echollama.training.dpo_config import DpoRecipe
from echollama.training.pairs_file import PAIR_COLUMNS


def _status(message: str) -> None:
    print(f"echollama: {message}", file=sys.stderr, flush=True)


def load_pairs(source: str, max_rows: int | None = None, cache_dir: Path | None = None):
    """Preference rows as chat conversations: system + user prompt, and one assistant turn per side."""
    try:
        from datasets import load_dataset
    except ImportError:
        raise missing_extra("datasets", "train") from None
    path = Path(source)
    cache = str(cache_dir) if cache_dir else None
    if path.is_file():
        rows = load_dataset("json", data_files=str(path), split="train", cache_dir=cache)
    elif path.is_dir():
        rows = load_dataset(
            "json", data_files=sorted(str(p) for p in path.glob("*.jsonl")), split="train", cache_dir=cache
        )
    else:
        rows = load_dataset(source, split="train", cache_dir=cache)  # a hub dataset (needs HF_HUB_OFFLINE=0)
    missing = [c for c in PAIR_COLUMNS if c not in rows.column_names]
    if missing:
        raise EchollamaError(f"{source}: the dataset has no {', '.join(missing)} column(s)")
    if len(rows) == 0:
        raise EchollamaError(f"{source}: the dataset is empty")
    if max_rows is not None:
        rows = rows.select(range(min(max_rows, len(rows))))

    def to_chat(row: dict) -> dict:
        # Both sides share the paper's system prompt (§6.1); the published dataset has no system column.
        system = row.get("system") or SYSTEM_PROMPT
        return {
            "prompt": [{"role": "system", "content": system}, {"role": "user", "content": row["prompt"]}],
            "chosen": [{"role": "assistant", "content": row["chosen"]}],
            "rejected": [{"role": "assistant", "content": row["rejected"]}],
        }

    return rows.map(to_chat, remove_columns=rows.column_names)


def build_trainer(recipe: DpoRecipe, callbacks=()):
    """(trainer, tokenizer) ready to `train()`; the base model is resolved (GGUF converted) first."""
    try:
        import torch
        from peft import LoraConfig
        from transformers import AutoModelForCausalLM, AutoTokenizer
        from trl import DPOConfig, DPOTrainer
    except ImportError as error:
        raise missing_extra(error.name or "trl", "train") from None
    from echollama.training.checkpoints import resolve_base

    base = resolve_base(recipe.base_model)
    output = Path(recipe.output_dir)
    cuda = torch.cuda.is_available()
    bf16 = cuda and torch.cuda.is_bf16_supported()
    try:
        tokenizer = AutoTokenizer.from_pretrained(base)
        model = AutoModelForCausalLM.from_pretrained(base, dtype=torch.bfloat16 if bf16 else torch.float32)
    except OSError as error:
        raise ModelError(f"cannot load the base model {base}: {error}") from None
    if not tokenizer.chat_template:
        raise ModelError(f"{base} has no chat template; DPO formats the paper's prompt with it")
    pairs = load_pairs(recipe.dataset, recipe.max_rows, output / "datasets-cache")
    args = DPOConfig(
        output_dir=str(output / "trainer"),
        beta=recipe.beta,
        learning_rate=recipe.learning_rate,
        lr_scheduler_type=recipe.lr_scheduler_type,
        warmup_steps=recipe.warmup_steps,
        per_device_train_batch_size=recipe.per_device_train_batch_size,
        gradient_accumulation_steps=recipe.gradient_accumulation_steps,
        max_length=recipe.max_length,
        num_train_epochs=recipe.num_train_epochs,
        max_steps=recipe.max_steps,
        gradient_checkpointing=recipe.gradient_checkpointing,
        seed=recipe.seed,
        logging_steps=1,
        save_strategy="no",
        report_to="none",
        bf16=bf16,
        fp16=cuda and not bf16,
        use_cpu=not cuda,
        dataloader_num_workers=0,
    )
    lora = LoraConfig(
        r=recipe.lora_r,
        lora_alpha=recipe.lora_alpha,
        lora_dropout=recipe.lora_dropout,
        target_modules=list(recipe.lora_target_modules),
        task_type="CAUSAL_LM",
    )
    trainer = DPOTrainer(
        model=model,
        args=args,
        train_dataset=pairs,
        processing_class=tokenizer,
        peft_config=lora,
        callbacks=list(callbacks),
    )
    return trainer, tokenizer


@dataclass
class DpoResult:
    output_dir: Path
    adapter: Path
    merged: Path | None
    gguf: Path | None
    summary: dict


def train_dpo(recipe: DpoRecipe, status=_status, callbacks=()) -> DpoResult:
    """Train, then write adapter/, metrics.json(l), metrics.png, merged/ and model.gguf under recipe.output_dir."""
    from echollama.training.metrics_log import make_callback, plot, summarise

    output = Path(recipe.output_dir)
    log = make_callback(output)
    trainer, tokenizer = build_trainer(recipe, [log, *callbacks])
    rows = len(trainer.train_dataset)
    status(f"DPO on {rows} pairs, {recipe.batch_size} pairs per update, LoRA r={recipe.lora_r}, beta={recipe.beta}")
    start = time.perf_counter()
    trainer.train()
    seconds = time.perf_counter() - start
    adapter = output / "adapter"
    trainer.save_model(str(adapter))
    summary = {**summarise(log.records), "rows": rows, "train_wall_s": round(seconds, 1), "recipe": asdict(recipe)}
    (output / "metrics.json").write_text(json.dumps(summary, indent=2))
    plot(log.records, output / "metrics.png", title=f"DPO: {Path(recipe.base_model).name}")
    merged = gguf = None
    if recipe.merge:
        from echollama.training.checkpoints import merge_adapter

        status("merging the adapter into the base model")
        merged = merge_adapter(trainer.model, tokenizer, output / "merged")
    if recipe.export_gguf and merged is not None:
        from echollama.training.gguf_export import export_gguf

        status(f"exporting {output / 'model.gguf'} ({recipe.gguf_outtype})")
        gguf = export_gguf(merged, output / "model.gguf", recipe.gguf_outtype)
    return DpoResult(output, adapter, merged, gguf, summary)
