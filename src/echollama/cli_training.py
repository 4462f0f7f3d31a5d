"""`echollama dataset build` and `echollama train dpo|tts|fetch-converter`: the training half of the paper (§6-7).

  echollama dataset build images/ -o pairs.jsonl --teacher-url https://api.deepseek.com/v1 --llm 1.5b
  echollama dataset build images/ -o pairs.jsonl --grounded --samples 4 --llm 0.5b --max-tokens 200
  echollama train dpo --config configs/dpo_cpu_small.yaml --dataset pairs.jsonl
  echollama train tts --config configs/orpheus_elise.yaml
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from echollama.config import DATASET_GENERATION


def _status(message: str) -> None:
    print(f"echollama: {message}", file=sys.stderr, flush=True)


def add_commands(commands, add_pipeline_options, pipeline_config) -> None:
    _add_dataset(commands, add_pipeline_options, pipeline_config)
    _add_train(commands)


def _add_dataset(commands, add_pipeline_options, pipeline_config) -> None:
    dataset = commands.add_parser("dataset", help="build Spatial-DPO preference pairs from a folder of images",
                                  description="Preference datasets for `echollama train dpo` (paper §6.1).")
    actions = dataset.add_subparsers(dest="dataset_command", required=True, metavar="ACTION")
    build = actions.add_parser(
        "build", help="image -> scene -> paper prompt -> chosen and rejected answers, appended to a JSONL file",
        description="For every image: run perception, build the paper's prompt, and write one row {prompt, chosen, "
                    "rejected, system, image_id, scene, ...} (the AquaLabs/Spatial-DPO-Dataset columns first). "
                    "Chosen comes from a teacher at an OpenAI-compatible endpoint (API key from "
                    "ECHOLLAMA_TEACHER_API_KEY, OPENAI_API_KEY or DEEPSEEK_API_KEY), rejected from the base model; "
                    "or, with --grounded, from the base model's own samples ranked by the spatial-grounding checker. "
                    "Rerunning resumes: finished images are skipped; Ctrl-C never leaves a half row.",
        epilog=__doc__.split("\n\n")[1], formatter_class=argparse.RawDescriptionHelpFormatter)
    build.add_argument("images", type=Path, help="folder of images (searched recursively)")
    build.add_argument("-o", "--output", type=Path, required=True, help="JSONL file to append pairs to")
    build.add_argument("--teacher-url", help="OpenAI-compatible base URL of the teacher, e.g. https://api.deepseek.com/v1")
    build.add_argument("--teacher-model", default="deepseek-chat", help="teacher model name (default %(default)s)")
    build.add_argument("--base-url", help="the base model behind an OpenAI-compatible endpoint (default: local --llm)")
    build.add_argument("--base-model", default="meta-llama/Llama-3.2-1B-Instruct", help="served base model name")
    build.add_argument("--grounded", action="store_true", help="teacher-free: best/worst of --samples base answers by grounding score")
    build.add_argument("--samples", type=int, default=4, help="answers sampled per image with --grounded (default %(default)s)")
    build.add_argument("--workers", type=int, default=2, help="images in flight at once (default %(default)s)")
    build.add_argument("--limit", type=int, help="only the first N images (in name order)")
    build.add_argument("--ray", action="store_true", help="run the workers as Ray tasks (pip install 'echollama[ray]')")
    build.add_argument("--ray-address", help="a running Ray cluster (default: start a local one)")
    build.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    add_pipeline_options(build)
    # The paper's dataset sampling (§6.1), not describe's spoken-answer length; lower it for CPU runs.
    build.set_defaults(max_tokens=DATASET_GENERATION["max_tokens"],
                       handler=lambda args: cmd_dataset_build(args, pipeline_config(args)))


def cmd_dataset_build(args: argparse.Namespace, config) -> int:
    from echollama.training.dataset_builder import BuildSettings, build_dataset, dataset_generation, thread_runner

    settings = BuildSettings(
        images_dir=args.images, output=args.output, generation=dataset_generation(args.max_tokens, args.seed),
        teacher_url=args.teacher_url, teacher_model=args.teacher_model, base_url=args.base_url,
        base_model=args.base_model, grounded=args.grounded, samples=args.samples, workers=args.workers,
        limit=args.limit)
    if args.ray:
        from echollama.training.ray_runner import ray_runner

        runner = ray_runner(settings, config, address=args.ray_address)
    else:
        runner = thread_runner(settings, config)
    report = build_dataset(settings, runner, progress=not args.no_progress)
    _status(f"{args.output}: {report.written} new pairs, {report.already_done} images already done, "
            f"{report.skipped} without a pair (see {settings.skipped_path.name}), {report.images} images in all")
    return 0


def _add_train(commands) -> None:
    from echollama.training.dpo_config import DpoRecipe
    from echollama.training.recipe_file import add_recipe_flags
    from echollama.training.tts_config import OrpheusRecipe

    train = commands.add_parser("train", help="fine-tune: DPO for the describer, LoRA for the Orpheus voice",
                                description="Training recipes are YAML files (configs/); flags override their fields.")
    actions = train.add_subparsers(dest="train_command", required=True, metavar="ACTION")
    dpo = actions.add_parser("dpo", help="DPO + LoRA on preference pairs, merge, export GGUF (paper §6.2)",
                             description="TRL DPOTrainer with a LoRA adapter. Writes OUTPUT_DIR/adapter, metrics.jsonl, "
                                         "metrics.json, metrics.png, merged/ and model.gguf (load it with "
                                         "`echollama describe --llm-path OUTPUT_DIR/model.gguf`).",
                             epilog="example: echollama train dpo --config configs/dpo_cpu_small.yaml --dataset pairs.jsonl")
    dpo.add_argument("--config", type=Path, required=True, help="recipe YAML, e.g. configs/dpo_paper.yaml")
    add_recipe_flags(dpo, DpoRecipe)
    dpo.set_defaults(handler=lambda args: cmd_train(args, DpoRecipe, "dpo"))
    tts = actions.add_parser("tts", help="Orpheus TTS LoRA fine-tune on speech data (paper §7.2)",
                             description="Resamples to 24 kHz, SNAC-encodes, removes redundant frames, builds Orpheus "
                                         "token sequences with speaker prefixes, and trains a LoRA adapter.",
                             epilog="example: echollama train tts --config configs/orpheus_elise.yaml --max-steps 60")
    tts.add_argument("--config", type=Path, required=True, help="recipe YAML, e.g. configs/orpheus_elise.yaml")
    add_recipe_flags(tts, OrpheusRecipe)
    tts.set_defaults(handler=lambda args: cmd_train(args, OrpheusRecipe, "tts"))
    fetch = actions.add_parser("fetch-converter", help="download llama.cpp's GGUF converter once (pip, from PyPI)",
                               description="Fetches the llama-cpp-python sdist matching the installed runtime and "
                                           "keeps convert_hf_to_gguf.py under $ECHOLLAMA_HOME/tools.")
    fetch.set_defaults(handler=cmd_fetch_converter)


def cmd_train(args: argparse.Namespace, recipe_class, kind: str) -> int:
    from echollama.training.recipe_file import flag_overrides, load_recipe

    recipe = load_recipe(recipe_class, args.config, flag_overrides(args))
    if kind == "dpo":
        from echollama.training.dpo_trainer import train_dpo

        result = train_dpo(recipe, _status)
        done = {"adapter": result.adapter, "merged": result.merged, "gguf": result.gguf}
    else:
        from echollama.training.tts_trainer import train_tts

        result = train_tts(recipe, _status)
        done = {"adapter": result.adapter, "merged": result.merged}
    print(json.dumps({**{k: str(v) if v else None for k, v in done.items()}, "summary": {
        k: v for k, v in result.summary.items() if k != "recipe"}}, indent=2))
    return 0


def cmd_fetch_converter(args: argparse.Namespace) -> int:
    from echollama.training.gguf_export import converter_path

    print(converter_path())
    return 0
