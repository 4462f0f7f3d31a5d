"""DPO + LoRA on a tiny random Llama with the real Llama-3.2 tokenizer: 3 steps, logs, every LoRA weight moves, merge.

Run: .venv/bin/python -m pytest -q tests/test_training_dpo.py   (~20 s on 2 cores)
"""

from __future__ import annotations

import glob
import json
import os
from pathlib import Path

import pytest

from echollama.errors import EchollamaError
from echollama.training.dpo_config import DpoRecipe
from echollama.training.recipe_file import load_recipe
from paper_checkpoints import SETUP_HINT, build_llama, llama_tokenizer, require

require("trl")

ROWS = [
    {
        "prompt": "Image Description: a cup on a table.\nMatrix: Mid Bottom: cup: 0.9, r(100, 200, 0.8)\nDescribe this place in detail.",
        "chosen": "A cup sits straight ahead on the table, about 0.8 metres away.",
        "rejected": "There is a dog on the left and a bicycle behind it.",
    },
    {
        "prompt": "Image Description: a cat on a sofa.\nMatrix: Left Bottom: cat: 0.95, r(50, 180, 2.1)\nDescribe this place in detail.",
        "chosen": "A cat lies on the left, about two metres away.",
        "rejected": "Two people stand on the right next to a television.",
    },
]


@pytest.fixture(scope="module")
def tiny_llama(tmp_path_factory) -> Path:
    import torch

    torch.manual_seed(0)
    # The wheel's Llama-3.2 tokenizer is the Vision one: 128256 ids plus <|image|>; llama.cpp's converter wants
    # the embedding to cover every id.
    return build_llama(tmp_path_factory.mktemp("dpo") / "llama", vocab_size=len(llama_tokenizer()))


@pytest.fixture(scope="module")
def pairs(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("pairs") / "pairs.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in ROWS * 3))
    return path


def recipe(tiny_llama: Path, pairs: Path, output: Path, **changes) -> DpoRecipe:
    values = dict(
        base_model=str(tiny_llama),
        dataset=str(pairs),
        output_dir=str(output),
        per_device_train_batch_size=2,
        gradient_accumulation_steps=1,
        max_steps=3,
        max_length=256,
        learning_rate=1e-2,
        export_gguf=False,
    )
    return DpoRecipe(**{**values, **changes})


def test_three_steps_move_every_lora_weight_and_merge_reloads(tiny_llama, pairs, tmp_path):
    import torch
    from transformers import AutoModelForCausalLM, TrainerCallback

    from echollama.training.dpo_trainer import train_dpo

    class LoraSnapshots(TrainerCallback):
        def on_train_begin(self, args, state, control, model=None, **kwargs):
            self.before = {n: p.detach().clone() for n, p in model.named_parameters() if "lora_" in n}
            self.trainable = {n for n, p in model.named_parameters() if p.requires_grad}

        def on_train_end(self, args, state, control, model=None, **kwargs):
            self.after = {n: p.detach().clone() for n, p in model.named_parameters() if "lora_" in n}

    snapshots = LoraSnapshots()
    result = train_dpo(recipe(tiny_llama, pairs, tmp_path / "run"), status=lambda message: None, callbacks=[snapshots])
    assert snapshots.before and snapshots.trainable == set(snapshots.before)  # only LoRA weights train
    unchanged = [n for n, before in snapshots.before.items() if torch.equal(before, snapshots.after[n])]
    assert not unchanged, f"LoRA weights that did not train: {unchanged[:5]}"

    out = tmp_path / "run"
    steps = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    steps = [r for r in steps if "loss" in r]
    assert len(steps) == 3 and all("rewards/margins" in r and "rewards/accuracies" in r for r in steps)
    assert abs(steps[0]["loss"] - 0.6931) < 1e-3  # LoRA B starts at zero: policy == reference, loss = ln 2
    assert (out / "adapter" / "adapter_config.json").is_file() and (out / "metrics.png").stat().st_size > 1000
    summary = json.loads((out / "metrics.json").read_text())
    assert summary["steps"] == 3 and "rewards/margins" in summary and summary["rows"] == 6

    merged = AutoModelForCausalLM.from_pretrained(result.merged)
    base = AutoModelForCausalLM.from_pretrained(tiny_llama)
    names = {n for n, _ in merged.named_parameters()}
    assert not any("lora" in n for n in names) and names == {n for n, _ in base.named_parameters()}
    changed = [n for n, p in merged.named_parameters() if not torch.equal(p, base.get_parameter(n))]
    assert any("q_proj" in n for n in changed)  # the adapter's update was folded into the base weights


def _cached_converter() -> str | None:
    configured = os.environ.get("ECHOLLAMA_CONVERT_SCRIPT")
    if configured:
        return configured
    found = glob.glob(str(Path.home() / ".cache/echollama/tools/llama.cpp-*/convert_hf_to_gguf.py"))
    return found[0] if found else None


def test_merged_model_exports_to_gguf_that_llama_cpp_loads(tiny_llama, pairs, tmp_path, monkeypatch):
    from llama_cpp import Llama

    from echollama.training.dpo_trainer import train_dpo

    converter = _cached_converter()
    if converter is None:  # tests stay offline: set-up fetches it (`echollama train fetch-converter`)
        pytest.fail(f"llama.cpp's GGUF converter is not cached; {SETUP_HINT}", pytrace=False)
    monkeypatch.setenv("ECHOLLAMA_CONVERT_SCRIPT", converter)
    result = train_dpo(
        recipe(tiny_llama, pairs, tmp_path / "run", max_steps=1, export_gguf=True, gguf_outtype="f32"),
        status=lambda message: None,
    )
    llama = Llama(model_path=str(result.gguf), n_ctx=256, verbose=False)
    assert llama.n_vocab() == len(llama_tokenizer())
    assert (
        llama.tokenize(b"Describe this place.", add_bos=False)
        == llama_tokenizer()("Describe this place.", add_special_tokens=False)["input_ids"]
    )


def test_recipes_ship_the_paper_values_and_flags_override(tmp_path):
    configs = Path(__file__).resolve().parents[1] / "configs"
    paper = load_recipe(DpoRecipe, configs / "dpo_paper.yaml")
    assert (paper.lora_r, paper.beta, paper.learning_rate, paper.lr_scheduler_type) == (8, 0.1, 2e-5, "cosine")
    assert (paper.batch_size, paper.max_length, paper.num_train_epochs) == (16, 8192, 1.0)
    assert paper.base_model == "meta-llama/Llama-3.2-1B-Instruct"
    small = load_recipe(DpoRecipe, configs / "dpo_cpu_small.yaml", {"max_steps": 2, "beta": 0.2})
    assert small.base_model == "tiny" and (small.max_steps, small.beta) == (2, 0.2)
    with pytest.raises(EchollamaError, match="lora_rank"):
        load_recipe(DpoRecipe, None, {"lora_rank": 8})
    with pytest.raises(EchollamaError, match="beta"):
        load_recipe(DpoRecipe, None, {"beta": -1.0})
