"""Orpheus TTS fine-tune: data prep on Piper-made speech, then the paper's recipe (configs/orpheus_elise.yaml) for 3
LoRA steps on a tiny random Orpheus-vocab Llama, checking that every LoRA weight trained.

Run: .venv/bin/python -m pytest -q tests/test_training_tts.py   (~1 min on 2 cores)
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from echollama.paper import SNAC_SAMPLE_RATE
from echollama.speech.orpheus_tokens import (
    ORPHEUS_AUDIO_OFFSET,
    ORPHEUS_END_OF_AI,
    ORPHEUS_END_OF_SPEECH,
    ORPHEUS_START_OF_HUMAN,
    ORPHEUS_START_OF_SPEECH,
    ORPHEUS_VOCAB_SIZE,
)
from echollama.training.tts_data import remove_redundant_frames, to_24khz
from paper_checkpoints import SNAC_SMALL, build_llama, build_snac, require

require("peft")
PAPER_RECIPE = Path(__file__).resolve().parents[1] / "configs" / "orpheus_elise.yaml"
SENTENCES = ["A cup is straight ahead.", "The cat sits on the left, two metres away.", "There is a chair behind you."]


def frame(first: int, rest: int) -> list[int]:
    return [ORPHEUS_AUDIO_OFFSET + first] + [ORPHEUS_AUDIO_OFFSET + k * 4096 + rest for k in range(1, 7)]


@pytest.mark.parametrize(
    "mode, expected",
    [
        ("level0", [frame(1, 5), frame(2, 5), frame(1, 6)]),  # the second frame repeats frame 1's level-0 code
        ("frame", [frame(1, 5), frame(1, 6), frame(2, 5), frame(1, 6)]),  # only the exact repeat goes
        ("none", [frame(1, 5), frame(1, 6), frame(1, 6), frame(2, 5), frame(1, 6)]),
    ],
)
def test_redundant_frames(mode, expected):
    tokens = [t for f in (frame(1, 5), frame(1, 6), frame(1, 6), frame(2, 5), frame(1, 6)) for t in f]
    assert remove_redundant_frames(tokens, mode) == [t for f in expected for t in f]


def test_resampling_to_24khz_keeps_duration_and_pitch():
    rate = 22050
    tone = np.sin(2 * np.pi * 440 * np.arange(rate) / rate).astype(np.float32)
    out = to_24khz(np.stack([tone, tone], axis=1), rate)  # stereo in, mono out
    assert out.dtype == np.float32 and out.ndim == 1 and abs(len(out) - SNAC_SAMPLE_RATE) <= 1
    spectrum = np.abs(np.fft.rfft(out))
    assert abs(np.argmax(spectrum) * SNAC_SAMPLE_RATE / len(out) - 440) < 2


@pytest.fixture(scope="module")
def piper_dataset(tmp_path_factory) -> Path:
    """Three utterances spoken by the embedded Piper voice (22.05 kHz), as a metadata.jsonl folder."""
    import soundfile

    from echollama.speech.piper_tts import PiperSynthesizer

    folder = tmp_path_factory.mktemp("speech")
    piper = PiperSynthesizer()
    lines = []
    for index, text in enumerate(SENTENCES):
        audio = np.concatenate(list(piper.synthesize(text)))
        soundfile.write(folder / f"{index}.wav", audio, piper.sample_rate)
        lines.append(json.dumps({"audio": f"{index}.wav", "text": text, "speaker": "joe" if index else None}))
    (folder / "metadata.jsonl").write_text("\n".join(lines) + "\n")
    return folder


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> dict[str, Path]:
    import torch

    torch.manual_seed(0)
    root = tmp_path_factory.mktemp("orpheus")
    return {
        "llama": build_llama(root / "llama", vocab_size=ORPHEUS_VOCAB_SIZE),
        "snac": build_snac(root / "snac", SNAC_SMALL),
    }


def test_piper_speech_becomes_orpheus_sequences(piper_dataset, models):
    from transformers import AutoTokenizer

    from echollama.training.tts_data import load_utterances, prepare_dataset
    from echollama.training.tts_trainer import load_snac

    tokenizer = AutoTokenizer.from_pretrained(models["llama"])
    utterances = list(load_utterances(str(piper_dataset), speaker="elise"))
    assert [u.speaker for u in utterances] == ["elise", "joe", "joe"]  # the data's own speaker wins
    data = prepare_dataset(tokenizer, load_snac(str(models["snac"])), utterances, max_length=4096)
    assert len(data) == 3
    for ids, utterance in zip(data["input_ids"], utterances):
        speech = ids.index(ORPHEUS_START_OF_SPEECH) + 1
        assert ids[0] == ORPHEUS_START_OF_HUMAN and ids[-2:] == [ORPHEUS_END_OF_SPEECH, ORPHEUS_END_OF_AI]
        text = tokenizer.decode(ids[1 : speech - 4], skip_special_tokens=True)
        assert text == f"{utterance.speaker}: {utterance.text}"
        audio = ids[speech:-2]
        seconds = len(utterance.audio) / utterance.sample_rate
        # 7 tokens per 2048-sample frame at 24 kHz, fewer after removing redundant frames
        assert len(audio) % 7 == 0 and 7 <= len(audio) <= 7 * (seconds * SNAC_SAMPLE_RATE / 2048 + 2)
        assert all(
            ORPHEUS_AUDIO_OFFSET + (i % 7) * 4096 <= t < ORPHEUS_AUDIO_OFFSET + (i % 7 + 1) * 4096
            for i, t in enumerate(audio)
        )
    with pytest.raises(Exception, match="fits"):
        prepare_dataset(tokenizer, load_snac(str(models["snac"])), utterances, max_length=10)


def test_paper_recipe_moves_every_lora_weight_on_a_tiny_orpheus(piper_dataset, models, tmp_path):
    import torch
    from transformers import AutoModelForCausalLM, TrainerCallback

    from echollama.training.recipe_file import load_recipe
    from echollama.training.tts_config import OrpheusRecipe
    from echollama.training.tts_trainer import train_tts

    class LoraSnapshots(TrainerCallback):
        def on_train_begin(self, args, state, control, model=None, **kwargs):
            self.before = {n: p.detach().clone() for n, p in model.named_parameters() if "lora_" in n}
            self.trainable = {n for n, p in model.named_parameters() if p.requires_grad}

        def on_train_end(self, args, state, control, model=None, **kwargs):
            self.after = {n: p.detach().clone() for n, p in model.named_parameters() if "lora_" in n}

    # Only what a tiny CPU run needs changes: the models, the data, where it writes, and 3 steps instead of 360.
    tiny_run = dict(
        base_model=str(models["llama"]),
        snac_model=str(models["snac"]),
        dataset=str(piper_dataset),
        output_dir=str(tmp_path / "run"),
        max_steps=3,
    )
    recipe = load_recipe(OrpheusRecipe, PAPER_RECIPE, tiny_run)
    assert (recipe.lora_r, recipe.lora_alpha, recipe.learning_rate, recipe.warmup_steps) == (64, 64, 2e-4, 5)
    assert (recipe.gradient_accumulation_steps, recipe.load_in_4bit, recipe.optim) == (4, True, "adamw_8bit")
    messages = []
    snapshots = LoraSnapshots()
    result = train_tts(recipe, status=messages.append, callbacks=[snapshots])
    assert any("4-bit base skipped" in m for m in messages) and any("adamw_torch" in m for m in messages)

    assert snapshots.before and snapshots.trainable == set(snapshots.before)  # only LoRA weights train
    modules = {n.split(".lora_")[0].rsplit(".", 1)[-1] for n in snapshots.before}
    assert modules == set(recipe.lora_target_modules)  # every projection the paper names carries an adapter
    unchanged = [n for n, before in snapshots.before.items() if torch.equal(before, snapshots.after[n])]
    assert not unchanged, f"LoRA weights that did not train: {unchanged[:5]}"

    summary = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert summary["steps"] == 3 and summary["loss"]["first"] > 0
    adapter = json.loads((result.adapter / "adapter_config.json").read_text())
    assert adapter["r"] == 64 and set(adapter["target_modules"]) == set(recipe.lora_target_modules)
    merged = AutoModelForCausalLM.from_pretrained(result.merged)
    base = AutoModelForCausalLM.from_pretrained(models["llama"])
    changed = {n.rsplit(".", 2)[-2] for n, p in merged.named_parameters() if not torch.equal(p, base.get_parameter(n))}
    assert changed == set(recipe.lora_target_modules)  # the adapter folded into exactly those weights
