"""`echollama train dpo|tts|fetch-converter`: DPO + LoRA for the describer, LoRA for the Orpheus voice (paper §6-7).

echollama train dpo --config configs/dpo_cpu_small.yaml --dataset pairs.jsonl
echollama train tts --config configs/orpheus_elise.yaml
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from echollama.cli.options import status


def register(commands) -> None:
    from echollama.training.dpo_config import DpoRecipe
    from echollama.training.recipe_file import add_recipe_flags
    from echollama.training.tts_config import OrpheusRecipe

    train = commands.add_parser(
        "train",
        help="fine-tune: DPO for the describer, LoRA for the Orpheus voice",
        description="Training recipes are YAML files (configs/); flags override their fields.",
    )
    actions = train.add_subparsers(dest="train_command", required=True, metavar="ACTION")
    dpo = actions.add_parser(
        "dpo",
        help="DPO + LoRA on preference pairs, merge, export GGUF (paper §6.2)",
        description="TRL DPOTrainer with a LoRA adapter. Writes OUTPUT_DIR/adapter, metrics.jsonl, "
        "metrics.json, metrics.png, merged/ and model.gguf (load it with "
        "`echollama describe --llm-path OUTPUT_DIR/model.gguf`).",
        epilog="example: echollama train dpo --config configs/dpo_cpu_small.yaml --dataset pairs.jsonl",
    )
    dpo.add_argument("--config", type=Path, required=True, help="recipe YAML, e.g. configs/dpo_paper.yaml")
    add_recipe_flags(dpo, DpoRecipe)
    dpo.set_defaults(run=lambda args: train(args, DpoRecipe, "dpo"))
    tts = actions.add_parser(
        "tts",
        help="Orpheus TTS LoRA fine-tune on speech data (paper §7.2)",
        description="Resamples to 24 kHz, SNAC-encodes, removes redundant frames, builds Orpheus "
        "token sequences with speaker prefixes, and trains a LoRA adapter.",
        epilog="example: echollama train tts --config configs/orpheus_elise.yaml --max-steps 60",
    )
    tts.add_argument("--config", type=Path, required=True, help="recipe YAML, e.g. configs/orpheus_elise.yaml")
    add_recipe_flags(tts, OrpheusRecipe)
    tts.set_defaults(run=lambda args: train(args, OrpheusRecipe, "tts"))
    fetch = actions.add_parser(
        "fetch-converter",
        help="download llama.cpp's GGUF converter once (pip, from PyPI)",
        description="Fetches the llama-cpp-python sdist matching the installed runtime and "
        "keeps convert_hf_to_gguf.py under $ECHOLLAMA_HOME/tools.",
    )
    fetch.set_defaults(run=fetch_converter)


def train(args: argparse.Namespace, recipe_class, kind: str) -> int:
    from echollama.training.recipe_file import flag_overrides, load_recipe

    recipe = load_recipe(recipe_class, args.config, flag_overrides(args))
    if kind == "dpo":
        from echollama.training.dpo_trainer import train_dpo

        trained = train_dpo(recipe, status)
        done, summary = {"adapter": trained.adapter, "merged": trained.merged, "gguf": trained.gguf}, trained.summary
    else:
        from echollama.training.tts_trainer import train_tts

        voice = train_tts(recipe, status)
        done, summary = {"adapter": voice.adapter, "merged": voice.merged}, voice.summary
    print(
        json.dumps(
            {
                **{k: str(v) if v else None for k, v in done.items()},
                "summary": {k: v for k, v in summary.items() if k != "recipe"},
            },
            indent=2,
        )
    )
    return 0


def fetch_converter(args: argparse.Namespace) -> int:
    from echollama.training.gguf_export import converter_path

    print(converter_path())
    return 0
