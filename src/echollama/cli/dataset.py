"""`echollama dataset build`: Spatial-DPO preference pairs from a folder of images (paper §6.1).

echollama dataset build images/ -o pairs.jsonl --teacher-url https://api.deepseek.com/v1 --llm 1.5b
echollama dataset build images/ -o pairs.jsonl --grounded --samples 4 --llm 0.5b --max-tokens 200
echollama train dpo --config configs/dpo_cpu_small.yaml --dataset pairs.jsonl
echollama train tts --config configs/orpheus_elise.yaml
"""

from __future__ import annotations

import argparse
from pathlib import Path

from echollama.cli.options import add_pipeline_options, pipeline_config, status
from echollama.paper import DATASET_GENERATION


def register(commands) -> None:
    dataset = commands.add_parser(
        "dataset",
        help="build Spatial-DPO preference pairs from a folder of images",
        description="Preference datasets for `echollama train dpo` (paper §6.1).",
    )
    actions = dataset.add_subparsers(dest="dataset_command", required=True, metavar="ACTION")
    build = actions.add_parser(
        "build",
        help="image -> scene -> paper prompt -> chosen and rejected answers, appended to a JSONL file",
        description="For every image: run perception, build the paper's prompt, and write one row {prompt, chosen, "
        "rejected, system, image_id, scene, ...} (the AquaLabs/Spatial-DPO-Dataset columns first). "
        "Chosen comes from a teacher at an OpenAI-compatible endpoint (API key from "
        "ECHOLLAMA_TEACHER_API_KEY, OPENAI_API_KEY or DEEPSEEK_API_KEY), rejected from the base model; "
        "or, with --grounded, from the base model's own samples ranked by the spatial-grounding checker. "
        "Rerunning resumes: finished images are skipped; Ctrl-C never leaves a half row.",
        epilog=__doc__.split("\n\n")[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    build.add_argument("images", type=Path, help="folder of images (searched recursively)")
    build.add_argument("-o", "--output", type=Path, required=True, help="JSONL file to append pairs to")
    build.add_argument(
        "--teacher-url", help="OpenAI-compatible base URL of the teacher, e.g. https://api.deepseek.com/v1"
    )
    build.add_argument("--teacher-model", default="deepseek-chat", help="teacher model name (default %(default)s)")
    build.add_argument("--base-url", help="the base model behind an OpenAI-compatible endpoint (default: local --llm)")
    build.add_argument("--base-model", default="meta-llama/Llama-3.2-1B-Instruct", help="served base model name")
    build.add_argument(
        "--grounded", action="store_true", help="teacher-free: best/worst of --samples base answers by grounding score"
    )
    build.add_argument(
        "--samples", type=int, default=4, help="answers sampled per image with --grounded (default %(default)s)"
    )
    build.add_argument("--workers", type=int, default=2, help="images in flight at once (default %(default)s)")
    build.add_argument("--limit", type=int, help="only the first N images (in name order)")
    build.add_argument("--ray", action="store_true", help="run the workers as Ray tasks (pip install 'echollama[ray]')")
    build.add_argument("--ray-address", help="a running Ray cluster (default: start a local one)")
    build.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    add_pipeline_options(build)
    # The paper's dataset sampling (§6.1), not describe's spoken-answer length; lower it for CPU runs.
    build.set_defaults(max_tokens=DATASET_GENERATION["max_tokens"], run=run)


def run(args: argparse.Namespace) -> int:
    config = pipeline_config(args)
    from echollama.training.dataset_builder import BuildSettings, build_dataset, dataset_generation, thread_runner

    settings = BuildSettings(
        images_dir=args.images,
        output=args.output,
        generation=dataset_generation(args.max_tokens, args.seed),
        teacher_url=args.teacher_url,
        teacher_model=args.teacher_model,
        base_url=args.base_url,
        base_model=args.base_model,
        grounded=args.grounded,
        samples=args.samples,
        workers=args.workers,
        limit=args.limit,
    )
    if args.ray:
        from echollama.training.ray_runner import ray_runner

        runner = ray_runner(settings, config, address=args.ray_address)
    else:
        runner = thread_runner(settings, config)
    report = build_dataset(settings, runner, progress=not args.no_progress)
    status(
        f"{args.output}: {report.written} new pairs, {report.already_done} images already done, "
        f"{report.skipped} without a pair (see {settings.skipped_path.name}), {report.images} images in all"
    )
    return 0
